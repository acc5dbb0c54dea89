"""The Python script the page's "script" export writes: the run, with the library's public API."""

from __future__ import annotations

import inspect
from typing import Any

from ..nn import MLP

_DATA = {
    "moons": "make_moons({n}, noise={noise!r}, seed={seed})",
    "circles": "make_circles({n}, noise={noise!r}, seed={seed})",
    "spirals": "make_spirals({n}, n_classes=2, noise={noise!r}, seed={seed})",
    "xor": "make_xor({n}, noise={noise!r}, seed={seed})",
    "blobs": "make_blobs({n}, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std={std!r}, seed={seed})",
}
_LOSS = {
    "hinge": "(1 - t * s).relu()",
    "bce": "s.softplus() - t * s",
    "mse": "(s - t) ** 2",
}


def make_script(config: dict[str, Any], steps: int, feature_source: dict[str, str]) -> str:
    """Python source reproducing ``steps`` training steps with ``config`` (settings as the page
    has them now; a run whose settings changed half-way is reproduced with the current ones).
    Every value is written with ``repr`` of a checked number or a fixed choice: nothing the
    page sent is pasted as code."""
    c = config
    n = int(c["points"])
    n_train = round(n * float(c["train_percent"]) / 100)
    data = _DATA[c["dataset"]].format(n=n, noise=float(c["noise"]), std=0.3 + float(c["noise"]),
                                      seed=int(c["data_seed"]))
    feats = ", ".join(feature_source[f] for f in c["features"])
    names = ", ".join(repr(f) for f in c["features"])
    sizes = [int(h) for h in c["hidden"]] + [1]
    if c["optimizer"] == "adam":
        opt = f"Adam(model.parameters(), lr={float(c['lr'])!r}, weight_decay={float(c['l2'])!r})"
    else:
        mom = 0.9 if c["optimizer"] == "momentum" else 0.0
        opt = (f"SGD(model.parameters(), lr={float(c['lr'])!r}, momentum={mom!r}, "
               f"weight_decay={float(c['l2'])!r})")
    maker = _DATA[c["dataset"]].split("(")[0]
    # one n-ary node per neuron, as the playground trains (same sums in the same order)
    fused = ", fused=True" if "fused" in inspect.signature(MLP.__init__).parameters else ""
    optimizer = "Adam" if c["optimizer"] == "adam" else "SGD"
    target = "float(v)" if c["loss"] == "bce" else "1.0 if v == 1 else -1.0"
    batch = int(c["batch_size"]) or n_train
    batch_line = ("idx = list(range(n_train))" if batch >= n_train
                  else f"idx = batch_rng.sample(range(n_train), {batch})")
    arch = "-".join(map(str, [len(c["features"]), *sizes]))
    return f'''"""Reproduces a microgradnet playground run: {c["dataset"]}, features {names},
MLP {arch} ({c["act"]}), loss {c["loss"]}, {c["optimizer"]}, {steps} steps."""
import math  # noqa: F401  (sin features)
import random

from microgradnet.compile import compile_step
from microgradnet.functional import sum as vsum
from microgradnet.data import {maker}
from microgradnet.nn import MLP
from microgradnet.optim import {optimizer}

X, y = {data}
n_train = {n_train}                        # the first n_train points train, the rest test


def features(p):                           # inputs: {names}
    a, b = p
    return [{feats}]


inputs = [features(p) for p in X]
targets = [{target} for v in y]
model = MLP({len(c["features"])}, {sizes}, act={c["act"]!r}, rng=random.Random({int(c["seed"])}){fused})
batch_rng = random.Random({int(c["seed"])})
optimizer = {opt}


def chunk_loss(xs, ts):                    # the summed error of a few samples, e = {_LOSS[c["loss"]]}
    losses = []
    for x, t in zip(xs, ts):
        s = model(x)
        losses.append({_LOSS[c["loss"]]})
    return vsum(losses)


CHUNK = 8                                  # samples per compiled call
step = compile_step(chunk_loss, inputs[:CHUNK], targets[:CHUNK], params=model.parameters())
for _ in range({steps}):
    {batch_line}
    model.zero_grad()
    for c in range(0, len(idx), CHUNK):    # backward seeded with 1/batch: grads of the mean loss
        part = idx[c:c + CHUNK]
        step([inputs[i] for i in part], [targets[i] for i in part], grad=1.0 / len(idx))
    optimizer.step()

train_loss = chunk_loss(inputs[:n_train], targets[:n_train]).data / n_train
right = sum((model(x).data > 0) == (v == 1) for x, v in zip(inputs[n_train:], y[n_train:]))
print(f"after {steps} steps: train loss {{train_loss:.6f}}, test accuracy {{right / (len(X) - n_train):.3f}}")
model.save("model.json")
'''
