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
