"""Benchmark of the playground (not a test): ``python -m microgradnet.playground.bench``.

Workload of issue 16: MLP 2-16-16-1 on 200 moons training points, a 50×50 boundary grid and
every neuron's map redrawn at each view update. Measures, on this machine:

- training steps per second in the session's thread (compiled replay, full batch);
- re-recording after an architecture change and after a data change (``configure``);
- how long ``pause`` takes to answer while training runs (over HTTP);
- in headless Chromium (when installed): view updates per second and steps per second as the
  page shows them, each update a JavaScript forward pass over the grid for every neuron, and
  the fastest update seen (its JavaScript time).

Wall-clock figures depend on what else the machine runs; ``step_cpu_ms`` (CPU time of one
training step with its evaluation) and ``render_min_ms`` say what a free core would give.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import threading
import time
import urllib.request
from typing import Any

from .server import PlaygroundServer
from .session import Session

CONFIG: dict[str, Any] = {"dataset": "moons", "points": 250, "train_percent": 80, "hidden": [16, 16],
                          "act": "tanh", "loss": "bce", "optimizer": "adam", "lr": 0.02}


def _post(srv: PlaygroundServer, name: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(srv.origin + "/api/" + name, data=json.dumps(body).encode(), method="POST",
                                 headers=srv.page_headers())  # as the page: same origin, JSON, the key
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def session_figures() -> dict[str, float]:
    """Steps/s of the training step alone, and re-record times (median of 5)."""
    s = Session(CONFIG)
    assert s.n_train == 200
    s.step(5)
    t0, c0 = time.perf_counter(), time.thread_time()
    s.step(100)
    steps = 100 / (time.perf_counter() - t0)
    cpu_ms = 1000 * (time.thread_time() - c0) / 100  # CPU time: what a free core would need
    arch, data = [], []
    for k in range(5):
        t0 = time.perf_counter()
        s.configure({"hidden": [16, 16 + (k % 2)]})
        arch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        s.configure({"noise": 0.1 + 0.01 * (k + 1)})
        data.append(time.perf_counter() - t0)
    s.close()
    return {"steps_per_s_thread": steps, "step_cpu_ms": cpu_ms, "rerecord_arch_s": statistics.median(arch),
            "rerecord_data_s": statistics.median(data)}


def browser_figures(seconds: float = 10.0) -> dict[str, float] | None:
    """View updates/s and steps/s in headless Chromium, and pause latency over HTTP meanwhile."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    import sys

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    sys.setswitchinterval(0.001)  # as serve() does
    srv = PlaygroundServer(0, config=CONFIG)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
                 "--disable-component-update --disable-sync --disable-dev-shm-usage "
                 "--window-size=1920,1080").split():
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='mgn-bench-')}")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    try:
        driver.get(srv.url)
        end = time.monotonic() + 30
        while not driver.execute_script("return !!(window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready)"):
            if time.monotonic() > end:
                raise RuntimeError("the page did not start")
            time.sleep(0.1)
        (sid,) = srv.sessions
        driver.find_element("css selector", '[data-k="play"]').click()
        time.sleep(1.0)
        u0, s0, t0 = driver.execute_script(
            "const a = window.mgnPlaygrounds[0]; return [a.stats.updates, a.st.step, performance.now()]")
        time.sleep(seconds)
        u1, s1, t1, render_ms = driver.execute_script(
            "const a = window.mgnPlaygrounds[0]; return [a.stats.updates, a.st.step, performance.now(), "
            "a.stats.renderMin]")
        pauses = []
        for _ in range(10):  # pause while training runs, then play again
            t_0 = time.perf_counter()
            _post(srv, "pause", {"sid": sid})
            pauses.append(time.perf_counter() - t_0)
            _post(srv, "play", {"sid": sid})
            time.sleep(0.3)
        dt = (t1 - t0) / 1000
        return {"view_updates_per_s": (u1 - u0) / dt, "steps_per_s_page": (s1 - s0) / dt,
                "render_min_ms": render_ms, "pause_median_ms": 1000 * statistics.median(pauses),
                "pause_max_ms": 1000 * max(pauses)}
    finally:
        driver.quit()
        srv.shutdown()
        srv.server_close()


def main() -> None:
    """Print the figures."""
    print("microgradnet playground benchmark: MLP 2-16-16-1, 200 moons training points (+50 test), "
          "50x50 grid, every neuron map")
    for k, v in session_figures().items():
        print(f"  {k:24s} {v:10.3f}")
    b = browser_figures()
    if b is None:
        print("  (no chromium: browser figures skipped)")
    else:
        for k, v in b.items():
            print(f"  {k:24s} {v:10.3f}")


if __name__ == "__main__":
    main()
