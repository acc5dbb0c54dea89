"""Mutation check: does some test fail when a local derivative is wrong?

    python benchmarks/mutation.py                 # a git worktree of HEAD in /tmp, every mutant
    python benchmarks/mutation.py --list          # only list the mutants
    python benchmarks/mutation.py --only sqrt     # mutants whose label contains 'sqrt'
    python benchmarks/mutation.py --jobs 2        # two mutants at a time (two worktrees)

Not run by ``make test`` (it runs the derivative tests once per mutant: minutes). It works on
a throwaway ``git worktree`` of the committed HEAD, never on your files, and removes it after.

Mutants are found in the code, not listed by hand, so a new operation is mutated too:

- **engine** (``engine.py``): every local derivative a ``Value`` method hands to the graph
  (the ``da``/``db``/locals arguments of ``_unary``/``_binary``/``_nary``) scaled by 1 + 1e-3,
  and every comparison and constant of a branch in those methods changed (kinks, ties);
- **table rows** (``ops.py``): every row's derivative callable scaled by 1 + 1e-3, and every
  row's compiled-replay template of a local derivative scaled likewise;
- **special points** (``ops.py`` helpers ``_pow_slope``, ``powv_slope_*``,
  ``power_slope_float``, ``_sign``, ``_max_first``, ``_step`` and the rows' own branches):
  each constant a branch returns changed (1 → 2, 0 → 1, inf → 0) and each comparison
  loosened or tightened (``>`` ↔ ``>=``, ``<`` ↔ ``<=``, ``==`` → ``!=``).

Each mutant runs the derivative tests first with torch hidden (a shim makes ``import torch``
fail, so every torch test skips); a mutant that survives that is run again with torch (the
test files that use it). A survivor is a derivative no test checks. Output: one line per
mutant and a list of survivors.
"""

from __future__ import annotations

import argparse
import ast
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE = "1.001"
# the tests that check derivatives (globbed at run time; missing ones are simply absent)
TEST_GLOBS = [  # the quick, targeted ones first: most mutants die there (pytest -x)
    "test_derivative_branches.py", "test_ops_table.py", "test_engine*.py", "test_higher_order.py",
    "test_compile*.py", "test_fuzz_engine.py", "test_torch_parity.py", "test_walk.py", "test_nn.py",
    "test_functional.py", "test_losses.py", "test_activations_declared.py", "test_scalar_graph.py",
    "test_lecture_compat.py", "test_equations.py",
]
SPECIAL_FUNCTIONS = {"_pow_slope", "powv_slope_base", "powv_slope_exponent", "power_slope_float",
                     "power_or_inf", "_sign", "_max_first", "_step", "gelu_slope"}
FLIP = {ast.Gt: ">=", ast.GtE: ">", ast.Lt: "<=", ast.LtE: "<", ast.Eq: "!=", ast.NotEq: "=="}


@dataclass
class Mutant:
    path: str  # relative to the tree
    label: str
    start: tuple[int, int]  # (line, column) of the replaced text
    end: tuple[int, int]
    new: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line.encode("utf-8")))
        data = source.encode("utf-8")
        a = offsets[self.start[0] - 1] + self.start[1]
        b = offsets[self.end[0] - 1] + self.end[1]
        return (data[:a] + self.new.encode("utf-8") + data[b:]).decode("utf-8")


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node) or ""


def _scaled(path: str, source: str, node: ast.AST, label: str) -> Mutant:
    start, end = _span(node)
    return Mutant(path, label, start, end, f"(({_segment(source, node)}) * {SCALE})")


def _branch_mutants(path: str, source: str, tree: ast.AST, where: str) -> list[Mutant]:
    """Constants returned by branches and comparisons inside ``tree``."""
    found: list[Mutant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp):
            for side, part in (("then", node.body), ("else", node.orelse)):
                found += _constant_mutants(path, source, part, f"{where}: branch {side} constant")
        elif isinstance(node, ast.Return) and node.value is not None:
            found += _constant_mutants(path, source, node.value, f"{where}: returned constant")
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP:
            left, right = _segment(source, node.left), _segment(source, node.comparators[0])
            start, end = _span(node)
            text = f"{left} {FLIP[type(node.ops[0])]} {right}"
            found.append(Mutant(path, f"{where}: {_segment(source, node)!r} -> {text!r}", start, end, text))
    return found


