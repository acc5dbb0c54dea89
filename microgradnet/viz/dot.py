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

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from . import labels as L
from .render import Digraph

__all__ = ["trace", "draw_dot", "children", "OP_NAMES", "GRAD_COLORS"]

# How an operation reads in a picture (anything else is shown by its own name).
OP_NAMES = {"dot": "Σ w·x + b", "sum": "Σ", "neg": "−x"}

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


def draw_dot(
    root: Any,
    format: str = "svg",
    rankdir: str = "LR",
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
) -> Digraph:
    """Draw the computation graph of ``root`` (a Value, or a list of Values).

    Returns a ``graphviz.Digraph`` (a subclass that renders without a system Graphviz too):
    it displays inline in Jupyter, ``.render()``/``.pipe()`` as usual, or use
    ``microgradnet.viz.write(g, 'out.svg')``.

    - ``color='grad'`` (or ``'data'``): fill each node by the sign and size of its gradient
      (blue positive, red negative, darker = larger; colour-blind safe), with a legend.
    - ``hide='grad'``: a worksheet, every gradient but the root's left blank to fill in;
      ``answer_key=True`` draws the same picture with the answers.
    - ``number=True``: number the operations in the order ``backward()`` applies them.
    - ``clusters``: box each neuron and layer of an MLP graph ('auto': when one is found).
    - ``max_nodes``: above this many Values (or with long edges that would stall Graphviz,
      see MAX_LAYOUT), warn and draw a collapsed view: one box per neuron, per layer, or per
      kind of operation. ``None``: no limit, draw every node.
    - ``collapse='neuron'`` or ``'layer'`` forces the collapsed view.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
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

    roots = _roots(root)
    nodes, edges = trace(roots)
    hidden_nodes = _long_edge_cost(nodes) if max_nodes is None or len(nodes) <= max_nodes else 0
    too_big = max_nodes is not None and (len(nodes) > max_nodes or hidden_nodes > MAX_LAYOUT)
    if collapse is not None or too_big:
        from .collapse import draw_collapsed

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
        return draw_collapsed(
            nodes,
            edges,
            roots,
            by=collapse,
            format=format,
            rankdir=rankdir,
            max_nodes=max_nodes,
            precision=precision,
            title=title,
        )

    if title is None and hide is not None:
        title = "Answer key" if answer_key else "Fill in the gradients" if "grad" in hidden else "Worksheet"
    g = Digraph(
        name="computation_graph",
        format=format,
        graph_attr={"rankdir": rankdir},
        node_attr={"shape": "record"},
    )
    if title:
        g.attr(label=L.plain(title), labelloc="t", fontsize="18")
    if hidden_nodes > EASY_LAYOUT:
        g.attr(nslimit="2", mclimit="0.5")

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
        fields = []
        if isinstance(label, str) and label:
            fields.append(L.record_field(L.pretty(label)))
        elif label not in ("", None):
            fields.append(L.record_field(L.pretty(str(label))))
        for name, value in (("data", data), ("grad", grad)):
            if value is None and not hasattr(n, name):
                continue
            text = L.number(value, precision)
            if name in hidden and not (name == "grad" and id(n) in root_ids):
                text = "_" * max(len(text), 6)  # the answer's width: worksheet and key line up
            fields.append(L.record_field(f"{name} {text}"))
        op = str(getattr(n, "_op", "") or "")
        if id(n) in steps and not op:  # built by hand without an op name: number the value node
            fields.insert(0, L.record_field(f"step {steps[id(n)]}"))
        attrs = {"tooltip": L.plain(_tooltip(n))}
        if color is not None:
            shade = _shade(_float(getattr(n, color, 0.0)), scale)
            attrs.update(style="filled", fillcolor=GRAD_COLORS[shade])
            if shade in _DARK:
                attrs["fontcolor"] = "white"
        if id(n) in root_ids:
            attrs["penwidth"] = "2"
        container.node(uid, L.record(*fields), **attrs)
        if op:
            op_label = OP_NAMES.get(op, op)
            if id(n) in steps:
                op_label = f"{steps[id(n)]}: {op_label}"
            container.node(
                uid + "op", L.plain(op_label), shape="ellipse", tooltip=L.plain(f"{op} → {label or uid}")
            )

    structure = None
    if clusters:
        from .collapse import mlp_structure

        structure = mlp_structure(nodes, edges)
        if clusters == "auto" and not structure.neurons:
            structure = None
    if structure is not None and structure.neurons:
        by_layer: dict[int, dict[int, list[Any]]] = {}
        for n in nodes:
            key = structure.neuron_of.get(id(n))
            if key is not None:
                by_layer.setdefault(key[0], {}).setdefault(key[1], []).append(n)
        for layer in sorted(by_layer):
            with g.subgraph(name=f"cluster_layer{layer}") as lg:
                lg.attr(label=f"layer {layer}", style="rounded,dashed", color="gray40", fontsize="16")
                for neuron in sorted(by_layer[layer]):
                    with lg.subgraph(name=f"cluster_layer{layer}_neuron{neuron}") as ng:
                        ng.attr(
                            label=f"neuron {neuron} of layer {layer}",
                            style="rounded",
                            color="gray60",
                            fontsize="14",
                        )
                        for n in by_layer[layer][neuron]:
                            emit(ng, n)
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
        _legend(g, color, scale, precision)
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


def _tooltip(n: Any) -> str:
    name = getattr(n, "label", "") or "(no label)"
    parts = [f"{name}: data = {getattr(n, 'data', '?')!r}"]
    if hasattr(n, "grad"):
        parts.append(f"grad = {n.grad!r}")
    return ", ".join(parts)


def _legend(g: Digraph, field: str, scale: float, precision: int) -> None:
    """A compact column of swatches: which value each shade stands for, in the picture's numbers."""
    with g.subgraph(name="cluster_legend") as lg:
        lg.attr(label=f"{field} colour", style="rounded", color="gray60", fontsize="11")
        with lg.subgraph() as column:  # one rank: a column in LR pictures, a row in TB ones
            column.attr(rank="same")
            for k, share in enumerate((-1.0, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0)):
                value = share * scale
                shade = _shade(value, scale)
                column.node(
                    f"legend{k}",
                    L.plain(L.number(value, min(precision, 2))),
                    shape="box",
                    style="filled",
                    fillcolor=GRAD_COLORS[shade],
                    fontsize="9",
                    height="0.22",
                    width="0.6",
                    fontcolor="white" if shade in _DARK else "black",
                )
                if k:  # flat invisible edges fix the order, a number line: left to right in TB, upwards in LR
                    column.edge(f"legend{k - 1}", f"legend{k}", style="invis")
