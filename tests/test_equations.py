"""The article's Equations 8, 9 and 12, computed by hand in floats, agree with backward().

Oracles: backward() on the model's own Values (weight by weight, to 1e-12), central finite
differences on plain floats, PyTorch in float64 when it is installed, and arithmetic done by
hand in the comments of the golden tests.
"""

from __future__ import annotations

import math
import random
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import central_difference, close

from microgradnet import equations as E
from microgradnet import no_grad, notation
from microgradnet.engine import Value
from microgradnet.nn import ACTIVATIONS, MLP

SMOOTH = ["tanh", "sigmoid", "softplus", "gelu", "linear"]


def agree(a: float, b: float, rel: float = 1e-12, floor: float = 1e-14) -> bool:
    """Equal to ``rel`` relative, with a small absolute floor for values that cancel to ~0."""
    return abs(a - b) <= rel * max(abs(a), abs(b)) + floor


def set_weights(model: MLP, W: list[list[list[float]]]) -> None:
    """W[ℓ-1][i-1] = [b, w_1, w_2, ...] for neuron i of layer ℓ."""
    for layer, rows in zip(model.layers, W):
        for neuron, row in zip(layer.neurons, rows):
            neuron.b.data = row[0]
            for w, v in zip(neuron.w, row[1:]):
                w.data = v


@st.composite
def networks(draw, acts=tuple(ACTIVATIONS), losses=tuple(E.LOSSES)):
    """A random MLP (random biases too), a sample x, a loss, a target and the bias switch."""
    loss = draw(st.sampled_from(losses))
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    d_out = 1 if loss in ("bce", "hinge") else draw(st.integers(1 if loss == "mse" else 2, 4))
    sizes = widths + [d_out]
    act = draw(st.sampled_from(acts))
    rng = random.Random(draw(st.integers(0, 2**32)))
    model = MLP(sizes[0], sizes[1:], act=act, rng=rng)
    for layer in model.layers:
        for n in layer.neurons:
            n.b.data = rng.uniform(-1, 1)
    x = draw(st.lists(st.floats(-2, 2), min_size=sizes[0], max_size=sizes[0]))
    if loss == "mse":
        target = draw(st.lists(st.floats(-2, 2), min_size=d_out, max_size=d_out))
    elif loss == "nll":
        target = draw(st.integers(0, d_out - 1))  # classes count from 0
    elif loss == "bce":
        target = draw(st.sampled_from([0.0, 1.0, 0.25]))
    else:
        target = draw(st.sampled_from([1.0, -1.0]))
    return model, x, target, loss, draw(st.booleans())


# ---- every weight, every activation, every loss -------------------------------------------------
@given(networks())
def test_equation_8_equals_backward_for_every_weight_of_random_networks(case):
    model, x, target, loss, bias = case
    table = E.compare(model, x, target, loss, bias=bias)
    n_weights = sum((a + bias) * b for a, b in zip(model.sizes, model.sizes[1:]))
    assert len(table.rows) == n_weights
    for r in table.rows:
        assert agree(r.eq8, r.autograd), r
    assert table.max_diff == max(abs(r.eq8 - r.autograd) for r in table.rows)


@given(networks())
def test_equations_9_and_12_equal_backward_for_every_unit(case):
    model, x, target, loss, bias = case
    table = E.compare(model, x, target, loss, bias=bias)
    assert len(table.nodes) == sum(model.sizes[1:])
    for r in table.nodes:
        assert agree(r.equation, r.autograd), r
    assert agree(table.equations.e, table.backward.e)


@given(networks(acts=SMOOTH, losses=("mse", "nll", "bce")))
def test_equation_8_matches_central_differences_of_the_loss(case):
    """Nudge each weight of the real model, run the model's own forward pass, difference e."""
    model, x, target, loss, bias = case
    eq = E.backprop(model, x, target, loss, bias=bias)
    neurons = [(l, i, n) for l, layer in enumerate(model.layers, 1) for i, n in enumerate(layer.neurons, 1)]
    if not bias:
        for _, _, n in neurons:
            n.b.data = 0.0

    def e_at(p: Value):
        def f(v: list[float]) -> float:
            old, p.data = p.data, v[0]
            with no_grad():
                out = model(x)
            p.data = old
            yhat = [o.data for o in (out if isinstance(out, list) else [out])]
            return E.loss_value(loss, yhat, target)

        return f

    for l, i, n in neurons:
        for j, p in enumerate([n.b] + n.w):
            if j == 0 and not bias:
                continue
            (fd,) = central_difference(e_at(p), [p.data])
            assert close(eq.de_dw(l, i, j), fd, rel=1e-5, abs_=1e-6), (l, i, j)


