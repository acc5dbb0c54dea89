"""``draw_mlp(model)``: a network as the article draws it, neurons in columns joined by weights.

Column 0 holds the inputs o⁰_j, column ℓ the neurons of layer ℓ (o^ℓ_i, the last layer ŷ_i).
The edge from o^{ℓ-1}_j to neuron i of layer ℓ is the weight w^ℓ_{i,j}: its width grows
with |w| and its colour gives the sign (blue positive, red negative, as in ``draw_dot``).
Works for microgradnet's and micrograd's MLP (anything with ``layers[].neurons[].w/.b``).

Every gradient is named for what it is: ∂e/∂b and ∂e/∂w (after your ``backward()``), or, for
one sample (``x=``, ``target=``), ∂e/∂o on the neurons — never a bare "grad". Small networks
carry each weight on its edge; larger ones list them in a table beside the picture (W^ℓ row by
row, as the article writes it), so a PNG shows every number, or label one neuron's edges
(``focus=(ℓ, i)``).

Made for projection: one font with every glyph the labels use (``notation.FONT``); weight
labels sit on their own edge where they overlap no other label and no neuron; the layout runs
left to right or top to bottom, whichever fills a 16:9 slide better (``rankdir='auto'``).

The drawing is made in three steps: **measure** (every text and the size it needs), **place**
(where each neuron, label and the table go) and **emit** (the Graphviz source).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..notation import FONT, number, typeset
from . import labels as L
from .mlp_table import NEGATIVE, POSITIVE, Blocks, ems, table_nodes, table_rows, table_size
from .render import Digraph

__all__ = ["draw_mlp", "SLIDE", "FONT"]

_LABELLED_EDGES = 24  # up to this many weights, each edge carries its value
_TABLE_LIMIT = 400  # up to this many weights, table='auto' lists them beside the picture ...
_LEGIBLE = 12.0  # ... if its text stays this many px high on a 1920 × 1080 slide
SLIDE = (1920, 1080)  # px: the 16:9 slide that rankdir='auto' fits
_Key = tuple[int, int, int]  # (ℓ, i, j) of a weight
_Spot = tuple[int, int]  # (layer, index) of a neuron; layer 0 holds the inputs


# ---- options and the model ------------------------------------------------------------------
def _check_options(rankdir: object, precision: object, max_edges: object, fontsize: object,
                   scale: object, table: object) -> None:
    if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'auto', 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    L.check_precision(precision)
    if max_edges is not None and (
        not isinstance(max_edges, int) or isinstance(max_edges, bool) or max_edges < 1
    ):
        raise ValueError(f"max_edges must be a positive whole number or None, got {max_edges!r}")
    if isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not 4 <= fontsize <= 72:
        raise ValueError(f"fontsize must be a number of points from 4 to 72, got {fontsize!r}")
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.05 <= scale <= 20
    ):
        raise ValueError(f"scale must be None (fit the cell) or a number from 0.05 to 20, got {scale!r}")
    if table not in ("auto", True, False):
        raise ValueError(f"draw_mlp: table must be 'auto', True or False, got {table!r}")


def _layers(model: Any) -> list[list[Any]]:
    try:
        layers = [list(layer.neurons) for layer in model.layers]
        for neurons in layers:
            for n in neurons:
                n.w, n.b  # noqa: B018 - duck-typing check
    except (AttributeError, TypeError):
        raise TypeError(
            f"draw_mlp expects an MLP (with .layers[].neurons[].w and .b), got {type(model).__name__}"
        ) from None
    if not layers or not layers[0]:
        raise ValueError("draw_mlp: the model has no layers")
    return layers


def _activation(neuron: Any, last: bool) -> str:
    act = getattr(neuron, "act", None)
    if act is None:  # micrograd's Neuron: nonlin=True means ReLU
        act = "relu" if getattr(neuron, "nonlin", not last) else "linear"
    return str(act)


def _numbers(name: str, values: Any, size: int) -> list[float]:
    items = values if isinstance(values, (list, tuple)) else [values]
    try:
        out = [float(getattr(v, "data", v)) for v in items]
    except (TypeError, ValueError):
        raise TypeError(f"draw_mlp: {name}= must be numbers, got {values!r}") from None
    if len(out) != size:
        raise ValueError(f"draw_mlp: {name}= needs {size} numbers, got {len(out)}")
    return out


def _check_focus(focus: object, sizes: list[int]) -> _Spot | None:
    if focus is None:
        return None
    ok = isinstance(focus, tuple) and len(focus) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in focus)
    if not ok or not 1 <= focus[0] < len(sizes) or not 1 <= focus[1] <= sizes[focus[0]]:  # type: ignore[index]
        raise ValueError(f"draw_mlp: focus must be (layer, neuron), counted from 1, got {focus!r}")
    return focus  # type: ignore[return-value]


@dataclass
class _Sample:
    """One input through the network: each neuron's o and, with a target, ∂e/∂o and ∂e/∂p."""

    values: list[list[float]]
    output_grads: list[list[float]] | None = None
    error: float | None = None
    param_grads: dict[int, float] = field(default_factory=dict)


