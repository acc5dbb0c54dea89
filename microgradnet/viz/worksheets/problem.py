"""One student's exercise: a graph with numbers a student can work with by hand, and its key.

The numbers are drawn at random from "nice" ones (small integers, one decimal) until every
value is defined, finite and small, and every activation's input (pre-activation) lies within
±PREACTIVATION_LIMIT, where tanh and sigmoid still have slopes worth computing (tanh' ≥ 0.18).

The key holds the numbers a careful student gets: each value is computed from the numbers
*printed* in the boxes it comes from and then rounded as printed (``notation.number`` with
DECIMALS places), and each gradient likewise, by the chain rule on the printed values (tanh's
local derivative 1 − o² with the printed o). So correct work agrees with the key to the last
digit, not only with the unrounded float. The operations' forward and local derivatives come
from the op table (``ops.py``), never written here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ... import notation as N
from ... import ops
from ...engine import Value
from ...walk import backward_order, topological_order
from ..dot import trace
from ..structure import article_names, mlp_structure

__all__ = [
    "Problem", "make_problem", "nice_number", "printed", "MAX_VALUES", "MAX_WEIGHTS", "PREACTIVATION_LIMIT",
    "DECIMALS", "shown", "print_values",
]

DECIMALS = 4  # every number on a sheet and its key is rounded to this many decimal places
PREACTIVATION_LIMIT = 1.5  # |z| at every activation: tanh(1.5) = 0.905, tanh'(1.5) = 0.18
MAX_VALUES = 60  # boxes in one graph: what prints legibly on one page (an MLP 2-4-1 has 53)
MAX_WEIGHTS = 12  # weights in a worksheet MLP: more is not an exercise by hand
TRIES = 2000  # random draws before giving up on a formula (each costs microseconds)
_NICE_INTS = (-3, -2, -1, 1, 2, 3)
_NICE_DECIMALS = (-1.5, -0.5, 0.5, 1.5, -0.2, 0.2, -0.4, 0.4)
_SMALL = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
_UNDEFINED = (ValueError, ZeroDivisionError, OverflowError, ArithmeticError)


def nice_number(rng: random.Random, small: bool = False) -> float:
    """A number a student can compute with by hand: a small integer (2 in 3) or one decimal;
    ``small``: only ±1, ±2 and ±0.5 (for networks, whose values multiply layer after layer)."""
    if small:
        return rng.choice(_SMALL)
    return float(rng.choice(_NICE_INTS)) if rng.random() < 2 / 3 else rng.choice(_NICE_DECIMALS)


def printed(x: float) -> float:
    """``x`` as a sheet prints it (DECIMALS places, the one number formatter) and reads back."""
    return float(N.number(x, decimals=DECIMALS))


@dataclass
class Problem:
    """One student's exercise. ``root``'s graph holds the printed numbers: every node's ``data``
    and ``grad`` are what the sheet and its key show (rounded as a student rounds)."""

    root: Value
    given: dict[str, float]  # name -> the number printed on the sheet
    statement: str  # the formula or network, with the given numbers, in one line
    answers: list[tuple[str, str, float]] = field(default_factory=list)  # (label, 'data'/'grad', value)


def _apply(node: Value, args: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
    """The node's operation on ``args`` (floats): its value and its local derivatives, from its
    row of the op table."""
    row = ops.op_for(node)
    if row is None or row.forward is None:
        raise ValueError(f"worksheet: the operation {getattr(node, '_op', '?')!r} has no row in the op table")
    p = ops.op_parameter(node)
    if row.arity == 0:
        out = row.forward(args)
    else:
        out = row.forward(*args) if p is None else row.forward(*args, p)
    out = printed(float(out))
    return out, tuple(float(d) for d in row.local_grads(args, out, p))


def print_values(root: Value) -> None:
    """Overwrite every node's data and grad with the numbers a student computes by hand from the
    printed ones: forward from the leaves, then the chain rule from the root (grad 1)."""
    order = topological_order(root)
    locals_: dict[Value, tuple[float, ...]] = {}
    for n in order:
        n.grad = 0.0
        if n._prev:
            n.data, locals_[n] = _apply(n, tuple(c.data for c in n._prev))
        else:
            n.data = printed(n.data)
    root.grad = 1.0
    for n in backward_order(root):  # a node's gradient is complete when its turn comes
        n.grad = printed(n.grad)
        for child, local in zip(n._prev, locals_[n]):
            child.grad += local * n.grad
    for n in order:
        if not n._prev:
            n.grad = printed(n.grad)


def _fits(nodes: list[Value], limit: float) -> bool:
    """Every number finite and below ``limit``; every activation's input within ±PREACTIVATION_LIMIT
    (and a ReLU's not exactly at its kink)."""
    for n in nodes:
        if not all(math.isfinite(v) and abs(v) < limit for v in (n.data, n.grad)):
            return False
        row = ops.op_for(n)
        if row is not None and row.activation and n._prev:
            z = n._prev[0].data
            if abs(z) > PREACTIVATION_LIMIT or z == 0.0:
                return False
    return True


def _name_nodes(root: Value, nodes: list[Value]) -> None:
    """Give every box a name the key can refer to, the one the picture shows. A network's
    partial sums and products get the article's names from ``viz.structure.article_names``
    (z^ℓ_i (j≤k); w^ℓ_{i,j}·x_j for a product of an input, so a leaf and its uses share one
    name); a formula's constants their number; any other unnamed value (a long sub-formula the
    parser leaves blank) v_1, v_2, ..."""
    traced, edges = trace(root)
    names = article_names(traced, mlp_structure(traced, edges))
    for n in traced:
        if id(n) in names:
            n.label = names[id(n)]
    taken = {n.label for n in nodes if n.label}
    k = 0
    for n in nodes:
        if n.label:
            continue
        if not n._prev:
            n.label = shown(n.data)
            continue
        k += 1
        while f"v_{k}" in taken:
            k += 1
        n.label = f"v_{k}"


def graph_size(root: Value) -> int:
    """How many boxes (Values) the graph of ``root`` has."""
    return len(topological_order(root))


def _too_big(count: int, what: str) -> ValueError:
    return ValueError(
        f"worksheet: {what} makes a graph of {count} values; a one-page worksheet holds at most "
        f"{MAX_VALUES}: shorten the formula (fewer terms) or use a smaller network"
    )


def make_problem(
    source: str | Sequence[int], rng: random.Random, fixed: Mapping[str, float] | None = None
) -> Problem:
    """One exercise with nice random numbers (``fixed`` names keep the numbers given).

    ``source``: a formula (see ``microgradnet graph --help``) or MLP sizes such as ``[2, 2, 1]``.
    Numbers that make the formula undefined (log of a negative, division by zero), saturate an
    activation or leave a layer of a network without gradient are drawn again.
    """
    fixed = dict(fixed or {})
    if isinstance(source, str):
        return _formula_problem(source, rng, fixed)
    return _mlp_problem(_sizes(source), rng, fixed)


def _formula_problem(source: str, rng: random.Random, fixed: dict[str, float]) -> Problem:
    from ...expr import parse

    expression = parse(source)
    unknown = [n for n in fixed if n not in expression.names]
    if unknown:
        raise ValueError(f"worksheet: {unknown[0]!r} is given a value but does not appear in {source!r}")
    sized = False
    for attempt in range(TRIES):
        # after half the tries, smaller numbers: many terms each within ±1.5 at once is rare otherwise
        small = attempt >= TRIES // 2
        values = {n: fixed.get(n, nice_number(rng, small)) for n in expression.names}
        try:
            root, _ = expression.build(values)
        except _UNDEFINED:
            continue
        nodes = topological_order(root)
        if not sized:  # the same structure for every draw: counted once, before any drawing
            if len(nodes) > MAX_VALUES:
                raise _too_big(len(nodes), "the formula")
            sized = True
        try:
            print_values(root)
        except _UNDEFINED:
            continue
        if _fits(nodes, 1e4):
            _name_nodes(root, nodes)
            given = ", ".join(f"{n} = {shown(v)}" for n, v in values.items())
            statement = f"f = {' '.join(source.split())}" + (f"   with   {given}" if given else "")
            return _answers(Problem(root, values, statement), nodes)
    raise ValueError(
        f"worksheet: found no nice numbers for which {source!r} is defined with every activation's input "
        f"within ±{PREACTIVATION_LIMIT}; give some with --set"
    )


def _mlp_problem(sizes: list[int], rng: random.Random, fixed: dict[str, float]) -> Problem:
    from ...nn import MLP

    model = MLP(sizes[0], sizes[1:], act="relu", rng=random.Random(0))
    labels = [p.label for p in model.parameters()]
    ys = ["y" if sizes[-1] == 1 else f"y_{i}" for i in range(1, sizes[-1] + 1)]
    known = [*labels, *(f"x_{j}" for j in range(1, sizes[0] + 1)), *ys]
    unknown = [n for n in fixed if n not in known]
    if unknown:
        raise ValueError(f"worksheet: {unknown[0]!r} is not a number of this network; its names are "
                         f"{', '.join(known)}")
    for _ in range(TRIES):
        given = {name: fixed.get(name, nice_number(rng, small=True)) for name in labels}
        for p in model.parameters():
            p.data = given[p.label]
        xs = [Value(fixed.get(f"x_{j}", nice_number(rng, True)), label=f"x_{j}")
              for j in range(1, sizes[0] + 1)]
        targets = {y: fixed.get(y, nice_number(rng, True)) for y in ys}
        e = _error(model(xs), targets)
        nodes = topological_order(e)
        if len(nodes) > MAX_VALUES:
            raise _too_big(len(nodes), f"an MLP {'-'.join(map(str, sizes))}")
        print_values(e)
        # every layer learns something: a sheet where ReLU zeroes all of a layer's gradients is dull
        learns = all(any(p.grad != 0.0 for p in layer.parameters()) for layer in model.layers)
        if learns and _fits(nodes, 100.0):
            _name_nodes(e, nodes)
            inputs = {x.label: x.data for x in xs}
            statement = (
                f"MLP {'-'.join(map(str, sizes))} (ReLU, linear output), e = (ŷ − y)²:  "
                + ", ".join(f"{N.typeset(k)} = {shown(v)}" for k, v in {**inputs, **targets}.items())
            )
            return _answers(Problem(e, {**inputs, **targets, **given}, statement), nodes)
    raise ValueError("worksheet: found no numbers for which every layer of the network gets a gradient; "
                     "give fewer numbers with --set")


def _error(out: Value | list[Value], targets: dict[str, float]) -> Value:
    """e = Σ (ŷ_i − y_i)², each node named as the article names it."""
    outs = out if isinstance(out, list) else [out]
    terms = []
    for o, (name, y) in zip(outs, targets.items()):
        diff = o - Value(y, label=name)
        diff.label = "ŷ − y" if name == "y" else f"ŷ_{name[2:]} − {name}"
        terms.append(diff**2)
    e = terms[0]
    for t in terms[1:]:
        e = e + t
    e.label = "e"
    return e


def _sizes(source: Sequence[int]) -> list[int]:
    try:
        sizes = [int(s) for s in source]
    except (TypeError, ValueError):
        raise TypeError(f"worksheet: expected a formula or MLP sizes like [2, 2, 1], not {source!r}") \
            from None
    if len(sizes) < 2 or any(s < 1 for s in sizes) or any(isinstance(s, bool) for s in source):
        raise ValueError(f"worksheet: MLP sizes must be at least two positive numbers, got {list(source)!r}")
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(
            f"worksheet: an MLP {'-'.join(map(str, sizes))} has {weights} weights, too many to do by hand "
            f"on one page; use at most {MAX_WEIGHTS} (e.g. 2-2-1 or 1-2-1)"
        )
    return sizes


def shown(x: float) -> str:
    """A number as printed on the sheets: DECIMALS places, no trailing zeros."""
    text = N.number(x, decimals=DECIMALS)
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def _answers(problem: Problem, nodes: list[Value]) -> Problem:
    problem.answers = [(n.label, name, getattr(n, name)) for n in nodes for name in ("data", "grad")]
    return problem
