"""Fuzzing the engine: random expression programs using EVERY operation - with reused nodes,
self-operands (x*x, x/x, x-x) and the n-ary ``value_sum``/``weighted_sum`` with repeated
children - give the values and gradients of two independent oracles:

- PyTorch in float64 (when installed): every node's value and gradient, leaves and intermediates;
- the complex-step derivative (always runs): every node's value and gradient. Evaluating the
  program on complex numbers with a tiny imaginary nudge ``ih`` added to one register gives
  that register's gradient as ``Im(root)/h`` to machine precision (no subtraction, so no
  rounding error to tolerate), written with the cmath module, independently of the engine;
- central finite differences on plain floats (always runs): the value and the input gradients.

The two oracles that always run see the engine's hand-written methods (``ValueOps``) and,
separately, the table's rows alone (``RowOps``, through ``apply_row``), so a wrong row fails
them without PyTorch too.

The two oracles that need no PyTorch are tight enough that a relative error of 1e-3 in any one
local derivative of the engine fails them, and so do sigmoid' × (1 + 1e-6), d(x**y)/dy ×
(1 + 1e-5) and the weighted sum's dz/db + 1e-7 (a mutation check: each derivative mutated in
turn, without torch). Random programs need not draw every operation, so
``test_every_operation_alone_...`` runs each one deterministically. Examples are derandomized
(see conftest.py), so a run is reproducible.

A program is a list of instructions over a growing register file that starts with the inputs;
each instruction reads earlier registers and appends one result. Domains are kept valid by
construction (log and sqrt read |r| + c, fractional powers a positive base) or by rejecting the
rare program that divides by almost zero or grows past 1e4, so failures are about derivatives,
not about float overflow. ``HYPOTHESIS_PROFILE=fuzz`` runs 5000 programs per test.
"""

from __future__ import annotations

import cmath
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microgradnet import Value, detect_anomaly
from microgradnet.engine import apply_row, value_sum, weighted_sum
from tests.oracles import extrapolated_difference

UNARY = ["neg", "abs", "relu", "leaky_relu", "tanh", "sigmoid", "softplus", "gelu", "exp", "log", "sqrt",
         "sin", "cos", "detach"]
POWERS = [2, 3, -1, -2, 0, 1, 0.5, 1.5, -0.5]
BINARY = ["+", "-", "*", "/", "**value", "max"]
CONSTANT = ["c+", "c-", "c*", "c/", "c**"]  # reflected forms: number OP Value
SLOPES = [0.01, 0.2, -0.1]
SHIFTS = [0.05, 0.5, 2.0]
LIMIT = 1e4  # reject programs whose values grow past this (float rounding, not derivatives, would dominate)


class Reject(Exception):
    """The program left the region where comparing derivatives is meaningful."""


reg = st.integers(0, 10_000)  # register index, taken modulo the registers available
instruction = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(UNARY), reg, st.sampled_from(SLOPES + SHIFTS)),
    st.tuples(st.just("p"), st.sampled_from(POWERS), reg),
    st.tuples(st.just("b"), st.sampled_from(BINARY), reg, reg),
    st.tuples(st.just("c"), st.sampled_from(CONSTANT), reg, st.sampled_from([-1.5, 0.5, 2.0])),
    st.tuples(st.just("sum"), st.lists(reg, min_size=1, max_size=5)),
    st.tuples(st.just("dot"), st.lists(st.tuples(reg, reg), min_size=1, max_size=4), reg),
)
programs = st.lists(instruction, min_size=1, max_size=14)
inputs = st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=1, max_size=4)