def _constant_mutants(path: str, source: str, node: ast.AST, where: str) -> list[Mutant]:
    start, end = _span(node)
    number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
    if number:
        new = "0.0" if node.value != 0 else "1.0"
        if node.value == 1:
            new = "2.0"
        return [Mutant(path, f"{where} {node.value!r} -> {new}", start, end, new)]
    if isinstance(node, ast.Attribute) and node.attr == "inf":
        return [Mutant(path, f"{where} inf -> 0.0", start, end, "0.0")]
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return [Mutant(path, f"{where} {_segment(source, node)} -> 0.0", start, end, "0.0")]
    return []


def engine_mutants(tree_root: Path) -> list[Mutant]:
    path = "microgradnet/engine.py"
    source = (tree_root / path).read_text(encoding="utf-8")
    module = ast.parse(source)
    (value,) = [n for n in module.body if isinstance(n, ast.ClassDef) and n.name == "Value"]
    found: list[Mutant] = []
    for method in value.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        where = f"engine Value.{method.name}"
        derivative_args: list[ast.AST] = []
        for call in ast.walk(method):
            kind = getattr(call.func, "id", "") if isinstance(call, ast.Call) else ""
            if kind not in ("_unary", "_binary", "_nary"):
                continue
            for k in {"_unary": [3], "_binary": [3, 5], "_nary": [3]}[kind]:
                if k < len(call.args):  # type: ignore[union-attr]
                    arg = call.args[k]  # type: ignore[union-attr]
                    derivative_args.append(arg)
                    found.append(_scaled(path, source, arg, f"{where}: local derivative #{k} ×{SCALE}"))
        # branches of the derivative only (a forward-only comparison such as relu's x < 0 changes
        # nothing but the sign of a zero): inside the derivative arguments, and in assignments
        # to the names they read (max's `first = a >= b or ...`)
        names = {n.id for arg in derivative_args for n in ast.walk(arg) if isinstance(n, ast.Name)}
        for arg in derivative_args:
            found += _branch_mutants(path, source, arg, where)
        for stmt in ast.walk(method):
            if isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") in names for t in stmt.targets):
                found += _branch_mutants(path, source, stmt.value, where)
    return found


def table_mutants(tree_root: Path) -> list[Mutant]:
    path = "microgradnet/ops.py"
    source = (tree_root / path).read_text(encoding="utf-8")
    module = ast.parse(source)
    found: list[Mutant] = []
    for stmt in module.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") in ("_unary", "_binary"):
            name = call.args[0].value if isinstance(call.args[0], ast.Constant) else "?"
            unary = call.func.id == "_unary"  # type: ignore[attr-defined]
            derivs = [2] if unary else [2, 3]
            for k in derivs:
                d = call.args[k]
                start, end = _span(d)
                if isinstance(d, ast.Lambda):
                    new = f"lambda {_segment(source, d.args)}: ({_segment(source, d.body)}) * {SCALE}"
                else:
                    new = f"(lambda *a, _f={_segment(source, d)}: _f(*a) * {SCALE})"
                found.append(Mutant(path, f"row {name!r}: derivative #{k - 2} ×{SCALE}", start, end, new))
                if isinstance(d, ast.Lambda):
                    found += _branch_mutants(path, source, d.body, f"row {name!r} derivative")
            templates = call.args[5] if unary else call.args[6]
            strings = [templates] if isinstance(templates, ast.Constant) else getattr(templates, "elts", [])
            for k, t in enumerate(strings):
                if isinstance(t, ast.Constant) and isinstance(t.value, str):
                    start, end = _span(t)
                    found.append(Mutant(path, f"row {name!r}: replay template #{k} ×{SCALE}", start, end,
                                        repr(f"({t.value}) * {SCALE}")))
        elif isinstance(stmt, ast.FunctionDef) and stmt.name in SPECIAL_FUNCTIONS:
            found += _branch_mutants(path, source, stmt, f"special {stmt.name}")
    return found


def _test_files(tree_root: Path) -> list[str]:
    files: list[str] = []
    for pattern in TEST_GLOBS:
        files += [f for f in sorted(glob.glob(str(tree_root / "tests" / pattern))) if f not in files]
    return files


def _hide_torch(folder: Path) -> Path:
    shim = folder / "no-torch"
    (shim / "torch").mkdir(parents=True, exist_ok=True)
    (shim / "torch" / "__init__.py").write_text(
        'raise ModuleNotFoundError("torch is hidden by benchmarks/mutation.py", name="torch")\n'
    )
    return shim


