"""draw_mlp: an MLP drawn as neurons in columns joined by weighted edges."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest

from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.viz import available_engines, draw_mlp, svg
from microgradnet.viz.dot import GRAD_COLORS

SVG_NS = "{http://www.w3.org/2000/svg}"


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


def test_grads_true_shows_each_weights_and_biass_gradient():
    model = trained_model()
    plain, with_grads = draw_mlp(model).source, draw_mlp(model, grads=True).source
    for p in model.parameters():
        assert f"grad {p.grad!r}" in with_grads  # exact value in the tooltip
        assert f"grad {p.grad!r}" not in plain
    w = model.layers[0].neurons[1].w[0]
    assert f"∇ {w.grad:.2f}" in with_grads  # and rounded on the edge of a small network


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
    centre = {}
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") == "node":
            title = g.find(f"{SVG_NS}title").text
            shape = next(g.iter(f"{SVG_NS}ellipse"), None)  # inside the tooltip link
            if shape is not None:
                centre[title] = (float(shape.get("cx")), float(shape.get("cy")))
    assert len(centre) == 3 + 4 + 4 + 1
    axis = 1 if rankdir == "LR" else 0  # LR: down the column (SVG y grows downwards); TB: across
    for layer, size in enumerate(model.sizes):
        positions = [centre[f"o{layer}_{k}"][axis] for k in range(1, size + 1)]
        assert positions == sorted(positions) and len(set(positions)) == size
