"""Side-by-side benchmark harness: fresh processes, alternating engines, medians and ratios.

Every measurement runs in its own interpreter (``workloads.py``), so no engine inherits
another's heap or garbage-collector state; the engines take turns within each repetition
(the order rotates) so that a slow period of the machine hits them alike. The report is the
median per engine and the ratio to micrograd, with the issues' targets.

W1, micrograd's demo training step, is shown as one table: micrograd; microgradnet's default
scalar graph (micrograd's own 65,818 nodes, so the ratio is the engine's alone); ``fused=True``
(8,318 nodes: what the smaller graph adds); compiled replay of either graph per step, with its
one-off recording (+ first step) apart; the plain-float floor; a microgpt-style Value for
context; and the whole 100-step demo end to end, recording included.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .workloads import COMPILED, E2E_ENGINES, ENGINES

WIDTH = 100  # columns of the printed report (every command's output fits a 100-column terminal)
_WORKER = "from microgradnet.bench.workloads import main; main()"


@dataclass(frozen=True)
class Job:
    """One row of the table: a workload at one size, on some engines."""

    key: str  # row name, e.g. 'W2 N=100k'
    workload: str
    size: int
    inner: int  # repetitions inside one process (median taken there)
    engines: tuple[str, ...]
    max_repeat: int = 99  # cap for very slow rows


@dataclass(frozen=True)
class Scale:
    w1_points: int
    w1_steps: int
    e2e_steps: int  # the end-to-end demo (W1e): micrograd's 100 steps
    w2_small: int  # the deepest chain micrograd survives at the default recursion limit
    w2_big: tuple[int, ...]  # microgradnet only
    w3: int
    repeat: int


SCALES = {
    "full": Scale(
        w1_points=100, w1_steps=3, e2e_steps=100, w2_small=330, w2_big=(100_000, 1_000_000), w3=100_000,
        repeat=5,
    ),
    "quick": Scale(
        w1_points=100, w1_steps=2, e2e_steps=100, w2_small=330, w2_big=(100_000,), w3=100_000, repeat=3
    ),
    "tiny": Scale(w1_points=6, w1_steps=1, e2e_steps=2, w2_small=50, w2_big=(2_000,), w3=500, repeat=1),
}


def _size_name(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def plan(scale: Scale, engines: tuple[str, ...] = ENGINES) -> list[Job]:
    """The rows of a run at this scale."""
    ours = ("microgradnet",)
    w1 = tuple(e for name in engines for e in ((name, "fused") if name == "microgradnet" else (name,)))
    jobs = [
        Job("W1", "W1", scale.w1_points, scale.w1_steps, w1),
        Job("W1c", "W1c", scale.w1_points, max(scale.w1_steps, 5), COMPILED),
        Job("W1f", "W1f", scale.w1_points, max(scale.w1_steps, 5), ("floats",)),
        Job("W1e", "W1e", scale.w1_points, scale.e2e_steps, E2E_ENGINES, max_repeat=3),
        Job(f"W2 N={scale.w2_small}", "W2", scale.w2_small, 5, engines),
    ]
    for n in scale.w2_big:
        jobs.append(Job(f"W2 N={_size_name(n)}", "W2", n, 1, ours, max_repeat=3 if n >= 1_000_000 else 99))
    jobs.append(Job(f"W3 N={_size_name(scale.w3)}", "W3", scale.w3, 1, engines))
    jobs.append(Job(f"W4 N={_size_name(scale.w3)}", "W4", scale.w3, 1, engines))
    return jobs


def run_one(workload: str, engine: str, size: int, inner: int, timeout: float = 900.0) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, "-c", _WORKER, workload, engine, str(size), str(inner)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker exited with {proc.returncode}: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    """The CPU model, the Python version and the engines' versions, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from .. import __version__

    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "microgradnet": __version__,
    }
    try:
        from importlib.metadata import version

        info["micrograd"] = version("micrograd")
    except Exception:  # not installed: the micrograd column is left out
        info["micrograd"] = "not installed"
    return info


def micrograd_available() -> bool:
    """True when micrograd (the comparison engine) can be imported."""
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        return False
    return True


