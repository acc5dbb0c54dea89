"""Neurons, layers and MLPs: micrograd compatibility, the article's labels, names, and gradients
checked against central finite differences."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import central_difference_in_place

import microgradnet.nn as nn
from microgradnet import Value

# plain-float activation formulas: an oracle independent of the engine
PHI = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "softplus": lambda z: math.log1p(math.exp(z)),
    "gelu": lambda z: 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
    "linear": lambda z: z,
}


def float_forward(model: nn.MLP, x: list[float]) -> list[float]:
    """The article's forward pass on plain floats: o^ℓ = φ(b^ℓ + W^ℓ o^{ℓ-1}), last layer linear."""
    o = list(x)
    for k, layer in enumerate(model.layers):
        phi = PHI["linear"] if k == len(model.layers) - 1 else PHI[model.act]
        o = [phi(n.b.data + sum(w.data * xj for w, xj in zip(n.w, o))) for n in layer.neurons]
    return o



def as_list(out):
    return out if isinstance(out, list) else [out]


# ---- micrograd compatibility ------------------------------------------------------------
@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.Neuron(3),
        lambda m: m.Neuron(3, nonlin=False),
        lambda m: m.Layer(3, 2),
        lambda m: m.Layer(2, 1, nonlin=False),
        lambda m: m.MLP(3, [4, 4, 2]),
        lambda m: m.MLP(1, [1]),
    ],
)
def test_modules_print_and_initialise_exactly_like_micrograd(build):
    """Same repr, same weights from the same seed, same number of random draws."""
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(42)
    theirs = build(micrograd_nn)
    their_next = random.random()
    random.seed(42)
    ours = build(nn)
    assert repr(ours) == repr(theirs)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert random.random() == their_next


def test_a_layer_of_one_neuron_returns_a_single_value_like_micrograd():
    """Layer(…, 1) gives a Value, wider layers a list; an MLP ending in one neuron gives a Value."""
    x = [Value(0.5), Value(-1.0)]
    assert isinstance(nn.Layer(2, 1)(x), Value)
    assert isinstance(nn.Layer(2, 3)(x), list) and len(nn.Layer(2, 3)(x)) == 3
    assert isinstance(nn.MLP(2, [3, 1])(x), Value)
    assert isinstance(nn.MLP(2, [1, 1])([0.1, 0.2]), Value)  # a hidden layer of width 1 still chains


def test_biases_start_at_zero_and_weights_in_minus_one_to_one():
    model = nn.MLP(4, [8, 3], rng=random.Random(0))
    for layer in model.layers:
        for n in layer.neurons:
            assert n.b.data == 0.0
            assert all(-1 <= w.data <= 1 for w in n.w)


def test_a_private_rng_gives_the_same_weights_and_leaves_global_random_alone():
    random.seed(5)
    from_global = [p.data for p in nn.MLP(2, [3, 1]).parameters()]
    random.seed(99)
    before = random.getstate()
    from_rng = [p.data for p in nn.MLP(2, [3, 1], rng=random.Random(5)).parameters()]
    from_int = [p.data for p in nn.MLP(2, [3, 1], rng=5).parameters()]
    assert from_rng == from_global == from_int
    assert random.getstate() == before


# ---- the article's notation -------------------------------------------------------------
def test_parameters_are_labelled_in_the_articles_notation():
    """w^ℓ_{i,j} is row i, column j of W^ℓ (1-based); b^ℓ_i is neuron i's bias."""
    model = nn.MLP(3, [4, 2])
    for l, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            assert neuron.b.label == f"b^{l}_{i}"
            for j, w in enumerate(neuron.w, start=1):
                assert w.label == f"w^{l}_{{{i},{j}}}"


def resolve(model, name: str):
    """Follow a dotted name like layers.0.neurons.2.w.1 through attributes and list indices."""
    obj = model
    for part in name.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def test_named_parameters_are_attribute_paths_in_parameters_order():
    model = nn.MLP(2, [3, 2])
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    assert len({n for n, _ in named}) == len(named) == 2 * 3 + 3 + 3 * 2 + 2
    for name, p in named:
        assert resolve(model, name) is p
    assert named[0][0] == "layers.0.neurons.0.w.0"
    assert named[2][0] == "layers.0.neurons.0.b"
    # names do not depend on the (user-editable) labels or on the weights
    model.parameters()[0].label = "renamed"
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in nn.MLP(2, [3, 2]).named_parameters()]


