"""The per-sample error e = loss(ŷ, y) and Equation 9, ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i.

Every loss is declared once, in ``microgradnet.losses`` (the registry that ``fit`` and the
``train`` command read too): its Equation 9 written out in plain floats (the derivative done
by hand), and the same loss built from ``Value`` nodes (``microgradnet.functional``) so that
``backward()`` can find the derivative independently. This module looks losses up there.

Targets, per loss (d_N is the number of outputs). **Classes count from 0**, as everywhere in
microgradnet: class c is output c + 1 in the article's 1-based names (class 0 is o^N_1).
  'nll'    (= 'cross_entropy') negative log-likelihood of a softmax, e = −ŷ_c + log Σ_k e^{ŷ_k};
           target: the class c, 0..d_N-1.
  'mse'    squared error, e = (1/d_N)·Σ_i (ŷ_i − y_i)²; target: d_N numbers (or one number), or
           with several outputs a class (its one-hot vector).
  'bce'    binary cross-entropy on one logit, e = log(1 + e^ŷ) − y·ŷ; target: class 0 or 1, or
           a probability y in [0, 1].
  'hinge'  micrograd's max-margin loss, e = max(0, 1 − y·ŷ); target: class 0 or 1 (y = -1 or
           +1; -1/+1 are accepted too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import losses as registry
from ..engine import Value
from ..losses import check_yhat, softmax

__all__ = ["LOSSES", "check_loss", "check_target", "check_yhat", "softmax", "loss_value", "equation9",
           "loss_from_values", "Target"]

Target = int | float | Sequence[float]

# name → the registry's Loss (its .formula and .equation9_text print the equations); the
# article's name 'nll' first, the other names as the registry spells them
LOSSES: dict[str, registry.Loss] = {
    "nll" if loss.name == "cross_entropy" else loss.name: loss for loss in registry.LOSSES.values()
}


def check_loss(loss: str) -> str:
    """The loss name, checked: one of nll (= cross_entropy), mse, bce, hinge."""
    registry.get(loss)
    return loss


def check_target(loss: str, target: object, d_out: int) -> Any:
    """Validate ``target`` for ``loss`` on a network with ``d_out`` outputs; return it as the
    loss uses it (a class index, ±1, a probability, or a tuple of d_out numbers)."""
    return registry.get(loss).target(target, d_out)


def loss_value(loss: str, yhat: Sequence[float], target: Target) -> float:
    """e = loss(ŷ, y) in plain floats."""
    return registry.get(loss).value(yhat, target)


def equation9(loss: str, yhat: Sequence[float], target: Target) -> list[float]:
    """Equation 9: ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i for every output i, written out by hand in floats.

    >>> equation9('nll', [0.0, 0.0], 1)   # softmax − one-hot of class 1 (the second output)
    [0.5, -0.5]
    """
    return registry.get(loss).equation9(yhat, target)


def loss_from_values(loss: str, yhat: Sequence[Value], target: Target) -> Value:
    """The same loss built from ``Value`` nodes by ``microgradnet.functional``, for ``backward()``
    to differentiate on its own."""
    spec = registry.get(loss)
    if isinstance(yhat, (str, bytes)) or not isinstance(yhat, Sequence) or not yhat:
        raise TypeError(f"ŷ must be a non-empty list of Values (the network's outputs), got {yhat!r:.40}")
    return spec.on_values(list(yhat), spec.target(target, len(yhat)))
