"""Switching graph recording off: ``no_grad()``.

Inside ``with no_grad():`` (or a function decorated with ``@no_grad()``) every operation
returns a plain leaf ``Value``: nothing is recorded, so nothing can be back-propagated.
The state lives in a ``ContextVar``, so one thread (or asyncio task) turning recording off
does not turn it off for the others.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("microgradnet_grad", default=True)

# The hot path (every arithmetic operation) reads this module global first: while no
# no_grad() block is open anywhere in the process it is 0 and recording is certainly on,
# so the ContextVar is only consulted while some block is open.
_open_blocks = 0


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default)."""
    return _open_blocks == 0 or _enabled.get()


class no_grad:
    """Context manager and decorator: operations inside build no graph.

    >>> from microgradnet import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y._prev
    ()
    """

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> no_grad:
        global _open_blocks
        self._tokens.append(_enabled.set(False))
        _open_blocks += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _open_blocks
        _open_blocks -= 1
        _enabled.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
