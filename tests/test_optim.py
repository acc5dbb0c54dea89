"""SGD and Adam: hand-derived steps, PyTorch's definitions (checked against torch float64 when
installed), learning-rate schedules and argument checking."""

from __future__ import annotations

import math
import random

import pytest
from oracles import central_difference_in_place

import microgradnet.nn as nn
from microgradnet import Value
from microgradnet.optim import SGD, Adam


def with_grads(values: list[float], grads: list[float]) -> list[Value]:
    ps = [Value(v) for v in values]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def bowl(ps: list[Value]) -> Value:
    """A small non-quadratic objective with coupled parameters."""
    a, b, c = ps
    return (a * b - 1) ** 2 + (c - a) ** 2 + 0.5 * b**4 + c.tanh()



# ---- SGD ---------------------------------------------------------------------------------
def test_plain_sgd_moves_each_parameter_against_its_gradient():
    ps = with_grads([2.0, -1.0], [0.5, -3.0])
    SGD(ps, lr=0.1).step()
    assert ps[0].data == pytest.approx(2.0 - 0.1 * 0.5, abs=1e-15)
    assert ps[1].data == pytest.approx(-1.0 + 0.1 * 3.0, abs=1e-15)


def test_one_sgd_step_follows_the_finite_difference_slope():
    ps = [Value(0.3), Value(-0.8), Value(1.2)]
    slope = central_difference_in_place(lambda: bowl(ps).data, ps)
    before = [p.data for p in ps]
    opt = SGD(ps, lr=0.05)
    opt.zero_grad()
    bowl(ps).backward()
    opt.step()
    for p, p0, s in zip(ps, before, slope):
        assert p.data == pytest.approx(p0 - 0.05 * s, rel=1e-8, abs=1e-9)


def test_sgd_momentum_and_weight_decay_by_hand():
    """PyTorch's rule: g = grad + λp; b1 = g, then b = μb + g; p -= lr·b.

    p0 = 1, lr = 0.1, μ = 0.9, λ = 0.1; grads 2 then -1:
      step 1: g = 2 + 0.1·1 = 2.1, b = 2.1, p = 1 - 0.21 = 0.79
      step 2: g = -1 + 0.1·0.79 = -0.921, b = 0.9·2.1 - 0.921 = 0.969, p = 0.79 - 0.0969 = 0.6931
    """
    (p,) = ps = with_grads([1.0], [2.0])
    opt = SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step()
    assert p.data == pytest.approx(0.79, abs=1e-15)
    p.grad = -1.0
    opt.step()
    assert p.data == pytest.approx(0.6931, abs=1e-15)


def test_the_learning_rate_can_change_between_steps():
    """micrograd's demo decays lr = 1.0 - 0.9·k/100; lr = 0 freezes the parameters."""
    (p,) = ps = with_grads([1.0], [1.0])
    opt = SGD(ps, lr=1.0)
    for k in range(3):
        opt.lr = 1.0 - 0.9 * k / 100
        opt.step()
    assert p.data == pytest.approx(1.0 - (1.0 + 0.991 + 0.982), abs=1e-14)
    opt.lr = 0.0
    opt.step()
    assert p.data == pytest.approx(1.0 - 2.973, abs=1e-14)


# ---- Adam --------------------------------------------------------------------------------
def test_adam_first_steps_by_hand():
    """m = β1m + (1-β1)g, v = β2v + (1-β2)g², p -= lr·m̂/(√v̂ + ε) with m̂ = m/(1-β1^t), v̂ = v/(1-β2^t).

    Step 1 with g = 2: m̂ = 2, v̂ = 4, so p moves by lr·2/(2 + ε) — almost exactly lr.
    """
    (p,) = ps = with_grads([1.0], [2.0])
    opt = Adam(ps, lr=0.1)
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)
    p.grad = -1.0
    opt.step()
    m = 0.9 * (0.1 * 2) + 0.1 * -1
    v = 0.999 * (0.001 * 4) + 0.001 * 1
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert m_hat == pytest.approx(0.08 / 0.19)
    after_step_1 = 1.0 - 0.1 * 2 / (2 + 1e-8)
    assert p.data == pytest.approx(after_step_1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-14)


