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
from dataclasses import dataclass
from typing import Any

from .. import ops as _ops
from ..engine import Value
from ..notation import FONT, typeset
from ..walk import backward_order
from . import labels as L
from .collapse import draw_collapsed
from .display import CELL_WIDTH, MIN_TEXT_PX, fit, measure
from .options import Options
from .render import Digraph, GraphvizUnavailable, RenderError
from .structure import Structure, article_names, mlp_structure, one_layer

__all__ = ["trace", "draw_dot", "children", "backward_numbers", "GRAD_COLORS"]


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
    size: str | None = None,
    layer: int | None = None,
) -> Digraph:
    """Draw the computation graph of ``root`` (a Value, or a list of Values).

    Returns a ``graphviz.Digraph`` (a subclass that renders without a system Graphviz too):
    it displays inline in Jupyter, ``.render()``/``.pipe()`` as usual, or use
    ``microgradnet.viz.write(g, 'out.svg')``.

    Sized for the medium: in Jupyter the picture shrinks to the cell's width and is never cut
    off, and its text stays at 12 px or more (in a 1,280-px notebook). ``rankdir='auto'``
    lays it out left to right when that is legible at that width, else top to bottom (and
    says so under the picture). A graph that is legible neither way says so (a warning and a
    note under the picture) and names the readable alternatives: ``layer=ℓ`` (one layer of an
    MLP per picture) or ``collapse='neuron'``. ``rankdir='TB'`` (top to bottom) suits printed
    worksheets and tall screens; ``'LR'`` is micrograd's picture.

    - ``size='16:9'`` (1,920×1,080 px), ``'4:3'`` (1,024×768) or ``'WxH'``: for a slide or a
      projector: the direction whose text is larger on that screen, scaled to fit it.
    - ``layer=ℓ``: only layer ℓ of an MLP graph, fed by the values it reads (drawn as inputs).
    - ``fontsize``: text size in points (Graphviz's 14 by default); ``scale``: show the
      picture at this multiple of its size in Jupyter (None: fit the cell). Indices (w¹₂,₁)
      are drawn 1.35× larger than the text, so they stay legible.
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

    Unnamed partial sums of a neuron are named as the article would (``z¹₁ (j≤2)``), and a
    product shows the name of the value it reads (``w¹₁,₁·x₁`` when the input is ``x₁``).
    """
    opt = Options.check(rankdir=rankdir, color=color, hide=hide, answer_key=answer_key, max_nodes=max_nodes,
                        collapse=collapse, precision=precision, fields=fields, fontsize=fontsize,
                        scale=scale, size=size, layer=layer)
    roots = _roots(root)
    nodes, edges = trace(roots)
    cut: frozenset[int] = frozenset()
    if opt.layer is not None:
        nodes, edges, cut = one_layer(nodes, edges, opt.layer)
    hidden_nodes = _long_edge_cost(nodes, cut) if max_nodes is None or len(nodes) <= max_nodes else 0
    too_big = max_nodes is not None and (len(nodes) > max_nodes or hidden_nodes > MAX_LAYOUT)
    if collapse is not None or too_big:
        return _collapsed(nodes, edges, roots, opt, format=format, title=title, hidden_nodes=hidden_nodes)
    if title is None and hide is not None:
        title = "Answer key" if answer_key else _TITLES.get(opt.hidden, "Worksheet")
    if title is None and opt.layer is not None:
        title = f"Layer {opt.layer}"

    def build(direction: str, boxes: bool | str = clusters) -> Digraph:
        return _build(
            nodes, edges, roots, direction, format=format, color=color, hidden=opt.hidden, number=number,
            clusters=boxes, precision=precision, title=title, fields=opt.fields, fontsize=opt.fontsize,
            hidden_nodes=hidden_nodes, compact=bool(compact), cut=cut,
        )

    if opt.screen is not None:
        g = _fit_screen(build, opt.rankdir, opt.screen, opt.layer)
    elif rankdir != "auto":
        g = build(rankdir)
    else:
        g = _choose_direction(build, scale, clusters == "auto", opt.layer)
    g.scale = scale
    return g


