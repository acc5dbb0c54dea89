"""Compiled replay: record one training step's graph once, then re-run it on plain floats.

Eager training rebuilds the whole graph of Values at every step although, for a fixed network
and batch shape, it is the same graph every time. ``compile_step`` runs your loss function
once on Values, reads the recorded graph in topological order and turns it into one
straight-line Python function: a line per node for the forward pass, a line per
(node, child) pair for the backward pass. Calling the compiled step feeds it the new inputs
and the parameters' current ``.data``, and adds the gradients into the parameters' ``.grad``,
exactly as ``loss.backward()`` would (same operations in the same order: bit-identical
results in practice) - without creating a single Value.

    >>> import random
    >>> from microgradnet.nn import MLP
    >>> from microgradnet.compile import compile_step
    >>> random.seed(0); model = MLP(2, [4, 1])
    >>> def loss_fn(X, y):
    ...     scores = [model(x) for x in X]
    ...     return sum((s - t) ** 2 for s, t in zip(scores, y)) * (1.0 / len(y))
    >>> X, y = [[0.5, -1.0], [1.5, 2.0]], [1.0, -1.0]
    >>> step = compile_step(loss_fn, X, y, params=model.parameters())
    >>> model.zero_grad(); loss = step(X, y)          # forward + backward, grads in p.grad
    >>> loss == loss_fn(X, y).data
    True

The contract: the graph's *structure* must not depend on the data. ReLU, abs and leaky ReLU
branches are fine (they are recomputed at every replay); a Python ``if`` on a Value's
``.data`` is not, and neither is a number taken from ``.data`` (it would be frozen into the
recording), because the replay cannot see them. Two guards: recording raises
``CompileError`` naming the line where the function reads a Value's ``.data``; and
``check=True`` (or ``step.verify(...)``) re-runs the function eagerly and raises
``GraphChangedError`` when the structure or the numbers differ. Inputs of a different shape
are recorded again automatically.

The generated source (``step.source(*args)``) contains only identifiers built from node
indices and fixed operator templates from ``RULES`` below; every number travels in a list
argument, never in the source, so nothing the user supplies is ever executed.
"""

from __future__ import annotations

import contextlib
import linecache
import math
import numbers
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import engine as _engine
from .autodiff import topological_order
from .engine import _NARY, Value, _slope_power
from .grad_mode import is_grad_enabled

__all__ = ["compile_step", "CompiledStep", "GraphChangedError", "CompileError", "RULES"]


class CompileError(TypeError):
    """The function or its arguments cannot be compiled (a clear reason is given)."""


class GraphChangedError(RuntimeError):
    """A replay does not match an eager run: the graph depends on the data."""


