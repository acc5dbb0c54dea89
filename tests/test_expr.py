"""The safe formula parser: what it builds equals plain float arithmetic, and nothing else gets in."""

from __future__ import annotations

import ast
import builtins
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnet import Value
from microgradnet.expr import MAX_BRACKET_DEPTH, MAX_EXPONENT, MAX_LENGTH, ExprError, build, parse
from tests.oracles import central_difference, close


# ---- an independent oracle: the same formula evaluated on plain floats ------------------
def at_least(n: int) -> int:
    """This many examples, or more under a bigger profile (HYPOTHESIS_PROFILE=fuzz)."""
    return max(n, settings.default.max_examples)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


FLOAT_FUNCS = {
    "tanh": math.tanh,
    "exp": math.exp,
    "log": lambda x: math.log(x) if x > 0 or x != x else _raise(ValueError("log domain")),
    "sqrt": math.sqrt,
    "abs": abs,
    "relu": lambda x: 0.0 if x < 0 else x,
    "sigmoid": _sigmoid,
    "softplus": lambda x: math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x)),
}


def _raise(exc: Exception) -> float:
    raise exc


def float_eval(source: str, env: dict[str, float]) -> float:
    """Evaluate a formula with floats by walking its syntax tree (the test's own evaluator)."""

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                return a / b
            out = a**b
            if isinstance(out, complex):
                raise ValueError("complex power")
            return out
        if isinstance(node, ast.Call):
            return FLOAT_FUNCS[node.func.id](ev(node.args[0]))
        raise AssertionError(f"test generator produced {ast.dump(node)}")

    return ev(ast.parse(source, mode="eval").body)


def same_float(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# ---- formulas: generated as text --------------------------------------------------------
NAMES = ("x", "y", "w")
numbers = st.floats(min_value=0.0, max_value=20.0, allow_nan=False).map(lambda v: repr(round(v, 3)))
leaf = st.one_of(st.sampled_from(NAMES), numbers)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "/"])
    binary = st.tuples(inner, ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    exponents = st.sampled_from(["2", "3", "0", "-1", "0.5", "-2"])
    power = st.tuples(inner, exponents).map(lambda t: f"({t[0]})**{t[1]}")
    call = st.tuples(st.sampled_from(sorted(FLOAT_FUNCS)), inner).map(lambda t: f"{t[0]}({t[1]})")
    neg = inner.map(lambda e: f"-{e}")
    return st.one_of(binary, power, call, neg)


formulas = st.recursive(leaf, _extend, max_leaves=12)
# Any magnitude, tiny ones included: the engine's derivatives stay floats (±inf when too large,
# as IEEE says) wherever the value itself is a float, so there is no exception to allow for.
moderate = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-3, max_value=3.0),
    st.floats(min_value=-3.0, max_value=-1e-3),
    st.floats(min_value=1e-300, max_value=1e-100),
    st.floats(min_value=-1e-100, max_value=-1e-300),
)
envs = st.fixed_dictionaries({n: moderate for n in NAMES})


@settings(max_examples=at_least(150))
@given(formulas, envs)
def test_a_random_formula_equals_its_plain_float_value_or_is_a_clear_error(source, env):
    """Whatever the formula, build() gives the float value, or an ExprError exactly when floats fail."""
    used = {n: v for n, v in env.items() if n in parse(source).names}
    try:
        expected = float_eval(source, used)
    except (ArithmeticError, ValueError):
        with pytest.raises(ExprError):
            build(source, used)
        return
    root, leaves = build(source, used)  # a float value means no error, whatever the derivatives
    assert isinstance(root, Value)
    assert same_float(root.data, expected), (source, used, root.data, expected)
    assert set(leaves) == set(used)
    assert all(leaves[n].data == used[n] and leaves[n].label == n for n in used)


smooth = st.recursive(
    st.sampled_from(NAMES),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["tanh", "sigmoid"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda e: f"({e})**2"),
    ),
    max_leaves=6,
)


@settings(max_examples=at_least(40))
@given(smooth, envs)
def test_the_gradient_of_a_parsed_formula_matches_central_finite_differences(source, env):
    """Each name is ONE leaf, so its grad collects every use: compare with finite differences."""
    expr = parse(source)
    names = expr.names
    values = {n: env[n] for n in names}
    root, leaves = expr.build(values)
    root.backward()
    point = [values[n] for n in names]
    numeric = central_difference(lambda xs: float_eval(source, dict(zip(names, xs))), point)
    for name, expected in zip(names, numeric):
        got = leaves[name].grad
        assert close(got, expected, rel=1e-4, abs_=1e-5), (source, name, got, expected)


