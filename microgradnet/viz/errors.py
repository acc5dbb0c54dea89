"""The two ways drawing a picture can fail, in a module of their own so that every engine
(``render.py``'s programs, ``browser.py``'s in-browser Graphviz) raises the same classes without
importing each other."""

from __future__ import annotations

__all__ = ["GraphvizUnavailable", "RenderError"]


class GraphvizUnavailable(RuntimeError):
    """No Graphviz engine can produce the requested format."""


class RenderError(RuntimeError):
    """Graphviz rejected the DOT source or failed while drawing it."""