def run(program, xs, B, nudge=None):
    """Run ``program`` on the inputs ``xs`` with backend ``B``; return every register and the root.

    The root is the sum of every computed register, so every node gets a gradient. ``nudge =
    (k, d)`` adds ``d`` to register ``k`` right after it is computed (the complex step)."""
    regs = list(xs)
    if nudge is not None and nudge[0] < len(regs):
        regs[nudge[0]] = regs[nudge[0]] + nudge[1]

    def at(i):
        return regs[i % len(regs)]

    for ins in program:
        kind = ins[0]
        if kind == "u":
            _, op, i, k = ins
            x = at(i)
            if op == "leaky_relu":
                out = B.leaky_relu(x, k if k in SLOPES else 0.01)
            elif op in ("log", "sqrt"):  # |x| + c keeps the argument positive
                shift = k if k in SHIFTS else 0.5
                out = getattr(B, op)(B.add(B.abs(x), shift))
            else:
                out = getattr(B, op)(x)
        elif kind == "p":
            _, p, i = ins
            x = at(i)
            if p != int(p):  # a fractional power needs a positive base
                x = B.add(B.abs(x), 0.5)
            elif p < 0 and abs(B.val(x)) < 1e-2:
                raise Reject
            out = B.pow(x, p)
        elif kind == "b":
            _, op, i, j = ins
            a, b = at(i), at(j)  # i == j gives x*x, x/x, x-x: one node used twice
            if op == "/":
                if abs(B.val(b)) < 1e-2:
                    raise Reject
                out = B.div(a, b)
            elif op == "**value":  # Value exponent: base must be positive
                out = B.powv(B.add(B.abs(a), 0.5), B.mul(b, 0.5))
            else:
                out = {"+": B.add, "-": B.sub, "*": B.mul, "max": B.max}[op](a, b)
        elif kind == "c":
            _, op, i, c = ins
            x = at(i)
            if op == "c/" and abs(B.val(x)) < 1e-2:
                raise Reject
            if op == "c**":
                out = B.rpow(abs(c), B.mul(x, 0.5))
            else:
                out = {"c+": B.radd, "c-": B.rsub, "c*": B.rmul, "c/": B.rdiv}[op](c, x)
        elif kind == "sum":
            out = B.sum([at(i) for i in ins[1]])  # repeats allowed: value_sum([a, a])
        else:  # weighted sum: b + Σ w_j x_j, where a weight may also be an input or the bias
            _, pairs, bias = ins
            out = B.dot([at(i) for i, _ in pairs], [at(j) for _, j in pairs], at(bias))
        if not abs(B.val(out)) <= LIMIT:
            raise Reject
        if nudge is not None and nudge[0] == len(regs):
            out = out + nudge[1]
        regs.append(out)
    root = B.sum(regs[len(xs):])
    return regs, root


# ---- backends ---------------------------------------------------------------------------------
class PythonOperators:
    """The arithmetic operators, the same Python syntax for both backends."""

    add = staticmethod(lambda a, b: a + b)
    sub = staticmethod(lambda a, b: a - b)
    mul = staticmethod(lambda a, b: a * b)
    div = staticmethod(lambda a, b: a / b)
    pow = staticmethod(lambda x, p: x**p)
    powv = staticmethod(lambda x, y: x**y)
    radd = staticmethod(lambda c, x: c + x)
    rsub = staticmethod(lambda c, x: c - x)
    rmul = staticmethod(lambda c, x: c * x)
    rdiv = staticmethod(lambda c, x: c / x)
    rpow = staticmethod(lambda c, x: c**x)
    neg = staticmethod(lambda x: -x)


class ValueOps(PythonOperators):
    """The engine under test."""

    val = staticmethod(lambda v: v.data)
    abs = staticmethod(lambda x: abs(x))
    relu = staticmethod(lambda x: x.relu())
    leaky_relu = staticmethod(lambda x, s: x.leaky_relu(s))
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    softplus = staticmethod(lambda x: x.softplus())
    gelu = staticmethod(lambda x: x.gelu())
    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    sqrt = staticmethod(lambda x: x.sqrt())
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    detach = staticmethod(lambda x: x.detach())
    max = staticmethod(lambda a, b: a.max(b))
    sum = staticmethod(value_sum)

    @staticmethod
    def dot(ws, xs, b):
        return weighted_sum(ws, xs, b)


