"""The README cannot drift: every example in it runs and prints what it says.

- Every ```python block runs, in order, in one namespace (as a reader pasting them into one
  session would), in a temporary folder. A ``print(...)`` followed by ``# text`` must print
  exactly ``text``. Blocks that need an optional extra (matplotlib, torch) are skipped with the
  reason when it is missing. A block whose first line is ``# path, what`` is an excerpt: its
  lines must appear, in order, in that file.
- Every ``$ microgradnet ...`` block runs the command: the lines shown (``...`` elides some)
  must appear in its output, in order.
- Every command in the command-line table exists and accepts the flags shown; every
  ``make TARGET`` named exists; every file of the project layout exists.
- No placeholder «...» is left.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # where the block starts in README.md

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def blocks(text: str = TEXT) -> list[Block]:
    """The fenced code blocks of the README, with their language and line number."""
    found, lang, start, body = [], None, 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if lang is None:
                lang, start, body = line[3:].strip(), number, []
            else:
                found.append(Block(lang, "\n".join(body) + "\n", start))
                lang = None
        elif lang is not None:
            body.append(line)
    assert lang is None, f"README.md:{start}: a code block is never closed"
    return found


EXCERPT = re.compile(r"#\s*(?P<path>[\w/]+\.py),")
PYTHON = [b for b in blocks() if b.lang == "python"]
RUNNABLE = [b for b in PYTHON if not EXCERPT.match(b.code)]
EXCERPTS = [b for b in PYTHON if EXCERPT.match(b.code)]
COMMANDS = [b for b in blocks() if b.lang == "" and b.code.startswith("$ microgradnet ")]

# what a block needs beyond the core install: (a word in the block, module, extra)
EXTRAS = [("plot_", "matplotlib", "plot"), ("to_torch", "torch", "torch"), ("from_torch", "torch", "torch")]


def test_the_readme_has_examples_of_every_kind():
    assert len(RUNNABLE) >= 4 and EXCERPTS and COMMANDS


# ---- python blocks --------------------------------------------------------------------------
def expected_prints(code: str) -> list[str]:
    """The text after ``# `` on every line that calls print(); every print must show one."""
    shown = []
    for number, line in enumerate(code.splitlines(), 1):
        if re.match(r"\s*print\(", line):
            code_part, sep, comment = line.partition("  # ")
            assert sep, f"line {number}: a print() in the README must show its output as '  # output'"
            shown.append(comment.strip())
    return shown


@contextlib.contextmanager
def working_directory(folder: Path):
    """contextlib.chdir, which Python 3.10 lacks."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


class Session:
    """The README's python blocks run in order in one namespace, each at most once."""

    def __init__(self) -> None:
        self.namespace: dict = {"__name__": "__readme__"}
        self.outputs: dict[int, str] = {}
        self.failed: dict[int, str] = {}

    def run_through(self, index: int, folder: Path) -> str:
        for i in range(index + 1):
            if i in self.failed:
                pytest.fail(f"{RUNNABLE[i].name} failed earlier: {self.failed[i]}")
            if i in self.outputs:
                continue
            block = RUNNABLE[i]
            for word, module, extra in EXTRAS:
                if word in block.code:
                    pytest.importorskip(
                        module, reason=f"{block.name} needs {module}: pip install 'microgradnet[{extra}]'"
                    )
            out = io.StringIO()
            try:
                with working_directory(folder), contextlib.redirect_stdout(out):
                    exec(compile(block.code, block.name, "exec"), self.namespace)  # noqa: S102 (the README)
            except Exception as exc:
                self.failed[i] = f"{type(exc).__name__}: {exc}"
                raise
            self.outputs[i] = out.getvalue()
        return self.outputs[index]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Path]:
    return Session(), tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("index", range(len(RUNNABLE)), ids=[b.name for b in RUNNABLE])
