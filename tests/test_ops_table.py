"""The table of operations (``microgradnet.ops``): one row per operation, read by everything.

- every hand-written engine method agrees with its row, forward value and local derivatives;
- every row's derivative, written once for floats and Values, agrees with central differences;
- a student's operation added with one ``define_op`` call works in arithmetic, formulas,
  pictures, the step-through page, compiled replay and gradcheck.
"""

from __future__ import annotations

import ast
import math
import pathlib
import random

import pytest

import microgradnet
from microgradnet import Value, define_op, gradcheck, ops
from microgradnet.engine import apply_row, value_sum, weighted_sum

PACKAGE = pathlib.Path(microgradnet.__file__).parent


def _apply(name: str, args: list[Value], p):
    """Build the operation with the engine's own method or operator."""
    a = args[0]
    row = ops.OPS[name]
    if name == "sum":
        return value_sum(args)
    if name == "dot":
        n = (len(args) - 1) // 2
        return weighted_sum(args[1 : 1 + n], args[1 + n :], args[0])
    if row.arity == 2:
        b = args[1]
        binary = {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__, "**": a.__pow__,
                  "max": a.max}
        return binary[name](b)
    if name == "**p":
        return a**p
    if name == "neg":
        return -a
    if name == "abs":
        return abs(a)
    return getattr(a, name)(p) if row.params else getattr(a, name)()


def _points(name: str, rng: random.Random):
    row = ops.OPS[name]
    n = row.arity or rng.choice([3, 5, 7])
    lo = 0.1 if name in ("log", "sqrt", "**", "**p") else -3.0
    return [rng.uniform(lo, 3.0) for _ in range(n)]


BUILTIN = [name for name in ops.OPS if name in {
    "+", "-", "*", "/", "**", "max", "**p", "neg", "abs", "detach", "relu", "leaky_relu", "tanh",
    "sigmoid", "softplus", "gelu", "exp", "log", "sqrt", "sin", "cos", "sum", "dot"}]


def test_every_builtin_operation_has_a_row():
    assert len(BUILTIN) == 23


# Special points where a local derivative takes another branch (kinks, ties, 0 ** p, sqrt(0)):
# the engine's method and the row must agree there too, not only at interior random points.
SPECIAL = {
    "**": [[0.0, 0.5], [0.0, 1.0], [0.0, 2.0], [2.0, 0.0], [1.0, 3.0]],
    "**p": [[0.0], [2.0], [-2.0]],
    "sqrt": [[0.0], [4.0]],
    "relu": [[0.0], [-0.0], [-1.0]],
    "leaky_relu": [[0.0], [-1.0]],
    "abs": [[0.0], [-0.0], [-2.0]],
    "max": [[1.0, 1.0], [0.0, -0.0], [-1.0, 2.0]],
    "/": [[0.0, 3.0]],
    "log": [[1.0]],
}
SPECIAL_P = {"**p": [0.5, 1, 2, 0, -1, 3]}


def _cases(name: str):
    """(operands, constant) pairs: 50 random interior points and every special point."""
    rng = random.Random(name)
    row = ops.OPS[name]
    for _ in range(50):
        p = rng.choice([2, 3, 0.5]) if name == "**p" else (0.05 if row.params else None)
        yield _points(name, rng), p
    for xs in SPECIAL.get(name, []):
        for p in SPECIAL_P.get(name, [0.05 if row.params else None]):
            if name == "**p" and ((xs[0] == 0.0 and p < 0) or (xs[0] < 0 and p != int(p))):
                continue  # 0 ** negative and (-2) ** 0.5 raise (tested in test_derivative_branches)
            yield xs, p


@pytest.mark.parametrize("name", BUILTIN)
def test_engine_method_agrees_with_its_row(name):
    """The engine's hand-written method and the row's own forward and derivative (the generic
    path, ``apply_row``) give bit-identical values and local derivatives, special points too."""
    row = ops.OPS[name]
    for xs, p in _cases(name):
        node = _apply(name, [Value(x) for x in xs], p)
        assert ops.op_key(node) == name and node._op == row.node_op.format(p=p)
        generic = apply_row(name, *xs, p=p)
        assert type(generic)._op == node._op and ops.op_key(generic) == name
        assert str(node.data) == str(generic.data), (name, xs, p)  # bitwise, -0.0 and nan too
        assert [str(d) for d in node._local_grads] == [str(d) for d in generic._local_grads], (name, xs, p)


@pytest.mark.parametrize("name", [n for n in BUILTIN if n not in ("detach",)])
def test_row_derivative_on_values_agrees_with_central_differences(name):
    """The derivative evaluated on Values (what grad(create_graph=True) uses) has the right value."""
    rng = random.Random("fd" + name)
    row = ops.OPS[name]
    for _ in range(20):
        xs = _points(name, rng)
        if name in ("relu", "abs", "leaky_relu") and min(abs(x) for x in xs) < 1e-3:
            continue
        if name == "max" and abs(xs[0] - xs[1]) < 1e-3:
            continue
        p = 3 if name == "**p" else (0.05 if row.params else None)
        leaves = [Value(x) for x in xs]
        node = _apply(name, leaves, p)
        local = row.local_grads(tuple(leaves), node, p)
        for k in range(len(xs)):
            h = 1e-6
            up, down = list(xs), list(xs)
            up[k] += h
            down[k] -= h
            f_up = _apply(name, [Value(x) for x in up], p).data
            f_down = _apply(name, [Value(x) for x in down], p).data
            num = (f_up - f_down) / (2 * h)
            got = local[k].data if isinstance(local[k], Value) else local[k]
            assert got == pytest.approx(num, rel=1e-6, abs=1e-6), (name, k, xs)


