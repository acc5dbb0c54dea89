"""The printed page: a header, the graph as vector graphics sized to the page, and on a key the
answers as text. One sheet is one page, always.

The graph is drawn by ``draw_dot`` (top to bottom, large type), rendered to SVG by Graphviz and
embedded in the PDF as vectors (fpdf2 draws SVG paths and text), so it prints sharp at any size
and costs no pixels at all: a big formula cannot become a gigapixel raster. It is scaled to fill
the space under the header, in portrait or landscape, whichever prints larger, up to MAX_SCALE.
If even the better one prints the graph's text below MIN_PRINTED_PT, the sheet is refused with
one line saying to shrink the formula or the network (a sheet a class cannot read is no sheet).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from ... import notation as N
from ...walk import topological_order
from ..dot import draw_dot
from ..render import pipe
from .problem import DECIMALS, Problem, shown

__all__ = ["PAPERS", "FONTSIZE", "MIN_PRINTED_PT", "MAX_SCALE", "Pdf", "sheet_graph", "WorksheetTooLarge"]

PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # mm, portrait
FONTSIZE = 18  # points in the picture, before it is scaled to the page
MIN_PRINTED_PT = 7.0  # the graph's text on paper, at the least (a footnote's size)
MAX_SCALE = 1.4  # a small graph is enlarged up to this, not to poster size
MARGIN = 12.0  # mm
_MM_PER_PT = 25.4 / 72
_TITLES = {
    "forward": "Forward pass: fill in every value",
    "backward": "Backward pass: fill in every gradient",
    "both": "Forward, then backward: fill in every value, then every gradient",
}
_HOW = {
    "forward": "Start at the inputs and work up the graph: each box's data is its operation applied "
    "to the boxes that point into it.",
    "backward": "Start at the output (grad 1) and work down: each operand's grad += its local "
    "derivative × the result's grad (the chain rule). Values used more than once add up.",
    "both": "First the values, from the inputs up; then the gradients, from the output (grad 1) down "
    "with the chain rule.",
}
_TABLE_PT, _ROW_MM = 8, 4.0  # the key's answer table
_ROUNDING = f" Round every number to {DECIMALS} decimal places and go on with the rounded number."


class WorksheetTooLarge(ValueError):
    """The graph cannot print legibly on one page: shrink the formula or the network."""


def sheet_graph(problem: Problem, kind: str, answers: bool = False) -> Any:
    """The graph printed on a sheet (``answers=True``: on its key): top to bottom, large type,
    ranks close together so that a network's graph fits a page."""
    hide = {"forward": "data", "backward": "grad", "both": ["data", "grad"]}[kind]
    g = draw_dot(
        problem.root,
        rankdir="TB",
        hide=hide,
        answer_key=answers,
        fields=("data",) if kind == "forward" else ("data", "grad"),
        fontsize=FONTSIZE,
        compact=True,
        title="",
        clusters=False,
    )
    g.attr(ranksep="0.1", nodesep="0.12", pad="0.05")
    return g


def _svg(problem: Problem, kind: str, answers: bool) -> tuple[bytes, float, float]:
    """The graph as SVG (cleaned for fpdf2) and its natural width and height in mm."""
    text = pipe(sheet_graph(problem, kind, answers).source, "svg").decode("utf-8")
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', text)
    if m is None:
        raise RuntimeError("worksheet: Graphviz returned an SVG without a size in points")
    # fpdf2 knows neither 'transparent' nor <title>/<a> (tooltips and links: nothing on paper)
    text = text.replace('"transparent"', '"none"')
    text = re.sub(r"<title>.*?</title>", "", text, flags=re.S)
    text = re.sub(r"</?a\b[^>]*>", "", text)
    # the PDF embeds one font, DejaVu Sans (every glyph used); a browser's fallback list means nothing here
    text = re.sub(r'font-family="[^"]*"', f'font-family="{N.FONT}"', text)
    text = re.sub(r'\sfont-style="[^"]*"', "", text)  # regular and bold are embedded, no italic
    return text.encode("utf-8"), float(m.group(1)) * _MM_PER_PT, float(m.group(2)) * _MM_PER_PT


