"""``microgradnet train``: train an MLP on a toy data set from the command line.

Also holds the small argument checkers that ``demo`` shares (argparse ``type=`` functions and
output-path checks), so every bad value ends as one line and exit code 2 before any training.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil

from .. import losses
from ..data import DATASETS
from ..progress import MAX_COLUMNS
from . import CLIError

HELP = f"train an MLP on a toy data set ({', '.join(DATASETS)})"
EXAMPLES = """\
examples:
  microgradnet train                                    # moons, MLP 2-16-16-1, the demo's settings
  microgradnet train --dataset spirals --hidden 32,32 --optimizer adam --lr 0.05 --steps 300
  microgradnet train --dataset circles --act tanh --loss bce --save circles.json --plot circles.png
  microgradnet train --dataset blobs --classes 4 --batch-size 32 --steps 200 --seed 7
  microgradnet train --dataset circles --steps 300 --compile

defaults: --loss hinge for two classes, cross_entropy for more; --lr is micrograd's schedule
1.0 - 0.9·k/steps for sgd and 0.01 for adam; --seed fixes the data, the weights and the batches.
Classes are counted from 0 (0..k-1). Progress: a live bar on a terminal, a plain line every few
seconds on stderr when it goes to a pipe or a log; --quiet silences it.
"""

PLOT_FORMATS = (".png", ".svg", ".pdf")
MAX_WIDTH = 1000  # a layer wider than this would take minutes per step on scalars


# ---- argparse type= checkers (shared with demo) -------------------------------------------------
def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return n


def positive_float(text: str) -> float:
    """A finite number > 0."""
    x = _float(text)
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return x


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    x = _float(text)
    if x < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return x


def _float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


def layer_sizes(text: str) -> list[int]:
    """'16,16' → [16, 16]; '' or 'none' → [] (no hidden layer: a linear model)."""
    if text.strip().lower() in ("", "none"):
        return []
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= MAX_WIDTH:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated layer widths between 1 and {MAX_WIDTH} like 16,16, got {text!r}"
            )
        sizes.append(int(part))
    return sizes


def check_output_dir(path: str) -> str:
    """Create the folder ``path`` if needed; a clear CLIError if that is impossible."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise CLIError(f"--out {path!r} is a file, not a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the folder {path!r}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise CLIError(f"cannot write into the folder {path!r} (permission denied)")
    return path


