"""`microgradnet equations` prints Equation 8 next to backward() for every weight, and refuses
bad input with one line and exit code 2."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradnet.cli import CLIError, main
from microgradnet.cli.equations import parse_floats, parse_sizes


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(['equations', *argv]) -> (exit code, stdout, stderr); argparse's errors exit directly."""
    try:
        code = main(["equations", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def max_diff(out: str) -> float:
    (value,) = re.findall(r"maximum \|diff\| = (\S+)$", out, re.M)
    return float(value)


def table_rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if re.match(r"^\d+\s+\d+\s+\d+\s+[wb]\^", line)]


def test_with_no_flags_it_prints_the_table_for_a_2_3_3_2_tanh_network(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert "ℓ  i  j  weight" in out and "∂e/∂w (Eq. 8)" in out and "∂e/∂w (backward)" in out
    rows = table_rows(out)
    assert len(rows) == 3 * 3 + 4 * 3 + 4 * 2  # (d_{ℓ-1} + 1)·d_ℓ weights per layer, biases included
    assert all(r[4] == r[5] for r in rows)  # equal to the 10 printed decimals
    assert max_diff(out) < 1e-12


def test_explain_adds_the_arithmetic_for_one_weight(capsys):
    code, out, _ = run(capsys, "--sizes", "2,3,3,2", "--act", "tanh", "--loss", "nll", "--target", "1",
                       "--seed", "0", "--input", "0.5,-1.2", "--explain", "1,2,1")
    assert code == 0
    assert "x = (0.5, -1.2)" in out
    for needle in ("Equation 8:  ∂e/∂w^1_{2,1} = ∂e/∂o^1_2 · φ'(z^1_2) · o^0_1", "Equation 12:", "Equation 9",
                   "backward() gives ∂e/∂w^1_{2,1}"):
        assert needle in out


@pytest.mark.parametrize(
    "argv, rows",
    [
        (["--sizes", "2,4,1", "--act", "relu", "--loss", "bce", "--target", "0", "--input=-0.5,1.2"], 12 + 5),
        (["--sizes", "3,2", "--loss", "mse", "--target", "0.5,-1", "--no-bias", "--explain", "1,1,3"], 6),
        (["--sizes", "2,2,1", "--act", "gelu", "--loss", "hinge", "--target", "-1"], 6 + 3),
        (["--sizes", "1,1", "--loss", "mse", "--target", "2", "--digits", "3"], 2),
    ],
)
def test_other_losses_and_options_work(capsys, argv, rows):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and len(table_rows(out)) == rows and max_diff(out) < 1e-12


def test_without_bias_there_are_no_j_0_rows(capsys):
    _, out, _ = run(capsys, "--no-bias")
    rows = table_rows(out)
    assert rows and all(r[2] != "0" for r in rows) and "no biases" in out


def test_the_same_seed_gives_the_same_table_and_another_seed_another(capsys):
    outs = [run(capsys, "--seed", s)[1] for s in ("3", "3", "4")]
    assert outs[0] == outs[1] != outs[2]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--sizes", "2"], "at least two widths"),
        (["--sizes", "2,0,2"], "positive"),
        (["--sizes", "2,x"], "whole numbers"),
        (["--sizes", "500,500,500"], "at most"),
        (["--target", "2"], "between 0 and 1"),
        (["--target=-1"], "counted from 0"),
        (["--target", "one"], "class number"),
        (["--explain", "4,1,1"], "layer ℓ must be between 1 and 3"),
        (["--explain", "1,9,1"], "neuron i of layer 1"),
        (["--explain", "1,1,3"], "input j of layer 1"),
        (["--explain", "1,1,0", "--no-bias"], "no biases"),
        (["--explain", "1,1"], "three numbers"),
        (["--input", "1,2,3"], "must have 2 numbers"),
        (["--input", "1,inf"], "finite"),
        (["--loss", "bce"], "needs a model with one output"),
        (["--loss", "hinge", "--sizes", "2,1", "--target", "0.5"], "two classes (labels 0/1 or -1/+1)"),
        (["--loss", "mse", "--target", "0.5"], "2 numbers (one per output) or a class 0..1"),
        (["--loss", "mse", "--target", "1,2,3"], "2 number(s), one per output"),
        (["--act", "no_such_act"], "invalid choice"),
        (["--digits", "40"], "1 to 17"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err


def test_help_shows_examples_and_the_index_convention():
    p = subprocess.run([sys.executable, "-m", "microgradnet", "equations", "--help"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0
    assert "examples:" in p.stdout and "--explain 1,2,1" in p.stdout and "j = 0 is the bias" in p.stdout
    text = " ".join(p.stdout.split())  # argparse wraps lines
    assert "Classes count from 0" in text and "counted from 0 (0..d_N-1)" in text
    assert "Backpropagation made right, for a certain value of right" in text


@pytest.mark.parametrize("c", [0, 1, 2])
def test_target_c_is_the_same_class_as_in_functional_and_fit(capsys, c):
    """--target c, equations.compare(target=c), functional.cross_entropy(·, c) and a label c in fit
    all mean output c + 1 (o^N_{c+1}): one convention, classes counted from 0."""
    import random

    from microgradnet import equations as E
    from microgradnet import functional as F
    from microgradnet import losses
    from microgradnet.nn import MLP

    code, out, _ = run(capsys, "--sizes", "2,3,3", "--input", "0.5,-1.2", "--target", str(c), "--seed", "5")
    assert code == 0
    (e_cli,) = re.findall(r"^e = nll\(ŷ, y\) = (\S+);", out, re.M)
    model = MLP(2, [3, 3], act="tanh", rng=random.Random(5))
    x = [0.5, -1.2]
    yhat = [v.data for v in model(x)]
    by_hand = -(yhat[c] - math.log(sum(math.exp(v) for v in yhat)))  # −ŷ_{c+1} + log Σ e^ŷ
    assert float(e_cli) == pytest.approx(by_hand, rel=1e-8)
    assert E.compare(model, x, c, "nll").equations.e == pytest.approx(by_hand, rel=1e-12)
    assert F.cross_entropy(model(x), c).data == pytest.approx(by_hand, rel=1e-12)
    assert losses.get("cross_entropy").targets([c], 3) == [c]
    g = E.equation9("nll", yhat, c)  # softmax − one-hot: negative exactly at output c + 1
    assert [k for k, v in enumerate(g) if v < 0] == [c]


def test_the_installed_command_exits_2_on_a_bad_weight_index():
    p = subprocess.run([sys.executable, "-m", "microgradnet", "equations", "--explain", "0,1,1"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.count("\n") == 1 and "layer ℓ" in p.stderr


# ---- the parsers, on any text -------------------------------------------------------------------
@given(st.lists(st.integers(1, 30), min_size=2, max_size=4))
def test_parse_sizes_reads_back_what_was_written(sizes):
    assert parse_sizes(",".join(map(str, sizes))) == sizes


@given(st.text(max_size=30))
def test_parse_sizes_either_returns_positive_widths_or_a_cli_error(text):
    try:
        sizes = parse_sizes(text)
    except CLIError as exc:
        assert "--sizes" in str(exc)
    else:
        assert len(sizes) >= 2 and all(isinstance(d, int) and d >= 1 for d in sizes)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=5))
def test_parse_floats_reads_back_what_was_written(values):
    assert parse_floats(",".join(map(repr, values)), "--input") == values


@given(st.text(max_size=30))
def test_parse_floats_either_returns_finite_numbers_or_a_cli_error(text):
    try:
        values = parse_floats(text, "--input")
    except CLIError as exc:
        assert "--input" in str(exc)
    else:
        assert all(v == v and abs(v) != float("inf") for v in values)


def test_without_target_each_loss_takes_the_documented_example():
    # the help's promise: the first class for cross_entropy, the positive class for the
    # one-logit losses, all zeros for mse (read from each loss in the registry)
    from microgradnet.cli.equations import parse_target

    assert parse_target("nll", None, 3) == 0
    assert parse_target("bce", None, 1) == 1
    assert parse_target("hinge", None, 1) == 1
    assert parse_target("mse", None, 2) == [0.0, 0.0]


def test_a_reader_that_stops_early_gets_no_traceback():
    # `microgradnet equations ... | head -1`: the closed pipe ends the command quietly (141)
    # 60,60,60: ~0.4 MB of table, far more than a pipe holds, so the command is still writing
    proc = subprocess.Popen([sys.executable, "-m", "microgradnet", "equations", "--sizes", "60,60,60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
