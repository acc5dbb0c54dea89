"""Reverse-mode traversal: topological order and the chain rule, for any operation.

Nothing here knows what ``*`` or ``tanh`` is. Each node says which children it has and the
local derivative towards each (``engine.py``); the traversal visits nodes so that a node's
gradient is complete before it is passed on, and does ``child.grad += local · node.grad``.

Both loops are iterative, so graphs of any depth work at the default recursion limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import grad_mode as _gm

if TYPE_CHECKING:
    from .engine import Value

_NARY = object()  # marks a node whose children and derivatives are tuples (see engine.py)
_EXIT = object()  # stack marker: every child of the node below it has been ordered


def topological_order(root: Value, *, leaves: bool = True, roots: Sequence[Value] = ()) -> list[Value]:
    """Every node ``root`` depends on, children before parents (root last).

    Deterministic: operands are visited in operand order. With ``leaves=False`` nodes
    without children are left out (backward() has nothing to do for them). ``roots``: more
    roots, ordered together with ``root`` (each node once).
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[object] = [*reversed(roots), root] if roots else [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        v = pop()
        if v is _EXIT:
            emit(pop())
            continue
        a = v._a  # type: ignore[attr-defined]
        if a is None:  # a leaf: nothing below it; only remembered when it is to be emitted
            if leaves and v not in seen:
                mark(v)
                emit(v)
            continue
        if v in seen:
            continue
        mark(v)
        push(v)
        push(_EXIT)
        b = v._b  # type: ignore[attr-defined]
        if b is None:
            push(a)
        elif b is _NARY:
            # reversed, so the stack pops the first operand first
            for c in reversed(a):
                if c not in seen:
                    push(c)
        else:
            push(b)
            push(a)
    return order


def backward(root: Value, grad: float = 1.0) -> None:
    """Set ``root.grad = grad`` and accumulate d(root)/d(node) into every node's ``grad``."""
    if not isinstance(grad, (int, float)) or isinstance(grad, bool):
        raise TypeError(f"backward: grad must be a number (the seed d(root)/d(root)), got {grad!r}")
    order = topological_order(root, leaves=False)
    root.grad = grad
    if _gm.anomaly_enabled():
        return _checked_backward(order)
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


def _checked_backward(order: list[Value]) -> None:
    """backward() inside detect_anomaly(): the same chain rule, checking every gradient."""
    for v in reversed(order):
        before = v._prev
        v._backward()
        for c in before:
            _gm.check_grad(v, c)