def test_python_block_runs_and_prints_what_the_readme_shows(index, session):
    state, folder = session
    output = state.run_through(index, folder)
    shown = expected_prints(RUNNABLE[index].code)
    printed = [line.rstrip() for line in output.splitlines()]
    assert printed == shown, f"{RUNNABLE[index].name}: the README shows {shown}, the code prints {printed}"


def test_print_comments_are_checked_strictly():
    """The checker itself: a wrong comment is a mismatch, a print without one an error."""
    assert expected_prints("print(1)  # 1\nx = 2\nprint(x, x)  # 2 2\n") == ["1", "2 2"]
    with pytest.raises(AssertionError, match="must show its output"):
        expected_prints("print(1)\n")


@pytest.mark.parametrize("block", EXCERPTS, ids=[b.name for b in EXCERPTS])
def test_code_excerpt_is_the_real_code(block):
    """Each line of an excerpt (without its trailing comment) is in the file, in this order."""
    path = ROOT / EXCERPT.match(block.code).group("path")
    source = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    position = 0
    for line in block.code.splitlines()[1:]:
        code = line.split("  #")[0].strip()
        if not code:
            continue
        assert code in source[position:], f"{block.name}: {code!r} not in {path.name} after line {position}"
        position = source.index(code, position) + 1


# ---- command-line examples --------------------------------------------------------------------
def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "microgradnet", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def segments(shown: list[str]) -> list[list[str]]:
    """The shown output split at ``...`` lines (where the README leaves lines out)."""
    parts: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            parts.append([])
        else:
            parts[-1].append(line.rstrip())
    return [p for p in parts if p]


def appears_in_order(parts: list[list[str]], lines: list[str]) -> bool:
    position = 0
    for part in parts:
        for start in range(position, len(lines) - len(part) + 1):
            if lines[start : start + len(part)] == part:
                position = start + len(part)
                break
        else:
            return False
    return True


def test_the_elision_matcher_needs_contiguous_lines_in_order():
    lines = ["a", "b", "c", "d"]
    assert appears_in_order([["a", "b"], ["d"]], lines)
    assert not appears_in_order([["a", "c"]], lines)
    assert not appears_in_order([["c"], ["a"]], lines)


@pytest.mark.parametrize("block", COMMANDS, ids=[b.name for b in COMMANDS])
def test_command_line_example_prints_what_the_readme_shows(block, tmp_path):
    command, *shown = block.code.rstrip("\n").splitlines()
    args = shlex.split(command.removeprefix("$ microgradnet "))
    result = run_cli(args, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert appears_in_order(segments(shown), lines), (
        f"{block.name}: the README's output of `{command[2:]}` is not what it prints:\n{result.stdout}"
    )


TABLE_COMMANDS = re.findall(r"^\| `microgradnet (\w+)([^`]*)`", TEXT, flags=re.MULTILINE)


def test_the_command_table_lists_every_command():
    assert {name for name, _ in TABLE_COMMANDS} >= {"demo", "train", "graph", "equations", "bench"}


@pytest.mark.parametrize("name,rest", TABLE_COMMANDS, ids=[name for name, _ in TABLE_COMMANDS])
def test_each_command_in_the_table_exists_with_the_flags_shown(name, rest, tmp_path):
    result = run_cli([name, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*|-o)\b", rest):
        assert flag in result.stdout, f"`microgradnet {name}` has no {flag} (README's command table)"


def test_every_make_target_named_in_the_readme_exists():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))
    named = set(re.findall(r"`make ([\w-]+)`", TEXT)) | set(re.findall(r"^make ([\w-]+)", TEXT, re.MULTILINE))
    assert named, "the README names no make target"
    assert named <= targets, f"named in the README but not in the Makefile: {sorted(named - targets)}"


def test_every_file_in_the_project_layout_exists():
    (layout,) = [b for b in blocks() if b.lang == "" and b.code.startswith("microgradnet/")]
    package = ROOT / "microgradnet"
    for name in re.findall(r"(?<![\w/])([\w]+\.py|[\w]+/)", layout.code):
        where = ROOT if name in ("microgradnet/", "tests/", "notebooks/", "docs/") else package
        assert (where / name).exists(), f"README's project layout lists {name}, which does not exist"


