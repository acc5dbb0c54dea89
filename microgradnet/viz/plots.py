"""Pictures of training: the loss/accuracy curves and a classifier's decision regions.

Two ways to draw, the same pictures:

- **matplotlib** (``pip install microgradnet[plot]``), imported only when a plot is made.
  Figures are built with ``matplotlib.figure.Figure`` directly, not through ``pyplot``: nothing
  opens a window, the display is never needed (rendering uses Agg), and no global figure list
  grows in a long session. Saves .png, .svg and .pdf.
- **SVG in pure Python** (``microgradnet.viz.svgplot``): what you get without matplotlib (a
  plain ``pip install microgradnet``; Pyodide in the browser) or with ``backend='svg'``. The
  result is an ``SvgFigure`` (``.svg`` holds the text); it saves .svg only.

``backend='auto'`` (the default) takes matplotlib when it is installed. Either figure shows
itself as the result of a Jupyter cell; save it with ``path=`` (written atomically) or
``fig.savefig(...)``.

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
from ..notation import number
from ..progress import percent
from . import svgplot
from .svgplot import SvgFigure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_history", "plot_decision_boundary", "PALETTE", "BACKENDS", "SvgFigure"]

# Okabe & Ito (2008): blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_FORMATS = ("png", "svg", "pdf")
BACKENDS = ("auto", "matplotlib", "svg")
_INSTALL = "pip install 'microgradnet[plot]' (or pip install matplotlib)"


def use_svg(backend: object, who: str, path: str | os.PathLike[str] | None = None) -> bool:
    """True to draw SVG in pure Python: asked for, or 'auto' without matplotlib. A path the
    chosen backend cannot write is an error now, before any work."""
    if backend not in BACKENDS:
        raise ValueError(f"{who}: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    svg = backend == "svg"
    if not svg:
        try:
            import matplotlib.figure  # noqa: F401 - only whether it imports
        except ImportError:
            if backend == "matplotlib":
                raise ImportError(f"{who}: backend='matplotlib' needs matplotlib: {_INSTALL}") from None
            svg = True
    if path is not None:
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
        if ext not in _FORMATS:
            known = ", ".join("." + f for f in _FORMATS)
            raise ValueError(f"cannot save a plot as .{ext}; use one of: {known}")
        if svg and ext != "svg":
            raise ValueError(f"{who}: without matplotlib a plot is saved as .svg, not .{ext} "
                             f"(for .{ext}: {_INSTALL})")
    return svg


def _figure_class() -> type:
    """matplotlib's Figure, plus a PNG repr so Jupyter shows it without pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"plotting needs matplotlib: {_INSTALL}") from None

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
def _log_scale(values: Sequence[float]) -> bool:
    """A logarithmic loss axis when the loss spans more than two orders of magnitude."""
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 100


