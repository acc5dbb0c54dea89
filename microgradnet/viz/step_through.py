"""A self-contained web page that steps through the forward pass and ``backward()``, one node at a time.

``to_html(root, path)`` writes ONE HTML file (no CDN, works offline, from a USB stick in a
classroom): the graph, Next / Previous / Play / Reset buttons (and the keyboard), and a panel
that prints each step with its numbers. First the forward pass, in topological order: each
node's value appears with its formula and the numbers filled in, e.g.
``o = tanh(n) = tanh(0.8814) = 0.7071`` (values not yet computed are blank). Then, on the same
page, ``backward()``: each chain-rule update, e.g. ``a.grad += e.grad × b.data = (-2)(-3) = 6``.
``forward=False`` gives the backward pass alone.

Everything shown is computed here in Python: ``step_through(root)`` replays ``backward()``
exactly (same order, same float operations) on a private copy of the grads, and the forward
texts show the values the graph holds; the page's script only swaps prepared texts, so what
students see is what the engine did.

Unlabelled nodes are named as ``draw_dot(root, number=True)`` numbers them: ``#3`` is the node
whose operation ``draw_dot`` marks ``3:`` (its position in backward()'s order); an unlabelled
leaf is a constant and is named by its value.

The picture is laid out here too (layered, output on the right like micrograd's drawings), so
the page needs no Graphviz and every node can be highlighted by id. The page is made for a
projector: the view follows the current node at a readable size (an Overview shows the whole
graph; click a node there to jump to its step), the explanation sits beside the graph on wide
screens and below it otherwise, and ``f`` switches to full screen.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from .. import ops as _ops
from .._files import write_text
from ..engine import Value
from ..notation import number
from ..notation import typeset as pretty
from ..walk import backward_steps, topological_order
from .dot import backward_numbers as _numbers
from .dot import trace
from .labels import SCRIPT_SCALE, SCRIPTS
from .structure import article_names, mlp_structure

__all__ = ["Step", "step_through", "to_html", "page_data"]

_ASSETS = Path(__file__).with_name("assets")
MAX_NODES = 2000  # beyond this a page is too slow to click through and too big to read


class Step(NamedTuple):
    """One chain-rule update: ``child.grad`` goes from ``before`` to ``after = before + local·node.grad``."""

    node: Value
    child: Value
    local: float
    before: float
    after: float


def step_through(root: Value) -> list[Step]:
    """The updates ``root.backward()`` performs, in its order, starting from all grads 0.

    The Values are not modified: grads are tracked on the side, with root's grad 1.
    Consecutive steps with the same ``node`` form one click of the page.
    """
    _check_root(root)
    grads: dict[Value, float] = {root: 1.0}
    steps: list[Step] = []
    for node, _, child, local in backward_steps(root):  # the one backward walk (walk.py)
        if local is None:
            raise ValueError(
                f"node {_name(node, '?')!r} (op {node._op!r}) was built by hand without local "
                "derivatives, so its chain rule cannot be shown; build it with Value operations"
            )
        g = grads.get(node, 0.0)
        before = grads.get(child, 0.0)
        after = before + local * g  # the very operation backward() performs
        grads[child] = after
        steps.append(Step(node, child, local, before, after))
    return steps


def to_html(
    root: Value,
    path: str | os.PathLike[str],
    title: str | None = None,
    *,
    forward: bool = True,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Write the step-through page for ``root`` to ``path`` (atomically) and return the path.

    ``forward=True`` (default): the page first steps through the forward pass, then carries
    straight on into ``backward()``; ``forward=False``: the backward pass alone.
    """
    data = page_data(root, title, forward=forward, max_nodes=max_nodes)
    page = _render(data["title"], data)
    target = Path(path)
    write_text(target, page)
    return target


