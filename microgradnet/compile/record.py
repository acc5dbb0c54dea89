"""Recording: run the loss function once on Values and read the graph it built.

``record`` calls the function with every number of its arguments replaced by a leaf Value,
then lists the graph's operation nodes in the order eager ``backward()`` visits them (reversed)
and gives each node a *structural key*: its operation (with its constant, e.g. the exponent of
``x**2``) and, for each operand, either how many nodes back it was computed (for a node), which
parameter it is, or merely that it is an input or a constant. Two stretches of nodes with the
same keys compute the same thing on different inputs - the samples of a batch, typically -
which is what lets code generation write one loop instead of a copy per sample.

While the function runs, ``Value.data`` is briefly a property that notes reads made outside
the engine: a number read from ``.data`` is invisible to the graph (it steers a Python ``if``,
or is frozen into the recording as a constant), so recording refuses it and names the line.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .. import engine as _engine
from ..engine import Value
from ..walk import _NARY, topological_order
from .args import CompileError, build, flatten, out_values

__all__ = ["Recording", "record", "watch_data_reads"]

# Modules whose reads of .data are the engine's own work, not the user's.
_TRUSTED_MODULES = frozenset(
    {"microgradnet.engine", "microgradnet.backward", "microgradnet.walk", "microgradnet.ops",
     "microgradnet.define", __name__}
)
_watch_lock = threading.Lock()


@contextlib.contextmanager
def watch_data_reads(reads: list[str]) -> Iterator[None]:
    """While inside, note in ``reads`` where code outside the engine reads a Value's ``.data``."""
    slot = Value.__dict__["data"]  # the slot's member descriptor: where the number lives
    if not hasattr(slot, "__set__") or isinstance(slot, property):  # already watched (nested)
        yield
        return
    me = threading.get_ident()
    get, set_ = slot.__get__, slot.__set__
    engine_globals = vars(_engine)

    def read(
        self: Value, _getframe: Any = sys._getframe, _ident: Any = threading.get_ident, _cls: type = Value
    ) -> float:
        globs = _getframe(1).f_globals
        if globs is not engine_globals and globs.get("__name__") not in _TRUSTED_MODULES and _ident() == me:
            if len(reads) < 5:
                frame = _getframe(1)
                where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
                line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
                reads.append(f"{where} ({line})" if line else where)
        return get(self, _cls)

    with _watch_lock:
        type.__setattr__(Value, "data", property(read, set_))
        try:
            yield
        finally:
            type.__setattr__(Value, "data", slot)


@dataclass
class Recording:
    """One run of the function: its graph, as code generation needs it.

    ``nodes`` are the operation nodes, children before parents: first the loss's own graph in
    the order ``backward()`` reverses (``nodes[:n_loss]``), then nodes only the other outputs
    need. ``keys[i]`` is node i's structural key (see the module docstring); ``where`` maps
    every node to its position and every leaf to what it is: ``'x'`` an input, ``'k'`` a
    constant, ``('p', k)`` the k-th live parameter.
    """

    result: Any
    roots: list[Value]
    nodes: list[Value]
    keys: list[tuple]
    n_loss: int
    where: dict[Value, Any]
    inputs: dict[Value, int]  # input leaf -> index in the flat list of numbers
    params: list[Value]  # live leaves (their .data is read at every call), in order of first use
    n_grad: int  # params[:n_grad] are in the loss's graph: they receive a gradient
    constants: list[float]  # numbers baked in, one per distinct value
    const_slot: dict[Value, int]  # constant leaf -> its index in ``constants``


def record(
    fn: Callable[..., Any],
    args: tuple,
    params: Sequence[Value] | None,
    static_argnums: tuple[int, ...],
    allow_data_reads: bool = False,
) -> Recording:
    """Run ``fn`` once on leaf Values and describe its graph (raises ``CompileError``)."""
    flat: list[float] = []
    specs = tuple(flatten(a, flat, k in static_argnums) for k, a in enumerate(args))
    leaves = [Value(x) for x in flat]
    it = iter(leaves)
    reads: list[str] = []
    with watch_data_reads(reads) if not allow_data_reads else contextlib.nullcontext():
        result = fn(*(build(s, it) for s in specs))
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
    out_values(result, roots)  # the loss first, then any extra outputs
    rec = Recording(
        result=result, roots=roots, nodes=[], keys=[], n_loss=0, where={},
        inputs={v: i for i, v in enumerate(leaves)}, params=[], n_grad=0, constants=[], const_slot={},
    )
    param_set = None if params is None else set(params)
    _read_graph(rec, topological_order(loss), param_set)
    rec.n_loss = len(rec.nodes)
    rec.n_grad = len(rec.params)
    for r in roots[1:]:
        if r not in rec.where:  # a Value the loss does not depend on: its own new nodes
            _read_graph(rec, [v for v in topological_order(r) if v not in rec.where], param_set)
    return rec


def _read_graph(rec: Recording, order: list[Value], param_set: set[Value] | None) -> None:
    """Append ``order``'s nodes to ``rec`` with their keys; classify its leaves."""
    where, nodes, keys = rec.where, rec.nodes, rec.keys
    inputs, params, const_slot, constants = rec.inputs, rec.params, rec.const_slot, rec.constants
    by_value: dict[str, int] = {}
    for k, c in enumerate(constants):
        by_value[c.hex() if c == c else "nan"] = k
    append_node, append_key = nodes.append, keys.append
    nary = _NARY
    i = len(nodes)
    for v in order:
        a = v._a
        if a is None:  # a leaf: an input, a live parameter or a constant
            if v in inputs:
                where[v] = "x"
            elif param_set is None or v in param_set:
                where[v] = ("p", len(params))
                params.append(v)
            else:
                x = v.data
                h = x.hex() if x == x else "nan"  # -0.0 and 0.0 stay apart; every NaN is one
                slot = by_value.get(h)
                if slot is None:
                    slot = by_value[h] = len(constants)
                    constants.append(x)
                const_slot[v] = slot
                where[v] = "k"
            continue
        b = v._b
        if b is None:
            d = where[a]
            key = (type(v), i - d if d.__class__ is int else d)
        elif b is nary:
            if v._da is None:
                raise CompileError(
                    f"compile_step: cannot compile {v!r} (operation {v._op!r}): it was built by hand "
                    "with its own _backward"
                )
            ds = list(map(where.__getitem__, a))
            for j, d in enumerate(ds):
                if d.__class__ is int:
                    ds[j] = i - d
            key = (type(v), *ds)
        else:
            d = where[a]
            e = where[b]
            key = (type(v), i - d if d.__class__ is int else d, i - e if e.__class__ is int else e)
        where[v] = i
        append_node(v)
        append_key(key)
        i += 1
