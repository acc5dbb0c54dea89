"""``microgradnet playground``: train a network live in the browser; click any weight for Equation 8."""

from __future__ import annotations

import argparse

from ..localserver import LOOPBACK
from . import CLIError

HELP = "a live training playground in the browser (127.0.0.1): every weight explained by Equation 8"
EXAMPLES = """\
examples:
  microgradnet playground                  # opens http://127.0.0.1:8000/?token=... in the browser
  microgradnet playground --port 8765 --no-browser
  microgradnet playground --dataset spirals --hidden 8,8 --act relu

The server listens on loopback only (127.0.0.1, or ::1 with --host ::1): no other machine can
reach it. It answers only the page it served: the printed link carries a key made at each launch
(as Jupyter's does); other web pages, and requests without the key, are refused.
Ctrl-C stops the server (exit code 130). In Jupyter: microgradnet.viz.playground().
"""


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 0 to 65535 (0: any free port), got {n}")
    return n


def _hidden(text: str) -> list[int]:
    if text.strip() in ("", "none"):
        return []
    try:
        return [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 8,8, got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``microgradnet playground``."""
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0: any free)")
    p.add_argument("--host", choices=tuple(LOOPBACK), default="127.0.0.1",
                   help="loopback address to listen on (default 127.0.0.1); never a network address")
    p.add_argument("--no-browser", action="store_true", help="only print the URL, do not open a browser")
    from .. import ops
    from ..data import DATASETS

    # choices from the registries when the parser is built: a new data set or activation
    # (define_op(..., activation=True) in this process included) is a choice with no edit here
    p.add_argument("--dataset", choices=list(DATASETS), help="starting data set")
    p.add_argument("--hidden", type=_hidden, help="starting hidden layer widths, e.g. 8,8")
    p.add_argument("--act", choices=list(ops.activations()), help="starting activation")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; exit code 130 then (as the README states for every command)."""
    from ..playground.server import serve
    from ..playground.session import DEFAULTS, PlaygroundError, validate

    config = {k: v for k, v in (("dataset", args.dataset), ("hidden", args.hidden), ("act", args.act))
              if v is not None}
    try:
        validate({**DEFAULTS, **config})
    except PlaygroundError as e:
        raise CLIError(str(e)) from None
    try:
        serve(args.port, open_browser=not args.no_browser, config=config, host=args.host)
    except OSError as e:
        raise CLIError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e} "
                       "(try --port 0)") from None
    return 130  # serve() returns only after Ctrl-C: the shell's code for "stopped by SIGINT"
