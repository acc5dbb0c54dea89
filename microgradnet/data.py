"""Toy 2-D classification data sets, pure Python and seeded.

Every generator returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` float pairs, ``y`` a list of
integer class labels ``0..k-1``. Randomness comes from a private ``random.Random(seed)``, so the
same seed always gives the same points and Python's global ``random`` (which ``nn.MLP`` uses for
its micrograd-compatible initialisation) is never touched.

>>> X, y = make_moons(n_samples=4, noise=0.0, shuffle=False)
>>> y
[0, 0, 1, 1]
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Point = list[float]
Dataset = tuple[list[Point], list[int]]
Seed = int | None

__all__ = [
    "DATASETS",
    "DataSet",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_blobs",
    "make_xor",
    "make_dataset",
    "signed_labels",
    "one_hot",
]


# ---- argument checks (one clear sentence each) ------------------------------------------
def _check_count(name: str, n: object, minimum: int = 1) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {n!r}")
    return n


def _check_scale(name: str, x: object) -> float:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _rng(seed: Seed) -> random.Random:
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    return random.Random(seed)


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    """numpy.linspace for plain floats (the last point is exactly ``stop`` when endpoint)."""
    if n == 1:
        return [start]
    div = n - 1 if endpoint else n
    step = (stop - start) / div
    out = [start + i * step for i in range(n)]
    if endpoint:
        out[-1] = stop
    return out


def _finish(X: list[Point], y: list[int], noise: float, rng: random.Random, shuffle: bool) -> Dataset:
    """Shuffle the rows (labels follow), then add gaussian noise of std ``noise`` (sklearn's order)."""
    if shuffle:
        order = list(range(len(X)))
        rng.shuffle(order)
        X, y = [X[i] for i in order], [y[i] for i in order]
    if noise > 0:
        gauss = rng.gauss
        X = [[a + gauss(0.0, noise), b + gauss(0.0, noise)] for a, b in X]
    return X, y


# ---- generators ---------------------------------------------------------------------------
def make_moons(n_samples: int = 100, noise: float = 0.1, seed: Seed = 1337, shuffle: bool = True) -> Dataset:
    """Two interleaving half circles (scikit-learn's formula), class 0 on top, class 1 below.

    Outer moon: (cos t, sin t) for t in linspace(0, π); inner moon: (1 − cos t, 1 − sin t − 0.5);
    then gaussian noise of standard deviation ``noise`` on each coordinate.
    """
    _check_count("n_samples", n_samples)
    noise = _check_scale("noise", noise)
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)] if n_out else []
    X += [[1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5] for t in _linspace(0.0, math.pi, n_in)]
    y = [0] * n_out + [1] * n_in
    return _finish(X, y, noise, rng, shuffle)


def make_circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 1337, shuffle: bool = True
) -> Dataset:
    """A large circle (class 0) around a smaller one of radius ``factor`` (class 1), as scikit-learn."""
    _check_count("n_samples", n_samples)
    noise = _check_scale("noise", noise)
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (exclusive), got {factor!r}")
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    two_pi = 2.0 * math.pi
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, two_pi, n_out, endpoint=False)] if n_out else []
    X += [[factor * math.cos(t), factor * math.sin(t)] for t in _linspace(0.0, two_pi, n_in, endpoint=False)]
    y = [0] * n_out + [1] * n_in
    return _finish(X, y, noise, rng, shuffle)


def make_spirals(
    n_samples: int = 150, n_classes: int = 3, noise: float = 0.2, seed: Seed = 1337, shuffle: bool = True
) -> Dataset:
    """``n_classes`` interleaved spiral arms: one arm, and the same arm rotated by 2πk/k_total.

    Two classes are TensorFlow Playground's spirals: an arm and the same arm rotated by π. Arm k
    has points r·(sin t, cos t) with r = linspace(r₀, 1) and t = SPIRAL_TURNS/n_classes turns
    of r plus 2πk/n_classes, so along any ray consecutive arms are 1/SPIRAL_TURNS apart in radius
    whatever the number of classes; gaussian noise of standard deviation ``noise`` is added *to
    the angle* t (in radians). r₀ > 0 keeps the arms apart at the centre, so noiseless spirals are
    separable. Samples are split as evenly as possible (the first arms get one more when needed).
    """
    _check_count("n_samples", n_samples)
    _check_count("n_classes", n_classes, minimum=2)
    noise = _check_scale("noise", noise)
    if n_samples < n_classes:
        raise ValueError(f"n_samples ({n_samples}) must be at least n_classes ({n_classes})")
    rng = _rng(seed)
    X: list[Point] = []
    y: list[int] = []
    sweep = 2.0 * math.pi * SPIRAL_TURNS / n_classes  # angle swept from the centre to r = 1
    for k in range(n_classes):
        n = n_samples // n_classes + (1 if k < n_samples % n_classes else 0)
        rotation = 2.0 * math.pi * k / n_classes
        for r in _linspace(SPIRAL_R0, 1.0, n):
            t = sweep * r + rotation
            t += rng.gauss(0.0, noise) if noise > 0 else 0.0
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(k)
    return _finish(X, y, 0.0, rng, shuffle)


