"""draw_mlp: an MLP drawn as neurons in columns joined by weighted edges."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.notation import number, typeset
from microgradnet.viz import available_engines, draw_mlp, svg
from microgradnet.viz.dot import GRAD_COLORS

SVG_NS = "{http://www.w3.org/2000/svg}"


def neurons(root: ET.Element) -> dict[str, tuple[float, float, float]]:
    """Drawn neurons: name -> (cx, cy, radius) of their circle."""
    out = {}
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") == "node":
            title = g.find(f"{SVG_NS}title").text
            shape = next(g.iter(f"{SVG_NS}ellipse"), None)  # inside the tooltip link
            if shape is not None and title.startswith("o"):
                out[title] = (float(shape.get("cx")), float(shape.get("cy")), float(shape.get("rx")))
    return out


def trained_model() -> MLP:
    model = MLP(2, [3, 1], rng=random.Random(7))
    out = model([Value(0.5), Value(-1.5)])
    out.backward()
    return model


def edges(source: str) -> dict[tuple[str, str], str]:
    """(tail, head) -> attribute text of each drawn edge."""
    return {
        (m.group(1), m.group(2)): m.group(3)
        for m in re.finditer(r"^\s*(\w+) -> (\w+) \[(.*)\]$", source, re.M)
    }


def attr(text: str, name: str) -> str:
    m = re.search(rf'\b{name}="?([^" ]+)"?', text)
    assert m, f"no {name} in {text}"
    return m.group(1)


def test_every_weight_is_an_edge_from_input_j_to_neuron_i_coloured_by_its_sign():
    model = trained_model()
    source = draw_mlp(model).source
    drawn = edges(source)
    assert len(drawn) == 2 * 3 + 3 * 1
    for ell, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            for j, w in enumerate(neuron.w, start=1):
                e = drawn[(f"o{ell - 1}_{j}", f"o{ell}_{i}")]
                assert attr(e, "color") == (GRAD_COLORS[4] if w.data >= 0 else GRAD_COLORS[-4])


def test_edge_width_grows_with_the_size_of_the_weight():
    model = trained_model()
    drawn = edges(draw_mlp(model).source)
    pairs = []
    for ell, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            for j, w in enumerate(neuron.w, start=1):
                pairs.append(
                    (abs(w.data), float(attr(drawn[(f"o{ell - 1}_{j}", f"o{ell}_{i}")], "penwidth")))
                )
    pairs.sort()
    widths = [p for _, p in pairs]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_neurons_are_named_in_the_articles_notation():
    source = draw_mlp(trained_model()).source
    for name in ("x₁", "x₂", "o¹₁", "o¹₂", "o¹₃", "ŷ₁"):
        assert name in source
    assert "layer 1 (relu)" in source and "output (linear)" in source


def test_grads_true_shows_each_weights_and_biass_gradient_by_its_name():
    model = trained_model()
    plain, with_grads = draw_mlp(model).source, draw_mlp(model, grads=True).source
    for ell, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            b = neuron.b
            assert f"∂e/∂{typeset(f'b^{ell}_{i}')} = {b.grad!r}" in with_grads  # exact, in the tooltip
            assert f"∂e/∂b {number(b.grad, decimals=2)}" in with_grads  # rounded, in the neuron
            for w in neuron.w:
                assert f"∂e/∂w = {w.grad!r}" in with_grads
                assert f"∂e/∂w = {w.grad!r}" not in plain
    w = model.layers[0].neurons[1].w[0]
    assert f"∂e/∂w {number(w.grad, decimals=2)}" in with_grads  # and rounded on the edge of a small network
    assert "∂e/∂" not in plain


@pytest.mark.parametrize("kwargs", [dict(grads=True), dict(x=[0.5, -1.0], target=[1.0])])
def test_no_gradient_is_called_a_bare_grad(kwargs):
    """'grad' used to mean ∂e/∂b with grads=True and ∂e/∂o with a sample, in the same spot."""
    for model in (small_net(), MLP(2, [4, 4, 1], rng=random.Random(3))):
        source = draw_mlp(model, **kwargs).source.replace("\\n", "\n")  # DOT's line breaks as breaks
        assert not re.search(r"\bgrad\b", source)


def test_micrograds_own_mlp_draws_too():
    import micrograd.nn as mnn

    random.seed(3)
    model = mnn.MLP(3, [4, 1])
    source = draw_mlp(model).source
    assert len(edges(source)) == 3 * 4 + 4
    assert "layer 1 (relu)" in source and "output (linear)" in source


def test_something_that_is_not_an_mlp_is_a_clear_error():
    with pytest.raises(TypeError, match="draw_mlp expects an MLP"):
        draw_mlp([1, 2, 3])
    with pytest.raises(ValueError, match="rankdir"):
        draw_mlp(trained_model(), rankdir="sideways")


def test_too_many_weights_warns_and_keeps_the_largest():
    model = MLP(10, [10, 1], rng=random.Random(1))
    with pytest.warns(UserWarning, match="too many to draw"):
        source = draw_mlp(model, max_edges=20).source
    drawn = edges(source)
    assert len(drawn) == 20
    weights = sorted(
        (abs(w.data) for n in model.layers[0].neurons + model.layers[1].neurons for w in n.w), reverse=True
    )
    smallest_drawn = min(float(attr(e, "penwidth")) for e in drawn.values())
    assert smallest_drawn >= 0.4 + 3.6 * weights[19] / weights[0] - 0.01


@pytest.mark.parametrize("engine", available_engines())
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_rendered_neuron_1_comes_first_in_every_column(engine, rankdir):
    model = MLP(3, [4, 4, 1], rng=random.Random(2))
    root = ET.fromstring(svg(draw_mlp(model, rankdir=rankdir), engine=engine))
    centre = {title: (cx, cy) for title, (cx, cy, _) in neurons(root).items()}
    assert len(centre) == 3 + 4 + 4 + 1
    axis = 1 if rankdir == "LR" else 0  # LR: down the column (SVG y grows downwards); TB: across
    for layer, size in enumerate(model.sizes):
        positions = [centre[f"o{layer}_{k}"][axis] for k in range(1, size + 1)]
        assert positions == sorted(positions) and len(set(positions)) == size


# ---- made for projection ------------------------------------------------------------------------
def small_net() -> MLP:
    return MLP(2, [2, 2, 1], act="tanh", rng=random.Random(1))


def forward_floats(model: MLP, x: list[float], nudge: tuple[int, int, float] | None = None) -> list[list[float]]:  # noqa: E501
    """Each layer's outputs on plain floats (written out here); ``nudge=(ℓ, i, h)`` adds h to o^ℓ_i."""
    import math

    outs, current = [], list(x)
    for ell, layer in enumerate(model.layers, start=1):
        last = ell == len(model.layers)
        z = [n.b.data + sum(w.data * v for w, v in zip(n.w, current)) for n in layer.neurons]
        current = z if last else [math.tanh(v) for v in z]
        if nudge and nudge[0] == ell:
            current[nudge[1] - 1] += nudge[2]
        outs.append(current)
    return outs