def _evaluate(model: Any, layers: list[list[Any]], x: list[float], target: list[float] | None) -> _Sample:
    """Each neuron's output for ``x`` (a Value per neuron, layer by layer) and, with a target, the
    error e = Σ(ŷ - y)² after its backward(): neuron grads are ∂e/∂o, weight grads ∂e/∂w for this
    one sample. The model's own .grad values are put back afterwards."""
    from ..engine import Value

    params = [p for neurons in layers for n in neurons for p in [*n.w, n.b]]
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    try:
        outputs: list[list[Any]] = []
        current: list[Any] = [Value(v) for v in x]
        for neurons, layer in zip(layers, model.layers):
            out = layer(current)
            current = list(out) if isinstance(out, (list, tuple)) else [out]
            if len(current) != len(neurons):
                raise ValueError("draw_mlp: a layer returned more or fewer outputs than it has neurons")
            outputs.append(current)
        sample = _Sample([[float(o.data) for o in layer] for layer in outputs])
        if target is not None:
            e = sum(((o - t) ** 2 for o, t in zip(outputs[-1], target)), Value(0.0))
            e.backward()
            sample.error = float(e.data)
            sample.output_grads = [[float(o.grad) for o in layer] for layer in outputs]
            sample.param_grads = {id(p): float(p.grad) for p in params}
        return sample
    finally:
        for p, g in zip(params, saved):
            p.grad = g


# ---- measure: every text, and how much room it needs ----------------------------------------
@dataclass
class _Content:
    """What the picture says, and the size of its parts in inches."""

    sizes: list[int]
    pt: float
    title: str
    column_titles: list[str]
    neurons: dict[_Spot, list[str]]
    tips: dict[_Spot, str]
    drawn: list[tuple[_Key, float, str]]  # (ℓ, i, j), w, tooltip
    biggest: float
    edge_text: dict[_Key, list[str]]
    table: Blocks | None  # per layer: caption, header + rows of cells
    boxes: bool = False
    diameter: float = 0.6
    node_h: float = 0.6
    label_size: tuple[float, float] = (0.0, 0.0)
    table_size: tuple[float, float] = (0.0, 0.0)
    focus: _Spot | None = None  # the neuron whose incoming edges are labelled; the others fade

    @property
    def small(self) -> float:  # points: edge labels and the table
        return self.pt * 0.9


def _text_size(lines: list[str], size: float) -> tuple[float, float]:
    """Inches (w, h) of ``lines`` at ``size`` points."""
    return max(ems(s) for s in lines) * size / 72, len(lines) * 1.2 * size / 72


def _sized(c: _Content) -> _Content:
    """Fill in the sizes of the neurons, the edge labels and the table."""
    c.boxes = max(c.sizes) > 8  # wide layers: rounded boxes, as narrow as their text, not circles
    text_w = max(_text_size(v, c.pt)[0] for v in c.neurons.values())
    text_h = max(_text_size(v, c.pt)[1] for v in c.neurons.values())
    c.diameter = max(text_w + 0.2, 0.6) if c.boxes else max(max(text_w, text_h) + 0.2, 0.6)
    c.node_h = text_h + 0.2 if c.boxes else c.diameter
    if c.edge_text:
        longest = max(c.edge_text.values(), key=lambda v: max(map(len, v)))
        w, h = _text_size(longest, c.small)
        c.label_size = (w + 0.08, h + 0.08)
    if c.table:
        c.table_size = table_size(c.table, c.small)
    return c


