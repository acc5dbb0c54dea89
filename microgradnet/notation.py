"""The article's names for the parts of a network, built in one place.

"Backpropagation made right, for a certain value of right" numbers everything from 1: layer ℓ
(the inputs are layer 0), neuron i of that layer, input j of that neuron. Its names are

- ``w^ℓ_{i,j}``  the weight from o^{ℓ-1}_j into neuron i of layer ℓ     (:func:`weight`)
- ``b^ℓ_i``      the bias of neuron i of layer ℓ                         (:func:`bias`)
- ``z^ℓ_i``      its pre-activation, b^ℓ_i + Σ_j w^ℓ_{i,j}·o^{ℓ-1}_j     (:func:`pre_activation`)
- ``o^ℓ_i``      its output φ(z^ℓ_i); ``o^0_j`` are the inputs            (:func:`activation`)
- ``w^ℓ_{i,j}·o^{ℓ-1}_j``  one product of the weighted sum             (:func:`product`)
- ``z^ℓ_i (j≤k)``  a partial sum on the way to z^ℓ_i: the bias (j = 0, the weight on the
  constant input 1) plus the products for j = 1..k                       (:func:`partial_sum`)

One notation per medium. The functions above return the **plain** form, ASCII apart from the
product's ``·``, for terminals and text (``equations`` prints it, node labels store it).
:func:`typeset` turns a plain label into the **typeset** form with Unicode super- and
subscripts (``w^1_{2,1}`` → ``w¹₂,₁``) for pictures: ``draw_dot``, the step-through page, the
MLP diagram. :func:`parse` reads a plain label back (the inverse of the builders), so no other
module needs to know the format.
"""

from __future__ import annotations

import functools
import math
import re
from typing import NamedTuple

__all__ = [
    "Name",
    "weight",
    "bias",
    "pre_activation",
    "activation",
    "product",
    "product_of",
    "partial_sum",
    "parse",
    "typeset",
    "number",
    "KINDS",
    "FONT",
]

# The one font family of every picture (draw_dot, draw_mlp, collapsed views, slides). It must
# hold every glyph the pictures use (the article's sub- and superscripts, ∂, Σ, φ, →, ×): Graphviz
# names it in the SVG and, for PNG, asks fontconfig for it. "Helvetica" or "Times" map to URW's
# Nimbus fonts wherever Ghostscript is installed, and those have no ₁ (a PNG shows an empty box);
# DejaVu Sans has them all and is what fontconfig falls back to for "sans-serif" on Linux.
# Browsers without it (macOS, Windows) take the next families of FONT_STACK.
FONT = "DejaVu Sans"
FONT_STACK = "DejaVu Sans, Verdana, Arial Unicode MS, sans-serif"

KINDS = ("w", "b", "z", "o", "product", "partial")

DOT = "·"  # between the two factors of a product


def _whole(name: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"notation: {name} must be a whole number, got {type(n).__name__}")
    return n


def _pos(name: str, n: object) -> int:
    n = _whole(name, n)
    if n < 1:
        raise ValueError(f"notation: {name} counts from 1, got {n}")
    return n


def _layer(l: object, lowest: int = 1) -> int:
    l = _whole("layer", l)
    if l < lowest:
        raise ValueError(f"notation: layer counts from {lowest}, got {l}")
    return l


def _sup(l: int) -> str:
    """``^1``, ``^12``: no braces around the layer, as ``equations`` has always printed it."""
    return f"^{l}"


def weight(l: int, i: int, j: int) -> str:
    """``w^ℓ_{i,j}``: the weight from o^{ℓ-1}_j into neuron i of layer ℓ.

    ``weight(1, 2, 1)`` → ``'w^1_{2,1}'``.
    """
    return f"w{_sup(_layer(l))}_{{{_pos('i', i)},{_pos('j', j)}}}"


def _single(letter: str, l: int, i: int) -> str:
    return f"{letter}{_sup(l)}_{i}"


def bias(l: int, i: int) -> str:
    """``b^ℓ_i``: the bias of neuron i of layer ℓ. ``bias(1, 2)`` → ``'b^1_2'``."""
    return _single("b", _layer(l), _pos("i", i))


