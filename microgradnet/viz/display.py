"""Pictures sized for the medium: how large a Graphviz SVG is, and how a notebook shows it.

A notebook 1,280 px wide (JupyterLab, side bar closed) leaves its output area about 1,100 px;
text is legible from 12 px at 100 % zoom. :func:`measure` reads a picture's size and smallest
text, :func:`fit` decides how to show it in a cell (shrunk to the cell's width, never below
legible text: then it scrolls sideways), and :func:`notebook_views` makes what Jupyter shows.
``render.Digraph`` (the engines' side) calls these for its inline display.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

__all__ = ["CELL_WIDTH", "MIN_TEXT_PX", "PX_PER_PT", "SvgSize", "Display", "measure", "fit", "sized_svg",
           "display_html", "notebook_views"]

CELL_WIDTH = 1100
MIN_TEXT_PX = 12.0
PX_PER_PT = 96 / 72  # SVG sizes in pt, browsers at 96 px per inch


@dataclass(frozen=True)
class SvgSize:
    """A Graphviz SVG as a browser shows it at 100 % zoom: width and height in px, and its
    smallest text in px (all at the picture's own scale)."""

    width: float
    height: float
    min_text: float


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.S)


def _length_px(text: str | None) -> float:
    m = re.match(r"\s*([\d.]+)\s*(pt|px)?", text or "")
    if not m:
        raise ValueError(f"measure: cannot read the SVG length {text!r}")
    return float(m.group(1)) * (PX_PER_PT if m.group(2) in (None, "pt") else 1.0)


def measure(svg_text: str) -> SvgSize:
    """Width, height and smallest text of a Graphviz SVG, in px at 100 % zoom."""
    tag = _SVG_TAG.search(svg_text)
    if tag is None:
        raise ValueError("measure: not an SVG document")
    attrs = dict(re.findall(r'([\w:-]+)="([^"]*)"', tag.group(0)))
    width, height = _length_px(attrs.get("width")), _length_px(attrs.get("height"))
    box = [float(v) for v in attrs.get("viewBox", "").replace(",", " ").split()] or [0, 0, 0, 0]
    per_unit = width / box[2] if len(box) == 4 and box[2] > 0 else PX_PER_PT
    m = re.search(r'class="graph"[^>]*transform="scale\(([\d.]+)', svg_text)
    per_unit *= float(m.group(1)) if m else 1.0
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg_text)]
    return SvgSize(width, height, min(sizes, default=14.0) * per_unit)


@dataclass(frozen=True)
class Display:
    """How a picture is shown in a notebook cell ``cell`` px wide: at ``scale`` × its own size,
    shrunk to the cell (``scrolls=False``) or in a box that scrolls sideways (``scrolls=True``);
    ``text`` is then the smallest text in px."""

    scale: float
    scrolls: bool
    text: float
    width: float
    cell: float


def fit(size: SvgSize, *, scale: float | None = None, cell: float = CELL_WIDTH,
        min_text: float = MIN_TEXT_PX) -> Display:
    """Choose how to show a picture of ``size`` in a cell ``cell`` px wide.

    ``scale=None``: its own size, shrunk to the cell's width when wider; when shrinking would
    take its text below ``min_text`` px, the scale that keeps the text at ``min_text`` in a box
    that scrolls sideways instead. A number: that many times its own size (still shrunk to the
    cell; never below ``min_text`` either - a smaller request scrolls too).
    """
    s = 1.0 if scale is None else float(scale)
    if not (math.isfinite(s) and s > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if size.width <= 0 or size.min_text <= 0:
        return Display(s, False, size.min_text * s, size.width * s, cell)
    shown = min(1.0, cell / (size.width * s))
    text = size.min_text * s * shown
    if text + 1e-9 >= min_text:
        return Display(s, False, text, size.width * s * shown, cell)
    legible = min_text / size.min_text  # the scale at which the smallest text is min_text px
    needed = legible if scale is None else max(s, legible)
    if size.width * needed <= cell:  # small text that fits once scaled up: no scrolling
        return Display(needed, False, size.min_text * needed, size.width * needed, cell)
    return Display(needed, True, size.min_text * needed, size.width * needed, cell)


def sized_svg(svg_text: str, display: Display) -> str:
    """The SVG with its width/height set for ``display`` and, unless it scrolls, a style that
    shrinks it to its container (never cut off)."""
    size = measure(svg_text)
    w, h = size.width * display.scale, size.height * display.scale
    # shrinks with a narrower cell, but never below the width at which its text is MIN_TEXT_PX
    # (min-width wins over max-width in CSS; the box around it then scrolls)
    legible = min(w, size.width * MIN_TEXT_PX / size.min_text) if size.min_text > 0 else w
    style = f"max-width:100%;min-width:{math.ceil(legible)}px;height:auto"
    if display.scrolls:  # as wide as the cell allows, never narrower than legible (then it scrolls)
        widest = max(w, size.width)
        style = f"width:100%;min-width:{math.ceil(w)}px;max-width:{math.ceil(widest)}px;height:auto"

    def resize(m: re.Match[str]) -> str:
        tag = re.sub(r'\s(width|height|style)="[^"]*"', "", m.group(0))
        sized = f'<svg width="{math.ceil(w)}px" height="{math.ceil(h)}px" style="{style}"'
        return tag.replace("<svg", sized, 1)

    return _SVG_TAG.sub(resize, svg_text, count=1)


def display_html(svg_text: str, display: Display, note: str | None = None) -> str:
    """An HTML snippet for a notebook: the sized SVG in a box that never cuts it off."""
    body = sized_svg(svg_text, display)
    body = body[body.index("<svg"):]  # no XML prolog or DOCTYPE inside HTML
    style = "font:13px sans-serif;color:#555;margin-top:4px"
    caption = f'<div style="{style}">{html.escape(note)}</div>' if note else ""
    return f'<div class="microgradnet-graph" style="max-width:100%;overflow-x:auto">{body}{caption}</div>'


def notebook_views(svg_text: str, wanted: set[str], *, scale: float | None = None,
                   note: str | None = None) -> dict[str, str]:
    """Jupyter's sized ``text/html`` and ``image/svg+xml`` views of a picture (those in
    ``wanted``), with ``note`` under the HTML one; a picture too wide for legible text in the
    cell says how it is shown."""
    shown = fit(measure(svg_text), scale=scale)
    if shown.scrolls:
        extra = (
            f"shown at {shown.scale:.0%} with {shown.text:.0f}-px text; scroll sideways "
            f"(it is {shown.width:,.0f} px wide, the cell {CELL_WIDTH:,} px)"
        )
        note = f"{note}; {extra}" if note else extra
    out: dict[str, str] = {}
    if "text/html" in wanted:
        out["text/html"] = display_html(svg_text, shown, note)
    if "image/svg+xml" in wanted:
        out["image/svg+xml"] = sized_svg(svg_text, shown)
    return out
