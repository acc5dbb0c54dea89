"""Graphviz inside the browser: DOT to SVG with ``@viz-js/viz`` when microgradnet runs in Pyodide.

Neither a system ``dot``, nor graphviz-pure (a native program), nor wasmtime can run inside
Pyodide (no subprocesses, no native code). ``@viz-js/viz`` is Graphviz compiled to WebAssembly as
one ES module; the zero-install site (``make site``) serves it next to Pyodide's own folder, at
``<pyodide folder>/../viz/viz.js``. ``render.py`` calls :func:`render_svg` when
``sys.platform == "emscripten"``.

Loading the module is asynchronous (a dynamic ``import()`` and a WebAssembly compile); rendering
afterwards is synchronous. :func:`render_svg` loads on first use by blocking on the promise
(``pyodide.ffi.run_sync``, which needs JavaScript Promise Integration: Chromium >= 137, and a
call that entered Python asynchronously, as a JupyterLite cell does). Where that is unavailable,
``await microgradnet.viz.browser.load()`` once beforehand does the same.

``MICROGRADNET_VIZ_URL`` (environment variable) overrides where the module is found: an absolute
URL, or one relative to Pyodide's folder.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

__all__ = ["available", "load", "render_svg", "viz_url", "ENV_VAR"]

ENV_VAR = "MICROGRADNET_VIZ_URL"
# Where the site puts viz.js, relative to Pyodide's folder (web/build_site.py writes it there).
DEFAULT_RELATIVE_URL = "../viz/viz.js"

_instance: Any = None  # the loaded Viz instance (a JsProxy), shared by every render


def available() -> bool:
    """Whether this interpreter is Pyodide (the only place this engine runs)."""
    return sys.platform == "emscripten"


def _pyodide_index_url() -> str:
    # The folder Pyodide was loaded from; the site serves viz.js relative to it so the lab's
    # kernel and any other page that loads the same Pyodide find it without configuration.
    import pyodide_js  # type: ignore[import-not-found]  # exists only inside Pyodide

    return str(pyodide_js._api.config.indexURL)


def viz_url() -> str:
    """The absolute URL of the viz-js ES module this process loads (see the module docstring)."""
    import js  # type: ignore[import-not-found]  # exists only inside Pyodide

    relative = os.environ.get(ENV_VAR, "").strip() or DEFAULT_RELATIVE_URL
    return str(js.URL.new(relative, _pyodide_index_url()).href)


async def load() -> None:
    """Import viz-js and compile its WebAssembly once (later calls return at once)."""
    global _instance
    if _instance is not None:
        return
    if not available():
        raise RuntimeError("browser.load: the viz-js engine runs only inside Pyodide (emscripten)")
    from pyodide.code import run_js  # type: ignore[import-not-found]

    url = viz_url()
    # import() is JavaScript syntax, not a function Python can call; the URL is ours, JSON-quoted.
    try:
        module = await run_js(f"import({json.dumps(url)})")
    except Exception as exc:  # a JsException: missing file, wrong MIME type, network refused
        raise RuntimeError(f"browser.load: cannot import viz-js from {url}: {exc}") from None
    _instance = await module.instance()


def _ensure_loaded() -> None:
    if _instance is not None:
        return
    from pyodide.ffi import can_run_sync, run_sync  # type: ignore[import-not-found]

    if not can_run_sync():
        raise RuntimeError(
            "render_svg: the browser Graphviz (viz-js) is not loaded yet and this call cannot wait for it; "
            "run `await microgradnet.viz.browser.load()` once first"
        )
    run_sync(load())


def render_svg(dot_source: str, layout: str = "dot") -> str:
    """The SVG Graphviz draws for ``dot_source`` (viz-js, inside Pyodide).

    Raises RenderError (from microgradnet.viz.render) naming Graphviz's complaint when the DOT
    is invalid, RuntimeError when viz-js cannot be loaded, TypeError for a non-string source.
    """
    if not isinstance(dot_source, str):
        raise TypeError(f"render_svg: dot_source must be a str, got {type(dot_source).__name__}")
    if not available():
        raise RuntimeError("render_svg: the viz-js engine runs only inside Pyodide (sys.platform emscripten)")
    _ensure_loaded()
    import js  # type: ignore[import-not-found]

    options = js.Object.new()
    options.format = "svg"
    options.engine = layout
    result = _instance.render(dot_source, options)
    if result.status != "success":
        from .errors import RenderError

        messages = [str(e.message).strip() for e in result.errors] or ["no message"]
        raise RenderError(f"render_svg: Graphviz (viz-js) rejected the DOT source: {'; '.join(messages)}")
    return str(result.output)
