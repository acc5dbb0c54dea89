"""The table of operations: every operation the engine knows, declared once.

One row (``Op``) per operation says everything any part of microgradnet needs to know about it:

    name          the key of the row ('+', 'tanh', '**p' for a number exponent, ...); also the
                  name of its ``Value`` method (``method=True``) and of its function in ``graph``
                  formulas (``formula=True``)
    op            what ``node._op`` shows (micrograd's names: '+', '*', '**2', 'ReLU', 'tanh')
    display       how a picture (draw_dot) names the operation (default: ``op``)
    forward       the value on plain floats
    derivatives   d out / d operand, one function per operand, written ONCE so that it works on
                  floats and on Values alike: on Values it builds a graph, which is what
                  ``grad(..., create_graph=True)`` differentiates again
    terms         n-ary rows only (sum, dot): the operand indices multiplied in each summed
                  term; forward, derivatives, text and replay of the row all follow from it
    text, text_locals
                  the step-through page's formula and local derivatives, as templates
    replay, replay_locals
                  compiled replay's code templates (only names from ``REPLAY_HELPERS``)
    torch         the PyTorch equivalent, as 'module.function'; ``torch_module`` the torch.nn
                  module and keywords computing the same activation (the torch bridge)
    activation    usable as a neuron's activation (``act=`` of Neuron, Layer, MLP), with
                  ``phi_text``/``phi_prime_text`` (φ and φ' for the equations), ``js`` (the
                  forward as a JavaScript expression of ``x``, for the playground page) and
                  ``numpy`` (a numpy kernel ``numpy(np, x)``; default: the forward, vectorized)

Template placeholders: ``{a}``/``{b}`` the operands, ``{out}`` the result, ``{p}`` the
operation's constant (an exponent, a slope).

The engine (``engine.py``) keeps a hand-written method per built-in operation: it is the
lesson (forward value and local derivative side by side) and the fast path. The tests
``tests/test_ops_table.py`` and ``tests/test_derivative_branches.py`` prove that every method
agrees with its row, value and derivative, kinks and special points included. Everything else
(the traversal for higher-order gradients, compiled replay, the formula parser, pictures, the
step-through page, the torch bridge, ``nn``'s activations, the equations, the playground)
reads this table. ``microgradnet.define_op`` adds a row - and with it a ``Value`` method.

The functions at the bottom (``tanh(x)``, ``exp(x)``, ``sin(x)``, ...) take a float or a
Value and return the same kind: use them to write a derivative that works on both.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Op",
    "OPS",
    "LINEAR",
    "REPLAY_HELPERS",
    "op_key",
    "op_parameter",
    "op_for",
    "display_name",
    "activations",
    "activation_row",
    "numpy_forward",
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
    op: str = ""  # node._op; '' means the same as name
    display: str = ""  # the name in pictures; '' means the same as op
    terms: Callable[[int], list[tuple[int, ...]]] | None = None  # n-ary rows: see the docstring
    text: str = ""
    text_locals: tuple[str, ...] = ()
    replay: str = ""
    replay_locals: tuple[str, ...] = ()
    helpers: dict[str, Callable[..., Any]] = field(default_factory=dict)  # for replay templates
    method: bool = True  # Value.<name>() applies it (False for operators: +, **, abs(), ...)
    formula: bool = False  # name(...) is a function in graph formulas
    torch: str | None = None
    torch_module: tuple[str, dict[str, Any]] | None = None  # the torch.nn activation module
    params: int = 0  # constant arguments after the operand (leaky_relu's slope)
    default: float | None = None  # the constant a neuron uses (leaky_relu's slope 0.01)
    activation: bool = False
    phi_text: str = ""  # φ(z) for the equations (activations)
    phi_prime_text: str = ""  # φ'(z)
    js: str | None = None  # the forward as a JavaScript expression of x (activations)
    numpy: Callable[[Any, Any], Any] | None = None  # numpy(np, x) -> array (activations)
    doc: str = ""  # the docstring of its Value method

    @property
    def node_op(self) -> str:
        """What ``node._op`` says for this operation."""
        return self.op or self.name

    def local_grads(self, args: tuple[Any, ...], out: Any, p: Any = None) -> tuple[Any, ...]:
        """d out / d operand for every operand, on floats or on Values."""
        if self.arity == 0:  # n-ary: one function of all the operands
            return self.derivatives[0](args, out)
        if p is None:
            return tuple(d(*args, out) for d in self.derivatives)
        return tuple(d(*args, out, p) for d in self.derivatives)

    @property
    def weighted(self) -> bool:
        """An n-ary row whose terms multiply pairs of operands: a neuron's b + Σ w·x (dot)."""
        return self.terms is not None and any(len(t) == 2 for t in self.terms(3))

    def partners(self, n: int) -> list[int | None]:
        """An n-ary row's local derivatives as operand positions: for each of its ``n`` operands,
        the operand whose value is d out / d operand (a term ``x_i·x_k`` gives x_k towards x_i),
        or None for the constant 1 (a term of one operand). Read from ``terms``."""
        out: list[int | None] = [None] * n
        for term in self.terms(n):  # type: ignore[misc]
            if len(term) == 2:
                i, k = term
                out[i], out[k] = k, i
        return out

    def phi(self, z: float) -> float:
        """φ(z) on a float, as a neuron applies it (with the row's ``default`` constant)."""
        return self.forward(z, self.default) if self.params else self.forward(z)  # type: ignore[misc]

    def phi_prime(self, z: float) -> float:
        """φ'(z) on a float: the row's derivative at z (with the row's ``default`` constant)."""
        p = self.default if self.params else None
        return float(self.local_grads((z,), self.phi(z), p)[0])