def test_every_picture_the_readme_shows_exists():
    for path in re.findall(r"(?:\]\(|src=\")(docs/[\w./-]+)", TEXT):
        assert (ROOT / path).is_file(), path


def test_every_notebook_is_named_in_the_readme():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert path.stem in TEXT, f"{path.name} is not described under 'Notebooks'"


def test_no_placeholder_is_left():
    """Numbers still to be filled in from a benchmark run are written «LIKE_THIS»."""
    left = sorted(set(re.findall(r"«[^»]*»", TEXT)))
    assert not left, f"README.md still has placeholders: {left}"


# ---- numbers in the prose -----------------------------------------------------------------------
# Every number the README's sentences state is checked: node counts against the graphs built
# here, and the benchmark figures quoted in sentences against the benchmark tables the same
# README prints (the tables are the bench's output, pasted as is). Each claim is a pattern with
# one number in it; the pattern must still be found (rewrite it here when the sentence changes),
# and every place it matches must state the right number.
def _number(text: str) -> float:
    return float(text.replace(",", "").replace("\u202f", ""))


def _demo_nodes(engine: str) -> int:
    """Nodes of micrograd's demo loss (100 moons, MLP(2, [16, 16, 1]), hinge + L2) on ``engine``."""
    import random

    from microgradnet.bench.workloads import count_nodes, load_engine, make_moons, svm_loss

    random.seed(1337)
    X, y = make_moons(100)
    value, mlp = load_engine(engine)
    model = mlp(2, [16, 16, 1])
    return count_nodes(svm_loss(model, [list(map(value, x)) for x in X], y))


def _one_sample_nodes(values: bool) -> int:
    import random

    from microgradnet.bench.workloads import count_nodes
    from microgradnet.engine import Value
    from microgradnet.nn import MLP

    random.seed(1337)
    x = [0.7, -0.3]
    return count_nodes(MLP(2, [16, 16, 1])([Value(v) for v in x] if values else x))


def _micrograd_one_sample_nodes() -> int:
    import random

    micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed")
    from microgradnet.bench.workloads import count_nodes

    random.seed(1337)
    return count_nodes(micrograd_nn.MLP(2, [16, 16, 1])([0.7, -0.3]))


def table_rows(text: str | None = None) -> dict[str, list[str]]:
    """Every markdown table row of the README, by its first cell (unique enough for these)."""
    rows = {}
    for line in (TEXT if text is None else text).splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.setdefault(cells[0], cells[1:])
    return rows


def _seconds(cell: str) -> float:
    value, unit = re.match(r"≈?\s*([\d.,]+)\s*(ms|s|µs)", cell).groups()
    return _number(value) * {"s": 1.0, "ms": 1e-3, "µs": 1e-6}[unit]


def _bench(row: str, column: int = 1) -> float:
    """A time (seconds) or number from the README's benchmark tables: the row starting with
    ``row``, its ``column``-th cell after the first."""
    rows = table_rows()
    keys = [row] if row in rows else [k for k in rows if k.startswith(row)]
    assert len(keys) == 1, f"the README's benchmark tables have {len(keys)} rows starting {row!r}"
    key = keys[0]
    cell = rows[key][column]
    return _seconds(cell) if re.search(r"\d\s*(ms|s|µs)\b", cell) else _number(re.search(r"[\d.,]+", cell)[0])


def _scalar_nodes() -> int:
    return _demo_nodes("microgradnet")


def _fused_nodes() -> int:
    return _demo_nodes("fused")


def _step(row: str) -> float:
    return _bench(row, 1)


def _ratio(a: str, b: str, column_a: int = 1, column_b: int = 1) -> float:
    return _bench(a, column_a) / _bench(b, column_b)


