"""The classroom's standard examples, built one way everywhere (demo, pictures, notebooks)."""

from __future__ import annotations

from .engine import Value


def lecture_neuron(backward: bool = True) -> Value:
    """o = tanh(x1·w1 + x2·w2 + b) with the micrograd lecture's numbers, every node labelled.

    b = 6.8813735870195432 makes n = 0.8814 and o = tanh(n) = 1/√2, so after ``o.backward()``
    n.grad = 1 − o² = 0.5, x1.grad = w1·0.5 = −1.5 and w1.grad = x1·0.5 = 1.0.
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    if backward:
        o.backward()
    return o
