"""The one walk of a computation graph: the order ``backward()`` visits nodes and its steps.

Nothing here knows what ``*`` or ``tanh`` is. Each node says which operands it has and the
local derivative towards each (``engine.py``); the walk orders the nodes so that a node's
gradient is complete before it is passed on. Everything that follows backward's order reads
it from here: ``backward()`` itself (``backward.py``), ``grad`` (``gradients.py``), compiled
replay's recording, the step-through page and draw_dot's backward numbering.

The loop is iterative, so graphs of any depth work at the default recursion limit.

    >>> from microgradnet import Value
    >>> from microgradnet.walk import backward_steps
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> [(s.node.label, s.index, s.operand.label, s.local) for s in backward_steps(c)]
    [('c', 0, 'a', -3.0), ('c', 1, 'b', 2.0)]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["BackwardStep", "backward_order", "backward_steps", "topological_order"]

_NARY = object()  # marks a node whose operands and derivatives are tuples (see engine.py)
_EXIT = object()  # stack marker: every operand of the node below it has been ordered


def topological_order(root: Value, *, leaves: bool = True, roots: Sequence[Value] = ()) -> list[Value]:
    """Every node ``root`` depends on, operands before results (root last).

    Deterministic: operands are visited in operand order. With ``leaves=False`` nodes
    without operands are left out (backward() has nothing to do for them). ``roots``: more
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


def backward_order(root: Value) -> list[Value]:
    """The nodes ``root.backward()`` visits, in its order: root first, each node after every
    node computed from it (reverse topological order). Leaves are left out: backward() has
    nothing to pass on from them."""
    order = topological_order(root, leaves=False)
    order.reverse()
    return order


class BackwardStep(NamedTuple):
    """One application of the chain rule: ``operand.grad += local * node.grad``.

    ``index`` is the operand's position in ``node._prev``; ``local`` is d node / d operand as
    a float, or None for a node built by hand (``Value(data, children)``), whose derivative is
    known only to its own ``_backward()``.
    """

    node: Value
    index: int
    operand: Value
    local: float | None


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """One step per (node, operand) edge, in the order ``backward()`` applies them.

    Lazy: a consumer that applies each step before taking the next (as backward()'s checked
    path does) sees every node's gradient complete when its steps come.
    """
    for node in backward_order(root):
        operands = node._prev
        locals_: tuple[float | None, ...] = node._local_grads
        if len(locals_) != len(operands):  # built by hand: no stored local derivatives
            locals_ = (None,) * len(operands)
        for index, (operand, local) in enumerate(zip(operands, locals_)):
            yield BackwardStep(node, index, operand, local)
