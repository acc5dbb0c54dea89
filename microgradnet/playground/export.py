"""Take the run home: the model file, a script that reproduces the run, a GIF of the boundary."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .features import FEATURE_SOURCE
from .trainer import Trainer

__all__ = ["model_json", "script", "gif"]


def model_json(t: Trainer) -> str:
    """The model file (``MLP.save``'s JSON; ``nn.load_model`` reads it)."""
    with tempfile.TemporaryDirectory(prefix="mgn-playground-") as d:
        path = Path(d) / "model.json"
        t.model.save(path)
        return path.read_text(encoding="utf-8")


def script(t: Trainer) -> str:
    """A short Python script that reproduces this run with the library's API (``script.py``)."""
    from .script import make_script

    return make_script(t.config, t.step_count, FEATURE_SOURCE)


def gif(t: Trainer, size: int = 200) -> bytes:
    """An animated GIF of the decision boundary over the recorded frames (Pillow + numpy, the
    ``playground`` extra)."""
    from .gif import make_gif

    frames = list(t.frames)
    if not frames or frames[-1][0] != t.step_count:
        frames.append((t.step_count, [p.data for p in t.model.parameters()]))
    return make_gif(frames, t.model.sizes, t.config, t.domain, t.points, t.labels, size=size)