OPS: dict[str, Op] = {}
#: Names compiled replay's templates may call (the generated code sees nothing else).
REPLAY_HELPERS: dict[str, Callable[..., Any]] = {}
#: The activation 'linear' (no non-linearity): a row of its own, outside OPS since no node
#: ever applies it (a linear neuron's output is its z).
LINEAR = Op("linear", 1, lambda x: x, (lambda x, out: 1.0,), method=False, activation=True,
            phi_text="z", phi_prime_text="1", js="x", numpy=lambda np, x: np.asarray(x, dtype=float))


def register(op: Op) -> Op:
    """Add a row (used by the built-ins below and by ``define_op``)."""
    OPS[op.name] = op
    REPLAY_HELPERS.update(op.helpers)
    return op


def op_key(node: Any) -> str:
    """The row of a node's operation: '' for a leaf or a hand-built node."""
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
    """Activation name -> the Value method applying it ('linear' -> None: the identity).

    Read when needed: activations declared later with ``define_op(..., activation=True)``
    are included."""
    acts: dict[str, str | None] = {op.name: op.name for op in OPS.values() if op.activation}
    acts[LINEAR.name] = None
    return acts


def activation_row(name: str) -> Op:
    """The row of activation ``name`` (``LINEAR`` for 'linear'); ValueError naming the choices."""
    row = LINEAR if name == LINEAR.name else OPS.get(name) if isinstance(name, str) else None
    if row is None or not row.activation:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(activations())}")
    return row


def numpy_forward(name: str) -> Callable[[Any], Any]:
    """A numpy kernel for activation ``name``: array in, array out (numpy imported now).

    The row's own ``numpy`` kernel where it gives one, else its float forward, vectorized."""
    import numpy as np

    row = activation_row(name)
    if row.numpy is not None:
        kernel = row.numpy
        return lambda x: kernel(np, np.asarray(x, dtype=float))
    return np.vectorize(row.phi, otypes=[float])


def formula_functions() -> dict[str, Op]:
    """Name in the ``graph`` formula parser -> row."""
    return {op.name: op for op in OPS.values() if op.formula}


