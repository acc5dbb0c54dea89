"""The scalar graph (micrograd's, the default) and the fused graph (``fused=True``), side by side.

A neuron builds ``b + w_1·x_1 + w_2·x_2 + ...`` as one ``*`` node per product and a chain of
``+`` nodes (micrograd's ``sum(..., self.b)``), with the article's labels; ``fused=True`` builds
one ``'dot'`` node. Everything downstream must work on both, and both must give the same numbers.
Gradients are checked against central differences, never against the code under test.
"""

from __future__ import annotations

import json
import math
import random
import re
import warnings
from collections import Counter

import pytest

from microgradnet import Value, no_grad
from microgradnet import notation as N
from microgradnet.nn import MLP, Layer, Neuron, load_model
from microgradnet.walk import topological_order
from tests.graphs import reachable
from tests.oracles import central_difference_in_place

GRAPHS = pytest.mark.parametrize("fused", [False, True], ids=["scalar", "fused"])




def hinge_loss(model, X, y):
    """micrograd's demo loss: mean hinge + 1e-4·Σp²."""
    scores = [model(x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def data(n: int = 6, seed: int = 3):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    return X, [1 if a * b > 0 else -1 for a, b in X]


# ---- the graph itself ----------------------------------------------------------------------
def test_a_neuron_is_the_lectures_chain_of_products_and_sums_with_article_labels():
    random.seed(0)
    n = Neuron(3, _layer=2, _index=4)
    x = [Value(0.5, label="a"), Value(-1.0, label="b"), Value(2.0, label="c")]
    o = n(x)
    assert o._op == "ReLU" and o.label == "o^2_4"
    z = o._prev[0]
    assert z._op == "+" and z.label == "z^2_4"
    # ((b + w1·x1) + w2·x2) + w3·x3, operands in micrograd's order
    chain, node = [], z
    while node is not n.b:
        assert node._op == "+"
        node, product = node._prev
        chain.append(product)
    products = chain[::-1]
    for j, (p, w, xi) in enumerate(zip(products, n.w, x), start=1):
        assert p._op == "*" and p._prev == (w, xi)
        assert p.label == f"w^2_{{4,{j}}}·o^1_{j}" == N.product(2, 4, j)
        assert p.data == w.data * xi.data
    expected = n.b.data
    for w, xi in zip(n.w, x):
        expected = expected + w.data * xi.data
    assert z.data == expected
    assert len(reachable(o)) == 3 + 3 + 1 + 3 + 3 + 1  # x, w, b, products, sums, relu


def test_labels_of_products_can_be_changed_like_any_label():
    n = Neuron(2, rng=1)
    z = n([Value(1.0), Value(2.0)])._prev[0]
    product = z._prev[1]
    assert product.label == "w^1_{1,2}·o^0_2"
    product.label = "mine"
    assert product.label == "mine"
    with pytest.raises(TypeError, match="label"):
        product.label = 3


micrograd_nn = None
try:  # the real micrograd, to compare graphs with
    import micrograd.engine as micrograd_engine
    import micrograd.nn as micrograd_nn
except ImportError:  # pragma: no cover - the dev extra installs it
    micrograd_engine = None


needs_micrograd = pytest.mark.skipif(
    micrograd_nn is None, reason="micrograd is not installed (pip install micrograd)"
)


def signature(nodes) -> Counter:
    """Each node's op and value with its children's ops and values (micrograd's _prev is a set)."""
    return Counter(
        (v._op, float(v.data), tuple(sorted((c._op, float(c.data)) for c in v._prev))) for v in nodes
    )


@needs_micrograd
def test_mlp_on_one_sample_of_values_is_micrograds_graph_node_for_node():
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    t_out = theirs([micrograd_engine.Value(0.7), micrograd_engine.Value(-0.3)])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    o_out = ours([Value(0.7), Value(-0.3)])
    t_nodes, o_nodes = reachable(t_out), reachable(o_out)
    assert len(o_nodes) == len(t_nodes) == 979
    assert len(topological_order(o_out)) == 979
    assert o_out.data == t_out.data
    assert signature(o_nodes) == signature(t_nodes)
    # gradients of every parameter: micrograd's backward sums in set order, so to 1e-12
    t_out.backward()
    o_out.backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert math.isclose(p.grad, q.grad, rel_tol=1e-12, abs_tol=1e-15)


@needs_micrograd
def test_plain_number_inputs_are_one_shared_leaf_each_where_micrograd_wraps_each_product():
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    t_nodes, o_nodes = reachable(theirs([0.7, -0.3])), reachable(ours([0.7, -0.3]))
    assert len(t_nodes) == 1009 and len(o_nodes) == 979  # 16 neurons × 2 inputs − 2 shared leaves
    leaves = [v for v in o_nodes if not v._prev and v.label.startswith("x_")]
    assert sorted(v.label for v in leaves) == ["x_1", "x_2"]


def test_fused_keeps_one_dot_node_per_neuron():
    random.seed(1337)
    model = MLP(2, [16, 16, 1], fused=True)
    out = model([Value(0.7), Value(-0.3)])
    nodes = reachable(out)
    assert Counter(v._op for v in nodes)["dot"] == 33
    assert not any(v._op in ("*", "+") for v in nodes)
    assert len(nodes) == 2 + 337 + 33 + 32  # inputs, parameters, dot nodes, ReLUs
    assert model.fused and all(layer.fused for layer in model.layers)
    assert not MLP(2, [3, 1]).fused


@GRAPHS
def test_no_grad_builds_no_graph_and_the_same_value(fused):
    model = MLP(2, [4, 3, 1], rng=5, fused=fused)
    with_graph = model([0.3, -0.9])
    with no_grad():
        without = model([0.3, -0.9])
    assert without.data == with_graph.data
    assert without._prev == ()


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "gelu", "linear"])
def test_scalar_and_fused_give_bit_identical_losses_and_gradients(act):
    """Both sum b + w1·x1 + ... in the same order, so every number agrees exactly; the gradient
    itself is checked against central differences."""
    X, y = data(5)
    results = []
    for fused in (False, True):
        model = MLP(2, [4, 3, 2], act=act, rng=11, fused=fused)
        inputs = [[Value(a), Value(b)] for a, b in X]
        loss = sum((o - t) ** 2 for xs, t in zip(inputs, y) for o in model(xs)) * 0.2
        loss.backward()
        results.append(
            (loss.data, [p.grad for p in model.parameters()], [v.grad for xs in inputs for v in xs], model)
        )
    (l_s, g_s, x_s, model), (l_f, g_f, x_f, _) = results
    assert l_s == l_f and g_s == g_f and x_s == x_f

    def f() -> float:
        return (sum((o - t) ** 2 for xs, t in zip(X, y) for o in model(xs)) * 0.2).data

    numeric = central_difference_in_place(f, model.parameters())
    for analytic, approx in zip(g_s, numeric):
        assert math.isclose(analytic, approx, rel_tol=1e-5, abs_tol=1e-6)


