"""animate_training to an animated SVG: pure Python, with matplotlib, numpy and Pillow hidden."""

from __future__ import annotations

import random
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from microgradnet import Value
from microgradnet.data import make_moons
from microgradnet.grad_mode import no_grad
from microgradnet.nn import MLP
from microgradnet.train import fit
from microgradnet.viz import animate_training
from microgradnet.viz.plots import PALETTE, tint

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def nothing_but_python(monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "numpy", "PIL", "PIL.Image"):
        monkeypatch.setitem(sys.modules, name, None)


def run(tmp_path, name="run.svg", **kw):
    X, y = make_moons(n_samples=30, noise=0.1, seed=3)
    model = MLP(2, [6, 1], rng=random.Random(2))
    options = {"frames": 4, "steps": 9, "resolution": 14, "progress": False, "optimizer": "adam", "lr": 0.1}
    history = animate_training(model, X, y, tmp_path / name, **{**options, **kw})
    return tmp_path / name, history, model, (X, y)


def frames_of(path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    return [g for g in root if g.tag == f"{NS}g" and g.find(f"{NS}animate") is not None]


def test_an_svg_animation_has_one_group_per_frame_shown_in_turn_and_looping(tmp_path):
    path, history, model, (X, y) = run(tmp_path, frame_ms=150, hold_ms=900)
    frames = frames_of(path)
    assert len(frames) == 4
    assert [g.get("display") for g in frames] == ["inline", "none", "none", "none"]  # no SMIL: frame 0
    timings = [g.find(f"{NS}animate") for g in frames]
    assert {a.get("dur") for a in timings} == {"1.35s"}
    assert {a.get("repeatCount") for a in timings} == {"indefinite"}
    starts = []
    for a in timings:
        values, keys = a.get("values").split(";"), [float(t) for t in a.get("keyTimes").split(";")]
        starts.append(keys[values.index("inline")])
    assert starts == pytest.approx([0, 150 / 1350, 300 / 1350, 450 / 1350], abs=1e-4)  # the last is held
    plain = MLP(2, [6, 1], rng=random.Random(2))
    expected = fit(plain, X, y, steps=9, progress=False, optimizer="adam", lr=0.1)
    assert history.loss == expected.loss  # the animation does not change the training


def test_the_last_frame_colours_each_grid_point_by_the_trained_models_class(tmp_path):
    path, _, model, (X, y) = run(tmp_path)
    last = frames_of(path)[-1]
    rects = [(*(float(r.get(k)) for k in ("x", "y", "width", "height")), r.get("fill"))
             for r in last.iter(f"{NS}rect")]
    # the region rectangles span the grid exactly: their pixel box is the grid's data box
    left, right = min(r[0] for r in rects), max(r[0] + r[2] for r in rects)
    top, bottom = min(r[1] for r in rects), max(r[1] + r[3] for r in rects)
    lo_x, hi_x = min(p[0] for p in X), max(p[0] for p in X)
    lo_y, hi_y = min(p[1] for p in X), max(p[1] for p in X)
    pad_x, pad_y = 0.15 * (hi_x - lo_x) + 0.1, 0.15 * (hi_y - lo_y) + 0.1
    grid_x = [lo_x - pad_x + (hi_x - lo_x + 2 * pad_x) * k / 13 for k in range(14)]
    grid_y = [lo_y - pad_y + (hi_y - lo_y + 2 * pad_y) * k / 13 for k in range(14)]
    checked = 0
    for gx in grid_x[1:-1:2]:
        for gy in grid_y[1:-1:2]:
            with no_grad():
                score = model([Value(gx), Value(gy)]).data
            if abs(score) < 1e-9:
                continue
            px = left + (gx - grid_x[0]) / (grid_x[-1] - grid_x[0]) * (right - left)
            py = bottom - (gy - grid_y[0]) / (grid_y[-1] - grid_y[0]) * (bottom - top)
            fills = [f for x, y_, w, h, f in rects if x <= px <= x + w and y_ <= py <= y_ + h]
            assert fills == [tint(PALETTE[1 if score > 0 else 0])], (gx, gy, score)
            checked += 1
    assert checked >= 30


def test_the_frame_size_and_the_text_on_it(tmp_path):
    path, _, _, _ = run(tmp_path, size=(1920, 1080), title="moons")
    root = ET.parse(path).getroot()
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "moons" in texts and "step 0 (before training)" in texts
    assert any(re.fullmatch(r"step 9/9\s+accuracy \d+%", t) for t in texts)
    sizes = [float(t.get("font-size")) for t in root.iter(f"{NS}text")]
    assert min(sizes) >= 15  # px: readable from the back of a room


def test_a_gif_without_matplotlib_is_refused_before_training(tmp_path):
    X, y = make_moons(n_samples=10, seed=0)
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = [p.data for p in model.parameters()]
    with pytest.raises(ImportError, match="pip install"):
        animate_training(model, X, y, tmp_path / "run.gif", steps=3, frames=2, progress=False)
    assert [p.data for p in model.parameters()] == before and list(tmp_path.iterdir()) == []
