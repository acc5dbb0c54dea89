"""`microgradnet graph EXPR`: the table of gradients, the pictures, and one-line errors."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time

import pytest

from microgradnet.cli import main
from tests.oracles import central_difference, close

NEURON = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.8813735870195432"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def table(out: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(\w+)\s+(\S+)\s+(\S+)", line.strip())
        if m and m.group(1) != "name":
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rows


def test_the_neuron_prints_its_output_and_gradients_matching_finite_differences(capsys):
    code, out, err = run(capsys, *NEURON)
    assert code == 0 and err == ""
    assert out.startswith("tanh(x*w + b) = 0.707107")
    rows = table(out)
    assert list(rows) == ["x", "w", "b"]
    point = [2.0, -3.0, 6.8813735870195432]
    numeric = central_difference(lambda v: math.tanh(v[0] * v[1] + v[2]), point)
    for (name, (value, grad)), p, expected in zip(rows.items(), point, numeric):
        assert close(value, p, rel=1e-5) and close(grad, expected, rel=1e-5), name


def test_without_output_it_says_how_to_draw(capsys):
    code, out, _ = run(capsys, "a*b", "--set", "a=2", "--set", "b=-3")
    assert code == 0 and "-o graph.svg" in out
    assert table(out) == {"a": (2.0, -3.0), "b": (-3.0, 2.0)}


def test_svg_output_draws_every_named_value(capsys, tmp_path):
    target = tmp_path / "neuron.svg"
    code, out, err = run(capsys, *NEURON, "-o", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "<svg" in text
    for label in ("x", "w", "b", "x*w + b", "tanh"):
        assert f">{label}<" in text.replace("&#45;", "-")
    assert f"wrote {target}" in out


def test_png_output_is_a_png(capsys, tmp_path):
    target = tmp_path / "neuron.png"
    code, _, err = run(capsys, *NEURON, "-o", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_output_and_dash_print_the_graphviz_source(capsys, tmp_path):
    target = tmp_path / "neuron.dot"
    code, _, err = run(capsys, *NEURON, "-o", str(target))
    assert code == 0, err
    source = target.read_text(encoding="utf-8")
    assert source.lstrip().startswith("digraph") and "tanh" in source
    code, out, _ = run(capsys, *NEURON, "-o", "-")
    assert code == 0 and out == source


def test_html_output_is_the_step_through_page_with_a_title(capsys, tmp_path):
    target = tmp_path / "steps.html"
    code, out, err = run(capsys, *NEURON, "-o", str(target), "--title", "One neuron")
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "<title>One neuron</title>" in text and 'id="mgn-data"' in text
    assert "web browser" in out


def test_a_formula_starting_with_minus_goes_after_double_dash(capsys):
    code, out, _ = run(capsys, "--set", "x=2", "--", "-x*x")
    assert code == 0 and table(out) == {"x": (2.0, -4.0)}


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["graph", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "examples:" in out and "--set x=2" in out and ".html" in out


HOSTILE = [
    "__import__('os').system('touch pwned')",
    "x.__class__",
    "lambda: 1",
    "[a for a in b]",
    "9**9**9",
    "'a'*10**6",
    "(" * 10_000 + "x" + ")" * 10_000,
    "x" * 100_000,
    "open('pwned', 'w')",
    "exec('1')",
    "f'{x}'",
    "x[0]",
    "tanh(x=1)",
    "(y := 1)",
    "x < 1",
    "x or y",
    "unknown_name + 1",
    "x/0",
]


@pytest.fixture(scope="module")
def ordinary_seconds(tmp_path_factory) -> float:
    """How long an ordinary drawing takes here (median of 3): hostile input must cost no more."""
    folder = tmp_path_factory.mktemp("ordinary")
    times = []
    for i in range(3):
        start = time.perf_counter()
        assert main(["graph", *NEURON, "-o", str(folder / f"n{i}.svg")]) == 0
        times.append(time.perf_counter() - start)
    return sorted(times)[1]


@pytest.mark.parametrize("expr", HOSTILE, ids=lambda s: repr(s[:25]))
def test_hostile_expressions_exit_2_with_one_line_fast_and_write_nothing(
    expr, capsys, tmp_path, monkeypatch, ordinary_seconds
):
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code, out, err = run(capsys, expr, "--set", "x=1", "-o", "out.svg")
    # relative, not absolute: refusing must not cost more than drawing an ordinary graph
    assert time.perf_counter() - start < 2 * ordinary_seconds
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("microgradnet graph: error: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "setting, problem",
    [("x=nan", "finite"), ("x=inf", "finite"), ("x=abc", "not a number"), ("x", "NAME=NUMBER"),
     ("=3", "NAME=NUMBER"), ("1x=3", "not a name"), ("x.y=3", "not a name")],
)
def test_bad_set_values_are_one_line_errors(setting, problem, capsys):
    code, out, err = run(capsys, "x + 1", "--set", setting)
    assert code == 2 and out == "" and problem in err and err.count("\n") == 1


def test_a_name_set_twice_or_unused_is_an_error(capsys):
    code, _, err = run(capsys, "x + 1", "--set", "x=1", "--set", "x=2")
    assert code == 2 and "twice" in err
    code, _, err = run(capsys, "x + 1", "--set", "x=1", "--set", "y=2")
    assert code == 2 and "'y'" in err


def test_a_missing_value_names_the_option_to_add(capsys):
    code, _, err = run(capsys, "x*w", "--set", "x=1")
    assert code == 2 and "--set w=" in err


@pytest.mark.parametrize(
    "output, problem",
    [("nowhere/g.svg", "does not exist"), ("g.xyz", "unknown picture"), ("graph", "suffix")],
)
def test_bad_output_paths_are_one_line_errors(output, problem, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "x + 1", "--set", "x=1", "-o", output)
    assert code == 2 and problem in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_installed_command_refuses_an_attack_in_a_fresh_process(tmp_path):
    """End to end, as a student would type it (the timeout only stops a hang)."""
    done = subprocess.run(
        [sys.executable, "-m", "microgradnet", "graph", "__import__('os').system('touch pwned')"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


# ---- the user's own operations: --import MODULE ------------------------------------------------
SINH_MODULE = '''\
import math
from microgradnet import define_op
define_op("sinh", math.sinh, lambda x, out: math.cosh(x))
'''


def run_fresh(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    """The installed command in a fresh process (a declared operation must not leak into others)."""
    return subprocess.run(
        [sys.executable, "-m", "microgradnet", "graph", *argv],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )


@pytest.mark.parametrize("how", ["module name", "file path"])
def test_import_loads_the_users_module_so_its_operation_can_be_used(how, tmp_path):
    (tmp_path / "myops.py").write_text(SINH_MODULE, encoding="utf-8")
    spec = "myops" if how == "module name" else str(tmp_path / "myops.py")
    done = run_fresh(tmp_path, "--import", spec, "sinh(x*w)", "--set", "x=0.5", "--set", "w=1.5")
    assert done.returncode == 0, done.stderr
    rows = table(done.stdout)
    numeric = central_difference(lambda v: math.sinh(v[0] * v[1]), [0.5, 1.5])
    assert close(rows["x"][1], numeric[0], rel=1e-5) and close(rows["w"][1], numeric[1], rel=1e-5)
    assert done.stdout.startswith(f"sinh(x*w) = {math.sinh(0.75):.6g}")


def test_without_import_a_declared_function_is_unknown_and_the_error_says_how(tmp_path):
    (tmp_path / "myops.py").write_text(SINH_MODULE, encoding="utf-8")
    done = run_fresh(tmp_path, "sinh(x)", "--set", "x=0.5")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "unknown function 'sinh'" in done.stderr and "--import" in done.stderr


@pytest.mark.parametrize(
    "module, spec, problem",
    [
        (None, "nosuch_module_xyz", "no module named 'nosuch_module_xyz'"),
        (None, "missing.py", "no such file"),
        ("raise RuntimeError('boom')\n", "broken.py", "RuntimeError: boom"),
        (None, "os;rm", "give a module name"),
    ],
)
def test_a_module_that_cannot_be_imported_is_a_one_line_error(module, spec, problem, tmp_path):
    if module is not None:
        (tmp_path / spec).write_text(module, encoding="utf-8")
    done = run_fresh(tmp_path, "--import", spec, "x", "--set", "x=1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and problem in done.stderr, done.stderr


def test_help_lists_every_function_the_parser_accepts_and_says_import_runs_your_code(capsys):
    from microgradnet import ops

    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    listed = re.search(r"the functions (.*?)\. Every name", out).group(1)
    names = set(re.findall(r"(?:^| )(\w+)", re.sub(r"\(x[^)]*\)", "", listed)))
    assert names == set(ops.formula_functions()), listed
    assert "--import" in out and "runs as you" in out and "never run as Python" in out


def test_help_after_import_lists_the_declared_function_too(tmp_path):
    (tmp_path / "myops.py").write_text(SINH_MODULE, encoding="utf-8")
    done = run_fresh(tmp_path, "--import", "myops", "--help")
    listed = re.search(r"the functions (.*?)\. ", " ".join(done.stdout.split())).group(1)
    assert "sinh" in listed.split() and "sin" in listed.split()
