"""Plots as SVG text in pure Python: what ``plot_history``, ``plot_decision_boundary`` and
``animate_training`` draw when matplotlib is not installed (a plain ``pip install
microgradnet``, or Pyodide in the browser, which has no matplotlib) or when asked
(``backend='svg'``).

Only the standard library: axes with "nice" ticks (linear or logarithmic), polylines, filled
grid cells merged into runs, a boundary traced by marching squares, and markers. The result is
an ``SvgFigure``: it shows itself in Jupyter (``_repr_svg_``), and ``savefig(path)`` writes
the .svg atomically. Sizes are CSS pixels; text is 14 px or more so a projector shows it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .._files import atomic_write
from ..notation import FONT_STACK, number

__all__ = ["SvgFigure", "Axes", "nice_ticks", "log_ticks", "contour_segments", "document"]

TEXT = 15  # px: tick labels; titles are larger
_GRID, _AXIS, _INK = "#dddddd", "#444444", "#222222"


class SvgFigure:
    """An SVG picture: ``svg`` holds the document; Jupyter shows it; ``savefig(path)`` writes it."""

    def __init__(self, svg: str, width: float, height: float) -> None:
        self.svg, self.width, self.height = svg, width, height
        self.axes: list[Axes] = []  # as matplotlib's figure.axes: data ↔ px for each panel

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def savefig(self, path: str | os.PathLike[str]) -> None:
        """Write the SVG to ``path`` (.svg only; written atomically)."""
        path = os.fspath(path)
        if os.path.splitext(path)[1].lower() != ".svg":
            raise ValueError(f"an SVG plot can only be saved as .svg, got {path!r} "
                             "(PNG and PDF need matplotlib: pip install 'microgradnet[plot]')")
        data = self.svg.encode("utf-8")
        atomic_write(path, lambda f: f.write(data))

    save = savefig


def document(width: float, height: float, body: list[str], title: str | None = None) -> str:
    """A standalone SVG document of ``width`` × ``height`` px around the ``body`` elements."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{escape(FONT_STACK)}" font-size="{TEXT}">')
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', head,
             f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>']
    if title:
        parts.append(text(width / 2, 26, title, size=TEXT + 5, anchor="middle", weight="bold"))
    return "\n".join(parts + body + ["</svg>"]) + "\n"


def text(x: float, y: float, content: str, *, size: float = TEXT, anchor: str = "start",
         weight: str = "normal", fill: str = _INK, rotate: float | None = None) -> str:
    """One line of text; ``anchor``: start, middle or end."""
    turn = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate is not None else ""
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}"'
            f"{bold}{turn}>{escape(content)}</text>")


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2 or 5 × 10^k apart) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    step = 10.0 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = [k * step for k in range(first, math.floor(hi / step + 1e-9) + 1)]
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


