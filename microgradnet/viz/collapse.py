"""The collapsed view of large graphs (which node belongs to which neuron: ``structure.py``).

A training graph has tens of thousands of Values; Graphviz needs minutes for that and the
picture is a grey smear. The collapsed view draws one box per neuron (or per layer), one
per kind of remaining operation, one for inputs and constants, and the root, with edges
counting how many connections each stands for. It costs one pass over the graph.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import graphviz

from .. import notation
from ..ops import op_for
from . import labels as L
from .render import Digraph
from .structure import Structure, label_of, mlp_structure, op_of

MAX_NEURON_BOXES = 100  # more neurons than this: one box per layer instead
_SHOWN_PARAMS = 4
FONTSIZE = 14  # points: Graphviz's default, which the other boxes use; indices are drawn larger


def _op_name(n: Any) -> str:
    """How pictures name a node's operation (the table's display name, else its ``_op``)."""
    row = op_for(n)
    display = getattr(row, "display", "") if row is not None else ""
    return str(display or op_of(n) or "(no op)")


def draw_collapsed(
    nodes: list[Any],
    edges: list[tuple[Any, Any]],
    roots: list[Any],
    *,
    by: str | None = None,
    format: str = "svg",
    rankdir: str = "LR",
    max_nodes: int | None = None,
    precision: int = 4,
    title: str | None = None,
) -> Digraph:
    """One box per neuron ('neuron'), per layer ('layer'), or per operation when the graph has
    no MLP in it; ``by=None`` picks neurons, or layers past MAX_NEURON_BOXES neurons."""
    structure = mlp_structure(nodes, edges)
    if by is None:
        by = "neuron" if len(structure.neurons) <= MAX_NEURON_BOXES else "layer"
    if not structure.neurons:
        by = "operation"
    root_index = {id(r): k for k, r in enumerate(roots)}
    has_kids = {id(p) for _, p in edges}

    def group(n: Any) -> tuple[Any, ...]:
        if id(n) in root_index:
            return ("root", root_index[id(n)])
        key = structure.neuron_of.get(id(n))
        if key is not None:
            return ("neuron", *key) if by == "neuron" else ("layer", key[0])
        if id(n) not in has_kids:
            return ("leaves",)
        return ("op", _op_name(n))

    groups: dict[tuple[Any, ...], list[Any]] = {}
    group_of: dict[int, tuple[Any, ...]] = {}
    for n in nodes:
        key = group_of[id(n)] = group(n)
        groups.setdefault(key, []).append(n)
    links = Counter((group_of[id(c)], group_of[id(p)]) for c, p in edges)
    ids = {key: f"g{k}" for k, key in enumerate(groups)}

    g = Digraph(
        name="collapsed_graph", format=format, graph_attr={"rankdir": rankdir, "fontname": notation.FONT},
        node_attr={"shape": "record", "fontname": notation.FONT}, edge_attr={"fontname": notation.FONT},
    )
    why = _count(len(nodes), "Value")
    if max_nodes is not None and len(nodes) > max_nodes:
        why += f", more than max_nodes={max_nodes}"
    elif max_nodes is not None:
        why += ", with long edges"
    g.attr(label=L.plain(title or f"Collapsed view ({why}): one box per {by}"), labelloc="t", fontsize="16")

    layers: dict[int, list[tuple[Any, ...]]] = {}
    for key in groups:
        if key[0] in ("neuron", "layer"):
            layers.setdefault(key[1], []).append(key)
    for key, members in groups.items():
        if key[0] == "neuron":
            continue  # drawn inside their layer's box below
        label, attrs = _describe(key, members, structure, precision, rankdir)
        g.node(ids[key], label, **attrs)
    if by == "neuron":
        for layer in sorted(layers):
            with g.subgraph(name=f"cluster_layer{layer}") as lg:
                lg.attr(label=f"layer {layer}", style="rounded,dashed", color="gray40")
                with lg.subgraph() as column:
                    # One rank, ordered by invisible edges: neuron 1 first (on top in LR, at the
                    # left in TB); left alone, engines order the boxes differently.
                    column.attr(rank="same")
                    keys = sorted(layers[layer])
                    for key in keys:
                        label, attrs = _describe(key, groups[key], structure, precision, rankdir)
                        column.node(ids[key], label, **attrs)
                    chain = keys[::-1] if rankdir in ("LR", "RL") else keys
                    for a, b in zip(chain, chain[1:]):
                        column.edge(ids[a], ids[b], style="invis")

    # Neuron boxes are joined layer to layer (all to all): one edge between the layer boxes
    # (compound=true, lhead/ltail) says that without hundreds of crossing lines.
    def end(key: tuple[Any, ...]) -> tuple[Any, ...]:
        return ("layer", key[1]) if key[0] == "neuron" else key

    middle = {layer: ids[keys[len(keys) // 2]] for layer, keys in ((k, sorted(v)) for k, v in layers.items())}
    joined: Counter[tuple[tuple[Any, ...], tuple[Any, ...]]] = Counter()
    for (a, b), count in links.items():
        if end(a) != end(b):
            joined[end(a), end(b)] += count
    if by == "neuron":
        g.attr(compound="true")
    for (a, b), count in joined.items():
        attrs = {"label": f"×{count:,}" if count > 1 else None, "fontsize": "10"}
        tail, head = ids.get(a), ids.get(b)
        if by == "neuron" and a[0] == "layer":
            tail, attrs["ltail"] = middle[a[1]], f"cluster_layer{a[1]}"
        if by == "neuron" and b[0] == "layer":
            head, attrs["lhead"] = middle[b[1]], f"cluster_layer{b[1]}"
        g.edge(tail, head, **attrs)
    return g


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _box(fields: list[str], rankdir: str) -> Any:
    """Fields stacked top to bottom whatever the rank direction (records flip with it)."""
    text = " | ".join(fields)
    return graphviz.nohtml(text if rankdir in ("LR", "RL") else "{ " + text + " }")


def _describe(
    key: tuple[Any, ...], members: list[Any], structure: Structure, precision: int, rankdir: str
) -> tuple[Any, dict[str, str]]:
    """The label and attributes of one group's box."""
    f = L.record_field
    count = _count(len(members), "Value")
    if key[0] == "root":
        n = members[0]
        fields = [f(notation.typeset(label_of(n)))] if label_of(n) else []
        fields += [
            f(f"data {L.number(n.data, precision)}"),
            f(f"grad {L.number(getattr(n, 'grad', 0), precision)}"),
        ]
        return _box(fields, rankdir), {"penwidth": "2"}
    if key[0] == "leaves":
        return _box([f("inputs and constants"), f(count)], rankdir), {
            "style": "filled",
            "fillcolor": "#f0f0f0",
        }
    if key[0] == "op":
        return _box([f(key[1]), f(count)], rankdir), {"style": "rounded"}
    if key[0] == "neuron":
        layer, i = key[1], key[2]
        neuron = structure.neurons[(layer, i)]
        acts = " → ".join(neuron.activations) or "linear"
        params = [neuron.params[j] for j in sorted(neuron.params)]
        lines = [
            f"{notation.typeset(label_of(p))} = {L.number(p.data, 3)}, "
            f"grad {L.number(getattr(p, 'grad', 0), 3)}"
            for p in params[:_SHOWN_PARAMS]
        ]
        if len(params) > _SHOWN_PARAMS:
            lines.append(f"… {len(params)} parameters in all")
        # A plain box, not a record: the neuron boxes are ordered by flat (same-rank) edges,
        # which Graphviz 2.43 refuses between records. An HTML-like label, so that a line with
        # indices (w¹₂,₁) is drawn SCRIPT_SCALE larger as draw_dot draws it (labels.html_text).
        z = "b + w·x + … (* and + nodes)" if neuron.scalar else "Σ w·x + b"
        head = [f"neuron {i} of layer {layer}", f"{neuron.evaluations:,} × {z}, {acts}"]
        text = "".join(f"{L.html_text(t, FONTSIZE)}<BR/>" for t in head)
        text += "".join(f'{L.html_text(t, FONTSIZE)}<BR ALIGN="LEFT"/>' for t in lines)
        attrs = {"shape": "box", "style": "filled", "fillcolor": "#eef3fb", "fontsize": str(FONTSIZE)}
        return f"<{text}>", attrs
    layer = key[1]
    neurons = {k: v for k, v in structure.neurons.items() if k[0] == layer}
    params = [p for v in neurons.values() for p in v.params.values()]
    biggest = max((abs(float(getattr(p, "grad", 0.0))) for p in params), default=0.0)
    evaluations = sum(v.evaluations for v in neurons.values())
    fields = [
        f(f"layer {layer}"),
        f(f"{_count(len(neurons), 'neuron')}, {_count(evaluations, 'evaluation')}"),
        f(f"{len(params)} parameters, largest |grad| {L.number(biggest, 3)}"),
    ]
    return _box(fields, rankdir), {"style": "filled", "fillcolor": "#eef3fb"}
