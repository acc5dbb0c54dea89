"""The training loop: ``fit`` runs gradient descent on a model and records loss and accuracy.

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
The parts around it live in modules of their own: the losses in ``losses`` (one registry that
``fit``, ``microgradnet train`` and ``equations`` share), the batches in ``batching``, the
optimiser and its schedule in ``optim``, the progress display in ``progress`` and the compiled
step in ``fit_compiled``.

Labels: classes are counted from 0 (0..k-1), as in PyTorch; two classes may also be labelled
-1/+1.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import losses
from . import optim as _optim
from .batching import check_data, check_rows, plan
from .engine import Value, value_sum
from .grad_mode import is_grad_enabled, no_grad
from .losses import Decision
from .optim import Schedule, demo_lr
from .progress import progress_bar

__all__ = ["History", "fit", "predict", "accuracy", "demo_lr", "LOSSES"]

LOSSES = tuple(losses.LOSSES)  # the names fit accepts (see microgradnet.losses); or a function
LossFn = Callable[[list[Any], list[Any]], Value]


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


# ---- outputs and predictions -------------------------------------------------------------------
def _squeeze(out: Any) -> Any:
    """A model's output as one Value (a single output) or a list of Values."""
    if isinstance(out, Value):
        return out
    if isinstance(out, (list, tuple)):
        return out[0] if len(out) == 1 else list(out)
    raise TypeError(f"the model must return a Value or a list of Values, got {type(out).__name__}")


def predict(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    threshold: float = 0.0,
    classes: tuple[Any, Any] = (0, 1),
) -> list[Any]:
    """Class predictions: argmax (classes 0..k-1) for a model with several outputs; for one
    output (a score), ``classes[1]`` where score > ``threshold`` else ``classes[0]``.
    Builds no graph."""
    rows = check_rows(X, "predict")
    rule = Decision(threshold, *classes)
    with no_grad():
        return [rule.predict(_squeeze(model(row))) for row in rows]


def accuracy(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    threshold: float = 0.0,
    loss: str | None = None,
) -> float:
    """Fraction of samples whose predicted class equals the label (labels 0..k-1, or -1/+1).

    ``loss`` (a name from ``microgradnet.losses``) applies that loss's rule, e.g. mse's
    threshold halfway between the two labels; otherwise a score is positive above ``threshold``.
    """
    if len(X) != len(y):
        raise ValueError(f"accuracy: {len(X)} samples but {len(y)} labels")
    if not len(y):
        raise ValueError("accuracy: no samples")
    rule = losses.get(loss).decision(y) if loss is not None else Decision.for_labels(y, threshold)
    pred = predict(model, X, rule.threshold, (rule.negative, rule.positive))
    return sum(p == t for p, t in zip(pred, y)) / len(y)


# ---- the loss of a step -------------------------------------------------------------------------
def _outputs(model: Any, row: list[float]) -> int:
    """How many outputs the model has: ``sizes[-1]`` of an MLP, else one forward pass."""
    sizes = getattr(model, "sizes", None)
    if isinstance(sizes, (list, tuple)) and sizes and isinstance(sizes[-1], int):
        return sizes[-1]
    with no_grad():
        out = _squeeze(model(row))
    return len(out) if isinstance(out, list) else 1


def _loss_and_targets(loss: str | LossFn, model: Any, rows: list[list[float]],
                      y: Sequence[Any]) -> tuple[LossFn, list[Any], Decision]:
    """(batch loss function, one target per sample, the accuracy rule)."""
    if callable(loss):
        return loss, list(y), Decision.for_labels(y)
    spec = losses.get(loss)
    n_out = 1 if spec.one_output else _outputs(model, rows[0])
    return spec.batch, spec.targets(y, n_out), spec.decision(y)


# ---- the loop ------------------------------------------------------------------------------------
def _diverged(k: int, why: str) -> FloatingPointError:
    return FloatingPointError(f"training diverged at step {k}: {why}; try a smaller learning rate")