def pre_activation(l: int, i: int) -> str:
    """``z^ℓ_i``: the weighted sum of neuron i of layer ℓ, bias included.

    ``pre_activation(1, 2)`` → ``'z^1_2'``.
    """
    return _single("z", _layer(l), _pos("i", i))


def activation(l: int, i: int) -> str:
    """``o^ℓ_i``: the output of neuron i of layer ℓ; ``o^0_j`` is input j.

    ``activation(1, 2)`` → ``'o^1_2'``.
    """
    return _single("o", _layer(l, lowest=0), _pos("i", i))


def product(l: int, i: int, j: int) -> str:
    """``w^ℓ_{i,j}·o^{ℓ-1}_j``: one term of neuron i's weighted sum.

    ``product(1, 2, 1)`` → ``'w^1_{2,1}·o^0_1'``.
    """
    return f"{weight(l, i, j)}{DOT}{activation(_layer(l) - 1, j)}"


def partial_sum(l: int, i: int, k: int) -> str:
    """``z^ℓ_i (j≤k)``: b^ℓ_i + Σ_{j=1..k} w^ℓ_{i,j}·o^{ℓ-1}_j, the sum so far when a neuron adds
    its products one at a time (micrograd's graph). The bias is the article's j = 0 term, so
    "j ≤ k" counts it; j ≤ the neuron's fan-in is z^ℓ_i itself.

    ``partial_sum(1, 2, 1)`` → ``'z^1_2 (j≤1)'`` (typeset ``z¹₂ (j≤1)``).
    """
    return f"{pre_activation(l, i)} (j≤{_pos('k', k)})"


@functools.lru_cache(maxsize=8192)
def product_of(weight_label: str) -> str:
    """The product label ``w^ℓ_{i,j}·o^{ℓ-1}_j`` of a weight labelled ``w^ℓ_{i,j}``, else ''."""
    name = parse(weight_label)
    return product(name.layer, name.i, name.j) if name and name.kind == "w" and name.j else ""


class Name(NamedTuple):
    """What a label names: ``kind`` is one of :data:`KINDS`; ``j`` is None for ``b``, ``z`` and
    ``o``, and the last input counted (k) for a ``partial`` sum."""

    kind: str
    layer: int
    i: int
    j: int | None


_N = r"(\d+)"
_SUPN = r"\^(?:\{(\d+)\}|(\d+))"  # ^1, ^12 or ^{12}
_SUBN = r"_(?:\{(\d+)\}|(\d+))"  # _2, _12 or _{12}
_SINGLE = re.compile(rf"^([bzo]){_SUPN}{_SUBN}$")
_WEIGHT = re.compile(rf"^w{_SUPN}_\{{{_N},{_N}\}}$")
_PRODUCT = re.compile(rf"^w{_SUPN}_\{{{_N},{_N}\}}{DOT}o{_SUPN}{_SUBN}$")
_PARTIAL = re.compile(rf"^z{_SUPN}{_SUBN} \(j≤{_N}\)$")


def _num(a: str | None, b: str | None) -> int:
    return int(a if a is not None else b)  # type: ignore[arg-type]


def parse(label: object) -> Name | None:
    """The :class:`Name` of a plain label made by this module, else None.

    ``parse('w^1_{2,1}')`` → ``Name('w', 1, 2, 1)``; ``parse('b^1_2')`` → ``Name('b', 1, 2, None)``;
    ``parse('w^2_{1,3}·o^1_3')`` → ``Name('product', 2, 1, 3)``. Braces around a number are
    accepted (``w^{1}_{2,1}``, ``b^1_{2}``); anything else, including a product whose two
    factors do not belong together, is None.
    """
    if not isinstance(label, str) or not label or len(label) > 64:
        return None
    return _parse(label)