def _measure(model: Any, layers: list[list[Any]], *, grads: bool, x: Any, target: Any, precision: int,
             max_edges: int | None, fontsize: float, table: object, focus: object) -> _Content:
    """Evaluate (with x=/target=) and write every text of the picture."""
    sizes = [len(layers[0][0].w)] + [len(neurons) for neurons in layers]
    inputs = _numbers("x", x, sizes[0]) if x is not None else None
    targets = None
    if target is not None:
        if inputs is None:
            raise ValueError("draw_mlp: target= needs x= (the input whose error to back-propagate)")
        targets = _numbers("target", target, sizes[-1])
    spot = _check_focus(focus, sizes)
    sample = _evaluate(model, layers, inputs, targets) if inputs is not None else None

    def fmt(v: float) -> str:
        return number(v, decimals=precision)

    def grad_of(p: Any) -> float:
        return sample.param_grads[id(p)] if sample and sample.param_grads else float(getattr(p, "grad", 0.0))

    show_grads = grads or bool(sample and sample.param_grads)
    weights = [((ell, i, j), w) for ell, neurons in enumerate(layers, start=1)
               for i, neuron in enumerate(neurons, start=1) for j, w in enumerate(neuron.w, start=1)]
    drawn = _strongest(weights, max_edges)
    tips = {key: f"{typeset(f'w^{key[0]}_{{{key[1]},{key[2]}}}')} = {float(w.data)!r}"
            + (f", ∂e/∂w = {grad_of(w)!r}" if show_grads else "") for key, w in drawn}
    labelled = len(drawn) <= _LABELLED_EDGES
    edge_text = {key: [fmt(w.data)] + ([f"∂e/∂w {fmt(grad_of(w))}"] if show_grads else [])
                 for key, w in drawn if labelled or (spot is not None and key[:2] == spot)}
    want_table = table is True or (table == "auto" and not labelled and len(weights) <= _TABLE_LIMIT)
    title = f"MLP {' → '.join(map(str, sizes))}"
    if inputs is not None:
        title += f" at x = ({', '.join(fmt(v) for v in inputs)})"
    if sample is not None and sample.error is not None:
        title += f", e = Σ(ŷ − y)² = {number(sample.error, decimals=precision + 1)}"
    n_layers = len(layers)
    column_titles = ["input"] + [
        (f"output ({_activation(n[0], True)})" if ell == n_layers
         else f"layer {ell} ({_activation(n[0], False)})")
        for ell, n in enumerate(layers, start=1)
    ]
    neurons, neuron_tips = _neuron_texts(layers, inputs, sample, show_grads, grad_of, fmt)
    content = _Content(
        sizes=sizes, pt=float(fontsize), title=title, column_titles=column_titles, neurons=neurons,
        tips=neuron_tips, drawn=[(key, float(w.data), tips[key]) for key, w in drawn],
        biggest=max((abs(float(w.data)) for _, w in weights), default=0.0) or 1.0, edge_text=edge_text,
        table=table_rows(layers, show_grads, grad_of, fmt) if want_table else None, focus=spot,
    )
    return _sized(content)


def _strongest(weights: list[tuple[_Key, Any]], max_edges: int | None) -> list[tuple[_Key, Any]]:
    """All weights, or past ``max_edges`` (with a warning) the ``max_edges`` largest in size."""
    if max_edges is None or len(weights) <= max_edges:
        return weights
    warnings.warn(
        f"draw_mlp: {len(weights):,} weights is too many to draw legibly; drawing the {max_edges:,} "
        "largest (pass max_edges=None to draw all)",
        stacklevel=4,
    )
    keep = {id(w) for _, w in sorted(weights, key=lambda t: -abs(float(t[1].data)))[:max_edges]}
    return [t for t in weights if id(t[1]) in keep]


def _neuron_texts(layers: list[list[Any]], inputs: list[float] | None, sample: _Sample | None,
                  show_grads: bool, grad_of: Callable[[Any], float], fmt: Callable[[float], str],
                  ) -> tuple[dict[_Spot, list[str]], dict[_Spot, str]]:
    """Each neuron's lines (name, then o and ∂e/∂o for a sample, else b and ∂e/∂b) and tooltip."""
    lines: dict[_Spot, list[str]] = {}
    tips: dict[_Spot, str] = {}
    for j in range(1, len(layers[0][0].w) + 1):
        lines[0, j] = [typeset(f"x_{j}")] + ([fmt(inputs[j - 1])] if inputs is not None else [])
        tips[0, j] = typeset(f"input o^0_{j} = x_{j}") + (f" = {inputs[j - 1]!r}" if inputs else "")
    for ell, neurons in enumerate(layers, start=1):
        last = ell == len(layers)
        for i, neuron in enumerate(neurons, start=1):
            text = [typeset(f"ŷ_{i}" if last else f"o^{ell}_{i}")]
            b = typeset(f"b^{ell}_{i}")
            tip = f"neuron {i} of layer {ell}: {b} = {neuron.b.data!r}"
            if show_grads:
                tip += f", ∂e/∂{b} = {grad_of(neuron.b)!r}"
            if sample is not None:
                o = sample.values[ell - 1][i - 1]
                text.append(fmt(o))
                tip += f"; o = {o!r}"
                if sample.output_grads is not None:
                    text.append(f"∂e/∂o {fmt(sample.output_grads[ell - 1][i - 1])}")
                    tip += f", ∂e/∂o = {sample.output_grads[ell - 1][i - 1]!r}"
            else:
                text.append(f"b {fmt(neuron.b.data)}")
                if show_grads:
                    text.append(f"∂e/∂b {fmt(grad_of(neuron.b))}")
            lines[ell, i], tips[ell, i] = text, tip
    return lines, tips


