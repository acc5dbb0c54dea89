"""The toy data sets: the published formulas, seeding, labels and argument checks."""

from __future__ import annotations

import inspect
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradnet.data import (
    DATASETS,
    SPIRAL_R0,
    make_blobs,
    make_circles,
    make_dataset,
    make_moons,
    make_spirals,
    make_xor,
    one_hot,
    signed_labels,
)


def test_moons_without_noise_follow_scikit_learns_formula():
    """Outer moon (cos t, sin t), inner moon (1 - cos t, 1 - sin t - 0.5), t = linspace(0, π)."""
    X, y = make_moons(n_samples=7, noise=0.0, shuffle=False)
    t_out, t_in = np.linspace(0, np.pi, 3), np.linspace(0, np.pi, 4)
    expected = [[math.cos(t), math.sin(t)] for t in t_out]
    expected += [[1 - math.cos(t), 1 - math.sin(t) - 0.5] for t in t_in]
    assert y == [0, 0, 0, 1, 1, 1, 1]
    assert np.allclose(X, expected, rtol=0, atol=1e-15)


def test_moons_noise_has_the_requested_standard_deviation():
    clean, _ = make_moons(n_samples=4000, noise=0.0, shuffle=False)
    noisy, _ = make_moons(n_samples=4000, noise=0.1, shuffle=False)
    offsets = [a - b for p, q in zip(noisy, clean) for a, b in zip(p, q)]
    assert abs(statistics.fmean(offsets)) < 0.01
    assert statistics.pstdev(offsets) == pytest.approx(0.1, rel=0.05)


def test_the_same_seed_gives_the_same_points_and_another_seed_other_points():
    for make in DATASETS.values():
        assert make(seed=3) == make(seed=3)
        assert make(seed=3)[0] != make(seed=4)[0]


def test_generators_never_touch_pythons_global_random_state():
    """nn.MLP draws its micrograd-compatible weights from the global generator."""
    random.seed(1337)
    before = random.getstate()
    for make in DATASETS.values():
        make()
    assert random.getstate() == before


def test_shuffling_keeps_each_point_with_its_label():
    X, y = make_moons(n_samples=50, noise=0.0, shuffle=True)
    for (a, b), label in zip(X, y):
        if label == 0:  # outer moon: the unit circle around (0, 0)
            assert math.hypot(a, b) == pytest.approx(1.0)
        else:  # inner moon: the unit circle around (1, 0.5)
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0)


def test_circles_have_radius_one_and_factor():
    X, y = make_circles(n_samples=40, noise=0.0, factor=0.3)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)
    assert y.count(0) == y.count(1) == 20


def test_spirals_give_every_arm_its_share_and_radii_from_r0_to_1():
    X, y = make_spirals(n_samples=31, n_classes=4, noise=0.0, shuffle=False)
    assert [y.count(k) for k in range(4)] == [8, 8, 8, 7]
    radii = [math.hypot(a, b) for a, b in X[:8]]
    assert radii == pytest.approx(list(np.linspace(SPIRAL_R0, 1, 8)))
    assert SPIRAL_R0 > 0


def _rotate(p: list[float], angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return (c * p[0] - s * p[1], s * p[0] + c * p[1])


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spiral_arms_are_one_arm_evenly_rotated(k):
    """Two classes: an arm and the same arm turned by π (TensorFlow Playground's spirals)."""
    X, y = make_spirals(n_samples=40 * k, n_classes=k, noise=0.0, shuffle=True, seed=4)
    arms = [sorted((p for p, label in zip(X, y) if label == c), key=lambda p: math.hypot(*p))
            for c in range(k)]
    for c in range(1, k):
        turned = [_rotate(p, 2 * math.pi * c / k) for p in arms[c]]  # back onto arm 0
        assert np.allclose(turned, arms[0], rtol=0, atol=1e-12)
    # each arm turns around the centre: 1.75 turns (from r = 0 to 1) for two arms
    angles = np.unwrap([math.atan2(a, b) for a, b in arms[0]])
    assert abs(angles[-1] - angles[0]) / (2 * math.pi) == pytest.approx(3.5 / k * (1 - SPIRAL_R0), rel=1e-9)


def _min_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)))


@pytest.mark.parametrize("k", [2, 3])
def test_noiseless_spirals_are_separable(k):
    """A fine sample of the arms classifies a second sample (other radii) perfectly by its
    nearest neighbour, and two classes never come closer than a fixed gap."""
    Xf, yf = make_spirals(n_samples=1500 * k, n_classes=k, noise=0.0, seed=1)
    Xs, ys = make_spirals(n_samples=333 * k, n_classes=k, noise=0.0, seed=2)
    fine, test = np.array(Xf), np.array(Xs)
    nearest = np.argmin(np.linalg.norm(test[:, None, :] - fine[None, :, :], axis=-1), axis=1)
    assert [yf[n] for n in nearest] == ys
    by_class = [fine[np.array(yf) == label] for label in range(k)]
    gap = min(_min_distance(by_class[a], by_class[b]) for a in range(k) for b in range(a + 1, k))
    assert gap > 0.05