def run_benchmarks(
    scale: str = "full",
    repeat: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    only: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run every row; returns the report (``format_table`` prints it, JSON-serialisable)."""
    sc = SCALES[scale]
    reps = repeat if repeat is not None else sc.repeat
    if reps < 1:
        raise ValueError(f"repeat must be at least 1, got {reps}")
    engines = ENGINES if micrograd_available() else tuple(e for e in ENGINES if e != "micrograd")
    jobs = [j for j in plan(sc, engines) if not only or j.workload in only or j.key in only]
    total = sum(min(reps, j.max_repeat) * len(j.engines) for j in jobs)
    done = 0
    rows: dict[str, Any] = {}
    for job in jobs:
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in job.engines}
        for r in range(min(reps, job.max_repeat)):
            k = r % len(job.engines)  # rotate who goes first: the engines alternate
            for engine in job.engines[k:] + job.engines[:k]:
                if progress:
                    progress(f"{job.key} {engine}", done, total)
                runs[engine].append(run_one(job.workload, engine, job.size, job.inner))
                done += 1
        rows[job.key] = {"workload": job.workload, "size": job.size, "engines": _summarise(runs)}
    if progress:
        progress("done", done, total)
    report = {
        "machine": machine(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": scale,
        "repeat": reps,
        "rows": rows,
    }
    report["summary"] = summary(report)
    return report


_FIELDS = ("time", "wall", "build", "backward", "record", "first", "bytes_per_node", "nodes", "steps")


def _summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for engine, results in runs.items():
        ok = [r for r in results if "error" not in r]
        if not ok:
            out[engine] = {"error": results[0].get("error", "no result") if results else "not run"}
            continue
        entry: dict[str, Any] = {"runs": len(ok)}
        for field in _FIELDS:
            values = [r[field] for r in ok if field in r]
            if values:
                entry[field] = statistics.median(values)
                if field == "time":
                    entry["times"] = values
        out[engine] = entry
    return out


def _get(report: dict[str, Any], key: str, engine: str, field: str = "time") -> float | None:
    row = report["rows"].get(key)
    if not row:
        return None
    value = row["engines"].get(engine, {}).get(field)
    return float(value) if value is not None else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _sum(a: float | None, b: float | None) -> float | None:
    return a + b if a is not None and b is not None else None


def summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues' targets (None: reported without one), each with its measured value."""
    rows = report["rows"]
    w2_small = next((k for k in rows if k.startswith("W2") and rows[k]["size"] <= 1000), None)
    w2_big = max((k for k in rows if k.startswith("W2")), key=lambda k: rows[k]["size"], default=None)
    w3 = next((k for k in rows if k.startswith("W3")), None)
    w4 = next((k for k in rows if k.startswith("W4")), None)
    mg_w1 = _get(report, "W1", "micrograd")
    scalar, fused = _get(report, "W1", "microgradnet"), _get(report, "W1", "fused")
    floats = _get(report, "W1f", "floats")
    items: list[tuple[str, float | None, float | None]] = [
        ("W1 scalar graph (micrograd's graph) ÷ micrograd", _ratio(scalar, mg_w1), 0.07),
        ("W1 fused=True ÷ micrograd", _ratio(fused, mg_w1), 0.03),
    ]
    for engine, eager, name in (("compiled", scalar, "scalar graph"), ("compiled-fused", fused, "fused")):
        replay = _get(report, "W1c", engine)
        setup = _sum(_get(report, "W1c", engine, "record"), _get(report, "W1c", engine, "first"))
        items += [
            (f"W1 compiled replay ({name}) ÷ micrograd", _ratio(replay, mg_w1), None),
            (f"W1 compiled replay ({name}) ÷ plain floats", _ratio(replay, floats), 1.2),
            (f"recording + first step ({name}) ÷ its eager step", _ratio(setup, eager), 5.0),
        ]
    eager_e2e = _get(report, "W1e", "microgradnet")
    for engine in ("fused", "compiled", "compiled-fused"):
        ratio = _ratio(_get(report, "W1e", engine), eager_e2e)
        items.append((f"W1e demo end to end: {engine} ÷ eager scalar", ratio, None))
    if w2_small:
        ours, theirs = _get(report, w2_small, "microgradnet"), _get(report, w2_small, "micrograd")
        items.append((f"{w2_small} ÷ micrograd", _ratio(ours, theirs), None))
    if w2_big:
        back, build = (_get(report, w2_big, "microgradnet", f) for f in ("backward", "build"))
        items.append((f"{w2_big} backward ÷ build", _ratio(back, build), 2.0))
    if w3:  # the first release's target of 0.1 is retired (README, Performance)
        ours, theirs = _get(report, w3, "microgradnet"), _get(report, w3, "micrograd")
        items.append((f"{w3} ÷ micrograd", _ratio(ours, theirs), None))
    if w4:  # the first release's target of 100 B is retired (README, Performance)
        items.append((f"{w4} bytes per node", _get(report, w4, "microgradnet", "bytes_per_node"), None))
    out = []
    for name, value, target in items:
        met = None if value is None or target is None else value <= target
        out.append({"measure": name, "value": value, "target": target, "met": met})
    return out


# ---- presentation ---------------------------------------------------------------------------
def _fmt_time(t: float | None) -> str:
    if t is None:
        return "-"
    if t >= 1.0:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.1f} ms"
    return f"{t * 1e6:.0f} µs"