# ---- the rows' text, filled in (the step-through page) -------------------------------------
def describe_forward(node: Any, names: Any) -> str:
    """The node's formula with ``names`` (a mapping node -> text) filled in, e.g. 'o = tanh(n)'.
    Give numbers as the names to get the arithmetic: 'o = tanh(0.8814)'."""
    out, kids = names[node], [names[c] for c in node._prev]
    row = op_for(node)
    if row is not None and row.terms is not None:
        terms = ["·".join(kids[k] for k in term) for term in row.terms(len(kids))]
        body = " + ".join(terms) if len(terms) <= 6 else f"{terms[0]} + … + {terms[-1]} ({len(terms)} terms)"
        return f"{out} = {body}"
    if row is None or not row.text:  # built by hand: its op name and its operands
        return f"{out} = {node._op}({', '.join(kids)})"
    return row.text.format(out=out, a=kids[0], b=kids[1] if len(kids) > 1 else "", p=op_parameter(node))


def describe_local(node: Any, index: int, names: Any, suffix: str = ".data") -> str:
    """d node / d operand #index in words the lecture uses, e.g. '(1 - o.data²)'."""
    kids = node._prev
    row = op_for(node)
    if row is None:
        return "local"
    if row.terms is not None:
        k = row.partners(len(kids))[index]
        return "1" if k is None else names[kids[k]] + suffix
    return row.text_locals[index].format(
        out=names[node] + suffix,
        a=names[kids[0]] + suffix,
        b=names[kids[1]] + suffix if len(kids) > 1 else "",
        p=op_parameter(node),
    )


# ---- float helpers: defined once, used by the engine, compiled replay and the rows ----------
GELU_C = math.sqrt(2.0 / math.pi)  # GELU's tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
GELU_A = 0.044715
tanh_float = math.tanh  # tanh's forward: the row, compiled replay, ops.tanh and the engine use this


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
    """GELU, tanh form, on a float."""
    if abs(x) > 20.0:  # tanh is ±1 to double precision; avoid inf·0 in the derivative
        return x if x > 0 else 0.0
    return 0.5 * x * (1.0 + tanh_float(GELU_C * (x + GELU_A * x * x * x)))


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


def power_or_inf(x: float, q: float) -> float:
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
    return float(p * power_or_inf(x, p - 1))


def power_value_float(x: float, p: float, at: Any = None) -> float:
    """x**p where the exponent is a Value too: the base must be positive (or 0 with p > 0)."""
    if x < 0.0 or (x == 0.0 and not p > 0.0):
        raise ValueError(
            f"**: a Value exponent needs a positive base (d/dp x**p = x**p·log x), got base {x!r} "
            f"and exponent {p!r}{_where(at)}; use a number exponent instead"
        )
    return power_float(x, p, at)


def log_float(x: float) -> float:
    """log(x) on a float: NaN propagates (as IEEE says); x <= 0 is a clear error."""
    if not x > 0.0:
        if x != x:
            return x
        raise ValueError(f"log of a non-positive number: log({x!r})")
    return math.log(x)


def sqrt_float(x: float) -> float:
    """√x on a float; x < 0 is a clear error."""
    if x < 0.0:
        raise ValueError(f"sqrt of a negative number: sqrt({x!r})")
    return math.sqrt(x)


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


tanh = _dual("tanh", tanh_float)
exp = _dual("exp", math.exp)
log = _dual("log", log_float)
sqrt = _dual("sqrt", sqrt_float)
sin = _dual("sin", math.sin)
cos = _dual("cos", math.cos)
sigmoid = _dual("sigmoid", sigmoid_float)


