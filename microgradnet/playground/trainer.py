"""One session's training, without threads: data, features, network, optimizer, compiled step,
evaluation, curves and GIF frames.

How a step is computed. The loss comes from the loss registry (``losses.LOSSES``) and enters
the step the way the article's equations do: Equation 9 (the loss's ``equation9``, in floats)
gives ∂e/∂ŷ for each sample of the batch, from the scores of the last evaluation (which are
the current weights' scores); then one compiled replay (``compile_step``) of Σ_k c_k·ŷ_k with
c_k = (1/batch)·∂e_k/∂ŷ_k runs ``backward()`` through the network, leaving in every parameter's
grad the gradient of the mean loss. So any loss of the registry that trains one output works,
with no per-loss code here, and the compiled graph never depends on the targets.

Bounded work: every loop over samples runs in chunks of ``CHUNK`` samples and calls ``stop()``
between chunks; ``Aborted`` ends a half-done step without changing the weights (the batch stream
is rewound), and an evaluation interrupted after the update is resumed later (``pending``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from .. import data as _data
from .. import functional as F
from .. import losses as _losses
from ..compile import compile_step
from ..engine import Value
from ..nn import MLP
from .config import make_optimizer
from .features import FEATURES, PlaygroundError

__all__ = ["Trainer", "Aborted", "CHUNK", "features_of"]

CHUNK = 8  # samples per compiled call: enough to amortise a call, small enough to stop promptly
MAX_HISTORY = 100_000  # steps of curves kept (older points are dropped)
MAX_FRAMES = 120  # weight snapshots kept for the GIF (thinned as the run grows)
Stop = Callable[[], bool]


class Aborted(Exception):
    """A step stopped between two chunks because ``stop()`` said so (see the module docstring)."""


def _never() -> bool:
    return False


def features_of(point: Sequence[float], names: Sequence[str]) -> list[float]:
    """The chosen input features of one point (x₁, x₂) as floats, in ``names``' order."""
    a, b = float(point[0]), float(point[1])
    return [FEATURES[n](a, b) for n in names]


