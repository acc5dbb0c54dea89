"""Every command's output fits a 100-column terminal (issue 21.9): run as a newcomer would, piped,
with a 160-column terminal announced (COLUMNS) so that nothing narrows only because the pipe
looks like an 80-column one. Small sizes keep it fast; a test that finds a long line prints it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from microgradnet.cli import SUBCOMMANDS

WIDTH = 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env() -> dict[str, str]:
    env = dict(os.environ, COLUMNS="160", LINES="50", MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    env["BROWSER"] = "true"  # never open a browser from a test (the playground)
    return env


def too_long(text: str) -> list[str]:
    """The lines of ``text`` wider than WIDTH, as a terminal shows them (the last carriage-return
    segment of a progress line, colours removed)."""
    lines = (ANSI.sub("", line).split("\r")[-1] for line in text.split("\n"))  # not splitlines: \r
    return [f"{len(line)}: {line}" for line in lines if len(line) > WIDTH]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "microgradnet", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=120)


def test_too_long_finds_a_long_line():
    # the check itself: a 101-column line is found, a 100-column one and a redrawn bar are not
    assert too_long("x" * 101) and not too_long("x" * 100)
    assert not too_long("y" * 150 + "\r" + "z" * 20) and not too_long("\x1b[1m" + "w" * 100 + "\x1b[0m")


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help_fits(command, tmp_path):
    p = run(([command] if command else []) + ["--help"], tmp_path)
    assert p.returncode == 0, p.stderr
    long = too_long(p.stdout + p.stderr)
    assert not long, long


RUNS = {
    "demo-neuron": ["demo", "--neuron"],
    "demo": ["demo", "--steps", "3", "--out", "out"],
    "train": ["train", "--steps", "3", "--samples", "20", "--dataset", "spirals", "--classes", "5",
              "--hidden", "16,16,16", "--act", "leaky_relu", "--optimizer", "adam"],
    "graph": ["graph", "tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.88", "-o", "g.svg"],
    # 30 inputs: the x = (...) line and z written out are 200-400 columns unwrapped
    "equations-wide": ["equations", "--sizes", "30,20,10", "--explain", "2,3,4"],
    "equations-mse": ["equations", "--sizes", "3,30,1", "--act", "leaky_relu", "--loss", "mse",
                      "--target=-0.75", "--explain", "1,3,2", "--digits", "17"],
    "bench": ["bench", "--tiny", "--repeat", "1"],
    "worksheet": ["worksheet", "tanh(x*w + b)", "-o", "n.pdf"],
    "worksheet-mlp": ["worksheet", "--mlp", "2,2,1", "--students", "2", "-o", "m.pdf"],
}


@pytest.mark.parametrize("name", list(RUNS))
def test_command_output_fits(name, tmp_path):
    p = run(RUNS[name], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip()
    assert not too_long(p.stdout + p.stderr), too_long(p.stdout + p.stderr)


def test_playground_first_lines_fit(tmp_path):
    argv = [sys.executable, "-m", "microgradnet", "playground", "--no-browser", "--port", "0"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        proc.send_signal(signal.SIGINT)  # Ctrl-C, as the line says
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "http://127.0.0.1:" in first
    long = too_long(first + rest)
    assert not long, long


TEN_NEURONS = "+".join(f"tanh(x{k}*w{k}+b)" for k in range(1, 11))  # fits the parser, not a page
FAILURES = {
    "graph-missing-values": ["graph", "x*w + b", "--set", "x=1"],
    "worksheet-too-large": ["worksheet", TEN_NEURONS, "-o", "big.pdf"],
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_error_lines_fit(name, tmp_path):
    p = run(FAILURES[name], tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr  # one line, as every error
    assert not too_long(p.stderr), too_long(p.stderr)
