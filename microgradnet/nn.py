"""Neurons, layers and multi-layer perceptrons built from scalar Values (micrograd-compatible).

Notation of the article (1-based): layer ℓ has weights w^ℓ_{i,j} (neuron i, input j) and
biases b^ℓ_i; z^ℓ_i = b^ℓ_i + Σ_j w^ℓ_{i,j}·o^{ℓ-1}_j and o^ℓ_i = φ(z^ℓ_i), the last layer
linear. Parameters carry those names as labels, so graph pictures speak the article's language.

Initialisation draws ``random.uniform(-1, 1)`` once per weight, bias 0, in micrograd's order,
so after ``random.seed(1337)`` an ``MLP(2, [16, 16, 1])`` has micrograd's exact weights.

Names and files. ``named_parameters()`` names a parameter by the Python path that reaches it,
0-based: ``layers.0.neurons.2.w.1`` is ``model.layers[0].neurons[2].w[1]``, i.e. the article's
w^1_{3,2}. ``state_dict()`` is plain JSON-able data: a header, the architecture, and the
weights as matrices: ``layers[ℓ-1]["W"][i-1][j-1]`` is w^ℓ_{i,j} and ``layers[ℓ-1]["b"][i-1]``
is b^ℓ_i (the article's W^ℓ, d_ℓ rows by d_{ℓ-1} columns). ``save``/``load`` write and read it
as JSON; loading checks everything before it assigns anything.
"""

from __future__ import annotations

import os
import random as _random
from collections.abc import Iterator, Mapping, Sequence, Set
from typing import Any

from . import serialization as _io
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
_DISPLAY = {"relu": "ReLU", "linear": "Linear", "leaky_relu": "LeakyReLU", "gelu": "GELU"}

Output = Value | list[Value]
PathLike = str | os.PathLike[str]
Rng = _random.Random | int | None


def _check_act(act: object) -> str:
    if not isinstance(act, str) or act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}")
    return act


