"""The zero-install site (``make site``): JupyterLite with microgradnet, served by a plain static server.

The browser tests run headless Chromium with every host name but 127.0.0.1 unresolvable
(``--host-resolver-rules``), against a static server on 127.0.0.1 serving the built ``site/``:
anything the site tried to fetch from a CDN or PyPI would fail, and the lab would not start.

The site is built once per session if ``site/`` is missing (``MICROGRADNET_SITE=<folder>`` tests
another build). Run as a script, this file prints the load-time measurements and saves
screenshots: ``.venv/bin/python tests/test_site.py [--shots DIR]``.
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMEDRIVER, CHROMIUM, FLAGS, needs_chromium, wait_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("MICROGRADNET_SITE", ROOT / "site"))
NOTEBOOK = "01_values_and_graphs.ipynb"
KERNEL_TIMEOUT = 120  # s: a cold Pyodide start on a busy 2-core machine, with every wheel fetched


# ---- the site --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site() -> Path:
    """The built site (built here when absent: npm and PyPI must be reachable then)."""
    if not (SITE / "jupyterlite" / "index.html").is_file():
        sys.path.insert(0, str(ROOT / "web"))
        import build_site

        assert build_site.main(["--out", str(SITE)]) == 0
    return SITE


def _lock(site: Path) -> dict:
    return json.loads((site / "jupyterlite" / "static" / "pyodide-lock" / "pyodide-lock.json").read_text())


def _kernel_settings(site: Path) -> dict:
    config = json.loads((site / "jupyterlite" / "jupyter-lite.json").read_text())["jupyter-config-data"]
    return config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]


def test_every_locked_wheel_is_served_by_the_site(site: Path):
    lock = _lock(site)
    base = site / "jupyterlite" / "static" / "pyodide"  # Pyodide resolves file names against its own folder
    names = set(lock["packages"])
    assert {"microgradnet", "tqdm", "graphviz", "ipykernel", "pyodide-kernel"} <= names
    for name, package in lock["packages"].items():
        assert "://" not in package["file_name"], f"{name} is fetched from {package['file_name']}"
        assert (base / package["file_name"]).resolve().is_file(), f"{name}: {package['file_name']} missing"
        for dependency in package["depends"]:
            assert dependency in names, f"{name} needs {dependency}, which the lock lacks"
    # graphviz-pure is a native program: it must not be asked for inside the browser
    assert "graphviz-pure" not in names and "graphviz-pure" not in lock["packages"]["microgradnet"]["depends"]


def test_the_kernel_is_configured_for_the_local_pyodide_only(site: Path):
    settings = _kernel_settings(site)
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert (site / "jupyterlite" / "static" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert settings["disablePyPIFallback"] is True  # `%pip install` must not reach for PyPI
    assert "microgradnet" in settings["loadPyodideOptions"]["packages"]
    # where microgradnet.viz.browser looks by default
    assert (site / "jupyterlite" / "static" / "viz" / "viz.js").is_file()


def test_the_wheel_in_the_site_is_this_tree(site: Path):
    import zipfile

    wheel = next((site / "jupyterlite" / "static" / "pyodide-lock").glob("microgradnet-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n: archive.read(n) for n in archive.namelist() if n.startswith("microgradnet/")}
    assert "microgradnet/viz/browser.py" in shipped and "microgradnet/playground/chunked.py" in shipped
    tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "microgradnet").rglob("*.py")}
    stale = sorted(n for n in tree if shipped.get(n) != (ROOT / n).read_bytes())
    assert not stale, f"{SITE} was built from another tree (make site again): {stale[:5]}"


def test_the_site_ships_the_notices_and_a_landing_page(site: Path):
    notices = (site / "NOTICES.md").read_text()
    for licence in ("MPL-2.0", "EPL-1.0", "MIT", "BSD-3-Clause"):
        assert licence in notices
    landing = (site / "index.html").read_text()
    links = [urllib.parse.urlsplit(h) for h in re.findall(r'href="([^"]+)"', landing)]
    assert {"jupyterlite/lab/index.html", "playground/index.html", "NOTICES.md"} <= {u.path for u in links}
    for link in links:
        assert (site / link.path).is_file(), link.path  # every link of the landing page is in the site
    opened = {urllib.parse.parse_qs(u.query)["path"][0] for u in links if u.query}
    assert opened == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}  # one link per notebook
    assert (site / "playground" / "index.html").read_text().count('<script src="transport.js"></script>') == 1


# ---- serving it, and a browser that can reach nothing else ----------------------------------------
class _Handler(http.server.SimpleHTTPRequestHandler):
    served: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        self.served.append(self.path)


@contextmanager
def static_server(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """A loopback static server for ``folder``: its base URL and the list of paths it served."""
    served: list[str] = []
    handler = type("Handler", (_Handler,), {"served": served})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def offline_chromium(width: int, height: int) -> Iterator[Any]:
    """Headless Chromium that resolves no host name but 127.0.0.1 (so no CDN, no PyPI)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mgn-site-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(KERNEL_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked for (Chromium's network log, read once)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# JavaScript run in the page (selenium's execute_async_script: the last argument is the callback).
_OPEN_NOTEBOOK = """
const [path, done] = arguments;
(async () => {
  while (!window.jupyterapp) await new Promise(r => setTimeout(r, 100));
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready; await panel.sessionContext.ready;
  const t0 = performance.now();
  while (!panel.sessionContext.session?.kernel || panel.sessionContext.session.kernel.status !== 'idle')
    await new Promise(r => setTimeout(r, 100));
  done({ok: true, kernelIdleAt: performance.now(), since: t0});
})().catch(e => done({ok: false, error: String(e && e.stack || e)}));
"""

# Clears every output, then runs the code cells up to the one holding `marker` (inclusive),
# returning each run cell's source and outputs.
_RUN_UNTIL = """
const [marker, done] = arguments;
(async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const notebook = panel.content;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const results = [];
  for (let i = 0; i < notebook.widgets.length; i++) {
    const cell = notebook.widgets[i];
    if (cell.model.type !== 'code') continue;
    notebook.activeCellIndex = i;
    const t0 = performance.now();
    await app.commands.execute('notebook:run-cell');
    results.push({index: i, source: cell.model.sharedModel.getSource(), ms: performance.now() - t0,
                  outputs: cell.model.outputs.toJSON()});
    if (cell.model.sharedModel.getSource().includes(marker)) break;
  }
  done({ok: true, results});
})().catch(e => done({ok: false, error: String(e && e.stack || e)}));
"""

# Runs code in the notebook's kernel, returning its stream text and rich outputs.
_EXECUTE = """
const [code, done] = arguments;
(async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const outputs = [];
  const future = kernel.requestExecute({code});
  const kinds = ['stream', 'execute_result', 'display_data', 'error'];
  future.onIOPub = msg => {
    if (kinds.includes(msg.header.msg_type)) outputs.push({type: msg.header.msg_type, content: msg.content});
  };
  const reply = await future.done;
  done({ok: reply.content.status === 'ok', outputs});
})().catch(e => done({ok: false, error: String(e && e.stack || e)}));
"""


def _text(outputs: list[dict]) -> str:
    texts = [o["text"] for o in outputs if o.get("output_type") == "stream"]
    return "".join(t if isinstance(t, str) else "".join(t) for t in texts)


def _lecture_x1_grad() -> float:
    """The lecture's d o / d x1 by hand: o = tanh(n), n = x1·w1 + x2·w2 + b, so w1·(1 - tanh(n)²)."""
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    return w1 * (1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2)


@contextmanager
def lab(
    site: Path, width: int = 1280, height: int = 800, notebook: str | None = None
) -> Iterator[tuple[Any, dict]]:
    """The lab open on ``notebook`` (NOTEBOOK) with its kernel idle: the driver and load measurements."""
    notebook = notebook or NOTEBOOK
    with static_server(site) as (base, served), offline_chromium(width, height) as driver:
        started = time.perf_counter()
        driver.get(f"{base}/jupyterlite/lab/index.html?path={notebook}")
        try:
            opened = driver.execute_async_script(_OPEN_NOTEBOOK, notebook)
        except Exception as exc:  # a kernel that never starts: say what the page and server saw
            logs = [e["message"][:200] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            raise AssertionError(f"the lab's kernel did not start: {type(exc).__name__}; "
                                 f"page errors: {logs}; last requests served: {served[-5:]}") from None
        assert opened["ok"], opened
        timing = {"kernel_ready_s": time.perf_counter() - started, "base": base, "served": served}
        yield driver, timing


@needs_chromium
def test_the_lab_runs_the_lecture_offline_and_draws(site: Path):
    with lab(site) as (driver, timing):
        ran = driver.execute_async_script(_RUN_UNTIL, "x1.grad")
        assert ran["ok"], ran
        cells = ran["results"]
        errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, errors
        # the lecture's numbers, computed in the browser's Python, against native CPython's
        neuron = cells[-1]
        line = next(t for t in _text(neuron["outputs"]).splitlines() if t.startswith("x1.grad"))
        x1_grad = float(line.split()[2])
        assert math.isclose(x1_grad, -1.5, abs_tol=1e-12)
        assert math.isclose(x1_grad, _lecture_x1_grad(), rel_tol=1e-12)
        # draw_dot(L) and draw_dot(o) returned SVG drawn by viz-js inside the page
        drawings = [o for c in cells for o in c["outputs"] if "image/svg+xml" in o.get("data", {})]
        assert len(drawings) >= 2
        svg = "".join(drawings[-1]["data"]["image/svg+xml"])
        assert "<svg" in svg and "x1" in svg and "tanh" in svg
        # every request the page made went to the local server
        urls = requested_urls(driver)
        foreign = [u for u in urls if not u.startswith((timing["base"], "data:", "blob:", "chrome:"))]
        assert not foreign, foreign
        assert any(p.endswith("pyodide.asm.wasm") for p in timing["served"])
        assert any("microgradnet-" in p and p.endswith(".whl") for p in timing["served"])
        assert any(p.endswith("/static/viz/viz.js") for p in timing["served"])


@needs_chromium
def test_render_svg_in_the_kernel(site: Path):
    with lab(site) as (driver, _):
        code = (
            "import sys\n"
            "from microgradnet.viz import browser\n"
            "svg = browser.render_svg('digraph { a -> b [label=\"6.0\"] }')\n"
            "print(sys.platform, svg.count('<g id=\"node'), svg.count('<g id=\"edge'), '6.0' in svg)\n"
            "try:\n"
            "    browser.render_svg('digraph { a -> }')\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__, str(exc).splitlines()[0])\n"
        )
        answer = driver.execute_async_script(_EXECUTE, code)
        assert answer["ok"], answer
        lines = "".join(o["content"]["text"] for o in answer["outputs"] if o["type"] == "stream").splitlines()
        assert len(lines) == 2, lines  # the drawing's summary, then the invalid source's error
        assert lines[0] == "emscripten 2 1 True"
        assert lines[1].startswith("RenderError render_svg: Graphviz (viz-js) rejected the DOT source")


# Calls the page's transport (what playground.js's api() uses) and answers its JSON.
_CALL = """
const [name, body, done] = arguments;
window.microgradnetTransport(name, body).then(done, e => done({error: String(e)}));
"""


# the page's latest state's step, plus one (step 0 must count as started)
_STEP = "const a = (window.mgnPlaygrounds || [])[0]; return a && a.st ? a.st.step + 1 : 0"


@needs_chromium
def test_the_playground_trains_in_a_worker_and_equation_8_matches_native_backward(site: Path, tmp_path: Path):
    from microgradnet import nn
    from microgradnet.playground.features import FEATURES
    from tests.oracles import central_difference_in_place

    with static_server(site) as (base, served), offline_chromium(1280, 800) as driver:
        driver.get(f"{base}/playground/index.html")
        wait_for(driver, _STEP, KERNEL_TIMEOUT)
        call = functools.partial(driver.execute_async_script, _CALL)
        assert call("state", {"since": 0})["step"] == 0
        driver.find_element("css selector", '.mgn-pg [data-k="play"]').click()
        wait_for(driver, _STEP.replace("+ 1 : 0", ">= 30 : false"), 60)  # the counter advances
        driver.find_element("css selector", '.mgn-pg [data-k="play"]').click()  # pause
        deadline = time.monotonic() + 10
        while (state := call("state", {"since": 0}))["playing"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not state["playing"] and state["step"] >= 30
        time.sleep(0.5)
        assert call("state", {"since": 0})["step"] == state["step"]  # paused: no more steps
        config, data = call("state", {"since": 0})["config"], call("dataset", {})
        # click weight w²₁,₁ (layer 2, neuron 1, input 1) in the drawing: the panel shows Equation 8
        l, i, j = 2, 1, 1
        driver.execute_script(
            "document.querySelector(`.mgn-pg path.hit[data-l='${arguments[0]}'][data-i='${arguments[1]}']"
            "[data-j='${arguments[2]}']`).dispatchEvent(new MouseEvent('click', {bubbles: true}))", l, i, j)
        shown = wait_for(driver, "const q = (k) => document.querySelector(`.mgn-pg [data-k='${k}']`);"
                                  " return q('eq8') && [q('eq8').dataset.value, q('weight').dataset.value,"
                                  " window.mgnPlaygrounds[0].sample]", 20)
        k = shown[2]
        explained = {"equation8": float(shown[0]), "weight": float(shown[1])}
        explained["backward"] = call("explain", {"l": l, "i": i, "j": j, "sample": k})["backward"]
        model = tmp_path / "model.json"
        model.write_text(call("export", {"what": "model"})["text"])
        assert not [u for u in served if not u.startswith("/")]
    # natively, from the exported model: the same weight, and dE/dw by a finite difference
    assert config["loss"] == "bce" and config["act"] == "tanh"
    m = nn.load_model(model)
    w = m.layers[l - 1].neurons[i - 1].w[j - 1]
    assert w.data == explained["weight"]
    x = [FEATURES[f](*data["points"][k]) for f in data["features"]]
    y01 = 1.0 if data["labels"][k] == 1 else 0.0

    def loss() -> float:  # bce on the score, labels onto 0/1: log(1 + e^s) - y·s
        s = m(x).data
        return math.log1p(math.exp(s)) - y01 * s

    (fd,) = central_difference_in_place(loss, [w])
    assert explained["equation8"] == pytest.approx(fd, rel=1e-5, abs=1e-8)
    assert explained["equation8"] == pytest.approx(explained["backward"], rel=1e-12)


_WIDGET_COUNTER = "const b = document.querySelector('.mgn-pg [data-k=\"stepcount\"]'); "
_WIDGET_STEP = _WIDGET_COUNTER + "return b ? b.textContent : ''"


@needs_chromium
def test_notebook_06s_playground_widget_plays_and_pauses_in_the_lab(site: Path):
    with lab(site, notebook="06_playground.ipynb") as (driver, _):
        ran = driver.execute_async_script(_RUN_UNTIL, "pg = playground(")
        assert ran["ok"], ran
        assert not [o for o in ran["results"][-1]["outputs"] if o["output_type"] == "error"]
        # the widget's page filled its controls through widget messages, answered by the kernel
        wait_for(driver, "const s = document.querySelector('.mgn-pg [data-k=\"dataset\"]');"
                          " return s && s.options.length", 30)
        assert driver.execute_script(_WIDGET_STEP) == "0"
        play = driver.find_element("css selector", '.mgn-pg [data-k="play"]')
        play.click()
        wait_for(driver, _WIDGET_COUNTER + "return b && +b.textContent >= 30", 60)
        play.click()  # pause
        deadline, last = time.monotonic() + 10, None
        while (now := driver.execute_script(_WIDGET_STEP)) != last and time.monotonic() < deadline:
            last = now
            time.sleep(1.0)  # stable for a second: the asyncio chunks stopped
        assert now == last and int(now) >= 30


def test_render_svg_outside_pyodide_names_the_problem():
    from microgradnet.viz import browser

    assert not browser.available()
    with pytest.raises(RuntimeError, match="render_svg: the viz-js engine runs only inside Pyodide"):
        browser.render_svg("digraph { a }")
    with pytest.raises(TypeError, match="render_svg: dot_source must be a str"):
        browser.render_svg(b"digraph { a }")  # type: ignore[arg-type]


def _measure(shots: Path) -> None:
    """Cold load to an idle kernel, the lecture cells' run time, screenshots at 1280x800."""
    shots.mkdir(parents=True, exist_ok=True)
    with lab(SITE) as (driver, timing):
        print(f"cold load to kernel idle: {timing['kernel_ready_s']:.1f} s")
        driver.save_screenshot(str(shots / "lab-open.png"))
        ran = driver.execute_async_script(_RUN_UNTIL, "x1.grad")
        assert ran["ok"], ran
        for cell in ran["results"]:
            print(f"cell {cell['index']:2d}: {cell['ms']:7.0f} ms  {cell['source'].splitlines()[0][:60]}")
        print(_text(ran["results"][-1]["outputs"]))
        driver.execute_script("window.jupyterapp.shell.currentWidget.content.activeCellIndex = 11;"
                              "window.jupyterapp.shell.currentWidget.content.scrollToItem?.(11)")
        time.sleep(1)
        driver.save_screenshot(str(shots / "lab-neuron.png"))
        paths = {urllib.parse.urlsplit(p).path for p in timing["served"]}
        files = [SITE / urllib.parse.unquote(p).lstrip("/") for p in paths]
        size = sum(f.stat().st_size for f in files if f.is_file())
        print(f"requests served: {len(timing['served'])}, {len(paths)} files, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    _measure(Path(sys.argv[sys.argv.index("--shots") + 1] if "--shots" in sys.argv else "/tmp/site-shots"))
