"""Equation 8, weight by weight, against ``backward()`` on the same network built from Values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import losses as registry
from .. import notation
from ..engine import Value
from ..grad_mode import is_grad_enabled
from .backprop import Backprop, Target, backprop, check_input, check_loss, check_target, weight_name


def loss_from_values(loss: str, yhat: Sequence[Value], target: Target) -> Value:
    """The same loss built from ``Value`` nodes by ``microgradnet.functional`` (the registry's
    ``on_values``), for ``backward()`` to differentiate on its own."""
    spec = registry.get(loss)
    if isinstance(yhat, (str, bytes)) or not isinstance(yhat, Sequence) or not yhat:
        raise TypeError(f"ŷ must be a non-empty list of Values (the network's outputs), got {yhat!r:.40}")
    return spec.on_values(list(yhat), spec.target(target, len(yhat)))


class Row(NamedTuple):
    """One weight: where it is, its name, ∂e/∂w by Equation 8 and by backward(), and |difference|."""

    l: int
    i: int
    j: int
    name: str
    eq8: float
    autograd: float
    diff: float


class NodeRow(NamedTuple):
    """One unit's ∂e/∂o^ℓ_i: by Equation 9 (ℓ = N) or 12, and by backward()."""

    l: int
    i: int
    name: str
    equation: float
    autograd: float
    diff: float


@dataclass
class Autograd:
    """What backward() found: e, dO[ℓ][i-1] = o^ℓ_i.grad, dW[ℓ][i-1][j] = w^ℓ_{i,j}.grad (j = 0: bias)."""

    e: float
    dO: list[list[float]]
    dW: list[list[list[float]]]


def autograd(
    model: Any, x: Sequence[float], target: Target, loss: str = "nll", *, bias: bool = True
) -> Autograd:
    """Build e from the model's own Values (its layers called one by one), run ``backward()``
    and read every gradient. The model is left as it was: its grads (and, with bias=False,
    its biases, held at 0 meanwhile) are restored afterwards."""
    if not is_grad_enabled():
        raise RuntimeError("equations: backward() needs a graph; call this outside no_grad()")
    check_loss(loss)
    xs = check_input(model, x)
    target = check_target(loss, target, model.sizes[-1])
    params = model.parameters()
    saved_grads = [p.grad for p in params]
    biases = [n.b for layer in model.layers for n in layer.neurons]
    saved_biases = [b.data for b in biases]
    try:
        for p in params:
            p.grad = 0.0
        if not bias:
            for b in biases:
                b.data = 0.0
        out: list[Value] = [Value(v, label=notation.activation(0, j)) for j, v in enumerate(xs, start=1)]
        outs = [out]
        for layer in model.layers:
            r = layer(out)
            out = r if isinstance(r, list) else [r]
            outs.append(out)
        e = loss_from_values(loss, out, target)
        e.backward()
        dO = [[v.grad for v in o] for o in outs]
        dW = [[]] + [[[n.b.grad] + [w.grad for w in n.w] for n in layer.neurons] for layer in model.layers]
        return Autograd(e.data, dO, dW)
    finally:
        for p, g in zip(params, saved_grads):
            p.grad = g
        for b, d in zip(biases, saved_biases):
            b.data = d


def _fixed(v: float, digits: int) -> str:
    s = f"{v:.{digits}f}"
    # a value that rounds to zero prints without its sign: "-0.000" reads like a bug
    return s[1:] if s.startswith("-") and not s.strip("-0.") else s


def _diff(a: float, b: float) -> float:
    return abs(a - b)


@dataclass
class Comparison:
    """The article's ∂e/∂w (Equation 8) next to backward()'s, for every weight.

    ``rows`` has one ``Row`` per weight (bias rows have j = 0), ``nodes`` one ``NodeRow`` per
    unit (∂e/∂o^ℓ_i, Equations 9 and 12); ``max_diff`` is the largest |difference| of the rows.
    ``str(comparison)`` is the aligned table.
    """

    equations: Backprop
    backward: Autograd
    rows: list[Row]
    nodes: list[NodeRow]

    @property
    def max_diff(self) -> float:
        return max((r.diff for r in self.rows), default=0.0)

    def format_table(self, digits: int = 10) -> str:
        """One line per weight: ℓ, i, j, weight, ∂e/∂w (Eq. 8), ∂e/∂w (backward), |diff|,
        the derivatives with ``digits`` decimals."""
        head = ("ℓ", "i", "j", "weight", "∂e/∂w (Eq. 8)", "∂e/∂w (backward)", "|diff|")
        body = [
            (str(r.l), str(r.i), str(r.j), r.name, _fixed(r.eq8, digits), _fixed(r.autograd, digits),
             f"{r.diff:.1e}")
            for r in self.rows
        ]
        widths = [max(len(line[c]) for line in [head, *body]) for c in range(len(head))]
        left = {3}  # the weight's name reads best left-aligned; numbers right-aligned

        def fmt(line: tuple[str, ...]) -> str:
            cells = zip(line, widths)
            return "  ".join(s.ljust(w) if c in left else s.rjust(w) for c, (s, w) in enumerate(cells))

        lines = [fmt(head), "  ".join("─" * w for w in widths)] + [fmt(b) for b in body]
        lines.append(
            f"e = {self.equations.loss}(ŷ, y) = {self.equations.e:.{digits}g}; "
            f"{len(self.rows)} weights, maximum |diff| = {self.max_diff:.1e}"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_table()


def compare(
    model: Any, x: Sequence[float], target: Target, loss: str = "nll", *, bias: bool = True
) -> Comparison:
    """Every weight's ∂e/∂w by the article's Equation 8 and by ``backward()``, side by side.

    >>> import random
    >>> from microgradnet.nn import MLP
    >>> model = MLP(2, [3, 2], act='tanh', rng=random.Random(0))
    >>> compare(model, [0.5, -1.2], target=1).max_diff < 1e-12
    True
    """
    eq = backprop(model, x, target, loss, bias=bias)
    ag = autograd(model, x, target, loss, bias=bias)
    rows = [
        Row(l, i, j, weight_name(l, i, j), eq.de_dw(l, i, j), ag.dW[l][i - 1][j],
            _diff(eq.de_dw(l, i, j), ag.dW[l][i - 1][j]))
        for l, i, j in eq.weights()
    ]
    nodes = [
        NodeRow(l, i, notation.activation(l, i), eq.de_do(l, i), ag.dO[l][i - 1],
                _diff(eq.de_do(l, i), ag.dO[l][i - 1]))
        for l in range(1, eq.fp.N + 1)
        for i in range(1, eq.fp.sizes[l] + 1)
    ]
    return Comparison(eq, ag, rows, nodes)
