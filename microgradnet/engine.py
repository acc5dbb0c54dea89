"""The scalar engine: ``Value`` and its primitive operations.

A ``Value`` holds one number (``data``), its gradient (``grad``), and - when it was computed
by an operation - its children together with the *local derivative* of the result towards
each child. ``backward()`` (see ``backward.py``) only ever does ``child.grad += local * grad``,
so it knows nothing about specific operations. Each method below computes its forward value
and its local derivative side by side: that is the lesson, and the fast path. Every
operation is also a row of the table in ``ops.py`` (its derivative written for floats and
Values, its picture name, replay template, ...); ``tests/test_ops_table.py`` proves that
each method here agrees with its row.

Why not micrograd's per-node ``_backward`` closures?  A closure refers to the node that owns
it, so every node is a reference cycle and the garbage collector ends up dominating training
time. Here a node is one small object with fixed slots and no cycles:

    _a, _da   first child and d(out)/d(child)     (None for a leaf)
    _b, _db   second child and its derivative     (None for a unary op)
    n-ary ops store tuples in _a/_da and the marker _NARY in _b.

The operation's row in the table is a class attribute of a tiny per-operation subclass
(``_key``, and ``_op`` for micrograd's name), so it costs no memory per node. ``_prev``,
``_op`` and ``_backward()`` give micrograd's view of all this.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Union

from . import grad_mode as _gm
from .backward import backward as _backward_pass
from .ops import (
    OPS,
    power_float,
    power_slope_float,
    power_value_float,
    powv_slope_base,
    powv_slope_exponent,
    tanh_float,
)
from .walk import _NARY

Number = int | float
Operand = Union["Value", int, float]  # noqa: UP007 (forward reference)

_new = object.__new__


def _describe(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_float(x: object) -> float:
    """Validate a number for ``Value(...)``: real numbers only, with a clear error."""
    if isinstance(x, float):
        return float(x)  # a float subclass (numpy.float64) becomes a plain float
    if isinstance(x, numbers.Real):  # int, bool, fractions, numpy scalars
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"Value: {_describe(x)} is too large for a float") from None
    if isinstance(x, Value):
        raise TypeError("Value: data is already a Value; pass it directly, not Value(Value(...))")
    raise TypeError(
        f"Value: data must be a real number (int or float), got {type(x).__name__} {_describe(x)}"
    )


class Value:
    """One scalar in a computation graph.

    ``Value(data, _children=(), _op='', label='')`` has micrograd's signature. Operations on
    Values (``+ - * / **``, ``relu()``, ``tanh()``, ...) return new Values that remember their
    operands, and ``backward()`` fills ``grad`` of every Value that the result depends on.

    >>> from microgradnet import Value
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a
    >>> c.backward()
    >>> (c.data, a.grad, b.grad)
    (-4.0, -2.0, 2.0)
    """

    __slots__ = ("data", "grad", "_a", "_da", "_b", "_db", "__dict__")

    data: float
    grad: float
    _op: str = ""  # leaves; each operation's subclass overrides it
    _key: str = ""  # the operation's row in ops.OPS ('' for leaves and hand-built nodes)
    label: str = ""  # set per node (stored in __dict__ only when given)

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self._a = self._da = self._b = self._db = None
        if _children:
            children = tuple(_children)
            for child in children:
                if not isinstance(child, Value):
                    raise TypeError(f"Value: children must be Values, got {_describe(child)}")
            if children:
                # Built by hand, micrograd-style: the local derivatives are unknown, so
                # backward() calls this node's _backward() (which the caller may assign).
                self._a, self._b = children, _NARY
        if _op:
            self._op = _op
        if label:
            if not isinstance(label, str):
                raise TypeError(f"Value: label must be text (str), got {_describe(label)}")
            self.label = label

    # ---- micrograd's view of a node -----------------------------------------------------
    @property
    def _prev(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in operand order (``()`` for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (a,)
        if b is _NARY:
            return a
        return (a, b)

    @property
    def _local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child in ``_prev`` (empty for leaves and hand-built nodes)."""
        a, b = self._a, self._b
        if a is None or (b is _NARY and self._da is None):
            return ()
        if b is None:
            return (self._da,)
        if b is _NARY:
            return self._da
        return (self._da, self._db)

    def _backward(self) -> None:
        """Apply this node's chain rule once: ``child.grad += local * self.grad``."""
        g = self.grad
        for child, local in zip(self._prev, self._local_grads):
            child.grad += local * g

    def backward(self, grad: float = 1.0) -> None:
        """Back-propagate from this Value: set ``self.grad = grad`` and accumulate
        ``d(self)/d(node)`` into the ``grad`` of every node it depends on.

        Iterative (no recursion limit); calling it twice accumulates twice, as in micrograd.
        """
        _backward_pass(self, grad)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    __hash__ = object.__hash__  # identity; == is deliberately not overloaded

    # ---- arithmetic: forward value and local derivatives side by side -----------------
    def __add__(self, other: Operand) -> Value:
        other = _operand(other, "+", self)
        return _binary(_Add, self.data + other.data, self, 1.0, other, 1.0)

    def __mul__(self, other: Operand) -> Value:
        other = _operand(other, "*", self)
        return _binary(_Mul, self.data * other.data, self, other.data, other, self.data)

    def __sub__(self, other: Operand) -> Value:
        other = _operand(other, "-", self)
        return _binary(_Sub, self.data - other.data, self, 1.0, other, -1.0)

    def __truediv__(self, other: Operand) -> Value:
        other = _operand(other, "/", self)
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.data!r} / 0{_where(other)}")
        # -(a/b)/b rather than -a/(b·b): b·b underflows to 0 for |b| < 1e-162
        return _binary(_Div, self.data / b, self, 1.0 / b, other, -(self.data / b) / b)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            _unsupported("**", self, other)
        x, p = self.data, other
        # d/dx x**p = p·x**(p-1); infinite at 0 for 0 < p < 1 (IEEE), not an error
        return _unary(_pow_class(p), power_float(x, p, self), self, power_slope_float(x, p))

    def _pow_value(self, other: Value) -> Value:
        x, p = self.data, other.data
        out = power_value_float(x, p, self)  # base > 0, or 0 with p > 0
        # d/dx = p·x**(p-1), d/dp = x**p·log x; at x = 0 the row's special values (see ops.py)
        return _binary(_PowV, out, self, powv_slope_base(x, p), other, powv_slope_exponent(x, p, out))

    def __neg__(self) -> Value:
        return _unary(_Neg, -self.data, self, -1.0)

    def __abs__(self) -> Value:
        x = self.data
        return _unary(_Abs, abs(x), self, 1.0 if x > 0 else (-1.0 if x < 0 else 0.0))

    def __radd__(self, other: Operand) -> Value:
        return _operand(other, "+", self, True) + self

    def __rsub__(self, other: Operand) -> Value:
        return _operand(other, "-", self, True) - self

    def __rmul__(self, other: Operand) -> Value:
        return _operand(other, "*", self, True) * self

    def __rtruediv__(self, other: Operand) -> Value:
        return _operand(other, "/", self, True) / self

    def __rpow__(self, other: Operand) -> Value:
        return _operand(other, "**", self, True)._pow_value(self)

    def max(self, other: Operand) -> Value:
        """max(self, other); derivative 1 towards the larger operand (self on a tie), 0 towards
        the other. NaN in either operand gives NaN."""
        other = _operand(other, "max", self)
        a, b = self.data, other.data
        first = a >= b or a != a
        return _binary(_Max, a if first else b, self, 1.0 if first else 0.0, other, 0.0 if first else 1.0)

    # ---- activations and elementary functions ------------------------------------------
    def relu(self) -> Value:
        """max(0, x); derivative 1 where the output is positive, else 0 (as micrograd)."""
        x = self.data
        out = 0.0 if x < 0 else x
        return _unary(_ReLU, out, self, 1.0 if out > 0 else 0.0)

    def leaky_relu(self, slope: float = OPS["leaky_relu"].default) -> Value:  # type: ignore[assignment]
        """x for x > 0, else slope·x; derivative 1 or slope."""
        if not isinstance(slope, (int, float)) or isinstance(slope, bool):
            raise TypeError(f"leaky_relu: slope must be a number, got {_describe(slope)}")
        x = self.data
        return _unary(_leaky_class(slope), x if x > 0 else slope * x, self, 1.0 if x > 0 else slope)

    def tanh(self) -> Value:
        """tanh(x); derivative 1 - tanh(x)². Finite for every finite x."""
        t = tanh_float(self.data)
        return _unary(_Tanh, t, self, 1.0 - t * t)

    def exp(self) -> Value:
        """e^x; derivative e^x. Raises OverflowError past x ≈ 709.78 (float's limit)."""
        x = self.data
        try:
            out = math.exp(x)
        except OverflowError:
            raise OverflowError(
                f"exp({x!r}) overflows a float (largest input is about 709.78){_where(self)}"
            ) from None
        return _unary(_Exp, out, self, out)

    # sigmoid, softplus, gelu, log, sqrt, sin, cos and detach: generated from their rows below
    # (row_method), so their formulas live only in ops.py.