def page_data(
    root: Value, title: str | None = None, *, forward: bool = True, max_nodes: int = MAX_NODES
) -> dict[str, Any]:
    """Everything the page (and the slides, ``slides.py``) show, as JSON-ready data."""
    _check_root(root)
    if not isinstance(forward, bool):
        raise TypeError(f"to_html: forward must be True or False, got {forward!r}")
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes)} nodes; a step-through page is limited to {max_nodes} "
            "(pass max_nodes= to raise it, or step through a smaller example such as one neuron)"
        )
    for v in nodes:  # the page shows labels and op names as text
        if not isinstance(v.label, str) or not isinstance(v._op, str):
            raise TypeError(f"to_html: labels and op names must be str, got label={v.label!r}, op={v._op!r}")
    if title is None:
        what = "the forward pass and backward()" if forward else "backward()"
        title = f"{what} of {pretty(root.label)}, step by step" if root.label else f"{what}, step by step"
        title = title[0].upper() + title[1:]
    elif not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str, got {type(title).__name__}")
    return _page_data(root, nodes, step_through(root), title, forward)


# ---- what the page shows --------------------------------------------------------------
def _check_root(root: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"expected a microgradnet Value, got {type(root).__name__}")


def _name(v: Value, fallback: str) -> str:
    """How formulas refer to a node: its label, bracketed when it is itself a formula."""
    name = pretty(v.label) or fallback  # w^1_{2,1} -> w¹₂,₁, as draw_dot shows it
    return name if _SIMPLE_NAME.match(name) else f"({name})"


_SIMPLE_NAME = re.compile(r"[\w^{},.#'′]+\Z")


def backward_numbers(root: Value) -> dict[Value, int]:
    """Each operation's number in ``draw_dot(root, number=True)`` (``dot.backward_numbers``,
    computed once there): 1 for the root, counting on in backward()'s order."""
    by_id = _numbers([root])
    return {v: by_id[id(v)] for v in topological_order(root, leaves=False)}


def _names(root: Value, nodes: list[Value]) -> tuple[dict[Value, str], dict[Value, str]]:
    """Every node's name in formulas, and in its box (unbracketed): the article's name draw_dot
    shows (a neuron's partial sum ``z¹₁ (j≤1)``, a product ``w¹₁,₁·x₁``); else its label; else
    ``#k`` as draw_dot(number=True) numbers it; else (an unlabelled leaf, a constant) its
    value in brackets, e.g. ``(2)``."""
    numbers = backward_numbers(root)
    traced, edges = trace(root)
    article = article_names(traced, mlp_structure(traced, edges))
    names: dict[Value, str] = {}
    boxes: dict[Value, str] = {}
    for v in nodes:
        if id(v) in article:
            boxes[v] = pretty(article[id(v)])
            names[v] = boxes[v] if _SIMPLE_NAME.match(boxes[v]) else f"({boxes[v]})"
            continue
        if v.label or v in numbers:
            names[v] = _name(v, f"#{numbers.get(v, '?')}")
        else:
            names[v] = f"({number(v.data)})"
        boxes[v] = pretty(v.label) or names[v].removeprefix("(").removesuffix(")")
    return names, boxes


def _operand(x: float) -> str:
    """A number inside a formula (``notation.number``: 4 significant digits, as everywhere):
    negative ones bracketed, so ``2 · (-3)`` reads right."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


_SENTINEL = "\ue000"  # stands for the node itself while its formula is filled in with numbers


def _right_side(text: str, name: str) -> str:
    """``o = tanh(n)`` -> ``tanh(n)``: the formula without the node's own name."""
    prefix = f"{name} = "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _forward_rows(
    nodes: list[Value], names: dict[Value, str], index: dict[Value, int], edge_of: dict[tuple[int, int], int]
) -> list[dict[str, Any]]:
    """One forward step per operation, in topological order: its formula with names, then the
    same formula with the operands' numbers filled in (``describe_forward`` with numbers for names)."""
    numbers = {v: _operand(v.data) for v in nodes}
    rows = []
    for v in nodes:
        if not v._prev:
            continue
        numbers[v] = _SENTINEL
        filled = _right_side(_ops.describe_forward(v, numbers), _SENTINEL)
        numbers[v] = _operand(v.data)
        rows.append(
            {
                "node": index[v],
                "formula": f"{names[v]} = {_right_side(_ops.describe_forward(v, names), names[v])}",
                "numbers": f"= {filled} = {number(v.data)}",
                "op": _ops.display_name(v),
                "children": sorted({index[c] for c in v._prev}),
                "edges": [edge_of[(index[v], pos)] for pos in range(len(v._prev))],
                "value": [number(v.data), repr(v.data)],
            }
        )
    return rows


