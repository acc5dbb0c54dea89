"""A self-contained web page that steps through ``backward()`` one node at a time.

``to_html(root, path)`` writes ONE HTML file (no CDN, works offline, from a USB stick in a
classroom): the graph, Next / Previous / Play / Reset buttons (and the arrow keys), and a
panel that prints each chain-rule update with its numbers, e.g.
``a.grad += e.grad × b.data = (-2.0)(-3.0) = 6.0``.

Everything shown is computed here in Python by ``step_through(root)``, which replays
``backward()`` exactly (same order, same float operations) on a private copy of the grads; the
page's script only swaps prepared texts, so what students see is what ``backward()`` does.

The picture is laid out here too (layered, output on the right like micrograd's drawings), so
the page needs no Graphviz and every node can be highlighted by id.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from .._files import write_text
from ..autodiff import topological_order
from ..engine import Value
from .labels import pretty

__all__ = ["Step", "step_through", "to_html"]

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
    for node in reversed(topological_order(root, leaves=False)):
        locals_ = node._local_grads
        if len(locals_) != len(node._prev):
            raise ValueError(
                f"node {_name(node, '?')!r} (op {node._op!r}) was built by hand without local "
                "derivatives, so its chain rule cannot be shown; build it with Value operations"
            )
        g = grads.get(node, 0.0)
        for child, local in zip(node._prev, locals_):
            before = grads.get(child, 0.0)
            after = before + local * g  # the very operation backward() performs
            grads[child] = after
            steps.append(Step(node, child, local, before, after))
    return steps


def to_html(
    root: Value, path: str | os.PathLike[str], title: str | None = None, *, max_nodes: int = MAX_NODES
) -> Path:
    """Write the step-through page for ``root`` to ``path`` (atomically) and return the path."""
    _check_root(root)
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
        title = f"backward() of {root.label}, step by step" if root.label else "backward(), step by step"
    elif not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str, got {type(title).__name__}")
    data = _page_data(root, nodes, step_through(root), title)
    page = _render(title, data)
    target = Path(path)
    write_text(target, page)
    return target


# ---- what the page shows --------------------------------------------------------------
def _check_root(root: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"expected a microgradnet Value, got {type(root).__name__}")


def _name(v: Value, fallback: str) -> str:
    """How formulas refer to a node: its label, bracketed when it is itself a formula."""
    name = pretty(v.label) or fallback  # w^1_{2,1} -> w¹₂,₁, as draw_dot shows it
    return name if _SIMPLE_NAME.match(name) else f"({name})"


_SIMPLE_NAME = re.compile(r"[\w^{},.#'′]+\Z")


def fmt(x: float) -> str:
    """A number as the page shows it: 4 decimals, trailing zeros trimmed (2.0, 0.7071, -1.5)."""
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    if x == 0.0:
        return "0.0"
    if 1e-3 <= abs(x) < 1e6:
        text = f"{x:.4f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return f"{x:.3e}"


def _factor(node: Value, index: int, names: dict[Value, str]) -> str:
    """The local derivative d(node)/d(child #index), in words the lecture uses."""
    op, kids = node._op, node._prev
    out = names[node]
    x = names[kids[0]]
    if op in ("+", "sum"):
        return "1"
    if op == "-":
        return "1" if index == 0 else "(-1)"
    if op == "*":
        return f"{names[kids[1 - index]]}.data"
    if op == "/":
        b = names[kids[1]]
        return f"(1 / {b}.data)" if index == 0 else f"(-{x}.data / {b}.data²)"
    if op == "**":  # Value exponent
        p = names[kids[1]]
        return f"{p}.data·{x}.data^({p}.data-1)" if index == 0 else f"{out}.data·ln({x}.data)"
    if op.startswith("**"):
        p = op[2:]
        return f"{p}·{x}.data^({p}-1)"
    if op == "dot":  # children (b, w1..wn, x1..xn): z = b + Σ w_j x_j
        n = (len(kids) - 1) // 2
        if index == 0:
            return "1"
        partner = index + n if index <= n else index - n
        return f"{names[kids[partner]]}.data"
    return {
        "neg": "(-1)",
        "abs": f"sign({x}.data)",
        "ReLU": f"[{out}.data > 0]",
        "LeakyReLU": f"({x}.data > 0 ? 1 : slope)",
        "tanh": f"(1 - {out}.data²)",
        "sigmoid": f"{out}.data·(1 - {out}.data)",
        "softplus": f"σ({x}.data)",
        "gelu": f"gelu'({x}.data)",
        "exp": f"{out}.data",
        "log": f"(1 / {x}.data)",
        "sqrt": f"(1 / (2·{out}.data))",
    }.get(op, "local")


def _rule(node: Value, names: dict[Value, str]) -> str:
    """The node's formula, e.g. 'o = tanh(n)'."""
    op, kids, out = node._op, node._prev, names[node]
    k = [names[c] for c in kids]
    infix = {"+": " + ", "-": " - ", "*": " · ", "/": " / ", "**": " ** "}
    if op in infix and len(k) == 2:
        return f"{out} = {k[0]}{infix[op]}{k[1]}"
    if op.startswith("**") and len(k) == 1:
        return f"{out} = {k[0]}{op}"
    if op == "neg":
        return f"{out} = -{k[0]}"
    if op == "sum":
        body = " + ".join(k) if len(k) <= 6 else f"{k[0]} + … + {k[-1]} ({len(k)} terms)"
        return f"{out} = {body}"
    if op == "dot":
        n = (len(k) - 1) // 2
        terms = [f"{k[j]}·{k[j + n]}" for j in range(1, n + 1)]
        body = " + ".join(terms) if n <= 4 else f"{terms[0]} + … + {terms[-1]}"
        return f"{out} = {k[0]} + {body}"
    if len(k) == 1:
        return f"{out} = {op}({k[0]})"
    return f"{out} = {op}({', '.join(k)})"


def _page_data(root: Value, nodes: list[Value], steps: list[Step], title: str) -> dict[str, Any]:
    index = {v: i for i, v in enumerate(nodes)}
    names = {v: _name(v, f"#{i}") for v, i in index.items()}
    edges: list[list[int]] = []  # [child, parent, operand position]
    edge_of: dict[tuple[int, int], int] = {}
    for v in nodes:
        for pos, c in enumerate(v._prev):
            edge_of[(index[v], pos)] = len(edges)
            edges.append([index[c], index[v], pos])

    grouped: list[dict[str, Any]] = []
    pos_in_node: dict[Value, int] = {}
    grad_texts: dict[int, list[str]] = {i: ["0.0"] for i in range(len(nodes))}
    grad_texts[index[root]] = [fmt(1.0)]
    current: dict[Value, float] = {root: 1.0}  # replayed grads: a node's is complete at its turn
    for s in steps:
        g = current.get(s.node, 0.0)
        current[s.child] = s.after
        if not grouped or grouped[-1]["node"] != index[s.node]:
            grouped.append(
                {
                    "node": index[s.node],
                    "rule": _rule(s.node, names),
                    "op": s.node._op,
                    "grad": fmt(g),
                    "updates": [],
                }
            )
            pos_in_node[s.node] = 0
        pos = pos_in_node[s.node]
        pos_in_node[s.node] = pos + 1
        node_name, child_name = names[s.node], names[s.child]
        product = s.local * g
        if s.before == 0.0:
            total = f"{child_name}.grad = {fmt(s.after)}"
        else:
            total = f"{child_name}.grad = {fmt(s.before)} + {fmt(product)} = {fmt(s.after)}"
        grouped[-1]["updates"].append(
            {
                "child": index[s.child],
                "edge": edge_of[(index[s.node], pos)],
                "formula": f"{child_name}.grad += {node_name}.grad × {_factor(s.node, pos, names)}",
                "numbers": f"= ({fmt(g)})({fmt(s.local)}) = {fmt(product)}",
                "total": total,
                "before": [fmt(s.before), repr(s.before)],
                "after": [fmt(s.after), repr(s.after)],
            }
        )
        grad_texts[index[s.child]].append(fmt(s.after))

    layout, width, height = _layout(nodes, index, grad_texts)
    node_rows = []
    for v, i in index.items():
        g0 = 1.0 if v is root else 0.0
        node_rows.append(
            {
                "name": names[v],
                "label": pretty(v.label),
                "op": v._op,
                "data": fmt(v.data),
                "dataRepr": repr(v.data),
                "grad": [fmt(g0), repr(g0)],
                **layout[i],
            }
        )
    return {
        "title": title,
        "nodes": node_rows,
        "edges": edges,
        "steps": grouped,
        "root": index[root],
        "width": width,
        "height": height,
        "geometry": {"boxH": BOX_H, "opGap": OP_GAP},
    }


# ---- layout: columns by distance from the output, rows following the consumers ----------
CHAR, PAD, BOX_H, ROW_H, OP_GAP, COL_GAP, MARGIN = 9.7, 9.0, 38.0, 56.0, 20.0, 50.0, 20.0


def _text_width(text: str) -> float:
    return len(text) * CHAR + 2 * PAD


def _layout(
    nodes: list[Value], index: dict[Value, int], grad_texts: dict[int, list[str]]
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
        label = pretty(v.label) or f"#{index[v]}"
        label = label if len(label) <= 28 else label[:27] + "…"
        fields = [
            _text_width(label),
            _text_width("data " + fmt(v.data)),
            _text_width("grad " + max(grad_texts[index[v]], key=len)),
        ]
        op_w = _text_width(v._op) if v._op else 0.0
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