def test_with_an_input_and_a_target_each_neuron_shows_its_value_and_its_gradient():
    model = small_net()
    x, y = [0.5, -1.0], 1.0
    before = [p.grad for p in model.parameters()]
    source = draw_mlp(model, x=x, target=[y]).source
    assert [p.grad for p in model.parameters()] == before  # the model's own grads are untouched
    values = forward_floats(model, x)

    def error(nudge=None) -> float:
        return (forward_floats(model, x, nudge)[-1][0] - y) ** 2

    for ell, layer in enumerate(model.layers, start=1):
        for i in range(1, len(layer.neurons) + 1):
            h = 1e-6
            grad = (error((ell, i, h)) - error((ell, i, -h))) / (2 * h)  # ∂e/∂o, central differences
            label = re.search(rf'o{ell}_{i} \[label="([^"]*)"', source).group(1)
            assert number(values[ell - 1][i - 1], decimals=2) in label
            assert f"∂e/∂o {number(grad, decimals=2)}" in label


def test_every_glyph_is_in_the_font_the_renderer_uses():
    """PNG renderers draw a missing glyph as an empty box (∇ did): every character of every
    label must be in the font that fontconfig gives for the picture's font family."""
    import shutil
    import subprocess

    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed: cannot tell which font PNGs use")
    ttlib = pytest.importorskip("fontTools.ttLib")
    from microgradnet.examples import lecture_neuron
    from microgradnet.viz import draw_dot

    pictures = [
        svg(draw_mlp(small_net(), grads=True)),
        svg(draw_mlp(small_net(), x=[0.5, -1.0], target=[1.0])),
        svg(draw_dot(lecture_neuron())),
    ]
    checked = 0
    for picture in pictures:
        for t in ET.fromstring(picture).iter(f"{SVG_NS}text"):
            family = t.get("font-family", "Times").split(",")[0]
            found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
            path = found.stdout
            cmap = ttlib.TTFont(path, fontNumber=0).getBestCmap()
            missing = [ch for ch in (t.text or "") if ch.strip() and ord(ch) not in cmap]
            assert not missing, f"{family} ({path}) has no glyph for {missing} in {t.text!r}"
            checked += 1
    assert checked > 30


