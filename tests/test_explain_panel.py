"""The playground's Equation 8 panel: its text is broken where it reads well at the panel's width
(PANEL_COLUMNS, measured in Chromium: presentation mode at 1,024 px), so the browser never
breaks a line again, and the breaking loses no text."""

from __future__ import annotations

import re

from microgradnet.playground import explain as panel
from microgradnet.playground.session import Session


def test_the_panel_text_fits_its_columns_and_is_the_whole_explanation():
    s = Session({"hidden": [8, 8], "points": 40, "act": "tanh"})
    s.step(3)
    r = s.explain(2, 3, 5, 0)  # z written out over 8 inputs: 150+ columns in one line
    lines = r["text"].split("\n")
    assert max(map(len, lines)) <= panel.PANEL_COLUMNS, [x for x in lines if len(x) > panel.PANEL_COLUMNS]
    assert len(lines) > len(r["text"].split("\n\n")) + 20  # many statements, several broken
    # nothing lost: the same words as the unbroken, typeset explanation
    whole = panel._typeset(str(panel._equations.explanation(
        s.trainer.model, s.trainer.inputs[0], s.trainer.signed[0], s.trainer.config["loss"], 2, 3, 5,
        width=None)))
    assert re.sub(r"\s+", " ", r["text"]) == re.sub(r"\s+", " ", whole)
    assert any(x.lstrip().startswith("+ ") for x in lines)  # a sum continued under its first term
