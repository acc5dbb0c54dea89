"""Printed worksheets: a formula's or a small MLP's graph as a PDF to fill in, and its answer key.

``worksheet(source, path, kind='backward', students=30, seed=1)`` writes one page per student
(each with different "nice" numbers: small integers or one decimal, and a name line) and a
second PDF with the matching answer keys. The graph is laid out top to bottom in large type:

- ``kind='forward'``: the inputs (leaves) are given, every other value is blank;
- ``kind='backward'``: every value is given, every gradient but the output's (1) is blank;
- ``kind='both'``: only the inputs are given; values first, then gradients.

Formulas go through the safe parser ``microgradnet.expr`` (never evaluated as Python), as in
``microgradnet graph``; an MLP is given by its sizes (``[2, 2, 1]``): ReLU hidden layers, a
linear output, error e = (ŷ − y)². The key's numbers come from ``backward()`` on the same graph.
PDFs are made with fpdf2 (``pip install "microgradnet[worksheet]"``), the graph embedded as a
200-dpi PNG drawn by Graphviz.
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import random
import struct
import sys
import types
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import write_bytes
from ..engine import Value
from . import labels as L
from .dot import draw_dot, trace
from .render import pipe

__all__ = [
    "worksheet", "Problem", "Worksheets", "KINDS", "PAPERS", "nice_number", "make_problem", "sheet_graph",
]

KINDS = ("forward", "backward", "both")
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # mm
FONTSIZE = 18  # points in the picture; printed at >= MIN_PRINTED_PT after fitting the page
MIN_PRINTED_PT = 10.0
DPI = 200
MARGIN = 15.0  # mm
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
_NICE_INTS = (-3, -2, -1, 1, 2, 3)
_NICE_DECIMALS = (-1.5, -0.5, 0.5, 1.5, -0.2, 0.2, -0.4, 0.4)


def nice_number(rng: random.Random, small: bool = False) -> float:
    """A number a student can compute with by hand: a small integer (2 in 3) or one decimal;
    ``small``: only ±1, ±2 and ±0.5 (for networks, whose values multiply layer after layer)."""
    if small:
        return rng.choice((-2.0, -1.0, -0.5, 0.5, 1.0, 2.0))
    return float(rng.choice(_NICE_INTS)) if rng.random() < 2 / 3 else rng.choice(_NICE_DECIMALS)


@dataclass
class Problem:
    """One student's exercise: the graph (after backward()), the numbers given, the answers."""

    root: Value
    given: dict[str, float]  # name -> the number printed on the sheet
    statement: str  # the formula or network, with the given numbers, in one line
    answers: list[tuple[str, str, float]] = field(default_factory=list)  # (label, 'data'/'grad', value)


@dataclass
class Worksheets:
    """What ``worksheet`` wrote: the sheets, the answer keys, and each student's problem."""

    sheets: Path
    key: Path
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)


def _label_everything(root: Value) -> list[Value]:
    """Name unlabelled intermediate nodes n1, n2, ... (in the order they are computed) so that a
    student and the key can refer to each box; returns the nodes."""
    nodes, _ = trace(root)
    taken = {n.label for n in nodes if n.label}
    k = 0
    for n in nodes:
        if not n.label:
            k += 1
            while f"n{k}" in taken:
                k += 1
            n.label = f"n{k}"
    return nodes


def _fmt(x: float) -> str:
    """A number as printed on the sheets: up to 4 decimals, no trailing zeros."""
    text = L.number(x, 4)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _ok(nodes: list[Value], limit: float = 1e4) -> bool:
    values = [v for n in nodes for v in (n.data, n.grad)]
    return all(math.isfinite(v) and abs(v) < limit for v in values)


