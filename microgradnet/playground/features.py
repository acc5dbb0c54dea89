"""The playground's input features and its error type (shared by the session, the GIF, the
exported script and the page).

Each feature is written once per language it runs in, side by side in one row: the Python
function (the session), the Python source (the exported script), the JavaScript expression
of ``a`` and ``b`` (the page's heat maps, sent by ``api.choices``) and its typeset label.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["FEATURES", "FEATURE_SOURCE", "FEATURE_ROWS", "Feature", "PlaygroundError"]


class PlaygroundError(ValueError):
    """An impossible setting or request; the message is shown in the page as it is."""


class Feature(NamedTuple):
    """One input feature of a point (a, b) = (x₁, x₂)."""

    fn: Callable[[float, float], float]
    source: str  # Python, in the exported script
    js: str  # JavaScript, in the page
    label: str  # how the page names it


FEATURE_ROWS: dict[str, Feature] = {
    "x1": Feature(lambda a, b: a, "a", "a", "x₁"),
    "x2": Feature(lambda a, b: b, "b", "b", "x₂"),
    "x1^2": Feature(lambda a, b: a * a, "a * a", "a * a", "x₁²"),
    "x2^2": Feature(lambda a, b: b * b, "b * b", "b * b", "x₂²"),
    "x1x2": Feature(lambda a, b: a * b, "a * b", "a * b", "x₁x₂"),
    "sin(x1)": Feature(lambda a, b: math.sin(a), "math.sin(a)", "Math.sin(a)", "sin x₁"),
    "sin(x2)": Feature(lambda a, b: math.sin(b), "math.sin(b)", "Math.sin(b)", "sin x₂"),
}
FEATURES: dict[str, Callable[[float, float], float]] = {k: f.fn for k, f in FEATURE_ROWS.items()}
FEATURE_SOURCE: dict[str, str] = {k: f.source for k, f in FEATURE_ROWS.items()}
