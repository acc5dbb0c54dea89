"""``draw_mlp(model)``: a network as the article draws it, neurons in columns joined by weights.

Column 0 holds the inputs o⁰_j, column ℓ the neurons of layer ℓ (o^ℓ_i, the last layer ŷ_i).
The edge from o^{ℓ-1}_j to neuron i of layer ℓ is the weight w^ℓ_{i,j}: its width grows
with |w| and its colour gives the sign (blue positive, red negative, as in ``draw_dot``).
Works for microgradnet's and micrograd's MLP (anything with ``layers[].neurons[].w/.b``).

Made for projection: a sans-serif font and only glyphs that the usual fonts have (no ∇:
Liberation Sans, Arial and Helvetica lack it, so PNGs drew an empty box); weight labels are
placed on their own edge where they overlap no other label and no neuron; the layout runs
left to right or top to bottom, whichever fills a 16:9 slide better (``rankdir='auto'``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from . import labels as L
from .dot import GRAD_COLORS
from .render import Digraph

__all__ = ["draw_mlp", "SLIDE"]

_POSITIVE, _NEGATIVE = GRAD_COLORS[4], GRAD_COLORS[-4]
_LABELLED_EDGES = 24  # up to this many weights, each edge carries its value
SLIDE = (1920, 1080)  # px: the 16:9 slide that rankdir='auto' fits
FONT = "Helvetica,Arial,sans-serif"
_EM = 0.6  # average advance of a digit, a sign or a letter of "grad", in em (Helvetica: 0.556)


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


def _short(v: Any, precision: int) -> str:
    """A number for a slide: ``precision`` decimals, but a small non-zero value keeps one
    significant digit (-0.004, not -0.00 or -3.9e-03)."""
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return L.clean(str(v))
    if f != 0.0 and abs(f) < 0.5 * 10.0**-precision and abs(f) >= 1e-6:
        return f"{f:.1g}"
    return L.number(f, precision)


def _numbers(name: str, values: Any, size: int) -> list[float]:
    items = values if isinstance(values, (list, tuple)) else [values]
    try:
        out = [float(getattr(v, "data", v)) for v in items]
    except (TypeError, ValueError):
        raise TypeError(f"draw_mlp: {name}= must be numbers, got {values!r}") from None
    if len(out) != size:
        raise ValueError(f"draw_mlp: {name}= needs {size} numbers, got {len(out)}")
    return out


def _evaluate(
    model: Any, layers: list[list[Any]], x: list[float], target: list[float] | None
) -> tuple[list[list[Any]], float | None, dict[int, float]]:
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
        error = None
        grads: dict[int, float] = {}
        if target is not None:
            e = sum(((o - t) ** 2 for o, t in zip(outputs[-1], target)), Value(0.0))
            e.backward()
            error = float(e.data)
            grads = {id(p): float(p.grad) for p in params}
        return outputs, error, grads
    finally:
        for p, g in zip(params, saved):
            p.grad = g


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
) -> Digraph:
    """Draw ``model`` as neurons and weighted edges (width ∝ |w|, colour = sign of w).

    - ``grads=True``: also each weight's and bias's gradient (``.grad``, after a backward()).
    - ``x=[...]``: run the network on this input and show each neuron's value o; with
      ``target=`` too, the error e = Σ(ŷ − y)² is back-propagated and each neuron shows ∂e/∂o
      and each weight ∂e/∂w for this one sample (the model's own ``.grad`` is left as it was).
    - Networks up to 24 weights get the values on the edges, larger ones in tooltips.
    - ``rankdir='auto'``: left to right or top to bottom, whichever shows the text larger on a
      16:9 slide (a 2-16-16-1 network runs top to bottom); ``fontsize`` in points; ``scale``
      as in ``draw_dot`` (Jupyter display).
    Past ``max_edges`` weights it warns and draws only the strongest ``max_edges``.
    """
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
    layers = _layers(model)
    sizes = [len(layers[0][0].w)] + [len(neurons) for neurons in layers]
    n_layers = len(layers)

    inputs = _numbers("x", x, sizes[0]) if x is not None else None
    targets = None
    if target is not None:
        if inputs is None:
            raise ValueError("draw_mlp: target= needs x= (the input whose error to back-propagate)")
        targets = _numbers("target", target, sizes[-1])
    outputs, error, sample_grads = _evaluate(model, layers, inputs, targets) if inputs else ([], None, {})

    def grad_of(p: Any) -> float:
        return sample_grads[id(p)] if sample_grads else float(getattr(p, "grad", 0.0))

    show_grads = grads or bool(sample_grads)

    weights = [
        (ell, i, j, w)
        for ell, neurons in enumerate(layers, start=1)
        for i, neuron in enumerate(neurons, start=1)
        for j, w in enumerate(neuron.w, start=1)
    ]
    biggest = max((abs(float(w.data)) for *_, w in weights), default=0.0) or 1.0
    drawn = weights
    if max_edges is not None and len(weights) > max_edges:
        warnings.warn(
            f"draw_mlp: {len(weights):,} weights is too many to draw legibly; drawing the {max_edges:,} "
            "largest (pass max_edges=None to draw all)",
            stacklevel=2,
        )
        keep = sorted(weights, key=lambda t: -abs(float(t[3].data)))[:max_edges]
        kept = {id(t[3]) for t in keep}
        drawn = [t for t in weights if id(t[3]) in kept]
    labelled = len(drawn) <= _LABELLED_EDGES

    # ---- the text of every neuron and edge label -------------------------------------------
    pt = float(fontsize)
    small = pt * 0.9  # edge labels
    neuron_lines: dict[tuple[int, int], list[str]] = {}
    for j in range(1, sizes[0] + 1):
        lines = [L.pretty(f"x_{j}")]
        if inputs is not None:
            lines.append(_short(inputs[j - 1], precision))
        neuron_lines[0, j] = lines
    for ell, neurons in enumerate(layers, start=1):
        last = ell == n_layers
        for i, neuron in enumerate(neurons, start=1):
            lines = [L.pretty(f"ŷ_{i}" if last else f"o^{ell}_{i}")]
            if outputs:
                lines.append(_short(outputs[ell - 1][i - 1].data, precision))
                if sample_grads:
                    lines.append(f"grad {_short(outputs[ell - 1][i - 1].grad, precision)}")
            else:
                lines.append(f"b {_short(neuron.b.data, precision)}")
                if show_grads:
                    lines.append(f"grad {_short(grad_of(neuron.b), precision)}")
            neuron_lines[ell, i] = lines

    def text_size(lines: list[str], size: float) -> tuple[float, float]:  # inches (w, h)
        width = max(len(s) for s in lines) * _EM * size / 72
        return width, len(lines) * 1.2 * size / 72

    boxes = max(sizes) > 8  # wide layers: rounded boxes, as narrow as their text, not circles
    text_w = max(text_size(v, pt)[0] for v in neuron_lines.values())
    text_h = max(text_size(v, pt)[1] for v in neuron_lines.values())
    diameter = max(text_w + 0.2, 0.6) if boxes else max(max(text_w, text_h) + 0.2, 0.6)
    node_h = text_h + 0.2 if boxes else diameter
    edge_text: dict[tuple[int, int, int], list[str]] = {}
    if labelled:
        for ell, i, j, w in drawn:
            lines = [_short(w.data, precision)]
            if show_grads:
                lines.append(f"grad {_short(grad_of(w), precision)}")
            edge_text[ell, i, j] = lines
    label_w, label_h = (0.0, 0.0)
    if edge_text:
        longest = max(edge_text.values(), key=lambda v: max(map(len, v)))
        label_w, label_h = (d + 0.08 for d in text_size(longest, small))

    # ---- geometry: "along" runs from the inputs to the output, "across" over a layer's neurons --
    tallest = max(sizes)
    dy = max(diameter + 0.25, label_h * 1.4 if edge_text else 0.0)
    dx = max(diameter + 1.2, (diameter + 2.2 * label_w) if edge_text else 0.0)

    def extent(direction: str, gap: float) -> tuple[float, float]:  # picture (w, h), inches
        along = n_layers * gap + diameter + 0.4
        across = (tallest - 1) * dy + diameter + 0.9  # + the column titles
        return (along, across) if direction in ("LR", "RL") else (across + 0.6, along + 0.5)

    def slide_text(direction: str, gap: float) -> float:  # px of the smallest text on the slide
        w, h = extent(direction, gap)
        return min(1.0, SLIDE[0] / (w * 96), SLIDE[1] / (h * 96)) * min(pt, small) * 96 / 72

    direction = rankdir
    if rankdir == "auto":
        direction = "TB" if slide_text("TB", dx) > slide_text("LR", dx) + 0.01 else "LR"
    # Stretch the gaps between layers towards the slide's 16:9 shape: longer edges fan out more.
    w, h = extent(direction, dx)
    if direction in ("LR", "RL"):
        wanted = h * SLIDE[0] / SLIDE[1]
        dx = min(max(dx, (wanted - diameter - 0.4) / n_layers), dx * 1.6)
    else:
        wanted = w * SLIDE[1] / SLIDE[0]
        dx = min(max(dx, (wanted - diameter - 0.9) / n_layers), dx * 1.6)

    def offset(count: int) -> float:  # centres a short column on the tallest one
        return (tallest - count) / 2

    def point(column: float, row: float) -> tuple[float, float]:
        along, across = column * dx, ((tallest + 1) / 2 - row) * dy
        if direction in ("RL", "BT"):
            along = -along
        return (along, across) if direction in ("LR", "RL") else (-across, -along)

    def centre(layer: int, index: int) -> tuple[float, float]:
        return point(layer, index + offset(sizes[layer]))

    placed: dict[tuple[int, int, int], tuple[float, float]] | None = {}
    if edge_text:  # longer gaps between layers until every label has a free spot on its edge
        for _ in range(6):
            placed = _place_labels(drawn, edge_text, lambda a, b: point(a, b + offset(sizes[a])),
                                   (diameter, node_h, not boxes), label_w, label_h)
            if placed is not None:
                break
            dx *= 1.2

    def pos(xy: tuple[float, float]) -> str:
        return f"{xy[0]:.3f},{xy[1]:.3f}!"

    title = f"MLP {' → '.join(map(str, sizes))}"
    if inputs is not None:
        title += f" at x = ({', '.join(_short(v, precision) for v in inputs)})"
    if error is not None:
        title += f", e = Σ(ŷ − y)² = {L.number(error, precision + 1)}"
    g = Digraph(
        name="mlp",
        format=format,
        engine="neato",
        graph_attr={
            "splines": "line",
            "outputorder": "edgesfirst",
            "labelloc": "t",
            "label": L.plain(title),
            "fontsize": f"{pt * 1.2:g}",
            "fontname": FONT,
        },
        node_attr={
            "fixedsize": "true",
            "width": f"{diameter:.2f}",
            "height": f"{node_h:.2f}",
            "shape": "box" if boxes else "circle",
            "style": "rounded,filled" if boxes else "filled",
            "fontsize": f"{pt:g}",
            "fontname": FONT,
        },
        edge_attr={"arrowsize": "0.6"},
    )

    titles = ["input"] + [
        f"output ({_activation(n[0], True)})" if ell == n_layers else f"layer {ell} ({_activation(n[0], False)})"  # noqa: E501
        for ell, n in enumerate(layers, start=1)
    ]
    for column, text in enumerate(titles):
        head = (column, 1 - (diameter / 2 + 0.3) / dy)  # above the tallest column, in one line
        if direction in ("TB", "BT"):  # to the left of the widest row
            head = (column, 1 - (diameter / 2 + 0.25 + len(text) * _EM * pt / 144) / dy)
        g.node(f"title{column}", L.plain(text), shape="plaintext", style="", fixedsize="false", width="0",
               height="0", pos=pos(point(*head)))
    for j in range(1, sizes[0] + 1):
        g.node(
            f"o0_{j}",
            L.plain("\n".join(neuron_lines[0, j])),
            style="rounded,filled" if boxes else "filled",
            fillcolor="#f0f0f0",
            tooltip=L.plain(f"input o^0_{j} = x_{j}" + (f" = {inputs[j - 1]!r}" if inputs else "")),
            pos=pos(centre(0, j)),
        )
    for ell, neurons in enumerate(layers, start=1):
        last = ell == n_layers
        for i, neuron in enumerate(neurons, start=1):
            b = neuron.b
            tip = f"neuron {i} of layer {ell}: b^{ell}_{i} = {b.data!r}"
            if show_grads:
                tip += f", grad {grad_of(b)!r}"
            if outputs:
                tip += f"; o = {outputs[ell - 1][i - 1].data!r}"
            g.node(
                f"o{ell}_{i}",
                L.plain("\n".join(neuron_lines[ell, i])),
                tooltip=L.plain(tip),
                style="rounded,filled" if boxes else "filled",
                fillcolor="#fdf0e6" if last else "#eef3fb",
                pos=pos(centre(ell, i)),
            )

    if placed is None:
        warnings.warn(
            "draw_mlp: the weight labels do not fit between the neurons without overlapping; they are "
            "in the tooltips instead (a larger fontsize or fewer weights lets them show)",
            stacklevel=2,
        )
        placed = {}
    for ell, i, j, w in drawn:
        value = float(w.data)
        text = f"w^{ell}_{{{i},{j}}} = {value!r}"
        colour = _POSITIVE if value >= 0 else _NEGATIVE
        attrs = {
            "penwidth": f"{0.6 + 4.4 * abs(value) / biggest:.2f}",
            "color": colour,
            "tooltip": L.plain(text + (f", grad {grad_of(w)!r}" if show_grads else "")),
        }
        g.edge(f"o{ell - 1}_{j}", f"o{ell}_{i}", **attrs)
        if (ell, i, j) in placed:
            # A white box on the edge itself, in the edge's colour, where it overlaps no other
            # label and no neuron: the edge runs into it and out of it.
            g.node(
                f"w{ell}_{i}_{j}",
                L.plain("\n".join(edge_text[ell, i, j])),
                shape="box",
                style="filled,rounded",
                color=colour,
                penwidth="1",
                fillcolor="#ffffff",
                fixedsize="true",
                width=f"{label_w:.3f}",
                height=f"{label_h:.3f}",
                margin="0",
                fontsize=f"{small:g}",
                fontcolor=colour,
                tooltip=attrs["tooltip"],
                pos=pos(placed[ell, i, j]),
            )
    g.scale = scale
    return g


_TRIES = sorted((k / 40 for k in range(4, 37)), key=lambda t: (abs(t - 0.5), t))  # the middle first


def _place_labels(
    drawn: list[tuple[int, int, int, Any]],
    texts: dict[tuple[int, int, int], list[str]],
    centre: Any,
    node: tuple[float, float, bool],
    w: float,
    h: float,
) -> dict[tuple[int, int, int], tuple[float, float]] | None:
    """A spot on each edge for its label box (w × h inches) that overlaps no other box and no
    neuron, preferring spots no other edge runs through; None when some edge has none."""
    segments = {
        (ell, i, j): (centre(ell - 1, j), centre(ell, i)) for ell, i, j, _ in drawn if (ell, i, j) in texts
    }
    boxes: list[tuple[float, float]] = []
    gap = 0.04
    node_w, node_h, round_nodes = node
    r = node_w / 2 + gap
    neurons = {p for seg in segments.values() for p in seg}

    def free(cx: float, cy: float) -> bool:
        if any(abs(cx - bx) < w + gap and abs(cy - by) < h + gap for bx, by in boxes):
            return False
        # the box against each neuron's circle: nearest point of the box to the centre
        for nx, ny in neurons:
            if not round_nodes:  # rounded boxes: box against box
                if abs(nx - cx) < (w + node_w) / 2 + gap and abs(ny - cy) < (h + node_h) / 2 + gap:
                    return False
                continue
            dx = max(abs(nx - cx) - w / 2, 0.0)
            dy = max(abs(ny - cy) - h / 2, 0.0)
            if dx * dx + dy * dy < r * r:
                return False
        return True

    def crossed(key: tuple[int, int, int], cx: float, cy: float) -> int:
        count = 0
        for other, (a, b) in segments.items():
            if other != key and _segment_hits_box(a, b, cx, cy, w / 2, h / 2):
                count += 1
        return count

    placed: dict[tuple[int, int, int], tuple[float, float]] = {}
    for key, (a, b) in segments.items():
        options = []
        for rank, t in enumerate(_TRIES):
            cx, cy = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
            if free(cx, cy):
                options.append((crossed(key, cx, cy), rank, cx, cy))
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
