"""The engine's two modes: ``no_grad()`` and ``detect_anomaly()``.

- Inside ``with no_grad():`` (or under ``@no_grad()``) every operation returns a plain leaf
  ``Value``: nothing is recorded, so nothing can be back-propagated.
- Inside ``with detect_anomaly():`` the first operation whose result or local derivative is
  NaN or ±inf - in the forward pass or in ``backward()`` - raises ``AnomalyError`` naming the
  operation and its inputs.

Both states live in ``ContextVar``s, so a mode turned on in one thread (or asyncio task) is
not on in the others.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("microgradnet_grad", default=True)
_anomaly: contextvars.ContextVar[bool] = contextvars.ContextVar("microgradnet_anomaly", default=False)

# Every arithmetic operation reads this module global first: while no mode block is open
# anywhere in the process it is 0, and the fast path never touches the ContextVars.
_open_blocks = 0


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` by the first operation producing NaN or inf."""


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default)."""
    return _open_blocks == 0 or _enabled.get()


def _describe(node: Any) -> str:
    label = getattr(node, "label", "")
    return f"{label}={node.data!r}" if label else repr(node.data)


def _record(op: str, out: float, children: Sequence[Any], locals_: Sequence[float]) -> bool:
    """Slow path of every operation while some mode block is open: check, then record or not."""
    if _anomaly.get() and not (math.isfinite(out) and all(math.isfinite(d) for d in locals_)):
        inputs = ", ".join(_describe(c) for c in children)
        what = f"value {out!r}" if not math.isfinite(out) else f"local derivatives {list(locals_)!r}"
        raise AnomalyError(f"detect_anomaly: operation {op!r} on ({inputs}) produced {what}")
    return _enabled.get()


def anomaly_enabled() -> bool:
    """True inside a detect_anomaly() block (in this thread or task)."""
    return _open_blocks != 0 and _anomaly.get()


def check_grad(node: Any, child: Any) -> None:
    """Backward-pass check inside detect_anomaly(): raise if ``child.grad`` became NaN/inf."""
    if not math.isfinite(child.grad):
        raise AnomalyError(
            f"detect_anomaly: backward through operation {node._op!r} (output {_describe(node)}, "
            f"grad {node.grad!r}) gave input {_describe(child)} the gradient {child.grad!r}"
        )


class _Mode:
    _var: contextvars.ContextVar[bool]
    _value: bool

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> _Mode:
        global _open_blocks
        self._tokens.append(self._var.set(self._value))
        _open_blocks += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _open_blocks
        _open_blocks -= 1
        self._var.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Mode):
    """Context manager and decorator: operations inside build no graph.

    >>> from microgradnet import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y._prev
    ()
    """

    _var, _value = _enabled, False


class detect_anomaly(_Mode):
    """Context manager and decorator: the first NaN or inf, forward or backward, raises
    ``AnomalyError`` naming the operation, its inputs and their labels.

    >>> from microgradnet import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(1e200, label="a") * 1e200
    Traceback (most recent call last):
    ...
    microgradnet.grad_mode.AnomalyError: detect_anomaly: operation '*' on (a=1e+200, 1e+200) produced ...
    """

    _var, _value = _anomaly, True
