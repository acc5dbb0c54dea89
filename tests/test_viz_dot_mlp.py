"""draw_dot of MLP graphs: layers in bands, the article's names, legible indices, fonts that have
the glyphs, pictures sized for a screen, and a warning when a picture cannot be read.

Expected names are built here from the graph itself (labels, operands, the chain of ``+``
nodes) and expected sizes from the font file's own glyph outlines, never from draw_dot.
"""

from __future__ import annotations

import html
import random
import re
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import pytest

import microgradnet.viz.browser as browser
from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.notation import FONT
from microgradnet.viz import GraphvizUnavailable, available_engines, draw_dot, render, svg, trace
from microgradnet.viz.display import measure

SVG_NS = "{http://www.w3.org/2000/svg}"
SUP = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
SUB = dict(zip("0123456789,", "₀₁₂₃₄₅₆₇₈₉,"))
SCRIPTS = set(SUP.values()) | set(SUB.values()) - {","}
ENGINES = [e for e in available_engines() if e != "wasi"]  # wasi cannot draw HTML-like labels


def loss_graph(sizes: list[int], seed: int = 0) -> Value:
    """One sample's squared error through MLP(2, sizes), inputs given as numbers (leaves x_j)."""
    random.seed(seed)
    out = MLP(2, sizes)([0.5, -1.0])
    loss = (out - 1.0) ** 2
    loss.backward()
    return loss


def typeset(label: str) -> str:
    """w^1_{2,1} -> w¹₂,₁, z^1_2 -> z¹₂, x_1 -> x₁ (written out here, independently of notation)."""
    label = re.sub(r"\^\{?(\d+)\}?", lambda m: "".join(SUP[c] for c in m.group(1)), label)
    return re.sub(r"_\{?([\d,]+)\}?", lambda m: "".join(SUB[c] for c in m.group(1)), label)


def tables(source: str) -> dict[str, tuple[str, ...]]:
    """The cells of each Value's table by node id, as text."""
    out = {}
    for m in re.finditer(r"^\s*(\w+) \[label=<(<TABLE.*?</TABLE>)>", source, flags=re.M):
        cells = re.findall(r"<TD[^>]*>(.*?)</TD>", m.group(2))
        out[m.group(1)] = tuple(html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells)
    return out


def names_by_node(root: Value, **kw) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """id(Value) -> the name in its table (first cell, unless that is a number)."""
    nodes, _ = trace(root)
    out = {}
    for uid, cells in tables(draw_dot(root, max_nodes=None, **kw).source).items():
        if cells and not cells[0].startswith(("data ", "grad ")):
            out[id(nodes[int(uid[1:])])] = cells[0]
    return out


# ---- names ------------------------------------------------------------------------------------
def test_partial_sums_are_named_as_the_article_would_and_products_after_the_input_they_read():
    root = loss_graph([3, 1])
    names = names_by_node(root, clusters=False)
    nodes, _ = trace(root)
    terms: dict[int, int] = {}  # products summed so far, counted along each chain of +
    products = partials = 0
    for v in nodes:
        if v._op == "*" and "·" in v.label:
            weight, operand = v._prev
            assert names[id(v)] == f"{typeset(weight.label)}·{typeset(operand.label)}"
            products += 1
        if v._op == "+" and not v.label:
            k = sum(terms.get(id(c), 0) + ("·" in c.label) for c in v._prev)
            terms[id(v)] = k
            # the z this chain ends in carries the neuron's indices
            z = next(p for p in nodes if v in p._prev)
            while not z.label:
                z = next(p for p in nodes if z in p._prev)
            assert names[id(v)] == f"{typeset(z.label)} (j≤{k})"
            partials += 1
    assert products == 2 * 3 + 3 * 1 and partials == 1 * 3 + 2 * 1
    assert "x₁" in names.values() and "o⁰₁" not in " ".join(names.values())  # inputs keep one name


# ---- legible indices --------------------------------------------------------------------------
def font_file(family: str) -> str:
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    return subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout


def glyph_height(font, ch: str) -> float:  # type: ignore[no-untyped-def]
    """Height of a character's outline, in font units (from the font file)."""
    from fontTools.pens.boundsPen import BoundsPen

    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[font.getBestCmap()[ord(ch)]].draw(pen)
    return pen.bounds[3] - pen.bounds[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_indices_are_at_least_three_quarters_of_the_texts_size(engine):
    """9 px indices where the text is 12 px: a script digit drawn at its font size must be at
    least 0.75 × the height of a digit of the text around it."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    font = ttlib.TTFont(font_file(FONT), fontNumber=0)
    digit = glyph_height(font, "1")
    root = ET.fromstring(svg(draw_dot(loss_graph([3, 1]), rankdir="TB"), engine=engine))
    texts = list(root.iter(f"{SVG_NS}text"))
    base = min(float(t.get("font-size")) for t in texts if not SCRIPTS & set(t.text or ""))
    checked = 0
    for t in root.iter(f"{SVG_NS}text"):
        for ch in set(t.text or "") & SCRIPTS:
            ratio = glyph_height(font, ch) * float(t.get("font-size")) / (digit * base)
            assert ratio >= 0.75, (t.text, ratio)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("engine", ENGINES)
def test_every_glyph_of_an_mlp_graph_is_in_the_font_fontconfig_gives(engine):
    ttlib = pytest.importorskip("fontTools.ttLib")
    root = ET.fromstring(svg(draw_dot(loss_graph([3, 1]), number=True), engine=engine))
    cmaps: dict[str, dict[int, str]] = {}
    checked = 0
    for t in root.iter(f"{SVG_NS}text"):
        family = t.get("font-family", "Times").split(",")[0].strip()
        if family not in cmaps:
            cmaps[family] = ttlib.TTFont(font_file(family), fontNumber=0).getBestCmap()
        missing = [ch for ch in (t.text or "") if ch.strip() and ord(ch) not in cmaps[family]]
        assert not missing, f"{family} has no glyph for {missing} in {t.text!r}"
        checked += 1
    assert checked > 100 and FONT in cmaps


def test_svg_names_fallback_fonts_for_browsers_without_the_first():
    picture = svg(draw_dot(loss_graph([1])))
    families = set(re.findall(r'font-family="([^"]+)"', picture))
    assert families and all(f.split(",")[0] == FONT and f.rstrip().endswith("sans-serif") for f in families)


@pytest.mark.skipif("graphviz-pure" not in available_engines(), reason="graphviz-pure not installed")
def test_graphviz_pure_pngs_are_drawn_in_its_sans_face_not_its_serif_fallback():
    """graphviz-pure rasterises with built-in fonts and has no DejaVu Sans: asked for it, it
    draws a serif; its sans face answers to Helvetica."""
    dot = 'digraph { a [fontname="%s" label="data 2.0000 grad"] }'
    ours = render.pipe(dot % FONT, "png", engine="graphviz-pure")
    sans = render.pipe(dot % "Helvetica", "png", engine="graphviz-pure")
    serif = render._run([render._graphviz_pure_exe() or "", "-Tpng"], dot % FONT, "graphviz-pure")
    assert ours == sans and ours != serif


# ---- layout -----------------------------------------------------------------------------------
def cluster_boxes(picture: str) -> dict[str, tuple[float, float, float, float]]:
    """cluster name -> (x0, y0, x1, y1) of its outline in the SVG."""
    out = {}
    for g in ET.fromstring(picture).iter(f"{SVG_NS}g"):
        title = g.find(f"{SVG_NS}title")
        if g.get("class") == "cluster" and title is not None:
            shape = next(iter([*g.iter(f"{SVG_NS}path"), *g.iter(f"{SVG_NS}polygon")]))
            nums = [float(v) for v in re.findall(r"-?[\d.]+", shape.get("d") or shape.get("points") or "")]
            out[title.text] = (min(nums[0::2]), min(nums[1::2]), max(nums[0::2]), max(nums[1::2]))
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_layers_are_drawn_in_bands_one_after_the_other_not_a_staircase(engine, rankdir):
    """Graphviz sets clusters whose ranks overlap side by side: the layers of MLP(2,[4,4,1])
    slid sideways, each beside the one before. Each layer must come after the previous one
    along the flow and share the band across it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it is too large to read at a notebook's width: said elsewhere
        picture = svg(draw_dot(loss_graph([4, 4, 1]), rankdir=rankdir), engine=engine)
    boxes = cluster_boxes(picture)
    layers = [boxes[f"cluster_layer{ell}"] for ell in (1, 2, 3)]
    along, across = (1, 0) if rankdir == "TB" else (0, 1)  # the flow's axis, the other one
    for first, then in zip(layers, layers[1:]):
        assert first[along + 2] <= then[along], "a layer starts before the previous one ends"
        # the smaller band lies across the larger one, not beside it
        lo, hi = max(first[across], then[across]), min(first[across + 2], then[across + 2])
        assert hi - lo >= 0.5 * min(b[across + 2] - b[across] for b in (first, then))


def test_one_layer_at_a_time_draws_that_layer_fed_by_what_it_reads():
    root = loss_graph([4, 4, 1])
    nodes, _ = trace(root)
    layer2 = {typeset(v.label) for v in nodes if re.fullmatch(r"[wbzo]\^2_[^·]*", v.label)}
    reads = {typeset(v.label) for v in nodes if re.fullmatch(r"o\^1_\d", v.label)}
    g = draw_dot(root, layer=2, size="16:9")
    cells = tables(g.source)
    shown = {c[0]: uid for uid, c in cells.items()}
    assert len(layer2) == 4 * (4 + 1 + 2) and len(reads) == 4
    assert layer2 <= set(shown) and reads <= set(shown)
    assert not any(re.search("[¹³]", name[1:2]) for name in shown if name[0] in "wbz")  # no other layer
    for name in reads:  # the values it reads are drawn as inputs: no operation feeds them
        assert not re.search(rf"\b{shown[name]}op\b", g.source)
    with pytest.raises(ValueError, match=r"layer=7 .*\[1, 2, 3\]"):
        draw_dot(root, layer=7)
    with pytest.raises(ValueError, match="layer"):
        draw_dot(root, layer=0)


def test_a_picture_too_large_to_read_says_so_and_names_the_readable_alternatives():
    root = loss_graph([4, 4, 1])
    with pytest.warns(UserWarning, match=r"too large to read.*layer=1.*collapse='neuron'"):
        g = draw_dot(root)
    assert "too large to read" in g.note and html.escape(g.note) in g._repr_mimebundle_()["text/html"]
    small = loss_graph([1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert draw_dot(small).note is None or "too large" not in draw_dot(small).note


def test_size_16_9_fits_a_1080p_screen_and_says_when_its_text_would_be_too_small():
    root = loss_graph([4, 4, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = draw_dot(root, size="16:9", layer=2)
    shown = measure(g.svg_text())
    assert shown.width <= 1920 + 1 and shown.height <= 1080 + 1
    assert shown.min_text >= 12  # legible on the projector, not just inside the box
    with pytest.warns(UserWarning, match="on a 1,920×1,080 screen"):
        whole = draw_dot(root, size="16:9")
    whole_size = measure(whole.svg_text())
    assert whole_size.width <= 1921 and whole_size.height <= 1081
    for bad in ("16x9", "wide", 169, "99999x10"):
        with pytest.raises(ValueError, match="size="):
            draw_dot(root, size=bad)


# ---- engines ----------------------------------------------------------------------------------
def test_in_pyodide_svg_comes_from_the_browser_engine(monkeypatch):
    seen = []

    def fake(source: str) -> str:
        seen.append(source)
        return f'<svg><text font-family="{FONT}">x</text></svg>'

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(browser, "render_svg", fake)
    g = draw_dot(Value(2.0, label="a") * 3.0, rankdir="LR")
    out = render.pipe(g.source, "svg").decode()
    assert seen == [g.source] and f'font-family="{FONT},' in out
    with pytest.raises(GraphvizUnavailable, match="SVG only"):
        render.pipe(g.source, "png")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_name_with_indices_is_one_run_of_text_so_no_engine_leaves_gaps_in_it(engine):
    """Graphviz places each run of another size at an x from estimated widths; graphviz-pure
    counts each UTF-8 byte of ₁ as a space, so separately sized indices came out with gaps
    (``w¹₂,₁   ·x ₁``). Each name must be one <text>, laid out by the viewer's real metrics."""
    root = loss_graph([2, 1])
    names = {
        "·".join(typeset(c.label) for c in v._prev) if "·" in v.label else typeset(v.label)
        for v in trace(root)[0] if "^" in v.label or "_" in v.label
    }
    texts = {t.text for t in ET.fromstring(svg(draw_dot(root), engine=engine)).iter(f"{SVG_NS}text")}
    assert "w¹₁,₁·x₁" in names and names <= texts, names - texts


def test_one_layer_too_large_for_its_screen_does_not_suggest_drawing_one_layer():
    root = loss_graph([4, 4, 1])
    with pytest.warns(UserWarning, match="on a 1,024×768 screen") as caught:
        g = draw_dot(root, layer=2, size="4:3")
    message = str(caught[0].message)
    assert "layer=1" not in message and "size='16:9'" in message and "collapse='neuron'" in message
    assert "size='16:9'" in g.note
