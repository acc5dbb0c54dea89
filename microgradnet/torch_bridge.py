"""Moving an MLP to PyTorch and back: the path for a user who outgrows scalars.

``to_torch(mlp)`` builds ``torch.nn.Sequential(Linear, φ, Linear, φ, ..., Linear)`` in float64
with the same weights: row i of ``Linear.weight`` is neuron i's ``w``, so ``layers[ℓ-1]`` is
the article's W^ℓ. ``from_torch(seq)`` reads such a Sequential back. torch is imported only
here, and only when called (``pip install microgradnet[torch]``).
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

from .ops import OPS, activation_row

if TYPE_CHECKING:
    from .nn import MLP


def _torch_modules() -> dict[str, tuple[str, dict[str, Any]]]:
    """Activation name -> torch.nn class name and constructor keywords (the table's
    ``torch_module``), read now so activations declared with define_op count."""
    return {op.name: op.torch_module for op in OPS.values() if op.activation and op.torch_module}


def _activation_module(torch: Any, act: str) -> Any:
    """The torch.nn module applying activation ``act``: the row's ``torch_module``, or for an
    activation declared with ``define_op(..., torch='torch.special.expit')`` that function
    wrapped in a module."""
    row = activation_row(act)
    if row.torch_module is not None:
        name, kwargs = row.torch_module
        return getattr(torch.nn, name)(**kwargs)
    if not row.torch:
        raise ValueError(f"to_torch: activation {act!r} has no PyTorch equivalent; declare it with torch=")
    func: Any = torch
    for part in row.torch.split(".")[1:]:  # 'torch.nn.functional.silu' -> the function
        func = getattr(func, part)

    class Activation(torch.nn.Module):  # type: ignore[misc,name-defined]
        """A define_op activation in a Sequential; ``microgradnet_act`` names its row."""

        microgradnet_act = act

        def forward(self, x: Any) -> Any:
            return func(x)

    return Activation()


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "PyTorch is not installed; install the torch extra: pip install microgradnet[torch]"
        ) from None
    return torch


def to_torch(model: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing exactly what ``model`` computes."""
    if not (hasattr(model, "layers") and hasattr(model, "sizes")):  # duck-typed: nn depends on us
        raise TypeError(f"to_torch needs an MLP, got {type(model).__name__}")
    torch = _torch()
    nn = torch.nn
    sizes, mods = model.sizes, []
    for k, layer in enumerate(model.layers):
        lin = nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64)
        with torch.no_grad():
            f64 = torch.float64
            lin.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=f64))
            lin.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=f64))
        mods.append(lin)
        act = layer.neurons[0].act
        if k < len(model.layers) - 1 and act != "linear":
            mods.append(_activation_module(torch, act))
    return nn.Sequential(*mods)


def from_torch(seq: Any, cls: type[MLP] | None = None) -> MLP:
    """An MLP with the weights of ``seq``: Linear layers, each hidden one followed by the same
    activation (ReLU, Tanh, Sigmoid, LeakyReLU(0.01), Softplus(), GELU('tanh')) or by none."""
    if cls is None:
        raise TypeError("from_torch: call it as MLP.from_torch(seq) (or pass the MLP class as cls)")
    torch = _torch()
    mods = list(seq.children()) if isinstance(seq, torch.nn.Module) else None
    if not mods:
        raise ValueError("from_torch needs a torch.nn.Sequential of Linear layers and activations")
    linears: list[Any] = []
    acts: list[str] = []
    pending: str | None = None  # activation seen since the last Linear
    for i, m in enumerate(mods):
        if isinstance(m, torch.nn.Linear):
            if linears:
                acts.append(pending or "linear")
            linears.append(m)
            pending = None
        elif linears and pending is None:
            pending = _act_name(m)
        else:
            raise ValueError(f"from_torch: unexpected module at position {i}: {m!r}")
    if pending is not None:
        raise ValueError("from_torch: the Sequential must end with a Linear layer (an MLP's last is linear)")
    if len(set(acts)) > 1:
        raise ValueError(f"from_torch: every hidden layer must use the same activation, got {acts}")
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    for a, lin in zip(sizes, linears):
        if lin.in_features != a:
            raise ValueError(f"from_torch: {lin!r} takes {lin.in_features} inputs but receives {a}")
    tables = []
    for k, lin in enumerate(linears, start=1):
        weight = lin.weight.detach().to(torch.float64).tolist()
        bias = lin.bias.detach().to(torch.float64).tolist() if lin.bias is not None else [0.0] * len(weight)
        if not all(math.isfinite(x) for row in weight for x in row) or not all(map(math.isfinite, bias)):
            raise ValueError(f"from_torch: layer {k} has weights that are not finite numbers (NaN/inf)")
        tables.append((weight, bias))
    model = cls(sizes[0], sizes[1:], act=acts[0] if acts else "relu", rng=random.Random(0))
    for layer, (weight, bias) in zip(model.layers, tables):
        for n, row, b in zip(layer.neurons, weight, bias):
            for w, x in zip(n.w, row):
                w.data = x
            n.b.data = b
    return model


def _act_name(m: Any) -> str:
    """The engine's name for a torch activation module, if the formulas agree."""
    if type(m).__name__ == "Identity":
        return "linear"
    declared = getattr(m, "microgradnet_act", None)
    if isinstance(declared, str) and declared in OPS:
        return declared
    for name, (cls_name, kwargs) in _torch_modules().items():
        if type(m).__name__ == cls_name and all(getattr(m, k) == v for k, v in kwargs.items()):
            if cls_name == "Softplus" and (m.beta != 1 or m.threshold < 20):
                break
            return name
    raise ValueError(f"from_torch: activation {m!r} has no microgradnet equivalent")
