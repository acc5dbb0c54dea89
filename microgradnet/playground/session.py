"""One playground session: data, features, an MLP, an optimizer and a training thread.

A ``Session`` is what one browser tab (or one Jupyter widget) talks to. Everything the page can
change goes through ``configure(changes)``, which checks the whole new configuration first and
raises ``PlaygroundError`` (a ``ValueError``) with one sentence on anything impossible, leaving
the session as it was. Training runs in the session's own background thread with compiled
replay (``microgradnet.compile.compile_step``); every access to the model holds the session's
lock, so two sessions never share a model and a reader never sees a half-updated one.

The page computes its heat maps itself from the weights ``state()`` sends (a forward pass in
JavaScript over the grid): the engine stays pure Python and the server only trains.
"""

from __future__ import annotations

import copy
import inspect
import math
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import data as _data
from .. import equations as _equations
from .. import functional as F
from .. import ops as _ops
from ..compile import compile_step
from ..engine import Value
from ..nn import MLP
from ..optim import SGD, Adam
from .features import _FEATURE_SOURCE, FEATURES, PlaygroundError

__all__ = ["Session", "PlaygroundError", "DEFAULTS", "FEATURES", "LIMITS", "features_of"]


class _Aborted(Exception):
    """A training step stopped half-way because pause() asked (nothing was updated)."""


