"""Training progress wherever training runs: a terminal bar, plain lines in a pipe or a log, a
live bar in Jupyter (an HTML line when ipywidgets is missing), nothing when asked."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from microgradnet import progress as P
from microgradnet.data import make_moons
from microgradnet.nn import MLP
from microgradnet.train import fit

LINE = re.compile(r"^step (\d+)/(\d+)  loss (\S+)  acc ([<>]?\d+(?:\.\d)?%)  \((\d+\.\d) s\)$")
FIELDS = r"loss \S+  acc [<>]?\d+(?:\.\d)?%"  # the same two numbers in a bar, a line and a notebook


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_come_at_the_first_step_every_interval_and_at_the_last_step():
    out, clock = io.StringIO(), Clock()
    log = P.LogLines(10, out, interval=2.0, clock=clock)
    for step in range(1, 11):
        clock.now += 0.9  # 0.9 s per step: a line at step 1, then whenever 2 s have passed
        log.update(step, 1.0 / step, step / 10)
    log.close()
    lines = out.getvalue().splitlines()
    steps = [int(LINE.match(line).group(1)) for line in lines]
    assert steps == [1, 4, 7, 10]  # 0.9 → 3.6 s → 6.3 s → the last step
    first = LINE.match(lines[0]).groups()
    assert first == ("1", "10", "1", "10%", "0.9")
    assert LINE.match(lines[-1]).groups()[2:] == ("0.1", "100%", "9.0")


def test_log_lines_name_the_last_step_when_training_stops_early():
    out, clock = io.StringIO(), Clock()
    log = P.LogLines(100, out, interval=60.0, clock=clock)
    for step in range(1, 8):
        clock.now += 1.0
        log.update(step, 0.5, 0.75)
    log.close()
    assert [LINE.match(line).group(1) for line in out.getvalue().splitlines()] == ["1", "7"]


class ClosedPipe(io.StringIO):
    """A reader that went away (`microgradnet train | head -1`): every write fails."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_does_not_stop_training(monkeypatch):
    pipe = ClosedPipe()
    monkeypatch.setattr(sys, "stderr", pipe)
    X, y = make_moons(n_samples=10)
    history = fit(MLP(2, [4, 1], rng=0), X, y, steps=3)
    assert len(history) == 3  # all three steps ran although no line could be written
    assert pipe.writes >= 2  # the first and the last step tried to write (so the guard was exercised)


def test_accuracy_reads_in_whole_percent_and_never_claims_a_bound_it_missed():
    assert [P.percent(a) for a in (1.0, 0.93, 0.5, 0.0)] == ["100%", "93%", "50%", "0%"]
    assert P.percent(0.996) == "99.6%" and P.percent(0.004) == "0.4%"
    assert P.percent(0.99996) == ">99.9%" and P.percent(0.00004) == "<0.1%"
    assert P.fields(0.41234567, 0.93) == "loss 0.4123  acc 93%"


def test_the_display_suits_where_the_output_goes(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert isinstance(P.progress_bar(5), P.LogLines)
    assert isinstance(P.progress_bar(5, enabled=False), P.Silent)
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    bar = P.progress_bar(5)
    assert not isinstance(bar, (P.LogLines, P.Silent))
    bar.close()
    monkeypatch.setattr(sys, "stderr", None)
    assert isinstance(P.progress_bar(5), P.Silent)


def test_fit_shows_a_bar_on_a_terminal_lines_in_a_pipe_and_nothing_when_quiet(monkeypatch):
    X, y = make_moons(n_samples=10)

    def run(stream, **kw):
        monkeypatch.setattr(sys, "stderr", stream)
        fit(MLP(2, [4, 1], rng=0), X, y, steps=3, **kw)
        return stream.getvalue()

    terminal = run(FakeTerminal())
    assert "3/3" in terminal and re.search(FIELDS, terminal), terminal
    assert max(len(line) for line in re.split(r"[\r\n]", terminal)) <= P.MAX_COLUMNS
    pipe = run(io.StringIO())
    assert [LINE.match(line).group(1) for line in pipe.splitlines()] == ["1", "3"]
    assert run(io.StringIO(), progress=False) == ""
    assert run(FakeTerminal(), progress=False) == ""


def _train(*flags: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "microgradnet", "train", "--steps", "6", "--samples", "20", "--hidden", "4",
            *flags]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as usual
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                          env=env)


