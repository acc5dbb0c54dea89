"""Pictures of the live outputs, added to the committed notebooks at build time.

A repository page (or any viewer that runs no JavaScript and no kernel) cannot show the
step-through page (an ``<iframe srcdoc>``) or a widget. ``add_static_views`` adds a PNG
screenshot of each step-through page, taken in headless Chromium, to the same output's bundle
(Jupyter still shows the live page: it prefers HTML). A widget cannot work without its kernel
in any viewer, so its committed output is replaced by what it showed last: the playground by a
screenshot of the same playground trained, a progress bar by its final line of text; running
the cell again brings the widget back. An animated GIF gets an HTML ``<img>`` (nbconvert drops
image/gif) and its last frame as a PNG.

Used by ``build_all.py`` (``make notebooks-build``); the tests re-execute notebooks without it
(they compare text, not screenshots). Without Chromium the build says so and adds nothing;
``tests/test_notebooks.py`` then fails on the missing pictures, so the lead notices.
"""

from __future__ import annotations

import base64
import html as _html
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# the flags of tests/browser.py: no network of its own, no sandbox (containers), a throwaway profile
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
]
WIDTH = 1280  # a repository page's width
# notebook 06's playground (build_06.py), pictured for static viewers and for the README
PLAYGROUND = {"dataset": "moons", "hidden": [8, 8], "act": "tanh", "loss": "bce", "optimizer": "adam", "lr": 0.02}
PLAYGROUND_MARK = "PlaygroundWidget("  # the text/plain of the playground widget's output
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# a step-through page pictured part-way through backward(): the forward values all filled in,
# some grads computed and some still waiting (a srcdoc frame shares its parent's origin)
STEP_INTO_BACKWARD = """<script>window.addEventListener("load", () => {
  for (const frame of document.querySelectorAll("iframe")) {
    const stepper = frame.contentWindow && frame.contentWindow.microgradnetStepper;
    if (stepper) stepper.goTo(Math.round(0.7 * stepper.total));
  }
});</script>"""


def html_png(html: str, width: int = WIDTH, height: int = 660) -> bytes:
    """Screenshot of ``html`` (a whole page or a fragment), ``width`` × ``height`` pixels."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="mgn-nb-shot-") as tmp:
        page, shot = Path(tmp) / "page.html", Path(tmp) / "shot.png"
        page.write_text(f"<!doctype html><meta charset='utf-8'><body style='margin:8px'>{html}</body>",
                        encoding="utf-8")
        argv = [CHROMIUM, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--window-size={width},{height}",
                "--virtual-time-budget=3000", f"--screenshot={shot}", page.as_uri()]
        done = subprocess.run(argv, capture_output=True, timeout=120, check=False)
        if done.returncode != 0 or not shot.exists():
            last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"chromium could not take the screenshot: {last[0]}")
        return shot.read_bytes()


def _wait(driver: Any, script: str, timeout: float = 60.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"the playground page never answered: {script}")


def playground_png(config: dict[str, Any], steps: int = 300, height: int = 900) -> bytes:
    """The playground page with ``config``, trained ``steps`` steps and paused: a screenshot."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from microgradnet.playground.server import PlaygroundServer

    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium chromium-driver)")
    server = PlaygroundServer(0, config=config)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    profile = tempfile.mkdtemp(prefix="mgn-nb-chromium-")
    try:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [*FLAGS, f"--window-size={WIDTH},{height}", f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            driver.get(server.url)
            _wait(driver, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
            driver.find_element("css selector", '[data-k="play"]').click()
            _wait(driver, f"return window.mgnPlaygrounds[0].st.step >= {int(steps)}", timeout=300)
            driver.find_element("css selector", '[data-k="play"]').click()  # pause
            _wait(driver, "return window.mgnPlaygrounds[0].st.playing === false")
            time.sleep(1.0)  # the last view update drawn (a clicked neuron would cover the page)
            return driver.get_screenshot_as_png()
        finally:
            driver.quit()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        shutil.rmtree(profile, ignore_errors=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "".join(value or [])


def _iframe_height(html: str) -> int:
    import re

    found = re.search(r'<iframe[^>]*\sheight="(\d+)"', html)
    return int(found.group(1)) + 24 if found else 660


def gif_views(gif: bytes) -> dict[str, str]:
    """An animated GIF for every viewer: as an HTML image (nbconvert and Jupyter animate it;
    neither shows image/gif on its own) and its last frame as a PNG (viewers without HTML)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(gif)) as image:
        image.seek(getattr(image, "n_frames", 1) - 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(gif).decode("ascii")
    return {
        "text/html": f'<img src="data:image/gif;base64,{encoded}" alt="training animation" style="max-width:100%">',
        "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
    }


def add_static_views(nb: Any, playground_config: dict[str, Any] | None = None) -> list[str]:
    """Add a PNG to each step-through iframe's output and to the playground widget's output.
    Returns what was added or skipped, one line each (the build prints them)."""
    done: list[str] = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html = _text(data.get("text/html"))
            if "image/gif" in data and "text/html" not in data:
                data.update(gif_views(base64.b64decode(_text(data["image/gif"]))))
                done.append(f"cell {index}: the GIF as HTML and its last frame as PNG")
                continue
            plain = _text(data.get("text/plain"))
            if WIDGET_VIEW in data:
                # a widget needs its kernel: committed, it would be a blank box or "model not found"
                # everywhere (Jupyter reopened, nbconvert, a repository page); running the cell
                # again brings the live widget back
                del data[WIDGET_VIEW]
                if not plain.startswith(PLAYGROUND_MARK):  # e.g. the progress bar: its last state
                    data["text/html"] = f"<pre style='margin:0'>{_html.escape(plain)}</pre>"
                    done.append(f"cell {index}: widget replaced by its last state as text")
                    continue
            try:
                if "<iframe srcdoc=" in html:
                    png = html_png(html + STEP_INTO_BACKWARD, height=_iframe_height(html))
                elif plain.startswith(PLAYGROUND_MARK):
                    png = playground_png(playground_config or {})
                else:
                    continue
            except Exception as exc:  # a missing browser must not lose the whole build
                done.append(f"cell {index}: no static picture ({type(exc).__name__}: {exc})")
                print(done[-1], file=sys.stderr)
                continue
            data["image/png"] = base64.b64encode(png).decode("ascii")
            done.append(f"cell {index}: static picture added ({len(png) // 1024} KB)")
    nb.metadata.pop("widgets", None)  # no output shows a widget any more
    return done
