"""The loss registry: everything the library knows about each loss, declared once.

One ``Loss`` per loss says

    name, aliases    'cross_entropy' is also 'nll' (the article's negative log-likelihood)
    formula          e = loss(ŷ, y) as text, and ``equation9_text``, ∂e/∂ŷ_i as text
    target()         a label (a class, counted from 0) or the loss's own target → the target
                     it trains on, checked: hinge y = ±1, bce y in [0, 1], cross_entropy the
                     class c, mse one number per output
    n_outputs()      how many outputs a model needs for k classes
    decision()       the accuracy rule: how an output becomes a predicted class
    on_values()      the loss of one sample built from ``Value`` nodes (``functional``), and
    batch()          the mean over a batch: what ``fit`` differentiates
    value(),         e and Equation 9, ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i, in plain floats, the
    equation9()      derivative written out by hand (``equations`` checks it against backward())

``fit``, ``microgradnet train`` and ``microgradnet equations`` all read this table.

**Classes are counted from 0** everywhere a class is taken (as in PyTorch): ``fit``'s labels,
``functional.cross_entropy``, ``equations``' ``target=`` and ``--target``. Class c is output
c + 1 in the article's 1-based names: class 0 is o^N_1. Two-class labels may be 0/1 or -1/+1
(class 0 is the negative one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import functional as F
from .engine import Value
from .ops import sigmoid_float, softplus_float
from .validate import is_real, is_whole

__all__ = ["Loss", "Decision", "LOSSES", "get", "names", "default_loss", "softmax"]

Target = Any  # a class index, a number or a list of numbers, depending on the loss


# ---- float helpers ---------------------------------------------------------------------------
def check_yhat(yhat: object) -> list[float]:
    """ŷ as a non-empty list of real numbers (NaN and inf pass through, as IEEE arithmetic does)."""
    if isinstance(yhat, (str, bytes)) or not isinstance(yhat, Sequence):
        raise TypeError(f"ŷ must be a list of numbers (the network's outputs), got {type(yhat).__name__}")
    if not yhat:
        raise ValueError("ŷ is empty: a network has at least one output")
    for v in yhat:
        if not is_real(v):
            raise TypeError(f"ŷ must contain real numbers, got {v!r}")
    return [float(v) for v in yhat]


def _log_softmax(yhat: Sequence[float]) -> list[float]:
    m = max(yhat)  # subtracting the max keeps every exp(...) <= 1: no overflow
    lse = m + math.log(math.fsum(math.exp(y - m) for y in yhat))
    return [y - lse for y in yhat]


def softmax(yhat: Sequence[float]) -> list[float]:
    """softmax(ŷ)_i = e^{ŷ_i} / Σ_k e^{ŷ_k} in floats, through log_softmax so that it never overflows."""
    return [math.exp(v) for v in _log_softmax(check_yhat(yhat))]


def _real(x: object, what: str) -> float:
    if not is_real(x):
        raise TypeError(f"{what} must be a real number, got {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return f


def _is_class(x: object) -> bool:
    return is_whole(x)


def _binary_classes(labels: Sequence[Any]) -> tuple[Any, Any]:
    """(negative label, positive label) of two-class labels: (-1, 1) if -1 occurs, else (0, 1)."""
    return (-1, 1) if any(label == -1 for label in labels) else (0, 1)


# ---- the accuracy rule -------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """How a model's output becomes a predicted class.

    Several outputs: the index of the largest (class c is output c, counted from 0). One output
    (a score): ``positive`` where score > ``threshold``, else ``negative``.
    """

    threshold: float = 0.0
    negative: Any = 0
    positive: Any = 1

    @classmethod
    def for_labels(cls, labels: Sequence[object], threshold: float = 0.0) -> Decision:
        """The rule for two-class labels ``labels``: -1/+1 if -1 occurs among them, else 0/1."""
        return cls(threshold, *_binary_classes(labels))

    def predict(self, out: Any) -> Any:
        """The class of one output: a Value or float, or a list of them."""
        if isinstance(out, (list, tuple)):
            if len(out) != 1:
                nums = [_num(v) for v in out]
                return max(range(len(nums)), key=nums.__getitem__)
            out = out[0]
        return self.positive if _num(out) > self.threshold else self.negative


def _num(x: Any) -> float:
    """A Value's number, or the number itself (a compiled step hands back floats)."""
    return x.data if isinstance(x, Value) else x