# ---- building nodes ---------------------------------------------------------------------
def _value(x: Operand) -> Value:
    """Wrap a plain number as a leaf; pass Values through."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        v = _new(Value)
        v.data = float(x)
        v.grad = 0.0
        v._a = v._da = v._b = v._db = None
        return v
    return Value(x)  # validates and raises a clear TypeError


def _unsupported(op: str, left: object, right: object) -> None:
    raise TypeError(
        f"unsupported operand type(s) for {op}: '{type(left).__name__}' and '{type(right).__name__}'"
    )


def _operand(x: Operand, op: str, this: Value, reflected: bool = False) -> Value:
    """The other operand of a binary operation as a Value, or Python's own TypeError naming the
    operation and both types (``Value(2) + "abc"``)."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int:
        v = _new(Value)
        v.data = float(x)
        v.grad = 0.0
        v._a = v._da = v._b = v._db = None
        return v
    if isinstance(x, numbers.Real):  # bool, numpy scalars, fractions (micrograd accepts them too)
        return _value(float(x))
    if reflected:
        _unsupported(op, x, this)
    _unsupported(op, this, x)
    raise AssertionError  # unreachable


def _leaf(out: float) -> Value:
    v = _new(Value)
    v.data = out
    v.grad = 0.0
    v._a = v._da = v._b = v._db = None
    return v


