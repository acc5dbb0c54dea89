"""animate_training: a GIF of the decision regions and the loss during fit, for slides."""

from __future__ import annotations

import os
import random

import pytest

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")

from microgradnet.data import make_blobs, make_moons  # noqa: E402
from microgradnet.nn import MLP  # noqa: E402
from microgradnet.train import fit  # noqa: E402
from microgradnet.viz import animate_training  # noqa: E402
from microgradnet.viz.animate import frame_steps  # noqa: E402


def frames_of(path) -> list:
    """Every frame of the GIF, decoded to RGB, and each frame's duration."""
    with Image.open(path) as im:
        assert im.format == "GIF"
        out = []
        for k in range(im.n_frames):
            im.seek(k)
            out.append((im.convert("RGB").copy(), im.info.get("duration")))
        return out


def small_run(tmp_path, frames=5, steps=8, **kw):
    X, y = make_moons(n_samples=20, noise=0.1, seed=3)
    model = MLP(2, [6, 1], rng=random.Random(2))
    path = tmp_path / "run.gif"
    history = animate_training(model, X, y, path, frames=frames, steps=steps, resolution=16, progress=False,
                               optimizer="adam", lr=0.1, **kw)
    return path, history, model, (X, y)


@pytest.mark.parametrize("frames", [2, 5, 9])
def test_the_gif_has_the_requested_number_of_frames_and_they_decode(tmp_path, frames):
    path, history, _, _ = small_run(tmp_path, frames=frames)
    decoded = frames_of(path)
    assert len(decoded) == frames
    assert len(history) == 8
    sizes = {img.size for img, _ in decoded}
    assert sizes == {(1280, 720)}  # 16:9, sharp on a 720p slide
    # every frame is a real picture: many colours, not one blank fill
    for img, _ in decoded:
        assert len(img.getcolors(maxcolors=100_000) or []) > 20
    assert decoded[0][0].tobytes() != decoded[-1][0].tobytes()  # training changed the picture


def test_frame_durations_and_the_held_last_frame(tmp_path):
    path, _, _, _ = small_run(tmp_path, frames=4, frame_ms=150, hold_ms=900)
    assert [d for _, d in frames_of(path)] == [150, 150, 150, 900]
    with Image.open(path) as im:
        assert im.info.get("loop") == 0  # loops forever on a slide


def test_training_is_the_same_as_fit_without_the_animation(tmp_path):
    _, history, model, (X, y) = small_run(tmp_path)
    plain = MLP(2, [6, 1], rng=random.Random(2))
    expected = fit(plain, X, y, steps=8, progress=False, optimizer="adam", lr=0.1)
    assert history.loss == expected.loss
    assert [p.data for p in model.parameters()] == [p.data for p in plain.parameters()]


def test_frames_are_spread_over_the_run_from_step_0_to_the_last():
    assert frame_steps(100, 5) == [0, 25, 50, 75, 100]
    assert frame_steps(3, 4) == [0, 1, 2, 3]
    steps = frame_steps(37, 11)
    assert steps[0] == 0 and steps[-1] == 37 and len(set(steps)) == 11 and steps == sorted(steps)


def test_a_callback_of_your_own_still_runs_and_can_stop_early(tmp_path):
    calls = []

    def stop_after_three(k, history):
        calls.append(k)
        return k == 2

    path, history, _, _ = small_run(tmp_path, frames=5, steps=8, callback=stop_after_three)
    assert calls == [0, 1, 2] and len(history) == 3
    # frames planned at steps 0, 2, 4, 6, 8: the run ended at 3, so 0, 2 and a last one at 3
    assert len(frames_of(path)) == 3


def test_several_classes_with_cross_entropy(tmp_path):
    X, y = make_blobs(n_samples=30, centers=3, seed=1)
    model = MLP(2, [6, 3], rng=random.Random(0))
    path = tmp_path / "blobs.gif"
    animate_training(model, X, y, path, loss="cross_entropy", steps=6, frames=3, resolution=12,
                     progress=False, optimizer="adam", lr=0.05)
    decoded = frames_of(path)
    assert len(decoded) == 3


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"frames": 1}, ValueError, "frames must be a whole number >= 2"),
        ({"frames": 10, "steps": 5}, ValueError, "10 frames need at least 9 training steps"),
        ({"frame_ms": 0}, ValueError, "frame_ms"),
        ({"resolution": 1}, ValueError, "resolution"),
        ({"path": "run.png"}, ValueError, "must end in .gif or .svg"),
        ({"size": (1920, 1080.0)}, ValueError, "size must be"),
        ({"path": "/nonexistent-folder/run.gif"}, FileNotFoundError, "does not exist"),
        ({"loss": "l1"}, ValueError, "unknown loss"),
    ],
)
def test_bad_arguments_fail_before_any_training(tmp_path, kwargs, error, words):
    X, y = make_moons(n_samples=10, seed=0)
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = [p.data for p in model.parameters()]
    path = kwargs.pop("path", tmp_path / "x.gif")
    if not os.path.isabs(str(path)):
        path = tmp_path / path
    options = {"steps": 5, "frames": 3, "progress": False, **kwargs}
    with pytest.raises(error, match=words):
        animate_training(model, X, y, path, **options)
    assert [p.data for p in model.parameters()] == before
    assert list(tmp_path.iterdir()) == []


def test_the_gif_is_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "run.gif"
    path.write_bytes(b"the old file")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        small_run(tmp_path)
    assert path.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif"]  # no temporary file left


def test_a_full_hd_gif_on_request(tmp_path):
    path, _, _, _ = small_run(tmp_path, frames=2, size=(1920, 1080))
    assert {img.size for img, _ in frames_of(path)} == {(1920, 1080)}