# ---- place: where everything goes ------------------------------------------------------------
@dataclass
class _Layout:
    """Positions in inches. "along" runs from the inputs to the output, "across" over a layer."""

    content: _Content
    direction: str
    dx: float
    dy: float
    labels: dict[_Key, tuple[float, float]] = field(default_factory=dict)

    def point(self, column: float, row: float) -> tuple[float, float]:
        tallest = max(self.content.sizes)
        along, across = column * self.dx, ((tallest + 1) / 2 - row) * self.dy
        if self.direction in ("RL", "BT"):
            along = -along
        return (along, across) if self.direction in ("LR", "RL") else (-across, -along)

    def centre(self, layer: int, index: float) -> tuple[float, float]:
        """Neuron ``index`` of ``layer``; a short column is centred on the tallest one."""
        return self.point(layer, index + (max(self.content.sizes) - self.content.sizes[layer]) / 2)

    def table_spot(self) -> tuple[float, float]:
        """The table's centre: to the right of the network, halfway down."""
        c = self.content
        spots = [self.centre(ell, k) for ell, n in enumerate(c.sizes) for k in range(1, n + 1)]
        xs, ys = [x for x, _ in spots], [y for _, y in spots]
        return max(xs) + c.diameter / 2 + 0.3 + c.table_size[0] / 2, (min(ys) + max(ys)) / 2


def _extent(c: _Content, direction: str, gap: float, dy: float) -> tuple[float, float]:
    """The picture's (w, h) in inches, table included."""
    n_layers, tallest = len(c.sizes) - 1, max(c.sizes)
    along = n_layers * gap + c.diameter + 0.4
    across = (tallest - 1) * dy + c.diameter + 0.9  # + the column titles
    w, h = (along, across) if direction in ("LR", "RL") else (across + 0.6, along + 0.5)
    if c.table:
        w, h = w + 0.3 + c.table_size[0], max(h, c.table_size[1])
    return w, h


def _gaps(c: _Content) -> tuple[float, float]:
    """The first guess of the gaps (inches) between layers and between neurons of a layer."""
    label_w, label_h = c.label_size
    dy = max(c.diameter + 0.25, label_h * 1.4 if c.edge_text else 0.0)
    dx = max(c.diameter + 1.2, (c.diameter + 2.2 * label_w) if c.edge_text else 0.0)
    return dx, dy


def _slide_px(c: _Content, direction: str) -> float:
    """Pixels of the smallest text when the picture is fitted to a 16:9 slide."""
    w, h = _extent(c, direction, *_gaps(c))
    return min(1.0, SLIDE[0] / (w * 96), SLIDE[1] / (h * 96)) * c.small * 96 / 72


def _best_direction(c: _Content, rankdir: str) -> str:
    if rankdir != "auto":
        return rankdir
    return "TB" if _slide_px(c, "TB") > _slide_px(c, "LR") + 0.01 else "LR"


def _place(c: _Content, rankdir: str) -> _Layout:
    """Choose the direction, the gaps between layers and neurons, and a spot for each label."""
    n_layers = len(c.sizes) - 1
    dx, dy = _gaps(c)
    direction = _best_direction(c, rankdir)
    # Stretch the gaps between layers towards the slide's 16:9 shape: longer edges fan out more.
    w, h = _extent(c, direction, dx, dy)
    extra = 0.3 + c.table_size[0] if c.table else 0.0
    if direction in ("LR", "RL"):
        wanted = h * SLIDE[0] / SLIDE[1] - extra
        dx = min(max(dx, (wanted - c.diameter - 0.4) / n_layers), dx * 1.6)
    else:
        wanted = w * SLIDE[1] / SLIDE[0]
        dx = min(max(dx, (wanted - c.diameter - 0.9) / n_layers), dx * 1.6)
    layout = _Layout(c, direction, dx, dy)
    if c.edge_text:  # longer gaps between layers until every label has a free spot on its edge
        for _ in range(6):
            placed = _place_labels(c, layout)
            if placed is not None:
                layout.labels = placed
                break
            layout.dx *= 1.2
        else:
            warnings.warn(
                "draw_mlp: the weight labels do not fit between the neurons without overlapping; they are "
                "in the tooltips instead (a larger fontsize, fewer weights or table=True shows them)",
                stacklevel=3,
            )
    return layout


