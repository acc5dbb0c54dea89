"""Rebuild every course notebook and execute it in place, so the committed files show outputs.

    python notebooks/src/build_all.py            # every notebooks/src/build_*.py, then execute all
    python notebooks/src/build_all.py 01 03      # only these
    make notebooks-build                         # the same as the first line

Each ``build_NN.py`` writes ``notebooks/NN_*.ipynb`` without outputs; this script then runs
every notebook top to bottom with a fresh kernel, in a temporary folder (files the cells write
do not land in the repository), and saves it with its outputs. Runs are deterministic: the
kernel starts with ``PYTHONHASHSEED=0`` and ``random.seed(0)`` (notebooks that draw random
numbers should still seed them explicitly, so that a reader gets the same numbers), and no
timing metadata is recorded. ``tests/test_notebooks.py`` re-executes the committed notebooks
the same way and fails when a committed text output is stale; :func:`normalized_text` says
what may differ (memory addresses, SVG ids, timings).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent
TIMEOUT = 600  # seconds per cell
# run before the first cell, never saved: the same random numbers on every run
SEED_CODE = "import random as _random\n_random.seed(0)\ndel _random"
# cells tagged so need torch; without it they print a note instead, and are not compared
TORCH_TAG = "needs-torch"


def builders(only: list[str] | None = None) -> list[Path]:
    """Every notebooks/src/build_*.py (except this file), or those whose number is in ``only``."""
    found = sorted(p for p in HERE.glob("build_*.py") if p.name != Path(__file__).name)
    if only:
        found = [p for p in found if p.stem.removeprefix("build_") in only]
    return found


def notebook_for(number: str) -> list[Path]:
    return sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))


def execute(nb, workdir: str | None = None):
    """Run ``nb`` (an nbformat notebook) top to bottom in a fresh, seeded kernel; returns it."""
    import nbclient
    import nbformat

    seed = nbformat.v4.new_code_cell(SEED_CODE)
    nb.cells.insert(0, seed)
    env = dict(os.environ, PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory() as tmp:
        client = nbclient.NotebookClient(
            nb,
            timeout=TIMEOUT,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": workdir or tmp}},
        )
        try:
            client.execute(env=env)
        finally:
            nb.cells.remove(seed)
    for cell in nb.cells:  # number the cells from 1, as a reader's own run would
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code" and cell.get("execution_count"):
            cell.execution_count -= 1
            for out in cell.get("outputs", []):
                if out.get("execution_count"):
                    out.execution_count -= 1
    return nb


def write_atomically(nb, path: Path) -> None:
    import nbformat

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# ---- what may differ between two runs ---------------------------------------------------
_VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),  # memory addresses in reprs
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms|µs|us|ns|min|it/s|s/it|steps/s)\b"), "<time>"),
    (re.compile(r"\[\d+:\d\d(:\d\d)?<[\d:?]+"), "[<elapsed>"),  # tqdm's [00:01<00:02
    (re.compile(r"\b(id|href|xlink:href|clip-path|url)=\"[^\"]*\""), r'\1="…"'),  # SVG ids
    (re.compile(r"/tmp/[\w./-]+"), "/tmp/…"),
]


def normalized_text(text: str) -> str:
    """A text output with what legitimately changes from run to run replaced by markers;
    a progress line redrawn with carriage returns keeps only its last state."""
    lines = [line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(line.rstrip() for line in lines)
    for pattern, marker in _VOLATILE:
        text = pattern.sub(marker, text)
    return text.strip()


def text_outputs(cell) -> list[tuple[str, str]]:
    """(kind, normalized text) of a code cell's text outputs: streams and text/plain results."""
    found = []
    stream = {"stdout": "", "stderr": ""}
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            stream[out.get("name", "stdout")] += out.get("text", "")
        elif out.get("output_type") in ("execute_result", "display_data"):
            plain = out.get("data", {}).get("text/plain")
            if plain is not None:
                found.append(("text/plain", normalized_text(plain if isinstance(plain, str) else "".join(plain))))
        elif out.get("output_type") == "error":
            found.append(("error", f"{out.get('ename')}: {out.get('evalue')}"))
    for name in ("stdout", "stderr"):
        if stream[name]:
            found.append((name, normalized_text(stream[name])))
    return found


def main(argv: list[str]) -> int:
    import nbformat

    only = argv or None
    scripts = builders(only)
    if not scripts:
        print(f"no notebooks/src/build_*.py matches {only}", file=sys.stderr)
        return 2
    for script in scripts:
        subprocess.run([sys.executable, str(script)], check=True, cwd=NOTEBOOKS)
    numbers = [s.stem.removeprefix("build_") for s in scripts]
    for number in numbers:
        for path in notebook_for(number):
            nb = nbformat.read(path, as_version=4)
            execute(nb)
            write_atomically(nb, path)
            print(f"executed {path.relative_to(NOTEBOOKS.parent)} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
