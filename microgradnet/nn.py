"""Neurons, layers and multi-layer perceptrons built from scalar Values (micrograd-compatible).

Notation of the article (1-based): layer ℓ has weights w^ℓ_{i,j} (neuron i, input j) and
biases b^ℓ_i; z^ℓ_i = b^ℓ_i + Σ_j w^ℓ_{i,j}·o^{ℓ-1}_j and o^ℓ_i = φ(z^ℓ_i), the last layer
linear. Parameters and the nodes a neuron builds carry those names as labels (made by
``microgradnet.notation``), so graph pictures speak the article's language.

The graph. By default a neuron is built from scalars exactly as micrograd builds it: one ``*``
node per weight times input (labelled ``w^ℓ_{i,j}·o^{ℓ-1}_j``), a chain of ``+`` nodes starting
from the bias (the last one labelled ``z^ℓ_i``), then the activation (``o^ℓ_i``) - the same
values, operations and ``_prev`` as ``micrograd.nn``, and with Values as inputs the same number
of nodes (979 for one sample through ``MLP(2, [16, 16, 1])``). Inputs given as plain numbers
become one shared leaf ``x_j`` per input, where micrograd wraps the number anew in every
product (1,009 nodes). ``fused=True`` (on ``Neuron``, ``Layer`` or ``MLP``) builds each z as ONE
``'dot'`` node instead: 404 nodes for that sample, about 3× faster to train. Both add
b + w_1·x_1 + w_2·x_2 + ... in the same order, so their values and gradients are bit-identical;
the parameters, their names and the files are the same, so a model saved from one graph loads
into the other.

Initialisation draws ``random.uniform(-1, 1)`` once per weight, bias 0, in micrograd's order,
so after ``random.seed(1337)`` an ``MLP(2, [16, 16, 1])`` has micrograd's exact weights.

Names and files. ``named_parameters()`` names a parameter by the Python path that reaches it,
0-based: ``layers.0.neurons.2.w.1`` is ``model.layers[0].neurons[2].w[1]``, i.e. the article's
w^1_{3,2}. ``state_dict()`` is plain JSON-able data: a header, the architecture, and the
weights as matrices: ``layers[ℓ-1]["W"][i-1][j-1]`` is w^ℓ_{i,j} and ``layers[ℓ-1]["b"][i-1]``
is b^ℓ_i (the article's W^ℓ, d_ℓ rows by d_{ℓ-1} columns). ``save``/``load`` write and read it
as JSON; loading checks everything before it assigns anything (the state-dict code lives
beside the file format, in ``serialization.py``).
"""

from __future__ import annotations

import os
import random as _random
from collections.abc import Iterator, Mapping, Sequence, Set
from typing import Any

from . import grad_mode as _gm
from . import notation as N
from . import ops as _ops
from . import serialization as _io
from .engine import Operand, Value, _Add, _Mul, _new, weighted_sum
from .validate import is_whole

_DATA_SLOT = Value.__dict__["data"]  # replaced while compiled replay watches .data reads


class _Product(_Mul):  # type: ignore[misc, valid-type]
    """A neuron's ``w·x`` node: a ``*`` whose label, unless set, is named after its weight
    (``w^ℓ_{i,j}`` → ``w^ℓ_{i,j}·o^{ℓ-1}_j``) when read, so building one stores no label."""

    __slots__ = ()

    @property
    def label(self) -> str:
        own = self.__dict__.get("label")
        if own is not None:
            return own  # type: ignore[no-any-return]
        weight = self._a.label
        return N.product_of(weight) if isinstance(weight, str) else ""

    @label.setter
    def label(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"Value: label must be text (str), got {type(text).__name__}")
        self.__dict__["label"] = text


_Product.__name__ = _Product.__qualname__ = "Value"  # as the engine's operation classes are named



