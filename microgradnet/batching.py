"""Which samples each training step sees: the data checked, then a plan of batches.

- ``check_rows(X, who)``: feature rows as lists of finite floats (a NaN feature would silently
  give a NaN output, and class 0).
- ``check_data(X, y, who)``: the same, plus as many labels as rows.
- ``plan(n, steps, epochs, batch_size, seed)``: ``(number of steps, iterator of index lists)``.
  Full batch by default; ``steps`` with a ``batch_size`` draws a fresh random batch each step
  (like micrograd's demo, ``np.random.permutation(n)[:batch_size]``); ``epochs`` shuffles the
  data once per pass and walks through it in batches.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["check_rows", "check_data", "plan", "count_steps", "DEFAULT_STEPS"]

DEFAULT_STEPS = 100


def check_rows(X: Any, who: str) -> list[list[float]]:
    """X as lists of finite floats, or a one-line error naming ``who`` and the bad row."""
    if X is None or isinstance(X, (str, bytes)) or not hasattr(X, "__iter__"):
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


def check_data(X: Any, y: Any, who: str = "fit") -> list[list[float]]:
    """``check_rows`` plus: X and y are lists of the same non-zero length."""
    if not hasattr(X, "__len__") or not hasattr(y, "__len__"):
        raise TypeError("X and y must be lists (X of feature rows, y of labels)")
    if len(X) == 0:
        raise ValueError(f"X is empty: {who} needs at least one sample")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
    return check_rows(X, who)


def _whole(name: str, v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {v!r}")
    return v


def count_steps(n: int, steps: int | None = None, epochs: int | None = None,
                batch_size: int | None = None) -> int:
    """How many steps ``plan`` will give (checks the arguments the same way)."""
    return plan(n, steps, epochs, batch_size)[0]


def plan(
    n: int,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | random.Random | None = 0,
) -> tuple[int, Iterator[Sequence[int]]]:
    """(number of steps, iterator of the index lists of the samples of each step)."""
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    full = list(range(n))
    if batch_size is not None:
        batch_size = min(_whole("batch_size", batch_size), n)
    if epochs is not None:
        if steps is not None:
            raise ValueError("give either steps or epochs, not both")
        _whole("epochs", epochs)
        bs = batch_size or n
        per_epoch = -(-n // bs)

        def by_epoch() -> Iterator[Sequence[int]]:
            for _ in range(epochs):
                order = full[:]
                if bs < n:
                    rng.shuffle(order)
                for start in range(0, n, bs):
                    yield order[start:start + bs]

        return epochs * per_epoch, by_epoch()
    steps = _whole("steps", DEFAULT_STEPS if steps is None else steps)
    if batch_size is None or batch_size == n:
        return steps, (full for _ in range(steps))
    bs = batch_size
    return steps, (rng.sample(full, bs) for _ in range(steps))
