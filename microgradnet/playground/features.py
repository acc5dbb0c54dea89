"""The playground's input features and its error type (shared by the session and the GIF)."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["FEATURES", "PlaygroundError"]


class PlaygroundError(ValueError):
    """An impossible setting or request; the message is shown in the page as it is."""


FEATURES: dict[str, Callable[[float, float], float]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: math.sin(a),
    "sin(x2)": lambda a, b: math.sin(b),
}
# the same seven as Python source, for the generated script
_FEATURE_SOURCE = {
    "x1": "a", "x2": "b", "x1^2": "a * a", "x2^2": "b * b", "x1x2": "a * b",
    "sin(x1)": "math.sin(a)", "sin(x2)": "math.sin(b)",
}