def make_problem(
    source: str | Sequence[int], rng: random.Random, fixed: Mapping[str, float] | None = None
) -> Problem:
    """One exercise with nice random numbers (``fixed`` names keep the numbers given).

    ``source``: a formula (see ``microgradnet graph --help``) or MLP sizes such as ``[2, 2, 1]``.
    Numbers that make the formula undefined (log of a negative, division by zero) are drawn
    again; so are networks whose every gradient would be zero.
    """
    fixed = dict(fixed or {})
    if isinstance(source, str):
        from ..expr import parse

        expression = parse(source)
        unknown = [n for n in fixed if n not in expression.names]
        if unknown:
            raise ValueError(f"worksheet: {unknown[0]!r} is given a value but does not appear in {source!r}")
        for _ in range(500):
            values = {n: fixed.get(n, nice_number(rng)) for n in expression.names}
            try:
                root, leaves = expression.build(values)
                root.backward()
            except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
                continue
            nodes = _label_everything(root)
            if _ok(nodes):
                given = ", ".join(f"{n} = {_fmt(v)}" for n, v in values.items())
                statement = f"f = {' '.join(source.split())}" + (f"   with   {given}" if given else "")
                return _answers(Problem(root, values, statement), nodes)
        raise ValueError(f"worksheet: found no numbers for which {source!r} is defined; give some with --set")
    sizes = _sizes(source)
    from ..nn import MLP

    for _ in range(500):
        model = MLP(sizes[0], sizes[1:], act="relu", rng=random.Random(rng.random()))
        given: dict[str, float] = {}
        for p in model.parameters():
            p.data = fixed.get(p.label, nice_number(rng, small=True))
            given[p.label] = p.data
        xs = [Value(fixed.get(f"x_{j}", nice_number(rng, True)), label=f"x_{j}") for j in range(1, sizes[0] + 1)]  # noqa: E501
        ys = [fixed.get(f"y_{i}", nice_number(rng, True)) for i in range(1, sizes[-1] + 1)]
        out = model(xs)
        outs = out if isinstance(out, list) else [out]
        terms = []
        for i, (o, y) in enumerate(zip(outs, ys), start=1):
            target = Value(y, label=f"y_{i}" if len(ys) > 1 else "y")
            diff = o - target
            diff.label = f"ŷ_{i} − y_{i}" if len(ys) > 1 else "ŷ − y"
            terms.append(diff**2)
        e = terms[0]
        for t in terms[1:]:
            e = e + t
        e.label = "e"
        e.backward()
        nodes = _label_everything(e)
        if _ok(nodes, 100.0) and any(p.grad != 0.0 for p in model.parameters()):
            inputs = {x.label: x.data for x in xs}
            targets = {(f"y_{i}" if len(ys) > 1 else "y"): y for i, y in enumerate(ys, start=1)}
            statement = (
                f"MLP {'-'.join(map(str, sizes))} (ReLU, linear output), e = (ŷ − y)²:  "
                + ", ".join(f"{L.pretty(k)} = {_fmt(v)}" for k, v in {**inputs, **targets}.items())
            )
            return _answers(Problem(e, {**inputs, **targets, **given}, statement), nodes)
    raise ValueError("worksheet: could not find numbers for which the network's gradients are not all zero")


def _sizes(source: Sequence[int]) -> list[int]:
    try:
        sizes = [int(s) for s in source]
    except (TypeError, ValueError):
        raise TypeError(f"worksheet: expected a formula or MLP sizes like [2, 2, 1], not {source!r}") from None  # noqa: E501
    if len(sizes) < 2 or any(s < 1 for s in sizes) or any(isinstance(s, bool) for s in source):
        raise ValueError(f"worksheet: MLP sizes must be at least two positive numbers, got {list(source)!r}")
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    if weights > 12:
        raise ValueError(
            f"worksheet: an MLP {'-'.join(map(str, sizes))} has {weights} weights, too many to do by hand "
            "on one page; use at most 12 (e.g. 2-2-1 or 1-2-1)"
        )
    return sizes


def _answers(problem: Problem, nodes: list[Value]) -> Problem:
    problem.answers = [(n.label, name, getattr(n, name)) for n in nodes for name in ("data", "grad")]
    return problem


def _blank(kind: str, node: Value, root: Value) -> list[str]:
    """Which of a node's numbers the student fills in."""
    leaf = not node._prev
    out = []
    if kind in ("forward", "both") and not leaf:
        out.append("data")
    if kind in ("backward", "both") and node is not root:
        out.append("grad")
    return out


def sheet_graph(problem: Problem, kind: str, answers: bool = False) -> Any:
    """The graph printed on a sheet (``answers=True``: on its key): top to bottom, large type."""
    hide = {"forward": "data", "backward": "grad", "both": ["data", "grad"]}[kind]
    return draw_dot(
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


def _graph_png(problem: Problem, kind: str, answers: bool) -> tuple[bytes, float]:
    """The graph as a PNG at DPI, and its width in inches at 100 %."""
    g = sheet_graph(problem, kind, answers)
    g.attr(dpi=str(DPI), pad="0.1")
    png = pipe(g.source, "png", layout="dot")
    width_px, height_px = struct.unpack(">II", png[16:24])
    return png, width_px / DPI


# ---- the PDF ------------------------------------------------------------------------------------
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
)


def _unicode_font() -> str | None:
    """A TrueType font with the article's symbols (ŷ, ², subscripts): matplotlib's DejaVu Sans
    when it is installed, else a system font; None means the PDF's built-in Helvetica."""
    spec = importlib.util.find_spec("matplotlib")
    candidates = list(_FONT_FILES)
    if spec is not None and spec.origin:
        bundled = os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
        candidates.insert(0, bundled)
    return next((c for c in candidates if os.path.isfile(c)), None)


