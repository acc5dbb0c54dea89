"""The table of operations: every operation the engine knows, declared once.

One row (``Op``) per operation says everything any part of microgradnet needs to know about it:

    name          the key of the row ('+', 'tanh', '**p' for a number exponent, ...)
    op            what ``node._op`` shows (micrograd's names: '+', '*', '**2', 'ReLU', 'tanh')
    forward       the value on plain floats
    derivatives   d out / d operand, one function per operand, written ONCE so that it works on
                  floats and on Values alike: on Values it builds a graph, which is what
                  ``grad(..., create_graph=True)`` differentiates again
    display       how a picture (draw_dot) names the operation
    text, text_locals
                  the step-through page's formula and local derivatives, as templates
    replay, replay_locals
                  compiled replay's code templates (only names from ``REPLAY_HELPERS``)
    formula       its name in the ``graph`` formula parser (None: not callable by name)
    torch         the PyTorch equivalent, as 'module.function'; ``torch_module`` the torch.nn
                  module and keywords computing the same activation (the torch bridge)
    activation    usable as a neuron's activation (``act=`` of Neuron, Layer, MLP)

Template placeholders: ``{a}``/``{b}`` the operands, ``{out}`` the result, ``{p}`` the
operation's constant (an exponent, a slope).

The engine (``engine.py``) keeps a hand-written method per built-in operation: it is the
lesson (forward value and local derivative side by side) and the fast path. The test
``tests/test_ops_table.py`` proves that every method agrees with its row here, value and
derivative. Everything else (the traversal for higher-order gradients, compiled replay, the
formula parser, pictures, the step-through page, the torch bridge, ``nn``'s activations)
reads this table. ``microgradnet.define_op`` adds a row - and with it a ``Value`` method.

The functions at the bottom (``tanh(x)``, ``exp(x)``, ``sin(x)``, ...) take a float or a
Value and return the same kind: use them to write a derivative that works on both.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Op",
    "OPS",
    "REPLAY_HELPERS",
    "op_key",
    "op_parameter",
    "op_for",
    "display_name",
    "activations",
    "formula_functions",
    "register",
    "describe_forward",
    "describe_local",
    "GELU_C",
]

Derivative = Callable[..., Any]


@dataclass(frozen=True)
class Op:
    """One operation of the engine (see the module docstring for each field)."""

    name: str
    arity: int  # 1, 2, or 0 for n-ary (sum, dot)
    forward: Callable[..., float] | None
    derivatives: tuple[Derivative, ...]
    display: str = ""
    text: str = ""
    text_locals: tuple[str, ...] = ()
    replay: str = ""
    replay_locals: tuple[str, ...] = ()
    formula: str | None = None
    torch: str | None = None
    torch_module: tuple[str, dict[str, Any]] | None = None  # the torch.nn activation module
    activation: bool = False
    params: int = 0  # constant arguments after the operand (leaky_relu's slope)
    op: str = ""  # node._op; '' means the same as name
    method: str | None = None  # the Value method that applies it ('' for operators)
    helpers: dict[str, Callable[..., Any]] = field(default_factory=dict)  # for replay templates

    @property
    def node_op(self) -> str:
        """What ``node._op`` says for this operation."""
        return self.op or self.name

    @property
    def shown(self) -> str:
        """The operation's name in pictures."""
        return self.display or self.node_op

    def local_grads(self, args: tuple[Any, ...], out: Any, p: Any = None) -> tuple[Any, ...]:
        """d out / d operand for every operand, on floats or on Values."""
        if self.arity == 0:  # n-ary: one function of all the operands
            return self.derivatives[0](args, out)
        if p is None:
            return tuple(d(*args, out) for d in self.derivatives)
        return tuple(d(*args, out, p) for d in self.derivatives)


OPS: dict[str, Op] = {}
#: Names compiled replay's templates may call (the generated code sees nothing else).
REPLAY_HELPERS: dict[str, Callable[..., Any]] = {}


def register(op: Op) -> Op:
    """Add a row (used by the built-ins below and by ``define_op``)."""
    OPS[op.name] = op
    REPLAY_HELPERS.update(op.helpers)
    return op


def op_key(node: Any) -> str:
    """The row of a node's operation: '' for a leaf, None-like '' for a hand-built node."""
    return getattr(type(node), "_key", "") or ""


