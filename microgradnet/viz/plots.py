"""Pictures of training: the loss/accuracy curves and a classifier's decision regions.

Needs matplotlib (``pip install microgradnet[plot]``), imported only when a plot is made.
Figures are built with ``matplotlib.figure.Figure`` directly, not through ``pyplot``: nothing
opens a window, the display is never needed (rendering uses Agg), and no global figure list
grows in a long session. A returned figure shows itself as the result of a Jupyter cell; save
it with ``path=`` (written atomically) or ``fig.savefig(...)``.

Colours: the Okabe-Ito palette, readable with every common colour-vision deficiency, and each
class also gets its own marker shape so the classes differ without colour.
"""

from __future__ import annotations

import io
import math
import numbers
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._files import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_history", "plot_decision_boundary", "PALETTE"]

# Okabe & Ito (2008): blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_FORMATS = ("png", "svg", "pdf")


def _figure_class() -> type:
    """matplotlib's Figure, plus a PNG repr so Jupyter shows it without pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'microgradnet[plot]' (or pip install matplotlib)"
        ) from None

    class PlotFigure(Figure):
        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    return PlotFigure


def _save(fig: Figure, path: str | os.PathLike[str], dpi: int) -> None:
    """Write the figure to ``path`` atomically (temp file in the same directory + rename)."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower().lstrip(".") or "png"
    if ext not in _FORMATS:
        raise ValueError(f"cannot save a plot as .{ext}; use one of: {', '.join('.' + f for f in _FORMATS)}")
    atomic_write(path, lambda f: fig.savefig(f, format=ext, dpi=dpi))


def _style(ax: Any) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# ---- training curves --------------------------------------------------------------------------
def plot_history(
    history: Any, path: str | os.PathLike[str] | None = None, title: str | None = None, dpi: int = 120
) -> Figure:
    """Loss (left) and accuracy (right) per training step, from ``fit``'s ``History``
    (anything with ``.loss`` and ``.accuracy`` lists). The loss axis is logarithmic when the
    loss spans more than two orders of magnitude. Saves to ``path`` (.png/.svg/.pdf) if given."""
    try:
        loss = [float(v) for v in getattr(history, "loss", ())]
        acc = [float(v) for v in getattr(history, "accuracy", ())]
    except (TypeError, ValueError):
        raise ValueError("plot_history: history.loss and history.accuracy must be lists of numbers") from None
    if not loss:
        raise ValueError("plot_history: the history has no steps (train first, e.g. with fit())")
    fig = _figure_class()(figsize=(9.0, 3.6), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    steps = range(1, len(loss) + 1)
    ax_loss.plot(steps, loss, color=PALETTE[0], linewidth=2)
    finite = [v for v in loss if math.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 100:
        ax_loss.set_yscale("log")
    ax_loss.set(title=f"Training loss (final {loss[-1]:.4g})", xlabel="step", ylabel="loss")
    _style(ax_loss)
    if acc:
        ax_acc.plot(range(1, len(acc) + 1), [100 * a for a in acc], color=PALETTE[1], linewidth=2)
    acc_title = f"Training accuracy (final {100 * acc[-1]:.0f}%)" if acc else "Training accuracy"
    ax_acc.set(title=acc_title, xlabel="step", ylabel="accuracy (%)", ylim=(-2, 104))
    _style(ax_acc)
    if title:
        fig.suptitle(title)
    if path is not None:
        _save(fig, path, dpi)
    return fig


# ---- decision regions ---------------------------------------------------------------------------
def _scores(model: Callable[[Any], Any], points: list[list[float]]) -> list[Any]:
    """The model's raw output for every point (a float, or a list of floats), without a graph."""
    from ..engine import Value
    from ..grad_mode import no_grad

    out = []
    with no_grad():
        for p in points:
            o = model(p)
            if isinstance(o, (list, tuple)) and len(o) == 1:
                o = o[0]
            out.append(o.data if isinstance(o, Value) else [v.data for v in o])
    return out


def _check_points(X: Any, y: Any, who: str) -> None:
    """X a list of finite 2-D points and y as many labels, or a one-line error naming ``who``."""
    if not hasattr(X, "__len__") or not hasattr(y, "__len__"):
        raise TypeError(f"{who}: X and y must be lists (X of [x1, x2] points, y of labels)")
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"{who}: need equally many points and labels, got {len(X)} and {len(y)}")
    for row in X:
        # a NaN point would make the grid (and the figure size) NaN deep inside matplotlib
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != 2:
            raise ValueError(f"{who}: points must be 2-D [x1, x2] pairs")
        if not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in row):
            raise ValueError(f"{who}: points must be finite numbers, got {list(row)!r:.60}")


def _check_resolution(resolution: object) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 1000:
        raise ValueError(f"resolution must be a whole number between 2 and 1000, got {resolution!r}")
    return resolution


