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


def execute(nb, workdir: str | None = None, static_views: bool = False):
    """Run ``nb`` (an nbformat notebook) top to bottom in a fresh, seeded kernel; returns it.
    ``static_views``: also add screenshots of the live outputs (``static_views.py``)."""
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
    widget_text_fallbacks(nb)
    stable_ids(nb)
    if static_views:
        sys.path.insert(0, str(HERE))
        from static_views import add_static_views

        config = nb.metadata.get("microgradnet", {}).get("playground")
        for line in add_static_views(nb, config):
            print(f"  {line}")
    for cell in nb.cells:  # number the cells from 1, as a reader's own run would
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code" and cell.get("execution_count"):
            cell.execution_count -= 1
            for out in cell.get("outputs", []):
                if out.get("execution_count"):
                    out.execution_count -= 1
    return nb


# ---- static views: what a repository page shows instead of a live widget -------------------
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _widget_text(model_id: str, states: dict, depth: int = 0) -> str:
    """A widget's final state as one line of text: a box joins its children, a progress bar
    is drawn with blocks, an HTML or label widget gives its text (tqdm's notebook bar reads
    'training: 100%|██████████| 100/100 [00:02<00:00, ...]', as in a terminal)."""
    import html as _html

    state = states.get(model_id, {}).get("state", {})
    name = states.get(model_id, {}).get("model_name", "")
    if depth > 5:
        return ""
    if "children" in state:
        parts = [_widget_text(c.removeprefix("IPY_MODEL_"), states, depth + 1) for c in state["children"]]
        return "|".join(p for p in parts if p)
    if name in ("FloatProgressModel", "IntProgressModel"):
        span = (state.get("max") or 1) - (state.get("min") or 0)
        filled = round(10 * ((state.get("value") or 0) - (state.get("min") or 0)) / span) if span else 10
        return "█" * filled + " " * (10 - filled)
    return _html.unescape(re.sub(r"<[^>]*>", "", str(state.get("value", "")))).strip()


def widget_text_fallbacks(nb) -> None:
    """Replace each widget output's text/plain (the widget's state when it was first shown,
    e.g. 'training: 0%|') with its final state, read from the saved widget state, so a page
    that cannot run widgets shows where the widget ended."""
    states = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in states:
                text = _widget_text(view["model_id"], states)
                if text:
                    out["data"]["text/plain"] = text


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def stable_ids(nb) -> None:
    """Cell ids and widget model ids numbered in order instead of random, and memory addresses
    dropped from reprs, so that building twice writes the same file (a rebuild changes only
    what the code now prints)."""
    import json

    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
        merged: list = []  # print() output arrives in chunks that differ from run to run: one per stream
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (out.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                    and last.get("name") == out.get("name")):
                last["text"] = "".join(last["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
        for out in cell.get("outputs", []):  # '<Digraph at 0x7f3a…>': an address differs every run
            plain = out.get("data", {}).get("text/plain")
            if isinstance(plain, str):
                out["data"]["text/plain"] = ADDRESS.sub(">", plain)
    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not widgets:
        return
    rename = {old: f"{i:032x}" for i, old in enumerate(widgets)}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in rename:
                view["model_id"] = rename[view["model_id"]]
    text = json.dumps(nb.metadata["widgets"])
    for old, new in rename.items():
        text = text.replace(old, new)
    nb.metadata["widgets"] = json.loads(text)


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
    (re.compile(r"[ \u2007]*\d+(?:\.\d+)?\s?(?:[A-Za-z]+/s|s/[A-Za-z]+)\b"), " <rate>"),  # tqdm's  4.21step/s
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


def svg_text(svg: str) -> str:
    """The text nodes of an SVG picture (labels, numbers), one per line, in document order."""
    import html as _html

    nodes = re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.DOTALL)
    return "\n".join(normalized_text(_html.unescape(re.sub(r"<[^>]*>", "", n))) for n in nodes)


def text_outputs(cell) -> list[tuple[str, str]]:
    """(kind, normalized text) of a code cell's text outputs: streams, text/plain results and
    the text nodes of SVG pictures."""
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
        svg = out.get("data", {}).get("image/svg+xml")
        if svg is not None:  # a drawing's numbers are text too: compare its text nodes
            found.append(("svg text", svg_text(svg if isinstance(svg, str) else "".join(svg))))
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
            execute(nb, static_views=True)
            write_atomically(nb, path)
            print(f"executed {path.relative_to(NOTEBOOKS.parent)} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