def plot_history(
    history: Any, path: str | os.PathLike[str] | None = None, title: str | None = None, dpi: int = 120,
    *, backend: str = "auto",
) -> Figure | SvgFigure:
    """Loss (left) and accuracy (right) per training step, from ``fit``'s ``History``
    (anything with ``.loss`` and ``.accuracy`` lists). The loss axis is logarithmic when the
    loss spans more than two orders of magnitude. Saves to ``path`` (.png/.svg/.pdf; .svg only
    without matplotlib) if given. ``backend``: 'auto', 'matplotlib' or 'svg' (see the module)."""
    svg = use_svg(backend, "plot_history", path)
    try:
        loss = [float(v) for v in getattr(history, "loss", ())]
        acc = [float(v) for v in getattr(history, "accuracy", ())]
    except (TypeError, ValueError):
        raise ValueError("plot_history: history.loss and history.accuracy must be lists of numbers") from None
    if not loss:
        raise ValueError("plot_history: the history has no steps (train first, e.g. with fit())")
    loss_title = f"Training loss (final {number(loss[-1])})"
    acc_title = f"Training accuracy (final {percent(acc[-1])})" if acc else "Training accuracy"
    if svg:
        figure = _history_svg(loss, acc, (loss_title, acc_title), title)
        if path is not None:
            figure.savefig(path)
        return figure
    fig = _figure_class()(figsize=(9.0, 3.6), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(range(1, len(loss) + 1), loss, color=PALETTE[0], linewidth=2)
    if _log_scale(loss):
        ax_loss.set_yscale("log")
    ax_loss.set(title=loss_title, xlabel="step", ylabel="loss")
    _style(ax_loss)
    if acc:
        ax_acc.plot(range(1, len(acc) + 1), [100 * a for a in acc], color=PALETTE[1], linewidth=2)
    ax_acc.set(title=acc_title, xlabel="step", ylabel="accuracy (%)", ylim=(-2, 104))
    _style(ax_acc)
    if title:
        fig.suptitle(title)
    if path is not None:
        _save(fig, path, dpi)
    return fig


def loss_axes(loss: Sequence[float], box: tuple[float, float, float, float], steps: int) -> svgplot.Axes:
    """SVG axes for a loss curve of ``steps`` steps in ``box`` (left, top, width, height px)."""
    finite = [v for v in loss if math.isfinite(v)] or [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    log = _log_scale(loss)
    if log:
        ylim = (lo / 1.5, hi * 1.5)
    else:
        pad = 0.05 * (hi - lo or abs(hi) or 1.0)
        ylim = (min(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad)
    return svgplot.Axes(*box, xlim=(0.0, float(max(steps, 1))), ylim=ylim, log_y=log)


def _history_svg(
    loss: list[float], acc: list[float], titles: tuple[str, str], title: str | None
) -> SvgFigure:
    """The two panels of ``plot_history`` as SVG (960 × 400 px, or 440 with a title)."""
    top = 70 if title else 40
    width, height = 960, 330 + top
    steps = range(1, len(loss) + 1)
    ax_loss = loss_axes(loss, (80, top, 370, 220), len(loss))
    ax_acc = svgplot.Axes(570, top, 370, 220, xlim=(0.0, float(max(len(acc), 1))), ylim=(-2.0, 104.0))
    body = ax_loss.frame("step", "loss", titles[0]) + [ax_loss.polyline(steps, loss, PALETTE[0])]
    body += ax_acc.frame("step", "accuracy (%)", titles[1])
    if acc:
        body.append(ax_acc.polyline(range(1, len(acc) + 1), [100 * a for a in acc], PALETTE[1]))
    figure = SvgFigure(svgplot.document(width, height, body, title), width, height)
    figure.axes = [ax_loss, ax_acc]
    return figure


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


def _linspace(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * k / (n - 1) for k in range(n)]


class Grid:
    """A grid around the data (pure Python): ``xs``, ``ys`` and the ``grid`` points row by row
    (y outer, x inner, as numpy's meshgrid ravels), and the data with its classes."""

    def __init__(self, X: Sequence[Sequence[float]], y: Sequence[Any], resolution: int) -> None:
        self.points = [[float(a), float(b)] for a, b in X]
        self.y = list(y)
        self.classes = sorted(set(y))
        self.xs, self.ys = [], []
        for axis in (0, 1):
            lo, hi = min(p[axis] for p in self.points), max(p[axis] for p in self.points)
            pad = 0.15 * max(hi - lo, 1e-9) + 0.1
            (self.xs if axis == 0 else self.ys).extend(_linspace(lo - pad, hi + pad, resolution))
        self.grid = [[a, b] for b in self.ys for a in self.xs]

    def scores(self, model: Callable[[Any], Any]) -> list[Any]:
        """The model's raw output at every grid point (an ``nn.MLP`` in floats, fast)."""
        fast = _mlp_scores(model, self.grid)
        return fast if fast is not None else _scores(model, self.grid)

    def colour_index(self, n_margins: int) -> dict[Any, int]:
        """Each class's colour (= its margin's index): class k is output k (or, for one score,
        0/1); other labels, e.g. -1/+1, in sorted order (the lower label is "negative")."""
        if all(isinstance(c, int) and 0 <= c < n_margins for c in self.classes):
            index = {c: int(c) for c in self.classes}
        else:
            index = {c: i for i, c in enumerate(self.classes)}
        if max(n_margins, len(self.classes)) > len(PALETTE):
            raise ValueError(f"plot_decision_boundary: can draw at most {len(PALETTE)} classes, "
                             f"got {max(n_margins, len(self.classes))}")
        return index

    def margin_rows(self, raw: list[Any], threshold: float = 0.0) -> list[list[list[float]]]:
        """Per class, rows of its margin (> 0 where it wins): for one score, [-(s - t), s - t];
        for k outputs, output i minus the largest other one. NaN counts as losing."""
        nx = len(self.xs)
        if raw and not isinstance(raw[0], list):
            flat = [[-(float(s) - threshold), float(s) - threshold] for s in raw]
        else:
            flat = [[float(v) - max((u for k, u in enumerate(o) if k != i), default=-math.inf)
                     for i, v in enumerate(o)] for o in raw]
        count = len(flat[0]) if flat else 0
        clean = [[m if m == m else -1.0 for m in row] for row in flat]  # NaN: never the winner
        rows = range(len(self.ys))
        return [[[clean[r * nx + c][i] for c in range(nx)] for r in rows] for i in range(count)]

    @property
    def aspect(self) -> float:
        """Height / width of the data's box."""
        return (self.ys[-1] - self.ys[0]) / (self.xs[-1] - self.xs[0])


class Regions(Grid):
    """The grid for matplotlib: numpy arrays of it, margins as arrays, and ``draw(ax, …)``."""

    def __init__(self, X: Sequence[Sequence[float]], y: Sequence[Any], resolution: int) -> None:
        import numpy as np

        super().__init__(X, y, resolution)
        self.pts = np.asarray(self.points, dtype=float)
        self.xx, self.yy = np.meshgrid(np.asarray(self.xs), np.asarray(self.ys))

    def margins(self, raw: list[Any], threshold: float = 0.0) -> list[Any]:
        """``margin_rows`` as numpy arrays (the shape of the grid)."""
        import numpy as np

        return [np.asarray(rows, dtype=float) for rows in self.margin_rows(raw, threshold)]

    def draw(self, ax: Any, margins: list[Any], legend: bool = True) -> None:
        """Filled regions, their black boundary, the data points (colour and marker per class)."""
        import numpy as np

        index = self.colour_index(len(margins))
        xx, yy, xs, ys = self.xx, self.yy, self.xs, self.ys
        for i, margin in enumerate(margins):
            # filling and outlining {margin > 0} gives smooth regions; neighbours' lines coincide
            margin = np.clip(np.nan_to_num(margin, nan=-1.0), -1e6, 1e6)
            top = float(margin.max())
            if top > 0:
                ax.contourf(xx, yy, margin, levels=[0.0, top + 1.0], colors=[PALETTE[i]], alpha=0.28)
                if float(margin.min()) < 0:
                    ax.contour(xx, yy, margin, levels=[0.0], colors="#222222", linewidths=1.4)
        for c in self.classes:
            i = index[c]
            sel = self.pts[np.asarray([index[label] == i for label in self.y])]
            ax.scatter(sel[:, 0], sel[:, 1], s=30, c=PALETTE[i], marker=_MARKERS[i % len(_MARKERS)],
                       edgecolors="white", linewidths=0.7, label=f"class {c}", zorder=3)
        ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="$x_1$", ylabel="$x_2$")
        ax.set_aspect("equal", adjustable="box")
        if legend:
            ax.legend(loc="best", framealpha=0.9, fontsize="small")


def _mlp_scores(model: Any, points: list[list[float]]) -> list[Any] | None:
    """An ``nn.MLP``'s outputs at every point, computed layer by layer from its weights (the
    article's Z^ℓ = W^ℓ O^{ℓ-1}, O^ℓ = φ(Z^ℓ)): in numpy when it is installed, else in plain
    floats; None for any other model. Many times faster than one graph per point, and the same
    numbers up to rounding (plain floats: bit for bit, summed bias first as the graph is)."""
    from ..nn import MLP

    if not isinstance(model, MLP) or type(model).__call__ is not MLP.__call__:
        return None
    if not points or model.sizes[0] != len(points[0]):  # the model's own call says what is wrong
        return None
    from ..equations import activation, read_weights

    try:
        phi = activation(model.act).phi
    except ValueError:  # an activation the equations do not know: evaluate the graph instead
        return None
    W = read_weights(model)
    try:
        import numpy as np
    except ImportError:
        return _float_scores(W, phi, points)
    out = np.asarray(points, dtype=float)
    phi_array = np.vectorize(phi, otypes=[float])
    with np.errstate(all="ignore"):
        for ell in range(1, len(W)):
            m = np.asarray(W[ell], dtype=float)  # rows [b, w_1, ..., w_d]
            z = m[:, 0] + out @ m[:, 1:].T
            out = phi_array(z) if ell < len(W) - 1 else z
    return out[:, 0].tolist() if out.shape[1] == 1 else out.tolist()


def _float_scores(W: list[list[list[float]]], phi: Callable[[float], float],
                  points: list[list[float]]) -> list[Any]:
    """``_mlp_scores`` in plain Python floats (no numpy: a plain install, Pyodide)."""
    last = len(W) - 1
    out: list[Any] = []
    for p in points:
        o = p
        for ell in range(1, len(W)):
            z = []
            for row in W[ell]:
                acc = row[0]  # b + w_1·o_1 + w_2·o_2 + …: the graph's order, so the same rounding
                for w, v in zip(row[1:], o):
                    acc += w * v
                z.append(acc)
            o = z if ell == last else [phi(v) for v in z]
        out.append(o[0] if len(o) == 1 else o)
    return out


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str | os.PathLike[str] | None = None,
    resolution: int = 100,
    title: str | None = "Decision boundary",
    dpi: int = 120,
    threshold: float = 0.0,
    *,
    backend: str = "auto",
) -> Figure | SvgFigure:
    """The classifier's decision regions over a grid around the data, with the data points.

    One output: a score, class "positive" where score > ``threshold`` (0, or 0.5 for a model
    trained by mse onto 0/1 labels), and the black line is score = threshold;
    several outputs: the class with the largest output (class c is output c, counted from 0).
    Labels are any two/k values (0/1, -1/+1, 0..k-1); each class has a colour and a marker
    shape. ``resolution`` is the number of grid points per axis (each is one forward pass, so
    keep it modest). Saves to ``path`` (.png/.svg/.pdf; .svg only without matplotlib) if given.
    ``backend``: 'auto', 'matplotlib' or 'svg' (see the module).
    """
    if not callable(model):
        kind = type(model).__name__
        raise TypeError(f"plot_decision_boundary: model must be callable (e.g. an MLP), got {kind}")
    svg = use_svg(backend, "plot_decision_boundary", path)
    _check_points(X, y, "plot_decision_boundary")
    resolution = _check_resolution(resolution)
    if svg:
        grid = Grid(X, y, resolution)
        figure = regions_svg(grid, grid.margin_rows(grid.scores(model), threshold), title)
        if path is not None:
            figure.savefig(path)
        return figure
    regions = Regions(X, y, resolution)
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


# ---- decision regions in SVG --------------------------------------------------------------------
def tint(colour: str, alpha: float = 0.28) -> str:
    """``colour`` at ``alpha`` over white, as an opaque colour (matplotlib's regions' look)."""
    rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(alpha * c + (1 - alpha) * 255):02x}" for c in rgb)


