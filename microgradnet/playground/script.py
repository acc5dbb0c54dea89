"""The Python script the page's "script" export writes: the run, with the library's public API.

The script reads the same registries as the playground (``data.DATASETS``, ``losses.LOSSES``,
``optim.OPTIMIZERS``) and trains the same way (Equation 9 from the loss's row seeds a compiled
``backward()``; see ``trainer.py``), so it reproduces the run's weights to the last bit. It
saves its model to a file that does not exist yet (``model.json``, else ``model-2.json``, ...)
unless ``--overwrite`` is given: running it twice never replaces a file silently.
"""

from __future__ import annotations

from typing import Any

from .config import momentum_optimizers
from .trainer import CHUNK

_TEMPLATE = '''"""Reproduces a microgradnet playground run: {dataset}, features {names},
MLP {arch} ({act}), loss {loss}, {optimizer}, {steps} steps.

Writes the trained model to model.json, or to model-2.json, model-3.json, ... when that file
exists (never replacing one); --overwrite writes model.json whatever is there."""
import argparse
import math  # noqa: F401  (sin features)
import random
from pathlib import Path

from microgradnet.compile import compile_step
from microgradnet.data import DATASETS
from microgradnet.functional import sum as vsum
from microgradnet.losses import LOSSES
from microgradnet.nn import MLP
from microgradnet.optim import OPTIMIZERS

parser = argparse.ArgumentParser(description="reproduce a playground run and save its model")
parser.add_argument("--overwrite", action="store_true", help="write model.json even if it exists")
args = parser.parse_args()

X, y = DATASETS[{dataset!r}].two_class({n}, noise={noise!r}, seed={data_seed})
n_train = {n_train}                        # the first n_train points train, the rest test
loss = LOSSES[{loss!r}]                    # e = {formula}; Equation 9: ∂e/∂ŷ = {eq9}
signed = [1 if v == 1 else -1 for v in y]  # class 1 → +1, class 0 → -1 (bce reads it as 0/1)


def features(p):                           # inputs: {names}
    a, b = p
    return [{feats}]


inputs = [features(p) for p in X]
model = MLP({nin}, {sizes}, act={act!r}, rng=random.Random({seed}), fused=True)
batch_rng = random.Random({seed})
optimizer = OPTIMIZERS[{optimizer!r}](model.parameters(), {opt_args})


def weighted(xs, cs):                      # Σ c_k·ŷ_k: backward() leaves Σ c_k·∂ŷ_k/∂w in each grad
    return vsum([c * model(x) for x, c in zip(xs, cs)])


def outputs(xs):
    out = [model(x) for x in xs]
    return vsum(out), out


CHUNK = {chunk}                                  # samples per compiled call
backward_step = compile_step(weighted, params=model.parameters())
forward = compile_step(outputs, params=model.parameters())


def scores():                              # ŷ of every point, for the current weights
    return [s for c in range(0, len(inputs), CHUNK) for s in forward(inputs[c:c + CHUNK], backward=False)[1]]


s = scores()
for _ in range({steps}):
    {batch_line}
    mean = 1.0 / len(idx)
    model.zero_grad()
    for c in range(0, len(idx), CHUNK):    # c_k = (1/batch)·∂e_k/∂ŷ_k: grads of the mean loss
        part = idx[c:c + CHUNK]
        backward_step([inputs[k] for k in part], [mean * loss.equation9([s[k]], signed[k])[0] for k in part])
    optimizer.step()
    s = scores()

train_loss = sum(loss.value([s[k]], signed[k]) for k in range(n_train)) / n_train
decide = loss.decision(signed)
right = sum(decide.predict(s[k]) == signed[k] for k in range(n_train, len(X)))
print(f"after {steps} steps: train loss {{train_loss:.6f}}, test accuracy {{right / (len(X) - n_train):.3f}}")

path, k = Path("model.json"), 1
while path.exists() and not args.overwrite:
    k += 1
    path = Path(f"model-{{k}}.json")
model.save(path)
print(f"model saved to {{path}}")
'''


def _one_line(text: str) -> str:
    return " ".join(str(text).split())  # a comment in the script: no line breaks


def make_script(config: dict[str, Any], steps: int, feature_source: dict[str, str]) -> str:
    """Python source reproducing ``steps`` training steps with ``config`` (settings as the page
    has them now; a run whose settings changed half-way is reproduced with the current ones).
    Every value is written with ``repr`` of a checked number or a registry name: nothing the
    page sent is pasted as code."""
    from .. import losses as _losses

    c = config
    n = int(c["points"])
    n_train = round(n * float(c["train_percent"]) / 100)
    sizes = [int(h) for h in c["hidden"]] + [1]
    batch = int(c["batch_size"]) or n_train
    opt_args = f"lr={float(c['lr'])!r}, weight_decay={float(c['l2'])!r}"
    if c["optimizer"] in momentum_optimizers():
        opt_args += f", momentum={float(c['momentum'])!r}"
    loss = _losses.LOSSES[c["loss"]]
    return _TEMPLATE.format(
        dataset=str(c["dataset"]), names=", ".join(repr(f) for f in c["features"]),
        arch="-".join(map(str, [len(c["features"]), *sizes])), act=str(c["act"]), loss=str(c["loss"]),
        optimizer=str(c["optimizer"]), steps=int(steps), n=n, noise=float(c["noise"]),
        data_seed=int(c["data_seed"]), n_train=n_train, formula=_one_line(loss.formula),
        eq9=_one_line(loss.equation9_text),
        feats=", ".join(feature_source[f] for f in c["features"]), nin=len(c["features"]), sizes=sizes,
        seed=int(c["seed"]), opt_args=opt_args, chunk=CHUNK,
        batch_line=("idx = list(range(n_train))" if batch >= n_train
                    else f"idx = batch_rng.sample(range(n_train), {batch})"),
    )
