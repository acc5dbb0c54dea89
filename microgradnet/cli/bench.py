"""``microgradnet bench``: side-by-side benchmarks against micrograd (see microgradnet.bench)."""

from __future__ import annotations

import argparse
import os
import sys

from . import CLIError

HELP = "time microgradnet against micrograd (training step, deep chain, wide graph, memory)"

EXAMPLES = """\
examples:
  microgradnet bench                      # full run (a few minutes), markdown table on stdout
  microgradnet bench --quick              # fewer repetitions, no 1M-node chain
  microgradnet bench --json bench.json    # also write every measurement as JSON
  microgradnet bench --only W1,W4         # just some workloads

workloads:
  W1   micrograd's demo training step: MLP(2, [16, 16, 1]), 100 moons points, SVM loss + L2;
       micrograd, microgradnet's default scalar graph (micrograd's 65,818 nodes), fused=True
       (8,318 nodes) and a microgpt-style Value, with node counts
  W1c  the same step with compiled replay of either graph; recording + first step apart
  W1f  the same step hand-written on plain floats
  W1e  the whole 100-step demo end to end: eager (both graphs) and compiled (recording included)
  W2   deep chain x = (x*0.999 + 0.001).relu(): N=330 (micrograd's limit), 100k and 1M
  W3   100,000 products reduced pairwise, then backward
  W4   bytes per node while holding the W3 graph (tracemalloc)
Each measurement runs in a fresh Python process; the engines alternate; the table shows
medians of CPU time (steady on a busy machine) and the ratios to micrograd."""

_WORKLOADS = ("W1", "W1c", "W1f", "W1e", "W2", "W3", "W4")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("--quick", action="store_true", help="3 repetitions and no 1M-node chain")
    parser.add_argument("--repeat", type=int, metavar="N", help="fresh processes per engine and workload")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--only", metavar="LIST", help="comma-separated workloads, e.g. W1,W3")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # tests: tiny sizes


def _progress_printer() -> object:
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=None, unit="run", file=sys.stderr, leave=False)

        def show(what: str, done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.set_description(what)
            bar.refresh()
            if what == "done":
                bar.close()

        return show

    last = [""]

    def show_plain(what: str, done: int, total: int) -> None:
        row = what.rsplit(" ", 1)[0]
        if row != last[0] and what != "done":
            print(f"[{done}/{total}] {row} ...", file=sys.stderr, flush=True)
            last[0] = row

    return show_plain


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks and print the table (exit code 0)."""
    from ..bench.harness import format_table, micrograd_available, run_benchmarks, write_json

    if args.repeat is not None and args.repeat < 1:
        raise CLIError(f"--repeat must be at least 1, got {args.repeat}")
    only: tuple[str, ...] = ()
    if args.only:
        canonical = {w.upper(): w for w in _WORKLOADS}
        only = tuple(canonical.get(w.strip().upper(), w.strip()) for w in args.only.split(","))
        bad = [w for w in only if w not in _WORKLOADS]
        if bad:
            raise CLIError(f"--only: unknown workload {bad[0]!r}; choose from {', '.join(_WORKLOADS)}")
    if args.json:
        directory = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(directory):
            raise CLIError(f"--json: directory {directory!r} does not exist")
    if not micrograd_available():
        print("note: micrograd is not installed (pip install micrograd==0.1.0); "
              "running without the micrograd column", file=sys.stderr)
    scale = "tiny" if args.tiny else ("quick" if args.quick else "full")
    report = run_benchmarks(scale, repeat=args.repeat, progress=_progress_printer(), only=only)  # type: ignore[arg-type]
    print(format_table(report))
    if args.json:
        write_json(report, args.json)
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0
