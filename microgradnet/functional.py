"""Reductions and loss functions built from ``Value`` operations.

Everything here is composed of the engine's differentiable operations, so ``backward()``
through a loss is ordinary back-propagation and the graph pictures show every step.
n-ary sums are ONE ``'sum'`` node (``engine.value_sum``), not a chain of ``+`` nodes.

Numerical stability: softmax-type functions subtract ``max(logits)`` first. That maximum is a
*constant* (a plain float, no gradient): softmax(z − c) = softmax(z) for any c, so the result and
its gradient are unchanged while every ``exp`` argument is ≤ 0 and cannot overflow. Logits like
``[1000, 0, -1000]`` give finite losses and gradients.

Means are computed as ``sum * (1.0 / n)``, micrograd's way, so the demo's loss is bit-identical.

Classes are counted from 0, as in PyTorch and everywhere else in microgradnet: class c is
logit ``c`` of the list, which the article's 1-based names call output c + 1 (o^N_{c+1}).
The losses' table (what ``fit``, ``microgradnet train`` and ``equations`` read) is
``microgradnet.losses``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .engine import Operand, Value, all_finite, value_sum, weighted_sum
from .validate import is_real, is_whole

__all__ = [
    "sum",
    "mean",
    "dot",
    "logsumexp",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "binary_cross_entropy",
    "mse",
    "hinge",
]

Target = int | float

# PyTorch's BCELoss clamps each log at -100 so a probability of exactly 0 or 1 gives a large but
# finite loss; we do the same (the clamped term is a constant and passes no gradient).
_LOG_FLOOR = -100.0


# ---- input checks --------------------------------------------------------------------------
def _values(xs: Sequence[Operand], what: str) -> list[Value]:
    """``xs`` as a non-empty list of Values (plain numbers become constant leaves)."""
    if isinstance(xs, (Value, int, float)) or not hasattr(xs, "__len__"):
        raise TypeError(f"{what}: expected a list of Values or numbers, got {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{what}: got an empty list; it needs at least one value")
    out = []
    for x in xs:
        if isinstance(x, Value):
            out.append(x)
        elif is_real(x):
            out.append(Value(x))
        else:
            raise TypeError(f"{what}: expected Values or numbers, got {type(x).__name__} {x!r:.60}")
    return out


def _same_length(a: Sequence[object], b: Sequence[object], what: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{what}: lengths differ ({len(a)} predictions, {len(b)} targets)")


def _number(t: object, what: str) -> float:
    if isinstance(t, Value):
        return t.data
    if not is_real(t) or not math.isfinite(t):  # type: ignore[arg-type]
        raise ValueError(f"{what}: targets must be finite numbers, got {t!r}")
    return float(t)


def _is_batch(x: object) -> bool:
    return not isinstance(x, (Value, int, float)) and hasattr(x, "__len__")


# ---- reductions ------------------------------------------------------------------------------
def sum(values: Sequence[Operand]) -> Value:  # shadows the builtin on purpose: the public name
    """Σ values as a single ``'sum'`` node (derivative 1 towards each value)."""
    return value_sum(_values(values, "sum"))


def mean(values: Sequence[Operand]) -> Value:
    """(Σ values) · (1/n), the way micrograd's demo averages its losses."""
    vs = _values(values, "mean")
    return value_sum(vs) * (1.0 / len(vs))


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """Σ a_i·b_i as one ``'dot'`` node (the neuron's node, with a constant 0 bias)."""
    va, vb = _values(a, "dot"), _values(b, "dot")
    if len(va) != len(vb):
        raise ValueError(f"dot: lengths differ ({len(va)} and {len(vb)})")
    return weighted_sum(va, vb, Value(0.0))


def _shifted_exps(logits: Sequence[Operand], what: str) -> tuple[list[Value], list[Value], Value, Value]:
    """(z_i − m, exp(z_i − m), Σ exp(z_j − m), m) with m = max z: the softmax family's start."""
    zs = _values(logits, what)
    if not all_finite(zs):
        bad = next(z for z in zs if not all_finite([z]))
        raise ValueError(f"{what}: logits must be finite numbers, got {bad}")
    # m = max z as a constant for backward(): recorded in the graph (compiled replay recomputes
    # it for new inputs) but no gradient flows through it - softmax is shift-invariant
    m = zs[0]
    for z in zs[1:]:
        m = m.max(z)
    m = m.detach()
    shifted = [z - m for z in zs]
    exps = [s.exp() for s in shifted]
    return shifted, exps, value_sum(exps), m


def logsumexp(logits: Sequence[Operand]) -> Value:
    """log Σ exp(z_i), computed as m + log Σ exp(z_i − m) with m = max z (a constant).

    Its gradient is softmax(z).
    """
    _, _, total, m = _shifted_exps(logits, "logsumexp")
    return total.log() + m


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """exp(z_i − m) / Σ_j exp(z_j − m): probabilities that sum to 1."""
    _, exps, total, _ = _shifted_exps(logits, "softmax")
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """z_i − logsumexp(z) = (z_i − m) − log Σ_j exp(z_j − m): finite even where softmax is 0."""
    shifted, _, total, _ = _shifted_exps(logits, "log_softmax")
    log_total = total.log()
    return [s - log_total for s in shifted]


