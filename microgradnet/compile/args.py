"""Arguments and results of a compiled step: numbers out of nested lists, and back in.

A call ``step(X, y)`` is turned into one flat list of floats (what changes from call to call)
and a hashable description of everything else (the shape of the lists, and any static
argument): the description picks the recording, the floats feed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engine import Value
from ..validate import is_real

__all__ = ["CompileError", "GraphChangedError", "flatten", "build", "out_spec", "out_values", "fill"]


class CompileError(TypeError):
    """The function or its arguments cannot be compiled (a clear reason is given)."""


class GraphChangedError(RuntimeError):
    """A replay does not match an eager run: the graph depends on the data."""


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


def flatten(obj: Any, flat: list[float], static: bool = False) -> Any:
    """Numbers go to ``flat`` (in order); returns a hashable description of the structure.

    A static argument (and any str, None or bool) is kept as it is: part of the structure.
    """
    if static:
        return ("=", _freeze(obj))
    if type(obj) is float:
        flat.append(obj)
        return "#"
    if isinstance(obj, (list, tuple)):
        return (type(obj) is tuple, tuple([flatten(o, flat) for o in obj]))
    if isinstance(obj, Value):
        raise CompileError(
            "compile_step: arguments must be plain numbers (and lists of them), not Values; "
            "the model's parameters are picked up from the graph"
        )
    if is_real(obj):
        flat.append(float(obj))
        return "#"
    return ("=", _freeze(obj))


def build(spec: Any, it: Any) -> Any:
    """Rebuild an argument from its structure, taking numbers (as leaf Values) from ``it``."""
    if spec == "#":
        return next(it)
    if spec[0] == "=":
        return spec[1]
    is_tuple, items = spec
    out = [build(s, it) for s in items]
    return tuple(out) if is_tuple else out


def out_values(obj: Any, acc: list[Value]) -> None:
    """Every Value in the function's result, in order (the loss first)."""
    if isinstance(obj, Value):
        acc.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            out_values(o, acc)


def out_spec(obj: Any, position: dict[Value, int]) -> Any:
    """The shape of the function's result; a Value becomes its position among the outputs."""
    if isinstance(obj, Value):
        return ("v", position[obj])
    if isinstance(obj, (list, tuple)):
        return ("t" if isinstance(obj, tuple) else "l", tuple(out_spec(o, position) for o in obj))
    return ("c", obj)


def fill(spec: Any, vals: Sequence[float]) -> Any:
    """The result of a replay: ``spec`` with each Value's position replaced by its number."""
    kind, x = spec
    if kind == "v":
        return vals[x]
    if kind == "c":
        return x
    out = [fill(s, vals) for s in x]
    return tuple(out) if kind == "t" else out