class Trainer:
    """Data, network, optimizer, curves of one configuration (``config``, already validated)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.error: str | None = None  # why training stopped, shown in the page
        self.record_seconds = 0.0
        self.new_data()
        self.new_model()

    # ---- building ---------------------------------------------------------------------------
    def new_data(self) -> None:
        """The data set's two-class version (``data.DATASETS``), split train/test, and its domain."""
        c = self.config
        X, y = _data.DATASETS[c["dataset"]].two_class(c["points"], c["noise"], c["data_seed"])
        if not set(y) <= {0, 1}:
            got = sorted(set(y))
            raise PlaygroundError(f"data set {c['dataset']}: the playground needs classes 0 and 1, got {got}")
        self.points, self.labels = [list(map(float, p)) for p in X], [int(v) for v in y]
        self.n_train = round(len(X) * c["train_percent"] / 100)
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        pad = 0.15 * max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        self.domain = [min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad]

    def new_model(self) -> None:
        """New weights from the seed, step 0, empty curves; records the step and evaluates."""
        c = self.config
        sizes = [*c["hidden"], 1]
        # one n-ary node per neuron: the same sums, faster to record
        self.model = MLP(len(c["features"]), sizes, act=c["act"], rng=random.Random(c["seed"]), fused=True)
        self.batch_rng = random.Random(c["seed"])
        self.step_count = 0
        self.history: list[list[float]] = []  # [step, train loss, test loss, train acc, test acc]
        self.history_offset = 0  # steps dropped from the front of history
        self.frames: list[tuple[int, list[float]]] = []
        self.frame_every = 1
        self.error = None
        self.set_loss()
        self.new_optimizer()
        self.record()
        self.pending: list[float] | None = []
        self.evaluate(_never)

    def set_loss(self) -> None:
        """The loss's row, the features of every point and the signed labels the loss reads."""
        self.inputs = [features_of(p, self.config["features"]) for p in self.points]
        self.loss = _losses.LOSSES[self.config["loss"]]
        # ±1 labels: hinge and mse train onto ±1, bce onto 0/1; the decision threshold is 0 for all
        self.signed = [1 if v == 1 else -1 for v in self.labels]
        self.decision = self.loss.decision(self.signed)

    def new_optimizer(self) -> None:
        self.optimizer = make_optimizer(self.config, self.model.parameters())

    def record(self) -> None:
        """Record the compiled backward step (Σ c_k·ŷ_k over CHUNK samples) and forward pass, for
        every chunk size the coming steps use. A small graph records in milliseconds."""
        t0 = time.perf_counter()
        model = self.model

        def weighted(X: list, C: list) -> Value:  # backward from it: Σ_k c_k·∂ŷ_k/∂θ
            return F.sum([c * model(x) for x, c in zip(X, C)])

        def scores(X: list) -> tuple:
            out = [model(x) for x in X]
            return F.sum(out), out

        params = model.parameters()
        self._train = compile_step(weighted, params=params)
        self._score = compile_step(scores, params=params)
        self.warm()
        self.record_seconds = time.perf_counter() - t0

    def warm(self) -> None:
        """Record now each chunk size that training and evaluation will meet (grads get + 0)."""
        b = self.config["batch_size"] or self.n_train
        for k in {min(CHUNK, b), b % CHUNK} - {0}:
            self._train(self.inputs[:k], [0.0] * k)
        n = len(self.inputs)
        for k in {min(CHUNK, n), n % CHUNK} - {0}:
            self._score(self.inputs[:k], backward=False)

    # ---- one step --------------------------------------------------------------------------------
    def batch(self) -> list[int]:
        b = self.config["batch_size"] or self.n_train
        if b >= self.n_train:
            return list(range(self.n_train))
        return self.batch_rng.sample(range(self.n_train), b)

    def train_step(self, stop: Stop = _never) -> bool:
        """One optimizer step on a batch; True when its evaluation is done too (False: the update
        is applied and the evaluation is ``pending``). ``Aborted`` before the update changes no
        weight. Raises ``PlaygroundError`` after a diverged step."""
        if self.error:
            raise PlaygroundError(self.error)
        if self.pending is not None:
            self.evaluate(stop)
        rng_state = self.batch_rng.getstate()
        idx = self.batch()
        self.model.zero_grad()
        inputs, scores, signed = self.inputs, self.scores, self.signed
        eq9, train = self.loss.equation9, self._train
        mean = 1.0 / len(idx)
        for c in range(0, len(idx), CHUNK):
            if stop():
                self.batch_rng.setstate(rng_state)  # the next step draws this batch again
                raise Aborted
            part = idx[c:c + CHUNK]
            # Equation 9 for each sample, from its score under the current weights
            train([inputs[k] for k in part], [mean * eq9([scores[k]], signed[k])[0] for k in part])
        self.optimizer.step()
        self.step_count += 1
        self.pending = []
        try:
            self.evaluate(stop)
        except Aborted:
            return False
        return True

    def evaluate(self, stop: Stop = _never) -> None:
        """Every point's score for the current weights, chunk by chunk (an abort keeps the chunks
        done in ``pending``), then the curves' point for this step and a GIF frame."""
        done, inputs, score = self.pending, self.inputs, self._score
        assert done is not None
        for c in range(len(done), len(inputs), CHUNK):
            if stop():
                raise Aborted
            done.extend(score(inputs[c:c + CHUNK], backward=False)[1])
        self.pending = None
        self._finish_evaluation(done)

    def _finish_evaluation(self, scores: list[float]) -> None:
        predict, n = self.decision.predict, self.n_train
        losses = [self._point_loss(s, t) for s, t in zip(scores, self.signed)]
        right = [predict(s) == t for s, t in zip(scores, self.signed)]
        m = len(scores) - n
        self.scores, self.point_losses = scores, losses
        row = [self.step_count, sum(losses[:n]) / n, sum(losses[n:]) / m,
               sum(right[:n]) / n, sum(right[n:]) / m]
        self.history.append(row)
        if len(self.history) > MAX_HISTORY:
            drop = len(self.history) - MAX_HISTORY
            self.history = self.history[drop:]  # a new list: a published view keeps the old one
            self.history_offset += drop
        self._frame()
        if not math.isfinite(row[1]):
            self.error = (f"training diverged at step {self.step_count} (the loss is {row[1]}); "
                          "lower the learning rate and press reset")

    def _point_loss(self, score: float, label: int) -> float:
        try:
            return self.loss.value([score], label)
        except OverflowError:  # a diverged run: the curves show inf and training stops
            return math.inf

    def worst_training_point(self) -> int:
        """The training point with the largest loss now: the sample most worth explaining."""
        losses = self.point_losses[:self.n_train]
        return max(range(len(losses)), key=lambda k: (losses[k] if math.isfinite(losses[k]) else math.inf))

    def _frame(self) -> None:
        if self.step_count % self.frame_every:
            return
        self.frames.append((self.step_count, [p.data for p in self.model.parameters()]))
        if len(self.frames) > MAX_FRAMES:
            self.frames = self.frames[::2]
            self.frame_every *= 2

    # ---- what the page reads ------------------------------------------------------------------------
    def weights(self) -> dict[str, Any]:
        """Per layer: W[l][i] = [w_1..w_n] of neuron i, B[l][i] its bias, and the same for grads."""
        layers = self.model.layers
        return {
            "W": [[[w.data for w in n.w] for n in layer.neurons] for layer in layers],
            "B": [[n.b.data for n in layer.neurons] for layer in layers],
            "gW": [[[w.grad for w in n.w] for n in layer.neurons] for layer in layers],
            "gB": [[n.b.grad for n in layer.neurons] for layer in layers],
        }
