"""Training loop: ``fit`` runs gradient descent on a model and records loss and accuracy.

The defaults are micrograd's moons demo, step for step: full batch, SVM max-margin (hinge)
loss plus ``alpha·Σ p²`` (alpha = 1e-4), plain SGD with the learning rate 1.0 − 0.9·k/steps.

>>> import random
>>> from microgradnet.nn import MLP
>>> from microgradnet.data import make_moons
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> X, y = make_moons(n_samples=100, noise=0.1)
>>> history = fit(model, X, y, steps=100, progress=False)
>>> history.final_accuracy
1.0

Each step: forward every sample of the batch, one loss Value, ``model.zero_grad()``,
``loss.backward()``, ``optimizer.step()`` — the loop of the lecture, with nothing hidden.
"""

from __future__ import annotations

import math
import numbers
import os
import random
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import functional as F
from .engine import Value, value_sum
from .grad_mode import is_grad_enabled, no_grad
from .optim import SGD, Adam

__all__ = ["History", "fit", "predict", "accuracy", "demo_lr", "LOSSES"]

LOSSES = ("hinge", "cross_entropy", "bce", "mse")
LossFn = Callable[[list[Any], list[Any]], Value]
Schedule = Callable[[int, int], float]


@dataclass
class History:
    """What ``fit`` measured at every step (on that step's batch, before its update, as in
    micrograd's demo): ``loss`` (including the L2 term), ``accuracy`` (0..1) and ``lr``."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        """The loss at the last step (NaN before any step)."""
        return self.loss[-1] if self.loss else math.nan

    @property
    def final_accuracy(self) -> float:
        """The accuracy at the last step (NaN before any step)."""
        return self.accuracy[-1] if self.accuracy else math.nan

    def __len__(self) -> int:
        return len(self.loss)


def demo_lr(k: int, steps: int) -> float:
    """micrograd's demo schedule: 1.0 at the first step, decaying linearly towards 0.1."""
    if not steps >= 1:
        raise ValueError(f"demo_lr: steps must be at least 1, got {steps!r}")
    return 1.0 - 0.9 * k / steps


# ---- outputs, labels, predictions ----------------------------------------------------------
def _squeeze(out: Any) -> Any:
    """A model's output as one Value (a single output) or a list of Values."""
    if isinstance(out, Value):
        return out
    if isinstance(out, (list, tuple)):
        return out[0] if len(out) == 1 else list(out)
    raise TypeError(f"the model must return a Value or a list of Values, got {type(out).__name__}")


def _binary_classes(y: Sequence[Any]) -> tuple[Any, Any]:
    """(negative label, positive label) of binary labels: (-1, 1) if -1 occurs, else (0, 1)."""
    return (-1, 1) if any(label == -1 for label in y) else (0, 1)


def _num(x: Any) -> float:
    """A Value's number, or the number itself (a compiled step hands back floats)."""
    return x.data if isinstance(x, Value) else x


def _predict_one(out: Any, threshold: float, classes: tuple[Any, Any]) -> Any:
    if not isinstance(out, (list, tuple)):
        return classes[1] if _num(out) > threshold else classes[0]
    return max(range(len(out)), key=lambda i: _num(out[i]))


def predict(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    threshold: float = 0.0,
    classes: tuple[Any, Any] = (0, 1),
) -> list[Any]:
    """Class predictions: argmax for a model with several outputs; for one output (a score),
    ``classes[1]`` where score > ``threshold`` else ``classes[0]``. Builds no graph."""
    rows = _check_rows(X, "predict")
    with no_grad():
        return [_predict_one(_squeeze(model(row)), threshold, classes) for row in rows]


def accuracy(
    model: Callable[[Any], Any], X: Sequence[Sequence[float]], y: Sequence[Any], threshold: float = 0.0
) -> float:
    """Fraction of samples whose predicted class equals the label (labels 0..k-1, or -1/+1)."""
    if len(X) != len(y):
        raise ValueError(f"accuracy: {len(X)} samples but {len(y)} labels")
    if not len(y):
        raise ValueError("accuracy: no samples")
    pred = predict(model, X, threshold, _binary_classes(y))
    return sum(p == t for p, t in zip(pred, y)) / len(y)