def test_a_user_module_gets_parameters_and_names_for_free():
    class Affine(nn.Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.shift = [Value(1.0), Value(-1.0)]
            self.inner = nn.Neuron(2, rng=1)

    m = Affine()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "shift.0", "shift.1", "inner.w.0", "inner.w.1", "inner.b"]
    for p in m.parameters():
        p.grad = 3.0
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


# ---- forward and backward against independent oracles ----------------------------------
@pytest.mark.parametrize("act", sorted(nn.ACTIVATIONS))
def test_mlp_forward_is_the_articles_formula(act):
    model = nn.MLP(3, [4, 3, 2], act=act, rng=random.Random(1))
    x = [0.3, -0.7, 1.1]
    out = as_list(model(x))
    expected = float_forward(model, x)
    assert len(out) == 2
    for o, e in zip(out, expected):
        assert o.data == pytest.approx(e, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("act", sorted(nn.ACTIVATIONS))
def test_backward_gives_the_finite_difference_gradient_of_every_weight_and_input(act):
    rng = random.Random(3)
    model = nn.MLP(3, [4, 3, 2], act=act, rng=rng)
    for p in model.parameters():  # nonzero biases, so every kind of parameter is exercised
        p.data = rng.uniform(-1, 1)
    x = [Value(0.4), Value(-0.9), Value(0.6)]

    def loss():
        out = as_list(model(x))
        return sum((o - t) ** 2 for o, t in zip(out, [0.5, -0.25]))

    model.zero_grad()
    loss().backward()
    leaves = model.parameters() + x
    numeric = central_difference_in_place(lambda: loss().data, leaves)
    for v, g in zip(leaves, numeric):
        assert v.grad == pytest.approx(g, rel=1e-5, abs=1e-7), v.label or "input"


@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    act=st.sampled_from(sorted(nn.ACTIVATIONS)),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_small_mlp_computes_the_articles_forward_pass(sizes, act, seed):
    rng = random.Random(seed)
    model = nn.MLP(sizes[0], sizes[1:], act=act, rng=rng)
    assert model.sizes == sizes
    x = [rng.uniform(-2, 2) for _ in range(sizes[0])]
    out = as_list(model(x))
    assert [o.data for o in out] == pytest.approx(float_forward(model, x), rel=1e-12, abs=1e-12)


def test_zero_grad_clears_every_gradient():
    model = nn.MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_layer_sizes_may_be_any_iterable():
    assert nn.MLP(2, (n for n in [3, 1])).sizes == nn.MLP(2, (3, 1)).sizes == [2, 3, 1]


def test_a_one_input_mlp_accepts_a_bare_number():
    model = nn.MLP(1, [2, 1], rng=0)
    assert model(0.5).data == model([0.5]).data


# ---- bad input --------------------------------------------------------------------------
def test_the_wrong_number_of_inputs_is_a_clear_error():
    model = nn.MLP(2, [16, 16, 1])
    with pytest.raises(ValueError, match="takes 2 inputs per sample, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) expects 2 inputs, got 1"):
        nn.Neuron(2)([1.0])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: nn.MLP(0, [1]), "nin must be a positive whole number"),
        (lambda: nn.MLP(2.5, [1]), "nin must be a positive whole number"),
        (lambda: nn.MLP(2, []), "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, 3), "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, None), "nouts must be a non-empty list"),
        (lambda: nn.MLP(2, [3, 0]), "nout must be a positive whole number"),
        (lambda: nn.MLP(2, [3], act="no_such_act"), "unknown activation 'no_such_act'"),
        (lambda: nn.Neuron(2, act="nope"), "unknown activation"),
    ],
)
def test_impossible_architectures_are_refused_with_a_clear_message(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_non_random_rng_is_refused():
    with pytest.raises(TypeError, match="rng must be a random.Random"):
        nn.MLP(2, [1], rng="seed")


def test_activation_names_show_in_the_repr():
    expected = "MLP of [Layer of [TanhNeuron(2), TanhNeuron(2)], Layer of [LinearNeuron(2)]]"
    assert repr(nn.MLP(2, [2, 1], act="tanh")) == expected
    assert repr(nn.Neuron(1, act="leaky_relu")) == "LeakyReLUNeuron(1)"
