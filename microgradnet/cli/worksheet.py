"""``microgradnet worksheet``: print-ready PDF worksheets of a formula or a small MLP, with keys.

The formula goes through the safe parser ``microgradnet.expr`` (as ``microgradnet graph``);
the PDF is made by ``microgradnet.viz.worksheets`` (fpdf2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import CLIError
from .graph import parse_assignments

HELP = "print-ready PDF worksheets (forward / backward pass) with per-student numbers and answer keys"
EXAMPLES = """\
examples:
  microgradnet worksheet "tanh(x*w + b)" -o neuron.pdf             # one backward worksheet + key
  microgradnet worksheet "x1*w1 + x2*w2 + b" --kind forward --students 30 --seed 1 -o class.pdf
  microgradnet worksheet "(a*b + c)*f" --kind both --set a=2 --paper letter -o sheets.pdf
  microgradnet worksheet --mlp 2,2,1 --students 3 --seed 7 -o mlp.pdf  # a tiny ReLU network

Each student gets one page with a name line and their own "nice" numbers (small integers or one
decimal; every tanh/sigmoid input within +-1.5); names given with --set keep their number on every
sheet. The answer keys go to NAME-key.pdf (or --key FILE), a page per sheet, computed by the chain
rule from the numbers printed on the sheet, rounded to 4 decimals as a student rounds them.
kinds: forward (inputs given, values blank), backward (values given, gradients blank), both.
A graph too big to print legibly on one page is refused, with what to shrink (README: Limits).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("expr", metavar="EXPR", nargs="?", help='a formula, e.g. "tanh(x*w + b)" (quote it)')
    parser.add_argument("--mlp", metavar="SIZES", help="a small network instead of a formula, e.g. 2,2,1")
    parser.add_argument("--kind", choices=("forward", "backward", "both"), default="backward",
                        help="what the students fill in (default: backward)")
    parser.add_argument("--students", type=int, default=1, metavar="N", help="how many different sheets")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="seed for the numbers (the same seed gives the same sheets)")
    parser.add_argument("--set", dest="values", metavar="NAME=NUMBER", action="append", default=[],
                        help="give a name the same number on every sheet (repeat for each name)")
    parser.add_argument("--paper", choices=("a4", "letter"), type=str.lower, default="a4",
                        help="paper size (default: a4)")
    parser.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help="the worksheets' PDF")
    parser.add_argument("--key", metavar="FILE.pdf", help="the answer keys' PDF (default: FILE-key.pdf)")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise CLIError(f"--mlp {text!r}: write the layer sizes as numbers, e.g. --mlp 2,2,1") from None
    return sizes


def run(args: argparse.Namespace) -> int:
    """Write the worksheets and the answer keys; print where they went."""
    if (args.expr is None) == (args.mlp is None):
        raise CLIError("give a formula or --mlp SIZES (one of the two)")
    output = Path(args.output)
    if output.suffix.lower() != ".pdf":
        raise CLIError(f"-o {output}: the worksheets are a PDF; end the name in .pdf")
    if args.key is not None and Path(args.key).suffix.lower() != ".pdf":
        raise CLIError(f"--key {args.key}: end the name in .pdf")
    values = parse_assignments(args.values)
    source: str | list[int] = args.expr if args.expr is not None else _sizes(args.mlp)
    try:
        from ..expr import ExprError
        from ..viz.worksheets import worksheet

        result = worksheet(source, output, kind=args.kind, students=args.students, seed=args.seed,
                           paper=args.paper, key=args.key, values=values)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except ExprError as exc:
        raise CLIError(str(exc)) from None
    except (ValueError, TypeError, FileNotFoundError) as exc:
        raise CLIError(str(exc).removeprefix("worksheet: ")) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CLIError(f"cannot write {exc.filename or output}: {reason}") from None
    except RuntimeError as exc:  # Graphviz missing or failing: the message names the fix
        raise CLIError(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from None
    what = "sheet" if args.students == 1 else "sheets"
    print(f"wrote {result.sheets} ({args.students} {what}, {args.kind} pass, {args.paper.upper()}, "
          f"graph text {result.printed_pt:.1f} pt or larger)")
    print(f"wrote {result.key} (the answer keys, a page per sheet)")
    return 0