_TRIES = sorted((k / 40 for k in range(4, 37)), key=lambda t: (abs(t - 0.5), t))  # the middle first


def _place_labels(c: _Content, layout: _Layout) -> dict[_Key, tuple[float, float]] | None:
    """A spot on each edge for its label box that overlaps no other box and no neuron,
    preferring spots no other edge runs through; None when some edge has none."""
    w, h = c.label_size
    segments = {key: (layout.centre(key[0] - 1, key[2]), layout.centre(key[0], key[1]))
                for key, _, _ in c.drawn if key in c.edge_text}
    others = [(layout.centre(key[0] - 1, key[2]), layout.centre(key[0], key[1])) for key, _, _ in c.drawn]
    boxes: list[tuple[float, float]] = []
    gap = 0.04
    r = c.diameter / 2 + gap
    neurons = {layout.centre(ell, k) for ell, n in enumerate(c.sizes) for k in range(1, n + 1)}

    def free(cx: float, cy: float) -> bool:
        if any(abs(cx - bx) < w + gap and abs(cy - by) < h + gap for bx, by in boxes):
            return False
        for nx, ny in neurons:  # the box against each neuron (rounded box or circle)
            if c.boxes:
                if abs(nx - cx) < (w + c.diameter) / 2 + gap and abs(ny - cy) < (h + c.node_h) / 2 + gap:
                    return False
                continue
            ddx, ddy = max(abs(nx - cx) - w / 2, 0.0), max(abs(ny - cy) - h / 2, 0.0)
            if ddx * ddx + ddy * ddy < r * r:
                return False
        return True

    placed: dict[_Key, tuple[float, float]] = {}
    for key, (a, b) in segments.items():
        options = []
        for rank, t in enumerate(_TRIES):
            cx, cy = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
            if free(cx, cy):
                crossed = sum(_segment_hits_box(p, q, cx, cy, w / 2, h / 2) for p, q in others) - 1
                options.append((crossed, rank, cx, cy))
        if not options:
            return None
        _, _, cx, cy = min(options)
        boxes.append((cx, cy))
        placed[key] = (cx, cy)
    return placed


def _segment_hits_box(
    a: tuple[float, float], b: tuple[float, float], cx: float, cy: float, hw: float, hh: float
) -> bool:
    """Does the segment a-b pass through the box centred on (cx, cy)? (Liang-Barsky clipping)"""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    sides = ((-dx, a[0] - (cx - hw)), (dx, (cx + hw) - a[0]), (-dy, a[1] - (cy - hh)), (dy, (cy + hh) - a[1]))
    for p, q in sides:
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


# ---- emit: the Graphviz source ---------------------------------------------------------------
def _pos(xy: tuple[float, float]) -> str:
    return f"{xy[0]:.3f},{xy[1]:.3f}!"


def _colour(value: float) -> str:
    return POSITIVE if value >= 0 else NEGATIVE


