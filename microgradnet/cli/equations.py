"""``microgradnet equations``: the Equations 8, 9 and 12 of the article "Backpropagation made right,
for a certain value of right" against backward(), weight by weight."""

from __future__ import annotations

import argparse
import math
import random

from .. import losses
from . import CLIError

HELP = ('the equations of "Backpropagation made right, for a certain value of right" '
        "against backward(), weight by weight")
DESCRIPTION = ('the article "Backpropagation made right, for a certain value of right":\n'
               "its Equations 8, 9 and 12 against backward(), weight by weight")
EXAMPLES = """\
The equations are those of the article "Backpropagation made right, for a certain value of right".

examples:
  microgradnet equations
      the default network (sizes 2,3,3,2, tanh, NLL loss, target class 0, seed 0)
  microgradnet equations --sizes 2,3,3,2 --act tanh --loss nll --target 1 --seed 0 --explain 1,2,1
      ... and the arithmetic for ∂e/∂w^1_{2,1}, numbers substituted
  microgradnet equations --sizes 2,4,1 --act relu --loss bce --target 0 --input=-0.5,1.2
      one logit, binary cross-entropy (write --input=... when the first number is negative)
  microgradnet equations --sizes 3,2 --loss mse --target 0.5,-1 --no-bias --explain 1,1,3

Weight indices count from 1 as in the article: layer ℓ = 1..N, neuron i = 1..d_ℓ, input
j = 1..d_{ℓ-1}; j = 0 is the bias b^ℓ_i (the weight on a constant input 1). Classes count from
0, as everywhere in microgradnet (and PyTorch): --target 0 is the first output, o^N_1.
--sizes lists d_0 (inputs), d_1, ..., d_N (outputs).
"""

MAX_WEIGHTS = 10_000  # one printed line per weight: beyond this a table is no longer a teaching aid