def _collapsed(nodes: list[Any], edges: list[tuple[Any, Any]], roots: list[Any], opt: Options, *,
               format: str, title: str | None, hidden_nodes: int) -> Digraph:
    """The collapsed view, with a warning when the size of the graph (not the caller) chose it."""
    if opt.collapse is None:
        why = (
            f"the graph has {len(nodes):,} Values, more than max_nodes={opt.max_nodes}"
            if len(nodes) > opt.max_nodes  # type: ignore[operator]
            else f"the graph's {len(nodes):,} Values are joined by long edges (inputs reused far "
            "down the graph) that would keep Graphviz busy for minutes"
        )
        warnings.warn(
            f"draw_dot: {why}; drawing a collapsed view (one box per neuron, layer or operation). "
            "Pass max_nodes=None to draw every node (Graphviz may take minutes).",
            stacklevel=3,
        )
    g = draw_collapsed(
        nodes, edges, roots, by=opt.collapse, format=format,
        rankdir="LR" if opt.rankdir == "auto" else opt.rankdir,
        max_nodes=opt.max_nodes, precision=opt.precision, title=title,
    )
    g.scale = opt.scale
    return g


def _too_small(g: Digraph, text: float, where: str, layer: int | None) -> None:
    """Say (a warning and a note under the picture) that the picture cannot be read, and how to
    draw one that can."""
    if text >= MIN_TEXT_PX:
        return
    if layer is not None:  # already one layer
        how = "a larger screen (size='16:9'), one number per box (fields=('grad',)) or one box per neuron "
        how += "(collapse='neuron')"
    elif "cluster_layer" in g.source or "layer" in (g.note or ""):
        how = "draw one layer at a time (draw_dot(..., layer=1), layer=2, ...) or one box per neuron "
        how += "(collapse='neuron')"
    else:
        how = "show one number per box (fields=('grad',)) or draw a smaller part of the graph"
    small = f"its smallest text would be {text:.1f} px (under {MIN_TEXT_PX:.0f})"
    hint = f"too large to read {where}: {small}; {how}"
    g.note = f"{g.note}; {hint}" if g.note else hint
    warnings.warn(f"draw_dot: the picture is {hint}", stacklevel=4)


def _fit_screen(build: Any, rankdir: str, screen: tuple[int, int], layer: int | None) -> Digraph:
    """size=: the direction whose smallest text is larger once the picture fits the screen,
    scaled down by Graphviz to fit it (size attribute, in inches at 96 px per inch)."""
    w, h = screen
    best: tuple[float, Digraph] | None = None
    for direction in ("LR", "TB") if rankdir == "auto" else (rankdir,):
        g = build(direction)
        try:
            m = measure(g.svg_text())
        except (GraphvizUnavailable, RenderError):
            best = best or (0.0, g)
            continue
        text = m.min_text * min(1.0, w / m.width, h / m.height)
        if best is None or text > best[0]:
            best = (text, g)
    assert best is not None
    text, g = best
    g.attr(size=f"{w / 96:g},{h / 96:g}")
    if text > 0:
        _too_small(g, text, f"on a {w:,}×{h:,} screen", layer)
    return g


def _choose_direction(build: Any, scale: float | None, may_drop_boxes: bool, layer: int | None) -> Digraph:
    """Left to right when its text is legible at the notebook's width; else top to bottom when
    that is more legible; else (an MLP graph, clusters='auto') top to bottom without the neuron
    boxes when that fits. Anything but the first says so in a note under the picture. Needs one
    layout when left to right fits, two or three otherwise."""
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
        shrunk = measure(best.svg_text())
        shown_text = shrunk.min_text * min(1.0, CELL_WIDTH / shrunk.width)
        _too_small(best, shown_text, f"in a {CELL_WIDTH:,}-px cell", layer)
        return best
    except (GraphvizUnavailable, RenderError):
        return wide  # no engine to measure with: micrograd's left-to-right picture