def test_bad_inputs_give_one_clear_error_on_both_graphs():
    for fused in (False, True):
        n, layer, model = Neuron(2, fused=fused), Layer(2, 3, fused=fused), MLP(2, [3, 1], fused=fused)
        with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
            n([1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="expects 2 inputs, got 1"):
            layer([1.0])
        with pytest.raises(TypeError, match="real number"):
            model([1.0, "x"])
        with pytest.raises(TypeError, match="fused must be True or False"):
            MLP(2, [1], fused="yes")


# ---- state dicts and files do not depend on the graph -----------------------------------------
def test_a_file_saved_from_one_graph_loads_into_the_other(tmp_path):
    scalar = MLP(2, [5, 3, 1], act="tanh", rng=7)
    fused = MLP(2, [5, 3, 1], act="tanh", rng=99, fused=True)
    assert scalar.state_dict().keys() == fused.state_dict().keys()
    assert "fused" not in scalar.state_dict()
    path = tmp_path / "m.json"
    scalar.save(path)
    fused.load(path)
    assert [p.data for p in fused.parameters()] == [p.data for p in scalar.parameters()]
    assert fused([0.2, 0.4]).data == scalar([0.2, 0.4]).data
    fused.save(tmp_path / "f.json")
    assert (tmp_path / "f.json").read_text() == path.read_text()  # the same file, byte for byte
    back = load_model(tmp_path / "f.json")
    assert isinstance(back, MLP) and not back.fused and back([0.2, 0.4]).data == scalar([0.2, 0.4]).data
    assert load_model(path, fused=True).fused
    assert MLP.from_file(path, fused=True).fused


# ---- downstream: pictures ------------------------------------------------------------------------
def svg_text(g) -> str:
    from microgradnet.viz import render

    return render.pipe(g.source, "svg").decode()


def test_draw_dot_of_a_neuron_shows_the_lectures_nodes_with_typeset_labels():
    from microgradnet import draw_dot

    random.seed(0)
    out = Neuron(2)([Value(1.0, label="x_1"), Value(2.0, label="x_2")])
    out.backward()
    source = draw_dot(out).source
    for text in ("w¹₁,₁·x₁", "w¹₁,₂·x₂", "z¹₁", "o¹₁", "b¹₁", "w¹₁,₁"):  # a product names the input it reads
        assert text in source, text
    assert "Σ w·x + b" not in source
    assert "Σ w·x + b" in draw_dot(Neuron(2, fused=True)([Value(1.0), Value(2.0)])).source


@GRAPHS
def test_draw_dot_boxes_every_neuron_with_its_products_and_sums(fused):
    from microgradnet import draw_dot

    model = MLP(2, [3, 1], rng=1, fused=fused)
    out = model([Value(0.5, label="x_1"), Value(-1.0, label="x_2")])
    out.backward()
    source = draw_dot(out, clusters=True).source
    for ell, layer in enumerate(model.layers, start=1):
        for i in range(1, len(layer.neurons) + 1):
            assert f"cluster_layer{ell}_neuron{i}" in source
    # every product / weight / bias node sits inside the box of its own neuron
    blocks = re.split(r"subgraph (cluster_layer\d+_neuron\d+)", source)
    boxes = dict(zip(blocks[1::2], blocks[2::2]))
    for (ell, layer) in enumerate(model.layers, start=1):
        for i in range(1, len(layer.neurons) + 1):
            box = boxes[f"cluster_layer{ell}_neuron{i}"]  # up to the next box
            assert N.typeset(N.bias(ell, i)) in box
            if not fused:
                assert N.typeset(N.weight(ell, i, 1)) + "·" in box  # the product w·(the input it reads)


@GRAPHS
def test_worksheet_colours_and_numbering_work_on_both_graphs(fused):
    from microgradnet import draw_dot

    model = MLP(2, [2, 1], rng=2, fused=fused)
    out = model([Value(0.5), Value(-1.0)])
    out.backward()
    sheet = draw_dot(out, hide="grad").source
    assert f"grad {out.grad:.4f}" in sheet
    assert sum(1 for _ in re.finditer(r"grad \d", sheet)) == 1  # only the root's gradient shows
    coloured = draw_dot(out, color="grad").source
    assert "BGCOLOR=" in coloured  # the tables are filled
    numbered = draw_dot(out, number=True).source
    ops = sum(1 for v in reachable(out) if v._prev)
    for k in (1, ops):  # backward() applies every operation once: numbers 1..ops
        assert re.search(rf"\b{k}\b", numbered)
    assert svg_text(draw_dot(out, number=True)).startswith("<?xml")


@GRAPHS
def test_the_collapsed_view_above_max_nodes_finds_every_neuron(fused):
    from microgradnet import draw_dot

    X, y = data(12)
    model = MLP(2, [4, 3, 1], rng=4, fused=fused)
    loss = hinge_loss(model, X, y)
    loss.backward()
    with pytest.warns(UserWarning, match="collapsed view"):
        g = draw_dot(loss, max_nodes=100)
    source = g.source
    for ell, layer in enumerate(model.layers, start=1):
        for i in range(1, len(layer.neurons) + 1):
            assert f"neuron {i} of layer {ell}" in source
    assert "12 × " in source  # each neuron evaluated once per sample
    # everything a neuron computes is inside its box: only the loss's own ops remain outside
    op_boxes = re.findall(r'label="([^|"]+) \| ([\d,]+) Values"', source)
    outside = {name.strip(): int(count.replace(",", "")) for name, count in op_boxes}
    # the loss's products (y·score per sample, p·p per parameter), none of the neurons'
    assert outside["*"] == 12 + len(model.parameters()) + 2  # and the two constant factors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_layer = draw_dot(loss, collapse="layer").source
    assert "3 neurons" in per_layer and "neuron 1 of layer 1" not in per_layer


@GRAPHS
def test_step_through_page_on_both_graphs(tmp_path, fused):
    from microgradnet.viz import to_html
    from microgradnet.viz.step_through import page_data, step_through

    model = MLP(2, [2, 1], rng=6, fused=fused)
    out = model([Value(0.5, label="x_1"), Value(-1.0, label="x_2")])
    page = tmp_path / "page.html"
    to_html(out, page)
    assert page.stat().st_size > 1000
    names = json.dumps(page_data(out), ensure_ascii=False)
    assert "w¹₁,₁" in names
    if not fused:
        assert "w¹₁,₁·o⁰₁" in names
    # one click per node: a product's click updates its two children, never five
    steps = step_through(out)
    clicks = Counter(id(s.node) for s in steps)
    assert max(clicks.values()) == (2 if not fused else 5)


# ---- downstream: equations, compiled replay, fit, CLI, torch ---------------------------------
@GRAPHS
def test_equations_compare_and_explain_on_both_graphs(fused):
    from microgradnet import equations

    model = MLP(2, [3, 2], act="tanh", rng=0, fused=fused)
    comparison = equations.compare(model, [0.5, -1.2], target=1)
    assert comparison.max_diff < 1e-12
    text = equations.explain(model, [0.5, -1.2], 1, "nll", 1, 2, 1)
    assert "w^1_{2,1}" in text


@GRAPHS
def test_compiled_replay_matches_eager_on_both_graphs(fused):
    from microgradnet.compile import compile_step

    X, y = data(8)
    model = MLP(2, [4, 4, 1], rng=8, fused=fused)
    params = model.parameters()
    step = compile_step(lambda X, y: hinge_loss(model, X, y), X, y, params=params)
    for _ in range(3):
        model.zero_grad()
        eager = hinge_loss(model, X, y)
        eager.backward()
        grads = [p.grad for p in params]
        model.zero_grad()
        replayed = step(X, y)
        assert replayed == eager.data
        assert [p.grad for p in params] == grads
        for p in params:
            p.data -= 0.05 * p.grad


@GRAPHS
def test_fit_trains_the_same_on_both_graphs(fused):
    from microgradnet.train import fit

    X, y = data(20)
    model = MLP(2, [6, 1], rng=3, fused=fused)
    history = fit(model, X, y, loss="hinge", steps=5, progress=False)
    reference = MLP(2, [6, 1], rng=3, fused=not fused)
    other = fit(reference, X, y, loss="hinge", steps=5, progress=False)
    assert history.final_loss == other.final_loss
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]
    compiled = MLP(2, [6, 1], rng=3, fused=fused)
    fit(compiled, X, y, loss="hinge", steps=5, progress=False, compile=True)
    assert [p.data for p in compiled.parameters()] == [p.data for p in model.parameters()]


