"""The one place that says what counts as a number in microgradnet's argument checks.

Python's ``bool`` is an ``int`` (``True + 1 == 2``), so ``isinstance(x, int)`` lets ``True``
through as 1 - a typo that no check would catch. Every argument check asks here instead.
Depends on nothing in the package, so every module (the engine included) may use it.

    >>> is_real(0.5), is_real(True), is_whole(3), is_whole(3.0)
    (True, False, True, False)
    >>> whole_number(0, "steps", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: steps must be a whole number >= 1, got 0
"""

from __future__ import annotations

import math
import numbers

__all__ = ["is_real", "is_whole", "real_number", "whole_number"]


def is_real(x: object) -> bool:
    """A real number (int, float, fractions, numpy scalars), never a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_whole(x: object) -> bool:
    """A whole number (int, numpy integers), never a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def real_number(x: object, what: str, *, finite: bool = False) -> float:
    """``x`` as a float; TypeError (not a real number) or ValueError (not finite, when asked)
    naming ``what``."""
    if not is_real(x):
        raise TypeError(f"{what} must be a real number, got {x!r:.60}")
    value = float(x)  # type: ignore[arg-type]
    if finite and not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return value


def whole_number(x: object, what: str, *, minimum: int | None = None) -> int:
    """``x`` as an int; TypeError (not a whole number) or ValueError (below ``minimum``)
    naming ``what``."""
    if not is_whole(x):
        raise TypeError(f"{what} must be a whole number, got {x!r:.60}")
    value = int(x)  # type: ignore[call-overload]
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value}")
    return value
