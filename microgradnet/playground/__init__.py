"""A live training playground: TensorFlow-Playground-like, with the article's Equation 8 one click away.

- ``microgradnet playground`` (``serve``): a local web app on 127.0.0.1 (``server.py``);
- ``microgradnet.viz.playground(...)`` (``widget.py``): the same page inline in Jupyter
  (anywidget, the ``playground`` extra);
- ``Session`` (``session.py``): one page's data, network, optimizer and training thread;
- ``api.handle``: the page's requests, shared by both.
"""

from __future__ import annotations

from typing import Any

from .session import DEFAULTS, PlaygroundError, Session

__all__ = ["Session", "PlaygroundError", "DEFAULTS", "serve", "PlaygroundServer", "playground"]


def __getattr__(name: str) -> Any:
    if name in ("serve", "PlaygroundServer"):
        from . import server

        return getattr(server, name)
    if name == "playground":
        from .widget import playground

        return playground
    raise AttributeError(f"module 'microgradnet.playground' has no attribute {name!r}")
