"""``draw_mlp(model)``: a network as the article draws it, neurons in columns joined by weights.

Column 0 holds the inputs o⁰_j, column ℓ the neurons of layer ℓ (o^ℓ_i, the last layer ŷ_i).
The edge from o^{ℓ-1}_j to neuron i of layer ℓ is the weight w^ℓ_{i,j}: its width grows
with |w| and its colour gives the sign (blue positive, red negative, as in ``draw_dot``).
Works for microgradnet's and micrograd's MLP (anything with ``layers[].neurons[].w/.b``).
"""

from __future__ import annotations

import warnings
from typing import Any

from . import labels as L
from .dot import GRAD_COLORS
from .render import Digraph

__all__ = ["draw_mlp"]

_POSITIVE, _NEGATIVE = GRAD_COLORS[4], GRAD_COLORS[-4]
_LABELLED_EDGES = 16  # up to this many weights, each edge carries its value


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


def draw_mlp(
    model: Any,
    grads: bool = False,
    *,
    format: str = "svg",
    rankdir: str = "LR",
    precision: int = 2,
    max_edges: int | None = 2000,
) -> Digraph:
    """Draw ``model`` as neurons and weighted edges (width ∝ |w|, colour = sign of w).

    ``grads=True`` also prints each weight's and bias's gradient (∂e/∂w after a backward()).
    Small networks get the values on the edges, larger ones in tooltips (hover in Jupyter).
    Past ``max_edges`` weights it warns and draws only the strongest ``max_edges``.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    L.check_precision(precision)
    if max_edges is not None and (
        not isinstance(max_edges, int) or isinstance(max_edges, bool) or max_edges < 1
    ):
        raise ValueError(f"max_edges must be a positive whole number or None, got {max_edges!r}")
    layers = _layers(model)
    sizes = [len(layers[0][0].w)] + [len(neurons) for neurons in layers]
    n_layers = len(layers)

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

    # Positions are pinned (neato, pos="x,y!"): the article's picture is a grid, neuron 1 of
    # every layer on top, and a layered layout's crossing reduction would shuffle the neurons.
    dx, dy = 2.4, 1.15  # inches between columns and between neurons
    tallest = max(sizes)

    def place(column: int, row: float) -> str:
        along, across = column * dx, ((tallest + 1) / 2 - row) * dy
        if rankdir in ("RL", "BT"):
            along = -along
        x, y = (along, across) if rankdir in ("LR", "RL") else (-across, -along)
        return f"{x:.3f},{y:.3f}!"

    g = Digraph(
        name="mlp",
        format=format,
        engine="neato",
        graph_attr={
            "splines": "line",
            "outputorder": "edgesfirst",
            "labelloc": "t",
            "label": L.plain(f"MLP {' → '.join(map(str, sizes))}"),
            "fontsize": "16",
        },
        node_attr={"shape": "circle", "fixedsize": "true", "width": "0.9", "fontsize": "11"},
        edge_attr={"arrowsize": "0.5"},
    )

    def node_id(layer: int, index: int) -> str:
        return f"o{layer}_{index}"

    def offset(count: int) -> float:  # centres a short column on the tallest one
        return (tallest - count) / 2

    titles = ["input"] + [
        f"output ({_activation(n[0], True)})"
        if ell == n_layers
        else f"layer {ell} ({_activation(n[0], False)})"
        for ell, n in enumerate(layers, start=1)
    ]
    for column, title in enumerate(titles):
        g.node(
            f"title{column}",
            L.plain(title),
            shape="plaintext",
            fixedsize="false",
            fontsize="13",
            pos=place(column, 0.2),
        )
    for j in range(1, sizes[0] + 1):
        g.node(
            node_id(0, j),
            L.plain(L.pretty(f"x_{j}")),
            style="filled",
            fillcolor="#f0f0f0",
            tooltip=L.plain(f"input o^0_{j} = x_{j}"),
            pos=place(0, j + offset(sizes[0])),
        )
    for ell, neurons in enumerate(layers, start=1):
        last = ell == n_layers
        for i, neuron in enumerate(neurons, start=1):
            b = neuron.b
            lines = [L.pretty(f"ŷ_{i}" if last else f"o^{ell}_{i}"), f"b {L.number(b.data, precision)}"]
            tip = f"neuron {i} of layer {ell}: b^{ell}_{i} = {b.data!r}"
            if grads:
                lines.append(f"∇b {L.number(getattr(b, 'grad', 0.0), precision)}")
                tip += f", grad {getattr(b, 'grad', 0.0)!r}"
            g.node(
                node_id(ell, i),
                L.plain("\n".join(lines)),
                tooltip=L.plain(tip),
                style="filled",
                fillcolor="#fdf0e6" if last else "#eef3fb",
                pos=place(ell, i + offset(len(neurons))),
            )

    for ell, i, j, w in drawn:
        value = float(w.data)
        text = f"w^{ell}_{{{i},{j}}} = {value!r}"
        attrs = {
            "penwidth": f"{0.4 + 3.6 * abs(value) / biggest:.2f}",
            "color": _POSITIVE if value >= 0 else _NEGATIVE,
            "tooltip": L.plain(text + (f", grad {getattr(w, 'grad', 0.0)!r}" if grads else "")),
        }
        g.edge(node_id(ell - 1, j), node_id(ell, i), **attrs)
        if labelled:
            label = L.number(value, precision)
            if grads:
                label += f"\n∇ {L.number(getattr(w, 'grad', 0.0), precision)}"
            # The value sits on its edge, a fraction t of the way along that depends on the
            # target neuron: edges that cross (they cross half-way) never share a spot, and
            # edges into one neuron still fan out there. A white box keeps it readable.
            n_targets = sizes[ell]
            t = 0.37 + 0.26 * (i - 1) / max(n_targets - 1, 1)
            row_from, row_to = j + offset(sizes[ell - 1]), i + offset(n_targets)
            g.node(
                f"w{ell}_{i}_{j}",
                L.plain(label),
                shape="box",
                style="filled,rounded",
                color="none",
                fillcolor="#ffffffdd",
                fixedsize="false",
                width="0",
                height="0",
                margin="0.02",
                fontsize="9",
                fontcolor=attrs["color"],
                tooltip=attrs["tooltip"],
                pos=place(ell - 1 + t, row_from + t * (row_to - row_from)),
            )
    return g
