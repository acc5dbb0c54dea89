"""Losses and reductions: values against the textbook formulas, gradients against central
finite differences (always) and PyTorch float64 (when installed), stability at extreme logits."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from oracles import central_difference, close

from microgradnet import Value
from microgradnet import functional as F

logit = st.floats(min_value=-30, max_value=30, allow_nan=False)
logits = st.lists(logit, min_size=1, max_size=6)
huge_logit = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def grads_of(f, xs):
    """Build Values from floats, back-propagate f(values), return (f's value, gradients)."""
    vs = [Value(x) for x in xs]
    out = f(vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def assert_matches_finite_differences(f, xs, rel=1e-4, abs_=1e-6):
    _, grads = grads_of(f, xs)
    numeric = central_difference(lambda zs: f([Value(z) for z in zs]).data, xs)
    for g, n in zip(grads, numeric):
        assert close(g, n, rel=rel, abs_=abs_), (g, n)


def softmax_floats(zs):
    m = max(zs)
    es = [math.exp(z - m) for z in zs]
    return [e / math.fsum(es) for e in es]


# ---- values against the formulas -------------------------------------------------------------------
@given(logits)
def test_logsumexp_is_log_of_the_sum_of_exponentials(zs):
    assert F.logsumexp(zs).data == pytest.approx(math.log(math.fsum(math.exp(z) for z in zs)), rel=1e-12)


@given(logits)
def test_softmax_is_positive_and_sums_to_one(zs):
    ps = [p.data for p in F.softmax(zs)]
    assert all(0 <= p <= 1 for p in ps)
    assert math.fsum(ps) == pytest.approx(1.0, abs=1e-12)
    assert ps == pytest.approx(softmax_floats(zs), rel=1e-12)


@given(logits)
def test_log_softmax_equals_log_of_softmax_where_softmax_is_not_tiny(zs):
    for ls, p in zip(F.log_softmax(zs), F.softmax(zs)):
        if p.data > 1e-200:
            assert ls.data == pytest.approx(math.log(p.data), rel=1e-9, abs=1e-12)


@given(logits, st.floats(min_value=-1e3, max_value=1e3))
def test_softmax_does_not_change_when_every_logit_is_shifted(zs, c):
    shifted = [p.data for p in F.softmax([z + c for z in zs])]
    assert shifted == pytest.approx([p.data for p in F.softmax(zs)], rel=1e-9, abs=1e-12)


@given(logits, st.data())
def test_cross_entropy_is_minus_log_of_the_targets_probability(zs, data):
    c = data.draw(st.integers(0, len(zs) - 1))
    p = softmax_floats(zs)[c]
    assume(p > 1e-300)
    assert F.cross_entropy(zs, c).data == pytest.approx(-math.log(p), rel=1e-9, abs=1e-12)


def test_cross_entropy_of_a_batch_is_the_mean_of_the_samples():
    rows, targets = [[1.0, 2.0], [0.5, -1.0, 3.0]], [0, 2]
    assert F.cross_entropy(rows, targets).data == pytest.approx(
        (F.cross_entropy(rows[0], 0).data + F.cross_entropy(rows[1], 2).data) / 2
    )


@given(st.floats(-10, 10), st.sampled_from([0.0, 0.25, 1.0]))
def test_bce_on_a_logit_equals_bce_on_its_sigmoid(x, t):
    p = 1 / (1 + math.exp(-x))  # |x| <= 10 keeps 1 - p accurate, so the formula is a fair oracle
    expected = -(t * math.log(p) + (1 - t) * math.log(1 - p))
    assert F.binary_cross_entropy(x, t).data == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert F.binary_cross_entropy(p, t, from_logits=False).data == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_mse_and_hinge_follow_their_definitions():
    assert F.mse([1.0, 2.0, 4.0], [1.0, 0.0, 1.0]).data == pytest.approx((0 + 4 + 9) / 3)
    # relu(1 - y·s): 0 for a confident right answer, 1 + |s| for a wrong one
    assert F.hinge([2.0, -0.5, 0.3], [1, 1, -1]).data == pytest.approx((0 + 1.5 + 1.3) / 3)


def test_sum_and_dot_are_single_nodes():
    a, b = [Value(1.0), Value(2.0), Value(3.0)], [Value(4.0), Value(5.0), Value(6.0)]
    s, d = F.sum(a), F.dot(a, b)
    assert (s._op, s.data) == ("sum", 6.0)
    assert (d._op, d.data) == ("dot", 32.0)
    d.backward()
    assert [v.grad for v in a] == [4.0, 5.0, 6.0]
    assert [v.grad for v in b] == [1.0, 2.0, 3.0]


# ---- gradients against finite differences ----------------------------------------------------------
@given(logits)
def test_logsumexp_gradient_matches_finite_differences(zs):
    assert_matches_finite_differences(F.logsumexp, zs)


@given(logits, st.data())
def test_softmax_and_log_softmax_gradients_match_finite_differences(zs, data):
    i = data.draw(st.integers(0, len(zs) - 1))
    weights = [0.3 * (k + 1) for k in range(len(zs))]  # a generic linear read-out of all outputs
    assert_matches_finite_differences(lambda vs: F.sum([w * p for w, p in zip(weights, F.softmax(vs))]), zs)
    assert_matches_finite_differences(lambda vs: F.log_softmax(vs)[i], zs)


@given(logits, st.data())
def test_cross_entropy_gradient_matches_finite_differences(zs, data):
    c = data.draw(st.integers(0, len(zs) - 1))
    assert_matches_finite_differences(lambda vs: F.cross_entropy(vs, c), zs)


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=5), st.data())
def test_bce_mse_and_hinge_gradients_match_finite_differences(xs, data):
    n = len(xs)
    t01 = data.draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
    signs = [2 * t - 1 for t in t01]
    # the hinge's kink at y·s = 1 has no derivative: keep away from it
    assume(all(abs(1 - y * x) > 1e-3 for y, x in zip(signs, xs)))
    assert_matches_finite_differences(lambda vs: F.binary_cross_entropy(vs, t01), xs)
    assert_matches_finite_differences(lambda vs: F.mse(vs, [0.5 * t for t in t01]), xs)
    assert_matches_finite_differences(lambda vs: F.hinge(vs, signs), xs)
    probs = [1 / (1 + math.exp(-x)) for x in xs]
    assume(all(1e-6 < p < 1 - 1e-6 for p in probs))
    assert_matches_finite_differences(
        lambda vs: F.binary_cross_entropy(vs, t01, from_logits=False), probs, rel=1e-3
    )