@functools.lru_cache(maxsize=8192)  # a training graph repeats each name once per sample
def _parse(label: str) -> Name | None:
    m = _SINGLE.match(label)
    if m:
        kind = m.group(1)
        l, i = _num(m.group(2), m.group(3)), _num(m.group(4), m.group(5))
        if i < 1 or (l < 1 and kind != "o"):
            return None
        return Name(kind, l, i, None)
    m = _WEIGHT.match(label)
    if m:
        l, i, j = _num(m.group(1), m.group(2)), int(m.group(3)), int(m.group(4))
        return Name("w", l, i, j) if l >= 1 and i >= 1 and j >= 1 else None
    m = _PRODUCT.match(label)
    if m:
        l, i, j = _num(m.group(1), m.group(2)), int(m.group(3)), int(m.group(4))
        lo, jo = _num(m.group(5), m.group(6)), _num(m.group(7), m.group(8))
        if l >= 1 and i >= 1 and j >= 1 and lo == l - 1 and jo == j:
            return Name("product", l, i, j)
    m = _PARTIAL.match(label)
    if m:
        l, i, k = _num(m.group(1), m.group(2)), _num(m.group(3), m.group(4)), int(m.group(5))
        if l >= 1 and i >= 1 and k >= 1:
            return Name("partial", l, i, k)
    return None


_SUP_CHARS = dict(zip("0123456789+-=()nijklT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏˡᵀ"))
_SUB_CHARS = dict(zip("0123456789+-=()aehijklmnoprstuvx,", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
# ^{...} / _{...} (any mappable text), or ^12 / _3 (digits only: `my_var` stays as it is)
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(-?\d+))")


def typeset(label: str) -> str:
    """The picture form of a plain label: ``w^1_{2,1}`` → ``w¹₂,₁``, ``x_1`` → ``x₁``,
    ``w^1_{2,1}·o^0_1`` → ``w¹₂,₁·o⁰₁``. Scripts with a character Unicode cannot raise or
    lower stay as typed; text without scripts is unchanged."""

    def script(m: re.Match[str]) -> str:
        body = m.group(2) if m.group(2) is not None else m.group(3)
        table = _SUP_CHARS if m.group(1) == "^" else _SUB_CHARS
        if body and all(ch in table for ch in body):
            return "".join(table[ch] for ch in body)
        return m.group(0)

    return _SCRIPT.sub(script, label)


def number(x: object, digits: int = 4, *, decimals: int | None = None) -> str:
    """A number as people read it in a picture, a page or a terminal: the one formatter.

    ``digits`` significant digits, trailing zeros dropped: ``0.70710678`` → ``'0.7071'``,
    ``-1.5`` → ``'-1.5'``, ``2.0`` → ``'2'``, ``6.8813735`` → ``'6.881'``. Magnitudes below 1e-4
    or from 1e6 up use a short exponent form, ``'-8.167e-6'``, ``'1.5e7'`` (never ``0.0000`` for a
    gradient of 1e-7, never ``e-06``). ``decimals=k`` instead gives exactly k digits after the
    point, as micrograd's notebook prints (``'%.4f'``: ``2.0`` → ``'2.0000'``), with the same
    exponent form for magnitudes it would show as 0 or that reach 1e6. Never ``-0``; NaN and
    infinities print as ``nan``, ``inf``, ``-inf``; anything that is not a number is ``str(x)``.
    """
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"notation.number: digits must be a whole number from 1 to 17, got {digits!r}")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)
                                 or not 0 <= decimals <= 15):
        raise ValueError(f"notation.number: decimals must be a whole number from 0 to 15, got {decimals!r}")
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return str(x)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0.0:  # also -0.0
        return f"{0:.{decimals}f}" if decimals is not None else "0"
    if decimals is not None:
        if abs(v) < 0.5 * 10.0**-decimals or abs(v) >= 1e6:
            return _exponent(v, max(decimals, 2))
        text = f"{v:.{decimals}f}"
        return text.lstrip("-") if float(text) == 0.0 else text  # -0.00004 at 4 decimals: never "-0.0000"
    rounded = float(f"{v:.{digits - 1}e}")
    if not 1e-4 <= abs(rounded) < 1e6:
        return _exponent(v, digits)
    places = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    return _trim(f"{rounded:.{places}f}")


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _exponent(v: float, digits: int) -> str:
    """``-8.167e-6``: ``digits`` significant digits, no trailing zeros, no padded or + exponent."""
    mantissa, exp = f"{v:.{digits - 1}e}".split("e")
    return f"{_trim(mantissa)}e{int(exp)}"
