"""A headless Chromium for the browser tests (Debian's chromium + chromedriver, via selenium)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --disable-dev-shm-usage"
).split()

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install chromium chromium-driver)"
)


@contextmanager
def chromium(width: int = 1400, height: int = 900, extra_flags: tuple[str, ...] = ()) -> Iterator[Any]:
    """A selenium driver for a fresh headless Chromium profile, quit and removed afterwards."""
    from selenium import webdriver  # a dev dependency: missing it is an error, not a skip
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mgn-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}", *extra_flags]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, script: str, timeout: float = 30.0) -> Any:
    """Poll ``script`` in the page until it returns something truthy; fail after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for: {script}")


@contextmanager
def serving(config: dict[str, Any]) -> Iterator[Any]:
    """A playground server on a free loopback port, in a thread, stopped afterwards."""
    import threading

    from microgradnet.playground.server import PlaygroundServer

    srv = PlaygroundServer(0, config=config)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)
