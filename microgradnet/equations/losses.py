"""The per-sample error e = loss(ŷ, y) and Equation 9, ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i.

Each loss exists twice: Equation 9 written out in plain floats (the derivative done by hand),
and the library's own loss built from ``Value`` nodes (``microgradnet.functional``) so that
``backward()`` can find the derivative independently.

Targets, per loss (d_N is the number of outputs):
  'mse'    squared error, e = (1/d_N)·Σ_i (ŷ_i − y_i)²; target: d_N numbers (or one number).
  'nll'    negative log-likelihood of a softmax, e = −ŷ_c + log Σ_k e^{ŷ_k}; target: the class
           c, counted from 1 like i (so Equation 9 reads softmax(ŷ)_i − 1[i=c] literally).
  'bce'    binary cross-entropy on one logit, e = log(1 + e^ŷ) − y·ŷ; target y in [0, 1].
  'hinge'  micrograd's max-margin loss, e = max(0, 1 − y·ŷ); target y = +1 or −1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from ..engine import Value

Target = int | float | Sequence[float]

LOSSES: dict[str, tuple[str, str]] = {
    # name: (e = loss(ŷ, y), Equation 9: ∂e/∂ŷ_i)
    "mse": ("(1/d_N)·Σ_i (ŷ_i − y_i)²", "2·(ŷ_i − y_i)/d_N"),
    "nll": ("−ŷ_c + log Σ_k e^{ŷ_k}", "softmax(ŷ)_i − 1[i=c]"),
    "bce": ("log(1 + e^ŷ) − y·ŷ", "σ(ŷ) − y"),
    "hinge": ("max(0, 1 − y·ŷ)", "−y if 1 − y·ŷ > 0 else 0"),
}


def check_loss(loss: str) -> str:
    """The loss name, checked: one of mse, nll, bce, hinge."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    return loss


def _real(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return f


def check_target(loss: str, target: object, d_out: int) -> int | float | list[float]:
    """Validate ``target`` for ``loss`` on a network with ``d_out`` outputs; return it normalised."""
    check_loss(loss)
    if loss == "mse":
        if isinstance(target, numbers.Real) and not isinstance(target, bool):
            target = [target]
        if isinstance(target, (str, bytes)) or not isinstance(target, Sequence):
            raise TypeError(f"mse target must be {d_out} number(s), got {target!r}")
        if len(target) != d_out:
            raise ValueError(f"mse target must have {d_out} number(s), one per output, got {len(target)}")
        return [_real(t, "mse target") for t in target]
    if loss == "nll":
        if isinstance(target, bool) or not isinstance(target, numbers.Integral):
            raise TypeError(f"nll target must be a class number 1..{d_out}, got {target!r}")
        if not 1 <= int(target) <= d_out:
            raise ValueError(
                f"nll target class must be between 1 and {d_out} (counted from 1, like i), got {target}"
            )
        return int(target)
    if d_out != 1:
        raise ValueError(f"{loss} needs a network with exactly 1 output (one logit), this one has {d_out}")
    y = _real(target, f"{loss} target")
    if loss == "bce" and not 0.0 <= y <= 1.0:
        raise ValueError(f"bce target must be between 0 and 1, got {target!r}")
    if loss == "hinge" and y not in (1.0, -1.0):
        raise ValueError(f"hinge target must be +1 or -1, got {target!r}")
    return y


def check_yhat(yhat: object) -> list[float]:
    """ŷ as a non-empty list of real numbers (NaN and inf pass through, as IEEE arithmetic does)."""
    if isinstance(yhat, (str, bytes)) or not isinstance(yhat, Sequence):
        raise TypeError(f"ŷ must be a list of numbers (the network's outputs), got {type(yhat).__name__}")
    if not yhat:
        raise ValueError("ŷ is empty: a network has at least one output")
    for v in yhat:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"ŷ must contain real numbers, got {v!r}")
    return [float(v) for v in yhat]


def _log_softmax(yhat: Sequence[float]) -> list[float]:
    m = max(yhat)  # subtracting the max keeps every exp(...) <= 1: no overflow
    lse = m + math.log(math.fsum(math.exp(y - m) for y in yhat))
    return [y - lse for y in yhat]


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softmax(yhat: Sequence[float]) -> list[float]:
    """softmax(ŷ)_i = e^{ŷ_i} / Σ_k e^{ŷ_k}, through log_softmax so that it never overflows."""
    return [math.exp(v) for v in _log_softmax(check_yhat(yhat))]


def loss_value(loss: str, yhat: Sequence[float], target: Target) -> float:
    """e = loss(ŷ, y) in plain floats."""
    yhat = check_yhat(yhat)
    t = check_target(loss, target, len(yhat))
    if loss == "mse":
        try:
            return sum((y - ty) ** 2 for y, ty in zip(yhat, t)) / len(yhat)  # type: ignore[arg-type]
        except OverflowError:  # float ** says only "(34, 'Numerical result out of range')"
            worst = max(abs(y - ty) for y, ty in zip(yhat, t))  # type: ignore[arg-type]
            raise OverflowError(
                f"mse: (ŷ_i − y_i)² overflows a float (largest |ŷ_i − y_i| = {worst:.3g}); "
                "use smaller inputs or targets"
            ) from None
    if loss == "nll":
        return -_log_softmax(yhat)[t - 1]  # type: ignore[operator]
    z = yhat[0]
    if loss == "bce":
        return max(z, 0.0) + math.log1p(math.exp(-abs(z))) - t * z  # type: ignore[operator]
    return max(0.0, 1.0 - t * z)  # type: ignore[operator]


def equation9(loss: str, yhat: Sequence[float], target: Target) -> list[float]:
    """Equation 9: ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i for every output i, written out by hand in floats.

    >>> equation9('nll', [0.0, 0.0], 2)   # softmax − one-hot of class 2
    [0.5, -0.5]
    """
    yhat = check_yhat(yhat)
    t = check_target(loss, target, len(yhat))
    if loss == "mse":
        n = len(yhat)
        return [2.0 * (y - ty) / n for y, ty in zip(yhat, t)]  # type: ignore[arg-type]
    if loss == "nll":
        return [p - (1.0 if i == t else 0.0) for i, p in enumerate(softmax(yhat), start=1)]
    z = yhat[0]
    if loss == "bce":
        return [_sigmoid(z) - t]  # type: ignore[operator]
    return [-t if 1.0 - t * z > 0.0 else 0.0]  # type: ignore[operator]


def loss_from_values(loss: str, yhat: Sequence[Value], target: Target) -> Value:
    """The same loss built from ``Value`` nodes by ``microgradnet.functional``, for ``backward()``
    to differentiate on its own (functional counts classes from 0, hence c − 1)."""
    from .. import functional as F

    if isinstance(yhat, (str, bytes)) or not isinstance(yhat, Sequence) or not yhat:
        raise TypeError(f"ŷ must be a non-empty list of Values (the network's outputs), got {yhat!r:.40}")
    t = check_target(loss, target, len(yhat))
    if loss == "mse":
        return F.mse(list(yhat), t)  # type: ignore[arg-type]
    if loss == "nll":
        return F.cross_entropy(list(yhat), t - 1)  # type: ignore[operator]
    if loss == "bce":
        return F.binary_cross_entropy(yhat[0], t)  # type: ignore[arg-type]
    return F.hinge(yhat[0], int(t))  # type: ignore[arg-type]
