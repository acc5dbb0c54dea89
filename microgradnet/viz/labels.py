"""Text inside pictures: numbers, the article's notation, and escaping for DOT.

Labels are typed the way the article writes them, ``w^1_{2,1}`` or ``x_1``; pictures show
them with Unicode super/subscripts (``w¹₂,₁``, ``x₁``, ``notation.typeset``), which every
engine and every SVG viewer renders (SVG ``baseline-shift``, used by Graphviz's <SUB>/<SUP>, is
ignored by Firefox), drawn larger than the text around them so that indices stay legible
(:func:`html_text`).
"""

from __future__ import annotations

import html
import math
import unicodedata
from typing import Any

import graphviz

from ..notation import number as _number

MAX_LABEL = 80  # characters; longer labels are cut with an ellipsis so nodes stay readable


def check_precision(precision: object) -> int:
    """Digits after the decimal point: a whole number from 0 to 15, or a clear error."""
    if not isinstance(precision, int) or isinstance(precision, bool):
        raise TypeError(f"precision must be a whole number of digits (0 to 15), got {precision!r}")
    if not 0 <= precision <= 15:
        raise ValueError(f"precision must be between 0 and 15 digits, got {precision}")
    return precision


def number(x: Any, precision: int = 4) -> str:
    """``%.4f`` as in micrograd's notebook (``notation.number`` with ``decimals``): tiny or huge
    values in exponent form (a gradient of 1e-7 is not 0.0000), never ``-0.0000``."""
    return clean(_number(x, decimals=precision))


# Unicode's script digits are about 56 % of a digit's height (DejaVu Sans: 835 of 1,493 units),
# so an index written w¹₂,₁ at 12 px is 6.7 px tall - unreadable from the back row. A line
# with indices is drawn this much larger than the rest of the picture, which brings them to
# 75 % of its text (9 px at 12 px). The glyphs keep their own raised or lowered shape, so no
# engine or viewer has to shift a baseline (Graphviz's <SUB>/<SUP> become SVG baseline-shift,
# which Firefox ignores and graphviz-pure's PNGs do not apply). The whole line, not just its
# indices: Graphviz places each run of another size from *estimated* widths, and graphviz-pure
# (and Graphviz in the browser) count every byte of a non-ASCII character as a space, which
# left gaps around larger indices (``w¹₂,₁   ·x ₁``); one run per line has none.
SCRIPT_SCALE = 1.35
SCRIPTS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏˡᵀ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")


def html_text(text: str, fontsize: float) -> str:
    """Text for a Graphviz HTML-like label: escaped; a line with super/subscript glyphs
    (``w¹₂,₁``) at SCRIPT_SCALE × ``fontsize`` points, in whole points (Graphviz drops a
    POINT-SIZE's fraction)."""
    size = math.ceil(fontsize * SCRIPT_SCALE)
    lines = []
    for line in clean(text).split("\n"):
        escaped = html.escape(line, quote=False)
        lines.append(f'<FONT POINT-SIZE="{size}">{escaped}</FONT>' if SCRIPTS & set(line) else escaped)
    return "<BR/>".join(lines)


def html_rows(rows: list[str], *, fill: str = "", thick: bool = False) -> str:
    """A node label as an HTML-like table, one cell per row (each made by :func:`html_text`):
    the record ``{ label | data | grad }`` of micrograd's pictures, stacked top to bottom in
    every rank direction. ``fill``: a background colour; ``thick``: a double outline (the root)."""
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    attrs = f' BGCOLOR="{fill}"' if fill else ""
    border = "1" if thick else "0"
    return f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3"{attrs}>{cells}</TABLE>>'


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
