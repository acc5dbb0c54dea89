"""MLP.to_torch() / MLP.from_torch(): the same network in PyTorch float64 gives the same outputs
and the same gradients, for every activation."""

from __future__ import annotations

import random
import sys

import pytest

import microgradnet.nn as nn
from microgradnet import Value


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"pip install microgradnet\[torch\]"):
        nn.MLP(2, [1]).to_torch()
    with pytest.raises(ImportError, match=r"pip install microgradnet\[torch\]"):
        nn.MLP.from_torch(object())


INPUTS = [[0.3, -1.2, 0.8], [-0.5, 0.1, 2.0], [1.5, 0.7, -0.9]]


def nonzero_biases(model: nn.MLP, seed: int) -> nn.MLP:
    rng = random.Random(seed)
    for layer in model.layers:
        for n in layer.neurons:
            n.b.data = rng.uniform(-0.5, 0.5)
    return model


@pytest.mark.parametrize("act", sorted(nn.ACTIVATIONS))
def test_to_torch_computes_the_same_outputs_and_gradients(act):
    torch = pytest.importorskip("torch")
    model = nonzero_biases(nn.MLP(3, [5, 4, 2], act=act, rng=random.Random(2)), 3)
    seq = model.to_torch()
    assert all(p.dtype == torch.float64 for p in seq.parameters())

    xs = [[Value(v) for v in row] for row in INPUTS]
    loss = sum((o - 0.5) ** 2 for x in xs for o in model(x))
    model.zero_grad()
    loss.backward()

    tx = torch.tensor(INPUTS, dtype=torch.float64, requires_grad=True)
    tloss = ((seq(tx) - 0.5) ** 2).sum()
    tloss.backward()

    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3
    for layer, lin in zip(model.layers, linears):
        for i, n in enumerate(layer.neurons):
            assert n.b.grad == pytest.approx(lin.bias.grad[i].item(), rel=1e-10, abs=1e-12)
            for j, w in enumerate(n.w):
                assert w.data == lin.weight[i, j].item()
                assert w.grad == pytest.approx(lin.weight.grad[i, j].item(), rel=1e-10, abs=1e-12)
    for r, row in enumerate(xs):
        for c, v in enumerate(row):
            assert v.grad == pytest.approx(tx.grad[r, c].item(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("act", sorted(nn.ACTIVATIONS))
def test_from_torch_gives_back_the_same_model(act):
    pytest.importorskip("torch")
    model = nonzero_biases(nn.MLP(2, [3, 3, 1], act=act, rng=random.Random(4)), 5)
    back = nn.MLP.from_torch(model.to_torch())
    assert back.sizes == model.sizes
    assert back.act == act
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


def test_a_torch_trained_float32_network_comes_back_as_an_mlp():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    model = nn.MLP.from_torch(seq)
    assert model.sizes == [2, 4, 1] and model.act == "tanh"
    x = [0.25, -0.75]
    expected = seq(torch.tensor([x])).item()
    assert model(x).data == pytest.approx(expected, rel=1e-6)


def test_a_single_linear_layer_is_a_one_layer_mlp():
    torch = pytest.importorskip("torch")
    model = nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False)))
    assert model.sizes == [3, 2]
    assert all(n.b.data == 0.0 for n in model.layers[0].neurons)  # no bias = bias 0


def test_torch_modules_without_an_mlp_equivalent_are_refused():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    cases = [
        (tnn.Sequential(tnn.Linear(2, 3), tnn.ReLU()), "must end with a Linear"),
        (tnn.Sequential(tnn.ReLU(), tnn.Linear(2, 3)), "unexpected module at position 0"),
        (tnn.Sequential(tnn.Linear(2, 3), tnn.Dropout(), tnn.Linear(3, 1)), "no microgradnet equivalent"),
        (tnn.Sequential(tnn.Linear(2, 3), tnn.LeakyReLU(0.2), tnn.Linear(3, 1)), "no microgradnet"),
        (tnn.Sequential(tnn.Linear(2, 3), tnn.GELU(), tnn.Linear(3, 1)), "no microgradnet equivalent"),
        (tnn.Sequential(tnn.Linear(2, 3), tnn.ReLU(), tnn.Tanh(), tnn.Linear(3, 1)), "unexpected module"),
        (
            tnn.Sequential(tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 3), tnn.Tanh(), tnn.Linear(3, 1)),
            "same activation",
        ),
        (tnn.Sequential(tnn.Linear(2, 3), tnn.Linear(4, 1)), "takes 4 inputs but receives 3"),
        (tnn.Sequential(), "needs a torch.nn.Sequential"),
        ("not a module", "needs a torch.nn.Sequential"),
    ]
    for seq, message in cases:
        with pytest.raises(ValueError, match=message):
            nn.MLP.from_torch(seq)
