"""Training plots: valid image files written atomically, regions coloured by the model's rule."""

from __future__ import annotations

import io
import os
import sys

import pytest

from microgradnet import Value
from microgradnet.train import History

pytest.importorskip("matplotlib")
from PIL import Image  # noqa: E402 - pillow comes with matplotlib

from microgradnet.viz.plots import PALETTE, plot_decision_boundary, plot_history  # noqa: E402


def is_png(path) -> bool:
    with open(path, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            return False
    with Image.open(path) as im:
        im.verify()
    return True


def history(n=30) -> History:
    return History(loss=[1.0 / (k + 1) for k in range(n)], accuracy=[min(1.0, 0.5 + k / n) for k in range(n)])


def test_plot_history_writes_a_png_with_a_loss_and_an_accuracy_panel(tmp_path):
    path = tmp_path / "curve.png"
    fig = plot_history(history(), path, title="run 1")
    assert is_png(path)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Training loss") and titles[1].startswith("Training accuracy (final 100%)")
    assert [line.get_ydata()[-1] for line in (fig.axes[0].lines[0], fig.axes[1].lines[0])] == [1 / 30, 100.0]
    assert os.listdir(tmp_path) == ["curve.png"]  # no temporary file left behind


def test_a_returned_figure_shows_itself_in_jupyter_as_png():
    fig = plot_history(history(5))
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_svg_and_pdf_are_written_too_and_other_suffixes_are_refused(tmp_path):
    plot_history(history(), tmp_path / "c.svg")
    plot_history(history(), tmp_path / "c.pdf")
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"\.jpg.*\.png"):
        plot_history(history(), tmp_path / "c.jpg")


def test_an_empty_history_is_a_clear_error():
    with pytest.raises(ValueError, match="no steps"):
        plot_history(History())


def pixel_at(fig, ax, x, y):
    """RGB of the rendered figure at data coordinates (x, y)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    image = Image.open(buf).convert("RGB")
    px, py = ax.transData.transform((x, y))
    return image.getpixel((int(px), image.height - int(py)))


def tint(hex_colour, alpha=0.28):
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(alpha * c + (1 - alpha) * 255) for c in rgb)


def near(a, b, tol=6):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def test_binary_regions_follow_the_sign_of_the_score(tmp_path):
    """A 'model' whose score is x1: class 1 right of the line x1 = 0, class 0 left of it."""
    X = [[-1.0, -1.0], [-0.5, 1.0], [0.5, -1.0], [1.0, 1.0]]
    y = [0, 0, 1, 1]
    fig = plot_decision_boundary(lambda x: Value(x[0]) * 1.0, X, y, tmp_path / "b.png", resolution=40)
    assert is_png(tmp_path / "b.png")
    ax = fig.axes[0]
    assert near(pixel_at(fig, ax, -0.8, 0.0), tint(PALETTE[0]))
    assert near(pixel_at(fig, ax, 0.8, 0.0), tint(PALETTE[1]))
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["class 0", "class 1"]


def test_plus_minus_one_labels_colour_the_positive_side_as_the_second_class(tmp_path):
    X, y = [[-1.0, 0.0], [1.0, 0.5]], [-1, 1]
    fig = plot_decision_boundary(lambda x: Value(x[0]), X, y, resolution=30)
    ax = fig.axes[0]
    assert near(pixel_at(fig, ax, 0.9, 0.25), tint(PALETTE[1]))
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["class -1", "class 1"]


def test_several_outputs_colour_each_region_by_the_largest_output():
    """Three outputs (x1, -x1, x2): class 2 wins in the upper middle band, 0 right, 1 left."""
    X = [[-2.0, -2.0], [2.0, -2.0], [0.0, 2.0]]
    y = [1, 0, 2]
    fig = plot_decision_boundary(lambda x: [Value(x[0]), Value(-x[0]), Value(x[1])], X, y, resolution=50)
    ax = fig.axes[0]
    assert near(pixel_at(fig, ax, 1.8, -1.0), tint(PALETTE[0]))
    assert near(pixel_at(fig, ax, -1.8, -1.0), tint(PALETTE[1]))
    assert near(pixel_at(fig, ax, 0.0, 1.5), tint(PALETTE[2]))


@pytest.mark.parametrize(
    "X, y, kwargs, message",
    [
        ([], [], {}, "equally many"),
        ([[0.0, 1.0]], [0, 1], {}, "equally many"),
        ([[0.0, 1.0, 2.0]], [0], {}, "2-D"),
        ([[0.0, 1.0]], [0], {"resolution": 1}, "resolution"),
    ],
)
def test_bad_decision_boundary_inputs_are_clear_errors(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(lambda x: Value(x[0]), X, y, **kwargs)


def test_without_matplotlib_asking_for_it_says_what_to_install_and_auto_draws_svg(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'microgradnet\[plot\]'"):
        plot_history(history(), backend="matplotlib")
    assert plot_history(history()).svg.lstrip().startswith("<?xml")  # more in test_plots_svg.py
    with pytest.raises(ValueError, match=r"\.svg, not \.png.*pip install"):
        plot_history(history(), tmp_path / "c.png")
    assert os.listdir(tmp_path) == []


def test_a_threshold_moves_the_boundary_for_models_trained_onto_0_1_targets():
    """Score x1 + 0.5 against threshold 0.5: the boundary is x1 = 0, not x1 = -0.5."""
    X, y = [[-1.0, 0.0], [1.0, 0.5]], [0, 1]
    fig = plot_decision_boundary(lambda x: Value(x[0]) + 0.5, X, y, resolution=40, threshold=0.5)
    ax = fig.axes[0]
    assert near(pixel_at(fig, ax, -0.3, 0.25), tint(PALETTE[0]))
    assert near(pixel_at(fig, ax, 0.3, 0.25), tint(PALETTE[1]))


def test_an_mlps_regions_are_computed_fast_in_floats_with_the_graphs_numbers():
    """plots evaluates an nn.MLP over the grid in numpy; it must equal the model's own forward pass."""
    import random

    from microgradnet.data import make_blobs, make_moons
    from microgradnet.nn import ACTIVATIONS, MLP
    from microgradnet.viz.plots import Regions, _mlp_scores, _scores

    for k, act in enumerate(ACTIVATIONS):
        for sizes, (X, y) in (([5, 4, 1], make_moons(n_samples=12)), ([4, 3], make_blobs(n_samples=12))):
            model = MLP(2, sizes, act=act, rng=random.Random(k))
            for p in model.parameters():
                p.data = random.Random(p.data).uniform(-1.5, 1.5)  # biases too
            regions = Regions(X, y, 9)
            fast = _mlp_scores(model, regions.grid)
            assert fast is not None
            np = pytest.importorskip("numpy")
            graph = _scores(model, regions.grid)
            assert np.asarray(fast) == pytest.approx(np.asarray(graph), rel=1e-12, abs=1e-12), (act, sizes)
    assert _mlp_scores(lambda x: x[0], [[0.0, 1.0]]) is None  # any other model: its own forward pass