def _row(name):
    return staticmethod(lambda *xs: apply_row(name, *xs))


class RowOps:
    """The table's rows alone, through the generic path (``apply_row``: each row's forward and
    derivative on floats), never the engine's hand-written methods: a mutant row dies here
    without torch."""

    val = staticmethod(lambda v: v.data)
    add, sub, mul, div, powv, neg = _row("+"), _row("-"), _row("*"), _row("/"), _row("**"), _row("neg")
    radd, rsub, rmul, rdiv, rpow = _row("+"), _row("-"), _row("*"), _row("/"), _row("**")
    abs, relu, tanh, sigmoid = _row("abs"), _row("relu"), _row("tanh"), _row("sigmoid")
    softplus, gelu, exp, log = _row("softplus"), _row("gelu"), _row("exp"), _row("log")
    sqrt, sin, cos, detach, max = _row("sqrt"), _row("sin"), _row("cos"), _row("detach"), _row("max")
    pow = staticmethod(lambda x, p: apply_row("**p", x, p=p))
    leaky_relu = staticmethod(lambda x, s: apply_row("leaky_relu", x, p=s))
    sum = staticmethod(lambda xs: apply_row("sum", *xs))
    dot = staticmethod(lambda ws, xs, b: apply_row("dot", b, *ws, *xs))


BACKENDS = {"engine": ValueOps, "rows": RowOps}


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


class FloatOps(PythonOperators):
    """Plain floats and the math module: the finite-difference oracle's arithmetic.

    ``branches`` records which side of its kink each piecewise operation (abs, relu,
    leaky_relu, max) took, so a finite difference whose points straddle a kink is recognised."""

    branches: list = []

    val = staticmethod(lambda v: v)
    pow = staticmethod(lambda x, p: float(x**p))

    @staticmethod
    def abs(x):
        FloatOps.branches.append((x > 0) - (x < 0))
        return abs(x)

    @staticmethod
    def relu(x):
        FloatOps.branches.append((x > 0) - (x < 0))
        return max(x, 0.0)

    @staticmethod
    def leaky_relu(x, s):
        FloatOps.branches.append(x > 0)
        return x if x > 0 else s * x
    tanh = staticmethod(math.tanh)
    sigmoid = staticmethod(lambda x: 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)))
    softplus = staticmethod(lambda x: x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x)))
    gelu = staticmethod(_gelu)
    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    detach = staticmethod(lambda x: x)  # the value only; finite differences cannot see a detach
    @staticmethod
    def max(a, b):
        FloatOps.branches.append(a >= b)
        return a if a >= b else b

    @staticmethod
    def sum(xs):
        total = 0.0
        for x in xs:
            total = total + x  # not +=: that would modify a torch tensor in place
        return total

    @staticmethod
    def dot(ws, xs, b):
        z = b
        for w, x in zip(ws, xs):
            z = z + w * x
        return z


class ComplexOps(PythonOperators):
    """cmath on complex numbers whose imaginary part carries the derivative (complex step).

    Analytic functions are cmath's; the piecewise ones (abs, relu, leaky_relu, max) branch on
    the real part with the conventions of micrograd: relu'(0) = 0, abs'(0) = 0, max takes the
    first operand on a tie. ``kinks`` collects how close each branch point came, so programs
    that pass within 1e-9 of a kink (where rounding could choose the other branch) are skipped.
    """

    kinks: list[float] = []

    val = staticmethod(lambda v: v.real)
    pow = staticmethod(lambda x, p: x**p if p != 0 else x * 0 + 1)

    @staticmethod
    def abs(x):
        ComplexOps.kinks.append(x.real)
        return x if x.real > 0 else (-x if x.real < 0 else 0j)

    @staticmethod
    def relu(x):
        ComplexOps.kinks.append(x.real)
        return x if x.real > 0 else 0j

    @staticmethod
    def leaky_relu(x, s):
        ComplexOps.kinks.append(x.real)
        return x if x.real > 0 else s * x

    @staticmethod
    def max(a, b):
        ComplexOps.kinks.append(a.real - b.real)
        return a if a.real >= b.real else b

    tanh = staticmethod(cmath.tanh)
    sigmoid = staticmethod(
        lambda x: 1 / (1 + cmath.exp(-x)) if x.real >= 0 else cmath.exp(x) / (1 + cmath.exp(x))
    )
    softplus = staticmethod(
        lambda x: x + cmath.log(1 + cmath.exp(-x)) if x.real > 0 else cmath.log(1 + cmath.exp(x))
    )
    gelu = staticmethod(lambda x: 0.5 * x * (1 + cmath.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))))
    exp = staticmethod(cmath.exp)
    log = staticmethod(cmath.log)
    sqrt = staticmethod(cmath.sqrt)
    sin = staticmethod(cmath.sin)
    cos = staticmethod(cmath.cos)
    detach = staticmethod(lambda x: complex(x.real, 0.0))  # the value, with no derivative
    sum = staticmethod(FloatOps.sum)
    dot = staticmethod(FloatOps.dot)


