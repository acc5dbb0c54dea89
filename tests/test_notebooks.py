"""The course notebooks are committed executed, and their committed outputs are not stale.

Every notebook under notebooks/ is re-executed headless, top to bottom, the way
``notebooks/src/build_all.py`` (``make notebooks-build``) executes it; then each code cell's
text outputs (printed text, text/plain results and the text nodes of SVG drawings, where the
numbers are) must equal the committed ones, up to what legitimately changes between runs
(memory addresses, SVG ids, timings; see ``build_all.normalized_text``). A failure names the
cell: run ``make notebooks-build``. Cells tagged ``needs-torch`` are compared in a separate
test, which needs torch. The notebooks check their own claims ("these agree" is an ``assert``
in a cell), so a wrong output fails here even when it is what the code prints.

Also: each notebook's cells are exactly what its ``notebooks/src/build_NN.py`` writes; a
run writes files only into ``microgradnet-out/`` (git-ignored); and the committed outputs
carry static pictures for viewers that run nothing (the GIF, the progress bar's last state,
screenshots of the step-through page and of the playground).
"""

from __future__ import annotations

import copy
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("build_all", ROOT / "notebooks" / "src" / "build_all.py")
build_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_all)

REBUILD = "run `make notebooks-build` (or python notebooks/src/build_all.py) and commit the notebooks"
_executed: dict[Path, object] = {}
_left_behind: dict[Path, set[str]] = {}


def executed(path: Path):
    """The committed notebook and the same notebook freshly executed (once per test session),
    in an empty folder whose contents afterwards are kept in ``_left_behind``."""
    committed = nbformat.read(path, as_version=4)
    if path not in _executed:
        with tempfile.TemporaryDirectory(prefix="mgn-nb-run-") as folder:
            _executed[path] = build_all.execute(copy.deepcopy(committed), workdir=folder)
            _left_behind[path] = set(os.listdir(folder))
    return committed, _executed[path]


def code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def needs_torch(cell) -> bool:
    return build_all.TORCH_TAG in cell.get("metadata", {}).get("tags", [])


def test_there_are_notebooks_to_run():
    assert NOTEBOOKS, "notebooks/ should hold the course notebooks"


