"""micrograd's moons demo, run side by side with micrograd 0.1.0 and with microgradnet.

The training loop below is the demo notebook's, unchanged except for the import it is given:
MLP 2-16-16-1, SVM max-margin loss (1 - y·score).relu() averaged, plus 1e-4·Σp² L2, learning
rate 1.0 - 0.9·k/100, plain SGD ``p.data -= lr * p.grad``. Both models are built right after
``random.seed(1337)``. At every step of all 100 the losses, accuracies and every single weight
must agree - for microgradnet's default scalar graph (micrograd's own ``*`` and ``+`` nodes) and
for ``fused=True`` (one ``'dot'`` node per neuron), which sum in the same order and so must agree
with each other bit for bit.

Why a tolerance and not bit equality: micrograd keeps a node's children in a ``set``, so the
order in which its backward pass adds up a weight's 100 per-sample contributions depends on
memory addresses; sums in a different order differ in the last bit (~1e-16). Losses must agree
to 1e-12 relative, weights to 1e-12 on their scale (|w|, or 1 for smaller weights).
"""

from __future__ import annotations

import gc
import math
import random

import pytest

micrograd_engine = pytest.importorskip("micrograd.engine")
micrograd_nn = pytest.importorskip("micrograd.nn")

import microgradnet.engine as our_engine  # noqa: E402
import microgradnet.nn as our_nn  # noqa: E402

STEPS = 100  # the whole demo (micrograd takes ~0.5 s a step: this test takes about a minute)
TOL = 1e-12


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 7) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, labels -1 / +1, from a seeded pure-Python formula."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            X.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
            y.append(-1)
        else:
            X.append([1 - math.cos(t) + rng.gauss(0, noise), 0.5 - math.sin(t) + rng.gauss(0, noise)])
            y.append(1)
    return X, y


def demo_run(Value, MLP, X, y, steps, release=None, **options):
    """micrograd's demo notebook loop; yields (loss, accuracy, weights) after every step."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1], **options)
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        acc = sum(accuracy) / len(accuracy)

        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        yield total_loss.data, acc, [p.data for p in model.parameters()], model
        if release:
            release(total_loss)


def release_micrograd_graph(root) -> None:
    """Free micrograd's graph of the step just taken, quickly.

    Every micrograd node is a reference cycle (its _backward closure refers to the node), and
    so is backward()'s recursive build_topo; the garbage collector's passes over millions of
    such objects would dominate this test. Cutting the node cycles and collecting only the
    youngest generation (automatic collection is off meanwhile) frees each step in ~10 ms."""
    stack, seen = [root], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v._prev:  # leaves (the parameters among them) stay usable
            stack.extend(v._prev)
            v._backward = None
            v._prev = ()
    gc.collect(0)


def test_seeded_initial_weights_are_micrograds_exactly():
    """After random.seed(1337), MLP(2, [16, 16, 1]) draws the very same weights as micrograd's."""
    random.seed(1337)
    theirs = [p.data for p in micrograd_nn.MLP(2, [16, 16, 1]).parameters()]
    after_theirs = random.random()
    random.seed(1337)
    ours = [p.data for p in our_nn.MLP(2, [16, 16, 1]).parameters()]
    after_ours = random.random()
    assert len(ours) == len(theirs) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert ours == theirs
    assert after_ours == after_theirs  # and consumes the global stream identically


def test_the_moons_demo_reproduces_step_by_step():
    """Every step: same loss, same accuracy, every weight equal to 1e-12."""
    X, y = two_moons()
    gc.disable()
    try:
        check_side_by_side(X, y)
    finally:
        gc.enable()


def check_side_by_side(X, y):
    theirs = demo_run(micrograd_engine.Value, micrograd_nn.MLP, X, y, STEPS, release_micrograd_graph)
    ours = demo_run(our_engine.Value, our_nn.MLP, X, y, STEPS)
    fused = demo_run(our_engine.Value, our_nn.MLP, X, y, STEPS, fused=True)
    losses = []
    for k, ((loss_t, acc_t, w_t, _), (loss_o, acc_o, w_o, _), (loss_f, acc_f, w_f, _)) in enumerate(
        zip(theirs, ours, fused)
    ):
        assert abs(loss_o - loss_t) <= TOL * abs(loss_t), f"step {k}: loss {loss_o!r} vs micrograd {loss_t!r}"
        assert acc_o == acc_t, f"step {k}: accuracy {acc_o} vs micrograd {acc_t}"
        # relative to the weights' scale (about 1): a weight near 0 is a sum that cancelled, and
        # its own relative error says nothing (measured worst over 100 steps: ~1e-15)
        worst = max(abs(a - b) / max(abs(b), 1.0) for a, b in zip(w_o, w_t))
        assert len(w_o) == len(w_t) and worst <= TOL, f"step {k}: weights differ by up to {worst:.3g}"
        same = (loss_f, acc_f, w_f) == (loss_o, acc_o, w_o)
        assert same, f"step {k}: fused=True differs from the scalar graph"
        losses.append(loss_o)
    assert len(losses) == STEPS
    assert losses[-1] < 0.1 * losses[0]  # the comparison is not between two frozen models


def test_the_demo_model_prints_like_micrograds():
    """repr of the demo model is character-for-character micrograd's."""
    random.seed(1337)
    theirs = repr(micrograd_nn.MLP(2, [16, 16, 1]))
    random.seed(1337)
    assert repr(our_nn.MLP(2, [16, 16, 1])) == theirs