STEP = 1e-30  # the complex step: Im(f(x + ih))/h = f'(x) + O(h²), with no cancellation at all


def complex_step_gradients(program, xs):
    """d(root)/d(register k) for every register, each from one complex evaluation."""
    n = len(xs) + len(program)
    grads = []
    ComplexOps.kinks = []  # over every evaluation: the nudge itself can move a value off a kink
    for k in range(n):
        _, root = run(program, [complex(x) for x in xs], ComplexOps, nudge=(k, 1j * STEP))
        grads.append(root.imag / STEP)
    return grads


def torch_ops(torch):
    """PyTorch float64: every operation is torch's own implementation."""
    F = torch.nn.functional

    class TorchOps(PythonOperators):
        val = staticmethod(lambda t: t.item())
        abs = staticmethod(torch.abs)
        relu = staticmethod(torch.relu)
        leaky_relu = staticmethod(lambda x, s: F.leaky_relu(x, s))
        tanh = staticmethod(torch.tanh)
        sigmoid = staticmethod(torch.sigmoid)
        softplus = staticmethod(F.softplus)
        gelu = staticmethod(lambda x: F.gelu(x, approximate="tanh"))
        exp = staticmethod(torch.exp)
        log = staticmethod(torch.log)
        sqrt = staticmethod(torch.sqrt)
        sin = staticmethod(torch.sin)
        cos = staticmethod(torch.cos)
        # a new leaf with the same value: its grad is collected, nothing flows back to x
        detach = staticmethod(lambda x: x.detach().requires_grad_())
        # torch.maximum splits a tie 0.5/0.5; where() follows the engine's convention (first wins)
        max = staticmethod(lambda a, b: torch.where(a >= b, a, b))
        sum = staticmethod(FloatOps.sum)
        dot = staticmethod(FloatOps.dot)

    return TorchOps