def op_for(node: Any) -> Op | None:
    """The table row of a node's operation (None for a leaf or a node built by hand)."""
    return OPS.get(op_key(node))


def op_parameter(node: Any) -> float | None:
    """The constant of a parameterised operation: the exponent of ``x**2``, a leaky slope.

    Declared on the node's operation class (``_arg``), never guessed."""
    return getattr(type(node), "_arg", None)


def display_name(node: Any) -> str:
    """How pictures name a node's operation ('Σ w·x + b' for a fused neuron, '**2', 'tanh');
    a node without a row (micrograd's, or built by hand) shows its ``_op``."""
    row = op_for(node)
    return row.display if row is not None and row.display else str(getattr(node, "_op", ""))


def activations() -> dict[str, str | None]:
    """Activation name -> the Value method applying it ('linear' -> None: the identity)."""
    acts: dict[str, str | None] = {op.method or op.name: op.method for op in OPS.values() if op.activation}
    acts["linear"] = None
    return acts


def formula_functions() -> dict[str, Op]:
    """Name in the ``graph`` formula parser -> row."""
    return {op.formula: op for op in OPS.values() if op.formula}


# ---- the rows' text, filled in (the step-through page) -------------------------------------
def describe_forward(node: Any, names: Any) -> str:
    """The node's formula with ``names`` (a mapping node -> text) filled in, e.g. 'o = tanh(n)'.
    Give numbers as the names to get the arithmetic: 'o = tanh(0.8814)'."""
    out, kids = names[node], [names[c] for c in node._prev]
    row = op_for(node)
    if row is not None and row.name == "sum":
        body = " + ".join(kids) if len(kids) <= 6 else f"{kids[0]} + … + {kids[-1]} ({len(kids)} terms)"
        return f"{out} = {body}"
    if row is not None and row.name == "dot":  # operands (b, w_1..w_n, x_1..x_n)
        n = (len(kids) - 1) // 2
        terms = [f"{kids[j]}·{kids[j + n]}" for j in range(1, n + 1)]
        return f"{out} = {kids[0]} + " + (" + ".join(terms) if n <= 4 else f"{terms[0]} + … + {terms[-1]}")
    if row is None or not row.text:  # built by hand: its op name and its operands
        return f"{out} = {node._op}({', '.join(kids)})"
    return row.text.format(out=out, a=kids[0], b=kids[1] if len(kids) > 1 else "", p=op_parameter(node))


def describe_local(node: Any, index: int, names: Any, suffix: str = ".data") -> str:
    """d node / d operand #index in words the lecture uses, e.g. '(1 - o.data²)'."""
    kids = node._prev
    row = op_for(node)
    if row is None:
        return "local"
    if row.name == "sum":
        return "1"
    if row.name == "dot":  # ∂z/∂b = 1, ∂z/∂w_j = x_j, ∂z/∂x_j = w_j
        n = (len(kids) - 1) // 2
        if index == 0:
            return "1"
        return names[kids[index + n if index <= n else index - n]] + suffix
    return row.text_locals[index].format(
        out=names[node] + suffix,
        a=names[kids[0]] + suffix,
        b=names[kids[1]] + suffix if len(kids) > 1 else "",
        p=op_parameter(node),
    )


# ---- float helpers: defined once, used by the engine, compiled replay and the rows ----------
GELU_C = math.sqrt(2.0 / math.pi)  # GELU's tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))


def sigmoid_float(x: float) -> float:
    """σ(x) = 1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus_float(x: float) -> float:
    """log(1 + e^x), computed stably."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def gelu_float(x: float) -> float:
    if abs(x) > 20.0:  # tanh is ±1 to double precision; avoid inf·0 in the derivative
        return x if x > 0 else 0.0
    return 0.5 * x * (1.0 + math.tanh(GELU_C * (x + 0.044715 * x * x * x)))


