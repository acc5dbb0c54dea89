"""Plots without matplotlib (and without numpy): pure-Python SVG, as in a plain install or Pyodide.

Every test here hides matplotlib and numpy from the import system, so the SVG path is the one
that runs; the pictures are read back from the SVG's own elements (rectangles, paths, text).
"""

from __future__ import annotations

import math
import os
import random
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from microgradnet import Value
from microgradnet.train import History
from microgradnet.viz import svgplot
from microgradnet.viz.plots import PALETTE, SvgFigure, plot_decision_boundary, plot_history, tint

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def no_matplotlib_no_numpy(monkeypatch):
    """`import matplotlib`/`numpy` raise ImportError inside every test of this file."""
    for name in ("matplotlib", "matplotlib.figure", "numpy"):
        monkeypatch.setitem(sys.modules, name, None)


def history(n=30) -> History:
    return History(loss=[1.0 / (k + 1) for k in range(n)], accuracy=[min(1.0, 0.5 + k / n) for k in range(n)])


def texts(figure: SvgFigure) -> list[str]:
    return [t.text or "" for t in ET.fromstring(figure.svg.split("?>", 1)[1]).iter(f"{NS}text")]


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]


def test_plot_history_draws_both_curves_as_svg_and_saves_it_atomically(tmp_path):
    h = history()
    fig = plot_history(h, tmp_path / "curve.svg", title="run 1")
    assert isinstance(fig, SvgFigure) and fig._repr_svg_() == fig.svg  # Jupyter shows it
    assert (tmp_path / "curve.svg").read_text() == fig.svg and os.listdir(tmp_path) == ["curve.svg"]
    shown = texts(fig)
    assert "run 1" in shown and "Training loss (final 0.03333)" in shown
    assert "Training accuracy (final 100%)" in shown
    root = ET.fromstring(fig.svg.split("?>", 1)[1])
    curves = [p for p in root.iter(f"{NS}path") if p.get("stroke") in (PALETTE[0], PALETTE[1])]
    assert [c.get("stroke") for c in curves] == [PALETTE[0], PALETTE[1]]
    ax_loss, ax_acc = fig.axes
    percent = [100 * a for a in h.accuracy]
    for curve, ax, values in ((curves[0], ax_loss, h.loss), (curves[1], ax_acc, percent)):
        points = path_points(curve.get("d"))
        assert len(points) == len(values)
        for step, ((px, py), v) in enumerate(zip(points, values), start=1):  # px back to data
            assert px == pytest.approx(ax.x(step), abs=0.06) and py == pytest.approx(ax.y(v), abs=0.06)


def test_a_loss_over_orders_of_magnitude_gets_a_log_axis():
    fig = plot_history(History(loss=[10.0 ** -k for k in range(6)], accuracy=[0.5] * 6))
    assert fig.axes[0].log_y and not plot_history(history()).axes[0].log_y
    assert {"1e-5", "0.001", "0.1", "1"} <= set(texts(fig))


def test_without_matplotlib_only_svg_can_be_saved_and_the_error_comes_first(tmp_path):
    for suffix in ("png", "pdf"):
        with pytest.raises(ValueError, match=rf"saved as \.svg, not \.{suffix}.*pip install"):
            plot_history(history(), tmp_path / f"c.{suffix}")
        with pytest.raises(ValueError, match=r"\.svg, not"):
            plot_decision_boundary(lambda x: Value(x[0]), [[0.0, 0.0], [1.0, 1.0]], [0, 1],
                                   tmp_path / f"b.{suffix}")
    with pytest.raises(ImportError, match="pip install"):
        plot_history(history(), backend="matplotlib")
    with pytest.raises(ValueError, match="backend"):
        plot_history(history(), backend="cairo")
    assert os.listdir(tmp_path) == []


def fill_at(fig: SvgFigure, x: float, y: float) -> str:
    """The fill of the region rectangle under data point (x, y)."""
    ax = fig.axes[0]
    px, py = ax.x(x), ax.y(y)
    root = ET.fromstring(fig.svg.split("?>", 1)[1])
    for r in root.iter(f"{NS}rect"):
        if r.get("x") is None:  # the white background
            continue
        x0, y0 = float(r.get("x")), float(r.get("y"))
        if x0 <= px <= x0 + float(r.get("width")) and y0 <= py <= y0 + float(r.get("height")):
            return r.get("fill")  # regions come first in the document: the first hit is the region
    raise AssertionError(f"no region at {(x, y)}")


