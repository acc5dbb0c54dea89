"""The article's forward pass (Equation 1) and backward pass (Equations 9 → 12 → 8) in floats.

Notation (1-based, as in the article; names from ``microgradnet.notation``): O^0 = X;
Z^ℓ = W^ℓ × O^{ℓ-1}; O^ℓ = φ(Z^ℓ) for 1 ≤ ℓ ≤ N-1; ŷ = O^N = Z^N (the last layer is linear).
A bias is the weight on a constant input 1: b^ℓ_i ≡ w^ℓ_{i,0} and o^{ℓ-1}_0 = 1, so column 0 of
every W^ℓ holds the biases.

"Without bias" (``bias=False``) means the network's biases are held at 0 and are not weights:
z^ℓ_i = Σ_{j≥1} w^ℓ_{i,j}·o^{ℓ-1}_j, and there is no j = 0 column to differentiate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import losses as registry
from .. import notation
from ..validate import is_real, is_whole
from .activations import Activation, activation

Target = int | float | Sequence[float]

# name → the registry's Loss (its .formula and .equation9_text print the equations); the
# article's name 'nll' first, the other names as the registry spells them
LOSSES: dict[str, registry.Loss] = {
    "nll" if loss.name == "cross_entropy" else loss.name: loss for loss in registry.LOSSES.values()
}


def check_loss(loss: str) -> str:
    """The loss name, checked against the loss registry (``microgradnet.losses``)."""
    registry.get(loss)
    return loss


def check_target(loss: str, target: object, d_out: int) -> Any:
    """Validate ``target`` for ``loss`` on a network with ``d_out`` outputs (classes count from
    0: class c is output c + 1, o^N_{c+1}); return it as the loss uses it."""
    return registry.get(loss).target(target, d_out)


def loss_value(loss: str, yhat: Sequence[float], target: Target) -> float:
    """e = loss(ŷ, y) in plain floats."""
    return registry.get(loss).value(yhat, target)


def equation9(loss: str, yhat: Sequence[float], target: Target) -> list[float]:
    """Equation 9: ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i for every output i, written out by hand in floats
    (by the loss registry, ``microgradnet.losses``).

    >>> equation9('nll', [0.0, 0.0], 1)   # softmax − one-hot of class 1 (the second output)
    [0.5, -0.5]
    """
    return registry.get(loss).equation9(yhat, target)


def check_model(model: object) -> None:
    """The equations are about an MLP (layers of neurons, ``sizes``, ``act``): refuse anything else."""
    if not all(hasattr(model, a) for a in ("sizes", "layers", "act")):
        kind = type(model).__name__
        raise TypeError(f"the equations need an nn.MLP (with sizes, layers and act), got {kind}")


def check_input(model: Any, x: object) -> list[float]:
    """x as a list of d_0 finite floats, or a ValueError/TypeError saying what is wrong."""
    check_model(model)
    d0 = model.sizes[0]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"input x must be a list of {d0} numbers, got {x!r}")
    if len(x) != d0:
        raise ValueError(f"input x must have {d0} numbers (the network's d_0), got {len(x)}")
    out = []
    for v in x:
        if not is_real(v):
            raise TypeError(f"input x must contain real numbers, got {v!r}")
        if not math.isfinite(float(v)):
            raise ValueError(f"input x must contain finite numbers, got {v!r}")
        out.append(float(v))
    return out


def check_index(sizes: Sequence[int], l: object, i: object, j: object, bias: bool = True) -> None:
    """ValueError unless (ℓ, i, j) names a weight: 1 ≤ ℓ ≤ N, 1 ≤ i ≤ d_ℓ, 0/1 ≤ j ≤ d_{ℓ-1}."""
    n = len(sizes) - 1
    for name, v in (("ℓ", l), ("i", i), ("j", j)):
        if not is_whole(v):
            raise TypeError(f"weight index {name} must be a whole number, got {v!r}")
    if not 1 <= l <= n:  # type: ignore[operator]
        raise ValueError(f"layer ℓ must be between 1 and {n} (the network has {n} layers), got {l}")
    if not 1 <= i <= sizes[l]:  # type: ignore[operator, index]
        raise ValueError(f"neuron i of layer {l} must be between 1 and {sizes[l]}, got {i}")  # type: ignore[index]
    lo = 0 if bias else 1
    if not lo <= j <= sizes[l - 1]:  # type: ignore[operator]
        what = "0 (the bias)" if bias else "1 (no biases here)"
        raise ValueError(
            f"input j of layer {l} must be between {what} and {sizes[l - 1]}, got {j}"  # type: ignore[operator]
        )


def weight_name(l: int, i: int, j: int) -> str:
    """The article's name of a weight: w^ℓ_{i,j}, or b^ℓ_i for j = 0 (``microgradnet.notation``)."""
    return notation.bias(l, i) if j == 0 else notation.weight(l, i, j)


def read_weights(model: Any, bias: bool = True) -> list[list[list[float]]]:
    """W[ℓ][i-1][j] = w^ℓ_{i,j} as floats (column j = 0 is the bias, 0 without bias); W[0] = []."""
    check_model(model)
    W: list[list[list[float]]] = [[]]
    for layer in model.layers:
        W.append([[n.b.data if bias else 0.0] + [w.data for w in n.w] for n in layer.neurons])
    return W