# ---- the derivative rules -------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """Forward formula and local derivatives of one operation, as code templates.

    Placeholders: ``{a}``/``{b}`` the operands, ``{out}`` the result, ``{p}`` the operation's
    constant parameter (an exponent, a slope). Templates are fixed strings of this module.
    """

    forward: str
    locals: tuple[str, ...]


def _power(x: float, p: float) -> float:
    if x == 0.0 and p < 0:
        raise ZeroDivisionError(f"**: 0 raised to the negative power {p!r}")
    if x < 0.0 and p != int(p):
        raise ValueError(f"**: fractional power {p!r} of a negative base {x!r} is not a real number")
    return x**p


def _power_d(x: float, p: float) -> float:
    if p == 0:
        return 0.0
    if x == 0.0 and p < 1:
        return math.inf
    return float(p * _slope_power(x, p - 1))


def _power_value(x: float, p: float) -> float:
    if x <= 0.0:
        raise ValueError(f"**: a Value exponent needs a positive base, got base {x!r}")
    return _power(x, p)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _gelu(x: float) -> float:
    if abs(x) > 20.0:
        return x if x > 0 else 0.0
    return 0.5 * x * (1.0 + math.tanh(_GELU_C * (x + 0.044715 * x * x * x)))


def _gelu_d(x: float) -> float:
    if abs(x) > 20.0:
        return 1.0 if x > 0 else 0.0
    t = math.tanh(_GELU_C * (x + 0.044715 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * x * x)


def _log(x: float) -> float:
    return x if x != x else math.log(x)  # NaN propagates, as in the engine


_GELU_C = math.sqrt(2.0 / math.pi)

# Names the templates may use (the generated code sees nothing else).
_HELPERS: dict[str, Any] = {
    "_power": _power,
    "_power_d": _power_d,
    "_slope_power": _slope_power,
    "_power_value": _power_value,
    "_tanh": math.tanh,
    "_sigmoid": _engine._sigmoid,
    "_softplus": _softplus,
    "_gelu": _gelu,
    "_gelu_d": _gelu_d,
    "_exp": math.exp,
    "_log": _log,
    "_lg": math.log,
    "_sqrt": math.sqrt,
    "_inf": math.inf,
}

#: Every engine operation: forward formula and d(out)/d(operand). ``tests/test_compile.py``
#: checks each rule against the engine's own stored local derivatives, so they cannot drift.
#: 'sum' and 'dot' (n-ary) are generated directly; '**' with a number exponent is '**p'.
RULES: dict[str, Rule] = {
    "+": Rule("{a} + {b}", ("1.0", "1.0")),
    "-": Rule("{a} - {b}", ("1.0", "-1.0")),
    "*": Rule("{a} * {b}", ("{b}", "{a}")),
    "/": Rule("{a} / {b}", ("1.0 / {b}", "-({a} / {b}) / {b}")),
    "**": Rule("_power_value({a}, {b})", ("{b} * _slope_power({a}, {b} - 1)", "{out} * _lg({a})")),
    "**p": Rule("_power({a}, {p})", ("_power_d({a}, {p})",)),
    "neg": Rule("-{a}", ("-1.0",)),
    "abs": Rule("abs({a})", ("(1.0 if {a} > 0 else (-1.0 if {a} < 0 else 0.0))",)),
    "ReLU": Rule("(0.0 if {a} < 0 else {a})", ("(1.0 if {out} > 0 else 0.0)",)),
    "LeakyReLU": Rule("({a} if {a} > 0 else {p} * {a})", ("(1.0 if {a} > 0 else {p})",)),
    "tanh": Rule("_tanh({a})", ("1.0 - {out} * {out}",)),
    "sigmoid": Rule("_sigmoid({a})", ("{out} * (1.0 - {out})",)),
    "softplus": Rule("_softplus({a})", ("_sigmoid({a})",)),
    "gelu": Rule("_gelu({a})", ("_gelu_d({a})",)),
    "exp": Rule("_exp({a})", ("{out}",)),
    "log": Rule("_log({a})", ("1.0 / {a}",)),
    "sqrt": Rule("_sqrt({a})", ("(0.5 / {out} if {out} > 0.0 else _inf)",)),
    "max": Rule(
        "({a} if ({a} >= {b} or {a} != {a}) else {b})",
        ("(1.0 if ({a} >= {b} or {a} != {a}) else 0.0)", "(0.0 if ({a} >= {b} or {a} != {a}) else 1.0)"),
    ),
    "detach": Rule("{a}", ("0.0",)),
}
_NARY_OPS = ("sum", "dot")
_CHUNK = 64  # terms per generated statement of an n-ary sum


def rule_key(node: Value) -> str:
    """The ``RULES`` entry of a node's operation ('**p' for a number exponent)."""
    op = node._op
    if op.startswith("**") and op != "**":
        return "**p"
    return op


def op_parameter(node: Value) -> float | None:
    """The constant of a parameterised operation: the exponent of '**p', the slope of LeakyReLU."""
    declared = getattr(type(node), "_arg", None)  # engines that declare it per op class
    if declared is not None:
        return declared
    op = node._op
    if op.startswith("**") and op != "**":
        text = op[2:]
        try:
            return int(text)
        except ValueError:
            return float(text)
    if op == "LeakyReLU":
        x = node._a.data  # type: ignore[union-attr]
        # The slope is stored as the local derivative where x <= 0; for x > 0 the engine keeps
        # no trace of it, so the default applies (verify() catches a different slope).
        return node._da if not x > 0 else 0.01  # type: ignore[return-value]
    return None


