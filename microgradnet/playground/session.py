"""One playground session: the state behind one browser tab (or one Jupyter widget).

A ``Session`` ties together the parts, one job per module:

- ``config.py``   the settings: choices read from the library's registries, limits, ``validate``;
- ``trainer.py``  data, features, network, optimizer, compiled step, curves (no threads);
- ``explain.py``  Equation 8 for a weight, a neuron's scalar graph and step-through page;
- ``export.py``   the model file, a script reproducing the run, a GIF;

and adds what the page needs around them: ``configure`` (checks the whole new configuration
first and raises ``PlaygroundError``, a ``ValueError``, with one sentence, leaving the session
as it was), a background training thread (``play``/``pause``/``close``), and ``state()``,
a consistent picture published after every step, read without waiting for one.

Bounded work: training runs in chunks of a few samples and looks between chunks whether
anyone waits for the session (a pause, a setting, an explanation, ``close``); if so the step in
progress is dropped (no weight changes) and the waiting request goes first, so ``pause`` and
``close`` answer within one chunk's time, whatever the network's size.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..engine import Value
from . import explain as _explain
from . import export as _export
from .config import DATA_KEYS, DEFAULTS, LIMITS, MODEL_KEYS, validate
from .features import FEATURES, PlaygroundError
from .trainer import Aborted, Trainer, features_of

__all__ = ["Session", "PlaygroundError", "DEFAULTS", "FEATURES", "LIMITS", "features_of", "validate"]

MAX_STEPS = 10_000  # per step() call
# read from the trainer: what the page, the widget and the tests know a session by
_FROM_TRAINER = frozenset({"config", "model", "points", "labels", "n_train", "domain", "inputs", "history",
                           "step_count", "frames", "error", "record_seconds", "scores", "point_losses"})


class Session:
    """The state behind one page: a ``Trainer``, a lock, a training thread and a published view.

    >>> s = Session({"hidden": [4], "points": 40})
    >>> s.step(5)["step"]
    5
    >>> s.close()
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.trainer = Trainer(validate({**copy.deepcopy(DEFAULTS), **copy.deepcopy(config or {})}))
        self.playing = False
        self.closed = False
        self.last_seen = time.monotonic()
        self.steps_per_second = 0.0
        self._counting = threading.Lock()
        self._waiting = 0  # requests waiting for the lock: training yields to them between chunks
        self._pauses = 0  # counts pause() calls: a step(n) under way stops when it changes
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._publish()

    def __getattr__(self, name: str) -> Any:
        if name in _FROM_TRAINER:
            return getattr(self.__dict__["trainer"], name)
        raise AttributeError(f"'Session' object has no attribute {name!r}")

    # ---- taking turns ----------------------------------------------------------------------------
    def _stop(self) -> bool:
        """Asked by training between chunks: should the step in progress give way?"""
        return self._waiting > 0 or self.closed

    def _count(self, name: str, delta: int) -> None:
        with self._counting:  # += on an attribute is not atomic across threads: a lost update
            setattr(self, name, getattr(self, name) + delta)  # could leave training yielding forever

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """The session's lock, asked for ahead of training (which yields within one chunk)."""
        self._count("_waiting", 1)
        try:
            self.lock.acquire()
        finally:
            self._count("_waiting", -1)
        try:
            yield
        finally:
            self.lock.release()

    def _publish(self) -> None:
        """A consistent picture for ``state()``, which then never waits for a step to finish."""
        t = self.trainer
        self._view = {"step": t.step_count, "config": copy.deepcopy(t.config), "history": t.history,
                      "n_history": len(t.history), "history_offset": t.history_offset,
                      "record_seconds": t.record_seconds, "worst": t.worst_training_point(),
                      "threshold": t.decision.threshold, **t.weights()}

    # ---- changing things ----------------------------------------------------------------------
    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` (a dict of settings); on any problem raise ``PlaygroundError`` and
        change nothing. New data, features or architecture start a new network (new weights,
        step 0); a new loss re-reads the loss's row; optimizer, rate, momentum, batch size and
        L2 keep the weights."""
        if not isinstance(changes, dict):
            raise PlaygroundError("settings must be a JSON object")
        with self._turn():
            t = self.trainer
            new = validate({**copy.deepcopy(t.config), **copy.deepcopy(changes)})
            changed = {k for k in new if new[k] != t.config[k]}
            if not changed:
                return t.config
            old = t.config
            t.config = new
            try:
                self._apply(changed)
            except ValueError as e:  # a data generator refused (e.g. too few points for a shape)
                t.config = old
                t.new_data()
                t.new_model()
                self._publish()
                raise PlaygroundError(str(e)) from None
            self._publish()
            return t.config

    def _apply(self, changed: set[str]) -> None:
        t = self.trainer
        if changed & DATA_KEYS:
            t.new_data()
        if changed & (DATA_KEYS | MODEL_KEYS):
            t.new_model()
            return
        if "loss" in changed:
            t.set_loss()
            if t.pending is None:  # the curves' last point in the new loss
                t.history.pop()
                t.pending = list(t.scores)
                t.evaluate()
        if "batch_size" in changed:
            t.warm()
        if changed & {"optimizer", "l2", "momentum"}:
            t.new_optimizer()
        elif "lr" in changed:
            t.optimizer.lr = t.config["lr"]

    def reset(self) -> None:
        """New random weights (same seed: the same start), step 0, empty curves."""
        with self._turn():
            self.trainer.new_model()
            self._publish()

    # ---- training -----------------------------------------------------------------------------
    def step(self, n: int = 1, *, seconds: float | None = None) -> dict[str, Any]:
        """Train up to ``n`` steps now (in the caller's thread) and return ``state()`` with
        ``done``, the number of steps applied. Stops early, between steps, after ``seconds`` (a
        request's bound) and, within one chunk of samples, at ``pause()`` or ``close()``; other
        requests go first and the step resumes after them."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS:
            raise PlaygroundError(f"steps: expected a whole number from 1 to {MAX_STEPS}, got {n!r}")
        end = None if seconds is None else time.monotonic() + seconds
        pauses, done = self._pauses, 0
        while done < n and pauses == self._pauses and not self.closed:
            try:
                with self.lock:
                    if self.trainer.train_step(self._stop):
                        self._publish()
                done += 1
            except Aborted:
                self._let_others_in()
                continue
            if end is not None and time.monotonic() >= end:
                break
        return {**self.state(), "done": done}

    def _let_others_in(self) -> None:
        while self._waiting and not self.closed:
            time.sleep(0.001)

    def play(self) -> None:
        """Start (or continue) training in this session's background thread."""
        with self._turn():
            if self.closed:
                raise PlaygroundError("this session was closed; reload the page")
            if self.trainer.error:
                raise PlaygroundError(self.trainer.error)
            self.playing = True
            self._ensure_thread()
        self._wake.set()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="microgradnet-playground", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop training; when this returns, no step is running and none will start. A step under
        way is dropped within one chunk of samples (its weights unchanged)."""
        self.playing = False
        self._count("_pauses", 1)
        with self._turn():
            if self.trainer.pending is not None and not self.closed:
                try:
                    self._ensure_thread()  # the thread finishes the interrupted evaluation
                    self._wake.set()
                except RuntimeError:  # no threads here (Pyodide): finish it now
                    self.trainer.evaluate()
                    self._publish()

    def close(self) -> None:
        """Stop the thread for good (the tab was closed or the server stops): training gives way
        within one chunk, so this returns in a few milliseconds even in the middle of a step."""
        self.closed = True
        self.playing = False
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)

    def _run(self) -> None:
        window: list[float] = []
        while not self.closed:
            if not self.playing:
                self._idle()
                continue
            t0 = time.perf_counter()
            try:
                with self.lock:
                    if not self.playing or self.closed:
                        continue
                    if self.trainer.train_step(self._stop):
                        self._publish()
            except Aborted:
                self._let_others_in()
                continue
            except PlaygroundError:
                self.playing = False
                continue
            except Exception as e:  # never let a thread die silently: show it in the page
                self.playing = False
                self.trainer.error = f"training stopped: {type(e).__name__}: {e}"
                continue
            now = time.perf_counter()
            window = [t for t in window if now - t < 1.0] + [now]
            self.steps_per_second = float(len(window))
            # a short sleep outside the lock lets page requests in between steps
            time.sleep(max(1.0 / self.trainer.config["speed"] - (now - t0), 0.0005))

    def _idle(self) -> None:
        """Paused: finish an evaluation a pause interrupted (so the view catches up), then wait."""
        if self.trainer.pending is not None:
            try:
                with self.lock:
                    if self.trainer.pending is not None and not self.playing:
                        self.trainer.evaluate(self._stop)
                        self._publish()
            except Aborted:
                self._let_others_in()
            return
        self._wake.wait(0.5)
        self._wake.clear()

    # ---- what the page reads --------------------------------------------------------------------
    def weights(self) -> dict[str, Any]:
        """Per layer: W[l][i] = [w_1..w_n] of neuron i, B[l][i] its bias, and the same for grads."""
        with self._turn():
            return self.trainer.weights()

    def state(self, since: int = 0) -> dict[str, Any]:
        """Everything the page draws: weights, grads, curves from step ``since`` on, status;
        ``worst`` is the training point with the largest loss (the page's default sample)."""
        self.last_seen = time.monotonic()
        view = self._view  # published after every change: no waiting for the training thread
        start = max(0, since - view["history_offset"])
        return {
            **{k: v for k, v in view.items() if k not in ("history", "n_history", "history_offset")},
            "history": view["history"][start:view["n_history"]],
            "history_start": view["history_offset"] + start,
            "playing": self.playing,
            "error": self.trainer.error,
            "steps_per_second": self.steps_per_second if self.playing else 0.0,
        }

    def dataset(self) -> dict[str, Any]:
        """The points (x₁, x₂), labels, the train/test split and the plotted domain."""
        with self._turn():
            t = self.trainer
            return {"points": t.points, "labels": t.labels, "n_train": t.n_train,
                    "domain": t.domain, "features": t.config["features"]}

    # ---- the teaching link (explain.py) ---------------------------------------------------------
    def explain(self, l: int, i: int, j: int, sample: int) -> dict[str, Any]:
        """∂e/∂w^ℓ_{i,j} for one sample by Equation 8 and by ``backward()`` (``explain.explain``)."""
        with self._turn():
            return _explain.explain(self.trainer, l, i, j, sample)

    def neuron_graph(self, l: int, i: int, sample: int) -> Value:
        """Neuron i of layer l for one sample as micrograd's scalar graph (``explain.neuron_graph``)."""
        with self._turn():
            return _explain.neuron_graph(self.trainer, l, i, sample)

    def neuron_svg(self, l: int, i: int, sample: int) -> str:
        """The neuron's scalar graph (``draw_dot``) as SVG text."""
        with self._turn():
            return _explain.neuron_svg(self.trainer, l, i, sample)

    def neuron_page(self, l: int, i: int, sample: int) -> str:
        """The step-through page (``viz.to_html``) of the neuron's graph, as HTML text."""
        with self._turn():
            return _explain.neuron_page(self.trainer, l, i, sample)

    # ---- take it home (export.py) -------------------------------------------------------------------
    def model_json(self) -> str:
        """The model file (``MLP.save``'s JSON; ``nn.load_model`` reads it)."""
        with self._turn():
            return _export.model_json(self.trainer)

    def script(self) -> str:
        """A short Python script that reproduces this run with the library's API."""
        with self._turn():
            return _export.script(self.trainer)

    def gif(self, size: int = 200) -> bytes:
        """An animated GIF of the decision boundary over the recorded frames (Pillow + numpy,
        the ``playground`` extra)."""
        with self._turn():
            return _export.gif(self.trainer, size)
