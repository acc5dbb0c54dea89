"""Every branch of every local derivative, kinks and special points included, on every path.

A local derivative with branches (``0 ** Value(p)`` for p < 1, = 1, > 1; ``x ** p`` at 0;
sqrt'(0); relu'(0); abs'(0); leaky_relu'(0); ``max`` on a tie or with NaN) is checked at each
branch on four independent paths, against the value derived by hand (the convention where
the function has a kink, otherwise the mathematical derivative) and, where the function is
differentiable from one side, against a one-sided finite difference computed here on floats:

- ``engine``: the engine's hand-written method, then ``backward()``;
- ``row``: the table's row alone (``apply_row``: its forward and derivative on floats);
- ``grad``: ``grad(..., create_graph=True)``, the row's derivative evaluated on Values;
- ``replay``: compiled replay, the row's code templates.

Interior points are covered by ``test_ops_table.py`` and the fuzz tests; these are the points
where a branch decides the answer, which random interior points never reach.
"""

from __future__ import annotations

import math

import pytest

from microgradnet import Value, grad
from microgradnet.compile import compile_step
from microgradnet.engine import apply_row

INF = math.inf


def _engine(name, xs, p):
    leaves = [Value(x) for x in xs]
    a = leaves[0]
    if name == "**":
        out = a ** leaves[1]
    elif name == "**p":
        out = a**p
    elif name == "abs":
        out = abs(a)
    elif name == "max":
        out = a.max(leaves[1])
    elif name == "leaky_relu":
        out = a.leaky_relu(p)
    else:
        out = getattr(a, name)()
    out.backward()
    return out.data, [v.grad for v in leaves]


def _row(name, xs, p):
    leaves = [Value(x) for x in xs]
    out = apply_row(name, *leaves, p=p)
    out.backward()
    return out.data, [v.grad for v in leaves]


def _grad(name, xs, p):
    """grad(create_graph=True) reads the row's derivative on Values; the node is the engine's."""
    leaves = [Value(x) for x in xs]
    out = apply_row(name, *leaves, p=p)
    grads = grad(out, leaves, create_graph=True)
    return out.data, [g.data for g in grads]


def _replay(name, xs, p):
    leaves = [Value(x) for x in xs]

    def f(unused):
        return apply_row(name, *leaves, p=p) * unused[0]

    step = compile_step(f, [1.0], params=leaves)
    for v in leaves:
        v.grad = 0.0
    out = step([1.0])
    return out, [v.grad for v in leaves]


PATHS = {"engine": _engine, "row": _row, "grad": _grad, "replay": _replay}

# (operation, operands, constant, expected value, expected gradients): derived by hand.
CASES = [
    # 0 ** Value(p): d/dx = p·0^(p-1) is inf (p < 1), 1 (p = 1), 0 (p > 1); d/dp = 0·log 0 := 0
    ("**", [0.0, 0.5], None, 0.0, [INF, 0.0]),
    ("**", [0.0, 1.0], None, 0.0, [1.0, 0.0]),
    ("**", [0.0, 2.0], None, 0.0, [0.0, 0.0]),
    ("**", [0.0, 3.5], None, 0.0, [0.0, 0.0]),
    ("**", [2.0, 0.0], None, 1.0, [0.0, math.log(2.0)]),
    ("**", [1.0, 3.0], None, 1.0, [3.0, 0.0]),
    # x ** p with a number p, at 0: p·0^(p-1)
    ("**p", [0.0], 0.5, 0.0, [INF]),
    ("**p", [0.0], 1, 0.0, [1.0]),
    ("**p", [0.0], 2, 0.0, [0.0]),
    ("**p", [0.0], 3, 0.0, [0.0]),
    ("**p", [0.0], 0, 1.0, [0.0]),
    ("**p", [-2.0], 2, 4.0, [-4.0]),
    ("**p", [-2.0], 3, -8.0, [12.0]),
    ("**p", [-2.0], -1, -0.5, [-0.25]),
    # a representable value whose slope overflows: ±inf with the slope's sign (IEEE), no error
    ("**p", [1e-120], -2, 1e240, [-INF]),
    ("**p", [-1e-120], -2, 1e240, [INF]),
    ("**p", [-1e-200], -1, -1e200, [-INF]),
    # sqrt: 1/(2√x), infinite at 0
    ("sqrt", [0.0], None, 0.0, [INF]),
    ("sqrt", [4.0], None, 2.0, [0.25]),
    # kinks: the one-sided conventions (PyTorch's): relu'(0) = 0, abs'(0) = 0, leaky'(0) = slope
    ("relu", [0.0], None, 0.0, [0.0]),
    ("relu", [-0.0], None, -0.0, [0.0]),
    ("relu", [1e-300], None, 1e-300, [1.0]),
    ("relu", [-1.0], None, 0.0, [0.0]),
    ("abs", [0.0], None, 0.0, [0.0]),
    ("abs", [-0.0], None, 0.0, [0.0]),
    ("abs", [-2.0], None, 2.0, [-1.0]),
    ("abs", [3.0], None, 3.0, [1.0]),
    ("leaky_relu", [0.0], 0.2, 0.0, [0.2]),
    ("leaky_relu", [-1.0], 0.2, -0.2, [0.2]),
    ("leaky_relu", [2.0], 0.2, 2.0, [1.0]),
    # max: the first operand wins a tie (torch.where(a >= b, a, b)), and a NaN first operand
    ("max", [1.0, 1.0], None, 1.0, [1.0, 0.0]),
    ("max", [0.0, -0.0], None, 0.0, [1.0, 0.0]),
    ("max", [-1.0, 2.0], None, 2.0, [0.0, 1.0]),
    ("max", [3.0, 2.0], None, 3.0, [1.0, 0.0]),
]