def near(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= 1e-7 * (scale + abs(a) + abs(b))


def float_program(program, xs):
    try:
        return run(program, xs, FloatOps)[1]
    except Reject:
        assume(False)
    except (OverflowError, ZeroDivisionError, ValueError):
        assume(False)  # float arithmetic itself gave up: not a program worth comparing


# ---- against PyTorch float64 ----------------------------------------------------------------------
@given(xs=inputs, program=programs)
def test_every_node_matches_pytorch_float64_in_value_and_gradient(xs, program):
    torch = pytest.importorskip("torch")
    float_program(program, xs)  # rejects programs outside the compared region
    leaves = [Value(x) for x in xs]
    regs, root = run(program, leaves, ValueOps)
    root.backward()

    T = torch_ops(torch)
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tregs, troot = run(program, tleaves, T)
    for t in tregs[len(xs):]:
        t.retain_grad()  # intermediate gradients too, not only the inputs'
    troot.backward()

    assert near(root.data, troot.item(), LIMIT), (root.data, troot.item())
    for k, (v, t) in enumerate(zip(regs, tregs)):
        assert near(v.data, t.item()), ("value", k, v.data, t.item())
        tg = t.grad.item() if t.grad is not None else 0.0
        assert near(v.grad, tg, 1.0 + abs(tg)), ("grad", k, v.grad, tg)


# ---- against the complex-step derivative (always runs) -----------------------------------------
def tight(a: float, b: float) -> bool:
    """Agreement to 1e-10 relative: the complex step is exact to rounding, so a wrong local
    derivative (even by a relative 1e-6) cannot hide inside the tolerance."""
    return abs(a - b) <= 1e-10 * (1.0 + abs(b))


def at_least(n: int) -> int:
    """This many examples, or more under a bigger profile (HYPOTHESIS_PROFILE=fuzz)."""
    return max(n, settings.default.max_examples)


@pytest.mark.parametrize("backend", list(BACKENDS))
@settings(max_examples=at_least(400))
@given(xs=inputs, program=programs)
def test_every_node_gradient_matches_the_complex_step_derivative(backend, xs, program):
    value = float_program(program, xs)  # rejects programs outside the compared region
    leaves = [Value(x) for x in xs]
    regs, root = run(program, leaves, BACKENDS[backend])
    root.backward()
    expected = complex_step_gradients(program, xs)
    assume(all(k == 0.0 or abs(k) > 1e-9 for k in ComplexOps.kinks))  # not a hair's breadth from a kink
    assert math.isclose(root.data, value, rel_tol=1e-12, abs_tol=1e-12)
    for k, (v, g) in enumerate(zip(regs, expected)):
        assert tight(v.grad, g), ("grad of register", k, v._op, v.grad, g)


EVERY_OPERATION = (
    [("u", op, 0, 0.5) for op in UNARY]
    + [("u", "leaky_relu", 0, 0.2)]
    + [("p", p, 0) for p in POWERS]
    + [("b", op, 0, 1) for op in BINARY]
    + [("b", op, 1, 0) for op in BINARY]
    + [("c", op, 0, c) for op in CONSTANT for c in (2.0, -1.5)]
    + [("sum", [0, 1, 0]), ("dot", [(0, 1), (1, 0)], 0), ("dot", [(1, 0)], 1)]
)
POINTS = [[0.7, -1.3], [-0.45, 1.9], [1.6, 0.35]]


@pytest.mark.parametrize("ins", EVERY_OPERATION, ids=[f"{ins[1]}_{ins[-1]}" for ins in EVERY_OPERATION])
@pytest.mark.parametrize("xs", POINTS, ids=["a", "b", "c"])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_every_operation_alone_matches_the_complex_step_derivative(backend, ins, xs):
    """Each operation, then its result multiplied by an input (so every local derivative meets a
    non-trivial upstream gradient), at three points away from every kink: the random programs
    above need not draw every operation, this always does."""
    program = [ins, ("b", "*", 2, 0), ("b", "+", 3, 1)]
    regs, root = run(program, [Value(x) for x in xs], BACKENDS[backend])
    root.backward()
    expected = complex_step_gradients(program, xs)
    assert all(abs(k) > 1e-3 for k in ComplexOps.kinks)  # the points are chosen away from kinks
    assert root.data == pytest.approx(run(program, xs, FloatOps)[1], rel=1e-12)
    for k, (v, g) in enumerate(zip(regs, expected)):
        assert tight(v.grad, g), ("grad of register", k, v._op, v.grad, g)


def test_the_complex_step_oracle_tells_apart_a_derivative_off_by_one_part_in_a_million():
    """The oracle's own sharpness on a fixed program, root = sigmoid(x) + sigmoid(x)·x."""
    x = 0.7
    program = [("u", "sigmoid", 0, 0.5), ("b", "*", 1, 0)]
    g = complex_step_gradients(program, [x])[0]
    s = 1 / (1 + math.exp(-x))
    assert tight(g, s * (1 - s) * (1 + x) + s)
    assert not tight(g, s * (1 - s) * (1 + 1e-6) * (1 + x) + s)  # sigmoid' wrong by 1e-6


# ---- against central finite differences (always runs) ---------------------------------------------
@pytest.mark.parametrize("backend", list(BACKENDS))
@settings(max_examples=at_least(400))
@given(xs=inputs, program=programs)
def test_input_gradients_match_central_finite_differences(backend, xs, program):
    """Richardson-extrapolated central differences (error O(h⁴)) agree with backward() to 1e-8.

    A leaf is compared only where every point the differences evaluate takes the same side of
    every kink (relu, abs, leaky_relu, max) as the point itself, and the estimates at h and h/4
    agree: elsewhere the derivative is a convention or the function is not smooth enough."""
    assume(not any(ins[0] == "u" and ins[1] == "detach" for ins in program))  # no derivative to estimate
    FloatOps.branches = []
    value = float_program(program, xs)
    kinks = tuple(FloatOps.branches)
    leaves = [Value(x) for x in xs]
    _, root = run(program, leaves, BACKENDS[backend])
    assert math.isclose(root.data, value, rel_tol=1e-9, abs_tol=1e-9)
    root.backward()
    sides = set()

    def f(point):
        FloatOps.branches = []
        try:
            out = run(program, point, FloatOps)[1]
        except (Reject, OverflowError, ZeroDivisionError, ValueError):
            return math.nan
        sides.add(tuple(FloatOps.branches))
        return out

    h = 1e-3
    compared = 0
    for k, leaf in enumerate(leaves):
        sides.clear()
        coarse, fine = extrapolated_difference(f, xs, k, h), extrapolated_difference(f, xs, k, h / 4)
        if sides != {kinks} or not (math.isfinite(coarse) and math.isfinite(fine)):
            continue  # a kink between the points, or outside the compared region
        if abs(coarse - fine) > 1e-9 * (1 + abs(fine)):
            continue  # not smooth at this scale
        assert abs(leaf.grad - fine) <= 1e-8 * (1 + abs(fine)), (k, leaf.grad, fine)
        compared += 1
    assume(compared > 0)


@given(xs=inputs, program=programs)
def test_detect_anomaly_changes_nothing_on_programs_without_nan_or_inf(xs, program):
    """Same values and bit-identical gradients with the checks on (its own backward loop)."""
    float_program(program, xs)
    plain = [Value(x) for x in xs]
    regs, root = run(program, plain, ValueOps)
    root.backward()
    checked = [Value(x) for x in xs]
    with detect_anomaly():
        cregs, croot = run(program, checked, ValueOps)
        croot.backward()
    assert [v.data for v in cregs] == [v.data for v in regs]
    assert [v.grad for v in cregs] == [v.grad for v in regs]


def test_the_programs_cover_every_operation():
    """A guard on the generator itself: every op of the engine is reachable."""
    ops = set(UNARY) | {f"**{p}" for p in POWERS} | set(BINARY) | set(CONSTANT) | {"sum", "dot"}
    assert {"log", "sqrt", "exp", "gelu", "softplus", "leaky_relu", "abs", "/", "**value"} <= ops
    regs, root = run(
        [("u", op, 0, 0.5) for op in UNARY] + [("p", p, 0) for p in POWERS]
        + [("b", op, 1, 2) for op in BINARY] + [("c", op, 3, 2.0) for op in CONSTANT]
        + [("sum", [0, 0, 1]), ("dot", [(0, 1), (1, 1)], 0)],
        [Value(0.7)], ValueOps,
    )
    seen = {v._op for v in regs} | {c._op for v in regs for c in v._prev}
    for op in ("neg", "abs", "ReLU", "LeakyReLU", "tanh", "sigmoid", "softplus", "gelu", "exp", "log", "sqrt",
               "sin", "cos", "detach", "max", "+", "-", "*", "/", "**", "**2", "**-1", "**0.5", "sum", "dot"):
        assert op in seen, op