SPIRAL_TURNS = 3.5  # two arms of 1.75 turns each, as TensorFlow Playground's
SPIRAL_R0 = 0.05  # the innermost radius: arms meeting at (0, 0) would put two classes on one point


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 0.5,
    center_box: tuple[float, float] = (-3.0, 3.0),
    seed: Seed = 1337,
    shuffle: bool = True,
) -> Dataset:
    """Gaussian blobs: ``centers`` random centres in ``center_box`` (or the given [x, y] centres),
    ``cluster_std`` spread, samples split as evenly as possible; class k is blob k."""
    _check_count("n_samples", n_samples)
    cluster_std = _check_scale("cluster_std", cluster_std)
    rng = _rng(seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        _check_count("centers", centers)
        try:
            lo, hi = (float(b) for b in center_box)
        except (TypeError, ValueError):
            raise ValueError(f"center_box must be two numbers (low, high), got {center_box!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        points = [[rng.uniform(lo, hi), rng.uniform(lo, hi)] for _ in range(centers)]
    else:
        try:
            points = [[float(a), float(b)] for a, b in centers]  # type: ignore[union-attr,misc]
        except (TypeError, ValueError):
            raise ValueError(f"centers must be a count or a list of [x, y] pairs, got {centers!r}") from None
        if not points or not all(math.isfinite(c) for p in points for c in p):
            raise ValueError(f"centers must be a non-empty list of finite [x, y] pairs, got {centers!r}")
    k = len(points)
    if n_samples < k:
        raise ValueError(f"n_samples ({n_samples}) must be at least the number of centers ({k})")
    X: list[Point] = []
    y: list[int] = []
    for label, (cx, cy) in enumerate(points):
        n = n_samples // k + (1 if label < n_samples % k else 0)
        X += [[cx, cy] for _ in range(n)]
        y += [label] * n
    return _finish(X, y, cluster_std, rng, shuffle)


def make_xor(n_samples: int = 100, noise: float = 0.0, seed: Seed = 1337, shuffle: bool = True) -> Dataset:
    """Points uniform in the square [-1, 1]²; class 1 where exactly one coordinate is positive
    (x1·x2 < 0), class 0 otherwise. ``noise`` is added after labelling, so it blurs the axes."""
    _check_count("n_samples", n_samples)
    noise = _check_scale("noise", noise)
    rng = _rng(seed)
    X = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(n_samples)]
    y = [int((a > 0) != (b > 0)) for a, b in X]
    return _finish(X, y, noise, rng, shuffle)


@dataclass(frozen=True)
class DataSet:
    """One entry of the data-set registry: the generator and what its consumers need to know.

    Calling the entry calls the generator (``DATASETS["moons"](50, seed=1)``). ``noise`` names
    the generator's keyword for its noise level and ``classes`` the one for the number of classes
    (None: always two); ``two_class`` is the two-class version the playground shows (one logit,
    classes 0/1), built by :meth:`two_class` from ``fixed`` keyword arguments and a noise offset.
    """

    make: Callable[..., Dataset]
    title: str
    noise: str = "noise"
    classes: str | None = None
    default_classes: int = 2
    fixed: Mapping[str, Any] = field(default_factory=dict)  # keyword arguments of the 2-class version
    noise_offset: float = 0.0  # added to the playground's noise (blobs: a minimum spread)

    def __call__(self, *args: Any, **kwargs: Any) -> Dataset:
        return self.make(*args, **kwargs)

    def two_class(self, n_samples: int, noise: float, seed: Seed) -> Dataset:
        """The playground's version: ``n_samples`` points in classes 0 and 1, ``noise`` as on the page."""
        kwargs = {**self.fixed, self.noise: self.noise_offset + noise}
        return self.make(n_samples, seed=seed, **kwargs)


# The one list of data sets: the CLI, the playground and its exported script read it, so a new
# data set is one entry here (and its test).
DATASETS: dict[str, DataSet] = {
    "moons": DataSet(make_moons, "two interleaving half circles"),
    "circles": DataSet(make_circles, "a circle inside a circle"),
    "spirals": DataSet(make_spirals, "interleaved spiral arms (noise on the angle)", classes="n_classes",
                       default_classes=3, fixed={"n_classes": 2}),
    "blobs": DataSet(make_blobs, "gaussian blobs", noise="cluster_std", classes="centers", default_classes=3,
                     fixed={"centers": [[-1.0, -1.0], [1.0, 1.0]]}, noise_offset=0.3),
    "xor": DataSet(make_xor, "the four quadrants, labelled by the signs' XOR"),
}


def make_dataset(name: str, **kwargs: object) -> Dataset:
    """Call the generator called ``name`` (one of ``DATASETS``) with ``kwargs``."""
    try:
        maker = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}") from None
    return maker(**kwargs)  # type: ignore[operator]


# ---- label helpers ----------------------------------------------------------------------------
def _check_labels(y: object) -> None:
    if isinstance(y, (str, bytes)) or not hasattr(y, "__iter__"):
        raise TypeError(f"y must be a list of class labels, got {type(y).__name__}")


def signed_labels(y: Sequence[int]) -> list[int]:
    """Binary labels as -1/+1 (0 → -1, 1 → +1; -1/+1 pass through) for the SVM hinge loss."""
    _check_labels(y)
    out = []
    for label in y:
        if label in (0, -1):
            out.append(-1)
        elif label == 1:
            out.append(1)
        else:
            raise ValueError(f"signed_labels needs two classes (0/1 or -1/+1), got label {label!r}")
    return out


def one_hot(y: Sequence[int], n_classes: int) -> list[list[float]]:
    """Each label k as a list of ``n_classes`` floats with a 1.0 at position k."""
    _check_count("n_classes", n_classes)
    _check_labels(y)
    rows = []
    for label in y:
        if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label < n_classes:
            raise ValueError(f"label {label!r} is not a class index in 0..{n_classes - 1}")
        row = [0.0] * n_classes
        row[label] = 1.0
        rows.append(row)
    return rows