def region_axes(grid: Grid, box: tuple[float, float, float, float]) -> svgplot.Axes:
    """Equal-scale axes for the grid, as large as fits in ``box`` (left, top, width, height px)."""
    left, top, width, height = box
    if grid.aspect > height / width:
        width = height / grid.aspect
    else:
        height = width * grid.aspect
    return svgplot.Axes(left, top, width, height, (grid.xs[0], grid.xs[-1]), (grid.ys[0], grid.ys[-1]))


def regions_body(
    grid: Grid, margins: list[list[list[float]]], ax: svgplot.Axes, legend: bool = True
) -> list[str]:
    """The filled regions, the boundary, the points, the axes and the legend, drawn into ``ax``."""
    return region_fills(grid, margins, ax) + region_marks(grid, len(margins), ax, legend)


def region_fills(grid: Grid, margins: list[list[list[float]]], ax: svgplot.Axes) -> list[str]:
    """The filled regions (one rectangle per run of equal class along a row) and the boundary."""
    xs, ys = grid.xs, grid.ys
    half_x, half_y = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    out = ['<g shape-rendering="crispEdges">']
    for r in range(len(ys)):
        winners = [max(range(len(margins)), key=lambda i: margins[i][r][c]) for c in range(len(xs))]
        winners = [w if margins[w][r][c] > 0 else -1 for c, w in enumerate(winners)]
        c = 0
        while c < len(xs):
            end = c
            while end + 1 < len(xs) and winners[end + 1] == winners[c]:
                end += 1
            if winners[c] >= 0:
                x0, x1 = ax.x(max(xs[c] - half_x, xs[0])), ax.x(min(xs[end] + half_x, xs[-1]))
                y0, y1 = ax.y(min(ys[r] + half_y, ys[-1])), ax.y(max(ys[r] - half_y, ys[0]))
                out.append(f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" height="{y1 - y0:.2f}" '
                           f'fill="{tint(PALETTE[winners[c]])}"/>')
            c = end + 1
    out.append("</g>")
    lines = margins[1:] if len(margins) == 2 else margins  # one score: both margins give one line
    for margin in lines:
        segments = svgplot.contour_segments(xs, ys, margin)
        if segments:
            d = " ".join(f"M{ax.x(a[0]):.1f},{ax.y(a[1]):.1f} L{ax.x(b[0]):.1f},{ax.y(b[1]):.1f}"
                         for a, b in segments)
            out.append(f'<path d="{d}" fill="none" stroke="#222222" stroke-width="1.6"/>')
    return out