class _Activations(Mapping[str, "str | None"]):
    """Activation name -> the Value method applying it ('linear': the identity): a live view of
    the table of operations (ops.py), so an activation declared later with define_op is in it."""

    def __getitem__(self, name: str) -> str | None:
        return _ops.activations()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_ops.activations())

    def __len__(self) -> int:
        return len(_ops.activations())


ACTIVATIONS: Mapping[str, str | None] = _Activations()

Output = Value | list[Value]
PathLike = str | os.PathLike[str]
Rng = _random.Random | int | None


def _check_act(act: object) -> str:
    """The activation's name; ValueError naming it (and the choices) when it is not declared."""
    return _ops.activation_row(act).name  # type: ignore[arg-type]


def _title(act: str) -> str:
    """How a neuron's repr names its activation, as torch.nn does ('ReLU', 'Tanh', 'GELU')."""
    row = _ops.activation_row(act)
    return row.torch_module[0] if row.torch_module else act.capitalize()


def _check_size(name: str, n: object) -> int:
    if not is_whole(n) or n < 1:  # type: ignore[operator]
        raise ValueError(f"{name} must be a positive whole number, got {n!r}")
    return n


def _check_inputs(who: object, x: object) -> None:
    """One sample must be a list-like of numbers; a dict, set or string would be silently misread."""
    if isinstance(x, (str, bytes, Mapping, Set)) or not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
        raise TypeError(f"{who} takes one sample as a list of numbers, got {type(x).__name__}")


def _check_flag(name: str, flag: object) -> bool:
    if not isinstance(flag, bool):
        raise TypeError(f"{name} must be True or False, got {type(flag).__name__} {flag!r:.40}")
    return flag