def _same(got: float, want: float) -> bool:
    if math.isinf(want) or math.isnan(want):
        return str(got) == str(want)
    return got == pytest.approx(want, rel=1e-15, abs=0.0)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{c[1]}p{c[2]}" for c in CASES])
def test_each_branch_gives_its_derivative_on_every_path(case, path):
    name, xs, p, value, grads = case
    out, got = PATHS[path](name, xs, p)
    assert _same(out, value), (path, name, xs, p, out, value)
    assert len(got) == len(grads)
    for k, (g, want) in enumerate(zip(got, grads)):
        assert _same(g, want), (path, name, xs, p, k, g, want)


def _one_sided(f, x: float, side: float, h: float = 1e-7) -> float:
    """(f(x ± h) − f(x)) / ±h: the derivative from one side, on floats."""
    return (f(x + side * h) - f(x)) / (side * h)


def test_the_expected_values_agree_with_one_sided_differences():
    """The table above is not taken on trust: where the function is differentiable from the
    right (or left) its one-sided difference quotient, on plain floats, agrees with it."""
    assert _one_sided(lambda x: x**1.0, 0.0, 1) == pytest.approx(1.0)
    assert _one_sided(lambda x: x**2.0, 0.0, 1) == pytest.approx(0.0, abs=1e-6)
    assert _one_sided(lambda x: x**0.5, 0.0, 1) > 1e3  # unbounded: inf
    assert _one_sided(lambda p: 0.0**p, 1.0, 1) == 0.0  # d/dp 0**p = 0 for p > 0
    assert _one_sided(lambda p: 2.0**p, 0.0, 1) == pytest.approx(math.log(2.0), rel=1e-6)
    assert _one_sided(math.sqrt, 0.0, 1) > 1e3
    assert _one_sided(lambda x: max(x, 0.0), 0.0, -1) == 0.0  # relu'(0) is the left slope
    assert _one_sided(abs, 0.0, 1) == 1.0 and _one_sided(abs, 0.0, -1) == -1.0  # abs'(0) := 0 between
    assert _one_sided(lambda x: x if x > 0 else 0.2 * x, 0.0, -1) == pytest.approx(0.2)
    assert _one_sided(lambda a: max(a, 1.0), 1.0, 1) == pytest.approx(1.0)  # a tie: the right slope goes to a


def test_max_with_nan_takes_the_nan_on_every_path():
    """max(nan, 1) and max(1, nan) are NaN, and the whole gradient goes to the NaN operand."""
    nan = math.nan
    for path in ("engine", "row", "grad"):
        out, got = PATHS[path]("max", [nan, 1.0], None)
        assert math.isnan(out) and got == [1.0, 0.0], path
        out, got = PATHS[path]("max", [1.0, nan], None)
        assert math.isnan(out) and got == [0.0, 1.0], path


@pytest.mark.parametrize("xs, p, error", [([0.0], -1, ZeroDivisionError), ([-2.0], 0.5, ValueError)])
def test_powers_outside_the_reals_raise_on_the_engine_and_the_row(xs, p, error):
    with pytest.raises(error, match=r"\*\*"):
        Value(xs[0]) ** p
    with pytest.raises(error, match=r"\*\*"):
        apply_row("**p", xs[0], p=p)


def test_second_derivatives_at_the_kinks_are_zero():
    """relu, abs and max have constant local derivatives, so grad of grad is 0 there."""
    for build in (lambda x: x.relu() * 3, lambda x: abs(x) * 3, lambda x: x.max(Value(0.0)) * 3):
        for at in (0.0, 1.5, -1.5):
            x = Value(at)
            [d1] = grad(build(x), [x], create_graph=True)
            [d2] = grad(d1, [x], allow_unused=True)
            assert d2.data == 0.0