@dataclass
class ForwardPass:
    """Equation 1 with every intermediate kept: Z[ℓ] = Z^ℓ, O[ℓ] = O^ℓ (lists of floats).

    Python lists are 0-based, so use the 1-based accessors ``z(ℓ, i)``, ``o(ℓ, j)``
    (``o(ℓ, 0) == 1``, the bias input) and ``w(ℓ, i, j)``. ``Z[0]`` is empty; ``O[0]`` is X.
    """

    sizes: list[int]
    act: str
    bias: bool
    W: list[list[list[float]]]
    Z: list[list[float]]
    O: list[list[float]]

    @property
    def N(self) -> int:
        """The number of layers."""
        return len(self.sizes) - 1

    @property
    def yhat(self) -> list[float]:
        """ŷ = O^N = Z^N."""
        return self.O[-1]

    def activation(self, l: int) -> Activation:
        """φ of layer ℓ: the network's activation, the identity on the last layer."""
        return activation(self.act if l < self.N else "linear")

    def z(self, l: int, i: int) -> float:
        """z^ℓ_i, the pre-activation of neuron i of layer ℓ."""
        return self.Z[l][i - 1]

    def o(self, l: int, j: int) -> float:
        """o^ℓ_j (o^ℓ_0 = 1, the constant input of the biases; o^0 = x)."""
        return 1.0 if j == 0 else self.O[l][j - 1]

    def w(self, l: int, i: int, j: int) -> float:
        """w^ℓ_{i,j} (j = 0: the bias b^ℓ_i)."""
        return self.W[l][i - 1][j]

    def phi_prime(self, l: int, i: int) -> float:
        """φ'(z^ℓ_i); 1 on the last layer."""
        return self.activation(l).phi_prime(self.z(l, i))


def forward(model: Any, x: Sequence[float], *, bias: bool = True) -> ForwardPass:
    """Run the network on x in plain floats, keeping Z^ℓ and O^ℓ for every layer."""
    check_model(model)
    activation(model.act)  # a clear error for an activation this module cannot differentiate
    xs = check_input(model, x)
    W = read_weights(model, bias)
    n = len(W) - 1
    Z: list[list[float]] = [[]]
    O: list[list[float]] = [xs]
    for l in range(1, n + 1):
        phi = activation(model.act if l < n else "linear").phi
        zl = []
        for row in W[l]:
            z = row[0]  # bias first, then left to right: the same order as the engine's sum
            for wj, oj in zip(row[1:], O[l - 1]):
                z += wj * oj
            zl.append(z)
        Z.append(zl)
        O.append([phi(z) for z in zl])
    return ForwardPass(list(model.sizes), model.act, bias, W, Z, O)


@dataclass
class Backprop:
    """The article's backward pass: dO[ℓ][i-1] = ∂e/∂o^ℓ_i (Equation 9 for ℓ = N, Equation 12
    below) and dW[ℓ][i-1][j] = ∂e/∂w^ℓ_{i,j} (Equation 8; j = 0 is the bias)."""

    fp: ForwardPass
    loss: str
    target: Target
    e: float
    dO: list[list[float]] = field(default_factory=list)
    dW: list[list[list[float]]] = field(default_factory=list)

    def de_do(self, l: int, i: int) -> float:
        """∂e/∂o^ℓ_i by Equations 9 and 12."""
        return self.dO[l][i - 1]

    def de_dw(self, l: int, i: int, j: int) -> float:
        """∂e/∂w^ℓ_{i,j} by Equation 8 (j = 0: the bias)."""
        return self.dW[l][i - 1][j]

    def equation12_terms(self, l: int, i: int) -> list[tuple[int, float, float, float]]:
        """The terms of Equation 12 for ∂e/∂o^ℓ_i (ℓ < N), one per k:
        (k, ∂e/∂o^{ℓ+1}_k, φ'(z^{ℓ+1}_k), w^{ℓ+1}_{k,i})."""
        fp = self.fp
        return [
            (k, self.de_do(l + 1, k), fp.phi_prime(l + 1, k), fp.w(l + 1, k, i))
            for k in range(1, fp.sizes[l + 1] + 1)
        ]

    def weights(self) -> list[tuple[int, int, int]]:
        """Every (ℓ, i, j) that is a weight, layer by layer, neuron by neuron, bias (j = 0) first."""
        lo = 0 if self.fp.bias else 1
        sizes = self.fp.sizes
        return [
            (l, i, j)
            for l in range(1, self.fp.N + 1)
            for i in range(1, sizes[l] + 1)
            for j in range(lo, sizes[l - 1] + 1)
        ]


def backprop(
    model: Any, x: Sequence[float], target: Target, loss: str = "nll", *, bias: bool = True
) -> Backprop:
    """Equations 9, 12 and 8 for every unit and weight of ``model`` on one sample (x, target)."""
    check_loss(loss)
    fp = forward(model, x, bias=bias)
    target = check_target(loss, target, fp.sizes[-1])
    N = fp.N
    bp = Backprop(fp, loss, target, loss_value(loss, fp.yhat, target))
    bp.dO = [[] for _ in range(N + 1)]
    bp.dO[N] = equation9(loss, fp.yhat, target)  # Equation 9
    for l in range(N - 1, 0, -1):  # Equation 12, from the top down
        bp.dO[l] = [math.fsum(a * b * c for _, a, b, c in bp.equation12_terms(l, i))
                    for i in range(1, fp.sizes[l] + 1)]
    bp.dW = [[]]
    for l in range(1, N + 1):  # Equation 8: ∂e/∂o^ℓ_i · φ'(z^ℓ_i) · o^{ℓ-1}_j
        bp.dW.append([
            [bp.de_do(l, i) * fp.phi_prime(l, i) * fp.o(l - 1, j) for j in range(fp.sizes[l - 1] + 1)]
            for i in range(1, fp.sizes[l] + 1)
        ])
    return bp