MICROGRAD, SCALAR = "micrograd 0.1.0", "microgradnet, default scalar graph"
FUSED, REPLAY = "microgradnet, `fused=True`", "compiled replay of the scalar graph, per step"
DEMO_MICROGRAD, DEMO_REPLAY = "micrograd 0.1.0 (estimated", "compiled replay, scalar graph"

# (pattern with one number group, the true value, how it is rounded: "exact" = the digits shown
# must equal the value rounded to them; "about" = within 5 %)
PROSE_NUMBERS: list[tuple[str, object, str]] = [
    (r"\(([\d,]+) for one sample through `MLP\(2, \[16, 16, 1\]\)`", lambda: _one_sample_nodes(True),
     "exact"),
    (r"([\d,]+) for the\s+demo's training step", _scalar_nodes, "exact"),
    (r"\(([\d,]+) vs [\d,]+ nodes\)", lambda: _one_sample_nodes(False), "exact"),
    (r"\([\d,]+ vs ([\d,]+) nodes\)", _micrograd_one_sample_nodes, "exact"),
    (r"([\d,]+) nodes for the demo's step", _fused_nodes, "exact"),
    (r"nodes, ([\d,]+) of them\)", _scalar_nodes, "exact"),
    (r"\| micrograd 0\.1\.0 \| ([\d,]+) \|", _scalar_nodes, "exact"),
    (r"\| microgradnet, default scalar graph[^|]*\| ([\d,]+) \|", _scalar_nodes, "exact"),
    (r"\| microgradnet, `fused=True`[^|]*\| ([\d,]+) \|", _fused_nodes, "exact"),
    (r"\| compiled replay of the scalar graph, per step \| ([\d,]+) \|", _scalar_nodes, "exact"),
    (r"\| compiled replay of the fused graph, per step \| ([\d,]+) \|", _fused_nodes, "exact"),
    (r"\| microgpt-style Value[^|]*\| ([\d,]+) \|", _scalar_nodes, "exact"),
    (r"a ([\d.]+)× smaller graph", lambda: _scalar_nodes() / _fused_nodes(), "exact"),
    (r"graph ([\d.]+)× smaller", lambda: _scalar_nodes() / _fused_nodes(), "exact"),
    # quoted from the benchmark tables
    (r"the very same graph ([\d.]+)× faster", lambda: _ratio(MICROGRAD, SCALAR), "exact"),
    (r"the engine is \*\*([\d.]+)×\*\* faster", lambda: _ratio(MICROGRAD, SCALAR), "exact"),
    (r"makes a step ([\d.]+)×", lambda: _ratio(MICROGRAD, FUSED), "exact"),
    (r"the step ([\d.]+)× faster than micrograd's", lambda: _ratio(MICROGRAD, FUSED), "exact"),
    (r"compiled replay about ([\d.]+)× per step", lambda: _ratio(MICROGRAD, REPLAY), "about"),
    (r"about ([\d.]+)× micrograd's step", lambda: _ratio(MICROGRAD, REPLAY), "about"),
    (r"a step in ([\d.]+) ms", lambda: 1e3 * _step(REPLAY), "exact"),
    (r"about ([\d.]+)× end to end", lambda: _ratio(DEMO_MICROGRAD, DEMO_REPLAY, 0, 0), "about"),
    (r"about ([\d.]+)× faster\): the same numbers", lambda: _ratio(SCALAR, FUSED), "exact"),
    (r"demo takes ([\d.]+) s eager", lambda: _bench("eager, scalar graph", 0), "exact"),
    (r"([\d.]+) s\s+fused and", lambda: _bench("eager, `fused=True`", 0), "exact"),
    (r"and ([\d.]+) s compiled with the recording", lambda: _bench(DEMO_REPLAY, 0), "exact"),
    (r"micrograd: about ([\d.]+) s, estimated", lambda: _bench(DEMO_MICROGRAD, 0), "about"),
    (r"fused step ≤ 0\.03 ✔ \(([\d.]+)\)", lambda: _bench("W1 fused=True ÷ micrograd", 0), "exact"),
    (r"plain floats ✔ \(([\d.]+)×\)", lambda: _bench("W1 compiled replay (scalar graph) ÷ plain floats", 0),
     "exact"),
    (r"✔ \(([\d.]+) scalar,", lambda: _bench("recording + first step (scalar graph)", 0), "exact"),
    (r"scalar, ([\d.]+) fused\)", lambda: _bench("recording + first step (fused)", 0), "exact"),
    (r"2× build ✔ \(([\d.]+)×\)", lambda: _bench("W2 N=1M backward ÷ build", 0), "exact"),
    (r"micrograd's \(([\d.]+)\)\.\*\*", lambda: _bench("W1 scalar graph (micrograd's graph) ÷ micrograd", 0),
     "exact"),
    (r"That costs 32 B per node: ([\d.]+) B/node", lambda: _bench("W4 N=100k", 1), "exact"),
    (r"([\d.]+)× less than micrograd's", lambda: _ratio("W4 N=100k", "W4 N=100k", 0, 1), "exact"),
    (r"less than micrograd's ([\d.]+)\.", lambda: _bench("W4 N=100k", 0), "exact"),
    (r"The engine is at ([\d.]+), ", lambda: _bench("W3 N=100k ÷ micrograd", 0), "exact"),
    (r"([\d.]+)× ahead of", lambda: _ratio("W3 N=100k", "W3 N=100k", 2, 1), "exact"),
    (r"\(([\d.]+)× on the demo's step\)", lambda: _ratio("microgpt-style Value", SCALAR), "exact"),
    (r"it finds ([\d,]+) mutants in the code", lambda: _mutant_count(), "exact"),
]