def gelu_slope(x: Any, out: Any = None) -> Any:
    """GELU's derivative, on a float or a Value (the one place it is written)."""
    xd = data(x)
    if abs(xd) > 20.0:
        return 1.0 if xd > 0 else 0.0
    t = tanh(GELU_C * (x + GELU_A * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * GELU_A * x * x)


def _pow_slope(x: Any, out: Any, p: float) -> Any:
    xd = data(x)
    if p == 0 or (xd == 0.0 and p == 1):
        return 0.0 if p == 0 else 1.0
    if xd == 0.0 and p < 1:
        return math.inf
    slope = power_slope_float(xd, p)
    if _is_number(x) or math.isinf(slope):
        # an overflowing slope is ±inf as on floats: a graph for it would raise in its forward
        return slope
    return p * x ** (p - 1)


def powv_slope_base(a: Any, b: Any, out: Any = None) -> Any:
    """d/da a**b (a Value exponent), on floats or Values."""
    if data(a) == 0.0:  # 0**p with p > 0: p·0**(p-1) is 0 (p > 1), 1 (p = 1) or inf (p < 1)
        pd = data(b)
        return 0.0 if pd > 1 else (1.0 if pd == 1 else math.inf)
    if _is_number(a) and _is_number(b):
        return b * power_or_inf(a, b - 1)
    return b * a ** (b - 1)


def powv_slope_exponent(a: Any, b: Any, out: Any) -> Any:
    """d/db a**b = a**b·log a (0 where a = 0, as autograd and PyTorch), on floats or Values."""
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


# ---- the built-in operations ----------------------------------------------------------------
def _unary(name: str, forward: Callable[..., float], d: Derivative, text_local: str, replay: str,
           replay_local: str, **kw: Any) -> Op:
    kw.setdefault("text", "{out} = " + (kw.get("op") or name) + "({a})")
    return register(Op(name, 1, forward, (d,), text_locals=(text_local,), replay=replay,
                       replay_locals=(replay_local,), **kw))


def _binary(name: str, forward: Callable[..., float], da: Derivative, db: Derivative,
            text_locals: tuple[str, str], replay: str, replay_locals: tuple[str, str], **kw: Any) -> Op:
    return register(Op(name, 2, forward, (da, db), text_locals=text_locals, replay=replay,
                       replay_locals=replay_locals, method=False, **kw))


def _nary(name: str, terms: Callable[[int], list[tuple[int, ...]]], **kw: Any) -> Op:
    """An n-ary row: out = Σ over ``terms(n)`` of each term, one operand or the product of two,
    summed left to right (as the engine and compiled replay add them; an empty sum is 0.0)."""

    def forward(args: Sequence[Any]) -> Any:
        total: Any = None
        for term in terms(len(args)):
            value = args[term[0]] if len(term) == 1 else args[term[0]] * args[term[1]]
            total = value if total is None else total + value
        return 0.0 if total is None else total

    def derivatives(args: Sequence[Any], out: Any) -> tuple[Any, ...]:
        return tuple(1.0 if k is None else args[k] for k in row.partners(len(args)))

    row = register(Op(name, 0, forward, (derivatives,), terms=terms, method=False, **kw))
    return row


_ONE: Derivative = lambda *a: 1.0  # noqa: E731
_MINUS_ONE: Derivative = lambda *a: -1.0  # noqa: E731
_LEAKY_SLOPE = 0.01  # Value.leaky_relu's default slope, which a neuron uses

# operators: infix in pictures and on the page
_binary("+", lambda a, b: a + b, _ONE, _ONE, ("1", "1"), "{a} + {b}", ("1.0", "1.0"),
        text="{out} = {a} + {b}", torch="torch.add")
_binary("-", lambda a, b: a - b, _ONE, _MINUS_ONE, ("1", "(-1)"), "{a} - {b}", ("1.0", "-1.0"),
        text="{out} = {a} - {b}", torch="torch.sub")
_binary("*", lambda a, b: a * b, lambda a, b, out: b, lambda a, b, out: a, ("{b}", "{a}"),
        "{a} * {b}", ("{b}", "{a}"), text="{out} = {a} · {b}", torch="torch.mul")
_binary("/", lambda a, b: a / b, lambda a, b, out: 1.0 / b, lambda a, b, out: -(a / b) / b,
        ("(1 / {b})", "(-{a} / {b}²)"), "{a} / {b}", ("1.0 / {b}", "-({a} / {b}) / {b}"),
        text="{out} = {a} / {b}", torch="torch.div")
_binary("**", power_value_float, powv_slope_base, powv_slope_exponent,
        ("{b}·{a}^({b}-1)", "{out}·ln({a})"), "_power_value({a}, {b})",
        ("_powv_slope({a}, {b})", "_powv_slope_exp({a}, {b}, {out})"), text="{out} = {a} ** {b}",
        torch="torch.pow", helpers={"_power_value": power_value_float, "_powv_slope": powv_slope_base,
                                    "_powv_slope_exp": powv_slope_exponent})
_binary("max", lambda a, b: a if (a >= b or a != a) else b,
        lambda a, b, out: _step(_max_first(a, b)), lambda a, b, out: _step(not _max_first(a, b)),
        ("[{a} ≥ {b}]", "[{a} < {b}]"), "({a} if ({a} >= {b} or {a} != {a}) else {b})",
        ("(1.0 if ({a} >= {b} or {a} != {a}) else 0.0)", "(0.0 if ({a} >= {b} or {a} != {a}) else 1.0)"),
        text="{out} = max({a}, {b})", torch="torch.maximum")
_unary("**p", power_float, _pow_slope, "{p}·{a}^({p}-1)", "_power({a}, {p})", "_power_d({a}, {p})",
       op="**{p}", method=False, text="{out} = {a}**{p}", torch="torch.pow",
       helpers={"_power": power_float, "_power_d": power_slope_float})
_unary("neg", lambda x: -x, _MINUS_ONE, "(-1)", "-{a}", "-1.0", display="−x", method=False,
       text="{out} = -{a}", torch="torch.neg")
_unary("abs", abs, lambda x, out: _sign(x), "sign({a})", "abs({a})",
       "(1.0 if {a} > 0 else (-1.0 if {a} < 0 else 0.0))", formula=True, method=False, torch="torch.abs")
_unary("detach", lambda x: x, lambda x, out: 0.0, "0", "{a}", "0.0", torch="torch.Tensor.detach",
       doc="The same number, as a constant for backward(): no gradient flows back through it.")

# activations and elementary functions
_unary("relu", lambda x: 0.0 if x < 0 else x, lambda x, out: _step(data(out) > 0), "[{out} > 0]",
       "(0.0 if {a} < 0 else {a})", "(1.0 if {out} > 0 else 0.0)", op="ReLU", formula=True,
       activation=True, torch="torch.relu", torch_module=("ReLU", {}),
       phi_text="max(0, z)", phi_prime_text="1 if z > 0 else 0", js="(x < 0 ? 0 : x)",
       numpy=lambda np, x: np.where(x < 0, 0.0, x))
_unary("leaky_relu", lambda x, p: x if x > 0 else p * x, lambda x, out, p: 1.0 if data(x) > 0 else p,
       "({a} > 0 ? 1 : {p})", "({a} if {a} > 0 else {p} * {a})", "(1.0 if {a} > 0 else {p})",
       op="LeakyReLU", formula=True, activation=True, params=1, default=_LEAKY_SLOPE,
       torch="torch.nn.functional.leaky_relu", torch_module=("LeakyReLU", {"negative_slope": _LEAKY_SLOPE}),
       text="{out} = LeakyReLU({a})", phi_text=f"z if z > 0 else {_LEAKY_SLOPE}·z",
       doc="x for x > 0, else slope·x; derivative 1 or slope.",
       phi_prime_text=f"1 if z > 0 else {_LEAKY_SLOPE}", js=f"(x > 0 ? x : {_LEAKY_SLOPE!r} * x)",
       numpy=lambda np, x: np.where(x > 0, x, _LEAKY_SLOPE * x))
_unary("tanh", tanh_float, lambda x, out: 1.0 - out * out, "(1 - {out}²)", "_tanh({a})",
       "1.0 - {out} * {out}", formula=True, activation=True, torch="torch.tanh", torch_module=("Tanh", {}),
       helpers={"_tanh": tanh_float}, phi_text="tanh(z)", phi_prime_text="1 − tanh²(z)", js="Math.tanh(x)",
       numpy=lambda np, x: np.tanh(x))
_unary("sigmoid", sigmoid_float, lambda x, out: out * (1.0 - out), "{out}·(1 - {out})", "_sigmoid({a})",
       "{out} * (1.0 - {out})", formula=True, activation=True, torch="torch.sigmoid",
       doc="σ(x) = 1 / (1 + e^-x); derivative σ(x)(1 - σ(x)). Never overflows.",
       torch_module=("Sigmoid", {}), helpers={"_sigmoid": sigmoid_float},
       phi_text="σ(z) = 1/(1 + e^−z)", phi_prime_text="σ(z)·(1 − σ(z))",
       js="(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))")
_unary("softplus", softplus_float, lambda x, out: sigmoid(x), "σ({a})", "_softplus({a})", "_sigmoid({a})",
       formula=True, activation=True, torch="torch.nn.functional.softplus", torch_module=("Softplus", {}),
       doc="log(1 + e^x), computed stably; derivative σ(x).",
       helpers={"_softplus": softplus_float}, phi_text="log(1 + e^z)", phi_prime_text="σ(z)",
       js="(Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))))",
       numpy=lambda np, x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))
