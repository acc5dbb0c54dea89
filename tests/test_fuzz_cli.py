"""Fuzzing the command line and the model files it writes.

- ``microgradnet graph EXPR --set ...`` run in-process on random and mutated formulas and
  values: it prints the table (exit 0) or ONE error line (exit 2), within a time bound, without
  writing anything and without a traceback. (The parser alone is fuzzed in test_expr.py.)
- Model files written by ``microgradnet train --save``: random line- and token-level mutations
  of a real file load cleanly or raise ``ValueError`` naming the file, with the model untouched.
  (Random bytes and byte edits of a compact file are in test_save_load.py.)

``HYPOTHESIS_PROFILE=fuzz`` runs 5000 cases per test.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import re
import time

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from microgradnet import nn
from microgradnet.cli import main
from microgradnet.expr import FUNCTIONS

# A hang bound relative to this machine's speed, never absolute: a fuzzed command (typically a
# few milliseconds) may take at most this many times one ordinary command that draws a graph.
SLOWDOWN = 50
_unit: list[float] = []


def time_bound() -> float:
    """SLOWDOWN × the median of 3 runs of an ordinary command (measured once, then cached)."""
    if not _unit:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["graph", "-o", "-", "tanh(x*w + b)", "--set", "x=2", "--set", "w=-3",
                             "--set", "b=1"]) == 0
            times.append(time.perf_counter() - start)
        _unit.append(sorted(times)[1])
    return SLOWDOWN * _unit[0]


FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---- formulas: random token soup, grammatical formulas, and mutations of those -------------------
TOKENS = ["x", "y", "w", "b", "x1", "_x", "1", "0", "2.5", "1e3", "1e999", "9", " ", "+", "-", "*", "/",
          "**", "(", ")", ",", ".", "[", "]", "'", "=", ":", "lambda", "__import__", "os", "%", "<",
          *FUNCTIONS, "nosuch", "\t", "\n", "\x00", "é", "ｘ", "#"]
soup = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)

leaf = st.one_of(st.sampled_from(["x", "y", "w", "b"]),
                 st.sampled_from(["0", "1", "2", "0.5", "3.25", "10", "1e-3"]))


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "/", "**"])
    binary = st.tuples(inner, ops, inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})")
    call = st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner).map(lambda t: f"{t[0]}({t[1]})")
    return st.one_of(binary, call, inner.map(lambda e: f"-{e}"))


grammatical = st.recursive(leaf, _grow, max_leaves=10)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(grammatical)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if kind == "delete":
            text = text[:i] + text[i + 1:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "duplicate":
            text = text[:i] + text[i:] * 2
        elif len(text) > i + 1:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text


formulas = st.one_of(soup, grammatical, mutated())
numbers = st.one_of(
    st.sampled_from(["0", "-0", "1", "-3", "2.5", "1e-300", "1e300", "nan", "inf", "-inf", "abc", "", "1e999",
                     "0x10", " 4 ", "1_000"]),
    st.floats(-5, 5, allow_nan=False).map(repr),
)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@st.composite
def graph_argv(draw: st.DrawFn) -> list[str]:
    """A formula, a value for (most of) its names, and the formula before or after '--'."""
    formula = draw(formulas)
    names = sorted({n for n in NAME.findall(formula) if n not in FUNCTIONS})
    argv = ["graph"]
    for name in names:
        if draw(st.integers(0, 9)):  # one time in ten, leave a name without a value
            argv += ["--set", f"{name}={draw(numbers)}"]
    if draw(st.booleans()):
        argv += ["--set", draw(st.sampled_from(["x", "=1", "x==1", "q=1", "1x=2"]))]
    return argv + (["--", formula] if draw(st.booleans()) else [formula])


def run_cli(capsys, argv: list[str]) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own one-line errors
        code = exc.code
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    return code, out, err, elapsed


@FIXTURES_OK
@given(argv=graph_argv())
def test_the_graph_command_prints_a_table_or_one_error_line_quickly(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err, elapsed = run_cli(capsys, argv)
    assert elapsed < time_bound(), (argv, elapsed)
    event(f"exit {code}")
    if code == 0:
        assert err == "" and " = " in out.splitlines()[0], (argv, out, err)
    else:
        assert code == 2 and out == "", (argv, code, out)
        assert err.count("\n") == 1 and err.startswith("microgradnet graph: error: "), (argv, err)
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing is written without -o


@FIXTURES_OK
@given(formula=st.one_of(grammatical, mutated()))
def test_any_graph_that_builds_can_also_be_printed_as_dot(formula, capsys):
    """With -o - the graph is drawn (DOT on stdout) or the same one-line error is printed."""
    argv = ["graph", "-o", "-"]
    for name in sorted({n for n in NAME.findall(formula) if n not in FUNCTIONS}):
        argv += ["--set", f"{name}=0.75"]
    code, out, err, elapsed = run_cli(capsys, [*argv, "--", formula])
    assert elapsed < time_bound()
    event(f"exit {code}")
    if code == 0:
        assert out.lstrip().startswith("digraph") and out.rstrip().endswith("}") and err == ""
    else:
        assert code == 2 and out == "" and err.count("\n") == 1


# ---- `microgradnet equations` with random flag values ---------------------------------------------
NUMBERS = ["-1e308", "1e308", "0", "1", "-2.5", "1e-308", "1e200", "-7", "0.5"]
JUNK = ["", "x", "nan", "inf", "1,,2", "a,b,c", "99", "-1", "0,0,0", "1e3"]


@st.composite
def equations_argv(draw: st.DrawFn) -> list[str]:
    """Flags that fit together three times in four (so the table gets printed), junk otherwise."""

    def fits() -> bool:
        return draw(st.integers(0, 3)) > 0

    def numbers(n: int) -> str:
        return ",".join(draw(st.lists(st.sampled_from(NUMBERS), min_size=n, max_size=n)))

    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    loss = draw(st.sampled_from(["nll", "mse", "bce", "hinge"]))
    if loss in ("bce", "hinge"):
        sizes[-1] = 1
    argv = ["equations", f"--sizes={','.join(map(str, sizes)) if fits() else draw(st.sampled_from(JUNK))}"]
    argv.append(f"--loss={loss}" if fits() else "--loss=l1")
    if draw(st.booleans()):
        act = draw(st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "gelu", "linear"]))
        argv.append(f"--act={act}")
    if draw(st.booleans()):
        argv.append(f"--input={numbers(sizes[0]) if fits() else draw(st.sampled_from(JUNK))}")
    if draw(st.booleans()):
        good = {"nll": str(draw(st.integers(0, sizes[-1] - 1))), "mse": numbers(sizes[-1]),
                "bce": draw(st.sampled_from(["0", "1", "0.25"])),
                "hinge": draw(st.sampled_from(["1", "-1"]))}[loss]
        # '--flag=value' so that a value may start with '-'
        argv.append(f"--target={good if fits() else draw(st.sampled_from(JUNK))}")
    if draw(st.booleans()):
        n = len(sizes) - 1
        good = f"{draw(st.integers(1, n))},1,{draw(st.integers(0, 1))}"
        argv.append(f"--explain={good if fits() else draw(st.sampled_from(JUNK))}")
    if draw(st.booleans()):
        argv.append(f"--seed={draw(st.sampled_from(['0', '-5', '99999999999999999999', '7', 'x']))}")
    if draw(st.booleans()):
        argv.append(f"--digits={draw(st.sampled_from(['1', '17', '6', '0', '18', 'x']))}")
    if draw(st.booleans()):
        argv.append("--no-bias")
    return argv


@FIXTURES_OK
@given(argv=equations_argv())
def test_the_equations_command_prints_its_table_or_one_error_line(argv, capsys):
    code, out, err, elapsed = run_cli(capsys, argv)
    assert elapsed < time_bound(), (argv, elapsed)
    event(f"exit {code}")
    if code == 0:
        assert err == "" and "maximum |diff|" in out, (argv, out, err)
    else:
        assert code == 2 and out == "", (argv, code, out)
        assert err.count("\n") == 1 and err.startswith("microgradnet equations: error: "), (argv, err)


# ---- model files written by `microgradnet train --save` -------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real CLI-trained model file (pretty JSON: one line per weight row)."""
    folder = tmp_path_factory.mktemp("train")
    path = folder / "model.json"
    code = main(["train", "--hidden", "4,3", "--steps", "3", "--samples", "12", "--save", str(path)])
    assert code == 0
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def victim_path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "model.json"


