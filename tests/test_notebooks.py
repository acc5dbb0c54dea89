"""The course notebooks are committed executed, and their committed outputs are not stale.

Every notebook under notebooks/ is re-executed headless, top to bottom, the way
``notebooks/src/build_all.py`` (``make notebooks-build``) executes it; then each code cell's
text outputs (printed text and text/plain results) must equal the committed ones, up to what
legitimately changes between runs (memory addresses, SVG ids, timings; see
``build_all.normalized_text``). A failure names the cell: run ``make notebooks-build``.
Cells tagged ``needs-torch`` are compared in a separate test, which needs torch.
"""

from __future__ import annotations

import copy
import importlib.util
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


def executed(path: Path):
    """The committed notebook and the same notebook freshly executed (once per test session)."""
    committed = nbformat.read(path, as_version=4)
    if path not in _executed:
        _executed[path] = build_all.execute(copy.deepcopy(committed))
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
    assert same("loss 0.025356") != same("loss 0.025357")
    assert same("accuracy 100%") != same("accuracy 99%")