def test_every_glyph_of_the_slides_and_the_svg_plots_is_in_their_font(tmp_path):
    """The same check for the other pictures made here: step slides (a monospace face) and the
    pure-Python SVG plots (the first family of their font stack)."""
    import shutil
    import subprocess

    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed: cannot tell which font PNGs use")
    ttlib = pytest.importorskip("fontTools.ttLib")
    from microgradnet.data import make_moons
    from microgradnet.viz import step_images
    from microgradnet.viz.plots import plot_decision_boundary, plot_history

    model = small_net()
    loss = (model([Value(0.5, label="x_1"), Value(-1.0, label="x_2")]) - 1.0) ** 2
    pictures = [p.read_text() for p in step_images(loss, tmp_path, "svg", forward=False)[-1:]]
    X, y = make_moons(n_samples=20)
    pictures += [plot_decision_boundary(model, X, y, resolution=10, backend="svg").svg]
    history = type("H", (), {"loss": [1.0, 0.5], "accuracy": [0.5, 1.0]})()
    pictures += [plot_history(history, backend="svg", title="MLP 2 → 2 → 2 → 1").svg]
    fonts: dict[str, Any] = {}
    checked = 0
    for picture in pictures:
        root = ET.fromstring(picture.split("?>", 1)[-1])
        inherited = root.get("font-family", "Times")
        for t in root.iter(f"{SVG_NS}text"):
            family = t.get("font-family", inherited).split(",")[0].strip()
            if family not in fonts:
                found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
                path = found.stdout
                fonts[family] = (path, ttlib.TTFont(path, fontNumber=0).getBestCmap())
            path, cmap = fonts[family]
            text = "".join(t.itertext())
            missing = [ch for ch in text if ch.strip() and ord(ch) not in cmap]
            assert not missing, f"{family} ({path}) has no glyph for {missing} in {text!r}"
            checked += 1
    assert checked > 40 and any("₁" in "".join(t.itertext()) for t in ET.fromstring(pictures[0]).iter())


def boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """Edge-label boxes: name -> (x0, y0, x1, y1) from the drawn outline's points."""
    out = {}
    for g in root.iter(f"{SVG_NS}g"):
        title = g.find(f"{SVG_NS}title")
        if g.get("class") == "node" and title is not None and title.text.startswith("w"):
            shape = next(g.iter(f"{SVG_NS}path"), None)  # (an Element without children is falsy)
            if shape is None:
                shape = next(g.iter(f"{SVG_NS}polygon"))
            nums = [float(v) for v in re.findall(r"-?[\d.]+", shape.get("d") or shape.get("points"))]
            xs, ys = nums[0::2], nums[1::2]
            out[title.text] = (min(xs), min(ys), max(xs), max(ys))
    return out


@pytest.mark.parametrize("engine", available_engines())
@pytest.mark.parametrize("kwargs", [dict(grads=True), dict(x=[0.5, -1.0], target=[1.0]), dict(rankdir="TB")])
def test_weight_labels_sit_on_their_own_edge_and_overlap_nothing(engine, kwargs):
    model = small_net()
    root = ET.fromstring(svg(draw_mlp(model, **kwargs), engine=engine))
    labels, centres = boxes(root), neurons(root)
    assert len(labels) == 2 * 2 + 2 * 2 + 2  # every weight has its label
    names = sorted(labels)
    for a in range(len(names)):
        x0, y0, x1, y1 = labels[names[a]]
        for b in range(a + 1, len(names)):
            u0, v0, u1, v1 = labels[names[b]]
            assert x1 <= u0 or u1 <= x0 or y1 <= v0 or v1 <= y0, f"{names[a]} overlaps {names[b]}"
        for name, (cx, cy, r) in centres.items():
            nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)  # nearest point of the box
            assert (nx - cx) ** 2 + (ny - cy) ** 2 >= r * r, f"{names[a]} covers neuron {name}"
        ell, i, j = map(int, names[a][1:].split("_"))
        (ax, ay, _), (bx, by, _) = centres[f"o{ell - 1}_{j}"], centres[f"o{ell}_{i}"]
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        # the box's centre lies on the line from input j to neuron i: its own edge runs through it
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        distance = abs((bx - ax) * (ay - my) - (ax - mx) * (by - ay)) / length
        assert distance < 1.5, names[a]
        assert min(ax, bx) - 1 <= mx <= max(ax, bx) + 1


def test_a_2_16_16_1_network_fills_a_16_9_slide_with_legible_text():
    from microgradnet.viz.render import measure

    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    g = draw_mlp(model, x=[0.5, -1.0], target=[1.0])
    size = measure(svg(g))
    assert size.width > size.height  # landscape, not the old 805 x 1,859 portrait
    on_slide = min(1920 / size.width, 1080 / size.height)
    assert size.min_text * min(on_slide, 1.0) >= 12