def _emit(c: _Content, layout: _Layout, format: str) -> Digraph:
    """The picture: column titles, neurons, weighted edges, their labels and the table."""
    pt, dy = c.pt, layout.dy
    g = Digraph(
        name="mlp", format=format, engine="neato",
        graph_attr={"splines": "line", "outputorder": "edgesfirst", "labelloc": "t",
                    "label": L.plain(c.title), "fontsize": f"{pt * 1.2:g}", "fontname": FONT},
        node_attr={"fixedsize": "true", "width": f"{c.diameter:.2f}", "height": f"{c.node_h:.2f}",
                   "shape": "box" if c.boxes else "circle",
                   "style": "rounded,filled" if c.boxes else "filled",
                   "fontsize": f"{pt:g}", "fontname": FONT},
        edge_attr={"arrowsize": "0.6"},
    )
    for column, text in enumerate(c.column_titles):
        head = (column, 1 - (c.diameter / 2 + 0.3) / dy)  # above the tallest column, in one line
        if layout.direction in ("TB", "BT"):  # to the left of the widest row
            head = (column, 1 - (c.diameter / 2 + 0.25 + ems(text) * pt / 144) / dy)
        g.node(f"title{column}", L.plain(text), shape="plaintext", style="", fixedsize="false", width="0",
               height="0", pos=_pos(layout.point(*head)))
    last = len(c.sizes) - 1
    for (ell, i), lines in c.neurons.items():
        fill = "#f0f0f0" if ell == 0 else "#fdf0e6" if ell == last else "#eef3fb"
        ring = {"penwidth": "3", "color": "#e8590c"} if (ell, i) == c.focus else {}
        g.node(f"o{ell}_{i}", L.plain("\n".join(lines)), tooltip=L.plain(c.tips[ell, i]), fillcolor=fill,
               pos=_pos(layout.centre(ell, i)), **ring)
    label_w, label_h = c.label_size
    for (ell, i, j), value, tip in c.drawn:
        colour = _colour(value)
        faded = c.focus is not None and (ell, i) != c.focus  # the focused neuron's edges stand out
        g.edge(f"o{ell - 1}_{j}", f"o{ell}_{i}", penwidth=f"{0.6 + 4.4 * abs(value) / c.biggest:.2f}",
               color=colour + "30" if faded else colour, tooltip=L.plain(tip))
        if (ell, i, j) in layout.labels:
            # A white box on the edge itself, in the edge's colour, where it overlaps no other
            # label and no neuron: the edge runs into it and out of it.
            g.node(f"w{ell}_{i}_{j}", L.plain("\n".join(c.edge_text[ell, i, j])), shape="box",
                   style="filled,rounded", color=colour, penwidth="1", fillcolor="#ffffff", fixedsize="true",
                   width=f"{label_w:.3f}", height=f"{label_h:.3f}", margin="0", fontsize=f"{c.small:g}",
                   fontcolor=colour, tooltip=L.plain(tip), pos=_pos(layout.labels[ell, i, j]))
    if c.table:
        table_nodes(g, c.table, c.small, c.table_size, layout.table_spot())
    return g


def draw_mlp(
    model: Any,
    grads: bool = False,
    *,
    x: Sequence[float] | None = None,
    target: Sequence[float] | float | None = None,
    format: str = "svg",
    rankdir: str = "auto",
    precision: int = 2,
    max_edges: int | None = 2000,
    fontsize: float = 14.0,
    scale: float | None = None,
    table: bool | str = "auto",
    focus: tuple[int, int] | None = None,
) -> Digraph:
    """Draw ``model`` as neurons and weighted edges (width ∝ |w|, colour = sign of w).

    - ``grads=True``: also each weight's and bias's gradient ∂e/∂w, ∂e/∂b (their ``.grad``
      after your ``backward()``; e is whatever that backward started from).
    - ``x=[...]``: run the network on this input and show each neuron's value o; with
      ``target=`` too, the error e = Σ(ŷ − y)² is back-propagated and each neuron shows ∂e/∂o
      and each weight ∂e/∂w for this one sample (the model's own ``.grad`` is left as it was).
    - Networks up to 24 weights get the values on the edges. Larger ones list every weight (and
      ∂e/∂w) in a table beside the network (``table='auto'``) when the whole still shows its text
      at 12 px or more on a 1920 × 1080 slide (a 2-4-4-1 network does, a 2-16-16-1 does not:
      tooltips only); ``table=True`` always, ``False`` never. ``focus=(ℓ, i)`` labels the edges
      into neuron i of layer ℓ whatever the size.
    - ``rankdir='auto'``: left to right or top to bottom, whichever shows the text larger on a
      16:9 slide (a 2-16-16-1 network runs top to bottom); ``fontsize`` in points; ``scale``
      as in ``draw_dot`` (Jupyter display); ``precision``: decimals shown.
    Past ``max_edges`` weights it warns and draws only the strongest ``max_edges``.
    """
    _check_options(rankdir, precision, max_edges, fontsize, scale, table)
    layers = _layers(model)
    content = _measure(model, layers, grads=grads, x=x, target=target, precision=precision,
                       max_edges=max_edges, fontsize=fontsize, table=table, focus=focus)
    if table == "auto" and content.table and _slide_px(content, _best_direction(content, rankdir)) < _LEGIBLE:
        content.table, content.table_size = None, (0.0, 0.0)  # unreadable on a slide: tooltips only
    g = _emit(content, _place(content, rankdir), format)
    g.scale = scale
    return g
