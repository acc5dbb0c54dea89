"""Side-by-side benchmark harness: fresh processes, alternating engines, medians and ratios.

Every measurement runs in its own interpreter (``workloads.py``), so no engine inherits
another's heap or garbage-collector state; the engines take turns within each repetition
(the order rotates) so that a slow period of the machine hits them alike. The report is the
median per engine and the ratio microgradnet ÷ micrograd, with the issue's targets.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .workloads import ENGINES

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
    w2_small: int  # the deepest chain micrograd survives at the default recursion limit
    w2_big: tuple[int, ...]  # microgradnet only
    w3: int
    repeat: int


SCALES = {
    "full": Scale(w1_points=100, w1_steps=3, w2_small=330, w2_big=(100_000, 1_000_000), w3=100_000, repeat=5),
    "quick": Scale(w1_points=100, w1_steps=2, w2_small=330, w2_big=(100_000,), w3=100_000, repeat=3),
    "tiny": Scale(w1_points=6, w1_steps=1, w2_small=50, w2_big=(2_000,), w3=500, repeat=1),
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
    jobs = [
        Job("W1", "W1", scale.w1_points, scale.w1_steps, engines),
        Job("W1c", "W1c", scale.w1_points, max(scale.w1_steps, 5), ("compiled",)),
        Job("W1f", "W1f", scale.w1_points, max(scale.w1_steps, 5), ("floats",)),
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


def _summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for engine, results in runs.items():
        ok = [r for r in results if "error" not in r]
        if not ok:
            out[engine] = {"error": results[0].get("error", "no result") if results else "not run"}
            continue
        entry: dict[str, Any] = {"runs": len(ok)}
        for field in ("time", "wall", "build", "backward", "record", "bytes_per_node", "nodes"):
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


def summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    rows = report["rows"]
    w2_small = next((k for k in rows if k.startswith("W2") and rows[k]["size"] <= 1000), None)
    w2_big = max((k for k in rows if k.startswith("W2")), key=lambda k: rows[k]["size"], default=None)
    w3 = next((k for k in rows if k.startswith("W3")), None)
    w4 = next((k for k in rows if k.startswith("W4")), None)
    mg_w1 = _get(report, "W1", "micrograd")
    compiled = _get(report, "W1c", "compiled")
    items = [
        ("W1 eager ÷ micrograd", _ratio(_get(report, "W1", "microgradnet"), mg_w1), 0.05),
        ("W1 compiled ÷ micrograd", _ratio(compiled, mg_w1), 0.015),
        ("W1 compiled ÷ W1 floats", _ratio(compiled, _get(report, "W1f", "floats")), 3.0),
    ]
    if w2_small:
        ours, theirs = _get(report, w2_small, "microgradnet"), _get(report, w2_small, "micrograd")
        items.append((f"{w2_small} ÷ micrograd", _ratio(ours, theirs), None))
    if w2_big:
        back, build = (_get(report, w2_big, "microgradnet", f) for f in ("backward", "build"))
        items.append((f"{w2_big} backward ÷ build", _ratio(back, build), 2.0))
    if w3:
        ours, theirs = _get(report, w3, "microgradnet"), _get(report, w3, "micrograd")
        items.append((f"{w3} ÷ micrograd", _ratio(ours, theirs), 0.1))
    if w4:
        items.append((f"{w4} bytes per node", _get(report, w4, "microgradnet", "bytes_per_node"), 100.0))
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
    text = _fmt_time(entry.get("time"))
    if workload in ("W2", "W3"):
        text += f" (build {_fmt_time(entry.get('build'))}, backward {_fmt_time(entry.get('backward'))})"
    return text


def format_table(report: dict[str, Any]) -> str:
    """A markdown table of the medians and ratios, then the targets."""
    rows = report["rows"]
    mg_w1 = _get(report, "W1", "micrograd")
    head = "| workload | micrograd | microgradnet | microgpt-style | microgradnet ÷ micrograd |"
    lines = [head, "|---|---|---|---|---|"]
    for key, row in rows.items():
        eng = row["engines"]
        w = row["workload"]
        ours = eng.get("microgradnet") or eng.get("compiled") or eng.get("floats")
        mine = ours.get("bytes_per_node" if w == "W4" else "time") if ours and "error" not in ours else None
        base = eng.get("micrograd", {}).get("bytes_per_node" if w == "W4" else "time")
        if w in ("W1c", "W1f"):
            base = mg_w1
        ratio = _ratio(mine, base)
        label = {"W1": "W1 training step (eager)", "W1c": "W1c compiled replay step",
                 "W1f": "W1f plain floats (floor)"}.get(key, key)
        if w == "W2" and ours and "error" not in ours:
            label += f" (backward ÷ build {ours['backward'] / ours['build']:.2f})"
        lines.append(
            f"| {label} | {_cell(eng.get('micrograd'), w)} | {_cell(ours, w)} | "
            f"{_cell(eng.get('reference'), w)} | {'-' if ratio is None else f'{ratio:.4f}'} |"
        )
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
    lines.append(
        f"{m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, micrograd {m['micrograd']}; "
        f"CPU time of the worker process, median of {report['repeat']} fresh processes per engine "
        f"(each its own median of several runs), {report['date']}; "
        "build and backward are medians taken separately."
    )
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: str) -> None:
    """Write the report atomically (temp file in the same directory, then rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".bench-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