# ---- flattening arguments ---------------------------------------------------------------
def _freeze(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(o) for o in obj)
    try:
        hash(obj)
    except TypeError:
        raise CompileError(
            f"compile_step: cannot use an argument of type {type(obj).__name__}; pass numbers, "
            "lists/tuples of numbers, or hashable constants (str, None, bool)"
        ) from None
    return obj


def _flatten(obj: Any, flat: list[float], static: bool = False) -> Any:
    """Numbers go to ``flat`` (in order); returns a hashable description of the structure.

    A static argument (and any str, None or bool) is kept as it is: part of the structure.
    """
    if static:
        return ("=", _freeze(obj))
    if type(obj) is float:
        flat.append(obj)
        return "#"
    if isinstance(obj, (list, tuple)):
        return (type(obj) is tuple, tuple([_flatten(o, flat) for o in obj]))
    if isinstance(obj, Value):
        raise CompileError(
            "compile_step: arguments must be plain numbers (and lists of them), not Values; "
            "the model's parameters are picked up from the graph"
        )
    if isinstance(obj, numbers.Real) and not isinstance(obj, bool):
        flat.append(float(obj))
        return "#"
    return ("=", _freeze(obj))


def _build(spec: Any, it: Any) -> Any:
    """Rebuild an argument from its structure, taking numbers (as leaf Values) from ``it``."""
    if spec == "#":
        return next(it)
    if spec[0] == "=":
        return spec[1]
    is_tuple, items = spec
    out = [_build(s, it) for s in items]
    return tuple(out) if is_tuple else out


# ---- one recorded graph -----------------------------------------------------------------
@dataclass
class _Trace:
    params: list[Value]  # live leaves: .data read at every call
    grad_params: list[Value]  # the live leaves that receive a gradient, in order
    constants: list[float]
    out_spec: Any
    signature: tuple
    step_source: str
    forward_source: str
    n_nodes: int
    step_lines: dict[int, str] = field(default_factory=dict)  # line number -> node, for errors
    forward_lines: dict[int, str] = field(default_factory=dict)
    step_fn: Callable[..., Any] | None = None
    forward_fn: Callable[..., Any] | None = None
    tag: str = ""


def _signature(order: Sequence[Value], index: dict[Value, int], inputs: dict[Value, int]) -> tuple:
    sig = []
    for v in order:
        prev = v._prev
        if prev:
            sig.append((v._op, tuple(index[c] for c in prev)))
        else:
            sig.append(("in", inputs[v]) if v in inputs else ("leaf",))
    return tuple(sig)


def _graph(roots: list[Value]) -> list[Value]:
    """Nodes of all roots, children before parents; the loss's own order comes first."""
    order: list[Value] = []
    seen: set[Value] = set()
    for r in roots:
        for v in topological_order(r):
            if v not in seen:
                seen.add(v)
                order.append(v)
    return order


def _out_spec(obj: Any, position: dict[Value, int]) -> Any:
    """The shape of the function's result; a Value becomes its position among the outputs."""
    if isinstance(obj, Value):
        return ("v", position[obj])
    if isinstance(obj, (list, tuple)):
        return ("t" if isinstance(obj, tuple) else "l", tuple(_out_spec(o, position) for o in obj))
    return ("c", obj)


def _out_values(obj: Any, acc: list[Value]) -> None:
    if isinstance(obj, Value):
        acc.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _out_values(o, acc)


def _fill(spec: Any, vals: Sequence[float]) -> Any:
    kind, x = spec
    if kind == "v":
        return vals[x]
    if kind == "c":
        return x
    out = [_fill(s, vals) for s in x]
    return tuple(out) if kind == "t" else out


# ---- catching `.data` reads while recording ------------------------------------------------
# A number read from a Value's .data inside the function is invisible to the graph: it either
# steers a Python `if` or is frozen into the recording as a constant, and a replay would
# silently reuse the recorded number. While recording, Value.data is briefly a property that
# notes where such reads come from (the engine's own reads are not counted).
_TRUSTED_MODULES = frozenset({"microgradnet.engine", "microgradnet.autodiff", __name__})
_watch_lock = threading.Lock()