def backward_numbers(roots: Sequence[Any], nodes: list[Any] | None = None) -> dict[int, int]:
    """Each operation's number, by id, in the order ``backward()`` applies it: 1 for the root,
    counting on (``walk.backward_order``, the one backward walk). Graphs of objects that are
    not microgradnet Values (micrograd's, a student's) are walked by :func:`trace`, whose
    order is the same. Leaves have no number. draw_dot(number=True) and the step-through page
    both name nodes by it."""
    if len(roots) == 1 and isinstance(roots[0], Value):
        ops = backward_order(roots[0])
    else:
        ops = [n for n in reversed(nodes if nodes is not None else trace(list(roots))[0]) if children(n)]
    return {id(n): k for k, n in enumerate(ops, start=1)}


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
    cut: frozenset[int] = frozenset(),
) -> Digraph:
    """The Digraph of an already traced graph, laid out in direction ``rankdir``; the nodes in
    ``cut`` are drawn as inputs (their own operands are not in the picture)."""
    font = {"fontname": FONT, "fontsize": f"{fontsize:g}"}
    g = Digraph(
        name="computation_graph",
        format=format,
        graph_attr={"rankdir": rankdir, "nodesep": "0.15", "ranksep": "0.3", "fontname": FONT},
        node_attr={"shape": "plain", **font},
        edge_attr={"fontname": FONT},
    )
    if title and color is None:
        g.attr(label=L.plain(title), labelloc="t", fontsize=f"{fontsize * 1.3:g}")
    if hidden_nodes > EASY_LAYOUT:
        g.attr(nslimit="2", mclimit="0.5")
    structure = mlp_structure(nodes, edges) if clusters else None
    if structure is not None and clusters == "auto" and not structure.neurons:
        structure = None
    scale = 0.0
    if color is not None:
        values = (abs(_float(getattr(n, color, 0.0))) for n in nodes)
        scale = max((v for v in values if math.isfinite(v)), default=0.0)
    picture = _Picture(
        index={id(n): k for k, n in enumerate(nodes)},
        roots={id(r) for r in roots},
        steps=backward_numbers(roots, nodes) if number else {},
        names=article_names(nodes, structure or mlp_structure(nodes, edges)),
        color=color, scale=scale, hidden=hidden, fields=fields, precision=precision,
        fontsize=fontsize, compact=compact, cut=cut,
    )
    if structure is not None and structure.neurons:
        _emit_clusters(g, nodes, structure, picture, rankdir in ("TB", "BT"))
    else:
        for n in nodes:
            picture.emit(g, n)
    for child, parent in edges:
        g.edge(picture.uid(child), picture.head(parent))
    for n in nodes:
        if picture.has_oval(n):
            g.edge(f"{picture.uid(n)}op", picture.uid(n))
    if color is not None:
        _legend(g, color, scale, precision, title, fontsize)
    return g


@dataclass
class _Picture:
    """What every node's drawing needs to know about the whole picture."""

    index: dict[int, int]
    roots: set[int]
    steps: dict[int, int]
    names: dict[int, str]  # article names for unlabelled partial sums and products (plain form)
    color: str | None
    scale: float
    hidden: frozenset[str]
    fields: tuple[str, ...]
    precision: int
    fontsize: float
    compact: bool
    cut: frozenset[int] = frozenset()

    def uid(self, n: Any) -> str:
        return f"v{self.index[id(n)]}"

    def has_oval(self, n: Any) -> bool:
        return bool(getattr(n, "_op", "")) and bool(children(n)) and id(n) not in self.cut

    def head(self, n: Any) -> str:
        """Where edges into ``n`` end: its operation's oval, or the node itself."""
        return self.uid(n) + ("op" if getattr(n, "_op", "") and id(n) not in self.cut else "")

    def name(self, n: Any) -> str:
        """The name shown for ``n`` (typeset): the article's when the graph leaves it unnamed."""
        label = self.names.get(id(n), getattr(n, "label", ""))
        return typeset(label if isinstance(label, str) else str(label)) if label not in ("", None) else ""

    def given(self, n: Any, field: str) -> bool:
        """Shown even on a worksheet: the root's gradient and the inputs' values."""
        return (field == "grad" and id(n) in self.roots) or (field == "data" and not children(n))

    def number_text(self, n: Any, field: str) -> str:
        text = L.number(getattr(n, field), self.precision)
        if self.compact and "." in text and "e" not in text:
            text = text.rstrip("0").rstrip(".")
            text = "0" if text == "-0" else text
        if field in self.hidden and not self.given(n, field):
            text = "_" * max(len(text), 6)  # the answer's width: worksheet and key line up
        return text

    def emit(self, container: Any, n: Any) -> None:
        """The node's table { name | data | grad } and, for a computed node, its operation's oval."""
        rows = []
        name = self.name(n)
        op = str(getattr(n, "_op", "") or "")
        if id(n) in self.steps and not op:  # built by hand without an op name: number the value node
            rows.append(L.html_text(f"step {self.steps[id(n)]}", self.fontsize))
        if name:
            rows.append(L.html_text(name, self.fontsize))
        for field in ("data", "grad"):
            if field in self.fields and (getattr(n, field, None) is not None or hasattr(n, field)):
                rows.append(L.html_text(f"{field} {self.number_text(n, field)}", self.fontsize))
        secret = {f for f in ("data", "grad")
                  if f not in self.fields or (f in self.hidden and not self.given(n, f))}
        attrs = {"tooltip": L.plain(_tooltip(n, name, secret))}  # a worksheet's tooltips give nothing away
        fill = ""
        if self.color is not None:
            shade = _shade(_float(getattr(n, self.color, 0.0)), self.scale)
            fill = GRAD_COLORS[shade]
            if shade in _DARK:
                attrs["fontcolor"] = "white"
        container.node(self.uid(n), L.html_rows(rows, fill=fill, thick=id(n) in self.roots), **attrs)
        if op and id(n) not in self.cut:
            op_label = _ops.display_name(n)
            if id(n) in self.steps:
                op_label = f"{self.steps[id(n)]}: {op_label}"
            # sized to its text (Graphviz's default oval is 0.75 in wide: a "+" took a column of
            # its own as wide as a number, 10 % of a 2-3-1 network's width)
            container.node(self.uid(n) + "op", L.plain(op_label), shape="ellipse", margin="0.05,0.03",
                           width="0.3", height="0.3", tooltip=L.plain(f"{op} → {name or self.uid(n)}"))