def test_equation_8_matches_pytorch_in_float64():
    torch = pytest.importorskip("torch")
    rng = random.Random(7)
    for act, loss, sizes, target in [
        ("tanh", "nll", [3, 4, 3, 3], 2),
        ("sigmoid", "mse", [2, 3, 2], [0.5, -1.0]),
        ("softplus", "bce", [2, 3, 1], 1.0),
        ("relu", "hinge", [2, 4, 1], -1.0),
        ("gelu", "nll", [2, 2, 2, 2], 1),
        ("leaky_relu", "mse", [3, 3, 1], [0.7]),
    ]:
        model = MLP(sizes[0], sizes[1:], act=act, rng=rng)
        for p in model.parameters():
            p.data = rng.uniform(-1, 1)
        x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
        eq = E.backprop(model, x, target, loss)
        Ws = [torch.tensor([[n.b.data] + [w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                           requires_grad=True) for layer in model.layers]
        phi = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": torch.nn.functional.softplus,
               "relu": torch.relu, "gelu": lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
               "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01)}[act]
        o = torch.tensor(x, dtype=torch.float64)
        for ell, W in enumerate(Ws, 1):
            z = W[:, 0] + W[:, 1:] @ o
            o = phi(z) if ell < len(Ws) else z
        if loss == "nll":
            e = -torch.log_softmax(o, 0)[target]
        elif loss == "mse":
            e = ((o - torch.tensor(target, dtype=torch.float64)) ** 2).mean()
        elif loss == "bce":
            y = torch.tensor([target], dtype=torch.float64)
            e = torch.nn.functional.binary_cross_entropy_with_logits(o, y)
        else:
            e = torch.relu(1 - target * o[0])
        e.backward()
        assert abs(eq.e - e.item()) < 1e-12
        for ell, W in enumerate(Ws, 1):
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    assert agree(eq.de_dw(ell, i + 1, j), W.grad[i, j].item(), rel=1e-10), (act, ell, i, j)


def test_compare_leaves_the_model_as_it_was():
    model = MLP(2, [3, 2], act="tanh", rng=random.Random(1))
    for k, p in enumerate(model.parameters()):
        p.grad = 0.5 + k
    model.layers[0].neurons[0].b.data = 0.3
    before = [(p.data, p.grad) for p in model.parameters()]
    E.compare(model, [0.1, 0.2], 1, "nll", bias=False)
    E.compare(model, [0.1, 0.2], 1, "nll")
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_without_bias_the_biases_are_held_at_zero_and_have_no_rows():
    model = MLP(2, [2, 1], act="tanh", rng=random.Random(3))
    for layer in model.layers:
        for n in layer.neurons:
            n.b.data = 5.0  # would dominate every z if it were used
    table = E.compare(model, [0.4, -0.6], [0.0], "mse", bias=False)
    assert all(r.j >= 1 for r in table.rows) and len(table.rows) == 2 * 2 + 2
    fp = E.forward(model, [0.4, -0.6], bias=False)
    w = model.layers[0].neurons[0].w
    assert fp.z(1, 1) == pytest.approx(w[0].data * 0.4 + w[1].data * -0.6, rel=1e-15)


# ---- golden tables, checked by hand -------------------------------------------------------------
def test_golden_table_relu_2_2_1_with_squared_error():
    """x = (1, 2), y = 1, relu hidden layer, e = (ŷ − y)².

    Layer 1:  z^1_1 = b + w·x = 0.1 + 0.5·1 + (−0.25)·2 = 0.1   → o^1_1 = 0.1, φ' = 1
              z^1_2 = 0   + (−1)·1 + 0.25·2          = −0.5  → o^1_2 = 0,   φ' = 0 (relu off)
    Layer 2:  ŷ = z^2_1 = 0.5 + 2·0.1 + 3·0 = 0.7;  e = (0.7 − 1)² = 0.09
    Eq 9:     ∂e/∂o^2_1 = 2·(0.7 − 1) = −0.6
    Eq 8, ℓ=2 (φ' ≡ 1):  ∂e/∂b^2_1 = −0.6·1 = −0.6,  ∂e/∂w^2_{1,1} = −0.6·0.1 = −0.06,
                         ∂e/∂w^2_{1,2} = −0.6·0 = 0
    Eq 12:    ∂e/∂o^1_1 = −0.6·1·w^2_{1,1} = −0.6·2 = −1.2;  ∂e/∂o^1_2 = −0.6·1·3 = −1.8
    Eq 8, ℓ=1: neuron 1 (φ' = 1): b: −1.2·1·1 = −1.2;  w_{1,1}: −1.2·1·1 = −1.2;  w_{1,2}: −1.2·1·2 = −2.4
               neuron 2 (φ' = 0): 0, 0, 0
    """
    model = MLP(2, [2, 1], act="relu")
    set_weights(model, [[[0.1, 0.5, -0.25], [0.0, -1.0, 0.25]], [[0.5, 2.0, 3.0]]])
    table = E.compare(model, [1.0, 2.0], 1.0, "mse")
    expected = {
        (1, 1, 0): -1.2, (1, 1, 1): -1.2, (1, 1, 2): -2.4,
        (1, 2, 0): 0.0, (1, 2, 1): 0.0, (1, 2, 2): 0.0,
        (2, 1, 0): -0.6, (2, 1, 1): -0.06, (2, 1, 2): 0.0,
    }
    assert [(r.l, r.i, r.j) for r in table.rows] == list(expected)  # layer, neuron, bias first
    for r in table.rows:
        assert r.eq8 == pytest.approx(expected[r.l, r.i, r.j], rel=1e-12, abs=1e-15), r
        assert r.autograd == pytest.approx(expected[r.l, r.i, r.j], rel=1e-12, abs=1e-15), r
    assert table.equations.e == pytest.approx(0.09, rel=1e-12)
    assert [r.name for r in table.rows][:3] == ["b^1_1", "w^1_{1,1}", "w^1_{1,2}"]
    de_do = {(r.l, r.i): r.equation for r in table.nodes}
    assert de_do == pytest.approx({(1, 1): -1.2, (1, 2): -1.8, (2, 1): -0.6}, rel=1e-12)

    text = table.format_table(digits=4)
    lines = text.splitlines()
    header = ["ℓ", "i", "j", "weight", "∂e/∂w", "(Eq.", "8)", "∂e/∂w", "(backward)", "|diff|"]
    assert lines[0].split() == header
    assert lines[2 + 2].split()[:6] == ["1", "1", "2", "w^1_{1,2}", "-2.4000", "-2.4000"]
    assert lines[2 + 7].split()[:6] == ["2", "1", "1", "w^2_{1,1}", "-0.0600", "-0.0600"]
    assert "maximum |diff|" in lines[-1]


def test_golden_nll_single_layer_softmax_three_quarters():
    """One linear layer, x = (1), weights (ln 3, 0), no bias value, target class c = 0 (output 1).

    ŷ = (ln 3, 0); softmax(ŷ) = (3/(3+1), 1/(3+1)) = (0.75, 0.25); e = −log 0.75 = log(4/3).
    Eq 9: ∂e/∂o^1 = (0.75 − 1, 0.25 − 0) = (−0.25, 0.25); Eq 8 with o^0_0 = 1 and o^0_1 = x_1 = 1:
    ∂e/∂b^1_1 = ∂e/∂w^1_{1,1} = −0.25,  ∂e/∂b^1_2 = ∂e/∂w^1_{2,1} = 0.25.
    """
    model = MLP(1, [2])
    set_weights(model, [[[0.0, math.log(3)], [0.0, 0.0]]])
    table = E.compare(model, [1.0], 0, "nll")
    got = {(r.l, r.i, r.j): r.eq8 for r in table.rows}
    expected = {(1, 1, 0): -0.25, (1, 1, 1): -0.25, (1, 2, 0): 0.25, (1, 2, 1): 0.25}
    assert got == pytest.approx(expected, rel=1e-12)
    assert table.equations.e == pytest.approx(math.log(4 / 3), rel=1e-12)
    assert table.max_diff <= 1e-15


# ---- Equation 9 ---------------------------------------------------------------------------------
def naive_loss(loss, yhat, target):
    """Each loss straight from its definition (no stability tricks): an oracle for moderate ŷ."""
    if loss == "nll":
        return -math.log(math.exp(yhat[target]) / sum(math.exp(v) for v in yhat))
    if loss == "mse":
        return sum((a - b) ** 2 for a, b in zip(yhat, target)) / len(yhat)
    if loss == "bce":
        p = 1 / (1 + math.exp(-yhat[0]))
        return -(target * math.log(p) + (1 - target) * math.log(1 - p))
    return max(0.0, 1 - target * yhat[0])


logits = st.lists(st.floats(-5, 5), min_size=2, max_size=6)


@given(logits, st.data())
def test_nll_gradient_is_softmax_minus_one_hot(yhat, data):
    c = data.draw(st.integers(0, len(yhat) - 1))
    g = E.equation9("nll", yhat, c)
    total = sum(math.exp(v) for v in yhat)
    by_definition = [math.exp(v) / total - (k == c) for k, v in enumerate(yhat)]
    assert g == pytest.approx(by_definition, rel=1e-12, abs=1e-15)
    fd = central_difference(lambda v: naive_loss("nll", v, c), yhat)
    assert all(close(a, b) for a, b in zip(g, fd)), (g, fd)
    assert abs(sum(g)) < 1e-12  # the probabilities sum to 1, the one-hot to 1
    assert g[c] <= 0 and all(v >= 0 for k, v in enumerate(g) if k != c)


def test_nll_gradient_is_stable_for_huge_logits():
    g = E.equation9("nll", [1000.0, -1000.0, 999.0], 1)
    assert all(math.isfinite(v) for v in g)
    s = 1 / (1 + math.exp(-1))  # softmax of (1000, 999) after the max is subtracted
    assert g == pytest.approx([s, -1.0, 1 - s], rel=1e-12, abs=1e-300)
    assert E.loss_value("nll", [1000.0, -1000.0], 1) == pytest.approx(2000.0)


@pytest.mark.parametrize(
    "loss, yhat, target",
    [("mse", [0.3, -1.2, 2.0], [0.0, 1.0, 1.5]), ("bce", [0.7], 1.0), ("bce", [-1.3], 0.25),
     ("hinge", [0.4], 1.0), ("hinge", [-0.2], -1.0), ("hinge", [1.7], 1.0)],
)
def test_equation_9_of_every_loss_matches_central_differences(loss, yhat, target):
    g = E.equation9(loss, yhat, target)
    fd = central_difference(lambda v: naive_loss(loss, v, target), yhat)
    assert all(close(a, b) for a, b in zip(g, fd)), (g, fd)
    assert E.loss_value(loss, yhat, target) == pytest.approx(naive_loss(loss, yhat, target), rel=1e-12)


# ---- φ and φ' -----------------------------------------------------------------------------------
def test_every_activation_of_nn_has_a_phi_phi_prime_pair():
    assert set(E.PAIRS) == set(ACTIVATIONS)
    table = E.activation_table()
    assert all(name in table for name in ACTIVATIONS) and "φ'(z)" in table


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("z", [-3.1, -0.7, -0.05, 0.05, 0.4, 2.5, 25.0, -25.0])
def test_phi_prime_is_the_derivative_of_phi_and_phi_is_the_engines(name, z):
    a = E.activation(name)
    (fd,) = central_difference(lambda v: a.phi(v[0]), [z])
    assert close(a.phi_prime(z), fd, rel=1e-6, abs_=1e-8)
    method = ACTIVATIONS[name]
    engine = getattr(Value(z), method)().data if method else z
    assert a.phi(z) == pytest.approx(engine, rel=1e-14, abs=1e-300)


# ---- explain: "doing it with numbers" -----------------------------------------------------------
NUM = r"\(?(-?[0-9.]+(?:e[-+]?\d+)?)\)?"


def test_explain_first_layer_weight_of_a_three_layer_net_adds_up():
    model = MLP(2, [3, 3, 2], act="tanh", rng=random.Random(0))
    x = [0.5, -1.2]
    ex = E.explanation(model, x, 1, "nll", 1, 2, 1)
    table = E.compare(model, x, 1, "nll")
    node = {(r.l, r.i): r for r in table.nodes}

    # structurally: the Equation 12 terms sum to ∂e/∂o^1_2, which is what backward() found there
    assert [t.k for t in ex.terms] == [1, 2, 3]
    assert agree(math.fsum(t.product for t in ex.terms), ex.de_do, rel=1e-15)
    assert agree(ex.de_do, node[1, 2].autograd)
    for t in ex.terms:
        assert t.product == t.de_do * t.phi_prime * t.w
        assert agree(t.de_do, node[2, t.k].autograd)
    assert agree(ex.value, ex.de_do * ex.phi_prime * ex.o_prev, rel=1e-15)
    assert ex.o_prev == 0.5 and agree(ex.value, ex.autograd)

    # as printed: every line checks by hand (below); the result lines at 4 significant digits
    text = str(ex)
    assert text == E.explain(model, x, 1, "nll", 1, 2, 1)
    assert_checkable_by_hand(text)
    (v,) = re.findall(r"^  ∂e/∂w\^1_\{2,1\} = .* = " + NUM + "$", text, re.M)
    assert v == notation.number(ex.value, 4)
    for needle in ("Equation 8", "Equation 12", "Equation 9", "softmax(ŷ)_i − 1[i=c+1]", "o^0_1 = x_1 = 0.5"):
        assert needle in text


def exact(text: str) -> Decimal:
    return Decimal(text.strip().strip("()"))


def assert_checkable_by_hand(text: str) -> None:
    """A student doing the printed arithmetic exactly gets every printed result to its printed
    digits: Equation 8's product, each Equation 12 term, their sum, and z written out."""
    products = re.findall(r"^  (?:∂e/∂\S+ =|k = \d+:) (.+) = (\S+)$", text, re.M)
    sums = 0
    for factors, result in products:
        if "·" not in factors or "+" in factors:
            continue
        p = math.prod((exact(f) for f in factors.split(" · ")), start=Decimal(1))
        digits = len(result.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))
        assert notation.number(float(p), max(digits, 4)) == result, (factors, result)
        sums += 1
    assert sums >= 1
    terms = re.findall(r"^  k = \d+:.* = (\S+)$", text, re.M)
    if terms:
        (total,) = re.findall(r"^  sum = (\S+)$", text, re.M)
        assert notation.number(float(sum(map(exact, terms))), 4) == total
    (zline,) = re.findall(r"^ += (.+) = (\S+)$", text, re.M)
    terms_of_z = (math.prod(map(exact, t.split("·")), start=Decimal(1)) for t in zline[0].split(" + "))
    z = sum(terms_of_z, Decimal(0))
    assert notation.number(float(z), 4) == zline[1]


@pytest.mark.parametrize("seed", range(12))
def test_explain_arithmetic_checks_by_hand_at_4_digits(seed):
    rng = random.Random(seed)
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 3))] + [2]
    act = sorted(ACTIVATIONS)[seed % len(ACTIVATIONS)]
    model = MLP(2, sizes, act=act, rng=random.Random(seed))
    x = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
    for l in range(1, len(sizes) + 1):
        i = rng.randint(1, sizes[l - 1])
        j = rng.randint(0, 2 if l == 1 else sizes[l - 2])
        ex = E.explanation(model, x, seed % 2, "nll", l, i, j)
        assert_checkable_by_hand(str(ex))
        assert agree(ex.value, ex.autograd)