# ---- what can be chosen ---------------------------------------------------------------
DATASETS = ("moons", "circles", "spirals", "xor", "blobs")
ACTIVATIONS = tuple(_ops.activations())  # every activation of the table of operations, and linear
LOSSES = ("hinge", "bce", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")

LIMITS = {
    "points": (10, 2000),
    "neurons": (1, 32),
    "layers": (0, 6),
    "noise": (0.0, 2.0),
    "train_percent": (10, 90),
    "lr": (1e-6, 10.0),
    "l2": (0.0, 1.0),
    "speed": (1, 1000),  # steps per second asked for (the machine may do fewer)
}

DEFAULTS: dict[str, Any] = {
    "dataset": "moons",
    "noise": 0.1,
    "points": 200,
    "train_percent": 50,
    "data_seed": 1,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "act": "tanh",
    "loss": "bce",  # logistic loss: every sample keeps a gradient (hinge's is 0 past the margin)
    "optimizer": "adam",
    "lr": 0.02,
    "batch_size": 0,  # 0: every training point (full batch)
    "l2": 0.0,
    "seed": 1,  # weights and batches
    "speed": 1000,
}

# keys whose change means new data / a new network (and so a fresh start)
_DATA_KEYS = {"dataset", "noise", "points", "train_percent", "data_seed"}
_MODEL_KEYS = {"features", "hidden", "act", "seed"}
CHUNK = 8  # samples per compiled call (see Session._record)
MAX_HISTORY = 100_000  # steps of curves kept (older points are dropped)
MAX_FRAMES = 120  # weight snapshots kept for the GIF (thinned as the run grows)


def features_of(point: Sequence[float], names: Sequence[str]) -> list[float]:
    """The chosen input features of one point (x₁, x₂) as floats, in ``names``' order."""
    a, b = float(point[0]), float(point[1])
    return [FEATURES[n](a, b) for n in names]


def _dataset(name: str, n: int, noise: float, seed: int) -> tuple[list[list[float]], list[int]]:
    if name == "moons":
        return _data.make_moons(n, noise=noise, seed=seed)
    if name == "circles":
        return _data.make_circles(n, noise=noise, seed=seed)
    if name == "spirals":
        return _data.make_spirals(n, n_classes=2, noise=noise, seed=seed)
    if name == "xor":
        return _data.make_xor(n, noise=noise, seed=seed)
    # two blobs on the diagonal; the noise widens them
    return _data.make_blobs(n, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std=0.3 + noise, seed=seed)


def _new_mlp(nin: int, sizes: list[int], act: str, seed: int) -> MLP:
    """An MLP with one n-ary node per neuron when the library offers it (faster to record)."""
    kw: dict[str, Any] = {"act": act, "rng": random.Random(seed)}
    if "fused" in inspect.signature(MLP.__init__).parameters:
        kw["fused"] = True
    return MLP(nin, sizes, **kw)


# ---- per-sample losses on Values (compiled) and on floats (for the curves) -------------------
def _target(loss: str, label: int) -> float:
    """The target a loss wants for a 0/1 label: ±1 for hinge and mse, 0/1 for bce."""
    return float(label) if loss == "bce" else (1.0 if label == 1 else -1.0)


def _loss_value(loss: str, s: Value, t: Value) -> Value:
    if loss == "hinge":
        return (1 - t * s).relu()
    if loss == "bce":
        return s.softplus() - t * s  # stable binary cross-entropy on a logit
    return (s - t) ** 2


def _loss_float(loss: str, s: float, t: float) -> float:
    if loss == "hinge":
        return max(0.0, 1.0 - t * s)
    if loss == "bce":
        return max(s, 0.0) + math.log1p(math.exp(-abs(s))) - t * s
    return (s - t) ** 2


def _check_choice(key: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise PlaygroundError(f"{key}: unknown choice {value!r}; choose one of {', '.join(choices)}")
    return value


def _check_number(key: str, value: Any, integer: bool = False) -> float:
    lo, hi = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlaygroundError(f"{key}: expected a number, got {value!r}")
    if integer and value != int(value):
        raise PlaygroundError(f"{key}: expected a whole number, got {value!r}")
    if not lo <= value <= hi:
        what = {"lr": "the learning rate", "neurons": "neurons per layer"}.get(key, key)
        raise PlaygroundError(f"{what} must be between {lo:g} and {hi:g}, got {value:g}")
    return int(value) if integer else float(value)


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """A checked copy of a full configuration; ``PlaygroundError`` names the first problem."""
    c = dict(config)
    unknown = set(c) - set(DEFAULTS)
    if unknown:
        raise PlaygroundError(f"unknown setting(s): {', '.join(sorted(map(str, unknown)))}")
    _check_choice("dataset", c["dataset"], DATASETS)
    _check_choice("activation", c["act"], ACTIVATIONS)
    _check_choice("loss", c["loss"], LOSSES)
    _check_choice("optimizer", c["optimizer"], OPTIMIZERS)
    c["noise"] = _check_number("noise", c["noise"])
    c["points"] = _check_number("points", c["points"], integer=True)
    c["train_percent"] = _check_number("train_percent", c["train_percent"])
    c["lr"] = _check_number("lr", c["lr"])
    c["l2"] = _check_number("l2", c["l2"])
    c["speed"] = _check_number("speed", c["speed"])
    for key in ("data_seed", "seed"):
        if isinstance(c[key], bool) or not isinstance(c[key], int) or not 0 <= c[key] < 2**31:
            raise PlaygroundError(f"{key}: expected a whole number from 0 to 2^31-1, got {c[key]!r}")
    feats = c["features"]
    if not isinstance(feats, list) or not all(isinstance(f, str) for f in feats):
        raise PlaygroundError("features: expected a list of feature names")
    for f in feats:
        _check_choice("feature", f, list(FEATURES))
    if not feats:
        raise PlaygroundError("choose at least one input feature")
    c["features"] = [f for f in FEATURES if f in feats]  # canonical order, no duplicates
    hidden = c["hidden"]
    if not isinstance(hidden, list):
        raise PlaygroundError("hidden: expected a list of layer widths")
    lo, hi = LIMITS["layers"]
    if len(hidden) > hi:
        raise PlaygroundError(f"at most {hi} hidden layers, got {len(hidden)}")
    for k, n in enumerate(hidden, start=1):
        if isinstance(n, (int, float)) and not isinstance(n, bool) and n < 1:
            raise PlaygroundError(
                f"hidden layer {k} has {n:g} neurons; a layer needs at least 1 (remove the layer instead)"
            )
        c_n = _check_number("neurons", n, integer=True)
        hidden[k - 1] = c_n
    n_train = round(c["points"] * c["train_percent"] / 100)
    if n_train < 2 or c["points"] - n_train < 1:
        raise PlaygroundError(
            f"{c['points']} points split {c['train_percent']:g}% leaves too few training or test points"
        )
    b = c["batch_size"]
    if isinstance(b, bool) or not isinstance(b, int) or b < 0:
        raise PlaygroundError(f"batch size must be a whole number ≥ 1 (0 = all), got {b!r}")
    if b > n_train:
        raise PlaygroundError(f"batch size {b} is larger than the {n_train} training points (0 = all)")
    return c


class Session:
    """The state behind one page: configuration, data, model, optimizer, history, thread.

    >>> s = Session({"hidden": [4], "points": 40})
    >>> s.step(5)["step"]
    5
    >>> s.close()
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.config: dict[str, Any] = validate({**copy.deepcopy(DEFAULTS), **copy.deepcopy(config or {})})
        self.playing = False
        self.closed = False
        self.last_seen = time.monotonic()
        self.record_seconds = 0.0
        self.steps_per_second = 0.0
        self.error: str | None = None  # why training stopped, shown in the page
        self._abort = False
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._new_data()
        self._new_model()

    # ---- building ---------------------------------------------------------------------------
    def _new_data(self) -> None:
        c = self.config
        X, y = _dataset(c["dataset"], c["points"], c["noise"], c["data_seed"])
        n_train = round(len(X) * c["train_percent"] / 100)
        self.points, self.labels = [list(map(float, p)) for p in X], [int(v) for v in y]
        self.n_train = n_train
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        pad = 0.15 * max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        self.domain = [min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad]

    def _new_model(self) -> None:
        c = self.config
        self.model = _new_mlp(len(c["features"]), [*c["hidden"], 1], c["act"], c["seed"])
        self.batch_rng = random.Random(c["seed"])
        self.step_count = 0
        self.history: list[list[float]] = []  # [step, train loss, test loss, train acc, test acc]
        self.history_offset = 0  # steps dropped from the front of history
        self.frames: list[tuple[int, list[float]]] = []
        self.frame_every = 1
        self.error = None
        self._features()
        self._new_optimizer()
        self._record()
        self._evaluate()
        self._frame()
        self._publish()

    def _features(self) -> None:
        names = self.config["features"]
        self.inputs = [features_of(p, names) for p in self.points]
        self.targets = [_target(self.config["loss"], v) for v in self.labels]

    def _new_optimizer(self) -> None:
        c, params = self.config, self.model.parameters()
        if c["optimizer"] == "adam":
            self.optimizer: Any = Adam(params, lr=c["lr"], weight_decay=c["l2"])
        else:
            momentum = 0.9 if c["optimizer"] == "momentum" else 0.0
            self.optimizer = SGD(params, lr=c["lr"], momentum=momentum, weight_decay=c["l2"])

    def _record(self) -> None:
        """Record the compiled step (forward + backward of the summed loss of CHUNK samples) and
        the compiled forward pass, for every chunk size the coming steps use. A small graph
        records in milliseconds whatever the data; a batch is a loop over its chunks, each
        backward seeded with 1/batch so the parameters' grads add up to the gradient of the
        mean loss. (One sample per call would pay the per-call reading and writing of every
        parameter 200 times a step; CHUNK samples per call halve a step's time.)"""
        t0 = time.perf_counter()
        model, loss = self.model, self.config["loss"]

        def chunk_loss(X: list, T: list) -> Value:
            return F.sum([_loss_value(loss, model(x), t) for x, t in zip(X, T)])

        def scores(X: list) -> tuple:
            out = [model(x) for x in X]
            return F.sum(out), out

        params = model.parameters()
        self._train = compile_step(chunk_loss, params=params)
        self._score = compile_step(scores, params=params)
        self._warm()
        self.record_seconds = time.perf_counter() - t0

    def _warm(self) -> None:
        """Record now each chunk size that training and evaluation will meet (grads get + 0)."""
        b = self.config["batch_size"] or self.n_train
        for k in {min(CHUNK, b), b % CHUNK} - {0}:
            self._train(self.inputs[:k], self.targets[:k], grad=0.0)
        n = len(self.inputs)
        for k in {min(CHUNK, n), n % CHUNK} - {0}:
            self._score(self.inputs[:k], backward=False)

    def _batch(self) -> list[int]:
        b = self.config["batch_size"] or self.n_train
        if b >= self.n_train:
            return list(range(self.n_train))
        return self.batch_rng.sample(range(self.n_train), b)

    def _evaluate(self) -> None:
        score, inputs = self._score, self.inputs
        scores = [s for c in range(0, len(inputs), CHUNK)
                  for s in score(inputs[c:c + CHUNK], backward=False)[1]]
        loss, n = self.config["loss"], self.n_train
        losses = [_loss_float(loss, s, t) for s, t in zip(scores, self.targets)]
        right = [(s > 0) == (v == 1) for s, v in zip(scores, self.labels)]
        m = len(scores) - n
        self.scores = scores
        self.history.append([
            self.step_count, sum(losses[:n]) / n, sum(losses[n:]) / m, sum(right[:n]) / n, sum(right[n:]) / m,
        ])
        if len(self.history) > MAX_HISTORY:
            drop = len(self.history) - MAX_HISTORY
            self.history = self.history[drop:]  # a new list: a published view keeps the old one
            self.history_offset += drop

    def _frame(self) -> None:
        if self.step_count % self.frame_every:
            return
        self.frames.append((self.step_count, [p.data for p in self.model.parameters()]))
        if len(self.frames) > MAX_FRAMES:
            self.frames = self.frames[::2]
            self.frame_every *= 2

    # ---- changing things ----------------------------------------------------------------------
    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` (a dict of settings); on any problem raise ``PlaygroundError`` and
        change nothing. New data, features or architecture start a new network (new weights,
        step 0); a new loss re-records the step; optimizer, rate, batch size and L2 keep the
        weights."""
        if not isinstance(changes, dict):
            raise PlaygroundError("settings must be a JSON object")
        with self.lock:
            new = validate({**copy.deepcopy(self.config), **copy.deepcopy(changes)})
            changed = {k for k in new if new[k] != self.config[k]}
            if not changed:
                return self.config
            old = self.config
            self.config = new
            try:
                if changed & _DATA_KEYS:
                    self._new_data()
                if changed & (_DATA_KEYS | _MODEL_KEYS):
                    self._new_model()
                    return self.config
                if "loss" in changed:
                    self._features()
                    self._record()
                elif "batch_size" in changed:
                    self._warm()
                if changed & {"optimizer", "lr", "l2"}:
                    if changed & {"optimizer", "l2"} or not hasattr(self.optimizer, "lr"):
                        self._new_optimizer()
                    else:
                        self.optimizer.lr = new["lr"]
                self._publish()
            except ValueError as e:  # a data generator refused (e.g. too few points for a shape)
                self.config = old
                self._new_data()
                self._new_model()
                raise PlaygroundError(str(e)) from None
            return self.config

    def reset(self) -> None:
        """New random weights (same seed: the same start), step 0, empty curves."""
        with self.lock:
            self._new_model()

    # ---- training -----------------------------------------------------------------------------
    def step(self, n: int = 1) -> dict[str, Any]:
        """Train ``n`` steps now (in the caller's thread); returns ``state()``."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
            raise PlaygroundError(f"steps: expected a whole number from 1 to 10000, got {n!r}")
        for _ in range(n):
            with self.lock:
                self._one_step()
        return self.state()

    def _one_step(self) -> None:
        if self.error:
            raise PlaygroundError(self.error)
        idx = self._batch()
        self.model.zero_grad()
        train, inputs, targets, seed = self._train, self.inputs, self.targets, 1.0 / len(idx)
        loss = 0.0
        for c in range(0, len(idx), CHUNK):
            part = idx[c:c + CHUNK]
            loss += train([inputs[k] for k in part], [targets[k] for k in part], grad=seed)
            if self._abort:  # pause() is waiting: drop this half-done step
                raise _Aborted
        loss *= seed
        if not math.isfinite(loss):
            self.playing = False
            self.error = (f"training diverged at step {self.step_count + 1} (the loss is {loss}); "
                          "lower the learning rate and press reset")
            raise PlaygroundError(self.error)
        self.optimizer.step()
        self.step_count += 1
        self._evaluate()
        self._frame()
        self._publish()

    def _publish(self) -> None:
        """A consistent picture for ``state()``, which then never waits for a step to finish."""
        self._view = {"step": self.step_count, "config": copy.deepcopy(self.config), "history": self.history,
                      "n_history": len(self.history), "history_offset": self.history_offset,
                      "record_seconds": self.record_seconds, **self.weights()}

    def play(self) -> None:
        """Start (or continue) training in this session's background thread."""
        with self.lock:
            if self.closed:
                raise PlaygroundError("this session was closed; reload the page")
            if self.error:
                raise PlaygroundError(self.error)
            self.playing = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="microgradnet-playground", daemon=True)
                self._thread.start()
        self._wake.set()

    def pause(self) -> None:
        """Stop training; when this returns, no step is running and none will start."""
        self.playing = False
        self._abort = True  # a step in progress stops within 16 samples, without updating
        with self.lock:
            self._abort = False

    def close(self) -> None:
        """Stop the thread for good (the tab was closed or the server stops)."""
        self.closed = True
        self.playing = False
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        window: list[float] = []
        while not self.closed:
            if not self.playing:
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            t0 = time.perf_counter()
            try:
                with self.lock:
                    if not self.playing:
                        continue
                    self._one_step()
            except _Aborted:
                continue
            except PlaygroundError:
                self.playing = False
                continue
            except Exception as e:  # never let a thread die silently: show it in the page
                self.playing = False
                self.error = f"training stopped: {type(e).__name__}: {e}"
                continue
            now = time.perf_counter()
            window = [t for t in window if now - t < 1.0] + [now]
            self.steps_per_second = float(len(window))
            # a short sleep outside the lock lets page requests in between steps
            time.sleep(max(1.0 / self.config["speed"] - (now - t0), 0.0005))

    # ---- what the page reads --------------------------------------------------------------------
    def weights(self) -> dict[str, Any]:
        """Per layer: W[l][i] = [w_1..w_n] of neuron i, B[l][i] its bias, and the same for grads."""
        layers = self.model.layers
        return {
            "W": [[[w.data for w in n.w] for n in layer.neurons] for layer in layers],
            "B": [[n.b.data for n in layer.neurons] for layer in layers],
            "gW": [[[w.grad for w in n.w] for n in layer.neurons] for layer in layers],
            "gB": [[n.b.grad for n in layer.neurons] for layer in layers],
        }

    def state(self, since: int = 0) -> dict[str, Any]:
        """Everything the page draws: weights, grads, curves from step ``since`` on, status."""
        self.last_seen = time.monotonic()
        view = self._view  # published after every change: no waiting for the training thread
        start = max(0, since - view["history_offset"])
        return {
            **{k: v for k, v in view.items() if k not in ("history", "n_history", "history_offset")},
            "history": view["history"][start:view["n_history"]],
            "history_start": view["history_offset"] + start,
            "playing": self.playing,
            "error": self.error,
            "steps_per_second": self.steps_per_second if self.playing else 0.0,
        }

    def dataset(self) -> dict[str, Any]:
        """The points (x₁, x₂), labels, the train/test split and the plotted domain."""
        with self.lock:
            return {"points": self.points, "labels": self.labels, "n_train": self.n_train,
                    "domain": self.domain, "features": self.config["features"]}

    # ---- the teaching link ----------------------------------------------------------------------
    def _sample(self, sample: Any) -> tuple[list[float], float]:
        if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < len(self.points):
            last = len(self.points) - 1
            raise PlaygroundError(f"sample must be a point number from 0 to {last}, got {sample!r}")
        return self.inputs[sample], self.targets[sample]

    def _index(self, l: Any, i: Any, j: Any = None) -> None:
        sizes = self.model.sizes
        N = len(sizes) - 1
        for name, v in (("layer", l), ("neuron", i)) + ((("input", j),) if j is not None else ()):
            if isinstance(v, bool) or not isinstance(v, int):
                raise PlaygroundError(f"{name}: expected a whole number, got {v!r}")
        if not 1 <= l <= N:
            raise PlaygroundError(f"layer must be from 1 to {N}, got {l}")
        if not 1 <= i <= sizes[l]:
            raise PlaygroundError(f"layer {l} has neurons 1 to {sizes[l]}, got {i}")
        if j is not None and not 0 <= j <= sizes[l - 1]:
            raise PlaygroundError(f"neuron {i} of layer {l} has inputs 0 (bias) to {sizes[l - 1]}, got {j}")

    def explain(self, l: int, i: int, j: int, sample: int) -> dict[str, Any]:
        """∂e/∂w^ℓ_{i,j} for one sample by Equation 8 (``equations.explanation``: the arithmetic,
        numbers filled in) and by ``backward()`` on the model's own Values."""
        with self.lock:
            self._index(l, i, j)
            x, t = self._sample(sample)
            ex = _equations.explanation(self.model, x, t, self.config["loss"], l, i, j)
            return {
                "l": l, "i": i, "j": j, "sample": sample, "name": ex.name, "text": str(ex),
                "equation8": ex.value, "backward": ex.autograd, "de_do": ex.de_do,
                "phi_prime": ex.phi_prime, "o_prev": ex.o_prev, "weight": self._weight(l, i, j),
                "step": self.step_count,
            }

    def _weight(self, l: int, i: int, j: int) -> float:
        n = self.model.layers[l - 1].neurons[i - 1]
        return n.b.data if j == 0 else n.w[j - 1].data

    def neuron_graph(self, l: int, i: int, sample: int) -> Value:
        """Neuron i of layer l for one sample as micrograd's scalar graph, ending in
        o·∂e/∂o: its inputs o^{ℓ-1}_j are leaves holding this sample's values, and ∂e/∂o^ℓ_i
        (Equations 9 and 12, from the layers above) is a constant leaf, so after ``backward()``
        every weight's grad is its ∂e/∂w for this sample. Copies: the model is not touched."""
        with self.lock:
            self._index(l, i)
            x, t = self._sample(sample)
            bp = _equations.backprop(self.model, x, t, self.config["loss"])
            neuron = self.model.layers[l - 1].neurons[i - 1]
            names = self.config["features"]
            def input_name(j: int) -> str:
                if l > 1:
                    return f"o^{l - 1}_{j}"
                return f"x_{j}" if names[j - 1] == f"x{j}" else f"x_{j} = {names[j - 1]}"

            ins = [Value(bp.fp.o(l - 1, j), label=input_name(j)) for j in range(1, len(neuron.w) + 1)]
            ws = [Value(w.data, label=w.label) for w in neuron.w]
            z = Value(neuron.b.data, label=neuron.b.label)
            for w, xj in zip(ws, ins):  # micrograd's order: b + w1·x1 + w2·x2 + ...
                z = z + w * xj
            z.label = f"z^{l}_{i}"
            N = len(self.model.sizes) - 1
            act = "linear" if l == N else self.config["act"]
            o = z if act == "linear" else getattr(z, act)()
            o.label = f"o^{l}_{i}"
            g = Value(bp.de_do(l, i), label=f"∂e/∂o^{l}_{i}")
            root = o * g
            root.label = f"o^{l}_{i}·∂e/∂o^{l}_{i}"
            root.backward()
            return root

    def neuron_svg(self, l: int, i: int, sample: int) -> str:
        """The neuron's scalar graph (``draw_dot``) as SVG text."""
        from ..viz import draw_dot
        from ..viz.render import svg

        return svg(draw_dot(self.neuron_graph(l, i, sample)))

    def neuron_page(self, l: int, i: int, sample: int) -> str:
        """The step-through page (``viz.to_html``) of the neuron's graph, as HTML text."""
        from ..viz import to_html

        root = self.neuron_graph(l, i, sample)
        with tempfile.TemporaryDirectory(prefix="mgn-playground-") as d:
            path = to_html(root, Path(d) / "neuron.html",
                           title=f"backward() through neuron {i} of layer {l}, sample {sample}")
            return path.read_text(encoding="utf-8")

    # ---- take it home -----------------------------------------------------------------------------
    def model_json(self) -> str:
        """The model file (``MLP.save``'s JSON; ``nn.load_model`` reads it)."""
        with self.lock, tempfile.TemporaryDirectory(prefix="mgn-playground-") as d:
            path = Path(d) / "model.json"
            self.model.save(path)
            return path.read_text(encoding="utf-8")

    def script(self) -> str:
        """A short Python script that reproduces this run with the library's API."""
        from .script import make_script

        with self.lock:
            return make_script(self.config, self.step_count, _FEATURE_SOURCE)

    def gif(self, size: int = 200) -> bytes:
        """An animated GIF of the decision boundary over the recorded frames (Pillow + numpy,
        the ``playground`` extra)."""
        from .gif import make_gif

        with self.lock:
            frames = list(self.frames)
            if not frames or frames[-1][0] != self.step_count:
                frames.append((self.step_count, [p.data for p in self.model.parameters()]))
            return make_gif(frames, self.model.sizes, self.config, self.domain,
                            self.points, self.labels, size=size)