def gelu_slope_float(x: float) -> float:
    if abs(x) > 20.0:
        return 1.0 if x > 0 else 0.0
    t = math.tanh(GELU_C * (x + 0.044715 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x * x)


def _where(at: Any) -> str:
    label = getattr(at, "label", "")
    return f" (at Value labelled {label!r})" if label else ""


def power_float(x: float, p: float, at: Any = None) -> float:
    """x**p for real numbers only: a clear error instead of a complex number or a crash."""
    if x == 0.0 and p < 0:
        raise ZeroDivisionError(f"**: 0 raised to the negative power {p!r}{_where(at)}")
    if x < 0.0 and p != int(p):
        raise ValueError(
            f"**: fractional power {p!r} of a negative base {x!r} is not a real number{_where(at)}"
        )
    try:
        return x**p
    except OverflowError:
        raise OverflowError(f"**: {x!r} ** {p!r} overflows a float{_where(at)}") from None


def slope_power_float(x: float, q: float) -> float:
    """x**q inside a derivative: a result too big for a float is ±inf (IEEE), not an error,
    since the forward value itself was representable."""
    try:
        return x**q
    except OverflowError:
        return -math.inf if x < 0 and int(q) % 2 else math.inf
    except ZeroDivisionError:  # 0 ** negative: the slope of x**p at 0 for 0 < p < 1
        return math.inf


def power_slope_float(x: float, p: float) -> float:
    """d/dx x**p = p·x**(p-1), with IEEE infinities where it is unbounded."""
    if p == 0:
        return 0.0
    if x == 0.0 and p < 1:
        return math.inf
    return float(p * slope_power_float(x, p - 1))


def power_value_float(x: float, p: float, at: Any = None) -> float:
    """x**p where the exponent is a Value too: the base must be positive (or 0 with p > 0)."""
    if x < 0.0 or (x == 0.0 and not p > 0.0):
        raise ValueError(
            f"**: a Value exponent needs a positive base (d/dp x**p = x**p·log x), got base {x!r} "
            f"and exponent {p!r}{_where(at)}; use a number exponent instead"
        )
    return power_float(x, p, at)


def log_float(x: float) -> float:
    return x if x != x else math.log(x)  # NaN propagates, as IEEE says


def xlogy_float(out: float, x: float) -> float:
    """out·log(x), the derivative of x**p towards p; 0 where the base is 0 (autograd, PyTorch)."""
    return 0.0 if x == 0.0 else out * math.log(x)


# ---- functions of a float or a Value (for derivatives written once for both) --------------
def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real)


def data(x: Any) -> float:
    """The number in ``x``: ``x.data`` for a Value, ``x`` itself for a number (for branches)."""
    return x if _is_number(x) else x.data


def _dual(method: str, on_float: Callable[[float], float]) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        return on_float(x) if _is_number(x) else getattr(x, method)()

    apply.__name__ = method
    apply.__doc__ = f"{method}(x) of a float (a float) or of a Value (a Value in the graph)."
    return apply


tanh = _dual("tanh", math.tanh)
exp = _dual("exp", math.exp)
log = _dual("log", math.log)
sqrt = _dual("sqrt", math.sqrt)
sin = _dual("sin", math.sin)
cos = _dual("cos", math.cos)
sigmoid = _dual("sigmoid", sigmoid_float)


