"""Slides of the step-through: one picture per step (PNG, SVG) and an animated GIF."""

from __future__ import annotations

import os
import random
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.notation import number as fmt  # the numbers every page and picture shows
from microgradnet.viz import step_gif, step_images
from microgradnet.walk import topological_order
from tests.graphs import lecture_neuron

SVG = "{http://www.w3.org/2000/svg}"




def operations(root: Value) -> int:
    return len(topological_order(root, leaves=False))


def svg_text(path) -> str:
    """Every text of an SVG picture, one line per <text>, no-break spaces read as spaces."""
    tree = ET.parse(path)  # also proves the file is well-formed XML
    texts = ["".join(t.itertext()) for t in tree.iter(f"{SVG}text")]
    return "\n".join(" ".join(t.replace("\u00a0", " ").split()) for t in texts)


def test_one_png_per_step_forward_then_backward(tmp_path):
    root = lecture_neuron()
    paths = step_images(root, tmp_path / "deck", "png")
    n = operations(root)
    assert len(paths) == 2 * n + 2  # start, each operation's value, start of backward, each chain rule
    assert [p.name for p in paths] == [f"step_{k:02d}.png" for k in range(len(paths))]
    sizes = set()
    for p in paths:
        with Image.open(p) as im:
            im.verify()  # decodes: a real PNG
        with Image.open(p) as im:
            assert im.format == "PNG" and im.width > 400 and im.height > 100
            sizes.add(im.size)
    assert len(sizes) == 1, "every slide has the same size, so the layout stands still"
    assert sorted(os.listdir(tmp_path / "deck")) == [p.name for p in paths]  # no temporary files left


def test_the_svg_slides_print_each_steps_numbers(tmp_path):
    root = lecture_neuron()
    paths = step_images(root, tmp_path, "svg", prefix="neuron")
    n = operations(root)
    texts = [svg_text(p) for p in paths]
    assert "Forward pass · start (0 of 5)" in texts[0]
    assert "data 0.7071" not in texts[0] and "data 2" in texts[0].split("\n")  # the output is still blank
    assert "o = tanh(n) = tanh(0.8814) = 0.7071" in texts[n]
    assert "data 0.7071" in texts[n]
    assert "Backward pass · start (0 of 5)" in texts[n + 1] and "grad 1" in texts[n + 1].split("\n")
    # the start caption writes its numbers as every other caption does (1, never 1.0)
    assert "o.grad = 1 (∂o/∂o), every other grad = 0" in texts[n + 1] and "1.0" not in texts[n + 1]
    root.backward()  # the last slide shows backward()'s grads
    for v in topological_order(root):
        assert f"{v.label} data {fmt(v.data)} grad {fmt(v.grad)}" in texts[-1].replace("\n", " ")
    assert "x1.grad += #5.grad × w1.data = (0.5)(-3) = -1.5" in texts[-1]


def test_backward_only_and_a_stale_longer_deck_is_replaced(tmp_path):
    root = lecture_neuron()
    step_images(root, tmp_path, "png")
    x = Value(3.0, label="x")
    small = x * x
    small.label = "y"
    paths = step_images(small, tmp_path, "png", forward=False)
    assert len(paths) == operations(small) + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