@given(st.lists(huge_logit, min_size=1, max_size=6), st.data())
def test_cross_entropy_gradient_is_softmax_minus_onehot_even_for_huge_logits(zs, data):
    c = data.draw(st.integers(0, len(zs) - 1))
    value, grads = grads_of(lambda vs: F.cross_entropy(vs, c), zs)
    assert math.isfinite(value) and value >= 0
    expected = [p - (i == c) for i, p in enumerate(softmax_floats(zs))]
    assert grads == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ---- stability -----------------------------------------------------------------------------------------
def test_extreme_logits_give_finite_losses_and_gradients():
    z = [1000.0, 0.0, -1000.0]
    assert F.logsumexp(z).data == pytest.approx(1000.0)
    assert [p.data for p in F.softmax(z)] == [1.0, 0.0, 0.0]
    assert [v.data for v in F.log_softmax(z)] == pytest.approx([0.0, -1000.0, -2000.0])
    loss, grads = grads_of(lambda vs: F.cross_entropy(vs, 2), z)
    assert loss == pytest.approx(2000.0)
    assert grads == [1.0, 0.0, -1.0]
    for x, t in [(800.0, 0.0), (-800.0, 1.0), (800.0, 1.0)]:
        bce, (g,) = grads_of(lambda vs, t=t: F.binary_cross_entropy(vs[0], t), [x])
        assert bce == pytest.approx(max(x, 0) - t * x, abs=1e-12)
        assert g == pytest.approx((x > 0) - t)


def test_bce_on_probabilities_of_exactly_0_or_1_is_large_but_finite():
    assert F.binary_cross_entropy(0.0, 1.0, from_logits=False).data == 100.0
    assert F.binary_cross_entropy(1.0, 0.0, from_logits=False).data == 100.0
    assert F.binary_cross_entropy(1.0, 1.0, from_logits=False).data == 0.0


