"""Compiled replay: record one training step's graph once, then re-run it on plain floats.

Eager training rebuilds the whole graph of Values at every step although, for a fixed network
and batch shape, it is the same graph every time. ``compile_step`` runs your loss function
once on Values, reads the recorded graph and turns it into one Python function of plain
floats: the forward pass node by node, then the backward pass, ``child.grad += local * grad``
for each operand of each node in the order ``loss.backward()`` visits them. Calling the
compiled step feeds it the new inputs and the parameters' current ``.data``, and adds the
gradients into the parameters' ``.grad``, exactly as ``loss.backward()`` would (same
operations in the same order: bit-identical results) - without creating a single Value.

A batch's graph is one small graph per sample; the generated code writes such a repeated block
once, as a loop over the samples, so recording stays cheap (a few eager steps' time) and the
replay runs at the speed of hand-written float code.

    >>> import random
    >>> from microgradnet.nn import MLP
    >>> from microgradnet.compile import compile_step
    >>> random.seed(0); model = MLP(2, [4, 1])
    >>> def loss_fn(X, y):
    ...     scores = [model(x) for x in X]
    ...     return sum((s - t) ** 2 for s, t in zip(scores, y)) * (1.0 / len(y))
    >>> X, y = [[0.5, -1.0], [1.5, 2.0]], [1.0, -1.0]
    >>> step = compile_step(loss_fn, X, y, params=model.parameters())
    >>> model.zero_grad(); loss = step(X, y)          # forward + backward, grads in p.grad
    >>> loss == loss_fn(X, y).data
    True

The contract: the graph's *structure* must not depend on the data. ReLU, abs and leaky ReLU
branches are fine (they are recomputed at every replay); a Python ``if`` on a Value's
``.data`` is not, and neither is a number taken from ``.data`` (it would be frozen into the
recording), because the replay cannot see them. Two guards: recording raises
``CompileError`` naming the line where the function reads a Value's ``.data``; and
``check=True`` (or ``step.verify(...)``) re-runs the function eagerly and raises
``GraphChangedError`` when the structure or the numbers differ. Inputs of a different shape
are recorded again automatically.

The generated source (``step.source(*args)``) contains only identifiers built from node
positions and the replay templates of the table of operations (``microgradnet.ops``); every
number travels in a list argument, never in the source, so nothing the user supplies is ever
executed.

The package, one job per module: ``args`` (arguments in and results out), ``record`` (running
the function, watching ``.data`` reads, reading the graph), ``runs`` (finding the repeated
blocks), ``plan`` (loops and who needs which gradient), ``codegen`` (writing the code),
``step`` (the public ``compile_step``).
"""

from __future__ import annotations

from .args import CompileError, GraphChangedError
from .step import CompiledStep, compile_step

__all__ = ["compile_step", "CompiledStep", "GraphChangedError", "CompileError"]
