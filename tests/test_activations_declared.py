"""An activation declared with one ``define_op(..., activation=True)`` call works everywhere a
built-in one does: MLP, the equations (= backward() to 1e-10), fit (eager and compiled), a
saved and reloaded model file, the torch bridge, the CLI's choices, and its three forwards -
Python, numpy and the page's JavaScript - agree for every activation (built-in and declared).
"""

from __future__ import annotations

import json
import math
import random

import pytest

from microgradnet import define_op, ops
from microgradnet import equations as E
from microgradnet.nn import MLP, load_model
from microgradnet.train import fit
from tests.browser import chromium, needs_chromium
from tests.oracles import central_difference, close

GRID = [k / 8 for k in range(-200, 201)] + [-30.0, -21.0, 21.0, 30.0, 1e-9, -1e-9, 0.0]


def _swish_float(x: float) -> float:
    """x·σ(x) written here on floats, independently of the table (the test's oracle)."""
    return x / (1.0 + math.exp(-x)) if x >= -700 else 0.0


@pytest.fixture(scope="module")
def swish():
    define_op(
        "swish",
        lambda x: x * ops.sigmoid(x),
        lambda x, out: ops.sigmoid(x) * (1 + x * (1 - ops.sigmoid(x))),
        activation=True,
        js="x / (1 + Math.exp(-x))",
        torch="torch.nn.functional.silu",
    )
    return "swish"


def _model(act: str, seed: int = 3) -> MLP:
    return MLP(2, [3, 3, 1], act=act, rng=random.Random(seed))


def test_a_declared_activation_is_listed_and_used_by_an_mlp(swish):
    assert swish in ops.activations()
    model = _model(swish)
    assert all(n.act == swish for layer in model.layers[:-1] for n in layer.neurons)
    x = [0.3, -1.2]
    out = model(x)
    assert {v._op for v in _nodes(out)} >= {"swish"}
    assert "SwishNeuron(2)" in repr(model)


def _nodes(root):
    from microgradnet.walk import topological_order

    return topological_order(root)


def test_a_declared_activation_backpropagates_like_central_differences(swish):
    model = _model(swish)
    params = model.parameters()
    out = model([0.3, -1.2])
    out.backward()

    def f(vals):
        keep = [p.data for p in params]
        for p, v in zip(params, vals):
            p.data = v
        y = model([0.3, -1.2]).data
        for p, v in zip(params, keep):
            p.data = v
        return y

    numeric = central_difference(f, [p.data for p in params])
    assert all(close(p.grad, g) for p, g in zip(params, numeric))


def test_the_equations_use_the_rows_derivative_and_agree_with_backward(swish):
    a = E.activation(swish)
    for z in (-2.0, -0.3, 0.0, 0.7, 3.0):
        assert a.phi(z) == pytest.approx(_swish_float(z), rel=1e-15, abs=1e-300)
        (fd,) = central_difference(lambda v: _swish_float(v[0]), [z])
        assert close(a.phi_prime(z), fd, rel=1e-7, abs_=1e-9)
    comparison = E.compare(_model(swish), [0.3, -1.2], 1, "mse")
    assert comparison.rows and comparison.max_diff <= 1e-10
    assert "swish" in E.activation_table()


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_trains_a_network_with_a_declared_activation(swish, compiled):
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(16)]
    y = [1 if a * b > 0 else 0 for a, b in X]
    model = _model(swish)
    history = fit(model, X, y, "hinge", steps=20, progress=False, compile=compiled)
    assert history.loss[-1] < history.loss[0]


def test_a_model_file_reloads_a_declared_activation_and_names_an_undeclared_one(swish, tmp_path):
    model = _model(swish)
    path = tmp_path / "m.json"
    model.save(path)
    again = load_model(path)
    assert again.act == swish and again([0.3, -1.2]).data == model([0.3, -1.2]).data
    text = path.read_text().replace('"swish"', '"not_declared_act"')
    assert "not_declared_act" in text
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ValueError, match="not_declared_act"):
        load_model(tmp_path / "bad.json")


def test_the_torch_bridge_carries_a_declared_activation(swish):
    torch = pytest.importorskip("torch")
    from microgradnet.torch_bridge import from_torch, to_torch

    model = _model(swish)
    seq = to_torch(model)
    x = [0.3, -1.2]
    got = seq(torch.tensor([x], dtype=torch.float64)).item()
    assert got == pytest.approx(model(x).data, rel=1e-12)
    back = from_torch(seq, MLP)
    assert back.act == swish and back(x).data == pytest.approx(model(x).data, rel=1e-15)


def test_the_cli_offers_a_declared_activation_in_the_same_process(swish):
    from microgradnet.cli import _build_parser

    parser = _build_parser()
    text = json.dumps(parser.format_help())  # the sub-commands' choices are checked on parse
    assert text
    args = parser.parse_args(["train", "--act", swish])
    assert args.act == swish
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--act", "not_declared_act"])


def test_numpy_kernels_equal_the_python_forward_for_every_activation(swish):
    np = pytest.importorskip("numpy")
    for name in ops.activations():
        kernel = ops.numpy_forward(name)
        row = ops.activation_row(name)
        got = kernel(np.array(GRID))
        for x, g in zip(GRID, got.tolist()):
            want = row.phi(x)
            assert g == pytest.approx(want, rel=1e-12, abs=1e-300), (name, x, g, want)


def test_unknown_activations_are_errors_everywhere():
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        ops.activation_row("nope")
    with pytest.raises(ValueError, match="nope"):
        MLP(2, [1], act="nope")
    with pytest.raises(ValueError, match="nope"):
        E.activation("nope")
    with pytest.raises(ValueError, match="nope"):
        ops.numpy_forward("nope")


@needs_chromium
def test_the_pages_javascript_equals_the_python_forward_for_every_activation(swish):
    """Each row's ``js`` evaluated by Chromium on a grid agrees with its Python forward to 1e-12."""
    names = list(ops.activations())
    sources = {name: ops.activation_row(name).js for name in names}
    assert all(sources.values()), sources
    script = (
        "const grid = arguments[0], out = {};"
        + "".join(f"out[{json.dumps(n)}] = grid.map(x => {js});" for n, js in sources.items())
        + "return out;"
    )
    with chromium() as driver:
        driver.get("about:blank")
        got = driver.execute_script(script, GRID)
    for name in names:
        row = ops.activation_row(name)
        for x, g in zip(GRID, got[name]):
            assert g == pytest.approx(row.phi(x), rel=1e-12, abs=1e-300), (name, x, g)
