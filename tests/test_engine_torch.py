"""The engine against PyTorch float64 (skipped when torch is not installed; the finite-difference
tests in test_engine*.py always run). Includes micrograd's own two engine tests with only the
import line changed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradnet import Value  # (the only line changed from micrograd's tests)


@pytest.fixture
def torch():
    """PyTorch, or a skip that says so (counted in the closing line of the test run)."""
    return pytest.importorskip("torch")


def test_sanity_check(torch):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


def test_more_ops(torch):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


OPS = {
    "tanh": (lambda v: v.tanh(), lambda torch, t: torch.tanh(t)),
    "sigmoid": (lambda v: v.sigmoid(), lambda torch, t: torch.sigmoid(t)),
    "relu": (lambda v: v.relu(), lambda torch, t: torch.relu(t)),
    "leaky_relu": (lambda v: v.leaky_relu(), lambda torch, t: torch.nn.functional.leaky_relu(t, 0.01)),
    "softplus": (lambda v: v.softplus(), lambda torch, t: torch.nn.functional.softplus(t)),
    "gelu": (lambda v: v.gelu(), lambda torch, t: torch.nn.functional.gelu(t, approximate="tanh")),
    "exp": (lambda v: v.exp(), lambda torch, t: torch.exp(t)),
    "abs": (lambda v: abs(v), lambda torch, t: torch.abs(t)),
    "cube": (lambda v: v**3, lambda torch, t: t**3),
    "sin": (lambda v: v.sin(), lambda torch, t: torch.sin(t)),
    "cos": (lambda v: v.cos(), lambda torch, t: torch.cos(t)),
}


@given(op=st.sampled_from(sorted(OPS)), x=st.floats(-20, 20).filter(lambda x: abs(x) > 1e-9))
def test_every_activation_matches_torch_float64(op, x):
    torch = pytest.importorskip("torch")
    ours, theirs = OPS[op]
    v = Value(x)
    out = ours(v)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    r = theirs(torch, t)
    r.backward()
    assert math.isclose(out.data, r.item(), rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(v.grad, t.grad.item(), rel_tol=1e-9, abs_tol=1e-15)


@given(a=st.floats(0.1, 5), b=st.floats(-3, 3))
def test_log_sqrt_div_and_value_powers_match_torch(a, b):
    torch = pytest.importorskip("torch")
    x, y = Value(a), Value(b)
    out = x.log() * y + x.sqrt() / (y * y + 1) + x**y
    out.backward()
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    r = torch.log(tx) * ty + torch.sqrt(tx) / (ty * ty + 1) + tx**ty
    r.backward()
    assert math.isclose(out.data, r.item(), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(x.grad, tx.grad.item(), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(y.grad, ty.grad.item(), rel_tol=1e-9, abs_tol=1e-12)
