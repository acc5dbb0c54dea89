"""The benchmark workloads, each run once per fresh interpreter (see ``harness.py``).

    python -c "from microgradnet.bench.workloads import main; main()" W1 micrograd 100

prints one JSON object with the measurements (seconds, or bytes per node for W4).
Engines: ``micrograd`` (micrograd 0.1.0), ``microgradnet`` (its default scalar graph: the same
65,818-node graph as micrograd's), ``fused`` (microgradnet with ``MLP(..., fused=True)``: one
'dot' node per neuron), ``reference`` (a microgpt-style Value, ``reference.py``), ``floats``
(W1f only), ``compiled`` and ``compiled-fused`` (compiled replay of either graph; W1c, W1e).
Default interpreter settings are kept: the garbage collector is on and the recursion limit is
Python's.

Times are the worker's CPU time (``time.process_time``): on a machine shared with other work
it is far steadier than wall-clock time, and for this single-threaded code it is the same
thing on an idle machine. The wall-clock time of each measurement is reported beside it.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

ENGINES = ("micrograd", "microgradnet", "reference")
W1_ENGINES = ("micrograd", "microgradnet", "fused", "reference")  # eager training step
COMPILED = ("compiled", "compiled-fused")
E2E_ENGINES = ("microgradnet", "fused", "compiled", "compiled-fused")


def load_engine(name: str) -> tuple[type, Callable[..., Any]]:
    """(Value class, MLP class) of an engine."""
    if name == "micrograd":
        from micrograd.engine import Value
        from micrograd.nn import MLP
    elif name in ("microgradnet", "compiled"):
        from microgradnet.engine import Value  # type: ignore[assignment]
        from microgradnet.nn import MLP  # type: ignore[assignment]
    elif name in ("fused", "compiled-fused"):
        import functools

        from microgradnet.engine import Value  # type: ignore[assignment]
        from microgradnet.nn import MLP as _MLP

        MLP = functools.partial(_MLP, fused=True)  # type: ignore[assignment]
    elif name == "reference":
        from .reference import MLP  # type: ignore[assignment]
        from .reference import RefValue as Value  # type: ignore[assignment]
    else:
        raise ValueError(f"unknown engine {name!r}")
    return Value, MLP


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[int]]:
    """Two interleaved half circles (scikit-learn's formula), labels -1/+1, seeded: every engine
    and every run gets the same points."""
    rng = random.Random(seed)
    half = n // 2
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(n):
        if i < half:
            t = math.pi * i / max(half - 1, 1)
            X.append([math.cos(t), math.sin(t)])
            y.append(-1)
        else:
            t = math.pi * (i - half) / max(n - half - 1, 1)
            X.append([1 - math.cos(t), 1 - math.sin(t) - 0.5])
            y.append(1)
    return [[a + rng.gauss(0, noise), b + rng.gauss(0, noise)] for a, b in X], y


def _now() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = _now()
    return cpu - start[0], wall - start[1]


def _median_time(run: Callable[[], Any], times: int) -> dict[str, float]:
    cpu, wall = [], []
    for _ in range(times):
        t = _now()
        run()
        c, w = _since(t)
        cpu.append(c)
        wall.append(w)
    return {"time": statistics.median(cpu), "wall": statistics.median(wall)}


# ---- W1: micrograd's demo training step ---------------------------------------------------
def svm_loss(model: Any, X: list, y: list[int]) -> Any:
    """micrograd's demo loss: mean max-margin (hinge) loss + 1e-4 L2, on Values."""
    scores = list(map(model, X))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg


def count_nodes(root: Any) -> int:
    """Nodes reachable from ``root`` (micrograd's ``_prev`` sets, microgradnet's tuples, the
    microgpt-style ``_children``)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(getattr(v, "_prev", None) or getattr(v, "_children", ()))
    return len(seen)


def _demo(engine: str, points: int) -> tuple[Any, list[Any], Callable[[int], None], dict[str, float]]:
    """(model, parameters, step(k), extra) for micrograd's demo on ``engine``: ``step(k)`` is
    one training step at learning rate 1.0 − 0.9·k/100. For compiled engines, building the
    step records the graph (``extra['record']``, seconds of CPU time)."""
    random.seed(1337)
    X, y = make_moons(points)
    Value, MLP = load_engine(engine)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    extra: dict[str, float] = {}
    if engine in COMPILED:
        from microgradnet.compile import compile_step

        t = _now()
        compiled = compile_step(lambda X, y: svm_loss(model, X, y), X, y, params=params)
        extra["record"] = _since(t)[0]

        def step(k: int) -> None:
            model.zero_grad()
            compiled(X, y)
            lr = 1.0 - 0.9 * k / 100
            for p in params:
                p.data -= lr * p.grad

    else:

        def step(k: int) -> None:
            inputs = [list(map(Value, x)) for x in X]
            loss = svm_loss(model, inputs, y)
            model.zero_grad()
            loss.backward()
            lr = 1.0 - 0.9 * k / 100
            for p in params:
                p.data -= lr * p.grad

    return model, params, step, extra


def w1(engine: str, points: int, steps: int) -> dict[str, float]:
    """Forward + zero_grad + backward + SGD, exactly micrograd's demo loop; median step time.

    Also reports the graph's size (``nodes``, counted outside the timed steps) and, compiled,
    the recording time (``record``) and the first replay (``first``) apart from the median."""
    if engine == "floats":
        random.seed(1337)
        X, y = make_moons(points)
        from .floats import FloatMLP, train_step

        fmodel = FloatMLP(2, [16, 16, 1])
        k = 0

        def float_step() -> None:
            nonlocal k
            train_step(fmodel, X, [float(v) for v in y], 1.0 - 0.9 * k / 100)
            k += 1

        float_step()  # warm-up
        return _median_time(float_step, steps)
    model, _params, step, extra = _demo(engine, points)
    Value, _ = load_engine(engine)
    X, y = make_moons(points)
    nodes = count_nodes(svm_loss(model, [list(map(Value, x)) for x in X], y))
    k = 0

    def timed() -> None:
        nonlocal k
        step(k)
        k += 1

    t = _now()
    timed()  # warm-up (compiled: the first replay)
    if engine in COMPILED:
        extra["first"] = _since(t)[0]
    return {**_median_time(timed, steps), **extra, "nodes": nodes}


def w1e(engine: str, points: int, steps: int) -> dict[str, float]:
    """The whole demo end to end: build the model, (record,) then ``steps`` training steps."""
    t = _now()
    _model, _params, step, extra = _demo(engine, points)
    for k in range(steps):
        step(k)
    cpu, wall = _since(t)
    return {"time": cpu, "wall": wall, "steps": steps, **extra}


def _split(t0: tuple[float, float], t1: tuple[float, float], t2: tuple[float, float]) -> dict[str, float]:
    return {
        "build": t1[0] - t0[0],
        "backward": t2[0] - t1[0],
        "wall_build": t1[1] - t0[1],
        "wall_backward": t2[1] - t1[1],
    }


def _median_split(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median total, whole: its build and backward add up to its total."""
    runs = sorted(runs, key=lambda r: r["build"] + r["backward"])
    r = runs[(len(runs) - 1) // 2]
    return {"time": r["build"] + r["backward"], "wall": r["wall_build"] + r["wall_backward"], **r}


# ---- W2: a deep chain -----------------------------------------------------------------------
def w2(engine: str, n: int, inner: int) -> dict[str, float]:
    """x = (x*0.999 + 0.001).relu(), n times, then backward: build and backward timed apart."""
    Value, _ = load_engine(engine)
    runs = []
    for _ in range(inner):
        t0 = _now()
        x = Value(0.5)
        for _ in range(n):
            x = (x * 0.999 + 0.001).relu()
        t1 = _now()
        x.backward()
        runs.append(_split(t0, t1, _now()))
        del x
    return _median_split(runs)


# ---- W3 and W4: many products reduced pairwise ------------------------------------------------
def _w3_graph(Value: type, xs: list[float], ys: list[float]) -> tuple[Any, int]:
    """Leaves, products, pairwise sums; returns the root and the number of nodes."""
    a = [Value(x) for x in xs]
    b = [Value(v) for v in ys]
    level = [p * q for p, q in zip(a, b)]
    nodes = 3 * len(xs)
    while len(level) > 1:
        nxt = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        nodes += len(level) // 2
        level = nxt
    return level[0], nodes


def _w3_data(n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(0)
    return [rng.random() for _ in range(n)], [rng.random() for _ in range(n)]


def w3(engine: str, n: int, inner: int) -> dict[str, float]:
    """n products reduced pairwise (leaves created in the timed region), then backward."""
    Value, _ = load_engine(engine)
    xs, ys = _w3_data(n)
    runs = []
    for _ in range(inner):
        t0 = _now()
        root, _nodes = _w3_graph(Value, xs, ys)
        t1 = _now()
        root.backward()
        runs.append(_split(t0, t1, _now()))
        del root
    return _median_split(runs)


def w4(engine: str, n: int) -> dict[str, float]:
    """Bytes per node (tracemalloc) while holding W3's graph; nodes = leaves + products + sums."""
    Value, _ = load_engine(engine)
    xs, ys = _w3_data(n)
    tracemalloc.start()
    root, nodes = _w3_graph(Value, xs, ys)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    return {"bytes_per_node": current / nodes, "nodes": nodes}


def run(workload: str, engine: str, size: int, inner: int) -> dict[str, Any]:
    """One measurement; a failure (e.g. micrograd's RecursionError) is reported, not raised."""
    try:
        if workload in ("W1", "W1f", "W1c"):
            return w1(engine, size, inner)
        if workload == "W1e":
            return w1e(engine, size, inner)
        if workload == "W2":
            return w2(engine, size, inner)
        if workload == "W3":
            return w3(engine, size, inner)
        if workload == "W4":
            return w4(engine, size)
        raise ValueError(f"unknown workload {workload!r}")
    except RecursionError:
        return {"error": "RecursionError (recursive topological sort too deep)"}
    except MemoryError:
        return {"error": "MemoryError"}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the worker process: WORKLOAD ENGINE SIZE [INNER]."""
    args = sys.argv[1:] if argv is None else argv
    workload, engine, size = args[0], args[1], int(args[2])
    inner = int(args[3]) if len(args) > 3 else 3
    result = run(workload, engine, size, inner)
    print(json.dumps({"workload": workload, "engine": engine, "size": size, **result}))
