"""``microgradnet train``: not built yet (see the open issues)."""

from __future__ import annotations

import argparse

from . import CLIError

HELP = "train (not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise CLIError("'train' is not available in this version yet")
