"""``animate_training``: an animation of a training run, for slides.

Each frame shows the decision regions of the model as they were at one step of ``fit`` (left)
and the loss curve up to that step (right). The first frame is the untrained model (step 0),
the last one the trained model; the frames in between are spread evenly over the run. Frames
are 1280 × 720 pixels unless you choose another ``size`` (1920 × 1080 for a full-HD slide).

The file name says what is written, atomically:

- ``.gif``: drawn with matplotlib (Agg, no window) and encoded by Pillow, which matplotlib
  depends on: ``pip install 'microgradnet[plot]'``.
- ``.svg``: an animated SVG (SMIL: every browser plays it, and a slide tool that shows web
  content), drawn in pure Python by ``viz.svgplot``: no matplotlib, no Pillow, no numpy, so it
  also works in a plain install and in the browser (Pyodide). The first frame is what a viewer
  without animation shows.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from .._files import atomic_write
from ..batching import count_steps
from ..notation import number
from ..progress import percent
from . import svgplot
from .plots import (
    PALETTE,
    Grid,
    Regions,
    _check_points,
    _check_resolution,
    _figure_class,
    _style,
    loss_axes,
    region_axes,
    region_fills,
    region_marks,
)

__all__ = ["animate_training", "frame_steps", "FRAME"]

FRAME = (1280, 720)  # px: the default frame, 16:9
_Shot = tuple[int, list[Any]]  # (step, the model's scores on the grid at that step)


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


def _check_path(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(path, 'gif' or 'svg'); fail before training if the file could not be written afterwards."""
    path = os.fspath(path)
    kind = os.path.splitext(path)[1].lower().lstrip(".")
    if kind not in ("gif", "svg"):
        raise ValueError(f"animate_training: the file name must end in .gif or .svg, got {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"animate_training: the folder {folder!r} does not exist")
    return path, kind


def _check_options(size: object, numbers: dict[str, object]) -> tuple[int, int]:
    for name, v in numbers.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"animate_training: {name} must be a whole number >= 1, got {v!r}")
    ok = isinstance(size, tuple) and len(size) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) and 160 <= v <= 4000 for v in size)
    if not ok:
        raise ValueError(f"animate_training: size must be (width, height) in pixels, 160 to 4000, "
                         f"got {size!r}")
    return size  # type: ignore[return-value]


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
    size: tuple[int, int] = FRAME,
    dpi: int = 100,
    **fit_options: Any,
) -> Any:
    """Train ``model`` with ``fit(model, X, y, **fit_options)`` and write an animation of it to
    ``path``: a GIF (``.gif``, needs matplotlib) or an animated SVG (``.svg``, pure Python).

    - ``frames`` (≥ 2): pictures in the animation; the first shows the model before training,
      the last after; at most steps + 1 of them.
    - ``frame_ms``: how long each frame shows; ``hold_ms``: the last frame, so a slide loop
      pauses on the result.
    - ``resolution``: grid points per axis of the decision regions (one forward pass each,
      per frame: keep it modest). ``title``: above every frame.
    - ``size``: the frame in pixels, 1280 × 720 by default (1920 × 1080 for full HD). ``dpi``
      (GIF only) sets the text's scale: at 100, 10-point text is 14 px high.
    - ``fit_options``: passed to ``fit`` (``loss``, ``optimizer``, ``lr``, ``steps``,
      ``batch_size``, ``progress``, a ``callback`` of your own, ...). X holds 2-D points.

    Returns ``fit``'s ``History``. If training stops early (your callback returned True), the
    animation ends there, with fewer frames.

    >>> from microgradnet.viz.animate import animate_training  # doctest: +SKIP
    >>> animate_training(MLP(2, [8, 8, 1]), X, y, "moons.gif", steps=60, frames=12)  # doctest: +SKIP
    """
    from .. import losses
    from ..train import fit

    path, kind = _check_path(path)
    if kind == "gif":
        _figure_class()  # a clear ImportError before any training without matplotlib
    _check_points(X, y, "animate_training")
    frame = _check_options(size, {"frame_ms": frame_ms, "hold_ms": hold_ms, "dpi": dpi})
    resolution = _check_resolution(resolution)
    grid = Regions(X, y, resolution) if kind == "gif" else Grid(X, y, resolution)
    total = count_steps(len(X), fit_options.get("steps"), fit_options.get("epochs"),
                        fit_options.get("batch_size"))
    wanted = set(frame_steps(total, frames)[1:])
    loss = fit_options.get("loss", "hinge")
    threshold = losses.get(loss).decision(y).threshold if isinstance(loss, str) else 0.0

    shots: list[_Shot] = [(0, grid.scores(model))]
    user_callback: Callable[[int, Any], Any] | None = fit_options.pop("callback", None)

    def callback(k: int, history: Any) -> Any:
        if k + 1 in wanted:
            shots.append((k + 1, grid.scores(model)))
        return user_callback(k, history) if user_callback is not None else None

    history = fit(model, X, y, callback=callback, **fit_options)
    if shots[-1][0] != len(history):  # stopped early: end on the last step taken
        shots.append((len(history), grid.scores(model)))
    durations = [frame_ms] * (len(shots) - 1) + [max(hold_ms, frame_ms)]
    if kind == "svg":
        data = _animated_svg(grid, shots, total, history, threshold, title, frame, durations)
        atomic_write(path, lambda f: f.write(data))
    else:
        assert isinstance(grid, Regions)
        _write_gif(path, grid, shots, total, history, threshold, title, frame, dpi, durations)
    return history