def _emit_clusters(
    g: Digraph, nodes: list[Any], structure: Structure, picture: _Picture, top_down: bool
) -> None:
    """A box per neuron inside a box per layer. Each layer's parameters are ranked below the
    previous layer's outputs (invisible edges), so the layers stack in bands instead of
    sliding sideways into a staircase: Graphviz puts clusters whose ranks overlap side by side.
    Boxes are declared in the order that makes Graphviz draw neuron 1 first (left, or on top)
    when nothing else decides it (one layer's picture)."""
    by_layer: dict[int, dict[int, list[Any]]] = {}
    for n in nodes:
        key = structure.neuron_of.get(id(n))
        if key is not None:
            by_layer.setdefault(key[0], {}).setdefault(key[1], []).append(n)
    # Titles are plain-text nodes inside their box, not cluster labels: Graphviz routes
    # edges around nodes, while it lets them run straight over a cluster's label.
    anchors: list[tuple[str, str]] = []
    outputs: dict[int, dict[int, str]] = {}  # layer -> neuron -> its output's node id
    for layer in sorted(by_layer):
        with g.subgraph(name=f"cluster_layer{layer}") as lg:
            lg.attr(label="", style="rounded,dashed", color="gray40", tooltip=f"layer {layer}")
            first = None
            for neuron in sorted(by_layer[layer], reverse=top_down):
                with lg.subgraph(name=f"cluster_layer{layer}_neuron{neuron}") as ng:
                    ng.attr(label="", style="rounded", color="gray60")
                    members = by_layer[layer][neuron]
                    for n in members:
                        picture.emit(ng, n)
                    # beside the neuron's output (the narrow end of its box): the title
                    # shares that rank, so it does not widen the rows of parameters
                    anchor = picture.head(members[-1])
                    outputs.setdefault(layer, {})[neuron] = picture.uid(members[-1])
                    first = first or anchor
                    title_id = f"title{layer}_{neuron}"
                    ng.node(title_id, L.plain(f"neuron {neuron} of layer {layer}"), shape="plaintext",
                            fontcolor="gray30")
                    anchors.append((anchor, title_id))
            if first is not None:
                lg.node(f"title{layer}", L.plain(f"layer {layer}"), shape="plaintext", fontcolor="gray30")
                anchors.append((first, f"title{layer}"))
    for tail, head in anchors:
        g.edge(tail, head, style="invis")
    for layer in sorted(by_layer):
        above = [uid for _, uid in sorted(outputs.get(layer - 1, {}).items())]
        if not above:
            continue
        count = len(by_layer[layer])
        for i, members in sorted(by_layer[layer].items()):
            # below the outputs of its share of the previous layer (all of them for a single
            # neuron): the bands stay centred under each other instead of drifting sideways
            lo, hi = (i - 1) * len(above) // count, max((i * len(above) + count - 1) // count, 1)
            for n in members:
                if not children(n):  # a parameter: below the layer it reads from
                    for k in range(lo, min(hi, len(above))):
                        g.edge(above[k], picture.uid(n), style="invis", minlen="2")
    for n in nodes:
        if id(n) not in structure.neuron_of:
            picture.emit(g, n)


def _long_edge_cost(nodes: list[Any], cut: frozenset[int] = frozenset()) -> int:
    """How many hidden nodes Graphviz's ranks will need: Σ over edges of the ranks skipped
    (the nodes in ``cut`` are drawn as inputs)."""
    rank: dict[int, int] = {}
    cost = 0
    for n in nodes:  # children first
        kids = children(n) if id(n) not in cut else ()
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


def _tooltip(n: Any, name: str, secret: set[str] | frozenset[str] = frozenset()) -> str:
    name = name or "(no label)"
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