@contextlib.contextmanager
def _watch_data_reads(reads: list[str]) -> Iterator[None]:
    slot = Value.__dict__["data"]  # the slot's member descriptor: where the number lives
    if not hasattr(slot, "__set__") or isinstance(slot, property):  # already watched (nested)
        yield
        return
    me = threading.get_ident()
    get, set_ = slot.__get__, slot.__set__

    def read(self: Value) -> float:
        if threading.get_ident() == me:
            frame = sys._getframe(1)
            if frame.f_globals.get("__name__") not in _TRUSTED_MODULES and len(reads) < 5:
                where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
                line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
                reads.append(f"{where} ({line})" if line else where)
        return get(self, Value)

    with _watch_lock:
        type.__setattr__(Value, "data", property(read, set_))
        try:
            yield
        finally:
            type.__setattr__(Value, "data", slot)


def _eager(
    fn: Callable[..., Any], args: tuple, static_argnums: tuple[int, ...], allow_data_reads: bool = False
) -> dict[str, Any]:
    """Run ``fn`` once on leaf Values; return its graph and everything needed to replay it."""
    flat: list[float] = []
    specs = tuple(_flatten(a, flat, k in static_argnums) for k, a in enumerate(args))
    leaves = [Value(x) for x in flat]
    it = iter(leaves)
    reads: list[str] = []
    with _watch_data_reads(reads) if not allow_data_reads else contextlib.nullcontext():
        result = fn(*(_build(s, it) for s in specs))
    if reads:
        raise CompileError(
            f"compile_step: the function reads a Value's .data at {reads[0]}. A number read this "
            "way is frozen into the compiled step (or steers a Python `if`), so a replay would "
            "silently reuse the recorded number. Use Value operations instead, return the Value "
            "as an extra output to get its number, or pass allow_data_reads=True if the read "
            "cannot change the graph or its constants"
        )
    loss = result[0] if isinstance(result, tuple) and result else result
    if not isinstance(loss, Value):
        raise CompileError(
            "compile_step: the function must return a Value (the loss) or a tuple (loss, ...), "
            f"got {type(loss).__name__}"
        )
    roots: list[Value] = []
    _out_values(result, roots)  # the loss first, then any extra outputs
    order = _graph(roots)
    index = {v: i for i, v in enumerate(order)}
    inputs = {v: i for i, v in enumerate(leaves)}
    return {
        "result": result,
        "loss": loss,
        "roots": roots,
        "order": order,
        "index": index,
        "inputs": inputs,
        "signature": _signature(order, index, inputs),
    }


