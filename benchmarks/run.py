"""Run the side-by-side benchmarks from a source checkout: ``python benchmarks/run.py [--quick]``.

The same as ``microgradnet bench`` (``make bench``); the code lives in ``microgradnet.bench``
so that the installed command can run it. Every option of ``microgradnet bench`` works here.
"""

from __future__ import annotations

import sys

from microgradnet.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