def boundary(fig: SvgFigure) -> list[tuple[float, float]]:
    root = ET.fromstring(fig.svg.split("?>", 1)[1])
    ax = fig.axes[0]
    points = [p for path in root.iter(f"{NS}path") if path.get("stroke") == "#222222"
              for p in path_points(path.get("d"))]
    lo, hi = ax.xlim
    return [(lo + (px - ax.left) / ax.width * (hi - lo), py) for px, py in points]


def test_binary_regions_follow_the_sign_of_the_score_and_the_line_is_score_zero():
    X, y = [[-1.0, -1.0], [-0.5, 1.0], [0.5, -1.0], [1.0, 1.0]], [0, 0, 1, 1]
    fig = plot_decision_boundary(lambda x: Value(x[0]) * 1.0, X, y, resolution=40)
    assert fill_at(fig, -0.8, 0.0) == tint(PALETTE[0]) and fill_at(fig, 0.8, 0.0) == tint(PALETTE[1])
    line = boundary(fig)
    assert line and all(abs(x) < 1e-6 for x, _ in line)  # interpolated exactly onto x1 = 0
    assert {"class 0", "class 1"} <= set(texts(fig))


def test_plus_minus_one_labels_and_a_threshold():
    fig = plot_decision_boundary(lambda x: Value(x[0]), [[-1.0, 0.0], [1.0, 0.5]], [-1, 1], resolution=30)
    assert fill_at(fig, 0.9, 0.25) == tint(PALETTE[1]) and {"class -1", "class 1"} <= set(texts(fig))
    fig = plot_decision_boundary(lambda x: Value(x[0]) + 0.5, [[-1.0, 0.0], [1.0, 0.5]], [0, 1],
                                 resolution=40, threshold=0.5)
    assert fill_at(fig, -0.3, 0.25) == tint(PALETTE[0]) and fill_at(fig, 0.3, 0.25) == tint(PALETTE[1])


def test_several_outputs_colour_each_region_by_the_largest_output():
    X, y = [[-2.0, -2.0], [2.0, -2.0], [0.0, 2.0]], [1, 0, 2]
    fig = plot_decision_boundary(lambda x: [Value(x[0]), Value(-x[0]), Value(x[1])], X, y, resolution=50)
    assert fill_at(fig, 1.8, -1.0) == tint(PALETTE[0])
    assert fill_at(fig, -1.8, -1.0) == tint(PALETTE[1])
    assert fill_at(fig, 0.0, 1.5) == tint(PALETTE[2])


def test_an_mlp_is_scored_in_plain_floats_bit_for_bit_as_its_graph():
    from microgradnet import ops
    from microgradnet.data import make_blobs, make_moons
    from microgradnet.nn import MLP
    from microgradnet.viz.plots import Grid, _mlp_scores, _scores

    for k, act in enumerate(ops.activations()):
        for sizes, (X, y) in (([5, 4, 1], make_moons(n_samples=12)), ([4, 3], make_blobs(n_samples=12))):
            model = MLP(2, sizes, act=act, rng=random.Random(k))
            for p in model.parameters():
                p.data = random.Random(p.data).uniform(-1.5, 1.5)  # biases too
            grid = Grid(X, y, 7).grid
            assert _mlp_scores(model, grid) == _scores(model, grid), (act, sizes)


def test_marching_squares_traces_a_circle():
    xs = [-2 + 4 * k / 40 for k in range(41)]
    values = [[x * x + y * y - 1 for x in xs] for y in xs]
    segments = svgplot.contour_segments(xs, xs, values)
    ends = [p for seg in segments for p in seg]
    assert len(segments) > 40
    assert all(abs(math.hypot(*p) - 1) < 0.01 for p in ends)  # on the circle, up to interpolation
    angles = sorted(math.atan2(b, a) for a, b in ends)
    assert max(b - a for a, b in zip(angles, angles[1:])) < 0.2  # all the way round


def test_nice_ticks_are_round_and_cover_the_range():
    assert svgplot.nice_ticks(0, 1) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert svgplot.nice_ticks(-2, 104, count=6) == pytest.approx([0, 20, 40, 60, 80, 100])
    assert svgplot.log_ticks(0.003, 20) == [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