def _unary(cls: type, out: float, a: Value, da: float) -> Value:
    if _gm._open_blocks and not _gm._record(cls._op, out, (a,), (da,)):
        return _leaf(out)
    v = _new(cls)
    v.data = out
    v.grad = 0.0
    v._a = a
    v._da = da
    v._b = v._db = None
    return v


def _binary(cls: type, out: float, a: Value, da: float, b: Value, db: float) -> Value:
    if _gm._open_blocks and not _gm._record(cls._op, out, (a, b), (da, db)):
        return _leaf(out)
    v = _new(cls)
    v.data = out
    v.grad = 0.0
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    return v


def _nary(cls: type, out: float, children: tuple[Value, ...], locals_: tuple[float, ...]) -> Value:
    if _gm._open_blocks and not _gm._record(cls._op, out, children, locals_):
        return _leaf(out)
    v = _new(cls)
    v.data = out
    v.grad = 0.0
    v._a = children
    v._da = locals_
    v._b = _NARY
    v._db = None
    return v


def _op_class(key: str, arg: Number | None = None) -> type:
    """A per-operation subclass: it carries the operation's row of ``ops.OPS`` (``_key``),
    micrograd's name for it (``_op``) and, for an operation with a constant, the constant
    (``_arg``), so a node spends no memory on any of them."""
    row = OPS[key]
    op = row.node_op if arg is None else row.node_op.format(p=arg)
    attrs = {"__slots__": (), "_op": op, "_key": key, "__module__": __name__}
    if arg is not None:
        attrs["_arg"] = arg
    return type("Value", (Value,), attrs)


_Add, _Sub, _Mul, _Div = _op_class("+"), _op_class("-"), _op_class("*"), _op_class("/")
_Neg, _Abs, _PowV = _op_class("neg"), _op_class("abs"), _op_class("**")
_Max, _Detach = _op_class("max"), _op_class("detach")
_ReLU, _Tanh = _op_class("relu"), _op_class("tanh")
_Sigmoid, _Softplus, _GELU = _op_class("sigmoid"), _op_class("softplus"), _op_class("gelu")
_Exp, _Log, _Sqrt = _op_class("exp"), _op_class("log"), _op_class("sqrt")
_Sin, _Cos = _op_class("sin"), _op_class("cos")
_Sum, _Dot = _op_class("sum"), _op_class("dot")
_param_classes: dict[tuple[str, float], type] = {}


def _param_class(key: str, arg: Number) -> type:
    """A subclass for an operation with a constant (the exponent of x**2, a leaky slope),
    declared as ``_arg`` so compiled replay and ``grad`` can read it: one per constant seen."""
    cls = _param_classes.get((key, arg))
    if cls is None:
        if len(_param_classes) > 256:
            _param_classes.clear()
        cls = _param_classes[(key, arg)] = _op_class(key, arg)
    return cls


def _pow_class(p: Number) -> type:
    return _param_class("**p", p)  # micrograd names x**2 '**2' (the row's op '**{p}')


def _leaky_class(slope: float) -> type:
    return _param_class("leaky_relu", slope)


_row_classes: dict[str, type] = {}