def _page_data(
    root: Value, nodes: list[Value], steps: list[Step], title: str, forward: bool
) -> dict[str, Any]:
    index = {v: i for i, v in enumerate(nodes)}
    names, boxes = _names(root, nodes)
    edges: list[list[int]] = []  # [child, parent, operand position]
    edge_of: dict[tuple[int, int], int] = {}
    for v in nodes:
        for pos, c in enumerate(v._prev):
            edge_of[(index[v], pos)] = len(edges)
            edges.append([index[c], index[v], pos])

    grouped: list[dict[str, Any]] = []
    pos_in_node: dict[Value, int] = {}
    grad_texts: dict[int, list[str]] = {i: ["0.0"] for i in range(len(nodes))}
    grad_texts[index[root]] = [number(1.0)]
    current: dict[Value, float] = {root: 1.0}  # replayed grads: a node's is complete at its turn
    for s in steps:
        g = current.get(s.node, 0.0)
        current[s.child] = s.after
        if not grouped or grouped[-1]["node"] != index[s.node]:
            grouped.append(
                {
                    "node": index[s.node],
                    "rule": _ops.describe_forward(s.node, names),
                    "op": _ops.display_name(s.node),
                    "grad": number(g),
                    "updates": [],
                }
            )
            pos_in_node[s.node] = 0
        pos = pos_in_node[s.node]
        pos_in_node[s.node] = pos + 1
        node_name, child_name = names[s.node], names[s.child]
        product = s.local * g
        if s.before == 0.0:
            total = f"{child_name}.grad = {number(s.after)}"
        else:
            total = f"{child_name}.grad = {number(s.before)} + {number(product)} = {number(s.after)}"
        grouped[-1]["updates"].append(
            {
                "child": index[s.child],
                "edge": edge_of[(index[s.node], pos)],
                "formula": f"{child_name}.grad += {node_name}.grad × "
                f"{_ops.describe_local(s.node, pos, names)}",
                "numbers": f"= ({number(g)})({number(s.local)}) = {number(product)}",
                "total": total,
                "before": [number(s.before), repr(s.before)],
                "after": [number(s.after), repr(s.after)],
            }
        )
        grad_texts[index[s.child]].append(number(s.after))

    # in the box: the label as typed (unbracketed), else the same #k / constant as in formulas
    shown = boxes
    layout, width, height = _layout(nodes, index, grad_texts, shown)
    node_rows = []
    for v, i in index.items():
        g0 = 1.0 if v is root else 0.0
        node_rows.append(
            {
                "name": names[v],
                "label": pretty(v.label),
                "op": _ops.display_name(v),
                "leaf": not v._prev,
                "data": [number(v.data), repr(v.data)],
                "grad": [number(g0), repr(g0)],
                **layout[i],
            }
        )
    return {
        "title": title,
        "nodes": node_rows,
        "edges": edges,
        "forward": _forward_rows(nodes, names, index, edge_of) if forward else [],
        "steps": grouped,
        "root": index[root],
        "width": width,
        "height": height,
        # the characters drawn larger as indices, and how much larger: one rule with draw_dot's
        "geometry": {"boxH": BOX_H, "opGap": OP_GAP, "scripts": "".join(sorted(SCRIPTS)),
                     "scriptScale": SCRIPT_SCALE},
    }