# ---- clear errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.sum([]), ValueError, "empty"),
        (lambda: F.softmax([]), ValueError, "empty"),
        (lambda: F.logsumexp(3.0), TypeError, "list"),
        (lambda: F.dot([1.0], [1.0, 2.0]), ValueError, "lengths differ"),
        (lambda: F.cross_entropy([1.0, 2.0], 2), ValueError,
         r"out of range for 2 classes \(counted from 0: 0..1\)"),
        (lambda: F.cross_entropy([1.0, 2.0], -1), ValueError, "out of range"),
        (lambda: F.cross_entropy([1.0, 2.0], 1.0), TypeError, "class index"),
        (lambda: F.cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "lengths differ"),
        (lambda: F.cross_entropy([1.0, float("inf")], 0), ValueError, "finite"),
        (lambda: F.mse([1.0, 2.0], [1.0]), ValueError, "lengths differ"),
        (lambda: F.mse([1.0], [float("nan")]), ValueError, "finite"),
        (lambda: F.hinge([1.0, 2.0], [0, 1]), ValueError, "-1 or \\+1"),
        (lambda: F.binary_cross_entropy(0.5, 2.0), ValueError, r"\[0, 1\]"),
        (lambda: F.binary_cross_entropy(1.5, 1.0, from_logits=False), ValueError, "probabilities"),
        (lambda: F.binary_cross_entropy([0.5], 1.0), TypeError, "two lists"),
        (lambda: F.softmax(["a"]), TypeError, "Values or numbers"),
    ],
)
def test_bad_inputs_raise_one_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- PyTorch float64 as the oracle -------------------------------------------------------------------
CASES = [[1.5, -0.3, 2.2, 0.0], [1000.0, 0.0, -1000.0], [-4.0, 7.5], [0.1, 0.1, 0.1]]


@pytest.mark.parametrize("zs", CASES)
def test_softmax_family_matches_pytorch(zs):
    torch = pytest.importorskip("torch")
    weights = [0.7, -1.3, 2.1, 0.4][: len(zs)]
    for ours, theirs in [
        (lambda vs: F.logsumexp(vs), lambda t: torch.logsumexp(t, 0)),
        (lambda vs: F.dot(weights, F.softmax(vs)), lambda t: (torch.tensor(weights, dtype=torch.float64)
                                                               * torch.softmax(t, 0)).sum()),
        (lambda vs: F.dot(weights, F.log_softmax(vs)), lambda t: (torch.tensor(weights, dtype=torch.float64)
                                                                   * torch.log_softmax(t, 0)).sum()),
        (lambda vs: F.cross_entropy(vs, len(zs) - 1),
         lambda t: torch.nn.functional.cross_entropy(t[None], torch.tensor([len(zs) - 1]))),
    ]:
        value, grads = grads_of(ours, zs)
        t = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
        out = theirs(t)
        out.backward()
        assert value == pytest.approx(out.item(), rel=1e-12, abs=1e-12)
        assert grads == pytest.approx(t.grad.tolist(), rel=1e-10, abs=1e-12)


def test_binary_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    tnf = torch.nn.functional
    xs, t01 = [2.5, -0.7, 0.0, 40.0, -35.0], [1.0, 0.0, 1.0, 0.0, 1.0]
    probs = [0.9, 0.2, 0.5, 1e-8, 0.999]
    signs = [2 * t - 1 for t in t01]
    targets = torch.tensor(t01, dtype=torch.float64)
    cases = [
        (xs, lambda vs: F.binary_cross_entropy(vs, t01),
         lambda t: tnf.binary_cross_entropy_with_logits(t, targets)),
        (probs, lambda vs: F.binary_cross_entropy(vs, t01, from_logits=False),
         lambda t: tnf.binary_cross_entropy(t, targets)),
        (xs, lambda vs: F.mse(vs, t01), lambda t: tnf.mse_loss(t, targets)),
        (xs, lambda vs: F.hinge(vs, signs),
         lambda t: torch.relu(1 - torch.tensor(signs, dtype=torch.float64) * t).mean()),
    ]
    for inputs, ours, theirs in cases:
        value, grads = grads_of(ours, inputs)
        t = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
        out = theirs(t)
        out.backward()
        assert value == pytest.approx(out.item(), rel=1e-12)
        assert grads == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-15)
