"""``microgradnet demo`` and ``microgradnet train`` as a newcomer runs them: outputs and errors."""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys

import pytest

from microgradnet import losses, ops, optim
from microgradnet.cli import main
from microgradnet.cli import train as train_cli
from microgradnet.data import DATASETS, make_dataset, make_moons
from microgradnet.nn import MLP, load_model
from microgradnet.train import accuracy


def is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 1000


def test_demo_trains_to_100_percent_and_writes_pictures_and_weights(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accuracy 100%" in text
    # it opens with the lecture's neuron: x1.grad = w1·(1 − o²) = -1.5, w1.grad = x1·0.5 = 1.0
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line[:2] in ("x1", "w1")}
    assert rows["x1"] == ["2.0000", "-1.5000"] and rows["w1"] == ["-3.0000", "1.0000"]
    for name in ("decision_boundary.png", "loss_curve.png", "model.json"):
        assert str(out / name) in text  # tells the user where
    assert is_png(out / "decision_boundary.png") and is_png(out / "loss_curve.png")
    model = MLP(2, [16, 16, 1])
    model.load(out / "model.json")
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    assert accuracy(model, X, y) == 1.0  # the saved weights are the trained ones


def test_python_m_microgradnet_demo_runs_in_a_fresh_process(tmp_path):
    out = tmp_path / "tmp"
    done = subprocess.run(
        [sys.executable, "-m", "microgradnet", "demo", "--steps", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "final loss" in done.stdout and "Traceback" not in done.stderr
    assert is_png(out / "decision_boundary.png") and is_png(out / "loss_curve.png")
    assert isinstance(load_model(out / "model.json"), MLP)


def test_demo_neuron_prints_the_lectures_gradients(capsys):
    assert main(["demo", "--neuron"]) == 0
    rows = {}
    for line in capsys.readouterr().out.splitlines():
        m = re.match(r"(\S.*?)\s+(-?\d+\.\d+)\s+(-?\d+\.\d+)$", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    # o = tanh(n), n = x1·w1 + x2·w2 + b: ∂o/∂n = 1 - tanh(n)², ∂o/∂x1 = w1·∂o/∂n, ∂o/∂w1 = x1·∂o/∂n
    do_dn = 1 - math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432) ** 2
    assert rows["o"][1] == 1.0
    assert rows["n"][1] == pytest.approx(do_dn, abs=1e-4)
    assert rows["x1"] == (2.0, pytest.approx(-3.0 * do_dn, abs=1e-4)) and rows["x1"][1] == -1.5
    assert rows["w1"] == (-3.0, pytest.approx(2.0 * do_dn, abs=1e-4)) and rows["w1"][1] == 1.0
    assert set(rows) >= {"x1", "x2", "w1", "w2", "b", "n", "o"}


def test_train_saves_weights_and_draws_both_plots(tmp_path, capsys):
    save, plot, hist = tmp_path / "m.json", tmp_path / "b.png", tmp_path / "h.svg"
    code = main([
        "train", "--dataset", "spirals", "--hidden", "8", "--optimizer", "adam", "--lr", "0.05",
        "--steps", "20", "--seed", "3", "--save", str(save), "--plot", str(plot), "--plot-history", str(hist),
    ])
    assert code == 0
    text = capsys.readouterr().out
    assert "MLP 2-8-3" in text and "cross_entropy" in text and str(save) in text
    model = load_model(save)
    assert model.sizes == [2, 8, 3]
    assert is_png(plot) and hist.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_train_runs_on_every_dataset_with_its_default_loss(dataset, capsys):
    assert main(["train", "--dataset", dataset, "--steps", "2", "--samples", "20"]) == 0
    text = capsys.readouterr().out
    _, y = make_dataset(dataset, n_samples=20, seed=1337)
    assert f"{losses.default_loss(len(set(y)))} loss" in text and "final loss" in text
    assert max(map(len, text.splitlines())) <= 100  # a projector's console: nothing wraps


def choices(option: str) -> list[str]:
    """The choices ``microgradnet train --help`` offers for ``option``."""
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    return list(next(a for a in parser._actions if option in a.option_strings).choices)


def test_train_choices_come_from_the_registries():
    assert choices("--dataset") == list(DATASETS)
    assert choices("--act") == list(ops.activations())
    assert choices("--optimizer") == list(optim.OPTIMIZERS)
    assert choices("--loss") == losses.names(aliases=True)


DECLARE_AND_TRAIN = """
import sys
from microgradnet import define_op
from microgradnet.cli import main
try:
    define_op("softsign", lambda x: x / (1 + abs(x)), lambda x, out: 1 / (1 + abs(x)) ** 2, activation=True)
except TypeError:
    sys.exit(77)  # define_op(..., activation=True) is not there yet
sys.exit(main(["train", "--act", "softsign", "--steps", "2", "--samples", "20", "-q"]))
"""


def test_an_activation_declared_in_the_same_process_is_a_train_choice():
    # in a process of its own: the declaration must not leak into the other tests
    done = subprocess.run([sys.executable, "-c", DECLARE_AND_TRAIN], capture_output=True, text=True,
                          timeout=300)
    if done.returncode == 77:
        pytest.xfail("define_op(..., activation=True) is not there yet (interface I2)")
    assert done.returncode == 0, done.stderr
    assert "MLP 2-16-16-1 (softsign)" in done.stdout and "final loss" in done.stdout


def test_piped_train_output_is_at_most_100_columns_and_says_accuracy_in_percent():
    done = subprocess.run([sys.executable, "-m", "microgradnet", "train", "--steps", "4", "--samples", "20"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    progress = [line for line in lines if line.startswith("step ")]
    assert progress and all(re.search(r"  acc \d+%  ", line) for line in progress)
    assert re.search(r"accuracy \d+% on all 20 points", done.stdout)


def test_help_texts_show_examples(capsys):
    for command in ("demo", "train"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert "examples:" in text and f"microgradnet {command}" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--hidden", "16,,x"], "--hidden"),
        (["train", "--hidden", "0"], "--hidden"),
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--lr", "inf"], "--lr"),
        (["train", "--steps", "0"], "--steps"),
        (["train", "--steps", "many"], "--steps"),
        (["train", "--dataset", "donut"], "--dataset"),
        (["train", "--batch-size", "-3"], "--batch-size"),
        (["train", "--noise", "-0.5"], "--noise"),
        (["train", "--loss", "svm"], "--loss"),
        (["train", "--classes", "4"], "--classes"),
        (["train", "--dataset", "spirals", "--loss", "bce"], "cross_entropy"),
        (["train", "--save", "/nonexistent-folder/m.json"], "does not exist"),
        (["train", "--save", "."], "is a folder"),
        (["train", "--plot", "boundary.jpg"], ".png"),
        (["train", "--unknown-flag"], "unrecognized"),
        (["train", "--lr", "1e6", "--loss", "mse", "--steps", "60", "--samples", "20", "-q"], "diverged"),
        (["demo", "--steps", "0"], "--steps"),
    ],
)
def test_bad_flags_and_impossible_values_exit_2_with_one_line(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err


def test_demo_out_pointing_at_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("not a folder")
    assert main(["demo", "--steps", "1", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and len(err.strip().splitlines()) == 1


def test_train_with_mse_reports_accuracy_at_the_halfway_threshold(capsys):
    """mse regresses onto the 0/1 labels, so a point is class 1 where the output exceeds 0.5."""
    argv = ["train", "--loss", "mse", "--optimizer", "adam", "--lr", "0.05", "--steps", "60"]
    argv += ["--samples", "40"]
    assert main(argv) == 0
    m = re.search(r"accuracy (\d+)% on all 40 points", capsys.readouterr().out)
    assert m and int(m.group(1)) >= 90


def test_train_compile_saves_the_same_weights_as_eager_training(tmp_path, capsys):
    saved = []
    for extra in ([], ["--compile"]):
        path = tmp_path / f"model{len(saved)}.json"
        argv = ["train", "--dataset", "xor", "--hidden", "4", "--steps", "5", "--save", str(path), *extra]
        assert main(argv) == 0
        saved.append([p.data for p in load_model(path).parameters()])
    assert saved[1] == pytest.approx(saved[0], rel=1e-12, abs=1e-15)


WITHOUT_MATPLOTLIB = """
import sys
for name in ("matplotlib", "matplotlib.figure", "numpy"):
    sys.modules[name] = None  # as in a plain `pip install microgradnet`
from microgradnet.cli import main
sys.exit(main(sys.argv[1:]))
"""


def without_matplotlib(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB, *argv], capture_output=True, text=True,
                          timeout=300)


def test_without_matplotlib_demo_draws_svg_and_train_refuses_png_before_training(tmp_path):
    done = without_matplotlib("demo", "--steps", "3", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    for name in ("decision_boundary.svg", "loss_curve.svg"):
        assert (tmp_path / "out" / name).read_text().startswith("<?xml") and name in done.stdout
    done = without_matplotlib("train", "--steps", "3", "--plot", str(tmp_path / "b.png"))
    assert done.returncode == 2 and "training MLP" not in done.stdout
    assert len(done.stderr.strip().splitlines()) == 1 and ".svg, not .png" in done.stderr
    done = without_matplotlib("train", "--steps", "3", "--samples", "20", "--plot", str(tmp_path / "b.svg"),
                              "--plot-history", str(tmp_path / "h.svg"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.svg").read_text().startswith("<?xml") and (tmp_path / "h.svg").exists()


@pytest.mark.parametrize("command", ["train", "demo"])
def test_help_is_at_most_100_columns_even_on_a_wide_terminal(command):
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "microgradnet", command, "--help"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0 and "examples:" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 100


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_noise_and_classes_reach_the_generator_under_its_own_keywords(dataset, monkeypatch, capsys):
    import dataclasses

    entry = DATASETS[dataset]
    calls = []

    def recording(*args, **kwargs):
        calls.append(kwargs)
        return entry.make(*args, **kwargs)

    monkeypatch.setitem(DATASETS, dataset, dataclasses.replace(entry, make=recording))
    argv = ["train", "--dataset", dataset, "--noise", "0.25", "--steps", "1", "--samples", "20", "-q"]
    if entry.classes:
        argv += ["--classes", "3"]
    assert main(argv) == 0, capsys.readouterr().err
    assert calls and calls[-1][entry.noise] == 0.25
    if entry.classes:
        assert calls[-1][entry.classes] == 3
    else:
        assert main(["train", "--dataset", dataset, "--classes", "3", "-q"]) == 2
        assert "--classes applies to" in capsys.readouterr().err
