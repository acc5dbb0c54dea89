"""``microgradnet demo``: the lecture's tanh neuron, forward and backward, node by node."""

from __future__ import annotations

import argparse

HELP = "run the classroom demo"
EXAMPLES = "examples:\n  microgradnet demo\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def neuron_demo() -> list[tuple[str, float, float]]:
    """o = tanh(x1·w1 + x2·w2 + b) with the lecture's numbers; returns (label, data, grad) rows."""
    from ..autodiff import topological_order
    from ..engine import Value

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
    o.backward()
    return [(v.label, v.data, v.grad) for v in topological_order(o)]


def run(args: argparse.Namespace) -> int:
    print("o = tanh(x1·w1 + x2·w2 + b), then o.backward():\n")
    print(f"{'node':<16}{'data':>12}{'grad':>12}")
    for label, data, grad in neuron_demo():
        print(f"{label:<16}{data:>12.4f}{grad:>12.4f}")
    return 0
