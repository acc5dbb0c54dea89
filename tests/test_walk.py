"""The one backward walk (``microgradnet.walk``): its order and steps are what backward() does."""

from __future__ import annotations

import random

import pytest

from microgradnet import Value, detect_anomaly
from microgradnet.nn import MLP
from microgradnet.walk import BackwardStep, backward_order, backward_steps, topological_order


def _graph(fused: bool):
    model = MLP(2, [3, 2, 1], act="tanh", rng=random.Random(5), fused=fused)
    x = [Value(0.4), Value(-1.1)]
    out = model(x) * model(x)  # shared subgraphs: grads accumulate from several parents
    return out, x + model.parameters()


@pytest.mark.parametrize("fused", [False, True])
def test_applying_the_steps_by_hand_is_backward_bit_for_bit(fused):
    out, leaves = _graph(fused)
    out.backward()
    want = [v.grad for v in topological_order(out)]
    for v in topological_order(out):
        v.grad = 0.0
    out.grad = 1.0
    for step in backward_steps(out):
        step.operand.grad += step.local * step.node.grad
    assert [v.grad for v in topological_order(out)] == want
    assert any(w != 0.0 for w in want)


def test_the_order_is_root_first_and_every_node_after_its_results():
    out, _ = _graph(False)
    order = backward_order(out)
    assert order[0] is out
    assert order == list(reversed(topological_order(out, leaves=False)))
    position = {v: k for k, v in enumerate(order)}
    for v in order:
        for child in v._prev:
            if child in position:
                assert position[child] > position[v]  # a node comes after every node using it


def test_one_step_per_edge_with_the_local_derivative():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    steps = list(backward_steps(d))
    assert steps == [BackwardStep(d, 0, c, 1.0), BackwardStep(d, 1, a, 1.0),
                     BackwardStep(c, 0, a, -3.0), BackwardStep(c, 1, b, 2.0)]


def test_a_node_built_by_hand_has_no_local_derivative_and_its_own_backward_runs_when_checked():
    a, b = Value(2.0), Value(5.0)
    hand = Value(a.data + 2 * b.data, (a, b), "custom")

    def _backward():
        a.grad += hand.grad
        b.grad += 2 * hand.grad

    hand._backward = _backward
    out = hand * 3
    steps = list(backward_steps(out))
    assert [s.local for s in steps if s.node is hand] == [None, None]
    with detect_anomaly():
        out.backward()
    assert (a.grad, b.grad) == (3.0, 6.0)


@pytest.mark.parametrize("fused", [False, True])
def test_the_checked_backward_gives_the_same_gradients(fused):
    out, leaves = _graph(fused)
    out.backward()
    plain = [v.grad for v in leaves]
    for v in topological_order(out):
        v.grad = 0.0
    with detect_anomaly():
        out.backward()
    assert [v.grad for v in leaves] == plain