def test_every_notebook_has_a_build_script_and_every_script_a_notebook():
    numbers = {p.name.split("_", 1)[0] for p in NOTEBOOKS}
    scripts = {p.stem.removeprefix("build_") for p in build_all.builders()}
    assert numbers == scripts, f"notebooks {sorted(numbers)} vs notebooks/src/build_*.py {sorted(scripts)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_executed(path):
    """Outputs visible on a repository page: every code cell ran, and none ended in an error."""
    assert path.stat().st_size < 3_000_000, f"{path.name} is over 3 MB: draw smaller pictures"
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    assert cells
    not_run = [i for i, c in cells if c.get("execution_count") is None]
    assert not not_run, f"{path.name}: cells {not_run} were never executed; {REBUILD}"
    assert any(c.get("outputs") for _, c in cells), f"{path.name} has no outputs; {REBUILD}"
    errors = [i for i, c in cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{path.name}: cells {errors} end in an error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_its_committed_text_outputs_are_current(path):
    committed, fresh = executed(path)  # raises CellExecutionError naming a failing cell
    for (i, old), (_, new) in zip(code_cells(committed), code_cells(fresh)):
        if needs_torch(old):
            continue  # compared in test_torch_cells_are_current
        got, want = build_all.text_outputs(new), build_all.text_outputs(old)
        assert got == want, f"{path.name}, cell {i}: committed outputs are stale; {REBUILD}\n{old.source}"


WITH_TORCH = [p for p in NOTEBOOKS if any(needs_torch(c) for c in nbformat.read(p, as_version=4).cells)]


@pytest.mark.parametrize("path", WITH_TORCH, ids=[p.name for p in WITH_TORCH])
def test_torch_cells_are_current(path):
    pytest.importorskip("torch", reason="torch is not installed: notebook cells that use it are not compared")
    committed, fresh = executed(path)
    for (i, old), (_, new) in zip(code_cells(committed), code_cells(fresh)):
        if needs_torch(old):
            got, want = build_all.text_outputs(new), build_all.text_outputs(old)
            assert got == want, f"{path.name}, cell {i}: committed outputs are stale; {REBUILD}"


def test_volatile_parts_of_outputs_are_tolerated_and_nothing_else():
    same = build_all.normalized_text
    assert same("<Digraph at 0x7f3a2b1c9d50>") == same("<Digraph at 0x7f00aa11bb22>")
    assert same("100%|██████| 100/100 [00:02<00:00, 45.1 it/s]") == same(
        "100%|██████| 100/100 [00:05<00:00, 19.7 it/s]"
    )
    assert same("step 1\rstep 2\rdone in 1.5 s") == same("done in 2.25 s")
    assert same("100/100\u2007[00:23<00:00,\u2007\u20074.21step/s,\u2007loss\u20070.01634]") == same(
        "100/100\u2007[00:08<00:00,\u200710.40step/s,\u2007loss\u20070.01634]"
    )
    assert same("100/100 [00:08<00:00, 10.40step/s, loss 0.01634]") != same(
        "100/100 [00:08<00:00, 10.40step/s, loss 0.01635]"
    )
    assert same("loss 0.025356") != same("loss 0.025357")
    assert same("accuracy 100%") != same("accuracy 99%")


# ---- the notebooks are what their builders write ---------------------------------------------
def cells_of(nb) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Every notebooks/src/build_*.py run once, writing into a temporary folder."""
    folder = tmp_path_factory.mktemp("built")
    env = dict(os.environ, MICROGRADNET_NOTEBOOKS=str(folder))
    for script in build_all.builders():
        subprocess.run([sys.executable, str(script)], check=True, cwd=folder, env=env, capture_output=True)
    return folder


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_cells_are_what_its_builder_writes(path, built):
    fresh = built / path.name
    assert fresh.exists(), f"no notebooks/src/build_*.py writes {path.name}"
    want, got = cells_of(nbformat.read(fresh, as_version=4)), cells_of(nbformat.read(path, as_version=4))
    assert len(got) == len(want), f"{path.name}: {len(got)} cells, its builder writes {len(want)}; {REBUILD}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{path.name}, cell {i} differs from its builder; {REBUILD}\n{g[1][:300]}"


def test_a_changed_cell_is_caught():
    one = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    two = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(2)")])
    assert cells_of(one) != cells_of(two)


# ---- files a run writes -------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_run_writes_files_only_into_the_ignored_output_folder(path):
    executed(path)
    assert _left_behind[path] <= {"microgradnet-out"}, f"{path.name} wrote {sorted(_left_behind[path])}"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "microgradnet-out/" in ignored


# ---- static views: what a repository page shows ------------------------------------------------
def outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [(i, o) for i, c in code_cells(nb) for o in c.get("outputs", [])]


def notebook(number: str) -> Path:
    (path,) = [p for p in NOTEBOOKS if p.name.startswith(number + "_")]
    return path


def test_the_training_gif_is_shown_as_a_picture():
    gifs = [o for _, o in outputs(notebook("03")) if "image/gif" in o.get("data", {})]
    assert gifs, f"03: the GIF is not shown in the notebook; {REBUILD}"
    import base64

    assert base64.b64decode(gifs[0]["data"]["image/gif"])[:6] in (b"GIF87a", b"GIF89a")


def test_the_progress_bar_shows_its_final_state_as_text():
    bars = [build_all.normalized_text("".join(o["data"]["text/plain"])) for _, o in outputs(notebook("03"))
            if "".join(o.get("data", {}).get("text/plain", "")).startswith("training:")]
    assert bars, "03: no progress bar in the outputs"
    for text in bars:
        assert "100%" in text and "100/100" in text, f"03: the bar's text is not its final state: {text!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_committed_output_is_a_widget_that_needs_its_kernel(path):
    """A widget shows as a blank box or 'model not found' wherever its kernel is gone."""
    widgets = [i for i, o in outputs(path) if build_all.WIDGET_VIEW in o.get("data", {})]
    assert not widgets, f"{path.name}: cells {widgets} commit a live widget; {REBUILD}"
    assert "widgets" not in nbformat.read(path, as_version=4).metadata


@pytest.mark.parametrize("number, marker", [("04", "<iframe srcdoc="), ("06", "PlaygroundWidget(")])
def test_live_outputs_carry_a_screenshot_for_static_viewers(number, marker):
    def shown(o) -> str:
        data = o.get("data", {})
        return "".join(data.get("text/html", "")) + "".join(data.get("text/plain", ""))

    live = [o for _, o in outputs(notebook(number)) if marker in shown(o)]
    assert live, f"{number}: no output with {marker!r}"
    missing = [o for o in live if "image/png" not in o["data"]]
    assert not missing, f"{number}: {len(missing)} of {len(live)} live outputs have no screenshot; {REBUILD}"


def test_svg_text_nodes_are_compared():
    a = '<svg><text x="1">data 0.7071</text><text>grad &#45;1.5</text></svg>'
    b = '<svg><text x="2">data 0.7072</text><text>grad &#45;1.5</text></svg>'
    assert build_all.svg_text(a) == "data 0.7071\ngrad -1.5"
    assert build_all.svg_text(a) != build_all.svg_text(b)
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/svg+xml": a, "text/plain": "<D>"})]
    assert ("svg text", "data 0.7071\ngrad -1.5") in build_all.text_outputs(cell)