def test_the_lecture_neuron_gives_the_lecture_gradients():
    """tanh(x*w + b) at x=2, w=-3, b=6.8813...: the output is 1/√2 and the grads match finite differences."""
    source = "tanh(x*w + b)"
    env = {"x": 2.0, "w": -3.0, "b": 6.8813735870195432}
    root, leaves = build(source, env)
    root.backward()
    assert close(root.data, 1 / math.sqrt(2), rel=1e-12)
    names = list(env)
    numeric = central_difference(lambda xs: float_eval(source, dict(zip(names, xs))), list(env.values()))
    for name, expected in zip(names, numeric):
        assert close(leaves[name].grad, expected, rel=1e-6)


def test_a_name_used_twice_is_one_leaf_and_collects_both_gradients():
    root, leaves = build("x*x + x", {"x": 3.0})
    root.backward()
    assert list(leaves) == ["x"]
    assert leaves["x"].grad == 2 * 3.0 + 1


def test_names_come_in_order_of_first_appearance():
    assert parse("tanh(x*w + b) + x").names == ("x", "w", "b")


def test_intermediate_nodes_are_labelled_with_their_piece_of_the_formula():
    root, leaves = build("tanh(x*w + b)", {"x": 1.0, "w": 2.0, "b": 0.5})
    assert root.label == "tanh(x*w + b)"
    (inner,) = root._prev
    assert inner.label == "x*w + b"
    assert {c.label for c in inner._prev} == {"x*w", "b"}


def test_a_literal_exponent_makes_one_power_node_as_in_micrograd():
    root, _ = build("x**2", {"x": 3.0})
    assert root._op == "**2" and len(root._prev) == 1 and root.data == 9.0


def test_leaky_relu_takes_an_optional_numeric_slope():
    root, _ = build("leaky_relu(x, 0.1)", {"x": -2.0})
    assert close(root.data, -0.2)
    root, _ = build("leaky_relu(x)", {"x": -2.0})
    assert close(root.data, -0.02)


def test_a_formula_of_numbers_only_still_gives_a_value():
    root, leaves = build("2*3 + 1", {})
    assert root.data == 7.0 and leaves == {}


# ---- errors: unknown names, bad values --------------------------------------------------
def test_an_unknown_name_is_an_error_that_lists_the_formulas_names():
    with pytest.raises(ExprError) as info:
        build("x*w + b", {"x": 1.0})
    message = str(info.value)
    assert "w" in message and "b" in message and "--set" in message


def test_a_value_for_a_name_not_in_the_formula_is_an_error():
    with pytest.raises(ExprError, match="'q'"):
        build("x + 1", {"x": 1.0, "q": 2.0})


@pytest.mark.parametrize("bad", [math.nan, math.inf, "2", None, True])
def test_a_value_must_be_a_finite_number(bad):
    with pytest.raises(ExprError):
        build("x + 1", {"x": bad})


@pytest.mark.parametrize(
    "source",
    ["x/0", "log(x - x)", "sqrt(-1 + 0*x)", "(0*x)**-1", "(-1 + 0*x)**0.5", "exp(x*1000)", "9**9**9"],
)
def test_arithmetic_that_has_no_real_answer_is_an_expr_error(source):
    with pytest.raises(ExprError):
        build(source, {"x": 1.0} if "x" in source else {})