def test_a_target_without_an_input_and_inputs_of_the_wrong_size_are_clear_errors():
    with pytest.raises(ValueError, match="target= needs x="):
        draw_mlp(small_net(), target=[1.0])
    with pytest.raises(ValueError, match="x= needs 2 numbers"):
        draw_mlp(small_net(), x=[1.0, 2.0, 3.0])


# ---- past the edge-label limit: a table a PNG shows ---------------------------------------------
def mid_net() -> MLP:
    """2-4-4-1: 28 weights, past the 24 that fit on edges."""
    model = MLP(2, [4, 4, 1], rng=random.Random(3))
    model([Value(0.5), Value(-1.0)]).backward()
    return model


def table_columns(source: str, block: int) -> list[list[str]]:
    """The numbers of one layer's table as drawn, column by column (positive and negative
    numbers are two overlaid nodes per column; each leaves the other's lines blank)."""
    columns = []
    k = 1
    while f"t{block}c{k}p " in source:
        halves = []
        for sign in "pn":
            label = re.search(rf'^\s*t{block}c{k}{sign} \[label="([^"]*)"', source, re.M).group(1)
            halves.append(label.split("\\r")[:-1])
        columns.append([a if a.strip("\u00a0") else b for a, b in zip(*halves)])
        k += 1
    return columns


@pytest.mark.parametrize("kwargs", [dict(grads=True), dict(x=[0.5, -1.0], target=[1.0]), {}])
def test_a_2_4_4_1_network_lists_every_weight_and_gradient_in_a_table(kwargs):
    model = mid_net()
    source = draw_mlp(model, **kwargs).source
    sample = {}
    if "target" in kwargs:  # the table's gradients are this sample's: e = (ŷ - y)², by backward()
        for p in model.parameters():
            p.grad = 0.0
        ((model([Value(v) for v in kwargs["x"]]) - kwargs["target"][0]) ** 2).backward()
        sample = {id(p): p.grad for p in model.parameters()}
    for ell, layer in enumerate(model.layers, start=1):
        columns = table_columns(source, ell - 1)
        params = [[n.b, *n.w] for n in layer.neurons]  # row i: b, w_1, ..., w_d
        width = len(params[0])
        assert len(columns) == (2 * width if kwargs else width)
        for i, row in enumerate(params):
            for k, p in enumerate(row):
                assert columns[k][i] == number(p.data, decimals=2), (ell, i, k)
                if kwargs:
                    grad = sample.get(id(p), p.grad)
                    assert columns[width + k][i] == number(grad, decimals=2), (ell, i, k)


@pytest.mark.parametrize("engine", available_engines())
def test_the_table_is_drawn_by_every_engine_beside_the_network_and_legible_on_a_slide(engine):
    from microgradnet.viz.render import measure

    model = mid_net()
    picture = svg(draw_mlp(model, grads=True), engine=engine)
    root = ET.fromstring(picture)
    texts = [t.text or "" for t in root.iter(f"{SVG_NS}text")]
    for p in model.parameters():  # every number is text in the picture, so a PNG shows it
        assert number(p.data, decimals=2) in texts and number(p.grad, decimals=2) in texts
    right = max(cx + r for cx, _, r in neurons(root).values())
    table_x = []
    for g in root.iter(f"{SVG_NS}g"):
        title = g.find(f"{SVG_NS}title")
        if g.get("class") == "node" and title is not None and re.fullmatch(r"t\d+.*", title.text):
            table_x += [float(t.get("x")) for t in g.iter(f"{SVG_NS}text")]
    assert table_x and min(table_x) > right  # the table overlaps no neuron
    size = measure(picture)
    assert size.min_text * min(1920 / size.width, 1080 / size.height, 1.0) >= 12


def test_a_large_network_gets_no_unreadable_table_unless_asked_and_focus_labels_one_neuron():
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    assert "t0c1p" not in draw_mlp(model).source  # 304 weights: a table would be tiny on a slide
    assert "t0c1p" in draw_mlp(model, table=True).source
    source = draw_mlp(model, focus=(2, 3)).source
    labelled = re.findall(r"^\s*w(\d+)_(\d+)_(\d+) \[", source, re.M)
    assert sorted(labelled, key=lambda t: int(t[2])) == [("2", "3", str(j)) for j in range(1, 17)]
    for (tail, head), text in edges(source).items():  # its edges in full colour, the others faded
        assert (len(attr(text, "color")) == 7) == (head == "o2_3"), (tail, head)
    for bad in ((0, 1), (2, 17), (4, 1), "2,3", (1.0, 2)):
        with pytest.raises(ValueError, match="focus"):
            draw_mlp(model, focus=bad)