def test_explanation_lines_fit_100_columns_and_wrapping_loses_nothing():
    from microgradnet.equations.explain import wrap

    model = MLP(30, [20, 10], act="tanh", rng=random.Random(0))
    text = E.explain(model, [0.01 * k - 0.15 for k in range(30)], 3, "nll", 2, 3, 4)
    assert max(map(len, text.splitlines())) <= 100
    line = "  z = " + " + ".join(f"w_{k}·o_{k}" for k in range(40)) + " = 1.5"
    lines = wrap(line)
    assert len(lines) > 1 and all(len(x) <= 100 for x in lines)
    assert " ".join(x.strip() for x in lines) == line.strip()  # the same text, broken before " + "
    assert all(x.startswith(" " * 6 + "+ ") for x in lines[1:])  # under the first term
    # inside parentheses only after a comma: "at z = -0.05769" stays together
    phi = "  φ'(z²₁) = 0.9967   (φ'(z) = 1 − tanh²(z), at z = -0.05769)"
    assert wrap(phi, 56) == ["  φ'(z²₁) = 0.9967   (φ'(z) = 1 − tanh²(z),", "      at z = -0.05769)"]
    head = "∂e/∂w²₁,₃: the weight from o¹₃ into neuron 1 of layer 2 (N = 3, φ = tanh on layers 1..2)"
    assert wrap(head, 56) == [head[:55], "    " + head[56:]]  # before "(N = 3", not after "w²₁,"