def _check_finite(outs: list[Any], k: int) -> None:
    """Outputs of inf/NaN mean the weights blew up (a too-large learning rate, usually)."""
    def num(x: Any) -> float:
        return x.data if isinstance(x, Value) else x  # a compiled step hands back floats

    total = 0.0
    for o in outs:
        total += num(o) if not isinstance(o, (list, tuple)) else sum(num(v) for v in o)
    if not math.isfinite(total):
        raise _diverged(k, "the model's outputs are no longer finite numbers")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one training step.

    A graph of Values holds no reference cycles, so it is freed the moment the step drops it;
    while it lives, the collector only re-scans its nodes, which costs about a quarter of an
    eager step on micrograd's demo. Paused per step, not for the whole run, so cycles that user
    code makes (e.g. micrograd-style ``_backward`` closures) are still collected after each step.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fit(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | LossFn = "hinge",
    *,
    optimizer: Any = None,
    lr: float | Schedule | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    alpha: float = 1e-4,
    seed: int | None = 0,
    progress: bool = True,
    callback: Callable[[int, History], Any] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` by gradient descent; return the ``History``.

    Everything after ``loss`` is a keyword, in four groups:

    **What to fit.** ``loss``: a name from ``microgradnet.losses`` — ``'hinge'`` (SVM
    max-margin, one output), ``'bce'`` (binary cross-entropy on the output as a logit),
    ``'cross_entropy'`` (alias ``'nll'``; one output per class), ``'mse'`` (onto the labels;
    one-hot with k outputs) — or a function ``loss(outputs, labels) -> Value`` of the batch.
    Labels are classes counted from 0 (0..k-1, as in PyTorch); two classes may be -1/+1.

    **How to step.** ``optimizer``: None or ``'sgd'`` (plain ``p.data -= lr·p.grad``),
    ``'adam'``, or an optimiser object with ``step()``. ``lr``: a number, or a function
    ``lr(k, total_steps)``; None means micrograd's 1.0 − 0.9·k/steps for SGD, 0.01 for Adam, and
    an optimiser object's own ``lr``. ``alpha``: the L2 penalty ``alpha·Σ p²`` added to the loss
    (micrograd's 1e-4; 0 turns it off).

    **On which samples.** ``steps`` (default 100) updates, or ``epochs`` passes over the data;
    ``batch_size`` None is full batch, otherwise each step draws a random batch (with epochs:
    shuffled, then in order). ``seed`` seeds only that sampling (the model's initialisation is
    yours to seed).

    **Around the loop.** ``progress``: a live bar with loss and accuracy in a terminal and in
    Jupyter, a plain line every few seconds in a pipe or a log (see ``microgradnet.progress``);
    False shows nothing. ``callback(k, history)`` runs after every step; returning True stops
    training. ``compile``: record the step's graph once and replay it on plain floats
    (``microgradnet.compile``): the same numbers, faster for long runs. Full batch only (with
    ``batch_size`` it warns and trains eagerly); a custom loss that reads a Value's ``.data``
    falls back to eager training with a warning.

    Raises ``FloatingPointError`` if the loss stops being finite (lower the learning rate).
    """
    plan = _plan(model, X, y, loss, optimizer=optimizer, lr=lr, steps=steps, epochs=epochs,
                 batch_size=batch_size, alpha=alpha, seed=seed, compile=compile)
    return _train(plan, y, progress, callback)


@dataclass
class _Plan:
    """Everything a run needs, checked: the step function, the batches, the accuracy rule, the
    optimiser and its learning-rate schedule."""

    step: Callable[[Sequence[int]], tuple[float, list[Any]]]
    batches: Iterable[Sequence[int]]
    total: int
    rule: Decision
    opt: Any
    schedule: Schedule | None


def _plan(model: Any, X: Sequence[Sequence[float]], y: Sequence[Any], loss: str | LossFn, *, optimizer: Any,
          lr: float | Schedule | None, steps: int | None, epochs: int | None, batch_size: int | None,
          alpha: float, seed: int | None, compile: bool) -> _Plan:
    """Check ``fit``'s arguments and build its step: forward, loss (+ L2), zero_grad, backward."""
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be a Module such as nn.MLP (callable, with parameters()), "
                        f"got {type(model).__name__}")
    if not is_grad_enabled():
        raise RuntimeError("fit: training needs backward(), which needs a graph; call fit outside no_grad()")
    rows = check_data(X, y)
    loss_fn, targets, rule = _loss_and_targets(loss, model, rows, y)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0 or alpha == math.inf:
        raise ValueError(f"alpha must be a number >= 0, got {alpha!r}")
    params = model.parameters()
    schedule = _optim.schedule(lr, optimizer)
    total, batches = plan(len(rows), steps, epochs, batch_size, seed)
    opt = _optim.make(optimizer, params, schedule(0, total) if schedule else 0.0)
    zero_grad = model.zero_grad if hasattr(model, "zero_grad") else opt.zero_grad

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
        from .fit_compiled import compiled_step

        full_batch = batch_size is None or batch_size >= len(rows)
        step = compiled_step(graph, params, rows, targets, zero_grad, full_batch, eager_step)
    return _Plan(step, batches, total, rule, opt, schedule)


def _train(
    run: _Plan, y: Sequence[Any], progress: bool, callback: Callable[[int, History], Any] | None
) -> History:
    """The loop: a step, its loss and accuracy checked and recorded, the update, the progress."""
    history = History()
    bar = progress_bar(run.total, progress)
    try:
        for k, idx in enumerate(run.batches):
            with _collector_paused():  # the step's graph is built and dropped inside
                try:
                    loss_value, outs = run.step(idx)
                except OverflowError as exc:
                    raise _diverged(k, str(exc).strip()) from None
                _check_finite(outs, k)
                if not math.isfinite(loss_value):
                    raise _diverged(k, f"the loss is {loss_value}")
                acc = sum(run.rule.predict(o) == y[i] for o, i in zip(outs, idx)) / len(idx)
                del outs
            if run.schedule is not None:
                run.opt.lr = run.schedule(k, run.total)
            run.opt.step()
            history.loss.append(loss_value)
            history.accuracy.append(acc)
            history.lr.append(getattr(run.opt, "lr", math.nan))
            bar.update(k + 1, loss_value, acc)
            if callback is not None and callback(k, history) is True:
                break
    finally:
        bar.close()
    return history
