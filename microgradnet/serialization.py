"""Model files: JSON written atomically, read back defensively.

A model file is plain JSON (never pickle: loading a file must not be able to run code).
``write_json`` writes to a temporary file in the target's directory and renames it over the
target, so a crash or a bad value never leaves a half-written model behind. ``read_json``
turns every way a file can be broken (not UTF-8, not JSON, truncated, absurdly nested,
duplicated keys) into one ``ValueError`` naming the file and the problem. The ``check_*``
helpers validate the parsed values (types, finiteness, keys); nothing is assigned until all pass.

State dicts. A module (``nn.Neuron``, ``Layer``, ``MLP`` or your own ``nn.Module``) describes
itself by a *kind* (``"MLP"``), its architecture (a JSON-able ``config`` that a file must match
exactly) and a *tree* of its parameters (nested dicts and lists of Values, as they appear in
the file). ``state_dict`` turns that into plain data: a header (``format``, ``version``,
``module``), the config, and the tree with every Value replaced by its float.
``load_state_dict`` walks a parsed file alongside the tree and assigns only once every key,
shape and number has passed. Nothing here depends on how a module computes (a neuron's graph
may be scalar or fused), so the file is the same for both.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from ._files import read_bytes, write_text
from .engine import Value

FORMAT = "microgradnet"
VERSION = 1
# A scalar engine builds a few Python objects per parameter (~0.5 kB each with its graph), so a
# million parameters is ~0.5 GB and minutes per step: far beyond any lesson, and the limit keeps a
# hostile or mistaken file from taking gigabytes. Checked from the sizes, before anything is built.
MAX_PARAMETERS = 1_000_000
# A million parameters saved at full precision take at most ~26 MB ("-0.12345678901234567, ");
# reading at most 32 MB keeps the parsed JSON within a small multiple of the file (< 0.4 GB).
MAX_BYTES = 32 * 1024 * 1024


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (temp file in the same directory + rename).

    Numbers must be finite (JSON has no NaN or infinity); lists of numbers go on one line each,
    so a weight matrix reads as a matrix.
    """
    write_text(path, _dumps(obj, 0) + "\n")