# ---- hostile input ----------------------------------------------------------------------
HOSTILE = [
    "__import__('os').system('touch pwned')",
    "x.__class__",
    "x.__class__.__mro__",
    "lambda: 1",
    "[a for a in b]",
    "{a: 1 for a in b}",
    "(a for a in b)",
    "9**9**9**9",
    "x**1000",
    "x**-101",
    "'a'*10**6",
    "b'x'",
    "(" * 10_000 + "x" + ")" * 10_000,
    "x+" * 50_000 + "x",
    "-" * 900 + "x",
    "open('pwned', 'w')",
    "exec('1')",
    "eval('1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, 'data')",
    "globals()",
    "f'{x}'",
    "x[0]",
    "x[1:2]",
    "tanh(x=1)",
    "tanh(*x)",
    "tanh(**x)",
    "(y := 1)",
    "x < 1",
    "x == 1",
    "x and y",
    "not x",
    "x if y else w",
    "~x",
    "x % 2",
    "x // 2",
    "x @ y",
    "x ^ 2",
    "x | y",
    "(x, y)",
    "[x]",
    "{x}",
    "{'a': x}",
    "1j",
    "True",
    "None",
    "...",
    "x; y",
    "import os",
    "x = 1",
    "tanh",
    "tanh()",
    "tanh(x, y)",
    "leaky_relu(x, y)",
    "leaky_relu(x, 0.1, 0.2)",
    "_x",
    "__builtins__",
    "x.data",
    "1e999",
    "1" * 200,
    "",
    "   ",
    "x\x00",
    "await x",
    "(yield x)",
    "x\n+\ny",
    "ｘ + 1",
    "\\",
]


@pytest.mark.parametrize("source", HOSTILE, ids=lambda s: repr(s[:30]))
def test_hostile_input_is_a_one_line_error_fast_and_runs_nothing(source, tmp_path, monkeypatch):
    """Attacks and non-formulas: an ExprError with a one-line message, in well under a second,
    with no file created and neither eval nor exec ever called."""
    monkeypatch.chdir(tmp_path)
    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, _forbidden(name))
    env = {"x": 2.0, "y": 3.0, "w": 4.0, "b": 1.0, "a": 1.0}
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        expr = parse(source)
        expr.build({n: env.get(n, 1.0) for n in expr.names})
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 400
    assert list(tmp_path.iterdir()) == []


def _forbidden(name):
    def call(*args, **kwargs):
        raise AssertionError(f"{name}() was called")

    return call


def test_the_length_limit_is_checked_before_parsing(monkeypatch):
    """A huge input never reaches Python's parser."""
    monkeypatch.setattr(ast, "parse", _forbidden("ast.parse"))
    with pytest.raises(ExprError, match=str(MAX_LENGTH)):
        parse("x+" * MAX_LENGTH + "x")


def test_bracket_depth_up_to_the_limit_is_fine_and_one_more_is_an_error():
    deep_ok = "(" * MAX_BRACKET_DEPTH + "x" + ")" * MAX_BRACKET_DEPTH
    assert build(deep_ok, {"x": 1.5})[0].data == 1.5
    too_deep = "(" + deep_ok + ")"
    with pytest.raises(ExprError, match="nested"):
        parse(too_deep)


def test_literal_exponents_are_bounded_in_magnitude():
    limit = int(MAX_EXPONENT)
    assert build(f"x**{limit}", {"x": 1.0})[0].data == 1.0
    assert build(f"x**-{limit}", {"x": 1.0})[0].data == 1.0
    for p in (limit + 1, -(limit + 1)):
        with pytest.raises(ExprError, match="exponent"):
            parse(f"x**{p}")


printable = st.text(alphabet=st.sampled_from(list("xyw0123456789.+-*/()_ ,eajtnhsqrlp'[]{}:=<>!@#%^&|~\\\"")),
                    max_size=120)


@settings(max_examples=at_least(200))
@given(st.one_of(printable, st.text(max_size=200)))
def test_any_text_either_builds_or_is_an_expr_error_within_a_second(source):
    start = time.perf_counter()
    try:
        expr = parse(source)
        expr.build({n: 0.5 for n in expr.names})
    except ExprError as exc:
        assert "\n" not in str(exc)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=at_least(150))
@given(formulas, st.data())
def test_mutated_formulas_either_build_or_are_expr_errors(source, data):
    """Delete, duplicate or insert one character anywhere in a valid formula."""
    i = data.draw(st.integers(0, len(source)))
    kind = data.draw(st.sampled_from(["delete", "insert", "duplicate"]))
    if kind == "delete":
        mutated = source[:i] + source[i + 1 :]
    elif kind == "insert":
        mutated = source[:i] + data.draw(st.sampled_from(list("()*+-/.,'[]x9e_:"))) + source[i:]
    else:
        mutated = source[:i] + source[i:] * 2
    start = time.perf_counter()
    try:
        expr = parse(mutated)
        expr.build({n: 0.75 for n in expr.names})
    except ExprError as exc:
        assert "\n" not in str(exc)
    assert time.perf_counter() - start < 1.0