def check_output_file(flag: str, path: str, suffixes: tuple[str, ...] = ()) -> str:
    """Fail before training if ``path`` could not be written later."""
    if suffixes and os.path.splitext(path)[1].lower() not in suffixes:
        raise CLIError(f"{flag} {path!r}: the file name must end in {', '.join(suffixes)}")
    if os.path.isdir(path):
        raise CLIError(f"{flag} {path!r} is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"{flag} {path!r}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CLIError(f"{flag} {path!r}: permission denied")
    return path


# ---- the command --------------------------------------------------------------------------------
class NarrowHelp(argparse.RawDescriptionHelpFormatter):
    """--help at most 100 columns wide (a projector's console), narrower on a narrower terminal."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=min(MAX_COLUMNS, shutil.get_terminal_size().columns - 2))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.formatter_class = NarrowHelp
    from .. import ops, optim

    # Every list of choices is read from its registry when the parser is built, so a data set,
    # loss, optimiser or activation added there (define_op(..., activation=True) in the same
    # process included) is a choice here with no edit.
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=list(DATASETS), default="moons", help="data set (default: moons)")
    data.add_argument("--samples", metavar="N", type=positive_int, default=100, help="points (default: 100)")
    data.add_argument(
        "--noise", metavar="X", type=nonnegative_float, default=None,
        help="noise level (default: the data set's own; for spirals, on the angle)",
    )
    data.add_argument(
        "--classes", metavar="K", type=positive_int, default=None,
        help=f"number of classes, for {' and '.join(_takes('classes'))} (default: 3)",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--hidden", metavar="SIZES", type=layer_sizes, default=[16, 16],
        help="hidden layer widths, comma-separated (default: 16,16)",
    )
    model.add_argument(
        "--act", choices=list(ops.activations()), default="relu", help="activation (default: relu)"
    )
    training = parser.add_argument_group("training")
    training.add_argument(
        "--loss", choices=losses.names(aliases=True), default=None, metavar="LOSS",
        help=f"{', '.join(losses.names())} ('nll' = cross_entropy); "
        "default: hinge for two classes, else cross_entropy",
    )
    training.add_argument("--optimizer", choices=list(optim.OPTIMIZERS), default="sgd", help="default: sgd")
    training.add_argument(
        "--lr", metavar="X", type=positive_float, default=None,
        help="learning rate (default: 1.0 - 0.9·k/steps for sgd, 0.01 for adam)",
    )
    training.add_argument(
        "--steps", metavar="N", type=positive_int, default=100, help="updates (default: 100)"
    )
    training.add_argument(
        "--batch-size", metavar="N", type=positive_int, default=None,
        help="random points per step (default: all of them)",
    )
    training.add_argument(
        "--alpha", metavar="X", type=nonnegative_float, default=1e-4, help="L2 penalty α·Σp² (default: 1e-4)"
    )
    training.add_argument(
        "--seed", metavar="N", type=int, default=1337, help="seeds data, weights and batches (default: 1337)"
    )
    training.add_argument(
        "--compile", action="store_true",
        help="record the step's graph once and replay it on floats: same numbers, faster (full batch)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress bar or progress lines")
    out.add_argument("--save", metavar="PATH", help="write the trained weights as JSON")
    out.add_argument("--plot", metavar="PATH", help="draw the decision boundary (.png, .svg or .pdf)")
    out.add_argument("--plot-history", metavar="PATH", help="draw loss and accuracy per step")


def _parameter(dataset: str, option: str) -> str | None:
    """The generator's keyword for ``option`` ('noise' or 'classes'), or None if it takes none:
    read from the data set's registry entry (``data.DataSet.noise`` / ``.classes``)."""
    return getattr(DATASETS[dataset], option)


def _takes(option: str) -> list[str]:
    """The data sets whose generator takes ``option``."""
    return [name for name in DATASETS if _parameter(name, option)]


def _dataset(args: argparse.Namespace) -> tuple[list[list[float]], list[int]]:
    from ..data import make_dataset

    kwargs: dict[str, object] = {"n_samples": args.samples, "seed": args.seed}
    for option in ("noise", "classes"):
        value = getattr(args, option)
        if value is None:
            continue
        keyword = _parameter(args.dataset, option)
        if keyword is None:
            raise CLIError(f"--{option} applies to {', '.join(_takes(option))} only; {args.dataset} has none")
        if option == "classes" and value < 2:
            raise CLIError(f"--classes must be at least 2, got {value}")
        kwargs[keyword] = value
    try:
        return make_dataset(args.dataset, **kwargs)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Train, report, and write the requested files."""
    from ..nn import MLP
    from ..notation import number
    from ..progress import percent
    from ..train import accuracy, fit

    for flag, path, suffixes in (
        ("--save", args.save, ()),
        ("--plot", args.plot, PLOT_FORMATS),
        ("--plot-history", args.plot_history, PLOT_FORMATS),
    ):
        if path is not None:
            check_output_file(flag, path, suffixes)
            if suffixes:  # without matplotlib only .svg can be drawn: say so before training
                from ..viz.plots import use_svg

                try:
                    use_svg("auto", flag, path)
                except ValueError as exc:
                    raise CLIError(str(exc)) from None
    X, y = _dataset(args)
    k = len(set(y))
    loss = losses.get(args.loss or losses.default_loss(k))
    try:
        n_out = loss.n_outputs(k)
        loss.targets(y, n_out)  # every label checked before any training
    except ValueError as exc:
        message = str(exc).replace("loss='cross_entropy'", "--loss cross_entropy")
        raise CLIError(message.replace("this data", args.dataset)) from None
    sizes = [*args.hidden, n_out]
    model = MLP(2, sizes, act=args.act, rng=random.Random(args.seed))
    shape = "-".join(str(n) for n in [2, *sizes])
    if args.lr is not None:
        rate = f"lr {args.lr:g}"
    else:
        rate = "lr 1.0 - 0.9·k/steps" if args.optimizer == "sgd" else "lr 0.01"
    batch = f"batches of {args.batch_size}" if args.batch_size else "full batch"
    # two short lines, not one of 121 columns: a projector's console is about 100 wide
    print(
        f"training MLP {shape} ({args.act}) on {args.dataset}: {len(X)} points, {k} classes\n"
        f"  {loss.name} loss, {args.optimizer} {rate}, {batch}, {args.steps} steps",
        flush=True,  # before the progress lines, also when stdout is a pipe
    )
    try:
        history = fit(
            model, X, y, loss=loss.name, optimizer=args.optimizer, steps=args.steps,
            batch_size=args.batch_size, lr=args.lr, alpha=args.alpha, seed=args.seed,
            progress=not args.quiet, compile=args.compile,
        )
    except (FloatingPointError, OverflowError) as exc:
        raise CLIError(str(exc).replace("a smaller learning rate", "a smaller --lr")) from None
    threshold = loss.decision(y).threshold  # mse onto 0/1 labels: halfway, 0.5
    acc = accuracy(model, X, y, loss=loss.name)
    final = number(history.final_loss)
    print(f"final loss {final}, accuracy {percent(acc)} on all {len(X)} points", flush=True)

    written = []
    path = ""
    try:
        if args.save:
            path = args.save
            model.save(path)
            written.append(path)
        if args.plot or args.plot_history:
            from ..viz.plots import plot_decision_boundary, plot_history

            if args.plot:
                path = args.plot
                title = f"{args.dataset}: MLP {shape}, {len(history)} steps"
                plot_decision_boundary(model, X, y, path, title=title, threshold=threshold)
                written.append(path)
            if args.plot_history:
                path = args.plot_history
                plot_history(history, path, title=f"{args.dataset}: MLP {shape}")
                written.append(path)
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    if written:
        print("wrote: " + ", ".join(written))
    return 0
