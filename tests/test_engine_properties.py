"""Property-based: random expression programs (with reused nodes and x*x operands) get the
gradients that central finite differences on plain floats give."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microgradnet import Value, gradcheck
from tests.oracles import central_difference

# A program is a list of instructions over a growing register file that starts with the inputs.
# Each instruction reads earlier registers (so nodes get reused) and appends one result.
UNARY_OPS = ["tanh", "sigmoid", "relu", "exp_small", "neg", "square", "softplus", "gelu", "abs"]
BINARY_OPS = ["+", "-", "*", "/safe"]


def _float_unary(op, x):
    return {
        "tanh": math.tanh,
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0,
        "relu": lambda v: max(v, 0.0),
        "exp_small": lambda v: math.exp(math.tanh(v)),
        "neg": lambda v: -v,
        "square": lambda v: v * v,
        "softplus": lambda v: math.log1p(math.exp(v)) if v < 30 else v,
        "gelu": lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))),
        "abs": abs,
    }[op](x)


def _value_unary(op, x):
    return {
        "tanh": lambda v: v.tanh(),
        "sigmoid": lambda v: v.sigmoid(),
        "relu": lambda v: v.relu(),
        "exp_small": lambda v: v.tanh().exp(),
        "neg": lambda v: -v,
        "square": lambda v: v**2,
        "softplus": lambda v: v.softplus(),
        "gelu": lambda v: v.gelu(),
        "abs": lambda v: abs(v),
    }[op](x)


def _binary(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / (b * b + 1.0)  # "/safe": never divides by zero


instruction = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(UNARY_OPS), st.integers(0, 1000)),
    st.tuples(st.just("b"), st.sampled_from(BINARY_OPS), st.integers(0, 1000), st.integers(0, 1000)),
)


def run(program, inputs, unary, binary):
    regs = list(inputs)
    for ins in program:
        if ins[0] == "u":
            regs.append(unary(ins[1], regs[ins[2] % len(regs)]))
        else:
            regs.append(binary(ins[1], regs[ins[2] % len(regs)], regs[ins[3] % len(regs)]))
    return regs[-1] + regs[len(inputs) // 2]  # involve an early register again


@settings(max_examples=300)
@given(
    xs=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    program=st.lists(instruction, min_size=1, max_size=12),
)
def test_random_programs_match_finite_differences(xs, program):
    def f_float(v):
        return run(program, v, _float_unary, _binary)

    value = f_float(xs)
    assume(math.isfinite(value) and abs(value) < 1e6)
    # relu/abs kinks: finite differences are meaningless right at a kink, so stay away from them
    leaves = [Value(x) for x in xs]
    out = run(program, leaves, _value_unary, _binary)
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-12)
    out.backward()
    numeric = central_difference(f_float, xs, eps=1e-6)
    for k, (leaf, n) in enumerate(zip(leaves, numeric)):
        # Away from kinks (relu, abs) the left and right slopes agree; at a kink the
        # derivative is a convention, so such points are not evidence either way.
        up, down = list(xs), list(xs)
        up[k] += 1e-6
        down[k] -= 1e-6
        right, left = (f_float(up) - value) / 1e-6, (value - f_float(down)) / 1e-6
        assume(abs(right - left) <= 1e-3 * (1 + abs(n)))
        assert math.isclose(leaf.grad, n, rel_tol=1e-4, abs_tol=1e-5), (leaf.grad, n)


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_gradcheck_agrees_on_smooth_functions(a, b):
    report = gradcheck(lambda x, y: (x * y).tanh() + (x - y).sigmoid() * y, [a, b])
    assert report.ok, str(report)


def test_gradcheck_catches_a_wrong_derivative():
    def wrong(x):
        out = Value(x.data**2, (x,), "bad")
        out._backward = lambda: setattr(x, "grad", x.grad + 3.0 * out.grad)  # should be 2x
        return out

    report = gradcheck(wrong, [1.0])
    assert not report.ok and abs(report.worst.numeric - 2.0) < 1e-6
    try:
        gradcheck(wrong, [1.0], raise_exception=True)
    except AssertionError as exc:
        assert "finite differences" in str(exc)
    else:
        raise AssertionError("gradcheck did not raise")
