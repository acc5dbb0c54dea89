"""Classroom material written for micrograd runs unchanged with only the import line changed.

The lecture's own notebook code (manual ``_backward()`` calls, its hand-written topological
sort and trace) runs on our Values and gives the analytic numbers; its training loop (which
micrograd 0.1.0 from PyPI can also run) takes exactly micrograd's steps.
"""

from __future__ import annotations

import importlib
import math
import random

import pytest


def engine(name):
    return importlib.import_module(f"{name}.engine").Value, importlib.import_module(f"{name}.nn")


def lecture_neuron_by_hand(Value):
    """The lecture's manual backprop: set o.grad, then call each node's _backward() in order."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)  # tanh written out, as the lecture does
    # the topological order, built by hand the way the lecture does (recursion over _prev)
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    return [round(v, 12) for v in (o.data, x1.grad, w1.grad, x2.grad, w2.grad, b.grad)], len(topo)


def test_the_lecture_s_manual_backward_pass_gives_the_analytic_numbers():
    (o, x1g, w1g, x2g, w2g, bg), n_nodes = lecture_neuron_by_hand(engine("microgradnet")[0])
    # o = tanh(n) with n = 2·(-3) + 0·1 + b; d o/d n = 1 − o²; then each product's rule
    n = 2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
    t = math.tanh(n)
    dn = 1 - t * t
    assert math.isclose(o, t, rel_tol=1e-11)
    expected = {"x1": -3.0 * dn, "w1": 2.0 * dn, "x2": 1.0 * dn, "w2": 0.0 * dn, "b": dn}
    for got, want in zip((x1g, w1g, x2g, w2g, bg), expected.values()):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    assert n_nodes > 10  # the written-out tanh: exp, +, -, / nodes all took part


def lecture_training_loop(Value, nn):
    """The lecture's second half: a 3-4-4-1 MLP fit to four points by hand-written SGD."""
    random.seed(42)
    model = nn.MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        ypred = [model(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    return losses, [p.data for p in model.parameters()], repr(model)


def test_the_lecture_s_training_loop_takes_micrograd_s_steps():
    pytest.importorskip("micrograd")
    theirs = lecture_training_loop(*engine("micrograd"))
    ours = lecture_training_loop(*engine("microgradnet"))
    assert ours[0] == pytest.approx(theirs[0], rel=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-10, abs=1e-12)
    assert ours[2] == theirs[2]  # "MLP of [Layer of [ReLUNeuron(3), ...]]"
    assert ours[0][-1] < ours[0][0]


def test_the_lecture_s_own_draw_dot_helper_works_on_our_values():
    """The lecture notebook's trace(): sets of nodes and edges read from _prev and _op."""
    Value, _ = engine("microgradnet")
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    d = e + Value(10.0, label="c")
    d.label = "d"

    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    nodes, edges = trace(d)
    assert {n.label for n in nodes} == {"a", "b", "c", "e", "d"}
    assert {(c.label, p.label, p._op) for c, p in edges} == {
        ("a", "e", "*"), ("b", "e", "*"), ("e", "d", "+"), ("c", "d", "+")
    }
