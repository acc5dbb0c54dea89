"""The ``microgradnet`` command line: one module per subcommand in this package.

Each subcommand module defines ``HELP`` (one line), ``EXAMPLES`` (text shown by --help),
``add_arguments(parser)`` and ``run(args) -> int``. Bad flags or impossible values end in
one line on stderr and exit code 2 - never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

SUBCOMMANDS = ("demo", "train", "graph", "equations", "bench", "playground", "worksheet")


class CLIError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from .train import NarrowHelp  # --help within 100 columns on a wide terminal too

    parser = _Parser(
        prog="microgradnet",
        description="A scalar autodiff engine for teaching backpropagation.",
        epilog="examples:\n  microgradnet demo\n  microgradnet graph \"tanh(x*w + b)\" --set x=2 -o g.svg\n"
        "  microgradnet equations --sizes 2,3,2 --explain 1,2,1\n"
        "Run 'microgradnet COMMAND --help' for a command's options and examples.",
        formatter_class=NarrowHelp,
    )
    parser.add_argument("--version", action="version", version=f"microgradnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog=getattr(module, "EXAMPLES", None),
            formatter_class=NarrowHelp,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``microgradnet`` command."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except CLIError as exc:
        print(f"microgradnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as other command-line tools do; stdout
        # goes to devnull so the interpreter's final flush cannot raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the closed pipe