_ASCII_SCRIPTS = str.maketrans(
    {**{sup: f"^{d}" for d, sup in zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")},
     **{sub: f"_{d}" for d, sub in zip("0123456789", "₀₁₂₃₄₅₆₇₈₉")}}
)


class _Pdf:
    def __init__(self, paper: str) -> None:
        try:
            from fpdf import FPDF
        except ImportError:
            raise ImportError(
                'worksheets need fpdf2: pip install "microgradnet[worksheet]" (or pip install fpdf2)'
            ) from None
        self.size = PAPERS[paper]
        self.pdf = FPDF(orientation="P", unit="mm", format=self.size)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        font = _unicode_font()
        if font is not None:
            self.pdf.add_font("Sheet", "", font)
            self.family, self.unicode = "Sheet", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.pdf.set_creator("microgradnet")

    def text(self, s: str) -> str:
        if self.unicode:
            return s
        plain = s.replace("ŷ", "y^").replace("−", "-").replace("×", "x").replace("·", "*")
        plain = plain.translate(_ASCII_SCRIPTS)  # w¹₂,₁ -> w^1_2,_1: readable in Helvetica
        return plain.encode("latin-1", "replace").decode("latin-1")

    def line(self, s: str, size: float, height: float) -> None:
        self.pdf.set_font(self.family, size=size)
        self.pdf.multi_cell(0, height, self.text(s), new_x="LMARGIN", new_y="NEXT")

    def page(
        self, problem: Problem, kind: str, number: int, total: int, seed: Any, key: bool, notes: list[str]
    ) -> int:
        """The student's sheet (or its key): a header with a name line, the graph (over as many
        pages as it needs to print at MIN_PRINTED_PT or more), then, in a key, every answer as
        text. Returns the number of pages."""
        pdf = self.pdf
        w, h = self.size
        first = pdf.page_no()
        pdf.add_page()
        pdf.set_font(self.family, size=16)
        heading = ("ANSWER KEY - " if key else "") + _TITLES[kind]
        pdf.cell(0, 9, self.text(heading), new_x="LMARGIN", new_y="NEXT")
        self.line(f"Name: {'_' * 34}    Sheet {number} of {total}", 13, 9)
        self.line(problem.statement, 13, 6.5)
        self.line(_HOW[kind], 11, 5.5)
        pdf.ln(2)
        footer = f"microgradnet worksheet · {kind} · sheet {number} of {total}" + (
            f" · seed {seed}" if seed is not None else ""
        )
        bottom = h - MARGIN - 6
        table = self._answer_rows(problem, kind) if key else []
        columns = 3
        rows = math.ceil(len(table) / columns)
        table_h = rows * 4.6 + 4 if table else 0.0  # + the 2-mm gap under the picture
        png, _ = _graph_png(problem, kind, key)
        img_w_px, img_h_px = struct.unpack(">II", png[16:24])
        mm_per_px = 25.4 / DPI
        box_w, box_h = w - 2 * MARGIN, bottom - pdf.get_y() - table_h
        fit_page = min(box_w / (img_w_px * mm_per_px), box_h / (img_h_px * mm_per_px), 1.6)
        legible = MIN_PRINTED_PT / FONTSIZE
        if fit_page >= legible:
            scale = fit_page
        else:  # over several pages, at the largest scale the width allows (at least legible)
            scale = min(box_w / (img_w_px * mm_per_px), max(legible, 0.7))
        if FONTSIZE * scale < MIN_PRINTED_PT - 1e-9:
            message = (
                f"the graph prints with {FONTSIZE * scale:.1f}-pt text (it is {img_w_px / DPI:.1f} in wide "
                f"at {FONTSIZE} pt); a smaller formula or network prints larger"
            )
            if message not in notes:
                notes.append(message)
        for k, piece in enumerate(_slices(png, (bottom - pdf.get_y()) / (mm_per_px * scale),
                                          (bottom - MARGIN - 8) / (mm_per_px * scale))):
            if k:
                self._footer(footer)
                pdf.add_page()
                self.line(f"Sheet {number} of {total} (continued)", 11, 6)
                pdf.ln(2)
            top = pdf.get_y()
            pw, ph = piece.size
            buffer = io.BytesIO()
            piece.save(buffer, format="PNG")
            pdf.image(buffer, x=(w - pw * mm_per_px * scale) / 2, y=top, w=pw * mm_per_px * scale,
                      h=ph * mm_per_px * scale)
            pdf.set_y(top + ph * mm_per_px * scale + 2)
        if table:
            if pdf.get_y() + table_h > bottom + 2.5:
                self._footer(footer)
                pdf.add_page()
            pdf.set_font(self.family, size=9)
            col_w = (w - 2 * MARGIN) / columns
            for r in range(rows):
                for c in range(columns):
                    k = c * rows + r
                    if k < len(table):
                        pdf.set_x(MARGIN + c * col_w)
                        pdf.cell(col_w, 4.6, self.text(table[k]))
                pdf.ln(4.6)
        self._footer(footer)
        return pdf.page_no() - first

    def _footer(self, text: str) -> None:
        w, h = self.size
        self.pdf.set_font(self.family, size=8)
        self.pdf.set_xy(MARGIN, h - MARGIN - 4)
        self.pdf.cell(0, 4, self.text(text))

    def _answer_rows(self, problem: Problem, kind: str) -> list[str]:
        nodes, _ = trace(problem.root)
        rows = []
        for n in nodes:
            for name in _blank(kind, n, problem.root):
                rows.append(f"{L.pretty(n.label)}:  {name} = {_fmt(getattr(n, name))}")
        return rows

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _slices(png: bytes, first: float, rest: float) -> list[Any]:
    """The picture cut into pieces of at most ``first`` then ``rest`` pixels high, each cut at
    the row with the least ink in the lowest fifth of the piece (between two ranks of boxes)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    grey = image.convert("L")
    pieces, y, limit = [], 0, first
    while height - y > limit:
        end = y + int(limit)
        lo = max(y + 1, end - int(limit / 5))
        ink = []
        for row in range(lo, end):
            line = grey.crop((0, row, width, row + 1)).point(lambda v: 255 if v < 200 else 0)
            ink.append((line.histogram()[255], -row))
        cut = -min(ink)[1] if ink else end
        pieces.append(image.crop((0, y, width, cut)))
        y, limit = cut, rest
    pieces.append(image.crop((0, y, width, height)))
    return pieces


def worksheet(
    source: str | Sequence[int],
    path: str | os.PathLike[str],
    *,
    kind: str = "backward",
    students: int = 1,
    seed: int | None = None,
    paper: str = "a4",
    key: str | os.PathLike[str] | None = None,
    values: Mapping[str, float] | None = None,
) -> Worksheets:
    """Write a print-ready worksheet PDF to ``path`` and its answer key (``key``, by default
    ``NAME-key.pdf`` next to it); one page per student.

    ``source``: a formula such as ``"tanh(x*w + b)"`` or MLP sizes such as ``[2, 2, 1]``.
    ``kind``: 'forward', 'backward' or 'both'. ``students``: how many different sheets, each
    with its own nice numbers drawn from ``seed`` (the same seed gives the same sheets);
    ``values``: numbers every sheet shares (``{"x": 2}``). ``paper``: 'a4' or 'letter'.
    Returns the paths and each student's :class:`Problem` (whose answers come from backward()).
    """
    if kind not in KINDS:
        raise ValueError(f"worksheet: kind must be 'forward', 'backward' or 'both', got {kind!r}")
    paper_key = str(paper).lower()
    if paper_key not in PAPERS:
        raise ValueError(f"worksheet: paper must be 'a4' or 'letter', got {paper!r}")
    if isinstance(students, bool) or not isinstance(students, int) or not 1 <= students <= 500:
        raise ValueError(f"worksheet: students must be a whole number from 1 to 500, got {students!r}")
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValueError(f"worksheet: {str(target)!r} should end in .pdf")
    key_path = Path(key) if key is not None else target.with_name(target.stem + "-key.pdf")
    for p in (target, key_path):
        if not p.parent.is_dir():
            raise FileNotFoundError(f"worksheet: the folder {str(p.parent)!r} does not exist")
    if key_path.resolve() == target.resolve():
        raise ValueError("worksheet: the answer key must go to a different file than the sheets")
    rng = random.Random(seed)
    problems = [make_problem(source, rng, values) for _ in range(students)]
    sheets, answers, notes = _Pdf(paper_key), _Pdf(paper_key), []
    for k, problem in enumerate(problems, start=1):
        sheets.page(problem, kind, k, students, seed, key=False, notes=notes)
        answers.page(problem, kind, k, students, seed, key=True, notes=notes)
    for note in notes:
        warnings.warn(f"worksheet: {note}", stacklevel=2)
    write_bytes(target, sheets.bytes())
    write_bytes(key_path, answers.bytes())
    return Worksheets(target, key_path, problems, notes)


class _CallableModule(types.ModuleType):
    """``microgradnet.viz.worksheet(...)`` works whether the name resolves to this module (once it
    is imported, Python puts the module there) or to the function (the package's lazy export)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Worksheets:
        return worksheet(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