def _record(
    fn: Callable[..., Any],
    args: tuple,
    params: Sequence[Value] | None,
    static_argnums: tuple[int, ...],
    allow_data_reads: bool = False,
) -> _Trace:
    rec = _eager(fn, args, static_argnums, allow_data_reads)
    loss, order, index, inputs = rec["loss"], rec["order"], rec["index"], rec["inputs"]
    loss_nodes = set(topological_order(loss))
    param_set = set(params) if params is not None else None
    live: list[Value] = []
    constants: list[float] = []
    name: dict[int, str] = {}
    needs = [False] * len(order)  # does the node lead to a parameter (so needs a gradient)?

    def const(x: float) -> str:
        constants.append(x)
        return f"k{len(constants) - 1}"

    # forward: leaves are named (inputs x, live parameters p, baked constants k); one line per op
    body: list[str] = []
    body_nodes: dict[int, str] = {}
    for i, v in enumerate(order):
        prev = v._prev
        if not prev:
            if v in inputs:
                name[i] = f"x{inputs[v]}"
            elif param_set is None or v in param_set:
                name[i] = f"p{len(live)}"
                live.append(v)
                needs[i] = v in loss_nodes
            else:
                name[i] = const(v.data)
            continue
        op = v._op
        name[i] = f"v{i}"
        ci = [index[c] for c in prev]
        needs[i] = any(needs[c] for c in ci)
        if v._b is _NARY and v._da is None:
            raise CompileError(
                f"compile_step: cannot compile {v!r} (operation {op!r}): it was built by hand "
                "with its own _backward"
            )
        if op in _NARY_OPS:
            terms = [name[c] for c in ci]
            if op == "sum":
                terms = ["0.0", *terms]
            else:
                n = (len(terms) - 1) // 2
                terms = [terms[0], *(f"{terms[1 + j]} * {terms[1 + n + j]}" for j in range(n))]
            # Summed left to right as the engine does; long sums are split into statements of
            # _CHUNK terms (same order, same rounding) because Python's compiler recurses
            # once per term of a single expression.
            step_ = _CHUNK - 1
            chunks = [terms[:_CHUNK]] + [terms[k : k + step_] for k in range(_CHUNK, len(terms), step_)]
            for k, chunk in enumerate(chunks[:-1]):
                body.append(f"v{i} = {' + '.join(([f'v{i}'] if k else []) + chunk)}")
                body_nodes[len(body)] = f"node {i} (operation {op!r})"
            expr = " + ".join(([f"v{i}"] if len(chunks) > 1 else []) + chunks[-1])
        else:
            rule = RULES.get(rule_key(v))
            if rule is None:
                raise CompileError(
                    f"compile_step: no replay rule for operation {op!r}; add one to "
                    "microgradnet.compile.RULES"
                )
            p = op_parameter(v)
            fmt = {"a": name[ci[0]], "b": name[ci[1]] if len(ci) > 1 else ""}
            fmt["p"] = const(p) if p is not None else ""
            expr = rule.forward.format(**fmt)
        body.append(f"v{i} = {expr}")
        body_nodes[len(body)] = f"node {i} (operation {op!r})"

    # backward: the loss's nodes in eager backward()'s order, contributions in operand order,
    # so every gradient is accumulated exactly as loss.backward() accumulates it
    back: list[str] = []
    grad_params = [v for v in live if v in loss_nodes]
    assigned = {index[v] for v in grad_params}  # these start at the parameter's current .grad
    root = index[loss]
    if loss._prev:
        back.append(f"g{root} = seed")
        assigned.add(root)
        for v in reversed(topological_order(loss, leaves=False)):
            i = index[v]
            if not needs[i]:
                continue
            g = f"g{i}"
            ci = [index[c] for c in v._prev]
            op = v._op
            if op == "sum":
                local_exprs = ["1.0"] * len(ci)
            elif op == "dot":
                n = (len(ci) - 1) // 2
                local_exprs = ["1.0", *(name[c] for c in ci[1 + n :]), *(name[c] for c in ci[1 : 1 + n])]
            else:
                rule = RULES[rule_key(v)]
                p_name = const(op_parameter(v)) if "{p}" in "".join(rule.locals) else ""  # type: ignore[arg-type]
                fmt = {"a": name[ci[0]], "b": name[ci[1]] if len(ci) > 1 else "", "out": name[i], "p": p_name}
                local_exprs = [t.format(**fmt) for t in rule.locals]
            for c, local in zip(ci, local_exprs):
                if not needs[c]:
                    continue
                gc = f"g{c}"
                first = c not in assigned
                assigned.add(c)
                if op == "ReLU":  # the hot case: a mask rather than a multiplication by 0 or 1
                    out = name[i]
                    line = f"{gc} = {g} if {out} > 0 else 0.0" if first else f"if {out} > 0: {gc} += {g}"
                elif local == "1.0":
                    line = f"{gc} = {g}" if first else f"{gc} += {g}"
                elif local == "-1.0":
                    line = f"{gc} = -{g}" if first else f"{gc} -= {g}"
                else:
                    line = f"{gc} = ({local}) * {g}" if first else f"{gc} += ({local}) * {g}"
                back.append(line)

    head = []
    for names, src in ((list(inputs.values()), "X"), (live, "P"), (constants, "C")):
        if names:
            prefix = {"X": "x", "P": "p", "C": "k"}[src]
            head.append(f"{', '.join(f'{prefix}{j}' for j in range(len(names)))}, = {src}")
    outs = ", ".join(name[index[v]] for v in rec["roots"])
    g_names = [f"g{index[v]}" for v in grad_params]
    g_head = [f"{', '.join(g_names)}, = G"] if g_names else []
    step = ["def step(X, P, G, C, seed):", *head, *g_head, *body, *back]
    step.append(f"return ({outs},), ({', '.join(g_names)}{',' if g_names else ''})")
    fwd = ["def forward(X, P, C):", *head, *body, f"return ({outs},)"]
    return _Trace(
        params=live,
        grad_params=grad_params,
        constants=constants,
        out_spec=_out_spec(rec["result"], {v: k for k, v in reversed(list(enumerate(rec["roots"])))}),
        signature=rec["signature"],
        step_source="\n    ".join(step) + "\n",
        forward_source="\n    ".join(fwd) + "\n",
        n_nodes=len(order),
        step_lines={1 + len(head) + len(g_head) + k: w for k, w in body_nodes.items()},
        forward_lines={1 + len(head) + k: w for k, w in body_nodes.items()},
    )