# ---- losses ------------------------------------------------------------------------------------
def _class_index(target: object, n_classes: int) -> int:
    if not is_whole(target):
        raise TypeError(f"cross_entropy: target must be a class index (int, counted from 0), got {target!r}")
    if not 0 <= target < n_classes:
        raise ValueError(
            f"cross_entropy: target {target} is out of range for {n_classes} classes "
            f"(counted from 0: 0..{n_classes - 1})"
        )
    return target


def cross_entropy(logits: Sequence, target: int | Sequence[int]) -> Value:
    """Negative log-likelihood of class ``target`` under softmax(logits): −log_softmax(z)[c].

    = log Σ_j exp(z_j − m) − (z_c − m), whose gradient is softmax(z) − onehot(c) (the
    article's ∂loss/∂ŷ_i). One sample: ``logits`` a list of k Values, ``target`` the class, an
    int counted from 0 (0..k−1, as in PyTorch). A batch: ``logits`` a list of such lists,
    ``target`` a list of ints → the mean loss.
    """
    if _is_batch(target):
        if not _is_batch(logits) or not all(_is_batch(row) for row in logits):
            raise TypeError("cross_entropy: a list of targets needs a list of logit lists")
        _same_length(logits, target, "cross_entropy")  # type: ignore[arg-type]
        if len(target) == 0:  # type: ignore[arg-type]
            raise ValueError("cross_entropy: got an empty batch")
        return mean([cross_entropy(row, t) for row, t in zip(logits, target)])  # type: ignore[arg-type]
    shifted, _, total, _ = _shifted_exps(logits, "cross_entropy")
    c = _class_index(target, len(shifted))
    return total.log() - shifted[c]


def binary_cross_entropy(
    x: Operand | Sequence[Operand], target: Target | Sequence[Target], from_logits: bool = True
) -> Value:
    """Binary cross-entropy −[t·log p + (1−t)·log(1−p)] for targets t in [0, 1].

    ``from_logits=True`` (default): ``x`` is a logit (a score; p = σ(x)). Computed as
    softplus(x) − t·x, which never overflows or takes log(0); its gradient is σ(x) − t.
    ``from_logits=False``: ``x`` is a probability in [0, 1]; each log is clamped at −100 (as
    PyTorch does), so p = 0 or 1 gives a large finite loss rather than infinity.
    One sample (a Value/number and a number) or a batch (two lists) → the mean loss.
    """
    if _is_batch(x) or _is_batch(target):
        if not (_is_batch(x) and _is_batch(target)):
            raise TypeError("binary_cross_entropy: pass either one prediction and one target, or two lists")
        xs = _values(x, "binary_cross_entropy")  # type: ignore[arg-type]
        _same_length(xs, target, "binary_cross_entropy")  # type: ignore[arg-type]
        return mean([binary_cross_entropy(v, t, from_logits) for v, t in zip(xs, target)])  # type: ignore[arg-type]
    (v,) = _values([x], "binary_cross_entropy")  # type: ignore[list-item]
    t = _number(target, "binary_cross_entropy")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {t!r}")
    if from_logits:
        return v.softplus() - t * v
    p = v.data
    if not 0.0 <= p <= 1.0:
        raise ValueError(
            f"binary_cross_entropy: probabilities must be in [0, 1], got {p!r} "
            "(pass from_logits=True for raw scores)"
        )
    terms = []
    if t != 0.0:
        terms.append(t * _clamped_log(v))
    if t != 1.0:
        terms.append((1.0 - t) * _clamped_log(1.0 - v))
    return -value_sum(terms)


def _clamped_log(p: Value) -> Value:
    if p.data <= 0.0 or math.log(p.data) < _LOG_FLOOR:
        return Value(_LOG_FLOOR)
    return p.log()


def mse(pred: Operand | Sequence[Operand], target: Target | Sequence[Target]) -> Value:
    """Mean squared error (1/n)·Σ (pred_i − target_i)²; one pair or two equal-length lists."""
    if not _is_batch(pred):
        pred, target = [pred], [target]  # type: ignore[list-item,assignment]
    if not _is_batch(target):
        raise TypeError("mse: a list of predictions needs a list of targets")
    ps = _values(pred, "mse")  # type: ignore[arg-type]
    _same_length(ps, target, "mse")  # type: ignore[arg-type]
    ts = [_number(t, "mse") for t in target]  # type: ignore[union-attr]
    return mean([(p - t) ** 2 for p, t in zip(ps, ts)])


def hinge(scores: Operand | Sequence[Operand], labels: int | Sequence[int]) -> Value:
    """SVM max-margin loss, as micrograd's demo: mean of relu(1 − y·score), labels y = ±1.

    Zero for a sample classified correctly with margin ≥ 1; grows linearly otherwise.
    Use ``data.signed_labels`` to turn 0/1 labels into −1/+1.
    """
    if not _is_batch(scores):
        scores, labels = [scores], [labels]  # type: ignore[list-item,assignment]
    if not _is_batch(labels):
        raise TypeError("hinge: a list of scores needs a list of labels")
    ss = _values(scores, "hinge")  # type: ignore[arg-type]
    _same_length(ss, labels, "hinge")  # type: ignore[arg-type]
    for y in labels:  # type: ignore[union-attr]
        if isinstance(y, bool) or y not in (-1, 1):
            raise ValueError(f"hinge: labels must be -1 or +1, got {y!r} (data.signed_labels converts 0/1)")
    losses = [(1 + -y * s).relu() for y, s in zip(labels, ss)]  # type: ignore[arg-type]
    return value_sum(losses) * (1.0 / len(losses))