def test_microgradnet_train_piped_prints_progress_lines_in_order():
    """stdout and stderr into one pipe, as in CI or `microgradnet train 2>&1 | cat`."""
    done = _train()
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    progress = [i for i, line in enumerate(lines) if LINE.match(line)]
    steps = [int(LINE.match(lines[i]).group(1)) for i in progress]
    assert steps[0] == 1 and steps[-1] == 6 and steps == sorted(set(steps))
    assert "\r" not in done.stdout  # plain lines, no bar redrawn in place
    # the header comes first (stdout is flushed before training), the result last
    assert lines[0].startswith("training MLP 2-4-1") and progress[0] == 2  # after the two-line header
    assert lines[progress[-1] + 1].startswith("final loss")


def test_microgradnet_train_quiet_prints_no_progress():
    done = _train("--quiet")
    assert done.returncode == 0, done.stdout
    assert not any(LINE.match(line) for line in done.stdout.splitlines())
    assert "final loss" in done.stdout


# ---- Jupyter -------------------------------------------------------------------------------------
NOTEBOOK_CELLS = [
    # a live bar widget with loss and accuracy
    "from microgradnet.data import make_moons\n"
    "from microgradnet.nn import MLP\n"
    "from microgradnet.train import fit\n"
    "X, y = make_moons(n_samples=10)\n"
    "history = fit(MLP(2, [4, 1], rng=0), X, y, steps=3)",
    # without ipywidgets: an HTML line, no warning, no traceback
    "import tqdm.notebook\n"
    "tqdm.notebook.IProgress = None  # what tqdm sets when ipywidgets is not installed\n"
    "history = fit(MLP(2, [4, 1], rng=0), X, y, steps=3)",
    "history = fit(MLP(2, [4, 1], rng=0), X, y, steps=3, progress=False)",
]


@pytest.fixture(scope="module")
def notebook_outputs(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}})
    client.execute()
    widgets = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return [cell.outputs for cell in nb.cells], widgets.get("state", {})


def test_in_jupyter_fit_shows_a_live_progress_widget(notebook_outputs):
    pytest.importorskip("ipywidgets")
    outputs, state = notebook_outputs[0][0], notebook_outputs[1]
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1, outputs
    assert not [o for o in outputs if o.output_type == "stream"]  # no text bar, no warning
    # the widget's final state (kept by nbclient): a full bar, and loss and accuracy in its text
    models = [m["state"] for m in state.values()]
    bars = [m for m in models if "max" in m and "value" in m]
    assert [(b["value"], b["max"]) for b in bars] == [(3.0, 3.0)]
    texts = " ".join(str(m.get("value", "")) for m in models if m not in bars)
    shown = texts.replace("\u2007", " ")  # tqdm's widget writes spaces as figure spaces
    assert re.search(r"3/3.*" + FIELDS, shown), repr(texts)


def test_in_jupyter_without_ipywidgets_fit_shows_an_html_line(notebook_outputs):
    outputs = notebook_outputs[0][1]
    assert not [o for o in outputs if o.output_type in ("error", "stream")], outputs
    shown = [o for o in outputs if o.output_type in ("display_data", "update_display_data")]
    final = shown[-1]["data"]["text/html"]
    assert "microgradnet-progress" in final and 'value="1.0000"' in final
    assert re.search(r"step 3/3  " + FIELDS, final)


def test_in_jupyter_progress_false_shows_nothing(notebook_outputs):
    assert notebook_outputs[0][2] == []
