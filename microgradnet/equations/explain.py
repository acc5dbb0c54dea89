""""Doing it with numbers": the arithmetic behind one weight's ∂e/∂w, numbers substituted."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from .. import losses as registry
from .. import notation
from .backprop import Backprop, Target, backprop, check_index, weight_name
from .compare import autograd

DIGITS = 4  # significant digits of a result, as every page and picture prints numbers (notation.number)


def num(v: float, digits: int = DIGITS) -> str:
    """A number as printed in explanations: ``notation.number`` (4 significant digits)."""
    return notation.number(v, digits)


def fac(v: float, digits: int = DIGITS) -> str:
    """A factor of a product: like ``num``, negatives in parentheses so that 2·(-3) reads right."""
    s = num(v, digits)
    return f"({s})" if s.startswith("-") else s


def _product(xs: list[Decimal]) -> Decimal:
    p = Decimal(1)
    for x in xs:
        p *= x
    return p


def checkable(operands: Sequence[float], combine: Callable[[list[Decimal]], Decimal], result: float,
              digits: int = DIGITS) -> int:
    """How many significant digits to print ``operands`` with so that the arithmetic a student
    does on the printed numbers (``combine``, exact) gives the printed ``result`` (``digits``
    digits): ``digits`` itself unless rounding the operands moves the result's last digit, as
    0.1235·0.5 = 0.06175 does for 0.12346·0.5 = 0.06173. Never below ``digits``."""
    want = num(result, digits)
    for d in range(digits, 18):
        printed = [Decimal(num(v, d)) for v in operands]
        if num(float(combine(printed)), digits) == want:
            return d
    return 17  # not reached for finite numbers: 17 digits print a float exactly


WIDTH = 100  # columns: a terminal's line, and the playground's panel


def wrap(line: str, width: int = WIDTH) -> list[str]:
    """``line`` in lines of at most ``width`` columns where it can break: before `` + `` of a
    sum (the continuation under the first term, after ``= ``), after ``, `` of a list (under
    the first item, after ``(``), before `` = `` or before a parenthesis that follows a word
    (``layer 2 (N = 3``); a piece still too long at a space."""
    if len(line) <= width:
        return [line]
    lead = len(line) - len(line.lstrip())
    paren, eq = line.find("= ("), line.find("= ")
    if " + " in line and 0 <= eq < width // 2:
        indent = eq + 2
    elif 0 <= paren < width // 2 and ", " in line[paren:]:
        indent = paren + 3
    else:
        indent = lead + 4
    cuts = _breaks(line)
    pieces = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)])]
    out, current = [], pieces[0]
    for piece in pieces[1:]:
        if len((current + piece).rstrip()) <= width:
            current += piece
        else:
            out.append(current.rstrip())
            current = " " * indent + piece.lstrip(" ")
    return [part for text in out + [current] for part in _at_spaces(text, width, indent)]


def _at_spaces(text: str, width: int, indent: int) -> list[str]:
    """A piece still too long for ``width`` (words with no better place to break) broken at its
    last space that fits, as a paragraph is; a word longer than the width stays whole."""
    out = []
    while len(text) > width:
        lead = len(text) - len(text.lstrip(" "))
        cut = text.rfind(" ", lead + 1, width + 1)
        if cut <= lead:
            break
        out.append(text[:cut].rstrip())
        text = " " * indent + text[cut:].lstrip(" ")
    return out + [text]


_BREAK = re.compile(r"(?<=, )|(?= [+=] )|(?<=\w) (?=\()")


def _breaks(line: str) -> list[int]:
    """Where ``wrap`` may break: after a comma anywhere (a list's items), elsewhere only outside
    parentheses, so that "(φ'(z) = 1 − tanh²(z), at z = 0.5)" keeps its "at z = 0.5" together."""
    depth, depths = 0, []
    for ch in line:
        depths.append(depth)
        depth += (ch == "(") - (ch == ")")
    return [m.start() for m in _BREAK.finditer(line)
            if 0 < m.start() < len(line) and (line[m.start() - 1] == " " or depths[m.start()] == 0)]


class Term(NamedTuple):
    """One term of Equation 12: ∂e/∂o^{ℓ+1}_k · φ'(z^{ℓ+1}_k) · w^{ℓ+1}_{k,i} = product."""

    k: int
    de_do: float
    phi_prime: float
    w: float
    product: float


@dataclass
class Explanation:
    """Equation 8 for one weight with its three factors, the Equation 12 terms that produced
    ∂e/∂o^ℓ_i (empty on the last layer), and backward()'s value for comparison.
    ``str(explanation)`` is the text a student can follow."""

    l: int
    i: int
    j: int
    name: str
    de_do: float  # ∂e/∂o^ℓ_i
    phi_prime: float  # φ'(z^ℓ_i), 1 on the last layer
    o_prev: float  # o^{ℓ-1}_j, 1 for the bias
    value: float  # Equation 8: the product of the three
    autograd: float  # the weight's grad after backward()
    terms: list[Term] = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        return self.text


def _eq9_lines(bp: Backprop) -> list[str]:
    fp, N, spec = bp.fp, bp.fp.N, registry.get(bp.loss)
    yhat = fp.yhat
    o = notation.activation
    lines = [f"Equation 9 (last layer, loss {bp.loss}):  ∂e/∂o^{N}_i = {spec.equation9_text}"]
    lines.append("  ŷ = (" + ", ".join(num(v) for v in yhat) + ")")
    grads = [bp.de_do(N, i) for i in range(1, len(yhat) + 1)]
    lines += spec.worked_equation9(list(yhat), bp.target, grads, lambda i: o(N, i), num, fac)
    return lines


def explanation(
    model: Any, x: Sequence[float], target: Target, loss: str = "nll",
    l: int = 1, i: int = 1, j: int = 1, *, bias: bool = True, width: int | None = WIDTH,
) -> Explanation:
    """The arithmetic for ∂e/∂w^ℓ_{i,j} (j = 0: the bias b^ℓ_i) as a structured ``Explanation``,
    its text in lines of at most ``width`` columns (``wrap``; None: one line per statement, for
    a caller that typesets the text first and wraps it to its own width)."""
    bp = backprop(model, x, target, loss, bias=bias)
    fp, N = bp.fp, bp.fp.N
    check_index(fp.sizes, l, i, j, bias)
    ag = autograd(model, x, target, loss, bias=bias)
    name = weight_name(l, i, j)
    phi = fp.activation(l)
    de_do, dphi, o_prev = bp.de_do(l, i), fp.phi_prime(l, i), fp.o(l - 1, j)
    value = bp.de_dw(l, i, j)
    terms = [Term(k, a, b, c, a * b * c) for k, a, b, c in bp.equation12_terms(l, i)] if l < N else []

    L: list[str] = []
    o, z = notation.activation, notation.pre_activation
    kind = "the bias" if j == 0 else f"the weight from {o(l - 1, j)}"
    hidden = "layer 1" if N == 2 else f"layers 1..{N - 1}"
    net = f"φ = {fp.act} on {hidden}" if N > 1 else "a single linear layer"
    L.append(f"∂e/∂{name}: {kind} into neuron {i} of layer {l} (N = {N}, {net})")  # loss: Equation 9
    L.append("")
    L.append(f"Equation 8:  ∂e/∂{name} = ∂e/∂{o(l, i)} · φ'({z(l, i)}) · o^{l - 1}_{j}")
    if j == 0:
        L.append(f"  o^{l - 1}_0 = 1   (a bias is the weight on a constant input 1)")
    elif l == 1:
        L.append(f"  {o(0, j)} = x_{j} = {num(o_prev)}")
    else:
        L.append(f"  {o(l - 1, j)} = φ({z(l - 1, j)}) = {num(o_prev)}")
    # z^ℓ_i written out: the bias (times its constant input 1) first, then Σ_j w^ℓ_{i,j}·o^{ℓ-1}_j
    js = range(1, fp.sizes[l - 1] + 1)
    symbols = [weight_name(l, i, 0)] if bias else []
    symbols += [notation.product(l, i, jj) for jj in js]
    pairs = [(fp.w(l, i, jj), fp.o(l - 1, jj)) for jj in js]
    d = checkable([fp.w(l, i, 0) if bias else 0.0] + [v for p in pairs for v in p],
                  lambda v: v[0] + sum(v[k] * v[k + 1] for k in range(1, len(v), 2)), fp.z(l, i))
    numbers = [num(fp.w(l, i, 0), d)] if bias else []
    numbers += [f"{fac(w, d)}·{fac(o_, d)}" for w, o_ in pairs]
    L.append(f"  {z(l, i)} = " + " + ".join(symbols))
    L.append(" " * len(f"  {z(l, i)} ") + "= " + " + ".join(numbers) + f" = {num(fp.z(l, i))}")
    if l == N:
        L.append(f"  φ'({z(N, i)}) = 1   (the last layer is linear: ŷ = Z^N)")
    else:
        L.append(f"  φ'({z(l, i)}) = {num(dphi)}   (φ'(z) = {phi.phi_prime_text}, at z = {num(fp.z(l, i))})")
    src = "Equation 9, below" if l == N else "Equation 12, below"
    L.append(f"  ∂e/∂{o(l, i)} = {num(de_do)}   ({src})")
    d = checkable([de_do, dphi, o_prev], _product, value)
    L.append(f"  ∂e/∂{name} = {fac(de_do, d)} · {fac(dphi, d)} · {fac(o_prev, d)} = {num(value)}")
    if terms:
        L.append("")
        L.append(f"Equation 12:  ∂e/∂{o(l, i)} = Σ_k ∂e/∂o^{l + 1}_k · φ'(z^{l + 1}_k) · w^{l + 1}_{{k,{i}}}")
        # the products are printed with enough digits to add up to the printed sum, and each
        # product's factors with enough to multiply to it: every line checks by hand
        dp = checkable([t.product for t in terms], sum, de_do)
        for t in terms:
            d = checkable([t.de_do, t.phi_prime, t.w], _product, t.product, dp)
            L.append(f"  k = {t.k}:  {fac(t.de_do, d)} · {fac(t.phi_prime, d)} · {fac(t.w, d)}"
                     f" = {num(t.product, dp)}")
        L.append(f"  sum = {num(de_do)}")
        for ll in range(l + 1, N):
            vals = ", ".join(f"∂e/∂{o(ll, k)} = {num(bp.de_do(ll, k))}" for k in range(1, fp.sizes[ll] + 1))
            L.append(f"  where, by Equation 12 for layer {ll}: {vals}")
    L.append("")
    L += _eq9_lines(bp)
    L.append("")
    g = ag.dW[l][i - 1][j]
    L.append(f"backward() gives ∂e/∂{name} = {num(g)}   (|difference| = {num(abs(g - value), 2)})")
    text = "\n".join(part for line in L for part in (wrap(line, width) if width else [line]))
    return Explanation(l, i, j, name, de_do, dphi, o_prev, value, g, terms, text)


def explain(
    model: Any, x: Sequence[float], target: Target, loss: str = "nll",
    l: int = 1, i: int = 1, j: int = 1, *, bias: bool = True, width: int | None = WIDTH,
) -> str:
    """The arithmetic for ∂e/∂w^ℓ_{i,j} as text: Equation 8's three factors, the Equation 12
    sum term by term, and Equation 9 at the output, every number substituted."""
    return str(explanation(model, x, target, loss, l, i, j, bias=bias, width=width))