_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:\\Windows\\Fonts\\DejaVuSans.ttf",
)


def unicode_font() -> str:
    """DejaVu Sans (notation.FONT, every glyph the sheets use: ŷ, −, ², ≤, sub- and superscripts):
    matplotlib's copy when it is installed, else the system's."""
    candidates = list(_FONT_FILES)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.insert(0, os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf",
                                          "DejaVuSans.ttf"))
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if found is None:
        raise ImportError(f"worksheets need the font {N.FONT}: apt-get install fonts-dejavu-core "
                          "(or pip install matplotlib, which bundles it)")
    return found


@contextlib.contextmanager
def _quiet_svg() -> Iterator[None]:
    """fpdf2 logs every SVG feature it skips; a worksheet has no use for that noise."""
    logger = logging.getLogger("fpdf.svg")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Pdf:
    """A PDF of sheets (or keys): one page each, through :meth:`page`."""

    def __init__(self, paper: str) -> None:
        try:
            from fpdf import FPDF
        except ImportError:
            raise ImportError(
                'worksheets need fpdf2: pip install "microgradnet[worksheet]" (or pip install fpdf2)'
            ) from None
        self.paper = paper
        self.size = PAPERS[paper]
        self.pdf = FPDF(orientation="P", unit="mm", format=self.size)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        # one family for the header and the graph: DejaVu Sans, under the name the SVG uses
        self.pdf.add_font(N.FONT, "", unicode_font())
        self.bold = False
        self.pdf.set_creator("microgradnet")

    def _bold(self) -> None:
        """DejaVu Sans Bold, on first use (a graph that draws its output in bold); loading a font
        costs a quarter of a second, so only the faces used are loaded."""
        if not self.bold:
            regular = unicode_font()
            bold = os.path.join(os.path.dirname(regular), "DejaVuSans-Bold.ttf")
            self.pdf.add_font(N.FONT, "B", bold if os.path.isfile(bold) else regular)
            self.bold = True

    def _header(self, problem: Problem, kind: str, number: int, total: int, key: bool,
                width: float, dry: bool) -> float:
        """Write (or, ``dry``, measure) the header; its height in mm."""
        pdf = self.pdf
        lines = [
            (("ANSWER KEY - " if key else "") + _TITLES[kind], 15, 8.0),
            # a key has no name line: nobody hands one in
            ((f"Sheet {number} of {total}" if key else f"Name: {'_' * 34}    Sheet {number} of {total}"),
             12, 7.0),
            (problem.statement, 12, 6.0),
            (_HOW[kind] + _ROUNDING, 10, 5.0),
        ]
        height = 2.0
        for text, size, line_h in lines:
            pdf.set_font(N.FONT, size=size)
            if dry:
                height += line_h * self._lines(text, width)
            else:
                pdf.multi_cell(width, line_h, text, new_x="LMARGIN", new_y="NEXT")
        if not dry:
            pdf.ln(2)
        return height

    def _lines(self, text: str, width: float) -> int:
        """How many lines ``text`` wraps to at ``width`` mm in the current font (word wrap, as
        multi_cell does; measured without a page, so an orientation can be chosen first)."""
        lines, line = 1, ""
        for word in text.split(" "):
            trial = f"{line} {word}" if line else word
            if line and self.pdf.get_string_width(trial) > width - 2 * self.pdf.c_margin:
                lines, line = lines + 1, word
            else:
                line = trial
        return lines

    def _plan(self, problem: Problem, kind: str, number: int, total: int, key: bool, w: float, h: float,
              table: list[str]) -> tuple[float, str, int, float]:
        """The largest scale for the graph over the page's orientations and the key table's places
        (below the graph in several columns, or one column beside it): (scale, orientation,
        columns, table width in mm; 0 columns = beside)."""
        self.pdf.set_font(N.FONT, size=_TABLE_PT)
        table_w = max((self.pdf.get_string_width(row) for row in table), default=0.0) + 3
        best = (0.0, "P", 1, table_w)
        for orientation in ("P", "L"):
            pw, ph = self.size if orientation == "P" else self.size[::-1]
            head = self._header(problem, kind, number, total, key, pw - 2 * MARGIN, dry=True)
            box_w, box_h = pw - 2 * MARGIN, ph - 2 * MARGIN - 6 - head
            if not table:
                options = [(min(box_w / w, box_h / h), 1)]
            else:
                columns = max(1, int(box_w // table_w))
                below = box_h - (-(-len(table) // columns)) * _ROW_MM - 2
                beside = (box_w - table_w - 2) / w if len(table) * _ROW_MM <= box_h else 0.0
                options = [(min(box_w / w, below / h), columns), (min(beside, box_h / h), 0)]
            for scale, columns in options:
                scale = min(scale, MAX_SCALE)
                if scale > best[0] + 1e-9:
                    best = (scale, orientation, columns, table_w)
        return best

    def page(self, problem: Problem, kind: str, number: int, total: int, seed: Any, key: bool) -> float:
        """One sheet (or its key) on one page; returns the graph's printed text size in points.
        Raises WorksheetTooLarge when that would be below MIN_PRINTED_PT."""
        pdf = self.pdf
        svg, w, h = _svg(problem, kind, key)
        table = self._answer_rows(problem, kind) if key else []
        scale, orientation, columns, table_w = self._plan(problem, kind, number, total, key, w, h, table)
        if FONTSIZE * scale < MIN_PRINTED_PT:
            raise WorksheetTooLarge(
                f"{len(topological_order(problem.root))} values print at {FONTSIZE * scale:.1f} pt "
                f"(< {MIN_PRINTED_PT:g}) on {self.paper.upper()}: shorten the formula or network"
            )
        pdf.add_page(orientation=orientation)
        pw, ph = (pdf.w, pdf.h)
        self._header(problem, kind, number, total, key, pw - 2 * MARGIN, dry=False)
        if b'font-weight="bold"' in svg:
            self._bold()
        top = pdf.get_y()
        # beside the table (columns == 0) the graph moves left; otherwise it is centred
        x = MARGIN if table and columns == 0 else (pw - w * scale) / 2
        with _quiet_svg():
            pdf.image(io.BytesIO(svg), x=x, y=top, w=w * scale, h=h * scale)
        if table:
            self._table(table, columns, table_w, top, top + h * scale + 2)
        footer = f"microgradnet worksheet · {kind} · sheet {number} of {total}" + (
            f" · seed {seed}" if seed is not None else ""
        )
        pdf.set_font(N.FONT, size=8)
        pdf.set_xy(MARGIN, ph - MARGIN - 4)
        pdf.cell(0, 4, footer)
        return FONTSIZE * scale

    def _table(self, table: list[str], columns: int, table_w: float, top: float, below: float) -> None:
        """The key's answers as text: ``columns`` columns under the graph, or (0) one column at
        the right margin beside it."""
        pdf = self.pdf
        pdf.set_font(N.FONT, size=_TABLE_PT)
        if columns == 0:
            for k, row in enumerate(table):
                pdf.set_xy(pdf.w - MARGIN - table_w, top + k * _ROW_MM)
                pdf.cell(table_w, _ROW_MM, row)
            return
        rows = -(-len(table) // columns)
        col_w = (pdf.w - 2 * MARGIN) / columns
        for r in range(rows):
            for c in range(columns):
                k = c * rows + r
                if k < len(table):
                    pdf.set_xy(MARGIN + c * col_w, below + r * _ROW_MM)
                    pdf.cell(col_w, _ROW_MM, table[k])

    def _answer_rows(self, problem: Problem, kind: str) -> list[str]:
        """'label:  grad = −1.5' for every number the student fills in, in the graph's order."""
        rows = []
        for n in topological_order(problem.root):
            for name in blanks(kind, n, problem.root):
                rows.append(f"{N.typeset(n.label)}:  {name} = {shown(getattr(n, name))}")
        return rows

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def blanks(kind: str, node: Any, root: Any) -> list[str]:
    """Which of a node's numbers the student fills in."""
    out = []
    if kind in ("forward", "both") and node._prev:
        out.append("data")
    if kind in ("backward", "both") and node is not root:
        out.append("grad")
    return out
