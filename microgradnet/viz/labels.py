"""Text inside pictures: numbers, the article's notation, and escaping for DOT.

Labels are typed the way the article writes them, ``w^1_{2,1}`` or ``x_1``; pictures show
them with Unicode super/subscripts (``w¹₂,₁``, ``x₁``), which every engine and every SVG
viewer renders (SVG ``baseline-shift``, used by Graphviz's HTML labels, is ignored by Firefox).
Anything that cannot be shown that way is left as typed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import graphviz

MAX_LABEL = 80  # characters; longer labels are cut with an ellipsis so nodes stay readable

_SUP = dict(zip("0123456789+-=()nijklT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏˡᵀ"))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx,", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
# ^{...} / _{...} (any mappable text), or ^12 / _3 (digits only: `my_var` stays as it is)
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(-?\d+))")

# w^ℓ_{i,j} and b^ℓ_i, as microgradnet.nn labels parameters (braces optional)
_WEIGHT = re.compile(r"^w\^\{?(\d+)\}?_\{(\d+),(\d+)\}$")
_BIAS = re.compile(r"^b\^\{?(\d+)\}?_\{?(\d+)\}?$")


def pretty(label: str) -> str:
    """``w^1_{2,1}`` → ``w¹₂,₁``; ``x_1`` → ``x₁``; text without such scripts is unchanged."""

    def script(m: re.Match[str]) -> str:
        body = m.group(2) if m.group(2) is not None else m.group(3)
        table = _SUP if m.group(1) == "^" else _SUB
        if body and all(ch in table for ch in body):
            return "".join(table[ch] for ch in body)
        return m.group(0)

    return _SCRIPT.sub(script, label)


def parameter_position(label: object) -> tuple[int, int, int] | None:
    """(ℓ, i, j) for ``w^ℓ_{i,j}``, (ℓ, i, 0) for ``b^ℓ_i`` (the bias is weight 0), else None."""
    if not isinstance(label, str) or not label:
        return None
    m = _WEIGHT.match(label)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = _BIAS.match(label)
    if m:
        return int(m.group(1)), int(m.group(2)), 0
    return None


def check_precision(precision: object) -> int:
    """Digits after the decimal point: a whole number from 0 to 15, or a clear error."""
    if not isinstance(precision, int) or isinstance(precision, bool):
        raise TypeError(f"precision must be a whole number of digits (0 to 15), got {precision!r}")
    if not 0 <= precision <= 15:
        raise ValueError(f"precision must be between 0 and 15 digits, got {precision}")
    return precision


def number(x: Any, precision: int = 4) -> str:
    """``%.4f`` as in micrograd's notebook, but tiny or huge values in scientific notation
    (a gradient of 1e-7 is not 0.0000) and no ``-0.0000``."""
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return clean(str(x))
    if math.isnan(v) or math.isinf(v):
        return str(v)
    if v == 0.0:
        v = 0.0
    elif abs(v) < 0.5 * 10.0**-precision or abs(v) >= 1e6:
        return f"{v:.{max(precision - 1, 1)}e}"
    return f"{v:.{precision}f}"


def clean(text: str, limit: int = MAX_LABEL) -> str:
    """Printable text: control characters and lone surrogates become U+FFFD (they are invalid
    in SVG/XML), tabs become spaces, and overlong text is cut with an ellipsis."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            out.append("\ufffd")
        else:
            out.append(ch)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_field(text: str) -> str:
    """Escape text for one field of a Graphviz record label: ``{ } | < > "`` and backslash, and
    ``&``, which Graphviz would read as the start of an entity. (Records trim and merge spaces.)"""
    out = []
    previous = ""
    for ch in clean(text):
        if ch == " " and previous > "\x7f":
            # Graphviz 2.43 (Debian 12, Ubuntu 22.04) drops a space that follows a non-ASCII
            # character in a record ("600 × Σ" became "600 ×Σ"); a no-break space survives.
            out.append("\u00a0")
        elif ch in '{}|<>"\\':
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
        previous = ch
    return "".join(out)


def record(*fields: str) -> graphviz.quoting.NoHtml:
    """A record label ``{ f1 | f2 | ... }`` from already escaped fields."""
    return graphviz.nohtml("{ " + " | ".join(fields) + " }")


def plain(text: str) -> graphviz.quoting.NoHtml:
    """Escape text for an ordinary label or tooltip (backslash escapes like ``\\N`` disarmed)."""
    escaped = clean(text).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return graphviz.nohtml(escaped)