def test_adam_weight_decay_adds_lambda_p_to_the_gradient():
    a = with_grads([1.5], [0.0])
    b = with_grads([1.5], [0.2 * 1.5])
    opt_a, opt_b = Adam(a, lr=0.01, weight_decay=0.2), Adam(b, lr=0.01)
    for _ in range(3):
        opt_a.step()
        opt_b.step()
        a[0].grad, b[0].grad = 0.0, 0.2 * b[0].data
    assert a[0].data == pytest.approx(b[0].data, abs=1e-15)
    assert a[0].data < 1.5


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.05, momentum=0.9), lambda ps: Adam(ps, lr=0.05)])
def test_optimisers_train_a_small_network(make):
    rng = random.Random(0)
    model = nn.MLP(2, [8, 1], act="tanh", rng=rng)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    y = [x1 * x2 for x1, x2 in X]
    opt = make(model.parameters())
    losses = []
    for _ in range(60):
        loss = sum((model(x) - t) ** 2 for x, t in zip(X, y)) * (1 / len(X))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def test_zero_grad_clears_the_gradients_it_owns():
    ps = with_grads([1.0, 2.0], [3.0, 4.0])
    SGD(ps, lr=0.1).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


# ---- bad arguments -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, "lr must be a finite number >= 0"),
        (lambda ps: SGD(ps, lr=float("nan")), ValueError, "lr must be"),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "lr must be a number"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-1), ValueError, "momentum must be"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1e-4), ValueError, "weight_decay must be"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"beta2 must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "betas must be a pair"),
        (lambda ps: Adam(ps, eps=-1), ValueError, "eps must be"),
        (lambda ps: SGD([], lr=0.1), ValueError, "parameter list is empty"),
        (lambda ps: SGD([1.0, 2.0], lr=0.1), TypeError, "parameter 0 is a float, not a Value"),
        (lambda ps: SGD(ps + ps, lr=0.1), ValueError, "appears twice"),
        (lambda ps: SGD(nn.MLP(2, [1]), lr=0.1), TypeError, r"pass model.parameters\(\)"),
    ],
)
def test_bad_optimiser_arguments_are_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0), Value(2.0)])


def test_a_negative_learning_rate_is_refused_later_too():
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = -1.0
    assert opt.lr == 0.1


def test_an_optimiser_accepts_a_generator_of_parameters():
    model = nn.MLP(2, [2, 1])
    opt = SGD((p for p in model.parameters()), lr=0.1)
    assert opt.params == model.parameters()


# ---- PyTorch parity ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda ps: SGD(ps, lr=0.05), lambda t, ps: t.optim.SGD(ps, lr=0.05)),
        (
            lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
            lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (lambda ps: Adam(ps, lr=0.05), lambda t, ps: t.optim.Adam(ps, lr=0.05)),
        (
            lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
            lambda t, ps: t.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        ),
    ],
)
def test_each_step_matches_pytorch_float64(ours, theirs):
    torch = pytest.importorskip("torch")
    start = [0.3, -0.8, 1.2]
    ps = [Value(v) for v in start]
    tp = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    opt, topt = ours(ps), theirs(torch, tp)
    for step in range(25):
        if step == 10:  # a schedule: both take the new rate
            opt.lr = opt.lr * 0.5
            for group in topt.param_groups:
                group["lr"] *= 0.5
        opt.zero_grad()
        bowl(ps).backward()
        opt.step()
        topt.zero_grad()
        a, b, c = tp
        ((a * b - 1) ** 2 + (c - a) ** 2 + 0.5 * b**4 + torch.tanh(c)).backward()
        topt.step()
        for p, t in zip(ps, tp):
            assert p.data == pytest.approx(t.item(), abs=1e-12), f"step {step}"
    assert [p.data for p in ps] != start


# ---- choosing an optimiser and a schedule by name (what fit and `microgradnet train` use) -------
def test_schedule_defaults_and_checks():
    from microgradnet import optim as O

    assert O.schedule(None) is O.demo_lr and O.schedule(None, "sgd") is O.demo_lr
    assert O.demo_lr(0, 100) == 1.0 and O.demo_lr(50, 100) == pytest.approx(0.55)
    assert O.schedule(None, "adam")(7, 100) == 0.01
    assert O.schedule(0.3, "sgd")(99, 100) == 0.3
    own = O.SGD([Value(1.0)], lr=0.2)
    assert O.schedule(None, own) is None  # an optimiser object keeps its own rate
    assert O.schedule(lambda k, n: 0.5 / (k + 1))(1, 10) == 0.25
    for bad in (0, -1.0, float("nan"), True, "fast"):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            O.schedule(bad)


def test_make_builds_the_named_optimiser_or_passes_an_object_through():
    from microgradnet import optim as O

    params = [Value(1.0), Value(2.0)]
    sgd, adam = O.make("sgd", params, 0.1), O.make("adam", params, 0.01)
    assert type(sgd) is O.SGD and sgd.lr == 0.1 and type(adam) is O.Adam and adam.lr == 0.01
    assert type(O.make(None, params, 0.5)) is O.SGD
    own = O.Adam(params)
    assert O.make(own, params, 0.3) is own
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        O.make("rmsprop", params, 0.1)
    with pytest.raises(TypeError, match="step\\(\\) method"):
        O.make(42, params, 0.1)