def row_method(name: str, slope: Callable[..., float] | None = None) -> Callable[..., Value]:
    """The ``Value`` method of a unary row, generated from the row: its forward on
    ``self.data`` and its derivative on floats (``slope``: a float-only stand-in for it, as
    define_op's that turns a failing derivative into NaN). For rows without a constant."""
    row = OPS[name]
    forward, derivative = row.forward, slope or row.derivatives[0]
    cls = _row_class(name)

    def _failed(self: Value, exc: Exception) -> Exception:  # the row's error, with the label
        return type(exc)(f"{exc}{_where(self)}") if self.label else exc

    def method(self: Value) -> Value:
        x = self.data
        try:
            out = forward(x)  # type: ignore[misc]
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise _failed(self, exc) from None
        return _unary(cls, out, self, derivative(x, out))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = row.doc or f"{name}(x), from its row in the table of operations (ops.py)."
    return method


def _install_row_methods() -> None:
    """Give Value a method for every built-in unary row that has none written out above."""
    for name, row in OPS.items():
        if row.method and row.arity == 1 and not row.params and name not in Value.__dict__:
            setattr(Value, name, row_method(name))


def apply_row(name: str, *operands: Operand, p: Number | None = None) -> Value:
    """Apply the table's row ``name`` to ``operands`` through the row alone: its ``forward``
    and its ``derivatives`` evaluated on floats (``p``: the constant of ``**p`` or
    ``leaky_relu``). The generic path, as a ``define_op`` method computes: the tests use it to
    put every row in front of the same oracles as the engine's own methods."""
    row = OPS[name]
    args = tuple(_value(x) for x in operands)
    xs = tuple(a.data for a in args)
    if row.arity == 0:
        out = row.forward(xs)  # type: ignore[misc]
        return _nary(_row_class(name), float(out), args, tuple(float(d) for d in row.local_grads(xs, out)))
    if len(args) != row.arity:
        raise TypeError(f"{name}: takes {row.arity} operand(s), got {len(args)}")
    out = row.forward(*xs) if p is None else row.forward(*xs, p)  # type: ignore[misc]
    locals_ = tuple(float(d) for d in row.local_grads(xs, out, p))
    cls = _row_class(name) if p is None else _param_class(name, p)
    if row.arity == 1:
        return _unary(cls, float(out), args[0], locals_[0])
    return _binary(cls, float(out), args[0], locals_[0], args[1], locals_[1])


def _row_class(name: str) -> type:
    """The operation class of a row without a constant (made once, then reused)."""
    cls = _row_classes.get(name)
    if cls is None or cls._key not in OPS:
        cls = _row_classes[name] = _op_class(name)
    return cls


def _where(v: Value) -> str:
    return f" (at Value labelled {v.label!r})" if v.label else ""


# ---- n-ary primitives (used by nn and functional) ---------------------------------------
def value_sum(values: Sequence[Value]) -> Value:
    """Σ values as ONE node (derivative 1 towards each), summed left to right."""
    values = tuple(_value(v) for v in values)
    total = 0.0
    for v in values:
        total += v.data
    return _nary(_Sum, total, values, (1.0,) * len(values))


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """z = b + w1·x1 + w2·x2 + ... as ONE node: a neuron's pre-activation.

    Summed in micrograd's order (bias first, then left to right) so results are
    bit-identical to micrograd's chain of ``*`` and ``+`` nodes. Derivatives: ∂z/∂b = 1,
    ∂z/∂w_j = x_j, ∂z/∂x_j = w_j.
    """
    # This runs once per neuron per sample: types are checked by catching the AttributeError
    # rather than with an isinstance() per element, which would cost ~10% of a training step.
    try:
        xs = tuple(inputs)
        xd = [x.data for x in xs]
    except AttributeError:  # plain numbers among the inputs: wrap them as leaves
        xs = tuple(_value(x) for x in inputs)
        xd = [x.data for x in xs]
    if len(xs) != len(weights):
        raise ValueError(f"weighted sum: {len(weights)} weights but {len(xs)} inputs")
    try:
        wd = [w.data for w in weights]
        z = bias.data
    except AttributeError:
        raise TypeError("weighted sum: the weights and the bias must be Values (the parameters)") from None
    for w, x in zip(wd, xd):
        z += w * x
    return _nary(_Dot, z, (bias, *weights, *xs), (1.0, *xd, *wd))


def all_finite(values: Sequence[Value]) -> bool:
    """True when every Value's number is finite (for input checks that are not graph reads)."""
    return all(math.isfinite(v.data) for v in values)


_install_row_methods()