def _mutant_count() -> int:
    """How many mutants benchmarks/mutation.py finds in today's code (no test is run)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation", ROOT / "benchmarks" / "mutation.py")
    mutation = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutation", mutation)  # its dataclass looks its module up there
    spec.loader.exec_module(mutation)
    return len(mutation.engine_mutants(ROOT) + mutation.table_mutants(ROOT))


def _shown_precision(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _agrees(shown: str, true: float, how: str) -> bool:
    value = _number(shown)
    if how == "about":
        return abs(value - true) <= 0.05 * abs(true)
    return round(true, _shown_precision(shown)) == value


def test_the_prose_number_checker_catches_a_changed_digit():
    assert _agrees("65,818", 65818, "exact") and not _agrees("65,819", 65818, "exact")
    assert _agrees("12.2", 923.8 / 75.7, "exact") and not _agrees("12.3", 923.8 / 75.7, "exact")
    assert _agrees("12", 923.8 / 75.7, "exact") and not _agrees("13", 923.8 / 75.7, "exact")
    assert _agrees("420", 419.9, "about") and not _agrees("500", 419.9, "about")


@pytest.mark.parametrize("pattern, truth, how", PROSE_NUMBERS, ids=[p[0][:40] for p in PROSE_NUMBERS])
def test_each_number_in_the_prose_is_what_the_code_or_the_benchmark_table_says(pattern, truth, how):
    found = re.findall(pattern, TEXT.replace("\n", " ").replace("  ", " "))
    assert found, f"the README no longer says {pattern!r}: update the claim in tests/test_readme.py"
    true = truth()
    wrong = [shown for shown in found if not _agrees(shown, true, how)]
    assert not wrong, f"the README says {wrong[0]} where the code/benchmark gives {true:.6g} ({pattern!r})"


def test_the_fuzz_profile_runs_the_number_of_cases_the_readme_says():
    (shown,) = set(re.findall(r"with ([\d,]+) fresh random cases each", TEXT.replace("\n", " ")))
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    (cases,) = re.findall(r'register_profile\("fuzz", max_examples=(\d+)', conftest)
    assert _number(shown) == int(cases)