# ---- losses as (targets, loss of a batch, how to read a prediction) ----------------------
class _Task:
    """Ties a loss to its targets and to how an output becomes a class prediction."""

    def __init__(self, loss: str | LossFn, y: Sequence[Any]) -> None:
        self.classes = _binary_classes(y)
        self.threshold = 0.0
        self.y = list(y)
        if callable(loss):
            self.targets, self.fn = self.y, loss
            return
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)} or pass a function")
        if loss == "hinge":
            self.targets, self.fn = _binary_targets(y, "hinge", signed=True), _hinge
        elif loss == "bce":
            self.targets, self.fn = _binary_targets(y, "bce", signed=False), _bce
        elif loss == "cross_entropy":
            for label in y:
                if not isinstance(label, numbers.Integral) or isinstance(label, bool) or label < 0:
                    raise ValueError(f"cross_entropy needs class labels 0..k-1, got {label!r}")
            self.targets, self.fn = [int(label) for label in y], _cross_entropy  # numpy ints too
        else:  # mse: regress onto the labels themselves; one-hot when the model has k outputs
            self.targets, self.fn = self.y, _mse
            if set(self.y) <= {0, 1, -1}:
                self.threshold = 0.5 * (self.classes[0] + self.classes[1])

    def correct(self, outs: list[Any], idx: Sequence[int]) -> int:
        y, th, cl = self.y, self.threshold, self.classes
        return sum(_predict_one(o, th, cl) == y[i] for o, i in zip(outs, idx))


def _binary_targets(y: Sequence[Any], name: str, signed: bool) -> list[int]:
    out = []
    for label in y:
        if isinstance(label, bool) or label not in (0, 1, -1):
            raise ValueError(
                f"the {name} loss is for two classes (labels 0/1 or -1/+1), got label {label!r}; "
                "use loss='cross_entropy' for more classes"
            )
        positive = label == 1
        out.append((1 if positive else -1) if signed else int(positive))
    return out


def _single(outs: list[Any], name: str) -> list[Value]:
    if outs and not isinstance(outs[0], Value):
        raise ValueError(f"the {name} loss needs a model with one output, this one has {len(outs[0])}; "
                         "use loss='cross_entropy' for several outputs")
    return outs


def _cross_entropy(outs: list[Any], targets: list[int]) -> Value:
    if outs and isinstance(outs[0], Value):
        raise ValueError("the cross_entropy loss needs a model with one output per class (k >= 2), "
                         "this one has 1; use loss='hinge' or 'bce' for two classes")
    return F.cross_entropy(outs, targets)


def _hinge(outs: list[Any], targets: list[int]) -> Value:
    return F.hinge(_single(outs, "hinge"), targets)


def _bce(outs: list[Any], targets: list[int]) -> Value:
    return F.binary_cross_entropy(_single(outs, "bce"), targets)


def _mse(outs: list[Any], targets: list[Any]) -> Value:
    if outs and isinstance(outs[0], Value):
        return F.mse(outs, targets)
    k = len(outs[0])
    flat = [v for o in outs for v in o]
    onehot = [1.0 if j == t else 0.0 for t in targets for j in range(k)]
    return F.mse(flat, onehot)


# ---- optimizers ------------------------------------------------------------------------------
def _make_optimizer(optimizer: Any, params: list[Value], lr: float) -> Any:
    if optimizer is None or optimizer == "sgd":
        return SGD(params, lr=lr)
    if optimizer == "adam":
        return Adam(params, lr=lr)
    if isinstance(optimizer, str):
        raise ValueError(f"unknown optimizer {optimizer!r}; choose 'sgd' or 'adam', or pass an optimizer")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError("optimizer must be 'sgd', 'adam' or an object with a step() method")
    return optimizer


def _schedule(lr: float | Schedule | None, optimizer: Any) -> Schedule | None:
    """lr → a function of (step, total steps); None keeps an optimizer object's own lr."""
    if lr is None:
        if optimizer is None or optimizer == "sgd":
            return demo_lr
        if optimizer == "adam":
            lr = 0.01
        else:
            return None
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number or a function of (step, steps), got {lr!r}")
    rate = float(lr)
    return lambda k, steps: rate


# ---- the loop ------------------------------------------------------------------------------------
def _check_data(X: Sequence[Sequence[float]], y: Sequence[Any]) -> list[list[float]]:
    if not hasattr(X, "__len__") or not hasattr(y, "__len__"):
        raise TypeError("X and y must be lists (X of feature rows, y of labels)")
    if len(X) == 0:
        raise ValueError("X is empty: fit needs at least one sample")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
    return _check_rows(X, "fit")