def _load(trace: _Trace, kind: str, tag: str) -> Callable[..., Any]:
    """Compile one generated function (our own code: identifiers and fixed templates only)."""
    source = trace.step_source if kind == "step" else trace.forward_source
    filename = f"<microgradnet-compiled-{kind}-{tag}>"
    namespace: dict[str, Any] = {"__builtins__": {"abs": abs, "float": float}, **_HELPERS}
    exec(compile(source, filename, "exec"), namespace)  # runs only the code generated above
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks
    setattr(trace, f"{kind}_fn", namespace[kind])
    return namespace[kind]


# ---- the public object ------------------------------------------------------------------
class CompiledStep:
    """A loss function recorded once and replayed on floats. Create it with ``compile_step``.

    ``step(*args)`` runs forward and backward and returns the loss as a float (or
    ``(loss, extra...)`` with floats where the function returned Values); gradients are *added*
    to the parameters' ``.grad`` (zero them first, as before ``loss.backward()``).
    ``step(*args, backward=False)`` only runs the forward pass.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        params: Sequence[Value] | None = None,
        *,
        static_argnums: Sequence[int] = (),
        check: bool = False,
        allow_data_reads: bool = False,
        max_traces: int = 8,
    ) -> None:
        if not callable(fn):
            raise CompileError(f"compile_step: expected a function, got {type(fn).__name__}")
        if params is not None:
            params = list(params)
            for p in params:
                if not isinstance(p, Value):
                    raise CompileError(f"compile_step: params must be Values, got {type(p).__name__}")
        self.fn = fn
        self.params = params
        self.static_argnums = tuple(static_argnums)
        self.check = check
        self.allow_data_reads = allow_data_reads
        self.max_traces = max_traces
        self._traces: OrderedDict[Any, _Trace] = OrderedDict()
        self.recordings = 0  # how many graphs were recorded (one per distinct input shape)

    def _trace_for(self, args: tuple) -> tuple[_Trace, list[float]]:
        flat: list[float] = []
        key = tuple(_flatten(a, flat, k in self.static_argnums) for k, a in enumerate(args))
        trace = self._traces.get(key)
        if trace is None:
            if not is_grad_enabled():
                raise CompileError("compile_step: cannot record a graph inside no_grad()")
            trace = _record(self.fn, args, self.params, self.static_argnums, self.allow_data_reads)
            self.recordings += 1
            trace.tag = str(self.recordings)
            _load(trace, "step", trace.tag)  # the forward-only function is compiled when first used
            self._traces[key] = trace
            if len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)
        return trace, flat

    def __call__(self, *args: Any, backward: bool = True, grad: float = 1.0) -> Any:
        if self.check:
            self.verify(*args)
        trace, flat = self._trace_for(args)
        P = [p.data for p in trace.params]
        try:
            if backward:
                G = [p.grad for p in trace.grad_params]
                outs, grads = trace.step_fn(flat, P, G, trace.constants, float(grad))  # type: ignore[misc]
                for p, g in zip(trace.grad_params, grads):
                    p.grad = g
            else:
                forward = trace.forward_fn or _load(trace, "forward", trace.tag)
                outs = forward(flat, P, trace.constants)
        except (ArithmeticError, ValueError) as exc:
            lines = trace.step_lines if backward else trace.forward_lines
            raise type(exc)(f"compiled step: {exc} {_where(exc, lines)}") from None
        return _fill(trace.out_spec, outs)

    def verify(self, *args: Any, tol: float = 1e-12) -> None:
        """Run the function eagerly and compiled on ``args``; raise ``GraphChangedError`` if the
        graph's structure, the outputs or the gradients differ. Parameters' grads are unchanged."""
        trace, flat = self._trace_for(args)
        g = _eager(self.fn, args, self.static_argnums, self.allow_data_reads)
        if g["signature"] != trace.signature:
            sig = g["signature"]
            at = next((k for k, (a, b) in enumerate(zip(sig, trace.signature)) if a != b), None)
            where = f"node {at} differs" if at is not None else f"{len(sig)} nodes instead of {trace.n_nodes}"
            raise GraphChangedError(
                f"compiled step: the graph changed with the data ({where}). The function's "
                "structure must not depend on the numbers (e.g. a Python `if` on a Value's .data); "
                "keep it fixed, or train without compile"
            )
        loss = g["loss"]
        saved = [p.grad for p in trace.grad_params]
        try:
            for p in trace.grad_params:
                p.grad = 0.0
            loss.backward()
            want = [p.grad for p in trace.grad_params]
            P = [p.data for p in trace.params]
            outs, got = trace.step_fn(flat, P, [0.0] * len(saved), trace.constants, 1.0)  # type: ignore[misc]
        finally:
            for p, s in zip(trace.grad_params, saved):
                p.grad = s
        if not _close(outs[0], loss.data, tol) or not all(_close(a, b, tol) for a, b in zip(got, want)):
            raise GraphChangedError(
                "compiled step: the replay's loss or gradients differ from an eager run: the "
                "function's structure depends on the data, or a Value it uses that is not in "
                "`params` changed since recording (list it in params)"
            )

    def source(self, *args: Any) -> str:
        """The generated Python code of the forward+backward step (for reading and teaching)."""
        return self._trace_for(args)[0].step_source

    def num_nodes(self, *args: Any) -> int:
        """How many nodes the recorded graph for these arguments has."""
        return self._trace_for(args)[0].n_nodes


def _close(a: float, b: float, tol: float) -> bool:
    return a == b or abs(a - b) <= tol * max(1.0, abs(a), abs(b)) or (a != a and b != b)


def _where(exc: BaseException, lines: dict[int, str]) -> str:
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<microgradnet"):
        tb = tb.tb_next
    what = lines.get(tb.tb_lineno) if tb is not None else None
    return f"at {what} of the recorded graph" if what else "while replaying the recorded graph"


def compile_step(
    fn: Callable[..., Any],
    *example_args: Any,
    params: Sequence[Value] | None = None,
    static_argnums: Sequence[int] = (),
    check: bool = False,
    allow_data_reads: bool = False,
) -> CompiledStep:
    """Record ``fn(*example_args)`` once and return a ``CompiledStep`` that replays it.

    ``fn`` receives the arguments with every number replaced by a leaf Value (lists and tuples
    keep their shape; strings, None and booleans pass through unchanged and become part of the
    graph's shape) and returns the loss Value, or a tuple ``(loss, extra...)`` whose Values
    come back as floats. ``params`` (e.g. ``model.parameters()``) are the Values whose current
    ``.data`` is read at every call and whose ``.grad`` receives the gradient; any other Value
    the function uses is baked in as a constant. Without ``params``, every such Value is
    treated as a parameter (always correct, a little slower). Arguments listed in
    ``static_argnums`` (e.g. integer class labels used as indices) are passed unchanged, as
    tuples, and a new graph is recorded for each distinct value. ``check=True`` verifies every
    call against an eager run (slow; for tests and debugging).

    Recording refuses a function that reads a Value's ``.data`` (a Python ``if`` on it, or a
    number taken from it, would be frozen into the recording) and names the line;
    ``allow_data_reads=True`` accepts such reads when you know they change nothing.
    """
    step = CompiledStep(
        fn, params, static_argnums=static_argnums, check=check, allow_data_reads=allow_data_reads
    )
    if example_args:
        step._trace_for(example_args)
    return step