_unary("gelu", gelu_float, gelu_slope, "gelu'({a})", "_gelu({a})", "_gelu_d({a})", formula=True,
       activation=True, torch="torch.nn.functional.gelu", torch_module=("GELU", {"approximate": "tanh"}),
       helpers={"_gelu": gelu_float, "_gelu_d": gelu_slope},
       doc="GELU, tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).",
       phi_text=f"½z(1 + tanh(√(2/π)(z + {GELU_A}z³)))", phi_prime_text="½(1 + tanh u) + ½z(1 − tanh²u)·u'",
       js=f"(Math.abs(x) > 20 ? (x > 0 ? x : 0) "
          f": 0.5 * x * (1 + Math.tanh({GELU_C!r} * (x + {GELU_A!r} * x * x * x))))")
_unary("exp", math.exp, lambda x, out: out, "{out}", "_exp({a})", "{out}", formula=True, torch="torch.exp",
       helpers={"_exp": math.exp})
_unary("log", log_float, lambda x, out: 1.0 / x, "(1 / {a})", "_log({a})", "1.0 / {a}", formula=True,
       torch="torch.log", helpers={"_log": log_float},
       doc="Natural logarithm; derivative 1/x. Raises ValueError for x <= 0.")
_unary("sqrt", sqrt_float, lambda x, out: 0.5 / out if data(out) > 0.0 else math.inf, "(1 / (2·{out}))",
       "_sqrt({a})", "(0.5 / {out} if {out} > 0.0 else _inf)", formula=True, torch="torch.sqrt",
       helpers={"_sqrt": sqrt_float, "_inf": math.inf},
       doc="√x; derivative 1/(2√x) (infinite at 0). Raises ValueError for x < 0.")
_unary("sin", math.sin, lambda x, out: cos(x), "cos({a})", "_sin({a})", "_cos({a})", formula=True,
       torch="torch.sin", helpers={"_sin": math.sin, "_cos": math.cos}, doc="sin(x); derivative cos(x).")
_unary("cos", math.cos, lambda x, out: -sin(x), "(-sin({a}))", "_cos({a})", "-_sin({a})", formula=True,
       torch="torch.cos", helpers={"_sin": math.sin, "_cos": math.cos}, doc="cos(x); derivative -sin(x).")

# n-ary: one node for many operands. sum: x_0 + x_1 + ...; dot, a neuron's pre-activation with
# operands (b, w_1..w_n, x_1..x_n): b + w_1·x_1 + ... + w_n·x_n
_nary("sum", lambda n: [(k,) for k in range(n)], display="Σ", torch="torch.sum")
_nary("dot", lambda n: [(0,), *((j, j + (n - 1) // 2) for j in range(1, (n - 1) // 2 + 1))],
      display="Σ w·x + b", torch="torch.dot")
