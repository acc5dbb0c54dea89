"""Gradients as Values: ``grad`` (like ``torch.autograd.grad``), ``hessian`` and ``hvp``.

``backward()`` fills ``.grad`` with floats - all a training step needs. ``grad`` instead
*returns* the derivatives, and with ``create_graph=True`` it builds them out of the graph's own
Values, so they are computation graphs themselves: draw one with ``draw_dot``, or
differentiate it again, to any order.

    >>> from microgradnet import Value, grad
    >>> x = Value(0.5)
    >>> [dy] = grad(x.tanh(), [x], create_graph=True)    # 1 - tanh(x)², as a graph
    >>> [d2y] = grad(dy, [x])                            # -2 tanh(x) (1 - tanh(x)²)
    >>> round(d2y.data, 12)
    -0.726861981384

How: the same reverse sweep as ``backward()`` (``backward.py``, over the walk in
``walk.py``), but the local derivative of each node comes from its row in the table of
operations (``ops.py``), evaluated on the node's operand Values instead of as a stored float.
A row's derivative is written once and works on floats and Values alike, e.g. tanh's ``1 - out·out``.

Where a derivative has a kink (relu and abs at 0, max on a tie) the one-sided value the
engine uses is a constant there: relu'(0) = 0 and abs'(0) = 0 as in PyTorch; max gives the
whole gradient to the first operand on a tie (as ``torch.where(a >= b, a, b)``; note that
``torch.maximum`` splits it 0.5/0.5). Their second derivatives are 0 everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops as _ops
from .engine import Value
from .grad_mode import is_grad_enabled
from .validate import is_real
from .walk import topological_order

__all__ = ["grad", "hessian", "hvp"]


def _as_values(x: object, what: str) -> list[Value]:
    if isinstance(x, Value):
        return [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"grad: {what} must be a Value or a list of Values, got {type(x).__name__}")
    items = list(x)
    if not items:
        raise ValueError(f"grad: {what} is empty")
    for k, v in enumerate(items):
        if not isinstance(v, Value):
            raise TypeError(f"grad: {what}[{k}] must be a Value, got {type(v).__name__} {v!r}"[:160])
    return items


def _seeds(grad_outputs: object, n: int, create_graph: bool) -> list[Any]:
    if grad_outputs is None:
        return [1.0] * n
    if isinstance(grad_outputs, Value) or is_real(grad_outputs):
        grad_outputs = [grad_outputs]
    if isinstance(grad_outputs, (str, bytes)) or not isinstance(grad_outputs, Sequence):
        raise TypeError(
            f"grad: grad_outputs must be a list of numbers or Values, got {type(grad_outputs).__name__}"
        )
    seeds = list(grad_outputs)
    if len(seeds) != n:
        raise ValueError(f"grad: {len(seeds)} grad_outputs for {n} outputs; give one seed per output")
    for k, s in enumerate(seeds):
        if not (isinstance(s, Value) or is_real(s)):
            raise TypeError(f"grad: grad_outputs[{k}] must be a number or a Value, got {type(s).__name__}")
    return [s if isinstance(s, Value) and create_graph else float(getattr(s, "data", s)) for s in seeds]


def _local_values(node: Value) -> tuple[Any, ...]:
    """d node / d operand for each operand, as Values built from the graph (or constants)."""
    row = _ops.op_for(node)
    if row is None:
        raise ValueError(
            f"grad: node with op {node._op!r} was built by hand (Value(data, children)), so its local "
            "derivatives are unknown; build it with Value operations to use create_graph=True"
        )
    try:
        return row.local_grads(node._prev, node, _ops.op_parameter(node))
    except TypeError as exc:
        raise TypeError(
            f"grad: the derivative of {row.name!r} does not work on Values ({exc}); write it with "
            "+ - * / ** and microgradnet.ops functions (ops.exp, ops.cos, ...) instead of math"
        ) from None


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Value]:
    """d(Σ seed_k · output_k)/d input for each input, as a list of Values (one per input).

    ``grad_outputs``: the seeds, one number (or Value) per output, default 1.0 each.
    Touches no ``.grad``. With ``create_graph=True`` the results are built from the graph's
    own Values and can be differentiated again; without it they are constants (leaves).
    An input the outputs do not depend on raises ``ValueError``, or gives ``Value(0.0)`` with
    ``allow_unused=True`` (PyTorch gives None there; a Value keeps arithmetic on results simple).
    """
    outs = _as_values(outputs, "outputs")
    ins = _as_values(inputs, "inputs")
    seeds = _seeds(grad_outputs, len(outs), create_graph)
    if create_graph and not is_grad_enabled():
        raise RuntimeError(
            "grad: create_graph=True inside no_grad(), where no graph can be recorded; call it outside"
        )

    adjoint: dict[Value, Any] = {}
    for out, seed in zip(outs, seeds):
        adjoint[out] = adjoint[out] + seed if out in adjoint else seed
    order = topological_order(outs[-1], leaves=False, roots=outs[:-1])
    for node in reversed(order):
        g = adjoint.get(node)
        if g is None:
            continue
        kids = node._prev
        if create_graph:
            local = _local_values(node)
        else:
            local = node._local_grads
            if len(local) != len(kids):
                raise ValueError(
                    f"grad: node with op {node._op!r} was built by hand without local derivatives; "
                    "use backward() for it, or build it with Value operations"
                )
            g = g.data if isinstance(g, Value) else g
        for child, d in zip(kids, local):
            # float·float stays a float; with Values this builds the graph (without ·1 nodes)
            if type(g) is float and g == 1.0:
                contribution = d
            elif type(d) is float and d == 1.0:
                contribution = g
            else:
                contribution = d * g
            if child in adjoint:
                adjoint[child] = adjoint[child] + contribution
            else:
                adjoint[child] = contribution

    results: list[Value] = []
    for k, x in enumerate(ins):
        if x not in adjoint:
            if not allow_unused:
                name = f" (labelled {x.label!r})" if x.label else ""
                raise ValueError(
                    f"grad: the outputs do not depend on inputs[{k}]{name}; pass allow_unused=True to get 0"
                )
            results.append(Value(0.0))
            continue
        g = adjoint[x]
        if isinstance(g, Value):
            results.append(g if create_graph else Value(g.data))
        else:
            results.append(Value(g))
    return results


def hessian(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The matrix of second derivatives ∂²output/∂x_i∂x_j, as a list of lists of floats."""
    if not isinstance(output, Value):
        raise TypeError(f"hessian: output must be a Value, got {type(output).__name__}")
    ins = _as_values(inputs, "inputs")
    first = grad(output, ins, create_graph=True, allow_unused=True)
    return [[g.data for g in grad(gi, ins, allow_unused=True)] for gi in first]


def hvp(output: Value, inputs: Sequence[Value], vector: Sequence[float]) -> list[float]:
    """The Hessian-vector product H·v without forming H: the gradient of ∇output · v."""
    if not isinstance(output, Value):
        raise TypeError(f"hvp: output must be a Value, got {type(output).__name__}")
    ins = _as_values(inputs, "inputs")
    if isinstance(vector, (str, bytes)) or not isinstance(vector, Sequence) or len(vector) != len(ins):
        raise ValueError(f"hvp: vector must be a list of {len(ins)} numbers, one per input")
    first = grad(output, ins, create_graph=True, allow_unused=True)
    return [g.data for g in grad(first, ins, grad_outputs=list(vector), allow_unused=True)]