def run_tests(tree_root: Path, files: list[str], with_torch: bool, shim: Path, first_failure: bool = True,
              show: bool = False) -> bool:
    """True when the tests pass (``show``: print pytest's summary of failures)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_PROFILE="ci")
    env["PYTHONPATH"] = str(tree_root) if with_torch else os.pathsep.join([str(shim), str(tree_root)])
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
    if first_failure:
        argv.insert(3, "-x")
    done = subprocess.run(argv, cwd=tree_root, env=env, capture_output=True, text=True, timeout=3600)
    if show and done.returncode != 0:
        print("\n".join(line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))))
    return done.returncode == 0


def _uses_torch(path: str) -> bool:
    text = Path(path).read_text(encoding="utf-8")
    return "torch" in text and ("import torch" in text or 'importorskip("torch"' in text)


def judge(tree: Path, m: Mutant, files: list[str], torch_files: list[str], shim: Path) -> str:
    """Apply ``m`` in ``tree``, run the tests, restore the file; the verdict. Without torch
    every test runs; a survivor is run again with torch, but only the files that use it (the
    others have just passed)."""
    target = tree / m.path
    original = target.read_text(encoding="utf-8")
    try:
        mutated = m.apply(original)
        ast.parse(mutated)
        target.write_text(mutated, encoding="utf-8")
        if not run_tests(tree, files, False, shim):
            return "killed without torch"
        if torch_files and not run_tests(tree, torch_files, True, shim):
            return "killed only with torch"
        return "SURVIVED"
    finally:
        target.write_text(original, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", help="use this checkout instead of fresh worktrees of HEAD (then --jobs 1)")
    parser.add_argument("--only", action="append", default=[],
                        help="only mutants whose label contains this text (repeat for several)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once, one worktree each")
    args = parser.parse_args(argv)

    import queue
    import threading

    work = Path(tempfile.mkdtemp(prefix="mgn-mutation-"))
    jobs = 1 if args.tree else max(1, args.jobs)
    trees = [Path(args.tree)] if args.tree else [work / f"tree{k}" for k in range(jobs)]
    try:
        if not args.tree:
            for tree in trees:
                git = ["git", "worktree", "add", "--detach", str(tree), "HEAD"]
                subprocess.run(git, cwd=ROOT, check=True, capture_output=True)
        mutants = [m for m in engine_mutants(trees[0]) + table_mutants(trees[0])
                   if not args.only or any(text in m.label for text in args.only)]
        if args.list:
            for m in mutants:
                print(f"{m.path}:{m.start[0]}:{m.start[1]}  {m.label}")
            print(f"{len(mutants)} mutants")
            return 0
        files = {t: _test_files(t) for t in trees}
        torch_files = {t: [f for f in files[t] if _uses_torch(f)] for t in trees}
        shim = _hide_torch(work)
        names = ", ".join(Path(f).name for f in files[trees[0]])
        print(f"{len(mutants)} mutants, {jobs} at a time; tests: {names}", flush=True)
        for with_torch in (False, True):
            if not run_tests(trees[0], files[trees[0]], with_torch, shim, first_failure=False, show=True):
                print(f"the unmutated tree fails its tests ({'with' if with_torch else 'without'} torch): "
                      "fix that first", flush=True)
                return 2
        free: queue.Queue[Path] = queue.Queue()
        for tree in trees:
            free.put(tree)
        survivors: list[Mutant] = []
        lock = threading.Lock()
        done = [0]

        def one(m: Mutant) -> None:
            tree = free.get()
            start = time.monotonic()
            try:
                verdict = judge(tree, m, files[tree], torch_files[tree], shim)
            finally:
                free.put(tree)
            with lock:
                done[0] += 1
                if verdict == "SURVIVED":
                    survivors.append(m)
                where = f"{m.path}:{m.start[0]}:{m.start[1]}"
                print(f"[{done[0]}/{len(mutants)}] {verdict:22} {where}  {m.label}  "
                      f"({time.monotonic() - start:.0f} s)", flush=True)

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, mutants))
        print(f"\n{len(mutants) - len(survivors)} of {len(mutants)} mutants killed; survivors:")
        for m in sorted(survivors, key=lambda m: (m.path, m.start)):
            print(f"  {m.path}:{m.start[0]}:{m.start[1]}  {m.label}")
        return 1 if survivors else 0
    finally:
        if not args.tree:
            for tree in trees:
                git = ["git", "worktree", "remove", "--force", str(tree)]
                subprocess.run(git, cwd=ROOT, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