def _cell(entry: dict[str, Any] | None, workload: str) -> str:
    if entry is None:
        return ""
    if "error" in entry:
        return "fails" if "Recursion" in entry["error"] else "error"
    if workload == "W4":
        return f"{entry['bytes_per_node']:.0f} B/node"
    return _fmt_time(entry.get("time"))


_W1_ROWS = (
    ("micrograd", "micrograd 0.1.0"),
    ("microgradnet", "microgradnet, default scalar graph (micrograd's graph)"),
    ("fused", "microgradnet, `fused=True` (one Σ node per neuron)"),
    ("compiled", "compiled replay of the scalar graph, per step"),
    ("compiled-fused", "compiled replay of the fused graph, per step"),
    ("floats", "the same step hand-written on plain floats"),
    ("reference", "microgpt-style Value (same graph as micrograd), for context"),
)
_E2E_ROWS = (
    ("microgradnet", "eager, scalar graph"),
    ("fused", "eager, `fused=True`"),
    ("compiled", "compiled replay, scalar graph (recording included)"),
    ("compiled-fused", "compiled replay, fused graph (recording included)"),
)


def _w1_entry(report: dict[str, Any], engine: str) -> dict[str, Any] | None:
    for key in ("W1", "W1c", "W1f"):
        row = report["rows"].get(key)
        if row and engine in row["engines"]:
            return row["engines"][engine]  # type: ignore[no-any-return]
    return None


def _w1_table(report: dict[str, Any]) -> list[str]:
    mg_w1 = _get(report, "W1", "micrograd")
    points = report["rows"].get("W1", report["rows"].get("W1c", {})).get("size", "?")
    lines = [
        f"W1: micrograd's demo training step (MLP 2-16-16-1, {points} points, hinge loss + L2, SGD)",
        "",
        "| engine | nodes | time per step | ÷ micrograd | recording + first step (in eager steps) |",
        "|---|---|---|---|---|",
    ]
    for engine, name in _W1_ROWS:
        entry = _w1_entry(report, engine)
        if entry is None:
            continue
        if "error" in entry:
            lines.append(f"| {name} | | error: {entry['error'][:40]} | | |")
            continue
        t = entry.get("time")
        nodes = f"{entry['nodes']:,.0f}" if "nodes" in entry else "-"
        ratio = _ratio(t, mg_w1)
        setup = _sum(entry.get("record"), entry.get("first"))
        eager = _get(report, "W1", "fused" if engine == "compiled-fused" else "microgradnet")
        setup_text = "" if setup is None else _fmt_time(setup)
        if setup is not None and eager:
            setup_text += f" ({setup / eager:.1f})"
        shown = "-" if ratio is None else f"{ratio:.4f}"
        lines.append(f"| {name} | {nodes} | {_fmt_time(t)} | {shown} | {setup_text} |")
    e2e = report["rows"].get("W1e")
    if e2e:
        steps = next((int(v["steps"]) for v in e2e["engines"].values() if "steps" in v), 0)
        lines += [
            "",
            f"The whole demo end to end ({steps} steps, building the model included):",
            "",
            "| how | time | ÷ micrograd (estimated: its median step × steps) |",
            "|---|---|---|",
        ]
        if mg_w1 is not None:
            lines.append(f"| micrograd 0.1.0 (estimated, not run) | ≈ {_fmt_time(mg_w1 * steps)} | 1 |")
        for engine, name in _E2E_ROWS:
            entry = e2e["engines"].get(engine)
            if entry is None or "error" in entry:
                continue
            ratio = _ratio(entry.get("time"), mg_w1 * steps if mg_w1 is not None else None)
            shown = "-" if ratio is None else f"{ratio:.4f}"
            lines.append(f"| {name} | {_fmt_time(entry.get('time'))} | {shown} |")
    return lines


