"""Printed worksheets: a formula's or a small MLP's graph as a PDF to fill in, and its answer key.

``worksheet(source, path, kind='backward', students=30, seed=1)`` writes one page per student
(each with different "nice" numbers: small integers or one decimal, and a name line) and a
second PDF with the matching answer keys, one page each:

- ``kind='forward'``: the inputs (leaves) are given, every other value is blank;
- ``kind='backward'``: every value is given, every gradient but the output's (1) is blank;
- ``kind='both'``: only the inputs are given; values first, then gradients.

Two jobs, two modules: :mod:`.problem` chooses the numbers and computes the key (from the
numbers printed on the sheet, as a student rounds them); :mod:`.layout` puts a sheet on a page
(the graph as vector graphics, sized to the page). Formulas go through the safe parser
``microgradnet.expr`` (never evaluated as Python), as in ``microgradnet graph``; an MLP is
given by its sizes (``[2, 2, 1]``): ReLU hidden layers, a linear output, error e = (ŷ − y)².

Limits (README "Limits"): at most MAX_VALUES boxes in a graph and MAX_STUDENTS sheets; a graph
that would print its text below MIN_PRINTED_PT on one page is refused with one line saying what
to shrink, before anything is written.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..._files import check_target, write_bytes
from .layout import FONTSIZE, MIN_PRINTED_PT, PAPERS, Pdf, WorksheetTooLarge, sheet_graph
from .problem import (
    DECIMALS,
    MAX_VALUES,
    MAX_WEIGHTS,
    PREACTIVATION_LIMIT,
    Problem,
    make_problem,
    nice_number,
)

__all__ = [
    "worksheet", "Problem", "Worksheets", "KINDS", "PAPERS", "MAX_STUDENTS", "MAX_VALUES", "MAX_WEIGHTS",
    "MIN_PRINTED_PT", "PREACTIVATION_LIMIT", "DECIMALS", "WorksheetTooLarge", "nice_number", "make_problem",
    "sheet_graph",
]

KINDS = ("forward", "backward", "both")
MAX_STUDENTS = 500  # a large lecture hall; each sheet costs two Graphviz runs (~0.1 s for an MLP 2-2-1)


@dataclass
class Worksheets:
    """What ``worksheet`` wrote: the sheets, the answer keys, and each student's problem;
    ``printed_pt``: the smallest size the graphs' text prints at."""

    sheets: Path
    key: Path
    problems: list[Problem]
    printed_pt: float = float(FONTSIZE)


def _check(kind: str, paper: str, students: int, path: str | os.PathLike[str],
           key: str | os.PathLike[str] | None) -> tuple[str, Path, Path]:
    if kind not in KINDS:
        raise ValueError(f"worksheet: kind must be 'forward', 'backward' or 'both', got {kind!r}")
    paper_key = str(paper).lower()
    if paper_key not in PAPERS:
        raise ValueError(f"worksheet: paper must be 'a4' or 'letter', got {paper!r}")
    if isinstance(students, bool) or not isinstance(students, int) or not 1 <= students <= MAX_STUDENTS:
        raise ValueError(
            f"worksheet: students must be a whole number from 1 to {MAX_STUDENTS}, got {students!r}"
        )
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValueError(f"worksheet: {str(target)!r} should end in .pdf")
    key_path = Path(key) if key is not None else target.with_name(target.stem + "-key.pdf")
    for p in (target, key_path):
        if not p.parent.is_dir():
            raise FileNotFoundError(f"worksheet: the folder {str(p.parent)!r} does not exist")
    if key_path.resolve() == target.resolve():
        raise ValueError("worksheet: the answer key must go to a different file than the sheets")
    for p in (target, key_path):
        check_target(p)  # a FIFO or a device there: say so before drawing 500 sheets
    return paper_key, target, key_path


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
    ``NAME-key.pdf`` next to it); one page per student, in both.

    ``source``: a formula such as ``"tanh(x*w + b)"`` or MLP sizes such as ``[2, 2, 1]``.
    ``kind``: 'forward', 'backward' or 'both'. ``students``: how many different sheets (1 to
    MAX_STUDENTS), each with its own nice numbers drawn from ``seed`` (the same seed gives the
    same sheets); ``values``: numbers every sheet shares (``{"x": 2}``). ``paper``: 'a4' or
    'letter'. Returns the paths and each student's :class:`Problem`, whose graph holds the
    numbers printed on the sheet and its key. A graph too big for one legible page raises
    :class:`WorksheetTooLarge` (a ValueError) and writes nothing.
    """
    paper_key, target, key_path = _check(kind, paper, students, path, key)
    rng = random.Random(seed)
    problems: list[Problem] = []
    sheets, answers = Pdf(paper_key), Pdf(paper_key)
    smallest = math.inf
    for k in range(1, students + 1):  # a sheet too big for its page is refused at the first one
        problem = make_problem(source, rng, values)
        problems.append(problem)
        smallest = min(smallest, sheets.page(problem, kind, k, students, seed, key=False))
        smallest = min(smallest, answers.page(problem, kind, k, students, seed, key=True))
    write_bytes(target, sheets.bytes())
    write_bytes(key_path, answers.bytes())
    return Worksheets(target, key_path, problems, smallest)