# ---- GIF (matplotlib + Pillow) -------------------------------------------------------------------
def _write_gif(path: str, regions: Regions, shots: list[_Shot], total: int, history: Any, threshold: float,
               title: str | None, frame: tuple[int, int], dpi: int, durations: list[int]) -> None:
    import matplotlib
    from PIL import Image

    figure_class = _figure_class()
    # text for a slide: 14-point type (at 100 dpi, 19 px in a 720-px-high frame)
    with matplotlib.rc_context({"font.size": 14 * frame[1] / 720 * 100 / dpi}):
        images = [_render(figure_class, regions, raw, step, total, history, threshold, title, frame, dpi)
                  for step, raw in shots]
    first = Image.open(io.BytesIO(images[0])).convert("RGB")
    palette = first.quantize(colors=255, method=Image.Quantize.MEDIANCUT)  # one palette: no flicker
    pictures = [Image.open(io.BytesIO(png)).convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
                for png in images]

    def fill(f: Any) -> None:
        pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:], duration=durations,
                         loop=0, optimize=False)

    atomic_write(path, fill)


def _render(figure_class: type, regions: Regions, raw: list[Any], step: int, total: int, history: Any,
            threshold: float, title: str | None, frame: tuple[int, int], dpi: int) -> bytes:
    """One frame as PNG bytes: regions at ``step`` (left), the loss up to ``step`` (right)."""
    fig = figure_class(figsize=(frame[0] / dpi, frame[1] / dpi), layout="constrained")
    ax_regions, ax_loss = fig.subplots(1, 2, width_ratios=[1.0, 1.15])
    regions.draw(ax_regions, regions.margins(raw, threshold), legend=False)
    ax_regions.set_title(_frame_title(step, total, history))
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
    ax_loss.set_title(f"loss {number(shown[-1])}" if shown else "loss")
    ax_loss.set(xlabel="step", ylabel="loss")
    _style(ax_loss)
    if title:
        fig.suptitle(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _frame_title(step: int, total: int, history: Any) -> str:
    if step == 0:
        return "step 0 (before training)"
    return f"step {step}/{total}   accuracy {percent(history.accuracy[step - 1])}"


# ---- animated SVG (pure Python) ------------------------------------------------------------------
def _animated_svg(grid: Grid, shots: list[_Shot], total: int, history: Any, threshold: float,
                  title: str | None, frame: tuple[int, int], durations: list[int]) -> bytes:
    """Every frame as a group shown in turn (SMIL ``display`` animation, looping); what does not
    change (the data points, the axes) is drawn once."""
    width, height = frame
    scale = height / 720  # the layout is made for 1280 × 720 and scaled
    top = (95 if title else 60) * scale
    box_height = height - top - 70 * scale
    regions_ax = region_axes(grid, (70 * scale, top, width * 0.5 - 100 * scale, box_height))
    regions_ax.top += (box_height - regions_ax.height) / 2  # wide data: centred in its half
    loss = [float(v) for v in history.loss]
    right = width * 0.5 + 60 * scale
    loss_ax = loss_axes(loss, (right, top, width - right - 30 * scale, height - top - 70 * scale), total)
    margins = [grid.margin_rows(raw, threshold) for _, raw in shots]
    body = loss_ax.frame("step", "loss")
    times = [sum(durations[:k]) for k in range(len(durations) + 1)]
    for k, ((step, _), margin) in enumerate(zip(shots, margins)):
        body.append(f'<g display="{"inline" if k == 0 else "none"}">{_timing(k, times)}')
        body += region_fills(grid, margin, regions_ax)
        body.append(svgplot.text(regions_ax.left + regions_ax.width / 2, regions_ax.top - 12 * scale,
                                 _frame_title(step, total, history), size=svgplot.TEXT + 3, anchor="middle"))
        shown = loss[:step]
        if shown:
            body.append(loss_ax.polyline(range(1, step + 1), shown, PALETTE[0]))
            body.append(f'<circle cx="{loss_ax.x(step):.1f}" cy="{loss_ax.y(shown[-1]):.1f}" r="5" '
                        f'fill="{PALETTE[3]}"/>')
        head = f"loss {number(shown[-1])}" if shown else "loss"
        body.append(svgplot.text(loss_ax.left + loss_ax.width / 2, top - 12 * scale, head,
                                 size=svgplot.TEXT + 3, anchor="middle"))
        body.append("</g>")
    body += region_marks(grid, len(margins[0]), regions_ax, legend=False)
    return svgplot.document(width, height, body, title).encode("utf-8")


def _timing(k: int, times: list[int]) -> str:
    """The SMIL animation showing frame ``k`` from ``times[k]`` to ``times[k + 1]`` ms of a loop
    of ``times[-1]`` ms."""
    whole = times[-1]
    start, end = times[k] / whole, times[k + 1] / whole
    values, keys = ["none", "inline", "none"], [0.0, start, end]
    if k == 0:
        values, keys = ["inline", "none"], [0.0, end]
    elif k == len(times) - 2:
        values, keys = ["none", "inline"], [0.0, start]
    return (f'<animate attributeName="display" values="{";".join(values)}" '
            f'keyTimes="{";".join(f"{t:.5f}" for t in keys)}" dur="{whole / 1000:g}s" '
            'calcMode="discrete" repeatCount="indefinite"/>')