def format_table(report: dict[str, Any]) -> str:
    """Markdown: the W1 table, the end-to-end demo, the other workloads, then the targets."""
    rows = report["rows"]
    lines = _w1_table(report)
    lines += _workload_tables(rows)
    lines.append("")
    lines.append("| target | measured | goal | met |")
    lines.append("|---|---|---|---|")
    for item in report["summary"]:
        v, t = item["value"], item["target"]
        value = "-" if v is None else (f"{v:.0f}" if "bytes" in item["measure"] else f"{v:.4f}")
        goal = "" if t is None else f"≤ {t:g}"
        met = {True: "yes", False: "**no**", None: ""}[item["met"]]
        lines.append(f"| {item['measure']} | {value} | {goal} | {met} |")
    m = report["machine"]
    lines.append("")
    lines += textwrap.wrap(  # one markdown paragraph, in lines a terminal shows whole
        f"{m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, micrograd {m['micrograd']}; "
        f"CPU time of the worker process, median of {report['repeat']} fresh processes per engine "
        f"(each its own median of several runs; the end-to-end demo at most 3), {report['date']}; "
        "build and backward are medians taken separately.", WIDTH)
    return "\n".join(lines)


def _workload_tables(rows: dict[str, Any]) -> list[str]:
    """W2-W4 against micrograd, then W2/W3's build and backward apart: one table with both
    would be 160 columns, and the output stays within ``WIDTH``."""
    lines = ["", "| workload | micrograd | microgradnet | microgpt-style | microgradnet ÷ micrograd |",
             "|---|---|---|---|---|"]
    parts = ["", "Build + backward (each a median of its own):", "",
             "| workload | micrograd | microgradnet | microgpt-style | microgradnet backward ÷ build |",
             "|---|---|---|---|---|"]
    for key, row in rows.items():
        eng, w = row["engines"], row["workload"]
        if w.startswith("W1"):
            continue
        ours = eng.get("microgradnet")
        mine = ours.get("bytes_per_node" if w == "W4" else "time") if ours and "error" not in ours else None
        base = eng.get("micrograd", {}).get("bytes_per_node" if w == "W4" else "time")
        ratio = _ratio(mine, base)
        lines.append(f"| {key} | {_cell(eng.get('micrograd'), w)} | {_cell(ours, w)} | "
                     f"{_cell(eng.get('reference'), w)} | {'-' if ratio is None else f'{ratio:.4f}'} |")
        if w in ("W2", "W3"):
            split = " | ".join(_parts(eng.get(e)) for e in ("micrograd", "microgradnet", "reference"))
            back = _ratio(ours.get("backward"), ours.get("build")) if ours and "error" not in ours else None
            parts.append(f"| {key} | {split} | {'-' if back is None else f'{back:.2f}'} |")
    return lines + (parts if len(parts) > 5 else [])


def _parts(entry: dict[str, Any] | None) -> str:
    if entry is None or "error" in entry:
        return _cell(entry, "W2")
    return f"{_fmt_time(entry.get('build'))} + {_fmt_time(entry.get('backward'))}"


def write_json(report: dict[str, Any], path: str) -> None:
    """Write the report atomically, with the one helper every user file goes through."""
    from .._files import write_text

    write_text(path, json.dumps(report, indent=2) + "\n")