NAMES = {"tanh", "sigmoid", "relu", "exp", "log", "sqrt", "softplus", "gelu", "ReLU"}


def test_consumers_read_the_table_and_keep_no_copy_of_op_names():
    """No module outside ops.py lists the engine's operations by name (the old copies)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "ops.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and node.keys:
                keys = {k.value for k in node.keys if isinstance(getattr(k, 'value', None), str)}
                if len(keys & NAMES) >= 3:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"op tables outside ops.py: {offenders}"


# ---- a student's own operation ----------------------------------------------------------
@pytest.fixture(scope="module")
def sinh():
    name = "sinh"
    define_op(name, math.sinh, lambda x, out: (ops.exp(x) + ops.exp(-x)) / 2, torch="torch.sinh")
    return ops.OPS[name]


def test_define_op_works_in_arithmetic_and_backward(sinh):
    x = Value(0.5)
    y = x.sinh() * 2
    y.backward()
    assert y.data == 2 * math.sinh(0.5)
    assert x.grad == pytest.approx(2 * math.cosh(0.5), rel=1e-15)
    assert y._prev[0]._op == "sinh"


def test_define_op_is_checked_by_gradcheck(sinh):
    assert gradcheck(lambda a, b: (a * b).sinh(), [0.3, -1.2]).ok


def test_define_op_works_in_graph_formulas(sinh):
    from microgradnet.expr import parse

    expr = parse("sinh(x) * 2")
    out, _leaves = expr.build({"x": 0.5})
    assert out.data == pytest.approx(2 * math.sinh(0.5))


def test_define_op_is_drawn_by_draw_dot(sinh):
    from microgradnet import draw_dot

    x = Value(0.5, label="x")
    y = x.sinh()
    y.label = "y"
    assert "sinh" in draw_dot(y).source


def test_define_op_is_explained_on_the_step_through_page(sinh, tmp_path):
    from microgradnet.viz import to_html

    x = Value(0.5, label="x")
    y = x.sinh()
    y.label = "y"
    page = tmp_path / "p.html"
    to_html(y, str(page))
    text = page.read_text()
    assert "sinh'(x" in text  # the local derivative's rule, from the table


def test_define_op_is_replayed_by_compiled_replay(sinh):
    from microgradnet.compile import compile_step

    w = Value(0.3)

    def loss(xs):
        return value_sum([(w * x).sinh() for x in xs])

    xs = [0.5, -1.0, 2.0]
    step = compile_step(loss, xs, params=[w])
    w.grad = 0.0
    got = step(xs)
    g_replay = w.grad
    w.grad = 0.0
    eager = loss(xs)
    eager.backward()
    assert got == eager.data and g_replay == w.grad


def test_define_op_rejects_bad_names_and_duplicates(sinh):
    with pytest.raises(ValueError, match="already"):
        define_op("tanh", math.tanh, lambda x, out: 1 - out * out)
    with pytest.raises(ValueError, match="identifier"):
        define_op("not a name", math.tanh, lambda x, out: 1.0)
    with pytest.raises(TypeError, match="functions"):
        define_op("foo_op", 3, 4)


def test_define_op_again_replaces_the_students_own_definition():
    define_op("twice_op", lambda x: 2 * x, lambda x, out: 3.0)  # a wrong derivative...
    assert not gradcheck(lambda a: a.twice_op(), [1.0]).ok
    define_op("twice_op", lambda x: 2 * x, lambda x, out: 2.0)  # ...fixed and the cell re-run
    assert gradcheck(lambda a: a.twice_op(), [1.0]).ok
    assert ops.OPS["twice_op"].derivatives[0](1.0, 2.0) == 2.0


def test_define_op_forward_errors_name_the_operation():
    define_op("recip_op", lambda x: 1 / x, lambda x, out: -out * out)
    with pytest.raises(ZeroDivisionError, match="recip_op\\(0.0\\)"):
        Value(0.0).recip_op()


# ---- bad operands: Python's own message, naming the operation and both types -------------
@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: Value(2) + "abc", "unsupported operand type\\(s\\) for \\+: 'Value' and 'str'"),
        (lambda: "abc" + Value(2), "unsupported operand type\\(s\\) for \\+: 'str' and 'Value'"),
        (lambda: Value(2) * None, "unsupported operand type\\(s\\) for \\*: 'Value' and 'NoneType'"),
        (lambda: Value(2) / "abc", "unsupported operand type\\(s\\) for /: 'Value' and 'str'"),
        (lambda: Value(2) ** "a", "unsupported operand type\\(s\\) for \\*\\*: 'Value' and 'str'"),
    ],
)
def test_bad_operands_name_the_operation_and_types(call, text):
    with pytest.raises(TypeError, match=text):
        call()


def test_zero_to_a_positive_value_power_is_zero_with_derivative_zero():
    p = Value(0.5)
    y = 0.0**p
    y.backward()
    assert y.data == 0.0 and p.grad == 0.0


def test_numpy_scalars_become_floats_and_overflow_is_an_error():
    np = pytest.importorskip("numpy", reason="numpy comes with the plot extra")
    v = Value(np.float64(10.0))
    assert type(v.data) is float
    with pytest.raises(OverflowError, match="overflows"):
        v**400
