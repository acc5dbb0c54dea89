"""Which node of a traced graph belongs to which neuron of an MLP, and the article's names for
the nodes the graph leaves unnamed. Structure only: ``collapse.py`` and ``dot.py`` draw it.

Labels alone tell where every neuron is, even in a training graph where each neuron is
evaluated once per sample. ``microgradnet.nn`` builds a neuron in one of two ways:

- the scalar graph (the default, micrograd's): one ``*`` node per weight times input, labelled
  ``w^ℓ_{i,j}·o^{ℓ-1}_j``, and a chain of ``+`` nodes, bias first, the last labelled ``z^ℓ_i``
  (the partial sums unlabelled);
- the fused graph (``fused=True``): one ``'dot'`` node z = b + Σ w·x whose children are the
  parameters ``b^ℓ_i``, ``w^ℓ_{i,j}`` and the inputs.

Either way the node computing z, everything below it that is the neuron's own (products,
partial sums, its parameters) and the activation applied to z belong to neuron (ℓ, i); the
inputs it reads belong to whoever computed them. Names are read with ``microgradnet.notation``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import notation
from ..ops import op_for

__all__ = ["Neuron", "Structure", "mlp_structure", "article_names", "one_layer", "label_of", "op_of"]


@dataclass
class Neuron:
    """What the graph contains of one neuron (ℓ, i)."""

    evaluations: int = 0
    activations: list[str] = field(default_factory=list)
    params: dict[int, Any] = field(default_factory=dict)  # j (0 = bias) -> parameter Value
    scalar: bool = False  # built as * and + nodes (micrograd's graph) rather than one 'dot' node


@dataclass
class Structure:
    """``neuron_of``: id(node) -> (ℓ, i) for every node that is part of a neuron (the node
    computing z, its products and partial sums, its parameters, its activation)."""

    neuron_of: dict[int, tuple[int, int]] = field(default_factory=dict)
    neurons: dict[tuple[int, int], Neuron] = field(default_factory=dict)


def label_of(n: Any) -> str:
    label = getattr(n, "label", "")
    return label if isinstance(label, str) else ""


def op_of(n: Any) -> str:
    op = getattr(n, "_op", "")
    return op if isinstance(op, str) else str(op)


def _parameter(n: Any) -> tuple[int, int, int] | None:
    """(ℓ, i, j) of a weight w^ℓ_{i,j}, (ℓ, i, 0) of a bias b^ℓ_i, else None."""
    name = notation.parse(label_of(n))
    if name is None or name.kind not in ("w", "b"):
        return None
    return name.layer, name.i, name.j or 0


def _kids(n: Any) -> tuple[Any, ...]:
    prev = getattr(n, "_prev", ())
    return prev if isinstance(prev, tuple) else tuple(prev)  # order does not matter here


def mlp_structure(nodes: list[Any], edges: list[tuple[Any, Any]]) -> Structure:
    """Find the neurons of an MLP in a traced graph (empty when there are none).

    ``nodes`` and ``edges`` (``(child, parent)`` pairs) are what ``dot.trace`` returns.
    """
    out = Structure()
    readers = Counter(id(child) for child, _ in edges)  # how many nodes read each node
    tops: dict[int, tuple[int, int]] = {}  # id(z node) -> neuron
    for n in nodes:
        op, row = op_of(n), op_for(n)
        if row is not None and row.weighted:  # a fused neuron: b + Σ w·x in one node
            found = [(c, _parameter(c)) for c in _kids(n)]
            keys = {pos[:2] for _, pos in found if pos is not None}
            if len(keys) != 1:
                continue
            key = keys.pop()
            members, params, scalar = [n], [(c, pos) for c, pos in found if pos is not None], False
        elif op == "+":
            name = notation.parse(label_of(n))
            if name is None or name.kind != "z":
                continue
            key = (name.layer, name.i)
            members, params = _scalar_neuron(n, key, readers)
            if not params:
                continue
            scalar = True
        else:
            continue
        neuron = out.neurons.setdefault(key, Neuron(scalar=scalar))
        neuron.evaluations += 1
        tops[id(n)] = key
        for m in members:
            out.neuron_of[id(m)] = key
        for c, pos in params:
            neuron.params.setdefault(pos[2], c)
            out.neuron_of[id(c)] = key
    for p in nodes:  # the activation applied to z: a node whose only child is z
        kids = _kids(p)
        if len(kids) == 1 and id(kids[0]) in tops and op_of(p):
            key = tops[id(kids[0])]
            out.neuron_of[id(p)] = key
            acts = out.neurons[key].activations
            if op_of(p) not in acts:
                acts.append(op_of(p))
    return out


def _scalar_neuron(
    z: Any, key: tuple[int, int], readers: Counter[int]
) -> tuple[list[Any], list[tuple[Any, tuple[int, int, int]]]]:
    """The nodes of neuron ``key`` below its ``z`` node: the chain of ``+`` (partial sums are
    unlabelled and read by nothing else), the products ``w^ℓ_{i,j}·o^{ℓ-1}_j`` and the parameters."""
    members: list[Any] = []
    params: list[tuple[Any, tuple[int, int, int]]] = []
    stack = [z]
    while stack:
        m = stack.pop()
        members.append(m)
        for c in _kids(m):
            label = label_of(c)
            parsed = notation.parse(label) if label else None
            if not label or (parsed is not None and parsed.kind == "partial"):
                if op_of(c) == "+" and readers[id(c)] == 1:
                    stack.append(c)  # a partial sum b + w_1·x_1 + ... + w_k·x_k
                continue
            name = notation.parse(label)
            if name is None or (name.layer, name.i) != key:
                continue
            if name.kind == "b":
                params.append((c, (name.layer, name.i, 0)))
            elif name.kind == "product" and op_of(c) == "*":
                members.append(c)
                for g in _kids(c):
                    gpos = _parameter(g)
                    if gpos is not None and gpos[:2] == key:
                        params.append((g, gpos))
    return members, params


def article_names(nodes: list[Any], structure: Structure) -> dict[int, str]:
    """Names (plain form, ``notation``'s) for the nodes of MLP neurons that the graph leaves
    unnamed or names apart from what they read, by id:

    - a partial sum of neuron (ℓ, i), unlabelled in micrograd's graph: ``z^ℓ_i (j≤k)``;
    - a product ``w^ℓ_{i,j}·o^{ℓ-1}_j`` whose operand is labelled otherwise (an input ``x_1``,
      which the article calls o⁰₁): ``w^ℓ_{i,j}·x_1``, so a leaf and its uses share one name.

    ``nodes`` come children first (as ``dot.trace`` returns them).
    """
    names: dict[int, str] = {}
    terms: dict[int, int] = {}  # id(partial sum) -> products summed so far
    for n in nodes:
        key = structure.neuron_of.get(id(n))
        if key is None:
            continue
        label = label_of(n)
        name = notation.parse(label) if label else None
        if name is not None and name.kind == "product" and op_of(n) == "*":
            kids = _kids(n)
            weight = next((c for c in kids if _parameter(c) is not None), None)
            operand = next((c for c in kids if c is not weight), None)
            if weight is not None and operand is not None and label_of(operand):
                shown = f"{label_of(weight)}{notation.DOT}{label_of(operand)}"
                if shown != label:
                    names[id(n)] = shown
        elif not label and op_of(n) == "+":
            k = 0
            for c in _kids(n):
                cname = notation.parse(label_of(c))
                k += terms.get(id(c), 0) + (cname is not None and cname.kind == "product")
            if k:
                terms[id(n)] = k
                names[id(n)] = notation.partial_sum(key[0], key[1], k)
    return names


def one_layer(
    nodes: list[Any], edges: list[tuple[Any, Any]], layer: int
) -> tuple[list[Any], list[tuple[Any, Any]], frozenset[int]]:
    """The nodes of MLP layer ``layer`` and the values they read from outside it (``cut``: drawn
    as inputs, without the operation that made them)."""
    structure = mlp_structure(nodes, edges)
    inside = {k for k, key in structure.neuron_of.items() if key[0] == layer}
    if not inside:
        found = sorted({key[0] for key in structure.neuron_of.values()})
        raise ValueError(f"draw_dot: layer={layer} is not in this graph (its MLP layers: {found or 'none'})")
    kept = [(c, p) for c, p in edges if id(p) in inside]
    cut = frozenset(id(c) for c, _ in kept if id(c) not in inside)
    return [n for n in nodes if id(n) in inside or id(n) in cut], kept, cut
