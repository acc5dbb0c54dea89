"""Computation graphs as pictures: ``trace(root)`` and ``draw_dot(root)``.

As in micrograd's lecture notebook, every Value is a record ``{ label | data | grad }`` and
every operation an oval feeding its result. Nodes are read through ``_prev``, ``_op``,
``data``, ``grad`` and ``label`` only, so micrograd's ``Value`` and a student's own class
draw too. Node ids follow the graph's topological order (operands in operand order), never
``id()``, so re-running a notebook cell produces the same DOT and the same picture.

Teaching options: colour by gradient, a fill-in-the-gradients worksheet and its answer key,
backward() step numbers, one box per neuron and per layer for MLP graphs, and a collapsed
view (``collapse.py``) when a graph is too large to draw node by node.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import graphviz

from .. import ops as _ops
from . import labels as L
from .collapse import draw_collapsed, mlp_structure
from .render import Digraph

__all__ = ["trace", "draw_dot", "children", "GRAD_COLORS"]


# Diverging, colour-blind-safe palette (ColorBrewer RdBu): negative red, positive blue.
GRAD_COLORS = {
    -4: "#b2182b",
    -3: "#d6604d",
    -2: "#f4a582",
    -1: "#fddbc7",
    0: "#f7f7f7",
    1: "#d1e5f0",
    2: "#92c5de",
    3: "#4393c3",
    4: "#2166ac",
}
_DARK = {-4, -3, 3, 4}  # shades dark enough to need white text

# Graphviz's layout time depends less on the number of nodes than on long edges (an input
# reused far down the graph), each of which becomes one hidden node per rank it crosses.
# Measured with dot 2.43: a 150-Value chain that reuses its 10 inputs at every step has
# ~8,000 such hidden nodes and took over 40 s; with nslimit/mclimit below, 1.8 s, and 7.9 s
# at 300 Values (~55,000). MLP graphs of 400 Values have about 1,500.
EASY_LAYOUT = 1_000  # hidden nodes; above this, cap Graphviz's optimisation passes
MAX_LAYOUT = 30_000  # above this, draw the collapsed view (like max_nodes)


def children(node: Any) -> tuple[Any, ...]:
    """A node's operands, in operand order. micrograd keeps them in a set, whose order changes
    from run to run, so sets are sorted by (label, op, data) to keep pictures stable."""
    prev = getattr(node, "_prev", ())
    if isinstance(prev, (set, frozenset)):
        return tuple(sorted(prev, key=_stable_key))
    return tuple(prev)


def _stable_key(node: Any) -> tuple[str, str, float]:
    data = getattr(node, "data", 0.0)
    try:
        data = float(data)
    except (TypeError, ValueError):
        data = 0.0
    return (str(getattr(node, "label", "")), str(getattr(node, "_op", "")), 0.0 if data != data else data)


def _roots(root: Any) -> list[Any]:
    if hasattr(root, "_prev") and hasattr(root, "data"):
        return [root]
    if isinstance(root, Iterable) and not isinstance(root, (str, bytes)):
        roots = list(root)
        if roots and all(hasattr(r, "_prev") and hasattr(r, "data") for r in roots):
            return roots
    raise TypeError(
        f"expected a Value (an object with .data and ._prev) or a list of Values, got {type(root).__name__}"
    )


def trace(root: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """All nodes ``root`` depends on and the edges between them, like micrograd's notebook.

    Returns ``(nodes, edges)`` as lists: nodes children-before-parents (the root last), edges
    ``(child, parent)`` grouped by parent in operand order (``a*a`` gives two edges).
    Iterative, so any depth works; ``root`` may also be a list of Values.
    """
    roots = _roots(root)
    nodes: list[Any] = []
    kids_of: dict[int, tuple[Any, ...]] = {}  # by id: a student's class may be unhashable
    done = object()
    for r in roots:
        stack: list[Any] = [r]
        while stack:
            v = stack.pop()
            if v is done:
                nodes.append(stack.pop())
                continue
            if id(v) in kids_of:
                continue
            kids = kids_of[id(v)] = children(v)
            stack.append(v)
            stack.append(done)
            stack.extend(c for c in reversed(kids) if id(c) not in kids_of)
    edges = [(c, v) for v in nodes for c in kids_of[id(v)]]
    return nodes, edges


def _hidden(hide: Any) -> frozenset[str]:
    if hide is None:
        return frozenset()
    fields = {hide} if isinstance(hide, str) else set(hide)
    unknown = fields - {"grad", "data"}
    if unknown:
        raise ValueError(f"hide= takes 'grad', 'data' or both, got {sorted(unknown)!r}")
    return frozenset(fields)


def _shade(value: float, scale: float) -> int:
    """-4..4: sign of the value, darker for a larger share of the largest magnitude."""
    if value != value or value == 0.0:
        return 0
    if math.isinf(value) or scale <= 0.0:
        return 4 if value > 0 else -4
    r = min(abs(value) / scale, 1.0)
    step = 1 if r < 0.15 else 2 if r < 0.4 else 3 if r < 0.75 else 4
    return step if value > 0 else -step


_TITLES = {
    frozenset({"grad"}): "Fill in the gradients (backward pass)",
    frozenset({"data"}): "Fill in the values (forward pass)",
    frozenset({"data", "grad"}): "Fill in the values, then the gradients",
}


def draw_dot(
    root: Any,
    format: str = "svg",
    rankdir: str = "auto",
    *,
    color: str | None = None,
    hide: str | Sequence[str] | None = None,
    answer_key: bool = False,
    number: bool = False,
    clusters: bool | str = "auto",
    max_nodes: int | None = 500,
    collapse: str | None = None,
    precision: int = 4,
    title: str | None = None,
    fields: Sequence[str] = ("data", "grad"),
    fontsize: float = 14.0,
    scale: float | None = None,
    compact: bool = False,
) -> Digraph:
    """Draw the computation graph of ``root`` (a Value, or a list of Values).

    Returns a ``graphviz.Digraph`` (a subclass that renders without a system Graphviz too):
    it displays inline in Jupyter, ``.render()``/``.pipe()`` as usual, or use
    ``microgradnet.viz.write(g, 'out.svg')``.

    Sized for the medium: in Jupyter the picture shrinks to the cell's width and is never cut
    off, and its text stays at 12 px or more (in a 1,280-px notebook). ``rankdir='auto'``
    lays it out left to right when that is legible at that width, else top to bottom (and
    says so under the picture); a graph that fits neither way is shown with 12-px text in a
    box that scrolls sideways, with a note. ``rankdir='TB'`` (top to bottom) suits printed
    worksheets and tall screens; ``'LR'`` is micrograd's picture.

    - ``fontsize``: text size in points (Graphviz's 14 by default); ``scale``: show the
      picture at this multiple of its size in Jupyter (None: fit the cell).
    - ``color='grad'`` (or ``'data'``): fill each node by the sign and size of its gradient
      (blue positive, red negative, darker = larger; colour-blind safe), with a one-line legend.
    - ``hide='grad'``: a backward worksheet, every gradient but the root's left blank;
      ``hide='data'``: a forward worksheet, every value but the inputs' (leaves) left blank;
      both: values and gradients. ``answer_key=True`` draws the same picture with the answers.
    - ``fields``: which numbers each node shows, ``('data', 'grad')`` or one of them;
      ``compact=True`` drops trailing zeros (2 rather than 2.0000, as on a worksheet).
    - ``number=True``: number the operations in the order ``backward()`` applies them.
    - ``clusters``: box each neuron and layer of an MLP graph ('auto': when one is found).
    - ``max_nodes``: above this many Values (or with long edges that would stall Graphviz,
      see MAX_LAYOUT), warn and draw a collapsed view: one box per neuron, per layer, or per
      kind of operation. ``None``: no limit, draw every node.
    - ``collapse='neuron'`` or ``'layer'`` forces the collapsed view.
    """
    if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'auto', 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if color not in (None, "grad", "data"):
        raise ValueError(f"color= takes None, 'grad' or 'data', got {color!r}")
    hidden = frozenset() if answer_key else _hidden(hide)
    if color is not None and color in hidden:
        raise ValueError(f"color={color!r} would give away the hidden {color} values; drop one of the two")
    L.check_precision(precision)
    if max_nodes is not None and (
        not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive whole number or None, got {max_nodes!r}")
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"collapse= takes None, 'neuron' or 'layer', got {collapse!r}")
    shown_fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if not shown_fields or set(shown_fields) - {"data", "grad"}:
        raise ValueError(f"fields= takes 'data', 'grad' or both, got {fields!r}")
    if isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not 4 <= fontsize <= 72:
        raise ValueError(f"fontsize must be a number of points from 4 to 72, got {fontsize!r}")
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.05 <= scale <= 20
    ):
        raise ValueError(f"scale must be None (fit the cell) or a number from 0.05 to 20, got {scale!r}")

    roots = _roots(root)
    nodes, edges = trace(roots)
    hidden_nodes = _long_edge_cost(nodes) if max_nodes is None or len(nodes) <= max_nodes else 0
    too_big = max_nodes is not None and (len(nodes) > max_nodes or hidden_nodes > MAX_LAYOUT)
    if collapse is not None or too_big:
        if collapse is None:
            why = (
                f"the graph has {len(nodes):,} Values, more than max_nodes={max_nodes}"
                if len(nodes) > max_nodes  # type: ignore[operator]
                else f"the graph's {len(nodes):,} Values are joined by long edges (inputs reused far "
                "down the graph) that would keep Graphviz busy for minutes"
            )
            warnings.warn(
                f"draw_dot: {why}; drawing a collapsed view (one box per neuron, layer or operation). "
                "Pass max_nodes=None to draw every node (Graphviz may take minutes).",
                stacklevel=2,
            )
        g = draw_collapsed(
            nodes,
            edges,
            roots,
            by=collapse,
            format=format,
            rankdir="LR" if rankdir == "auto" else rankdir,
            max_nodes=max_nodes,
            precision=precision,
            title=title,
        )
        g.scale = scale
        return g

    if title is None and hide is not None:
        title = "Answer key" if answer_key else _TITLES.get(hidden, "Worksheet")

    def build(direction: str, boxes: bool | str = clusters) -> Digraph:
        return _build(
            nodes, edges, roots, direction, format=format, color=color, hidden=hidden, number=number,
            clusters=boxes, precision=precision, title=title, fields=shown_fields,
            fontsize=float(fontsize), hidden_nodes=hidden_nodes, compact=bool(compact),
        )

    if rankdir != "auto":
        g = build(rankdir)
    else:
        g = _choose_direction(build, scale, clusters == "auto")
    g.scale = scale
    return g


def _choose_direction(build: Any, scale: float | None, may_drop_boxes: bool) -> Digraph:
    """Left to right when its text is legible at the notebook's width; else top to bottom when
    that is more legible; else (an MLP graph, clusters='auto') top to bottom without the neuron
    boxes when that fits. Anything but the first says so in a note under the picture. Needs one
    layout when left to right fits, two or three otherwise."""
    from .render import CELL_WIDTH, MIN_TEXT_PX, GraphvizUnavailable, RenderError, fit, measure

    def rank(d: Any) -> tuple[bool, float, float]:  # legible without scrolling, larger, narrower
        return d.scrolls, -round(d.text, 1), d.width

    def legible(d: Any) -> bool:
        return not d.scrolls and d.text >= MIN_TEXT_PX

    wide = build("LR")
    try:
        shown = fit(measure(wide.svg_text()), scale=scale)
        if legible(shown):
            return wide
        tall = build("TB")
        other = fit(measure(tall.svg_text()), scale=scale)
        best, best_shown = (tall, other) if rank(other) < rank(shown) else (wide, shown)
        if best is tall:
            tall.note = (
                f"drawn top to bottom: left to right it would not fit a {CELL_WIDTH:,}-px notebook cell "
                "with legible text (rankdir='LR' forces it)"
            )
        if not legible(best_shown) and may_drop_boxes and "cluster_layer" in tall.source:
            plain = build("TB", False)
            bare = fit(measure(plain.svg_text()), scale=scale)
            if legible(bare):
                plain.note = (
                    "drawn top to bottom and without the boxes around each neuron and layer, so that it "
                    f"fits a {CELL_WIDTH:,}-px notebook cell with legible text (clusters=True keeps them)"
                )
                return plain
        if not legible(fit(measure(best.svg_text()), scale=scale)) and "cluster_layer" in best.source:
            hint = "too wide for legible text in either direction; collapse='neuron' draws one box per neuron"
            best.note = f"{best.note}; {hint}" if best.note else hint
        return best
    except (GraphvizUnavailable, RenderError):
        return wide  # no engine to measure with: micrograd's left-to-right picture


def _build(
    nodes: list[Any],
    edges: list[tuple[Any, Any]],
    roots: list[Any],
    rankdir: str,
    *,
    format: str,
    color: str | None,
    hidden: frozenset[str],
    number: bool,
    clusters: bool | str,
    precision: int,
    title: str | None,
    fields: tuple[str, ...],
    fontsize: float,
    hidden_nodes: int,
    compact: bool = False,
) -> Digraph:
    """The Digraph of an already traced graph, laid out in direction ``rankdir``."""
    g = Digraph(
        name="computation_graph",
        format=format,
        graph_attr={"rankdir": rankdir, "nodesep": "0.15", "ranksep": "0.3"},
        node_attr={"shape": "record", "fontsize": f"{fontsize:g}"},
    )
    if title and color is None:
        g.attr(label=L.plain(title), labelloc="t", fontsize=f"{fontsize * 1.3:g}")
    if hidden_nodes > EASY_LAYOUT:
        g.attr(nslimit="2", mclimit="0.5")
    stacked = rankdir in ("LR", "RL")  # record fields top to bottom: narrow nodes either way

    index = {id(n): k for k, n in enumerate(nodes)}
    root_ids = {id(r) for r in roots}
    steps: dict[int, int] = {}
    if number:
        ops = [n for n in reversed(nodes) if children(n)]
        steps = {id(n): k for k, n in enumerate(ops, start=1)}
    scale = 0.0
    if color is not None:
        values = (abs(_float(getattr(n, color, 0.0))) for n in nodes)
        scale = max((v for v in values if math.isfinite(v)), default=0.0)

    def emit(container: Any, n: Any) -> None:
        uid = f"v{index[id(n)]}"
        label = getattr(n, "label", "")
        data, grad = getattr(n, "data", None), getattr(n, "grad", None)
        leaf = not children(n)
        parts = []
        if isinstance(label, str) and label:
            parts.append(L.record_field(L.pretty(label)))
        elif label not in ("", None):
            parts.append(L.record_field(L.pretty(str(label))))
        for name, value in (("data", data), ("grad", grad)):
            if name not in fields or (value is None and not hasattr(n, name)):
                continue
            text = L.number(value, precision)
            if compact and "." in text and "e" not in text:
                text = text.rstrip("0").rstrip(".")
                text = "0" if text == "-0" else text
            given = (name == "grad" and id(n) in root_ids) or (name == "data" and leaf)
            if name in hidden and not given:
                text = "_" * max(len(text), 6)  # the answer's width: worksheet and key line up
            parts.append(L.record_field(f"{name} {text}"))
        op = str(getattr(n, "_op", "") or "")
        if id(n) in steps and not op:  # built by hand without an op name: number the value node
            parts.insert(0, L.record_field(f"step {steps[id(n)]}"))
        secret = {f for f in ("data", "grad") if f not in fields or (f in hidden and not (
            (f == "grad" and id(n) in root_ids) or (f == "data" and leaf)))}
        attrs = {"tooltip": L.plain(_tooltip(n, secret))}  # a worksheet's tooltips give nothing away
        if color is not None:
            shade = _shade(_float(getattr(n, color, 0.0)), scale)
            attrs.update(style="filled", fillcolor=GRAD_COLORS[shade])
            if shade in _DARK:
                attrs["fontcolor"] = "white"
        if id(n) in root_ids:
            attrs["penwidth"] = "2"
        label_text = " | ".join(parts)
        container.node(uid, graphviz.nohtml(label_text if stacked else "{ " + label_text + " }"), **attrs)
        if op:
            op_label = _ops.display_name(n)
            if id(n) in steps:
                op_label = f"{steps[id(n)]}: {op_label}"
            container.node(
                uid + "op", L.plain(op_label), shape="ellipse", tooltip=L.plain(f"{op} → {label or uid}")
            )

    structure = None
    if clusters:
        structure = mlp_structure(nodes, edges)
        if clusters == "auto" and not structure.neurons:
            structure = None
    if structure is not None and structure.neurons:
        by_layer: dict[int, dict[int, list[Any]]] = {}
        for n in nodes:
            key = structure.neuron_of.get(id(n))
            if key is not None:
                by_layer.setdefault(key[0], {}).setdefault(key[1], []).append(n)
        # Titles are plain-text nodes inside their box, not cluster labels: Graphviz routes
        # edges around nodes, while it lets them run straight over a cluster's label.
        anchors: list[tuple[str, str]] = []
        for layer in sorted(by_layer):
            with g.subgraph(name=f"cluster_layer{layer}") as lg:
                lg.attr(label="", style="rounded,dashed", color="gray40", tooltip=f"layer {layer}")
                first_leaf = None
                for neuron in sorted(by_layer[layer]):
                    with lg.subgraph(name=f"cluster_layer{layer}_neuron{neuron}") as ng:
                        ng.attr(label="", style="rounded", color="gray60")
                        members = by_layer[layer][neuron]
                        for n in members:
                            emit(ng, n)
                        # beside the neuron's output (the narrow end of its box): the title
                        # shares that rank, so it does not widen the rows of parameters
                        last = members[-1]
                        anchor = f"v{index[id(last)]}" + ("op" if getattr(last, "_op", "") else "")
                        first_leaf = first_leaf or anchor
                        title_id = f"title{layer}_{neuron}"
                        ng.node(title_id, L.plain(f"neuron {neuron} of layer {layer}"), shape="plaintext",
                                fontcolor="gray30")
                        anchors.append((anchor, title_id))
                if first_leaf is not None:
                    lg.node(f"title{layer}", L.plain(f"layer {layer}"), shape="plaintext", fontcolor="gray30")
                    anchors.append((first_leaf, f"title{layer}"))
        for tail, head in anchors:
            g.edge(tail, head, style="invis")
        for n in nodes:
            if id(n) not in structure.neuron_of:
                emit(g, n)
    else:
        for n in nodes:
            emit(g, n)

    for child, parent in edges:
        head = f"v{index[id(parent)]}" + ("op" if getattr(parent, "_op", "") else "")
        g.edge(f"v{index[id(child)]}", head)
    for n in nodes:
        if getattr(n, "_op", "") and children(n):
            g.edge(f"v{index[id(n)]}op", f"v{index[id(n)]}")
    if color is not None:
        _legend(g, color, scale, precision, title, fontsize)
    return g


def _long_edge_cost(nodes: list[Any]) -> int:
    """How many hidden nodes Graphviz's ranks will need: Σ over edges of the ranks skipped."""
    rank: dict[int, int] = {}
    cost = 0
    for n in nodes:  # children first
        kids = children(n)
        if not kids:
            rank[id(n)] = 0
            continue
        step = 2 if getattr(n, "_op", "") else 1  # an op oval sits between operands and result
        top = 1 + max(rank[id(c)] for c in kids)
        rank[id(n)] = top - 1 + step
        cost += sum(top - 1 - rank[id(c)] for c in kids)
    return cost


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _tooltip(n: Any, secret: set[str] | frozenset[str] = frozenset()) -> str:
    name = getattr(n, "label", "") or "(no label)"
    parts = []
    if "data" not in secret:
        parts.append(f"data = {getattr(n, 'data', '?')!r}")
    if hasattr(n, "grad") and "grad" not in secret:
        parts.append(f"grad = {n.grad!r}")
    return f"{name}: " + ", ".join(parts) if parts else str(name)


def _legend(g: Digraph, field: str, scale: float, precision: int, title: str | None, fontsize: float) -> None:
    """A one-line legend under the picture (the graph's label, so it takes no rank and adds one
    line of height): which value each shade stands for, in the picture's numbers."""
    cells = []
    for share in (-1.0, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0):
        value = share * scale
        shade = _shade(value, scale)
        ink = "white" if shade in _DARK else "black"
        text = html.escape(L.number(value, min(precision, 2)))
        cells.append(f'<td bgcolor="{GRAD_COLORS[shade]}" border="1"><font color="{ink}">{text}</font></td>')
    head = ""
    if title:
        big = f"{fontsize * 1.3:g}"
        head = f'<tr><td colspan="10"><font point-size="{big}">{html.escape(L.clean(title))}</font></td></tr>'
    row = f"<tr><td>{field} colour:</td>{''.join(cells)}</tr>"
    g.attr(
        label=f'<<table border="0" cellborder="0" cellspacing="2" cellpadding="3">{head}{row}</table>>',
        labelloc="t" if title else "b",
        fontsize=f"{fontsize:g}",
    )
