"""In Pyodide (the zero-install site) every picture comes from the browser's Graphviz.

The real engine (@viz-js/viz) runs only in a browser: tests/test_site.py drives it there. Here
the platform is pretended and the engine replaced by a stand-in that runs native dot, to check
that every drawing path picks it, asks for SVG only, and starts no thread (Pyodide has none).
"""

from __future__ import annotations

import sys
import threading

import pytest

from microgradnet import Value
from microgradnet.viz import browser, render, slides
from microgradnet.viz.errors import GraphvizUnavailable


@pytest.fixture
def pyodide(monkeypatch):
    """Pretend to be Pyodide; the browser engine is native SVG, recorded, threads forbidden."""
    if "system" not in render.available_engines() and "graphviz-pure" not in render.available_engines():
        pytest.skip("needs a native Graphviz to stand in for the browser's")
    native = "system" if "system" in render.available_engines() else "graphviz-pure"
    calls: list[str] = []

    def fake_render_svg(source: str) -> str:
        calls.append(source)
        return render.pipe(source, "svg", engine=native).decode("utf-8")

    def no_threads(*args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(browser, "render_svg", fake_render_svg)
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(threading.Thread, "start", no_threads)
    return calls


def test_the_browser_engine_is_the_only_one_in_pyodide(pyodide):
    assert render.available_engines() == [render.BROWSER]
    assert render.choose_engine("svg") == render.BROWSER
    with pytest.raises(GraphvizUnavailable, match="SVG only"):
        render.choose_engine("png")


def test_step_slides_draw_through_the_browser_one_after_another(pyodide, tmp_path):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    root = (a * b).tanh()
    paths = slides.step_images(root, tmp_path, format="svg")
    assert len(paths) >= 3 and len(pyodide) >= len(paths)  # (and a few drafts to measure)
    assert all(p.read_text().lstrip().startswith(("<?xml", "<svg")) for p in paths)