def _gelu_slope(x: Any, out: Any) -> Any:
    xd = data(x)
    if abs(xd) > 20.0:
        return 1.0 if xd > 0 else 0.0
    t = tanh(GELU_C * (x + 0.044715 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x * x)


def _pow_slope(x: Any, out: Any, p: float) -> Any:
    xd = data(x)
    if p == 0 or (xd == 0.0 and p == 1):
        return 0.0 if p == 0 else 1.0
    if xd == 0.0 and p < 1:
        return math.inf
    if _is_number(x):
        return power_slope_float(x, p)
    return p * x ** (p - 1)


def _powv_slope_base(a: Any, b: Any, out: Any) -> Any:
    if data(a) == 0.0:  # 0**p with p > 0: p·0**(p-1) is 0 (p > 1), 1 (p = 1) or inf (p < 1)
        pd = data(b)
        return 0.0 if pd > 1 else (1.0 if pd == 1 else math.inf)
    if _is_number(a) and _is_number(b):
        return b * slope_power_float(a, b - 1)
    return b * a ** (b - 1)


def _powv_slope_exponent(a: Any, b: Any, out: Any) -> Any:
    if data(a) == 0.0:
        return 0.0
    return out * log(a)


def _step(positive: Any) -> float:
    return 1.0 if positive else 0.0


def _sign(x: Any) -> float:
    xd = data(x)
    return 1.0 if xd > 0 else (-1.0 if xd < 0 else 0.0)


def _max_first(a: Any, b: Any) -> bool:
    ad, bd = data(a), data(b)
    return ad >= bd or ad != ad


def _dot_grads(args: tuple[Any, ...], out: Any) -> tuple[Any, ...]:
    """z = b + Σ w_j·x_j with operands (b, w_1..w_n, x_1..x_n): ∂z/∂b = 1, ∂z/∂w_j = x_j, ∂z/∂x_j = w_j."""
    n = (len(args) - 1) // 2
    return (1.0, *args[1 + n :], *args[1 : 1 + n])


# ---- the built-in operations ----------------------------------------------------------------
def _unary(name: str, forward: Callable[..., float], d: Derivative, text_local: str, replay: str,
           replay_local: str, **kw: Any) -> Op:
    kw.setdefault("method", name)
    kw.setdefault("text", "{out} = " + (kw.get("op") or name) + "({a})")
    return register(Op(name, 1, forward, (d,), text_locals=(text_local,), replay=replay,
                       replay_locals=(replay_local,), **kw))


def _binary(name: str, forward: Callable[..., float], da: Derivative, db: Derivative,
            text_locals: tuple[str, str], replay: str, replay_locals: tuple[str, str], **kw: Any) -> Op:
    return register(Op(name, 2, forward, (da, db), text_locals=text_locals, replay=replay,
                       replay_locals=replay_locals, **kw))


_ONE: Derivative = lambda *a: 1.0  # noqa: E731
_MINUS_ONE: Derivative = lambda *a: -1.0  # noqa: E731

# operators: infix in pictures and on the page
_binary("+", lambda a, b: a + b, _ONE, _ONE, ("1", "1"), "{a} + {b}", ("1.0", "1.0"),
        text="{out} = {a} + {b}", torch="torch.add", method="")
_binary("-", lambda a, b: a - b, _ONE, _MINUS_ONE, ("1", "(-1)"), "{a} - {b}", ("1.0", "-1.0"),
        text="{out} = {a} - {b}", torch="torch.sub", method="")
_binary("*", lambda a, b: a * b, lambda a, b, out: b, lambda a, b, out: a, ("{b}", "{a}"),
        "{a} * {b}", ("{b}", "{a}"), text="{out} = {a} · {b}", torch="torch.mul", method="")
_binary("/", lambda a, b: a / b, lambda a, b, out: 1.0 / b, lambda a, b, out: -(a / b) / b,
        ("(1 / {b})", "(-{a} / {b}²)"), "{a} / {b}", ("1.0 / {b}", "-({a} / {b}) / {b}"),
        text="{out} = {a} / {b}", torch="torch.div", method="")
_binary("**", power_value_float, _powv_slope_base, _powv_slope_exponent,
        ("{b}·{a}^({b}-1)", "{out}·ln({a})"), "_power_value({a}, {b})",
        ("_powv_slope({a}, {b})", "_xlogy({out}, {a})"), text="{out} = {a} ** {b}", torch="torch.pow",
        method="", helpers={"_power_value": power_value_float, "_xlogy": xlogy_float,
                            "_powv_slope": lambda a, b: _powv_slope_base(a, b, None)})
_binary("max", lambda a, b: a if (a >= b or a != a) else b,
        lambda a, b, out: _step(_max_first(a, b)), lambda a, b, out: _step(not _max_first(a, b)),
        ("[{a} ≥ {b}]", "[{a} < {b}]"), "({a} if ({a} >= {b} or {a} != {a}) else {b})",
        ("(1.0 if ({a} >= {b} or {a} != {a}) else 0.0)", "(0.0 if ({a} >= {b} or {a} != {a}) else 1.0)"),
        text="{out} = max({a}, {b})", torch="torch.maximum")
_unary("**p", power_float, _pow_slope, "{p}·{a}^({p}-1)", "_power({a}, {p})", "_power_d({a}, {p})",
       op="**", method="", text="{out} = {a}**{p}", torch="torch.pow",
       helpers={"_power": power_float, "_power_d": power_slope_float})
_unary("neg", lambda x: -x, _MINUS_ONE, "(-1)", "-{a}", "-1.0", display="−x", method="",
       text="{out} = -{a}", torch="torch.neg")
_unary("abs", abs, lambda x, out: _sign(x), "sign({a})", "abs({a})",
       "(1.0 if {a} > 0 else (-1.0 if {a} < 0 else 0.0))", formula="abs", method="", torch="torch.abs")
_unary("detach", lambda x: x, lambda x, out: 0.0, "0", "{a}", "0.0", torch="torch.Tensor.detach")

# activations and elementary functions
_unary("relu", lambda x: 0.0 if x < 0 else x, lambda x, out: _step(data(out) > 0), "[{out} > 0]",
       "(0.0 if {a} < 0 else {a})", "(1.0 if {out} > 0 else 0.0)", op="ReLU", formula="relu",
       activation=True, torch="torch.relu", torch_module=("ReLU", {}))
_unary("leaky_relu", lambda x, p: x if x > 0 else p * x, lambda x, out, p: 1.0 if data(x) > 0 else p,
       "({a} > 0 ? 1 : {p})", "({a} if {a} > 0 else {p} * {a})", "(1.0 if {a} > 0 else {p})",
       op="LeakyReLU", formula="leaky_relu", activation=True, params=1,
       torch="torch.nn.functional.leaky_relu", torch_module=("LeakyReLU", {"negative_slope": 0.01}),
       text="{out} = LeakyReLU({a})")
_unary("tanh", math.tanh, lambda x, out: 1.0 - out * out, "(1 - {out}²)", "_tanh({a})",
       "1.0 - {out} * {out}", formula="tanh", activation=True, torch="torch.tanh", torch_module=("Tanh", {}),
       helpers={"_tanh": math.tanh})
_unary("sigmoid", sigmoid_float, lambda x, out: out * (1.0 - out), "{out}·(1 - {out})", "_sigmoid({a})",
       "{out} * (1.0 - {out})", formula="sigmoid", activation=True, torch="torch.sigmoid",
       torch_module=("Sigmoid", {}),
       helpers={"_sigmoid": sigmoid_float})
_unary("softplus", softplus_float, lambda x, out: sigmoid(x), "σ({a})", "_softplus({a})", "_sigmoid({a})",
       formula="softplus", activation=True, torch="torch.nn.functional.softplus",
       torch_module=("Softplus", {}),
       helpers={"_softplus": softplus_float})
_unary("gelu", gelu_float, _gelu_slope, "gelu'({a})", "_gelu({a})", "_gelu_d({a})", formula="gelu",
       activation=True, torch="torch.nn.functional.gelu", torch_module=("GELU", {"approximate": "tanh"}),
       helpers={"_gelu": gelu_float, "_gelu_d": gelu_slope_float})
_unary("exp", math.exp, lambda x, out: out, "{out}", "_exp({a})", "{out}", formula="exp", torch="torch.exp",
       helpers={"_exp": math.exp})
_unary("log", log_float, lambda x, out: 1.0 / x, "(1 / {a})", "_log({a})", "1.0 / {a}", formula="log",
       torch="torch.log", helpers={"_log": log_float})
_unary("sqrt", math.sqrt, lambda x, out: 0.5 / out if data(out) > 0.0 else math.inf, "(1 / (2·{out}))",
       "_sqrt({a})", "(0.5 / {out} if {out} > 0.0 else _inf)", formula="sqrt", torch="torch.sqrt",
       helpers={"_sqrt": math.sqrt, "_inf": math.inf})
_unary("sin", math.sin, lambda x, out: cos(x), "cos({a})", "_sin({a})", "_cos({a})", formula="sin",
       torch="torch.sin", helpers={"_sin": math.sin, "_cos": math.cos})
_unary("cos", math.cos, lambda x, out: -sin(x), "(-sin({a}))", "_cos({a})", "-_sin({a})", formula="cos",
       torch="torch.cos", helpers={"_sin": math.sin, "_cos": math.cos})

# n-ary: one node for many operands (compiled replay generates these itself)
register(Op("sum", 0, None, (lambda args, out: (1.0,) * len(args),), display="Σ", text_locals=("1",),
            torch="torch.sum"))
register(Op("dot", 0, None, (_dot_grads,), display="Σ w·x + b", torch="torch.dot"))
