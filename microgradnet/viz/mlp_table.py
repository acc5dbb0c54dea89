"""The table that ``draw_mlp`` puts beside a network too large for labels on its edges.

One block per layer ℓ: row i is neuron i, its bias b^ℓ_i first and then w^ℓ_{i,1}, …, as the
article writes W^ℓ (a bias is the weight on a constant input 1); with gradients, their ∂e/∂
twins follow in the same row. Numbers are right-aligned and coloured by sign like the edges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..notation import typeset
from . import labels as L
from .dot import GRAD_COLORS
from .render import Digraph

__all__ = ["Blocks", "table_rows", "table_size", "table_nodes", "ems", "POSITIVE", "NEGATIVE"]

POSITIVE, NEGATIVE = GRAD_COLORS[4], GRAD_COLORS[-4]
_EM = 0.64  # average advance of a digit, a sign or a letter in em (DejaVu Sans digits: 0.636)
Blocks = list[tuple[str, list[list[str]]]]  # per layer: caption, then a header row and a row per neuron
_SCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹ⁱʲᵏˡ₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗ,")  # narrow: about 0.6 of a digit


def ems(text: str) -> float:
    """The width of ``text`` in em, roughly (a digit is ``_EM``)."""
    return sum(0.6 if ch in _SCRIPTS else 1.0 for ch in text) * _EM


def table_rows(layers: list[list[Any]], show_grads: bool, grad_of: Callable[[Any], float],
               fmt: Callable[[float], str]) -> Blocks:
    """Per layer ℓ: a caption and the rows i of [b^ℓ_i, w^ℓ_{i,1}, …] (and their ∂e/∂ twins)."""
    blocks = []
    for ell, neurons in enumerate(layers, start=1):
        columns = range(1, len(neurons[0].w) + 1)
        names = [f"b^{ell}_{{i}}"] + [f"w^{ell}_{{i,{j}}}" for j in columns]
        header = ["i"] + [typeset(n) for n in names]
        if show_grads:
            header += [f"∂e/∂{typeset(n)}" for n in names]
        rows = [header]
        for i, n in enumerate(neurons, start=1):
            params = [n.b, *n.w]
            row = [str(i)] + [fmt(p.data) for p in params]
            if show_grads:
                row += [fmt(grad_of(p)) for p in params]
            rows.append(row)
        then = ", then their ∂e/∂" if show_grads else ""
        blocks.append((f"layer {ell}: row i is neuron i; its bias and weights{then}", rows))
    return blocks


def table_size(blocks: Blocks, small: float) -> tuple[float, float]:
    """(w, h) in inches of the table ``table_nodes`` draws at ``small`` points."""
    em, row = small / 72, 1.2 * small / 72
    widths, height = [], 0.0
    for caption, rows in blocks:
        widths.append(sum(max(ems(r[k]) for r in rows) * em + 8 / 72 for k in range(len(rows[0]))))
        widths.append(ems(caption) * em)
        height += (1.2 + 1.25 + 1.1 * (len(rows) - 1) + 0.8) * row
    return max(widths), height


def _pos(xy: tuple[float, float]) -> str:
    return f"{xy[0]:.3f},{xy[1]:.3f}!"


def table_nodes(g: Digraph, blocks: Blocks, small: float, size: tuple[float, float],
                centre: tuple[float, float]) -> None:
    """The weights as a table of pinned text nodes, one column of a layer per node (so every
    engine draws it: no HTML labels, which some Graphviz builds lack), numbers right-aligned and
    in their sign's colour: a column is two overlaid nodes, one with the positive numbers and one
    with the negative, each leaving the other's lines blank."""
    em, row = small / 72, 1.2 * small / 72  # Graphviz's line pitch is 1.2 × the font size
    left, top = centre[0] - size[0] / 2, centre[1] + size[1] / 2
    cell = {"fixedsize": "true", "fontsize": f"{small:g}", "margin": "0.04,0", "penwidth": "0.6",
            "color": "#c8ccd4"}
    for b, (caption, rows) in enumerate(blocks):
        width = ems(caption) * em
        g.node(f"t{b}", L.plain(caption) + "\\l", shape="plaintext", style="", width=f"{width:.3f}",
               height=f"{row:.3f}", pos=_pos((left + width / 2, top - row / 2)),
               **{k: v for k, v in cell.items() if k != "color"})
        x, y = left, top - row * 1.2
        for k in range(len(rows[0])):
            w = max(ems(r[k]) for r in rows) * em + 8 / 72
            column = [r[k] for r in rows[1:]]
            g.node(f"t{b}h{k}", L.plain(rows[0][k]), shape="box", style="filled", fillcolor="#f0f2f5",
                   width=f"{w:.3f}", height=f"{row * 1.25:.3f}", pos=_pos((x + w / 2, y - row * 0.625)),
                   **cell)
            body = (x + w / 2, y - row * 1.25 - len(column) * row * 0.55)
            box = {"width": f"{w:.3f}", "height": f"{len(column) * row * 1.1:.3f}", "pos": _pos(body)}
            if k == 0:  # the row numbers i
                g.node(f"t{b}c{k}", L.plain("\n".join(column)), shape="box", style="filled",
                       fillcolor="#f0f2f5", **box, **cell)
            else:
                for sign, colour in (("p", POSITIVE), ("n", NEGATIVE)):
                    # a no-break space, not an empty line: Graphviz gives empty lines another height
                    lines = [t if t.startswith("-") == (sign == "n") else "\u00a0" for t in column]
                    text = "".join(L.plain(t) + "\\r" for t in lines)
                    g.node(f"t{b}c{k}{sign}", text, shape="box" if sign == "p" else "plaintext",
                           style="", fontcolor=colour, **box, **cell)
            x += w
        top = y - row * 1.25 - len(rows[1:]) * row * 1.1 - row * 0.8
