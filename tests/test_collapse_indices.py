"""The collapsed view's neuron boxes draw the article's indices legibly, as draw_dot does
elsewhere (issue 21.4): a line with indices (w¹₂,₁ = …) is one run of text at 1.35x the box's
text, so a script digit is at least 0.75 x a text digit (9 px where the text is 12 px).
Sizes come from the font file's own glyph outlines (fontTools), never from the code under test."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from microgradnet.nn import MLP
from microgradnet.notation import FONT
from microgradnet.viz import available_engines, draw_dot, svg

SVG_NS = "{http://www.w3.org/2000/svg}"
SCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉")
ENGINES = [e for e in available_engines() if e != "wasi"]  # wasi cannot draw HTML-like labels


def training_loss(seed: int = 0):  # type: ignore[no-untyped-def]
    random.seed(seed)
    model = MLP(2, [4, 4, 1])
    loss = sum(((model([0.1 * k, -0.2 * k]) - 1.0) ** 2 for k in range(5)), start=0.0)
    loss.label = "loss"
    loss.backward()
    return loss, model


def glyph_height(font, ch: str) -> float:  # type: ignore[no-untyped-def]
    from fontTools.pens.boundsPen import BoundsPen

    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[font.getBestCmap()[ord(ch)]].draw(pen)
    return pen.bounds[3] - pen.bounds[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_collapsed_neuron_boxes_draw_indices_at_least_three_quarters_of_the_text(engine):
    ttlib = pytest.importorskip("fontTools.ttLib")
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    path = subprocess.run(["fc-match", "-f", "%{file}", FONT], capture_output=True, text=True).stdout
    font = ttlib.TTFont(path, fontNumber=0)
    digit = glyph_height(font, "1")
    loss, model = training_loss()
    root = ET.fromstring(svg(draw_dot(loss, collapse="neuron"), engine=engine))
    texts = list(root.iter(f"{SVG_NS}text"))
    head = re.compile(r"neuron \d+ of layer \d+")
    heads = [float(t.get("font-size")) for t in texts if head.fullmatch(t.text or "")]
    assert len(heads) == sum(len(layer.neurons) for layer in model.layers)
    base = min(heads)  # the box's own text
    checked = 0
    for t in texts:
        for ch in set(t.text or "") & SCRIPTS:
            ratio = glyph_height(font, ch) * float(t.get("font-size")) / (digit * base)
            assert ratio >= 0.75, (t.text, ratio)
            checked += 1
    assert checked >= 20
    # each parameter line is one run of text (no engine leaves gaps around separately sized indices)
    names = {t.text.split(" = ")[0] for t in texts if t.text and " = " in t.text and "grad" in t.text}
    assert {"b¹₁", "w¹₁,₁", "w²₄,₃", "w³₁,₂"} <= names