def _input_leaves(x: Sequence[Operand]) -> Sequence[Value]:
    """The inputs as Values: plain numbers become one leaf each, labelled ``x_j``, which every
    neuron then shares (one node per input in the graph, its grad summing what all send back)."""
    for v in x:
        if not isinstance(v, Value):
            break
    else:
        return x  # type: ignore[return-value]
    return [v if isinstance(v, Value) else Value(v, label=f"x_{j}") for j, v in enumerate(x, 1)]


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
        return _io.state_dict(self._kind or type(self).__name__, self._config(), self._tree())

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy weights from ``state`` (as made by ``state_dict()``) into this module.

        Everything is checked first - header, architecture, every key, shape and number (finite
        floats only); on any problem a ``ValueError`` says what, and the module is unchanged.
        """
        _io.load_state_dict(self._kind or type(self).__name__, self._config(), self._tree(), state)

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
    """One neuron: o = φ(z), z = b + Σ_j w_j·x_j. ``nonlin=False`` (or act='linear') makes it linear.

    By default z is micrograd's chain of scalar nodes: one ``*`` node per weight times input
    (labelled ``w^ℓ_{i,j}·o^{ℓ-1}_j``) and one ``+`` node per term, bias first, then left to
    right - ``((b + w_1·x_1) + w_2·x_2) + ...``, the last ``+`` labelled ``z^ℓ_i`` - with the
    same values, operations and ``_prev`` as ``micrograd.nn``. ``fused=True`` builds z as ONE
    ``'dot'`` node instead (smaller graph, faster, less to see). Both sum in the same order, so
    values and gradients are bit-identical; parameters, names and files are the same too, so a
    model saved from one loads into the other.
    """

    _kind = "Neuron"

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        act: str = "relu",
        rng: Rng = None,
        *,
        fused: bool = False,
        _layer: int = 1,
        _index: int = 1,
    ) -> None:
        _check_size("nin", nin)
        uniform = _as_rng(rng).uniform
        self.w = [Value(uniform(-1, 1), label=N.weight(_layer, _index, j)) for j in range(1, nin + 1)]
        self.b = Value(0, label=N.bias(_layer, _index))
        self.nonlin = nonlin
        self.act = _check_act(act) if nonlin else "linear"
        self.fused = _check_flag("fused", fused)
        self._phi = getattr(Value, _ops.activations()[self.act] or "", None)
        # the article's names for this neuron's products, pre-activation and output, shown in graphs
        self._products = [N.product(_layer, _index, j) for j in range(1, nin + 1)]
        self._z_name, self._o_name = N.pre_activation(_layer, _index), N.activation(_layer, _index)

    def __call__(self, x: Sequence[Operand]) -> Value:
        if type(x) is not list:  # lists (the usual case) skip the slower ABC checks
            _check_inputs(self, x)
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        return self._forward(_input_leaves(x))

    def _forward(self, x: Sequence[Value]) -> Value:
        """φ(z) for inputs that are already Values of the right number (Layer checked them)."""
        if self.fused:
            z = weighted_sum(self.w, x, self.b)  # z = b + Σ w_j x_j, one 'dot' node
        elif _gm._open_blocks or Value.__dict__["data"] is not _DATA_SLOT:
            # no_grad / anomaly mode, or compiled replay watching .data reads: build with the
            # engine's own operators, which know about both
            z = self.b
            for w, xi, name in zip(self.w, x, self._products):
                p = w * xi
                p.label = name
                z = z + p
        else:
            # The same nodes as `b + w1*x1 + w2*x2 + ...` through Value.__mul__/__add__
            # (engine._binary), built here directly: this loop makes most of a training graph.
            z = self.b
            zd = z.data
            for w, xi in zip(self.w, x):
                wd = w.data
                xd = xi.data
                p = _new(_Product)
                p.data = pd = wd * xd
                p.grad = 0.0
                p._a = w
                p._da = xd
                p._b = xi
                p._db = wd
                t = _new(_Add)
                t.data = zd = zd + pd
                t.grad = 0.0
                t._a = z
                t._da = 1.0
                t._b = p
                t._db = 1.0
                z = t
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
    def from_state_dict(cls, state: dict[str, Any], *, fused: bool = False) -> Neuron:
        """A new Neuron with the architecture and weights of ``state``."""
        nin, act = _io.architecture(state, cls._kind, "nin", "act", "w", "b")[:2]
        _check_size("nin", nin)
        _io.check_fits(state, nin + 1)
        n = cls(nin, nonlin=_check_act(act) != "linear", act=act, rng=_random.Random(0), fused=fused)
        n.load_state_dict(state)
        return n

    def __repr__(self) -> str:
        return f"{_title(self.act)}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns one Value when nout == 1 (as micrograd)."""

    _kind = "Layer"

    def __init__(self, nin: int, nout: int, *, _layer: int = 1, **kwargs: Any) -> None:
        """``Neuron`` keywords (``nonlin``, ``act``, ``rng``, ``fused``) apply to every neuron."""
        _check_size("nout", nout)
        kwargs["rng"] = _as_rng(kwargs.get("rng"))  # one stream for all neurons
        self.neurons = [Neuron(nin, _layer=_layer, _index=i, **kwargs) for i in range(1, nout + 1)]

    def __call__(self, x: Sequence[Operand]) -> Output:
        if type(x) is not list:
            _check_inputs(self, x)
        nin = len(self.neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"Layer({nin}, {len(self.neurons)}) expects {nin} inputs, got {len(x)}")
        out = self._forward(_input_leaves(x))
        return out[0] if len(out) == 1 else out

    def _forward(self, x: Sequence[Value]) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    @property
    def fused(self) -> bool:
        """True when every neuron is one ``'dot'`` node (see ``Neuron``)."""
        return all(n.fused for n in self.neurons)

    def parameters(self) -> list[Value]:
        """Every neuron's weights and bias, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def _config(self) -> dict[str, Any]:
        return {"nin": len(self.neurons[0].w), "nout": len(self.neurons), "act": self.neurons[0].act}

    def _tree(self) -> dict[str, Any]:
        return {"W": [n.w for n in self.neurons], "b": [n.b for n in self.neurons]}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any], *, fused: bool = False) -> Layer:
        """A new Layer with the architecture and weights of ``state``."""
        nin, nout, act = _io.architecture(state, cls._kind, "nin", "nout", "act", "W", "b")[:3]
        _io.check_fits(state, (_check_size("nin", nin) + 1) * _check_size("nout", nout))
        nonlin = _check_act(act) != "linear"
        layer = cls(nin, nout, nonlin=nonlin, act=act, rng=_random.Random(0), fused=fused)
        layer.load_state_dict(state)
        return layer

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: φ on every layer but the last, which is linear (the article's ŷ = Z^N).

    ``act`` names φ (see ``ACTIVATIONS``). Weights come from Python's global ``random`` as in
    micrograd, or from ``rng`` (a ``random.Random``, or an int seed) when given. Each neuron
    is micrograd's chain of ``*`` and ``+`` nodes, or one ``'dot'`` node with ``fused=True``
    (see ``Neuron``): same numbers, same parameters, same files.

    >>> import random; random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ...
    """

    _kind = "MLP"

    def __init__(
        self, nin: int, nouts: Sequence[int], act: str = "relu", rng: Rng = None, *, fused: bool = False
    ) -> None:
        _check_size("nin", nin)
        if isinstance(nouts, (int, str)) or not hasattr(nouts, "__iter__") or not (nouts := list(nouts)):
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_act(act)
        _check_flag("fused", fused)
        rng = _as_rng(rng)
        sizes = [nin] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, act=act, rng=rng, fused=fused,
                  _layer=i + 1)
            for i in range(len(nouts))
        ]
        self.act = act
        self._nin = nin

    @property
    def fused(self) -> bool:
        """True when every neuron is one ``'dot'`` node (see ``Neuron``)."""
        return all(n.fused for layer in self.layers for n in layer.neurons)

    def __call__(self, x: Sequence[Operand] | Operand) -> Output:
        if isinstance(x, (Value, int, float)):  # one input, given bare
            x = [x]
        if type(x) is not list:
            _check_inputs("this MLP", x)
        if len(x) != self._nin:
            raise ValueError(f"this MLP takes {self._nin} inputs per sample, got {len(x)}")
        out = _input_leaves(x)
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

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
    def from_state_dict(cls, state: dict[str, Any], *, fused: bool = False) -> MLP:
        """A new MLP with the architecture and weights of ``state`` (global ``random`` untouched);
        ``fused`` picks the graph it builds (files do not depend on it)."""
        sizes, act = _io.architecture(state, cls._kind, "sizes", "act", "layers")[:2]
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ValueError(f"state dict: sizes must be a list like [2, 16, 16, 1], got {_io._short(sizes)}")
        for k, n in enumerate(sizes):
            _check_size(f"sizes[{k}]", n)
        _io.check_fits(state, sum((a + 1) * b for a, b in zip(sizes, sizes[1:])))
        model = cls(sizes[0], sizes[1:], act=_check_act(act), rng=_random.Random(0), fused=fused)
        model.load_state_dict(state)
        return model

    @classmethod
    def from_file(cls, path: PathLike, *, fused: bool = False) -> MLP:
        """Build an MLP from a file written by ``save`` (``ValueError`` on a bad file)."""
        state = _io.read_json(path)
        try:
            return cls.from_state_dict(state, fused=fused)
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


def load_model(path: PathLike, *, fused: bool = False) -> Module:
    """Build the Neuron, Layer or MLP saved in ``path`` (``ValueError`` on a bad file);
    ``fused=True`` builds one ``'dot'`` node per neuron (the file is the same either way)."""
    state = _io.read_json(path)
    kinds = {c._kind: c for c in (Neuron, Layer, MLP)}
    try:
        kind = state.get("module") if isinstance(state, dict) else None
        if not isinstance(kind, str) or kind not in kinds:
            _io.check_header(state, "MLP", "state dict")  # says what is wrong with the header
        return kinds[kind].from_state_dict(state, fused=fused)
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
