"""docs/make_pictures.py regenerates every README picture: each file appears and is a valid picture.

The step-through screenshot needs chromium; only that part is skipped without it.
"""

from __future__ import annotations

import importlib.util
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.graphs import reachable

pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "make_pictures.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def pictures():
    spec = importlib.util.spec_from_file_location("make_pictures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()  # raises if the SVG is not well-formed XML
    assert root.tag == f"{SVG_NS}svg"
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert len(data) < 150_000, f"{path.name} is {len(data)} bytes: too heavy for a README"


def test_the_lecture_neuron_has_the_lectures_numbers(pictures):
    """o = tanh(n) = 1/√2, so do/dn = 1 − o² = 0.5, and the product rule gives x1.grad = w1·0.5."""
    o = pictures.lecture_neuron()
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)
    (n,) = o._prev
    assert math.isclose(n.grad, 1 - o.data**2, rel_tol=1e-12)
    leaves = {v.label: v for v in reachable(o) if not v._prev}
    assert math.isclose(leaves["x1"].grad, leaves["w1"].data * n.grad, rel_tol=1e-12)
    assert math.isclose(leaves["w1"].grad, leaves["x1"].data * n.grad, rel_tol=1e-12)


def test_every_graph_picture_is_an_svg_with_the_expected_labels(pictures, tmp_path):
    neuron = pictures.neuron_svg(tmp_path)
    texts = svg_texts(neuron)
    for label in ("x1", "x2", "w1", "w2", "b", "x1*w1", "x2*w2", "n", "o"):
        assert label in texts, f"neuron.svg lacks the node {label}"
    assert any(t.startswith("grad -1.5") for t in texts), "x1's gradient (-1.5) should be shown"

    worksheet = svg_texts(pictures.neuron_worksheet_svg(tmp_path))
    grads = [t for t in worksheet if t.startswith("grad")]
    given = [t for t in grads if any(c.isdigit() for c in t)]
    assert len(grads) == 10 and len(given) == 1 and given[0].startswith("grad 1.0"), (
        "only the root's gradient (1.0) may be given away; the other nine are left to fill in"
    )

    mlp = svg_texts(pictures.mlp_svg(tmp_path))
    model = pictures.small_trained_mlp()
    weights = sum(len(n.w) for layer in model.layers for n in layer.neurons)
    neurons = sum(len(layer.neurons) for layer in model.layers)
    # every gradient is drawn, and says which derivative it is (never a bare "grad")
    assert sum(t.startswith("∂e/∂w ") for t in mlp) == weights, "each weight's ∂e/∂w should be shown"
    assert sum(t.startswith("∂e/∂b ") for t in mlp) == neurons, "each bias's ∂e/∂b should be shown"
    assert not any(t.startswith("grad") for t in mlp)
    assert not any("∇" in t for t in mlp), "∇ is missing from the usual fonts (PNGs drew a box)"


def test_the_moons_pictures_are_pngs(pictures, tmp_path):
    written = pictures.moons_pngs(tmp_path, steps=3)
    assert [p.name for p in written] == ["decision_boundary.png", "loss_curve.png"]
    for path in written:
        assert_png(path)


def test_the_step_through_screenshot(pictures, tmp_path):
    if pictures.find_chromium() is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    shot = pictures.step_through_png(tmp_path)
    assert shot == tmp_path / "step_through.png"
    assert_png(shot)
    header = shot.read_bytes()[16:24]  # IHDR: width, height
    assert (int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")) == (1200, 600)


def test_a_step_outside_the_page_is_refused(pictures, tmp_path):
    if pictures.find_chromium() is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    with pytest.raises(ValueError, match="step must be between 0 and 5"):
        pictures.step_through_png(tmp_path, step=6)


def test_without_chromium_the_screenshot_is_skipped_with_a_message(pictures, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pictures, "find_chromium", lambda: None)
    assert pictures.step_through_png(tmp_path) is None
    assert "chromium is not installed" in capsys.readouterr().out
    assert not (tmp_path / "step_through.png").exists()
