"""Text inside pictures: numbers, the article's notation, and escaping for DOT.

Labels are typed the way the article writes them, ``w^1_{2,1}`` or ``x_1``; pictures show
them with Unicode super/subscripts (``w¹₂,₁``, ``x₁``), which every engine and every SVG
viewer renders (SVG ``baseline-shift``, used by Graphviz's HTML labels, is ignored by Firefox).
Anything that cannot be shown that way is left as typed.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import graphviz

from ..notation import parse, typeset

MAX_LABEL = 80  # characters; longer labels are cut with an ellipsis so nodes stay readable


def pretty(label: str) -> str:
    """``w^1_{2,1}`` → ``w¹₂,₁``; ``x_1`` → ``x₁``; text without such scripts is unchanged
    (``microgradnet.notation.typeset``: the article's names are built in one place)."""
    return typeset(label)


def parameter_position(label: object) -> tuple[int, int, int] | None:
    """(ℓ, i, j) for ``w^ℓ_{i,j}``, (ℓ, i, 0) for ``b^ℓ_i`` (the bias is weight 0), else None."""
    name = parse(label)
    if name is None or name.kind not in ("w", "b"):
        return None
    return name.layer, name.i, name.j if name.kind == "w" and name.j is not None else 0


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