def test_demo_and_train_commands_run_on_the_default_scalar_graph(tmp_path, capsys):
    from microgradnet.cli import main
    from microgradnet.data import make_moons
    from microgradnet.train import fit

    assert main(["demo", "--out", str(tmp_path / "d"), "--steps", "3"]) == 0
    printed = capsys.readouterr().out
    final = re.search(r"final loss (\S+),", printed).group(1)
    fused = MLP(2, [16, 16, 1], rng=random.Random(1337), fused=True)
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    history = fit(fused, X, y, loss="hinge", steps=3, progress=False)
    assert final == f"{history.final_loss:.4g}"  # the scalar run printed the fused run's loss
    saved = load_model(tmp_path / "d" / "model.json", fused=True)
    assert [p.data for p in saved.parameters()] == [p.data for p in fused.parameters()]
    assert main(["train", "--steps", "2", "-q", "--save", str(tmp_path / "t.json")]) == 0
    assert isinstance(load_model(tmp_path / "t.json"), MLP)


@GRAPHS
def test_torch_round_trip_on_both_graphs(fused):
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 2], act="tanh", rng=12, fused=fused)
    seq = model.to_torch()
    x = [0.25, -0.5]
    ours = [o.data for o in model(x)]
    theirs = seq(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(ours, theirs))
    back = MLP.from_torch(seq)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [o.data for o in back(x)] == ours
