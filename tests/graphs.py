"""Walking a graph in the tests, independently of the library's own traversal."""

from __future__ import annotations

from typing import Any


def reachable(root: Any) -> list[Any]:
    """Every node ``root`` depends on (itself included), each once, found through ``_prev``."""
    seen, stack, out = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        stack.extend(v._prev)
    return out


def lecture_neuron_and_leaves() -> tuple[Any, list[Any]]:
    """o = tanh(x1·w1 + x2·w2 + b) with the lecture's numbers (n and o labelled, the partial
    sums not), before backward(); and its leaves x1, x2, w1, w2, b."""
    from microgradnet import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def lecture_neuron() -> Any:
    """The lecture's neuron's output ``o`` (see ``lecture_neuron_and_leaves``)."""
    return lecture_neuron_and_leaves()[0]


def lecture_expression() -> dict[str, Any]:
    """The micrograd lecture's first example, L = (a*b + c) * f, every node by its label."""
    from microgradnet import Value

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}
