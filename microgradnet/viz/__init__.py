"""Pictures of computation graphs and networks.

- ``trace(root)``, ``draw_dot(root)``: the computation graph (``dot.py``; its options are
  checked in ``options.py``, the neurons of an MLP graph found in ``structure.py``, large
  graphs collapsed in ``collapse.py``, text and the article's names in ``labels.py``)
- ``draw_mlp(model)``: an MLP as neurons and weighted edges (``mlp.py``)
- ``write(graph, 'out.svg')`` (alias ``save``), ``svg(graph)``: rendering, with or without a system Graphviz
  (``render.py``; in Pyodide ``browser.py``; errors in ``errors.py``); sizing for a notebook
  (``display.py``)
- ``to_html(root, path)``: a page stepping through backward() (``step_through.py``)
- ``plot_history``, ``plot_decision_boundary``: matplotlib plots (``plots.py``, needs the
  ``plot`` extra); imported on first use, so this package imports without matplotlib.
"""

from __future__ import annotations

from typing import Any

from .dot import draw_dot, trace
from .mlp import draw_mlp
from .render import GraphvizUnavailable, RenderError, available_engines, save, svg, write

__all__ = [
    "trace",
    "draw_dot",
    "draw_mlp",
    "write",
    "save",
    "svg",
    "available_engines",
    "GraphvizUnavailable",
    "RenderError",
    "to_html",
    "step_images",
    "step_gif",
    "plot_history",
    "plot_decision_boundary",
    "playground",
]

_LAZY = {
    "to_html": "step_through",
    "step_images": "slides",
    "step_gif": "slides",
    "plot_history": "plots",
    "plot_decision_boundary": "plots",
    "animate_training": "animate",  # a GIF of the decision regions and the loss during fit
    "playground": ".playground",  # microgradnet.playground: the live training page in Jupyter
    "worksheet": "worksheets",  # print-ready PDF worksheets and answer keys (needs fpdf2)
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'microgradnet.viz' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
