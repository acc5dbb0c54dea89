"""``animate_training``: an animated GIF of a training run, for slides.

Each frame shows the decision regions of the model as they were at one step of ``fit`` (left)
and the loss curve up to that step (right). The first frame is the untrained model (step 0),
the last one the trained model; the frames in between are spread evenly over the run.

Drawn with matplotlib (Agg, no window) and encoded by Pillow, which matplotlib depends on:
``pip install 'microgradnet[plot]'``. The GIF is written atomically.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from .._files import atomic_write
from ..batching import count_steps
from .plots import PALETTE, Regions, _check_points, _check_resolution, _figure_class, _style

__all__ = ["animate_training", "frame_steps"]


def frame_steps(total: int, frames: int) -> list[int]:
    """The steps the frames show: 0 (before training) to ``total``, ``frames`` of them, evenly
    spread and all different (so ``frames`` may be at most ``total + 1``)."""
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"animate_training: frames must be a whole number >= 2, got {frames!r}")
    if frames > total + 1:
        raise ValueError(
            f"animate_training: {frames} frames need at least {frames - 1} training steps, "
            f"this run has {total}; ask for fewer frames or more steps"
        )
    return [round(i * total / (frames - 1)) for i in range(frames)]


def _check_path(path: str | os.PathLike[str]) -> str:
    """Fail before training if the GIF could not be written afterwards."""
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() != ".gif":
        raise ValueError(f"animate_training: the file name must end in .gif, got {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"animate_training: the folder {folder!r} does not exist")
    return path


def animate_training(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    frames: int = 20,
    frame_ms: int = 200,
    hold_ms: int = 1500,
    resolution: int = 50,
    title: str | None = None,
    dpi: int = 80,
    **fit_options: Any,
) -> Any:
    """Train ``model`` with ``fit(model, X, y, **fit_options)`` and write a GIF of it to ``path``.

    - ``frames`` (≥ 2): images in the GIF; the first shows the model before training, the last
      after; at most steps + 1 of them.
    - ``frame_ms``: how long each frame shows; ``hold_ms``: the last frame, so a slide loop
      pauses on the result.
    - ``resolution``: grid points per axis of the decision regions (one forward pass each,
      per frame: keep it modest). ``title``: above every frame; ``dpi``: 80 gives 720×320 px.
    - ``fit_options``: passed to ``fit`` (``loss``, ``optimizer``, ``lr``, ``steps``,
      ``batch_size``, ``progress``, a ``callback`` of your own, ...). X holds 2-D points.

    Returns ``fit``'s ``History``. If training stops early (your callback returned True), the
    GIF ends there, with fewer frames.

    >>> from microgradnet.viz.animate import animate_training  # doctest: +SKIP
    >>> animate_training(MLP(2, [8, 8, 1]), X, y, "moons.gif", steps=60, frames=12)  # doctest: +SKIP
    """
    from .. import losses
    from ..train import fit

    figure_class = _figure_class()  # a clear ImportError before any training without matplotlib
    from PIL import Image

    path = _check_path(path)
    _check_points(X, y, "animate_training")
    regions = Regions(X, y, _check_resolution(resolution))
    for name, v in (("frame_ms", frame_ms), ("hold_ms", hold_ms), ("dpi", dpi)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"animate_training: {name} must be a whole number >= 1, got {v!r}")
    total = count_steps(len(X), fit_options.get("steps"), fit_options.get("epochs"),
                        fit_options.get("batch_size"))
    steps = frame_steps(total, frames)
    loss = fit_options.get("loss", "hinge")
    threshold = losses.get(loss).decision(y).threshold if isinstance(loss, str) else 0.0

    shots: list[tuple[int, list[Any]]] = [(0, regions.scores(model))]  # (step, grid scores)
    wanted = set(steps[1:])
    user_callback: Callable[[int, Any], Any] | None = fit_options.pop("callback", None)

    def callback(k: int, history: Any) -> Any:
        if k + 1 in wanted:
            shots.append((k + 1, regions.scores(model)))
        return user_callback(k, history) if user_callback is not None else None

    history = fit(model, X, y, callback=callback, **fit_options)
    if shots[-1][0] != len(history):  # stopped early: end on the last step taken
        shots.append((len(history), regions.scores(model)))

    images = [_render(figure_class, regions, raw, step, total, history, threshold, title, dpi)
              for step, raw in shots]
    first = Image.open(io.BytesIO(images[0])).convert("RGB")
    palette = first.quantize(colors=255, method=Image.Quantize.MEDIANCUT)  # one palette: no flicker
    pictures = [Image.open(io.BytesIO(png)).convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
                for png in images]
    durations = [frame_ms] * (len(pictures) - 1) + [max(hold_ms, frame_ms)]

    def fill(f: Any) -> None:
        pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:], duration=durations,
                         loop=0, optimize=False)

    atomic_write(path, fill)
    return history


def _render(figure_class: type, regions: Regions, raw: list[Any], step: int, total: int, history: Any,
            threshold: float, title: str | None, dpi: int) -> bytes:
    """One frame as PNG bytes: regions at ``step`` (left), the loss up to ``step`` (right)."""
    fig = figure_class(figsize=(9.0, 4.0), layout="constrained")
    ax_regions, ax_loss = fig.subplots(1, 2, width_ratios=[1.0, 1.15])
    regions.draw(ax_regions, regions.margins(raw, threshold), legend=False)
    if step == 0:
        ax_regions.set_title("step 0 (before training)")
    else:
        acc = history.accuracy[step - 1]
        ax_regions.set_title(f"step {step}/{total}   accuracy {acc:.0%}")

    loss = [float(v) for v in history.loss]
    finite = [v for v in loss if math.isfinite(v)]
    ax_loss.set_xlim(0, max(total, 1) * 1.03)  # room for the marker at the last step
    if finite:
        lo, hi = min(finite), max(finite)
        if lo > 0 and hi / lo > 100:
            ax_loss.set_yscale("log")
            ax_loss.set_ylim(lo / 1.5, hi * 1.5)
        else:
            ax_loss.set_ylim(min(0.0, lo), hi * 1.08 if hi > 0 else 1.0)
    shown = loss[:step]
    if shown:
        ax_loss.plot(range(1, step + 1), shown, color=PALETTE[0], linewidth=2)
        ax_loss.plot([step], [shown[-1]], "o", color=PALETTE[3], markersize=6)
        ax_loss.set_title(f"loss {shown[-1]:.4g}")
    else:
        ax_loss.set_title("loss")
    ax_loss.set(xlabel="step", ylabel="loss")
    _style(ax_loss)
    if title:
        fig.suptitle(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