def test_a_model_saved_by_the_cli_loads_back_with_the_same_predictions(saved, tmp_path, capsys):
    path = tmp_path / "m.json"
    path.write_text(saved, encoding="utf-8")
    model = nn.load_model(path)
    assert isinstance(model, nn.MLP) and model.sizes == [2, 4, 3, 1]
    again = nn.MLP(2, [4, 3, 1], rng=0)
    again.load(path)
    x = [0.3, -0.7]
    assert again(x).data == model(x).data
    capsys.readouterr()


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
REPLACEMENTS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-400", "null", "true", '"0.5"', "[]",
                "{}", "0", "-0.0", "12345678901234567890", "9" * 400, "1.5", "[0.5]", ""]
EDITS = ["number", "delete line", "duplicate line", "swap lines", "truncate", "key"]


@st.composite
def mutated_model(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(EDITS))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "number":
            spots = list(NUMBER.finditer(lines[i]))
            if spots:
                m = spots[draw(st.integers(0, len(spots) - 1))]
                lines[i] = lines[i][:m.start()] + draw(st.sampled_from(REPLACEMENTS)) + lines[i][m.end():]
        elif kind == "delete line" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(i, lines[i])
        elif kind == "swap lines":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:  # rename a key
            lines[i] = re.sub(r'"(\w+)"', lambda m: f'"{m.group(1)}x"', lines[i], count=1)
    return "\n".join(lines)


def _weights(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


@FIXTURES_OK
@given(data=st.data())
def test_mutated_cli_model_files_load_cleanly_or_raise_value_error_leaving_the_model_untouched(
    saved, victim_path, data
):
    text = data.draw(mutated_model(saved))
    victim_path.write_text(text, encoding="utf-8")
    model = nn.MLP(2, [4, 3, 1], rng=random.Random(7))
    before = _weights(model)
    bound = time_bound()
    start = time.perf_counter()
    try:
        model.load(victim_path)
    except ValueError as exc:
        message = str(exc)
        assert str(victim_path) in message and "\n" not in message, message
        assert _weights(model) == before  # nothing half-loaded
        event("refused with ValueError")
    else:
        event("loaded")  # only a file that still describes this architecture with finite weights loads
        assert all(math.isfinite(w) for w in _weights(model))
        assert math.isfinite(model([0.5, -0.5]).data)
    try:
        built = nn.load_model(victim_path)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(math.isfinite(w) for w in _weights(built))
    assert time.perf_counter() - start < bound