def _check_size(name: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive whole number, got {n!r}")
    return n


def _check_inputs(who: object, x: object) -> None:
    """One sample must be a list-like of numbers; a dict, set or string would be silently misread."""
    if isinstance(x, (str, bytes, Mapping, Set)) or not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
        raise TypeError(f"{who} takes one sample as a list of numbers, got {type(x).__name__}")


def _as_rng(rng: Rng) -> Any:
    """None → Python's global ``random`` (micrograd's stream); an int → a seeded Random."""
    if rng is None:
        return _random
    if isinstance(rng, int) and not isinstance(rng, bool):
        return _random.Random(rng)
    if not callable(getattr(rng, "uniform", None)):
        raise TypeError(f"rng must be a random.Random (or an int seed), got {type(rng).__name__}")
    return rng


__all__ = ["ACTIVATIONS", "Module", "Neuron", "Layer", "MLP", "load_model"]


class Module:
    """Base class: anything with parameters. Subclasses only need attributes holding Values,
    Modules or lists of them; parameters, names, zero_grad and saving then come for free."""

    _kind = ""  # the "module" stamp in state dicts; "" means the class name

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """All trainable Values, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in ``parameters()`` order; a name is the attribute path to
        the parameter, 0-based (``layers.0.neurons.2.w.1`` is ``model.layers[0].neurons[2].w[1]``)."""
        out: list[tuple[str, Value]] = []
        _walk(self, "", out, set())
        return out

    # ---- state dicts: the subclasses say what their architecture and weights look like ----
    def _config(self) -> dict[str, Any]:
        """Architecture (JSON-able) that a state dict must match exactly."""
        return {}

    def _tree(self) -> dict[str, Any]:
        """The parameters as nested dicts/lists of Values, as they appear in a state dict."""
        return {"parameters": dict(self.named_parameters())}

    def state_dict(self) -> dict[str, Any]:
        """Architecture and weights as plain JSON-able data (floats, ints, strings, lists)."""
        kind = self._kind or type(self).__name__
        head = {"format": _io.FORMAT, "version": _io.VERSION, "module": kind}
        return {**head, **self._config(), **_floats(self._tree())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy weights from ``state`` (as made by ``state_dict()``) into this module.

        Everything is checked first - header, architecture, every key, shape and number (finite
        floats only); on any problem a ``ValueError`` says what, and the module is unchanged.
        """
        kind = self._kind or type(self).__name__
        _io.check_header(state, kind, "state dict")
        config, tree = self._config(), self._tree()
        _io.check_keys(state, {"format", "version", "module", *config, *tree}, "state dict")
        for key, mine in config.items():
            if not _same(state[key], mine):
                raise ValueError(
                    f"architecture mismatch: state dict has {key}={_short(state[key])} but this "
                    f"{kind} has {key}={mine!r}; build a new model from it (nn.load_model(path))"
                )
        pairs: list[tuple[Value, float]] = []
        for key, template in tree.items():
            _match(template, state[key], key, pairs)
        for p, x in pairs:  # only now that every value passed
            p.data = x

    def save(self, path: PathLike) -> None:
        """Write ``state_dict()`` to ``path`` as JSON, atomically (never a half-written file)."""
        _io.write_json(self.state_dict(), path)

    def load(self, path: PathLike) -> None:
        """Load weights saved by ``save(path)``; on a bad file: ``ValueError``, module unchanged."""
        state = _io.read_json(path)
        try:
            self.load_state_dict(state)
        except ValueError as e:
            raise ValueError(f"{os.fspath(path)}: {e}") from None


class Neuron(Module):
    """One neuron: o = φ(b + Σ_j w_j·x_j). ``nonlin=False`` (or act='linear') makes it linear."""

    _kind = "Neuron"

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        act: str = "relu",
        rng: Rng = None,
        *,
        _layer: int = 1,
        _index: int = 1,
    ) -> None:
        _check_size("nin", nin)
        uniform = _as_rng(rng).uniform
        self.w = [Value(uniform(-1, 1), label=f"w^{_layer}_{{{_index},{j}}}") for j in range(1, nin + 1)]
        self.b = Value(0, label=f"b^{_layer}_{_index}")
        self.nonlin = nonlin
        self.act = _check_act(act) if nonlin else "linear"
        self._phi = getattr(Value, ACTIVATIONS[self.act] or "", None)
        # the article's names for this neuron's pre-activation and output, shown in graphs
        self._z_name, self._o_name = f"z^{_layer}_{_index}", f"o^{_layer}_{_index}"

    def __call__(self, x: Sequence[Operand]) -> Value:
        if type(x) is not list:  # lists (the usual case) skip the slower ABC checks
            _check_inputs(self, x)
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        z = weighted_sum(self.w, x, self.b)  # z = b + Σ w_j x_j, one 'dot' node
        z.label = self._z_name
        if self._phi is None:
            return z
        o = self._phi(z)
        o.label = self._o_name
        return o

    def parameters(self) -> list[Value]:
        """The weights w_1..w_n, then the bias b."""
        return self.w + [self.b]

    def _config(self) -> dict[str, Any]:
        return {"nin": len(self.w), "act": self.act}

    def _tree(self) -> dict[str, Any]:
        return {"w": self.w, "b": self.b}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Neuron:
        """A new Neuron with the architecture and weights of ``state``."""
        nin, act = _arch(state, cls._kind, "nin", "act", "w", "b")[:2]
        _check_size("nin", nin)
        _fits(state, nin + 1)
        n = cls(nin, nonlin=_check_act(act) != "linear", act=act, rng=_random.Random(0))
        n.load_state_dict(state)
        return n

    def __repr__(self) -> str:
        return f"{_DISPLAY.get(self.act, self.act.capitalize())}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns one Value when nout == 1 (as micrograd)."""

    _kind = "Layer"

    def __init__(self, nin: int, nout: int, *, _layer: int = 1, **kwargs: Any) -> None:
        _check_size("nout", nout)
        kwargs["rng"] = _as_rng(kwargs.get("rng"))  # one stream for all neurons
        self.neurons = [Neuron(nin, _layer=_layer, _index=i, **kwargs) for i in range(1, nout + 1)]

    def __call__(self, x: Sequence[Operand]) -> Output:
        if isinstance(x, (list, tuple)) and not all(isinstance(v, Value) for v in x):
            # one leaf per plain-number input, shared by every neuron: x_j is one node in the
            # graph (as o^0_j in the article), and its grad sums what all neurons send back
            x = [v if isinstance(v, Value) else Value(v, label=f"x_{j}") for j, v in enumerate(x, 1)]
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Every neuron's weights and bias, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def _config(self) -> dict[str, Any]:
        return {"nin": len(self.neurons[0].w), "nout": len(self.neurons), "act": self.neurons[0].act}

    def _tree(self) -> dict[str, Any]:
        return {"W": [n.w for n in self.neurons], "b": [n.b for n in self.neurons]}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Layer:
        """A new Layer with the architecture and weights of ``state``."""
        nin, nout, act = _arch(state, cls._kind, "nin", "nout", "act", "W", "b")[:3]
        _fits(state, (_check_size("nin", nin) + 1) * _check_size("nout", nout))
        layer = cls(nin, nout, nonlin=_check_act(act) != "linear", act=act, rng=_random.Random(0))
        layer.load_state_dict(state)
        return layer

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: φ on every layer but the last, which is linear (the article's ŷ = Z^N).

    ``act`` names φ (see ``ACTIVATIONS``). Weights come from Python's global ``random`` as in
    micrograd, or from ``rng`` (a ``random.Random``, or an int seed) when given.

    >>> import random; random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ...
    """

    _kind = "MLP"

    def __init__(self, nin: int, nouts: Sequence[int], act: str = "relu", rng: Rng = None) -> None:
        _check_size("nin", nin)
        if isinstance(nouts, (int, str)) or not hasattr(nouts, "__iter__") or not (nouts := list(nouts)):
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_act(act)
        rng = _as_rng(rng)
        sizes = [nin] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, act=act, rng=rng, _layer=i + 1)
            for i in range(len(nouts))
        ]
        self.act = act
        self._nin = nin

    def __call__(self, x: Sequence[Operand] | Operand) -> Output:
        if isinstance(x, (Value, int, float)):  # one input, given bare
            x = [x]
        if type(x) is not list:
            _check_inputs("this MLP", x)
        if len(x) != self._nin:
            raise ValueError(f"this MLP takes {self._nin} inputs per sample, got {len(x)}")
        out: Any = x
        for layer in self.layers:
            out = layer(out if isinstance(out, list) or not isinstance(out, Value) else [out])
        return out

    @property
    def sizes(self) -> list[int]:
        """[d_0, d_1, ..., d_N]: inputs, then each layer's width."""
        return [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]

    def parameters(self) -> list[Value]:
        """Every weight and bias, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def _config(self) -> dict[str, Any]:
        return {"sizes": self.sizes, "act": self.act}

    def _tree(self) -> dict[str, Any]:
        return {"layers": [layer._tree() for layer in self.layers]}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> MLP:
        """A new MLP with the architecture and weights of ``state`` (global ``random`` untouched)."""
        sizes, act = _arch(state, cls._kind, "sizes", "act", "layers")[:2]
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ValueError(f"state dict: sizes must be a list like [2, 16, 16, 1], got {_short(sizes)}")
        for k, n in enumerate(sizes):
            _check_size(f"sizes[{k}]", n)
        _fits(state, sum((a + 1) * b for a, b in zip(sizes, sizes[1:])))
        model = cls(sizes[0], sizes[1:], act=_check_act(act), rng=_random.Random(0))
        model.load_state_dict(state)
        return model

    @classmethod
    def from_file(cls, path: PathLike) -> MLP:
        """Build an MLP from a file written by ``save`` (``ValueError`` on a bad file)."""
        state = _io.read_json(path)
        try:
            return cls.from_state_dict(state)
        except ValueError as e:
            raise ValueError(f"{os.fspath(path)}: {e}") from None

    def to_torch(self) -> Any:
        """The same network as a float64 ``torch.nn.Sequential`` (needs the torch extra)."""
        from .torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear layers and activations."""
        from .torch_bridge import from_torch

        return from_torch(module, cls)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)


def load_model(path: PathLike) -> Module:
    """Build the Neuron, Layer or MLP saved in ``path`` (``ValueError`` on a bad file)."""
    state = _io.read_json(path)
    kinds = {c._kind: c for c in (Neuron, Layer, MLP)}
    try:
        kind = state.get("module") if isinstance(state, dict) else None
        if not isinstance(kind, str) or kind not in kinds:
            _io.check_header(state, "MLP", "state dict")  # says what is wrong with the header
        return kinds[kind].from_state_dict(state)
    except ValueError as e:
        raise ValueError(f"{os.fspath(path)}: {e}") from None


# ---- helpers ----------------------------------------------------------------------------
def _walk(obj: Any, prefix: str, out: list[tuple[str, Value]], seen: set[int]) -> None:
    """Collect (path, Value) from a Module's public attributes, lists and sub-Modules."""
    if isinstance(obj, Value):
        if id(obj) not in seen:  # a shared parameter is listed once
            seen.add(id(obj))
            out.append((prefix, obj))
    elif isinstance(obj, Module):
        if id(obj) in seen:  # guards against cycles
            return
        seen.add(id(obj))
        for key, value in vars(obj).items():
            if not key.startswith("_"):
                _walk(value, f"{prefix}.{key}" if prefix else key, out, seen)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _walk(value, f"{prefix}.{i}", out, seen)


def _floats(tree: Any) -> Any:
    if isinstance(tree, Value):
        return tree.data
    if isinstance(tree, dict):
        return {k: _floats(v) for k, v in tree.items()}
    return [_floats(v) for v in tree]


def _match(template: Any, data: Any, where: str, out: list[tuple[Value, float]]) -> None:
    """Walk ``data`` alongside the module's own structure; collect (parameter, new value)."""
    if isinstance(template, Value):
        out.append((template, _io.check_number(data, where)))
    elif isinstance(template, dict):
        _io.check_keys(data, set(template), where)
        for key, t in template.items():
            _match(t, data[key], f"{where}.{key}", out)
    else:
        if not isinstance(data, list):
            raise ValueError(f"{where} must be a list of {len(template)}, got {type(data).__name__}")
        if len(data) != len(template):
            raise ValueError(f"{where} must have {len(template)} entries, got {len(data)} (wrong shape)")
        for i, (t, d) in enumerate(zip(template, data)):
            _match(t, d, f"{where}[{i}]", out)


def _arch(state: Any, kind: str, *keys: str) -> list[Any]:
    _io.check_header(state, kind, "state dict")
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"state dict is missing {', '.join(missing)}")
    return [state[k] for k in keys]


def _fits(state: dict[str, Any], n_params: int) -> None:
    """Refuse sizes that promise more parameters than the data holds (before building anything)."""
    held, stack = 0, list(state.values())
    while stack and held < n_params:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        else:
            held += 1
    if held < n_params:
        raise ValueError(f"state dict: the sizes need {n_params} parameters but it holds far fewer")


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types (so 2.0 is not 2 and true is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."