class Regions:
    """A grid around the data and, for one model, each class's margin on it (> 0 where the class
    wins). ``scores(model)`` evaluates the model at every grid point (one forward pass each)."""

    def __init__(self, X: Sequence[Sequence[float]], y: Sequence[Any], resolution: int) -> None:
        import numpy as np

        self.pts = np.asarray(X, dtype=float)
        self.y = list(y)
        self.classes = sorted(set(y))
        lo, hi = self.pts.min(axis=0), self.pts.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-9) + 0.1
        self.xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
        self.ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
        self.xx, self.yy = np.meshgrid(self.xs, self.ys)
        self.grid = [[float(a), float(b)] for a, b in zip(self.xx.ravel(), self.yy.ravel())]

    def scores(self, model: Callable[[Any], Any]) -> list[Any]:
        """The model's raw output at every grid point (an ``nn.MLP`` in numpy floats, fast)."""
        fast = _mlp_scores(model, self.grid)
        return fast if fast is not None else _scores(model, self.grid)

    def margins(self, raw: list[Any], threshold: float = 0.0) -> list[Any]:
        """Per class, where it wins (> 0): for one score, [-(s - t), s - t]; for k outputs,
        output i minus the largest other one."""
        import numpy as np

        shape = self.xx.shape
        if raw and not isinstance(raw[0], list):  # one score: a binary classifier, positive where > t
            score = np.asarray(raw, dtype=float).reshape(shape) - threshold
            return [-score, score]
        outputs = np.asarray(raw, dtype=float).reshape(shape + (-1,))
        margins = []
        for i in range(outputs.shape[-1]):
            others = np.delete(outputs, i, axis=-1)
            margins.append(outputs[..., i] - (others.max(axis=-1) if others.shape[-1] else -np.inf))
        return margins

    def draw(self, ax: Any, margins: list[Any], legend: bool = True) -> None:
        """Filled regions, their black boundary, the data points (colour and marker per class)."""
        import numpy as np

        classes, y = self.classes, self.y
        if all(isinstance(c, int) and 0 <= c < len(margins) for c in classes):
            index = {c: int(c) for c in classes}  # class k is output k (or, for one score, 0/1)
        else:
            index = {c: i for i, c in enumerate(classes)}  # e.g. -1/+1: the lower label is "negative"
        n_colours = max(len(margins), len(classes))
        if n_colours > len(PALETTE):
            raise ValueError(f"plot_decision_boundary: can draw at most {len(PALETTE)} classes, "
                             f"got {n_colours}")
        xx, yy, xs, ys = self.xx, self.yy, self.xs, self.ys
        for i, margin in enumerate(margins):
            # filling and outlining {margin > 0} gives smooth regions; neighbours' lines coincide
            margin = np.clip(np.nan_to_num(margin, nan=-1.0), -1e6, 1e6)
            top = float(margin.max())
            if top > 0:
                ax.contourf(xx, yy, margin, levels=[0.0, top + 1.0], colors=[PALETTE[i]], alpha=0.28)
                if float(margin.min()) < 0:
                    ax.contour(xx, yy, margin, levels=[0.0], colors="#222222", linewidths=1.4)
        for c in classes:
            i = index[c]
            sel = self.pts[np.asarray([index[label] == i for label in y])]
            ax.scatter(sel[:, 0], sel[:, 1], s=30, c=PALETTE[i], marker=_MARKERS[i % len(_MARKERS)],
                       edgecolors="white", linewidths=0.7, label=f"class {c}", zorder=3)
        ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="$x_1$", ylabel="$x_2$")
        ax.set_aspect("equal", adjustable="box")
        if legend:
            ax.legend(loc="best", framealpha=0.9, fontsize="small")

    @property
    def aspect(self) -> float:
        """Height / width of the data's box."""
        return float((self.ys[-1] - self.ys[0]) / (self.xs[-1] - self.xs[0]))


def _mlp_scores(model: Any, points: list[list[float]]) -> list[Any] | None:
    """An ``nn.MLP``'s outputs at every point, computed layer by layer in numpy from its weights
    (the article's Z^ℓ = W^ℓ O^{ℓ-1}, O^ℓ = φ(Z^ℓ)); None for any other model. Tens of times
    faster than one graph per point, and the same numbers up to rounding."""
    from ..nn import MLP

    if not isinstance(model, MLP) or type(model).__call__ is not MLP.__call__:
        return None
    if not points or model.sizes[0] != len(points[0]):  # the model's own call says what is wrong
        return None
    import numpy as np

    from ..equations import activation, read_weights

    try:
        phi = np.vectorize(activation(model.act).phi, otypes=[float])
    except ValueError:  # an activation the equations do not know: evaluate the graph instead
        return None
    W = read_weights(model)
    out = np.asarray(points, dtype=float)
    with np.errstate(all="ignore"):
        for ell in range(1, len(W)):
            m = np.asarray(W[ell], dtype=float)  # rows [b, w_1, ..., w_d]
            z = m[:, 0] + out @ m[:, 1:].T
            out = phi(z) if ell < len(W) - 1 else z
    return out[:, 0].tolist() if out.shape[1] == 1 else out.tolist()


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str | os.PathLike[str] | None = None,
    resolution: int = 100,
    title: str | None = "Decision boundary",
    dpi: int = 120,
    threshold: float = 0.0,
) -> Figure:
    """The classifier's decision regions over a grid around the data, with the data points.

    One output: a score, class "positive" where score > ``threshold`` (0, or 0.5 for a model
    trained by mse onto 0/1 labels), and the black line is score = threshold;
    several outputs: the class with the largest output (class c is output c, counted from 0).
    Labels are any two/k values (0/1, -1/+1, 0..k-1); each class has a colour and a marker
    shape. ``resolution`` is the number of grid points per axis (each is one forward pass, so
    keep it modest). Saves to ``path`` (.png/.svg/.pdf) if given.
    """
    if not callable(model):
        kind = type(model).__name__
        raise TypeError(f"plot_decision_boundary: model must be callable (e.g. an MLP), got {kind}")
    _check_points(X, y, "plot_decision_boundary")
    regions = Regions(X, y, _check_resolution(resolution))
    margins = regions.margins(regions.scores(model), threshold)

    # Figure shaped like the data (plus room for labels), so equal axes leave no empty band.
    width = 6.4
    height = min(max(width * regions.aspect * 0.85 + 1.0, 3.4), 8.0)
    fig = _figure_class()(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    regions.draw(ax, margins)
    if title:
        ax.set_title(title)
    if path is not None:
        _save(fig, path, dpi)
    return fig
