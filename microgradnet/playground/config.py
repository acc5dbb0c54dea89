"""The playground's settings: what can be chosen (read from the library's registries), the
limits, the defaults, and ``validate``, which checks a whole configuration at once.

Every list of names comes from its registry, so a data set, an activation, a loss or an
optimizer added to the library appears in the page with no change here:

- data sets from ``data.DATASETS`` (each entry's two-class version),
- activations from ``ops.activations()`` (built-in and declared with ``define_op``),
- losses from ``losses.LOSSES``: those that train one output (a score or a logit), since the
  page draws one output neuron,
- optimizers from ``optim.OPTIMIZERS``; ``momentum`` goes to those that take one (SGD).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any

from .. import data as _data
from .. import losses as _losses
from .. import ops as _ops
from .. import optim as _optim
from .features import FEATURES, PlaygroundError

__all__ = ["LIMITS", "DEFAULTS", "DATA_KEYS", "MODEL_KEYS", "validate", "datasets", "activations",
           "losses", "optimizers", "momentum_optimizers", "make_optimizer"]


def datasets() -> list[str]:
    """The data sets the page offers: every entry of ``data.DATASETS``."""
    return list(_data.DATASETS)


def activations() -> list[str]:
    """The activations the page offers: ``ops.activations()`` now (declared ones included)."""
    return list(_ops.activations())


def losses() -> list[str]:
    """The losses that train one output for two classes (the page draws one output neuron)."""
    return [name for name, loss in _losses.LOSSES.items() if loss.n_outputs(2) == 1]


def optimizers() -> list[str]:
    """The optimizers of ``optim.OPTIMIZERS``."""
    return list(_optim.OPTIMIZERS)


def momentum_optimizers() -> list[str]:
    """The optimizers that take a momentum (read from their signatures: no list of names here)."""
    takes = {name: "momentum" in inspect.signature(opt).parameters for name, opt in _optim.OPTIMIZERS.items()}
    return [name for name, yes in takes.items() if yes]


def make_optimizer(config: dict[str, Any], params: list[Any]) -> Any:
    """The configured optimizer on ``params``: rate and L2 (weight decay) always, momentum for an
    optimizer that takes one (so a new registry entry needs no case here)."""
    kwargs: dict[str, Any] = {"lr": config["lr"], "weight_decay": config["l2"]}
    if config["optimizer"] in momentum_optimizers():
        kwargs["momentum"] = config["momentum"]
    return _optim.OPTIMIZERS[config["optimizer"]](params, **kwargs)


LIMITS: dict[str, tuple[float, float]] = {
    "points": (10, 2000),
    "neurons": (1, 32),
    "layers": (0, 6),
    "noise": (0.0, 2.0),
    "train_percent": (10, 90),
    "lr": (1e-6, 10.0),
    "l2": (0.0, 1.0),
    "momentum": (0.0, 0.99),
    "speed": (1, 1000),  # steps per second asked for (the machine may do fewer)
}

DEFAULTS: dict[str, Any] = {
    "dataset": "moons",
    "noise": 0.1,
    "points": 200,
    "train_percent": 50,
    "data_seed": 1,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "act": "tanh",
    "loss": "bce",  # logistic loss: every sample keeps a gradient (hinge's is 0 past the margin)
    "optimizer": "adam",
    "lr": 0.02,
    "momentum": 0.9,  # used by an optimizer that takes a momentum (SGD)
    "batch_size": 0,  # 0: every training point (full batch)
    "l2": 0.0,
    "seed": 1,  # weights and batches
    "speed": 1000,
}

# keys whose change means new data / a new network (and so a fresh start)
DATA_KEYS = frozenset({"dataset", "noise", "points", "train_percent", "data_seed"})
MODEL_KEYS = frozenset({"features", "hidden", "act", "seed"})
_READABLE = {"lr": "the learning rate", "neurons": "neurons per layer"}


def _check_choice(key: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise PlaygroundError(f"{key}: unknown choice {value!r}; choose one of {', '.join(choices)}")
    return value


def _check_number(key: str, value: Any, integer: bool = False) -> float:
    lo, hi = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlaygroundError(f"{key}: expected a number, got {value!r}")
    if integer and value != int(value):
        raise PlaygroundError(f"{key}: expected a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise PlaygroundError(f"{_READABLE.get(key, key)} must be between {lo:g} and {hi:g}, got {value:g}")
    return int(value) if integer else float(value)


def _check_features(feats: Any) -> list[str]:
    if not isinstance(feats, list) or not all(isinstance(f, str) for f in feats):
        raise PlaygroundError("features: expected a list of feature names")
    for f in feats:
        _check_choice("feature", f, list(FEATURES))
    if not feats:
        raise PlaygroundError("choose at least one input feature")
    return [f for f in FEATURES if f in feats]  # canonical order, no duplicates


def _check_hidden(hidden: Any) -> list[int]:
    if not isinstance(hidden, list):
        raise PlaygroundError("hidden: expected a list of layer widths")
    hi = int(LIMITS["layers"][1])
    if len(hidden) > hi:
        raise PlaygroundError(f"at most {hi} hidden layers, got {len(hidden)}")
    out = []
    for k, n in enumerate(hidden, start=1):
        if isinstance(n, (int, float)) and not isinstance(n, bool) and n < 1:
            raise PlaygroundError(
                f"hidden layer {k} has {n:g} neurons; a layer needs at least 1 (remove the layer instead)"
            )
        out.append(int(_check_number("neurons", n, integer=True)))
    return out


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """A checked copy of a full configuration; ``PlaygroundError`` names the first problem."""
    c = dict(config)
    unknown = set(c) - set(DEFAULTS)
    if unknown:
        raise PlaygroundError(f"unknown setting(s): {', '.join(sorted(map(str, unknown)))}")
    _check_choice("dataset", c["dataset"], datasets())
    _check_choice("activation", c["act"], activations())
    _check_choice("loss", c["loss"], losses())
    _check_choice("optimizer", c["optimizer"], optimizers())
    for key in ("noise", "train_percent", "lr", "l2", "momentum", "speed"):
        c[key] = _check_number(key, c[key])
    c["points"] = _check_number("points", c["points"], integer=True)
    for key in ("data_seed", "seed"):
        if isinstance(c[key], bool) or not isinstance(c[key], int) or not 0 <= c[key] < 2**31:
            raise PlaygroundError(f"{key}: expected a whole number from 0 to 2^31-1, got {c[key]!r}")
    c["features"] = _check_features(c["features"])
    c["hidden"] = _check_hidden(c["hidden"])
    n_train = round(c["points"] * c["train_percent"] / 100)
    if n_train < 2 or c["points"] - n_train < 1:
        raise PlaygroundError(
            f"{c['points']} points split {c['train_percent']:g}% leaves too few training or test points"
        )
    b = c["batch_size"]
    if isinstance(b, bool) or not isinstance(b, int) or b < 0:
        raise PlaygroundError(f"batch size must be a whole number ≥ 1 (0 = all), got {b!r}")
    if b > n_train:
        raise PlaygroundError(f"batch size {b} is larger than the {n_train} training points (0 = all)")
    return c