@pytest.mark.parametrize("l, i, j", [(3, 2, 0), (2, 1, 3), (1, 3, 0)])
def test_explain_gives_backwards_number_for_biases_and_other_layers(l, i, j):
    model = MLP(2, [3, 3, 2], act="sigmoid", rng=random.Random(4))
    ex = E.explanation(model, [0.3, 0.9], 1, "nll", l, i, j)
    assert agree(ex.value, ex.autograd)
    assert (ex.terms == []) == (l == 3)
    if j == 0:
        assert ex.o_prev == 1.0 and "constant input 1" in str(ex)


@pytest.mark.parametrize("loss, target", [("mse", 0.3), ("bce", 0.0), ("hinge", -1.0), ("hinge", 1.0)])
def test_explain_prints_equation_9_of_each_one_output_loss(loss, target):
    model = MLP(2, [2, 1], act="tanh", rng=random.Random(2))
    text = E.explain(model, [0.5, 0.5], target, loss, 2, 1, 1)
    assert f"loss {loss}" in text and E.LOSSES[loss].equation9_text in text
    assert "backward() gives" in text


# ---- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda m: E.explain(m, [0, 0], 1, "nll", 0, 1, 1), ValueError, "layer ℓ must be between 1 and 2"),
        (lambda m: E.explain(m, [0, 0], 1, "nll", 3, 1, 1), ValueError, "layer ℓ"),
        (lambda m: E.explain(m, [0, 0], 1, "nll", 1, 4, 1), ValueError, "neuron i of layer 1"),
        (lambda m: E.explain(m, [0, 0], 1, "nll", 2, 1, 4), ValueError, "input j of layer 2"),
        (lambda m: E.explain(m, [0, 0], 1, "nll", 1, 1, 0, bias=False), ValueError, "no biases"),
        (lambda m: E.explain(m, [0, 0], 1, "nll", 1.0, 1, 1), TypeError, "whole number"),
        (lambda m: E.compare(m, [0, 0], 2, "nll"), ValueError, "between 0 and 1"),
        (lambda m: E.compare(m, [0, 0], -1, "nll"), ValueError, "counted from 0"),
        (lambda m: E.compare(m, [0, 0], True, "nll"), TypeError, "class number"),
        (lambda m: E.compare(m, [0, 0], [1.0], "mse"), ValueError, "2 number(s)"),
        (lambda m: E.compare(m, [0, 0], 1.0, "bce"), ValueError, "needs a model with one output"),
        (lambda m: E.compare(m, [0, 0, 0], 1, "nll"), ValueError, "must have 2 numbers"),
        (lambda m: E.compare(m, [0, float("nan")], 1, "nll"), ValueError, "finite"),
        (lambda m: E.compare(m, "01", 1, "nll"), TypeError, "list of 2 numbers"),
        (lambda m: E.compare(m, [0, 0], 1, "cross"), ValueError, "unknown loss"),
        (lambda m: E.backprop(m, [0, 0], 1, "nll"), None, None),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, words):
    model = MLP(2, [3, 2], act="tanh", rng=random.Random(0))
    if error is None:
        call(model)  # the control case: a valid call raises nothing
        return
    with pytest.raises(error, match=re.escape(words)):
        call(model)


def test_one_output_losses_check_their_targets():
    model = MLP(2, [1], rng=random.Random(0))
    with pytest.raises(ValueError, match=r"two classes \(labels 0/1 or -1/\+1\), got label 0.5"):
        E.compare(model, [1, 1], 0.5, "hinge")
    with pytest.raises(ValueError, match="between 0 and 1"):
        E.compare(model, [1, 1], 1.5, "bce")


def test_comparing_inside_no_grad_says_why_it_cannot():
    model = MLP(2, [2], rng=random.Random(0))
    with no_grad(), pytest.raises(RuntimeError, match="outside no_grad"):
        E.compare(model, [1, 1], 1, "nll")