def log_ticks(lo: float, hi: float) -> list[float]:
    """The powers of ten in [lo, hi] (at least the two around it)."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10.0**k for k in range(a, b + 1)]


@dataclass
class Axes:
    """A plotting area: ``left, top, width, height`` in px, data limits, optional log y."""

    left: float
    top: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_y: bool = False

    def x(self, v: float) -> float:
        lo, hi = self.xlim
        return self.left + (v - lo) / ((hi - lo) or 1.0) * self.width

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        if self.log_y:
            v, lo, hi = (math.log10(max(t, 1e-300)) for t in (v, lo, hi))
        return self.top + self.height - (v - lo) / ((hi - lo) or 1.0) * self.height

    def frame(self, xlabel: str, ylabel: str, title: str | None = None,
              yformat: str = "{}", grid: bool = True) -> list[str]:
        """Grid lines, ticks and their labels, the axis labels and the title."""
        out = []
        bottom, right = self.top + self.height, self.left + self.width
        yt = log_ticks(*self.ylim) if self.log_y else nice_ticks(*self.ylim, count=6)
        for t in nice_ticks(*self.xlim, count=6):
            if self.xlim[0] - 1e-9 <= t <= self.xlim[1] + 1e-9:
                px = self.x(t)
                if grid:
                    out.append(f'<line x1="{px:.1f}" y1="{self.top:.1f}" x2="{px:.1f}" y2="{bottom:.1f}" '
                               f'stroke="{_GRID}"/>')
                out.append(text(px, bottom + TEXT + 4, number(t), anchor="middle"))
        for t in yt:
            if self.ylim[0] * (1 - 1e-9) - 1e-12 <= t <= self.ylim[1] * (1 + 1e-9) + 1e-12:
                py = self.y(t)
                if grid:
                    out.append(f'<line x1="{self.left:.1f}" y1="{py:.1f}" x2="{right:.1f}" y2="{py:.1f}" '
                               f'stroke="{_GRID}"/>')
                out.append(text(self.left - 6, py + TEXT * 0.35, yformat.format(number(t)), anchor="end"))
        out.append(f'<path d="M{self.left:.1f},{self.top:.1f} V{bottom:.1f} H{right:.1f}" fill="none" '
                   f'stroke="{_AXIS}" stroke-width="1.2"/>')
        out.append(text(self.left + self.width / 2, bottom + 2 * TEXT + 12, xlabel, anchor="middle"))
        out.append(text(self.left - 52, self.top + self.height / 2, ylabel, anchor="middle", rotate=-90))
        if title:
            out.append(text(self.left + self.width / 2, self.top - 10, title, size=TEXT + 2, anchor="middle"))
        return out

    def polyline(self, xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 2.5) -> str:
        """The points joined by straight lines; non-finite points break the line."""
        runs, current = [], []
        for a, b in zip(xs, ys):
            if math.isfinite(a) and math.isfinite(b) and not (self.log_y and b <= 0):
                current.append(f"{self.x(a):.1f},{self.y(b):.1f}")
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        d = " ".join("M" + " L".join(run) for run in runs)
        return (f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width:g}" '
                'stroke-linejoin="round" stroke-linecap="round"/>')


def marker(shape: str, x: float, y: float, colour: str, r: float = 5.5) -> str:
    """A data point: 'o' circle, 's' square, '^' triangle, 'D' diamond, 'v' triangle down,
    anything else a circle; white edged, as matplotlib's scatter in ``plots``."""
    style = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "s":
        side = r * 1.8
        return (f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" '
                f'height="{side:.1f}" {style}/>')
    pts = {"^": [(0, -1.2), (1.05, 0.65), (-1.05, 0.65)], "v": [(0, 1.2), (1.05, -0.65), (-1.05, -0.65)],
           "D": [(0, -1.25), (1.05, 0), (0, 1.25), (-1.05, 0)]}.get(shape)
    if pts is None:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'
    return '<polygon points="' + " ".join(f"{x + a * r:.1f},{y + b * r:.1f}" for a, b in pts) + f'" {style}/>'


Segment = tuple[tuple[float, float], tuple[float, float]]


def contour_segments(
    xs: Sequence[float], ys: Sequence[float], values: Sequence[Sequence[float]]
) -> list[Segment]:
    """The line ``values = 0`` through a grid (``values[r][c]`` at (xs[c], ys[r])) as segments in
    data coordinates, by marching squares with linear interpolation along the cell edges."""
    segments: list[Segment] = []
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            corners = [(xs[c], ys[r], values[r][c]), (xs[c + 1], ys[r], values[r][c + 1]),
                       (xs[c + 1], ys[r + 1], values[r + 1][c + 1]), (xs[c], ys[r + 1], values[r + 1][c])]
            crossings = []
            for k in range(4):
                (x0, y0, v0), (x1, y1, v1) = corners[k], corners[(k + 1) % 4]
                if (v0 > 0) != (v1 > 0):
                    t = v0 / (v0 - v1) if v0 != v1 else 0.5
                    crossings.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
            # 2 crossings: one segment; 4 (a saddle): pair them around the cell
            for k in range(0, len(crossings) - 1, 2):
                segments.append((crossings[k], crossings[k + 1]))
    return segments