def _check_rows(X: Sequence[Sequence[float]], who: str) -> list[list[float]]:
    """X as lists of finite floats: a NaN feature would silently give a NaN output (and class 0)."""
    if not hasattr(X, "__iter__"):
        raise TypeError(f"{who}: X must be a list of feature rows, got {type(X).__name__}")
    rows = []
    for i, row in enumerate(X):
        try:
            values = [float(v) for v in row]
        except (TypeError, ValueError):
            raise ValueError(f"X[{i}] must be a list of numbers, got {row!r:.60}") from None
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"X[{i}] contains a NaN or infinite value")
        rows.append(values)
    return rows


def _batches(n: int, steps: int | None, epochs: int | None, batch_size: int | None,
             rng: random.Random) -> tuple[int, Any]:
    """(number of steps, iterator of index lists)."""
    full = list(range(n))
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
        batch_size = min(batch_size, n)
    if epochs is not None:
        if steps is not None:
            raise ValueError("give either steps or epochs, not both")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
        bs = batch_size or n
        per_epoch = -(-n // bs)

        def by_epoch() -> Any:
            for _ in range(epochs):
                order = full[:]
                if bs < n:
                    rng.shuffle(order)
                for start in range(0, n, bs):
                    yield order[start:start + bs]

        return epochs * per_epoch, by_epoch()
    steps = 100 if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    if batch_size is None or batch_size == n:
        return steps, (full for _ in range(steps))
    bs = batch_size
    # a fresh random batch every step, like the demo's np.random.permutation(n)[:batch_size]
    return steps, (rng.sample(full, bs) for _ in range(steps))


def _diverged(k: int, why: str) -> FloatingPointError:
    return FloatingPointError(f"training diverged at step {k}: {why}; try a smaller learning rate")


def _compiled(
    graph: Callable[..., Any],
    params: list[Value],
    rows: list[list[float]],
    targets: list[Any],
    zero_grad: Callable[[], None],
    batch_size: int | None,
    eager_step: Callable[[Sequence[int]], tuple[float, list[Any]]],
) -> Callable[[Sequence[int]], tuple[float, list[Any]]]:
    """``fit(compile=True)``: the same step replayed on floats by ``microgradnet.compile``."""
    if batch_size is not None and batch_size < len(rows):
        # the labels fix the loss's graph (class indices, ±1 signs), so every new random batch
        # would be a new recording: slower than training eagerly
        warnings.warn("fit(compile=True) speeds up full-batch training (batch_size=None); "
                      "with mini-batches it trains uncompiled", RuntimeWarning, stacklevel=3)
        return eager_step
    from .compile import CompileError, compile_step

    compiled = compile_step(graph, params=params, static_argnums=(1,))
    state = {"step": None}

    def step(idx: Sequence[int]) -> tuple[float, list[Any]]:
        if state["step"] is not None:  # fell back to eager training earlier
            return state["step"](idx)
        zero_grad()  # the compiled step adds into .grad, as backward() does
        try:
            return compiled([rows[i] for i in idx], tuple(targets[i] for i in idx))
        except CompileError as exc:  # e.g. a custom loss reading .data: train eagerly instead
            warnings.warn(f"fit(compile=True): {exc}; training uncompiled", RuntimeWarning, stacklevel=3)
            state["step"] = eager_step
            return eager_step(idx)

    return step


def _check_finite(outs: list[Any], k: int) -> None:
    """Outputs of inf/NaN mean the weights blew up (a too-large learning rate, usually)."""
    total = 0.0
    for o in outs:
        total += _num(o) if not isinstance(o, (list, tuple)) else sum(_num(v) for v in o)
    if not math.isfinite(total):
        raise _diverged(k, "the model's outputs are no longer finite numbers")


def _progress_bar(total: int, enabled: bool) -> Any:
    stream = sys.stderr
    if not enabled or stream is None or not getattr(stream, "isatty", lambda: False)():
        return None
    from tqdm import tqdm

    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        width = 0
    # a terminal that reports 0 columns (some CI ptys) would get an invisible bar
    size: dict[str, Any] = {"dynamic_ncols": True} if width else {"ncols": 80, "nrows": 24}
    return tqdm(total=total, desc="training", unit="step", file=stream, leave=True, **size)


def fit(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | LossFn = "hinge",
    optimizer: Any = None,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | Schedule | None = None,
    alpha: float = 1e-4,
    seed: int | None = 0,
    progress: bool = True,
    callback: Callable[[int, History], Any] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` by gradient descent; return the ``History``.

    - ``loss``: ``'hinge'`` (SVM max-margin, one output, labels 0/1 or ±1), ``'bce'`` (binary
      cross-entropy on the output as a logit), ``'cross_entropy'`` (k outputs, labels 0..k-1),
      ``'mse'`` (onto the labels; one-hot with k outputs), or a function
      ``loss(outputs, labels) -> Value`` of the batch's outputs and labels.
    - ``optimizer``: None or ``'sgd'`` (plain ``p.data -= lr·p.grad``), ``'adam'``, or an optimizer
      object with ``step()`` (and an ``lr`` attribute if ``lr`` is given).
    - ``steps`` (default 100) updates, or ``epochs`` passes over the data; ``batch_size`` None
      is full batch; otherwise each step draws a random batch (epochs: shuffled, in order).
    - ``lr``: a number, or a function ``lr(k, total_steps)``. None means micrograd's schedule
      1.0 − 0.9·k/steps for SGD, 0.01 for ``'adam'``, and an optimizer object's own ``lr``.
    - ``alpha``: L2 penalty ``alpha·Σ p²`` added to the loss (micrograd's 1e-4); 0 turns it off.
    - ``seed``: seeds the batch sampling (a private generator; the model's initialisation is
      yours to seed). ``progress``: show a tqdm bar with live loss and accuracy when stderr is a
      terminal. ``callback(k, history)`` runs after every step; returning True stops training.
    - ``compile``: record the step's graph once and replay it on plain floats
      (``microgradnet.compile``): the same numbers, several times faster. Full batch only (with
      ``batch_size`` it warns and trains eagerly); the loss must not read a Value's ``.data``
      (the built-in losses don't; a custom one that does falls back to eager with a warning).

    Raises ``FloatingPointError`` if the loss stops being finite (lower the learning rate).
    """
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be a Module such as nn.MLP (callable, with parameters()), "
                        f"got {type(model).__name__}")
    if not is_grad_enabled():
        raise RuntimeError("fit: training needs backward(), which needs a graph; call fit outside no_grad()")
    rows = _check_data(X, y)
    task = _Task(loss, y)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0 or alpha == math.inf:
        raise ValueError(f"alpha must be a number >= 0, got {alpha!r}")
    params = model.parameters()
    schedule = _schedule(lr, optimizer)
    total, batches = _batches(len(rows), steps, epochs, batch_size, random.Random(seed))
    first_lr = schedule(0, total) if schedule else 0.0
    opt = _make_optimizer(optimizer, params, first_lr)
    zero_grad = model.zero_grad if hasattr(model, "zero_grad") else opt.zero_grad
    targets, loss_fn = task.targets, task.fn

    def graph(batch_rows: Sequence[Sequence[Any]], batch_targets: Sequence[Any]) -> tuple[Value, list[Any]]:
        """The step's graph: outputs, loss (+ L2). Eager training builds it at every step."""
        outs = [_squeeze(model(x)) for x in batch_rows]
        total_loss = loss_fn(outs, list(batch_targets))
        if not isinstance(total_loss, Value):  # a float would train on the L2 term alone
            raise TypeError(f"the loss function must return a Value, got {type(total_loss).__name__}")
        if alpha:
            total_loss = total_loss + alpha * value_sum([p * p for p in params])
        return total_loss, outs

    def eager_step(idx: Sequence[int]) -> tuple[float, list[Any]]:
        total_loss, outs = graph([[Value(v) for v in rows[i]] for i in idx], [targets[i] for i in idx])
        zero_grad()
        total_loss.backward()
        return total_loss.data, outs

    step = eager_step
    if compile:
        step = _compiled(graph, params, rows, targets, zero_grad, batch_size, eager_step)
    history = History()
    bar = _progress_bar(total, progress)
    try:
        for k, idx in enumerate(batches):
            try:
                loss_value, outs = step(idx)
            except OverflowError as exc:
                raise _diverged(k, str(exc).strip()) from None
            _check_finite(outs, k)
            if not math.isfinite(loss_value):
                raise _diverged(k, f"the loss is {loss_value}")
            acc = task.correct(outs, idx) / len(idx)
            if schedule is not None:
                opt.lr = schedule(k, total)
            opt.step()
            history.loss.append(loss_value)
            history.accuracy.append(acc)
            history.lr.append(getattr(opt, "lr", math.nan))
            if bar is not None:
                bar.set_postfix({"loss": f"{loss_value:.4g}", "acc": f"{acc:.0%}"}, refresh=False)
                bar.update(1)
            if callback is not None and callback(k, history) is True:
                break
    finally:
        if bar is not None:
            bar.close()
    return history