def _dumps(obj: Any, indent: int) -> str:
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {_dumps(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ", ".join(_dumps(v, indent) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + _dumps(v, indent + 2) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"cannot save {obj!r}: the model has a non-finite weight (training diverged?)")
    return json.dumps(obj, allow_nan=False)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse the JSON file at ``path``; any malformed content raises one clear ``ValueError``.

    A missing or unreadable file raises the usual ``OSError`` (FileNotFoundError, ...); so does a
    FIFO, device or folder (``_files.NotARegularFile``), at once rather than waiting for data.
    """
    where = os.fspath(path)
    raw = read_bytes(where, MAX_BYTES)
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{where}: file is larger than {MAX_BYTES // 2**20} MB; not a microgradnet model")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a text (UTF-8) file; expected a microgradnet JSON model") from None
    if not text.strip():
        raise ValueError(f"{where}: the file is empty; expected a microgradnet JSON model")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"{where}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
            "the file may be truncated or not a microgradnet model"
        ) from None
    except RecursionError:
        raise ValueError(f"{where}: JSON nested far too deeply; not a microgradnet model") from None
    except ValueError as e:  # duplicate keys, NaN/Infinity literals, over-long integers
        if "digits" in str(e):
            raise ValueError(f"{where}: a number in the file has thousands of digits; not a model") from None
        raise ValueError(f"{where}: {e}") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid weight (weights must be finite numbers)")


# ---- validating parsed values (nothing is assigned until all of them pass) ---------------
def check_number(x: Any, where: str) -> float:
    """A finite real number (not a bool, not a string) as a float."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{where} must be a number, got {type(x).__name__} {_short(x)}")
    try:
        f = float(x)
    except OverflowError:
        raise ValueError(f"{where} is too large for a float: {_short(x)}") from None
    if not math.isfinite(f):
        raise ValueError(f"{where} must be a finite number, got {f!r}")
    return f


def check_keys(d: Any, required: set[str], where: str) -> dict[str, Any]:
    """A dict holding exactly the ``required`` keys."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(d).__name__}")
    missing, extra = required - d.keys(), d.keys() - required
    if missing:
        raise ValueError(f"{where} is missing {', '.join(sorted(missing))}")
    if extra:
        raise ValueError(f"{where} has unexpected keys: {', '.join(sorted(map(str, extra)))}")
    return d


def check_header(d: Any, kind: str, where: str = "model") -> None:
    """The ``format``/``version``/``module`` stamp every state dict starts with."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(d).__name__}")
    if d.get("format") != FORMAT:
        raise ValueError(f'{where}: not a microgradnet model (no "format": "{FORMAT}")')
    if type(d.get("version")) is not int or d.get("version") != VERSION:
        raise ValueError(f"{where}: unsupported version {_short(d.get('version'))} (this reads {VERSION})")
    if d.get("module") != kind:
        raise ValueError(f"{where} holds a {_short(d.get('module'))}, not a {kind}")


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- state dicts: a module's kind, architecture and parameters as plain data -------------
def state_dict(kind: str, config: dict[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    """The header, the architecture ``config`` and the parameter ``tree`` with floats for Values."""
    head = {"format": FORMAT, "version": VERSION, "module": kind}
    return {**head, **config, **_floats(tree)}


def load_state_dict(kind: str, config: dict[str, Any], tree: dict[str, Any], state: Any) -> None:
    """Check ``state`` against a module's kind, ``config`` and parameter ``tree``, then assign.

    Everything is checked first - header, architecture, every key, shape and number (finite
    floats only); on any problem a ``ValueError`` says what, and no parameter is changed.
    """
    check_header(state, kind, "state dict")
    check_keys(state, {"format", "version", "module", *config, *tree}, "state dict")
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


def architecture(state: Any, kind: str, *keys: str) -> list[Any]:
    """The values of ``keys`` in a state dict of ``kind`` (header checked, missing keys named)."""
    check_header(state, kind, "state dict")
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"state dict is missing {', '.join(missing)}")
    return [state[k] for k in keys]


def check_fits(state: dict[str, Any], n_params: int) -> None:
    """Refuse sizes over ``MAX_PARAMETERS`` or that promise more parameters than the data holds
    (before building anything)."""
    if n_params > MAX_PARAMETERS:
        count = f"{n_params:,}" if n_params < 10**30 else "more than 10^30"  # sizes with 1000s of digits
        raise ValueError(
            f"the sizes make a network of {count} parameters, over microgradnet's limit of "
            f"{MAX_PARAMETERS:,} (a scalar engine would need gigabytes); not loaded"
        )
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


def _floats(tree: Any) -> Any:
    if isinstance(tree, Value):
        return tree.data
    if isinstance(tree, dict):
        return {k: _floats(v) for k, v in tree.items()}
    return [_floats(v) for v in tree]


def _match(template: Any, data: Any, where: str, out: list[tuple[Value, float]]) -> None:
    """Walk ``data`` alongside the module's own structure; collect (parameter, new value)."""
    if isinstance(template, Value):
        out.append((template, check_number(data, where)))
    elif isinstance(template, dict):
        check_keys(data, set(template), where)
        for key, t in template.items():
            _match(t, data[key], f"{where}.{key}", out)
    else:
        if not isinstance(data, list):
            raise ValueError(f"{where} must be a list of {len(template)}, got {type(data).__name__}")
        if len(data) != len(template):
            raise ValueError(f"{where} must have {len(template)} entries, got {len(data)} (wrong shape)")
        for i, (t, d) in enumerate(zip(template, data)):
            _match(t, d, f"{where}[{i}]", out)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types (so 2.0 is not 2 and true is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)
