"""``backward()``: the chain rule over the graph, for any operation.

Nothing here knows what ``*`` or ``tanh`` is. Each node says which operands it has and the
local derivative towards each (``engine.py``); the walk (``walk.py``) visits nodes so that a
node's gradient is complete before it is passed on, and this does ``operand.grad += local ·
node.grad``. ``grad()`` (returning derivatives as Values) is in ``gradients.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import grad_mode as _gm
from .validate import is_real
from .walk import _NARY, backward_steps, topological_order

if TYPE_CHECKING:
    from .engine import Value


def backward(root: Value, grad: float = 1.0) -> None:
    """Set ``root.grad = grad`` and accumulate d(root)/d(node) into every node's ``grad``."""
    if not is_real(grad):
        raise TypeError(f"backward: grad must be a number (the seed d(root)/d(root)), got {grad!r}")
    root.grad = grad
    if _gm.anomaly_enabled():
        return _checked_backward(root)
    order = topological_order(root, leaves=False)
    for v in reversed(order):
        g = v.grad
        b = v._b
        if b is None:
            a = v._a
            a.grad += v._da * g
        elif b is _NARY:
            da = v._da
            if da is None:  # built by hand with Value(data, children): its own _backward
                v._backward()
            else:
                for c, d in zip(v._a, da):
                    c.grad += d * g
        else:
            a = v._a
            a.grad += v._da * g
            b.grad += v._db * g


def _checked_backward(root: Value) -> None:
    """backward() inside detect_anomaly(): the same chain rule, step by step from the one walk
    (``walk.backward_steps``), checking every gradient it changes."""
    for node, index, operand, local in backward_steps(root):
        if local is None:  # built by hand: its own _backward() updates every operand at once
            if index == 0:
                node._backward()
        else:
            operand.grad += local * node.grad
        _gm.check_grad(node, operand)
