"""``define_op``: add your own operation in one place.

    >>> import math
    >>> from microgradnet import Value, define_op, ops
    >>> sinh = define_op("sinh", math.sinh, lambda x, out: (ops.exp(x) + ops.exp(-x)) / 2)
    >>> y = Value(0.5).sinh(); y.backward()
    >>> round(y.data, 6), round(y._prev[0].grad, 6)
    (0.521095, 1.127626)

One call adds a row to the table of operations (``ops.OPS``) and a method to ``Value``; from
then on the ``graph`` formula parser accepts ``sinh(...)``, ``draw_dot`` and the step-through
page name it, compiled replay replays it, ``gradcheck`` checks it, and ``grad(...,
create_graph=True)`` differentiates it again - provided the derivative is written with
operations that work on Values too (``+ - * / **`` and the functions in ``microgradnet.ops``:
``ops.exp``, ``ops.tanh``, ``ops.sin``, ...), not with ``math``.

With ``activation=True`` it is also a neuron's activation: ``MLP(2, [3, 1], act="swish")``,
the equations (φ' from this derivative), ``fit``, the CLI's ``--act`` choices in the same
process, the playground (give ``js=``, the forward as a JavaScript expression of ``x``) and the
torch bridge (give ``torch=``):

    >>> swish = define_op("swish", lambda x: x * ops.sigmoid(x),
    ...                   lambda x, out: ops.sigmoid(x) * (1 + x * (1 - ops.sigmoid(x))),
    ...                   activation=True, js="x / (1 + Math.exp(-x))", torch="torch.nn.functional.silu")
    >>> from microgradnet.nn import MLP
    >>> MLP(2, [3, 1], act="swish")
    MLP of [Layer of [SwishNeuron(2), SwishNeuron(2), SwishNeuron(2)], Layer of [LinearNeuron(3)]]
"""

from __future__ import annotations

import keyword
import math
import numbers
from collections.abc import Callable
from typing import Any

from . import engine as _engine
from . import ops as _ops
from .engine import Value
from .validate import is_real

__all__ = ["define_op"]

_DEFINED: set[str] = set()  # names added by define_op: calling it again replaces them


def _number(name: str, what: str, x: float, result: object) -> float:
    if not is_real(result):
        raise TypeError(f"{name}: its {what} must return a number, got {type(result).__name__} at x = {x!r}")
    return float(result)


def _check_options(activation: object, js: object, numpy: object, *texts: object) -> None:
    if not isinstance(activation, bool):
        raise TypeError(f"define_op: activation must be True or False, got {activation!r}")
    if js is not None and (not isinstance(js, str) or not js.strip()):
        raise TypeError(f"define_op: js must be a JavaScript expression of x (a str), got {js!r}")
    if (js is not None or numpy is not None) and not activation:
        raise ValueError("define_op: js= and numpy= describe an activation; pass activation=True too")
    if numpy is not None and not callable(numpy):
        raise TypeError(f"define_op: numpy must be a function numpy(np, x), got {numpy!r}")
    for text in texts:
        if text is not None and not isinstance(text, str):
            raise TypeError(f"define_op: torch, display and the φ texts must be str, got {text!r}")


def define_op(
    name: str,
    forward: Callable[[float], float],
    derivative: Callable[[Any, Any], Any],
    *,
    display: str | None = None,
    torch: str | None = None,
    activation: bool = False,
    js: str | None = None,
    numpy: Callable[[Any, Any], Any] | None = None,
    phi_text: str | None = None,
    phi_prime_text: str | None = None,
) -> Callable[[Any], Any]:
    """Declare a unary operation ``name``: ``forward(x)`` → float, ``derivative(x, out)`` →
    d out / d x (``out`` is ``forward(x)``, handy for e.g. exp or tanh).

    Afterwards ``Value.<name>()`` exists, and so does ``name(...)`` in ``graph`` formulas.
    ``display`` is its name in pictures (default: ``name``); ``torch`` the PyTorch function
    computing the same (e.g. ``'torch.sinh'``), used by tests that compare with PyTorch.
    ``activation=True`` makes it a neuron activation (``act=name``); then ``js`` is its forward
    as a JavaScript expression of ``x`` (the playground page draws with it), ``numpy(np, x)`` an
    optional array kernel (default: ``forward`` vectorized), ``phi_text``/``phi_prime_text``
    how the equations print φ and φ' (default ``name(z)``, ``name'(z)``).
    Returns a function of a float or a Value (like ``ops.tanh``). Calling ``define_op`` again
    with the same name replaces your earlier definition (handy when a notebook cell is fixed and
    re-run); a built-in operation or another ``Value`` attribute cannot be replaced
    (``ValueError``), nor can a name that is not a plain identifier.
    """
    plain = isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
    if not plain or name.startswith("_"):
        raise ValueError(f"define_op: the name must be a plain identifier such as 'sinh', got {name!r}")
    if name not in _DEFINED and (name in _ops.OPS or hasattr(Value, name)):
        raise ValueError(
            f"define_op: {name!r} is already an operation or a Value attribute; choose another name"
        )
    if not callable(forward) or not callable(derivative):
        raise TypeError(
            "define_op: forward and derivative must be functions (forward(x), derivative(x, out))"
        )
    _check_options(activation, js, numpy, torch, display, phi_text, phi_prime_text)

    def forward_float(x: float) -> float:
        try:
            return _number(name, "forward", x, forward(x))
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise type(exc)(f"{name}({x!r}): {exc}") from None

    def slope_float(x: float, out: float) -> float:
        try:
            return _number(name, "derivative", x, derivative(x, out))
        except (ValueError, ZeroDivisionError):
            return math.nan
        except OverflowError:
            return math.inf

    _ops.register(
        _ops.Op(
            name,
            1,
            forward_float,
            (derivative,),
            display=display or name,
            text="{out} = " + name + "({a})",
            text_locals=(name + "'({a})",),
            replay=f"_op_{name}({{a}})",
            replay_locals=(f"_d_{name}({{a}}, {{out}})",),
            formula=True,
            torch=torch,
            helpers={f"_op_{name}": forward_float, f"_d_{name}": slope_float},
            activation=activation,
            js=js,
            numpy=numpy,
            phi_text=phi_text or "",
            phi_prime_text=phi_prime_text or "",
        )
    )
    # the method is generated from the row, as the engine's own sigmoid, sin, ... are
    setattr(Value, name, _engine.row_method(name, slope_float))
    _DEFINED.add(name)

    def apply(x: Any) -> Any:
        return forward_float(x) if isinstance(x, numbers.Real) else getattr(x, name)()

    apply.__name__ = name
    apply.__doc__ = f"{name}(x) of a float (a float) or of a Value (a Value in the graph)."
    return apply