# ---- layout: columns by distance from the output, rows following the consumers ----------
CHAR, PAD, BOX_H, ROW_H, OP_GAP, COL_GAP, MARGIN = 10.3, 9.0, 38.0, 56.0, 20.0, 50.0, 20.0


def _text_width(text: str) -> float:
    """Monospace: every character one advance, indices 1.35 (drawn larger, step_through.css)."""
    scripts = sum(ch in SCRIPTS for ch in text)
    return (len(text) + (SCRIPT_SCALE - 1) * scripts) * CHAR + 2 * PAD


def _layout(
    nodes: list[Value], index: dict[Value, int], grad_texts: dict[int, list[str]], shown: dict[Value, str]
) -> tuple[list[dict[str, Any]], float, float]:
    """Place each node: column = longest path to the output (output rightmost), rows in a
    column ordered and positioned by the mean row of the nodes that use them (tree-like)."""
    depth: dict[Value, int] = {v: 0 for v in nodes}
    parents: dict[Value, list[Value]] = {v: [] for v in nodes}
    for v in reversed(nodes):  # parents before children
        for c in v._prev:
            depth[c] = max(depth[c], depth[v] + 1)
            parents[c].append(v)
    deepest = max(depth.values())
    columns: list[list[Value]] = [[] for _ in range(deepest + 1)]
    for v in nodes:
        columns[deepest - depth[v]].append(v)

    boxes: dict[Value, dict[str, Any]] = {}
    for v in nodes:
        label = shown[v]
        label = label if len(label) <= 28 else label[:27] + "…"
        fields = [
            _text_width(label),
            _text_width("data " + number(v.data)),
            _text_width("grad " + max(grad_texts[index[v]], key=len)),
        ]
        op_w = _text_width(_ops.display_name(v)) if v._op else 0.0
        boxes[v] = {"text": label, "fields": fields, "box": sum(fields), "opw": op_w}

    y: dict[Value, float] = {}
    for col in reversed(columns):  # the output's column first; every parent is placed before
        desired = {v: (sum(y[p] for p in parents[v]) / len(parents[v]) if parents[v] else 0.0) for v in col}
        col.sort(key=lambda v: (desired[v], index[v]))
        placed: list[float] = []
        for v in col:
            placed.append(max(desired[v], placed[-1] + ROW_H) if placed else desired[v])
        shift = sum(desired[v] - p for v, p in zip(col, placed)) / len(col)
        for v, p in zip(col, placed):
            y[v] = p + shift

    top = min(y.values())
    x = MARGIN
    out: list[dict[str, Any]] = [{} for _ in nodes]
    for col in columns:
        op_w = max(boxes[v]["opw"] for v in col)
        box_w = max(boxes[v]["box"] for v in col)
        for v in col:
            b = boxes[v]
            out[index[v]] = {
                "x": round(x + op_w + (OP_GAP if op_w else 0.0), 1),
                "y": round(y[v] - top + MARGIN, 1),
                "fields": [round(f, 1) for f in b["fields"]],
                "opw": round(b["opw"], 1),
                "text": b["text"],
            }
        x += op_w + (OP_GAP if op_w else 0.0) + box_w + COL_GAP
    width = x - COL_GAP + MARGIN
    height = max(y.values()) - top + BOX_H + 2 * MARGIN
    return out, round(width, 1), round(height, 1)


# ---- the file ---------------------------------------------------------------------------
def _render(title: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    # Inside <script> only "</" could end the element early; escape every markup character.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    css = (_ASSETS / "step_through.css").read_text(encoding="utf-8")
    js = (_ASSETS / "step_through.js").read_text(encoding="utf-8")
    template = (_ASSETS / "step_through.html").read_text(encoding="utf-8")
    parts = {"TITLE": html.escape(title), "CSS": css, "DATA": payload, "JS": js}
    # One pass, so a label that happens to contain "{{JS}}" is never expanded.
    return re.sub(r"\{\{(TITLE|CSS|DATA|JS)\}\}", lambda m: parts[m.group(1)], template)


