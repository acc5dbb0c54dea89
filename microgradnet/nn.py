"""Neurons, layers and multi-layer perceptrons built from scalar Values (micrograd-compatible).

Notation of the article (1-based): layer ℓ has weights w^ℓ_{i,j} (neuron i, input j) and
biases b^ℓ_i; z^ℓ_i = b^ℓ_i + Σ_j w^ℓ_{i,j}·o^{ℓ-1}_j and o^ℓ_i = φ(z^ℓ_i), the last layer
linear. Parameters carry those names as labels, so graph pictures speak the article's language.

Initialisation draws ``random.uniform(-1, 1)`` once per weight, bias 0, in micrograd's order,
so after ``random.seed(1337)`` an ``MLP(2, [16, 16, 1])`` has micrograd's exact weights.
"""

from __future__ import annotations

import random as _random
from typing import Any, Iterator, Sequence, Union

from .engine import Operand, Value, weighted_sum

# name -> the Value method applying it; 'linear' is the identity
ACTIVATIONS: dict[str, str | None] = {
    "relu": "relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "leaky_relu": "leaky_relu",
    "softplus": "softplus",
    "gelu": "gelu",
    "linear": None,
}

Output = Union[Value, list[Value]]


def _check_act(act: str) -> str:
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}")
    return act


def _check_size(name: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive whole number, got {n!r}")
    return n


class Module:
    """Base class: anything with parameters."""

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """All trainable Values, in a fixed order."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs; names are the parameters' labels."""
        return [(p.label, p) for p in self.parameters()]


class Neuron(Module):
    """One neuron: o = φ(b + Σ_j w_j·x_j). ``nonlin=False`` (or act='linear') makes it linear."""

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        act: str = "relu",
        rng: _random.Random | None = None,
        *,
        _layer: int = 1,
        _index: int = 1,
    ) -> None:
        _check_size("nin", nin)
        uniform = (rng or _random).uniform
        self.w = [Value(uniform(-1, 1), label=f"w^{_layer}_{{{_index},{j}}}") for j in range(1, nin + 1)]
        self.b = Value(0, label=f"b^{_layer}_{_index}")
        self.nonlin = nonlin
        self.act = _check_act(act) if nonlin else "linear"
        self._phi = ACTIVATIONS[self.act]

    def __call__(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        z = weighted_sum(self.w, x, self.b)
        return getattr(z, self._phi)() if self._phi else z

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "linear": "Linear"}.get(self.act, self.act.capitalize())
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns one Value when nout == 1 (as micrograd)."""

    def __init__(self, nin: int, nout: int, *, _layer: int = 1, **kwargs: Any) -> None:
        _check_size("nout", nout)
        self.neurons = [Neuron(nin, _layer=_layer, _index=i, **kwargs) for i in range(1, nout + 1)]

    def __call__(self, x: Sequence[Operand]) -> Output:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: φ on every layer but the last, which is linear (the article's ŷ = Z^N).

    >>> import random; random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ...
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], act: str = "relu", rng: _random.Random | None = None
    ) -> None:
        _check_size("nin", nin)
        if isinstance(nouts, int) or not list(nouts):
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_act(act)
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, act=act, rng=rng, _layer=i + 1)
            for i in range(len(nouts))
        ]
        self.act = act

    def __call__(self, x: Sequence[Operand]) -> Output:
        out: Any = x
        for layer in self.layers:
            out = layer(out if isinstance(out, list) or not isinstance(out, Value) else [out])
        return out

    @property
    def sizes(self) -> list[int]:
        """[d_0, d_1, ..., d_N]: inputs, then each layer's width."""
        return [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)