# ---- the losses ----------------------------------------------------------------------------------
class Loss:
    """One loss (see the module docstring). Subclasses fill in the per-loss parts."""

    name: str = ""
    aliases: tuple[str, ...] = ()
    title: str = ""  # a few words for help texts
    formula: str = ""  # e = loss(ŷ, y)
    equation9_text: str = ""  # ∂e/∂ŷ_i
    one_output = False  # True: always one output (a score or logit), whatever the classes

    # -- shape --
    def n_outputs(self, n_classes: int) -> int:
        """The number of outputs a model needs for ``n_classes`` classes."""
        return 1

    def check_outputs(self, n_out: int) -> None:
        """ValueError unless a model with ``n_out`` outputs suits this loss."""
        if n_out != 1:
            raise ValueError(f"the {self.name} loss needs a model with one output, this one has {n_out}; "
                             "use loss='cross_entropy' for several outputs")

    # -- targets --
    def example_target(self, n_out: int) -> int | float | list[float]:
        """The target a command-line example uses when none is given (the positive class)."""
        return 1

    def target(self, label: object, n_out: int = 1) -> Target:
        """``label`` (a class counted from 0, or the loss's own target) as the target this loss
        trains on, for a model with ``n_out`` outputs; ValueError/TypeError naming the problem."""
        raise NotImplementedError

    def targets(self, labels: Sequence[object], n_out: int = 1) -> list[Target]:
        """``target`` of every label (data set labels → what ``batch`` takes)."""
        self.check_outputs(n_out)
        return [self.target(label, n_out) for label in labels]

    # -- the accuracy rule --
    def decision(self, labels: Sequence[object] = ()) -> Decision:
        """How outputs become classes for data labelled ``labels`` (0/1 or -1/+1 for two classes)."""
        neg, pos = _binary_classes(labels)
        return Decision(0.0, neg, pos)

    # -- on Values (what backward() differentiates) --
    def on_values(self, yhat: list[Value], target: Target) -> Value:
        """e for one sample, built from Values; ``target`` as ``target()`` returns it."""
        raise NotImplementedError

    def batch(self, outs: list[Any], targets: Sequence[Target]) -> Value:
        """The mean loss over a batch: ``outs`` one Value (one output) or a list per sample."""
        if len(outs) != len(targets):
            raise ValueError(f"{self.name}: {len(outs)} outputs but {len(targets)} targets")
        if not outs:
            raise ValueError(f"{self.name}: got an empty batch")
        return self._batch(outs, list(targets))

    def _batch(self, outs: list[Any], targets: list[Target]) -> Value:
        return F.mean([self.on_values(_as_list(o), t) for o, t in zip(outs, targets)])

    # -- in floats: e and Equation 9 --
    def value(self, yhat: Sequence[float], target: object) -> float:
        """e = loss(ŷ, y) in plain floats."""
        ys = check_yhat(yhat)
        return self._value(ys, self.target(target, len(ys)))

    def equation9(self, yhat: Sequence[float], target: object) -> list[float]:
        """Equation 9, ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i for every output i, by hand in floats."""
        ys = check_yhat(yhat)
        return self._equation9(ys, self.target(target, len(ys)))

    def _value(self, yhat: list[float], t: Any) -> float:
        raise NotImplementedError

    def _equation9(self, yhat: list[float], t: Any) -> list[float]:
        raise NotImplementedError

    def worked_equation9(self, yhat: list[float], t: Any, grads: list[float], out: Any, num: Any,
                         fac: Any) -> list[str]:
        """Equation 9 with the numbers substituted, one line per step (``equations.explain``):
        ``grads`` are ∂e/∂o^N_i, ``out(i)`` names output i, ``num``/``fac`` format numbers."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<loss {self.name}: e = {self.formula}>"


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


class _OneLogit(Loss):
    """Two classes, one output (a score or a logit)."""

    signed = True  # the target is y = ±1 (else 0/1)
    one_output = True

    def n_outputs(self, n_classes: int) -> int:
        if n_classes > 2:
            raise ValueError(f"the {self.name} loss is for two classes, this data has {n_classes}; "
                             "use loss='cross_entropy' for more classes")
        return 1

    def target(self, label: object, n_out: int = 1) -> Target:
        self.check_outputs(n_out)
        if is_real(label) and label in (0, 1, -1):
            positive = label == 1
            return (1 if positive else -1) if self.signed else int(positive)
        return self._other_target(label)

    def _other_target(self, label: object) -> Target:
        raise ValueError(
            f"the {self.name} loss is for two classes (labels 0/1 or -1/+1), got label {label!r}; "
            "use loss='cross_entropy' for more classes"
        )


class Hinge(_OneLogit):
    name = "hinge"
    title = "SVM max-margin, one output"
    formula = "max(0, 1 − y·ŷ)"
    equation9_text = "−y if 1 − y·ŷ > 0 else 0"

    def on_values(self, yhat: list[Value], target: Target) -> Value:
        return F.hinge(yhat[0], int(target))

    def _batch(self, outs: list[Any], targets: list[Target]) -> Value:
        return F.hinge(_single(outs, self), targets)  # micrograd's demo, bit for bit

    def _value(self, yhat: list[float], t: Any) -> float:
        return max(0.0, 1.0 - t * yhat[0])

    def _equation9(self, yhat: list[float], t: Any) -> list[float]:
        return [-float(t) if 1.0 - t * yhat[0] > 0.0 else 0.0]

    def worked_equation9(self, yhat: list[float], t: Any, grads: list[float], out: Any, num: Any,
                         fac: Any) -> list[str]:
        margin = 1.0 - t * yhat[0]
        why = f"> 0, so −y = {num(-t)}" if margin > 0 else "≤ 0, so 0"
        return [f"  1 − y·ŷ = 1 − {fac(t)}·{fac(yhat[0])} = {num(margin)} {why}",
                f"  ∂e/∂{out(1)} = {num(grads[0])}"]


class BinaryCrossEntropy(_OneLogit):
    name = "bce"
    aliases = ("binary_cross_entropy",)
    title = "binary cross-entropy on one logit"
    formula = "log(1 + e^ŷ) − y·ŷ"
    equation9_text = "σ(ŷ) − y"
    signed = False

    def _other_target(self, label: object) -> Target:
        if _is_class(label):
            return super()._other_target(label)
        y = _real(label, "bce target")
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"bce target must be a class 0/1 or a probability between 0 and 1, "
                             f"got {label!r}")
        return y

    def on_values(self, yhat: list[Value], target: Target) -> Value:
        return F.binary_cross_entropy(yhat[0], target)

    def _batch(self, outs: list[Any], targets: list[Target]) -> Value:
        return F.binary_cross_entropy(_single(outs, self), targets)

    def _value(self, yhat: list[float], t: Any) -> float:
        z = yhat[0]
        return softplus_float(z) - t * z

    def _equation9(self, yhat: list[float], t: Any) -> list[float]:
        return [sigmoid_float(yhat[0]) - t]

    def worked_equation9(self, yhat: list[float], t: Any, grads: list[float], out: Any, num: Any,
                         fac: Any) -> list[str]:
        s = sigmoid_float(yhat[0])
        return [f"  ∂e/∂{out(1)} = σ({num(yhat[0])}) − {fac(t)} = {num(s)} − {fac(t)} = {num(grads[0])}"]


class CrossEntropy(Loss):
    name = "cross_entropy"
    aliases = ("nll",)
    title = "negative log-likelihood of a softmax, one output per class"
    # c counts from 0 and i (the article's output index) from 1: class c is output i = c + 1
    formula = "−ŷ_{c+1} + log Σ_k e^{ŷ_k}"
    equation9_text = "softmax(ŷ)_i − 1[i=c+1]"

    def n_outputs(self, n_classes: int) -> int:
        return max(n_classes, 2)

    def example_target(self, n_out: int) -> int | float | list[float]:
        return 0  # the first class

    def check_outputs(self, n_out: int) -> None:
        if n_out < 2:
            raise ValueError("the cross_entropy loss needs a model with one output per class (k >= 2), "
                             f"this one has {n_out}; use loss='hinge' or 'bce' for two classes")

    def target(self, label: object, n_out: int = 2) -> Target:
        self.check_outputs(n_out)
        if not _is_class(label):
            raise TypeError(f"cross_entropy target must be a class number 0..{n_out - 1} "
                            f"(counted from 0), got {label!r}")
        c = int(label)  # type: ignore[call-overload]
        if not 0 <= c < n_out:
            raise ValueError(f"cross_entropy target class must be between 0 and {n_out - 1} "
                             f"(counted from 0; the model has {n_out} outputs), got {c}")
        return c

    def on_values(self, yhat: list[Value], target: Target) -> Value:
        return F.cross_entropy(list(yhat), int(target))

    def _batch(self, outs: list[Any], targets: list[Target]) -> Value:
        return F.cross_entropy([_as_list(o) for o in outs], [int(t) for t in targets])

    def _value(self, yhat: list[float], t: Any) -> float:
        return -_log_softmax(yhat)[t]

    def _equation9(self, yhat: list[float], t: Any) -> list[float]:
        # i counts outputs from 1 in the article; the class c = t is output t + 1
        return [p - (1.0 if k == t else 0.0) for k, p in enumerate(softmax(yhat))]

    def worked_equation9(self, yhat: list[float], t: Any, grads: list[float], out: Any, num: Any,
                         fac: Any) -> list[str]:
        sm = softmax(yhat)
        lines = ["  softmax(ŷ) = (" + ", ".join(num(v) for v in sm) + f"),  "
                 f"c = {t} (classes count from 0: class {t} is output i = {t + 1}, {out(t + 1)})"]
        for i, p in enumerate(sm, start=1):
            lines.append(f"  ∂e/∂{out(i)} = {num(p)} − {1 if i == t + 1 else 0} = {num(grads[i - 1])}")
        return lines


class MeanSquaredError(Loss):
    name = "mse"
    title = "mean squared error onto the labels (one-hot with several outputs)"
    formula = "(1/d_N)·Σ_i (ŷ_i − y_i)²"
    equation9_text = "2·(ŷ_i − y_i)/d_N"

    def n_outputs(self, n_classes: int) -> int:
        return 1 if n_classes <= 2 else n_classes

    def example_target(self, n_out: int) -> int | float | list[float]:
        return [0.0] * n_out

    def check_outputs(self, n_out: int) -> None:
        if n_out < 1:
            raise ValueError("the mse loss needs a model with at least one output")

    def target(self, label: object, n_out: int = 1) -> Target:
        if is_real(label):
            if n_out == 1:
                return (_real(label, "mse target"),)
            if _is_class(label) and 0 <= int(label) < n_out:  # type: ignore[call-overload]
                return tuple(1.0 if k == label else 0.0 for k in range(n_out))  # one-hot of class
            raise ValueError(f"mse target must be {n_out} numbers (one per output) or a class "
                             f"0..{n_out - 1} (one-hot), got {label!r}")
        if isinstance(label, (str, bytes)) or not isinstance(label, Sequence):
            raise TypeError(f"mse target must be {n_out} number(s), got {label!r}")
        if len(label) != n_out:
            raise ValueError(f"mse target must have {n_out} number(s), one per output, got {len(label)}")
        return tuple(_real(t, "mse target") for t in label)

    def decision(self, labels: Sequence[object] = ()) -> Decision:
        neg, pos = _binary_classes(labels)
        two_classes = all(label in (0, 1, -1) for label in labels)
        # a score regressed onto 0/1 (or -1/+1) labels: the boundary is halfway between them
        return Decision(0.5 * (neg + pos) if two_classes and labels else 0.0, neg, pos)

    def on_values(self, yhat: list[Value], target: Target) -> Value:
        return F.mse(list(yhat), list(target))

    def _batch(self, outs: list[Any], targets: list[Target]) -> Value:
        # one mean over every output of every sample, as F.mse of the flattened lists
        flat = [v for o in outs for v in _as_list(o)]
        return F.mse(flat, [v for t in targets for v in t])

    def _value(self, yhat: list[float], t: Any) -> float:
        try:
            return sum((y - ty) ** 2 for y, ty in zip(yhat, t)) / len(yhat)
        except OverflowError:  # float ** says only "(34, 'Numerical result out of range')"
            worst = max(abs(y - ty) for y, ty in zip(yhat, t))
            raise OverflowError(
                f"mse: (ŷ_i − y_i)² overflows a float (largest |ŷ_i − y_i| = {worst:.3g}); "
                "use smaller inputs or targets"
            ) from None

    def _equation9(self, yhat: list[float], t: Any) -> list[float]:
        n = len(yhat)
        return [2.0 * (y - ty) / n for y, ty in zip(yhat, t)]

    def worked_equation9(self, yhat: list[float], t: Any, grads: list[float], out: Any, num: Any,
                         fac: Any) -> list[str]:
        return [f"  ∂e/∂{out(i)} = 2·({num(y)} − {fac(v)})/{len(yhat)} = {num(grads[i - 1])}"
                for i, (y, v) in enumerate(zip(yhat, t), start=1)]


def _single(outs: list[Any], loss: Loss) -> list[Any]:
    if outs and isinstance(outs[0], (list, tuple)):
        loss.check_outputs(len(outs[0]))
    return outs


LOSSES: dict[str, Loss] = {loss.name: loss for loss in (Hinge(), CrossEntropy(), BinaryCrossEntropy(),
                                                        MeanSquaredError())}
_BY_NAME: dict[str, Loss] = {**{a: loss for loss in LOSSES.values() for a in loss.aliases}, **LOSSES}


def names(aliases: bool = False) -> list[str]:
    """The losses' names (with ``aliases=True`` also 'nll', 'svm', ...)."""
    return list(_BY_NAME) if aliases else list(LOSSES)


def get(loss: str | Loss) -> Loss:
    """The ``Loss`` called ``loss`` (a name or alias); ValueError naming the choices otherwise."""
    if isinstance(loss, Loss):
        return loss
    try:
        return _BY_NAME[loss]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)} "
            "(or 'nll' for cross_entropy, 'binary_cross_entropy' for bce)"
        ) from None


def default_loss(n_classes: int) -> str:
    """micrograd's hinge loss for two classes, cross_entropy for more."""
    return "hinge" if n_classes <= 2 else "cross_entropy"
