"""``microgradnet bench``: not built yet (see the open issues)."""

from __future__ import annotations

import argparse

from . import CLIError

HELP = "bench (not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise CLIError("'bench' is not available in this version yet")