def test_blobs_are_centred_on_the_given_centres():
    centres = [[-4.0, 1.0], [3.0, 3.0]]
    X, y = make_blobs(n_samples=2000, centers=centres, cluster_std=0.2)
    for k, (cx, cy) in enumerate(centres):
        pts = [p for p, label in zip(X, y) if label == k]
        assert statistics.fmean(p[0] for p in pts) == pytest.approx(cx, abs=0.03)
        assert statistics.fmean(p[1] for p in pts) == pytest.approx(cy, abs=0.03)
        assert statistics.pstdev([p[0] for p in pts]) == pytest.approx(0.2, rel=0.1)


def test_blobs_with_a_count_draw_random_centres_inside_the_box():
    X, y = make_blobs(n_samples=60, centers=5, cluster_std=0.0, center_box=(-1.0, 1.0))
    assert sorted(set(y)) == [0, 1, 2, 3, 4]
    assert all(-1.0 <= c <= 1.0 for p in X for c in p)


def test_xor_labels_are_one_exactly_where_the_signs_differ():
    X, y = make_xor(n_samples=200, noise=0.0)
    assert y == [int(a * b < 0) for a, b in X]
    assert all(-1 <= c <= 1 for p in X for c in p)


@pytest.mark.parametrize("name", sorted(DATASETS))
@given(n=st.integers(min_value=3, max_value=120), seed=st.integers(min_value=0, max_value=2**32))
def test_every_generator_returns_n_finite_2d_points_and_labels_0_to_k_minus_1(name, n, seed):
    X, y = make_dataset(name, n_samples=n, seed=seed)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in p) for p in X)
    k = DATASETS[name].default_classes
    assert set(y) <= set(range(k))
    if name != "xor":  # the others split the samples evenly between the classes
        assert set(y) == set(range(k))
    assert all(type(label) is int for label in y)


@pytest.mark.parametrize(
    "make, kwargs",
    [
        (make_moons, {"n_samples": 0}),
        (make_moons, {"n_samples": -5}),
        (make_moons, {"n_samples": 2.5}),
        (make_moons, {"n_samples": True}),
        (make_moons, {"noise": -0.1}),
        (make_moons, {"noise": float("nan")}),
        (make_circles, {"noise": float("inf")}),
        (make_circles, {"factor": 1.0}),
        (make_spirals, {"n_classes": 1}),
        (make_spirals, {"n_samples": 2, "n_classes": 3}),
        (make_blobs, {"centers": 0}),
        (make_blobs, {"centers": [[0, "x"]]}),
        (make_blobs, {"centers": []}),
        (make_blobs, {"cluster_std": -1}),
        (make_xor, {"n_samples": 0}),
    ],
)
def test_impossible_arguments_raise_a_clear_value_error(make, kwargs):
    with pytest.raises(ValueError, match=r"must|needs|unknown|between|at least"):
        make(**kwargs)


def test_a_seed_that_is_not_an_int_is_a_type_error():
    with pytest.raises(TypeError, match="seed"):
        make_moons(seed="abc")


def test_unknown_dataset_names_list_the_choices():
    with pytest.raises(ValueError, match="moons, circles"):
        make_dataset("donut")


def test_signed_labels_map_0_to_minus_1_and_keep_plus_minus_1():
    assert signed_labels([0, 1, 1, 0]) == [-1, 1, 1, -1]
    assert signed_labels([-1, 1]) == [-1, 1]
    with pytest.raises(ValueError, match="two classes"):
        signed_labels([0, 2])


def test_one_hot_puts_a_single_one_at_the_label():
    assert one_hot([2, 0], 3) == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match="0..2"):
        one_hot([3], 3)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_data_set_has_a_two_class_version_for_the_playground(name):
    entry = DATASETS[name]
    X, y = entry.two_class(60, 0.1, seed=5)
    assert len(X) == len(y) == 60 and set(y) == {0, 1}
    assert (X, y) == entry.two_class(60, 0.1, seed=5)  # seeded
    # the noise reaches the generator through the keyword the entry names
    assert entry.two_class(60, 0.0, seed=5) != entry.two_class(60, 0.5, seed=5)
    assert entry.noise in inspect.signature(entry.make).parameters
    assert entry.classes is None or entry.classes in inspect.signature(entry.make).parameters