def test_the_gif_has_one_frame_per_step(tmp_path):
    random.seed(0)
    model = MLP(2, [1], rng=random.Random(7))  # one linear neuron: a short deck
    y = model([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    loss = (y - Value(0.5, label="t")) ** 2
    loss.label = "e"
    path = step_gif(loss, tmp_path / "mlp.gif", seconds=0.5, hold_last=2.0, max_width=900)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 2 * operations(loss) + 2
        assert gif.width <= 900
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            gif.convert("RGB")  # every frame decodes
            durations.append(gif.info["duration"])
    assert durations[:-1] == [500] * (len(durations) - 1) and durations[-1] == 2000
    assert [p.name for p in tmp_path.iterdir()] == ["mlp.gif"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r, d: step_images(r, d, "jpeg"), "format"),
        (lambda r, d: step_images(r, d, prefix="../x"), "prefix"),
        (lambda r, d: step_gif(r, d / "a.png"), ".gif"),
        (lambda r, d: step_gif(r, d / "a.gif", seconds=0), "seconds"),
        (lambda r, d: step_gif(r, d / "missing" / "a.gif"), "does not exist"),
        (lambda r, d: step_images(3.0, d), "Value"),
    ],
)
def test_bad_arguments_are_one_clear_error(tmp_path, call, message):
    with pytest.raises((ValueError, TypeError, FileNotFoundError), match=message):
        call(lecture_neuron(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_gif(tmp_path, monkeypatch):
    target = tmp_path / "n.gif"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        step_gif(lecture_neuron(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["n.gif"]


def test_long_lines_and_awkward_labels_come_out_whole(tmp_path):
    odd = 'a"b\\c{d}|<e>&f'
    a = Value(1.5, label="a_weight_with_a_rather_long_name")
    b = Value(-2.0, label=odd)
    c = a * b
    c.label = "the_product_of_the_two_with_a_long_name"
    paths = step_images(c, tmp_path, "svg", forward=False)
    last = svg_text(paths[-1])
    line = (
        "a_weight_with_a_rather_long_name.grad += the_product_of_the_two_with_a_long_name.grad"
        f" × ({odd}).data = (1)(-2) = -2"
    )
    assert len(line) > 100 and line in last
    name = "the_product_of_the_two_with_a_long_name"
    # captions are never cut (node boxes shorten long labels, as the page does)
    assert f"the chain rule at {name} (op *), {name}.grad = 1" in last
    assert odd in last


# ---- 16:9 frames ---------------------------------------------------------------------------------
def png_engines() -> list[str]:
    from microgradnet.viz import available_engines
    from microgradnet.viz.render import choose_engine

    out = []
    for engine in available_engines():
        try:
            out.append(choose_engine("png", engine))
        except Exception:  # an engine that only writes SVG
            continue
    return out


@pytest.mark.parametrize("engine", png_engines())
def test_slides_are_1920_by_1080_by_default_in_every_engine(tmp_path, monkeypatch, engine):
    from microgradnet.viz.render import ENV_VAR

    monkeypatch.setenv(ENV_VAR, engine)
    root = lecture_neuron()
    for path in step_images(root, tmp_path / "png", "png"):
        with Image.open(path) as im:
            assert im.size == (1920, 1080)
    with Image.open(step_images(root, tmp_path / "small", "png", size=(1280, 720))[0]) as im:
        assert im.size == (1280, 720)
    with Image.open(step_images(root, tmp_path / "own", "png", size=None)[0]) as im:
        assert abs(im.width / im.height - 16 / 9) > 0.05  # the drawing's own shape


def test_svg_slides_are_16_9_and_the_caption_has_room_above_the_graph(tmp_path):
    for path in step_images(lecture_neuron(), tmp_path, "svg"):
        root = ET.parse(path).getroot()
        assert (root.get("width"), root.get("height")) == ("1440pt", "810pt")  # 1920 × 1080 px
        captions, nodes = [], []
        for g in root.iter(f"{SVG}g"):
            if g.get("class") == "graph":
                captions = [float(t.get("y")) for t in g.findall(f"{SVG}text")
                            if "".join(t.itertext()).replace("\u00a0", " ").strip()]  # lines with words
                size = float(g.find(f"{SVG}text").get("font-size"))
            elif g.get("class") == "node":
                for shape in g.iter(f"{SVG}polygon"):
                    nodes += [float(y) for y in shape.get("points").replace(" ", ",").split(",")[1::2]]
        assert captions and nodes
        assert min(nodes) - max(captions) >= size  # a blank line between the words and the graph


def test_the_gif_is_16_9_scaled_to_its_max_width(tmp_path):
    path = step_gif(lecture_neuron(), tmp_path / "n.gif", max_width=960)
    with Image.open(path) as gif:
        assert gif.size == (960, 540)


def test_a_wrong_size_is_a_clear_error(tmp_path):
    for bad in ((1920,), (10, 10), (1920.0, 1080), "16:9"):
        with pytest.raises(ValueError, match="size"):
            step_images(lecture_neuron(), tmp_path, size=bad)
    assert list(tmp_path.iterdir()) == []


def test_graphviz_itself_draws_the_frame_so_text_is_scaled_as_vectors_not_pixels():
    from microgradnet.viz import available_engines, svg
    from microgradnet.viz.slides import step_graphs

    if "system" not in available_engines():
        pytest.skip("the system Graphviz (dot) is not installed")
    root = ET.fromstring(svg(step_graphs(lecture_neuron())[-1], engine="system"))
    assert (root.get("width"), root.get("height")) == ("1440pt", "810pt")
