"""The playground draws every activation with its own formula: the page's JavaScript (run in
Chromium, as the heat maps run it), the GIF's numpy kernel and the Python forward agree to 1e-12
relative on a grid, for every activation of the table and one declared here with
``define_op(..., activation=True, js=...)``; an activation the page has no formula for is an
error on the page, never the identity. The Python side is checked against a formula written
here for the declared one (an independent oracle)."""

from __future__ import annotations

import math
import threading
import time

import pytest

from microgradnet import define_op, ops
from microgradnet.engine import Value
from microgradnet.playground.server import PlaygroundServer
from microgradnet.playground.session import Session
from tests.browser import chromium, needs_chromium

GRID = [k / 16 for k in range(-320, 321)] + [-40.0, -25.0, 25.0, 40.0, 1e-9, -1e-9, 0.0, 3e-5, -7e-7]
NAME = "pg_softsign"


def _softsign(x: float) -> float:
    """x / (1 + |x|), written here on floats: the oracle for the declared activation."""
    return x / (1.0 + abs(x))


@pytest.fixture(scope="module")
def declared():
    define_op(NAME, lambda x: x / (1 + abs(x)), lambda x, out: 1 / (1 + abs(x)) ** 2,
              activation=True, js="x / (1 + Math.abs(x))")
    yield NAME
    ops.OPS.pop(NAME, None)  # leave the table as the other test modules expect it
    if hasattr(Value, NAME):
        delattr(Value, NAME)


@pytest.fixture(scope="module")
def page(declared):
    srv = PlaygroundServer(0, config={"hidden": [3], "points": 40, "act": declared})
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    with chromium(1280, 800) as driver:
        driver.get(srv.url)
        end = time.monotonic() + 30
        while not driver.execute_script("return !!(window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready)"):
            assert time.monotonic() < end, "the page did not start"
            time.sleep(0.05)
        yield driver
    srv.shutdown()
    srv.server_close()
    t.join(5)


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def test_a_declared_activation_follows_its_oracle_in_python_and_numpy(declared):
    np = pytest.importorskip("numpy")
    row = ops.activation_row(declared)
    kernel = ops.numpy_forward(declared)
    got = kernel(np.array(GRID)).tolist()
    for x, g in zip(GRID, got):
        assert _close(row.phi(x), _softsign(x)), x
        assert _close(g, _softsign(x)), x


@needs_chromium
def test_the_pages_formula_numpy_and_python_agree_for_every_activation(page, declared):
    np = pytest.importorskip("numpy")
    names = page.execute_script("return window.mgnPlaygrounds[0].choices.activations")
    assert declared in names and set(names) == set(ops.activations())
    drawn = page.execute_script(
        "const app = window.mgnPlaygrounds[0], out = {};"
        "for (const n of arguments[0]) { const f = app.formula(n); out[n] = arguments[1].map((x) => f(x)); }"
        "return out;", names, GRID)
    for name in names:
        row = ops.activation_row(name)
        kernel = ops.numpy_forward(name)(np.array(GRID)).tolist()
        for x, js, nk in zip(GRID, drawn[name], kernel):
            py = row.phi(x)
            assert _close(js, py) and _close(nk, py), (name, x, js, nk, py)


@needs_chromium
def test_the_declared_activation_trains_and_its_heat_maps_are_drawn(page, declared):
    """The page's session trains a network of the declared activation and the output map is
    painted from the page's formula (the same as the one just checked)."""
    message = page.execute_script("return document.querySelector('[data-k=msg]').hidden")
    assert message is True  # no error shown
    assert page.execute_script("return window.mgnPlaygrounds[0].cfg.act") == declared
    s = Session({"hidden": [3], "points": 40, "act": declared})
    first = s.history[0][1]
    s.step(40)
    assert s.history[-1][1] < first
    assert math.isfinite(s.history[-1][1])


@needs_chromium
def test_an_activation_without_a_formula_is_an_error_never_the_identity(page):
    err = page.execute_script("try { window.mgnPlaygrounds[0].formula('nope'); return null; }"
                              "catch (e) { return String(e.message); }")
    assert err is not None and "no formula" in err and "nope" in err
    # drawn with such an activation, the page says so instead of painting a linear network
    page.execute_script("const app = window.mgnPlaygrounds[0];"
                        "app.cfg = Object.assign({}, app.cfg, {act: 'nope'});")
    page.execute_script("window.dispatchEvent(new Event('resize'))")
    end = time.monotonic() + 10
    while "nope" not in page.execute_script("return document.querySelector('[data-k=msg]').textContent"):
        assert time.monotonic() < end, "no error message on the page"
        time.sleep(0.05)
