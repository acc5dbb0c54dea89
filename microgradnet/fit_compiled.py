"""``fit(compile=True)``: the training step recorded once and replayed on floats.

The bridge between the training loop and compiled replay (``microgradnet.compile``): it turns
the loop's ``graph(rows, targets) -> (loss, outputs)`` into a step with the same contract as
the eager one, ``step(indices) -> (loss as a float, outputs)``, and falls back to the eager
step (with a warning) where replay cannot help.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value

__all__ = ["compiled_step"]

Step = Callable[[Sequence[int]], tuple[float, list[Any]]]


def compiled_step(
    graph: Callable[..., Any],
    params: list[Value],
    rows: list[list[float]],
    targets: list[Any],
    zero_grad: Callable[[], None],
    full_batch: bool,
    eager_step: Step,
) -> Step:
    """A step that replays ``graph`` compiled; ``eager_step`` where that would not pay off."""
    if not full_batch:
        # the targets fix the loss's graph (class indices, ±1 signs), so every new random batch
        # would be a new recording: slower than training eagerly
        warnings.warn("fit(compile=True) speeds up full-batch training (batch_size=None); "
                      "with mini-batches it trains uncompiled", RuntimeWarning, stacklevel=3)
        return eager_step
    from .compile import compile_step

    compiled = compile_step(graph, params=params, static_argnums=(1,))
    fallback: list[Step] = []

    def step(idx: Sequence[int]) -> tuple[float, list[Any]]:
        if fallback:  # fell back to eager training earlier
            return fallback[0](idx)
        zero_grad()  # the compiled step adds into .grad, as backward() does
        try:
            return compiled([rows[i] for i in idx], tuple(targets[i] for i in idx))
        except Exception as exc:  # e.g. a custom loss reading .data: train eagerly instead
            if not any(c.__name__ == "CompileError" for c in type(exc).__mro__):
                raise
            warnings.warn(f"fit(compile=True): {exc}; training uncompiled", RuntimeWarning, stacklevel=3)
            fallback.append(eager_step)
            return eager_step(idx)

    return step