def _act_choices() -> list[str]:
    from ..nn import ACTIVATIONS

    return list(ACTIVATIONS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    from ..equations import LOSSES  # the registry's losses under the article's names

    parser.description = DESCRIPTION  # HELP in two lines, each within an 80-column terminal

    parser.add_argument("--sizes", default="2,3,3,2", metavar="D0,D1,...,DN",
                        help="layer widths, inputs first (default: 2,3,3,2)")
    parser.add_argument("--act", default="tanh", choices=_act_choices(),
                        help="φ on layers 1..N-1; the last layer is linear (default: tanh)")
    parser.add_argument("--loss", default="nll", choices=[*LOSSES, "cross_entropy"],
                        help="nll (= cross_entropy, on a softmax), mse, bce (one logit), "
                        "hinge (one output); default nll")
    parser.add_argument("--target", default=None,
                        help="nll: the class, counted from 0 (0..d_N-1); mse: d_N numbers; "
                        "bce: class 0 or 1 or a probability; hinge: class 0 or 1 (y = -1/+1) "
                        "(default: class 0 for nll, zeros for mse, class 1 otherwise)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights and the default input")
    parser.add_argument("--input", default=None, metavar="X1,X2,...",
                        help="the sample x, d_0 numbers (default: drawn from the seed)")
    parser.add_argument("--explain", default=None, metavar="L,I,J",
                        help="also show the arithmetic for ∂e/∂w^ℓ_{i,j} (J = 0: the bias)")
    parser.add_argument("--no-bias", action="store_true",
                        help="hold every bias at 0: no j = 0 rows")
    parser.add_argument("--digits", type=_digits, default=10, metavar="1..17",
                        help="decimals printed in the table (default: 10)")


def _digits(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 17:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 17, got {text!r}")
    return n


def parse_ints(text: str, what: str) -> list[int]:
    """'2,3,2' -> [2, 3, 2]; a CLIError naming ``what`` otherwise."""
    parts = [p.strip() for p in text.split(",")]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise CLIError(f"{what} must be whole numbers separated by commas, got {text!r}") from None


def parse_floats(text: str, what: str) -> list[float]:
    """'0.5,-1.2' -> [0.5, -1.2]; finite numbers only."""
    parts = [p.strip() for p in text.split(",")]
    try:
        out = [float(p) for p in parts]
    except ValueError:
        raise CLIError(f"{what} must be numbers separated by commas, got {text!r}") from None
    if not all(math.isfinite(v) for v in out):
        raise CLIError(f"{what} must be finite numbers, got {text!r}")
    return out


def parse_sizes(text: str) -> list[int]:
    """'2,3,3,2' -> [2, 3, 3, 2]: at least an input and an output width, all positive."""
    sizes = parse_ints(text, "--sizes")
    if len(sizes) < 2:
        raise CLIError(f"--sizes needs at least two widths (inputs, outputs), got {text!r}")
    if any(d < 1 for d in sizes):
        raise CLIError(f"--sizes must be positive widths, got {text!r}")
    n_weights = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if n_weights > MAX_WEIGHTS:
        raise CLIError(f"--sizes {text} has {n_weights} weights; the table allows at most {MAX_WEIGHTS}")
    return sizes


def parse_target(loss: str, text: str | None, d_out: int) -> int | float | list[float]:
    """The --target text for ``loss`` (None: the default target); a whole number is a class."""
    name = losses.get(loss).name
    if text is None:
        return losses.get(loss).example_target(d_out)
    if name == "cross_entropy":
        try:
            return int(text)
        except ValueError:
            raise CLIError(f"--target for {loss} must be a class number 0..{d_out - 1} "
                           f"(counted from 0), got {text!r}") from None
    values = parse_floats(text, "--target")
    if name == "mse" and (len(values) != 1 or d_out == 1):
        return values
    if len(values) != 1:
        raise CLIError(f"--target for {loss} must be one number, got {text!r}")
    return int(values[0]) if text.strip().lstrip("+-").isdigit() else values[0]  # "1": a class


def run(args: argparse.Namespace) -> int:
    """Print the weight-by-weight table (and the explanation when asked)."""
    from .. import equations
    from ..equations.explain import wrap
    from ..nn import MLP

    sizes = parse_sizes(args.sizes)
    rng = random.Random(args.seed)
    model = MLP(sizes[0], sizes[1:], act=args.act, rng=rng)
    if args.input is None:
        x = [round(rng.uniform(-1, 1), 2) for _ in range(sizes[0])]  # short numbers read easily
    else:
        x = parse_floats(args.input, "--input")
    target = parse_target(args.loss, args.target, sizes[-1])
    where = parse_ints(args.explain, "--explain") if args.explain is not None else None
    if where is not None and len(where) != 3:
        raise CLIError(f"--explain needs three numbers ℓ,i,j, got {args.explain!r}")
    bias = not args.no_bias
    try:
        table = equations.compare(model, x, target, args.loss, bias=bias)
        text = equations.explain(model, x, target, args.loss, *where, bias=bias) if where else None
    except (ValueError, TypeError) as exc:
        raise CLIError(str(exc)) from None
    except ArithmeticError as exc:  # e.g. an mse of inputs near 1e308 overflows a float
        message = str(exc)
        hint = "" if "smaller" in message else "; try smaller --input/--target values"
        raise CLIError(f"{message}{hint}") from None

    hidden = "layer 1" if len(sizes) == 3 else f"layers 1..{len(sizes) - 2}"
    act = "" if len(sizes) == 2 else f", φ = {args.act} on {hidden}"
    print(f"network {','.join(map(str, sizes))}{act}, last layer linear"
          f"{'' if bias else ', no biases'}; seed {args.seed}")
    inputs = f"x = ({', '.join(f'{v:g}' for v in x)}), loss {args.loss}, target {_show(target)}"
    print(*wrap(inputs), sep="\n")
    print()
    print(table.format_table(args.digits))
    if text:
        print()
        print(text)
    return 0


def _show(target: object) -> str:
    if isinstance(target, list):
        return "(" + ", ".join(f"{v:g}" for v in target) + ")"
    return f"{target:g}" if isinstance(target, float) else str(target)