def region_marks(grid: Grid, n_margins: int, ax: svgplot.Axes, legend: bool = True) -> list[str]:
    """The data points (colour and marker per class), the axes and the legend."""
    index = grid.colour_index(n_margins)
    out = []
    for point, label in zip(grid.points, grid.y):
        i = index[label]
        out.append(svgplot.marker(_MARKERS[i % len(_MARKERS)], ax.x(point[0]), ax.y(point[1]), PALETTE[i]))
    out += ax.frame("x₁", "x₂", grid=False)
    if legend:
        out += _legend(grid, index, ax)
    return out


def _legend(grid: Grid, index: dict[Any, int], ax: svgplot.Axes) -> list[str]:
    """A white box in the top right corner: each class's marker and name."""
    rows = len(grid.classes)
    width, height = 112, 10 + 22 * rows
    left, top = ax.left + ax.width - width - 8, ax.top + 8
    out = [f'<rect x="{left:.1f}" y="{top:.1f}" width="{width}" height="{height}" rx="4" fill="#ffffff" '
           'fill-opacity="0.9" stroke="#cccccc"/>']
    for k, c in enumerate(grid.classes):
        i = index[c]
        cy = top + 16 + 22 * k
        out.append(svgplot.marker(_MARKERS[i % len(_MARKERS)], left + 16, cy, PALETTE[i]))
        out.append(svgplot.text(left + 30, cy + 5, f"class {c}"))
    return out


def regions_svg(grid: Grid, margins: list[list[list[float]]], title: str | None) -> SvgFigure:
    """``plot_decision_boundary``'s picture as SVG (about 640 px wide, shaped like the data)."""
    top = 50 if title else 20
    ax = region_axes(grid, (75, top, 545, 560))
    width, height = ax.left + ax.width + 25, ax.top + ax.height + 60
    body = regions_body(grid, margins, ax)
    if title:
        centre = ax.left + ax.width / 2
        body.append(svgplot.text(centre, top - 16, title, size=svgplot.TEXT + 3, anchor="middle"))
    figure = SvgFigure(svgplot.document(width, height, body), width, height)
    figure.axes = [ax]
    return figure
