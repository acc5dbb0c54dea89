"""``microgradnet demo``: micrograd's moons demo, end to end (``--neuron``: the lecture's neuron).

Trains MLP(2, [16, 16, 1]) (weights drawn as after ``random.seed(1337)``) on 100 moons with
the SVM max-margin loss + 1e-4·Σp² and SGD at lr = 1.0 − 0.9·k/steps, then writes the
decision boundary, the loss curve and the trained weights into ``--out``.
"""

from __future__ import annotations

import argparse
import os
import random

from . import CLIError
from .train import NarrowHelp, check_output_dir, positive_int

HELP = "the lecture's neuron, then micrograd's moons demo with pictures and weights"
EXAMPLES = """\
what it does:
  1. o = tanh(x1·w1 + x2·w2 + b) with the lecture's numbers: every node's data and grad
  2. MLP 2-16-16-1 (ReLU), 100 'moons' points with noise 0.1, SVM max-margin loss + 1e-4·Σp²,
  SGD with learning rate 1.0 - 0.9·k/steps, 100 steps to 100% accuracy; the progress bar
  shows the time left (about 7 s from a fresh start on an idle 2-core Xeon: 5 s of
  training, the rest start-up and pictures).

examples:
  microgradnet demo                     # writes decision_boundary.png, loss_curve.png, model.json
                                        # into ./microgradnet-out (.svg without matplotlib)
  microgradnet demo --out results --steps 50
  microgradnet demo --neuron            # o = tanh(x1·w1 + x2·w2 + b): every node's data and grad
"""

DEFAULT_OUT = "microgradnet-out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.formatter_class = NarrowHelp
    parser.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help=f"folder for the outputs (default: ./{DEFAULT_OUT})"
    )
    parser.add_argument(
        "--steps", metavar="N", type=positive_int, default=100, help="training steps (default: 100)"
    )
    parser.add_argument(
        "--neuron", action="store_true", help="only the lecture's tanh neuron, forward and backward"
    )


def neuron_demo() -> list[tuple[str, float, float]]:
    """o = tanh(x1·w1 + x2·w2 + b) with the lecture's numbers; returns (label, data, grad) rows."""
    from ..examples import lecture_neuron
    from ..walk import topological_order

    o = lecture_neuron()
    return [(v.label, v.data, v.grad) for v in topological_order(o)]


def _run_neuron() -> int:
    print("o = tanh(x1·w1 + x2·w2 + b), then o.backward():\n")
    print(f"{'node':<16}{'data':>12}{'grad':>12}")
    for label, data, grad in neuron_demo():
        print(f"{label:<16}{data:>12.4f}{grad:>12.4f}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the demo: the neuron, then the moons (or only the neuron with --neuron)."""
    if args.neuron:
        return _run_neuron()
    out = check_output_dir(args.out)  # before any work: a bad --out is a one-line error at once
    print("1. One neuron, forward and backward\n")
    _run_neuron()
    print("\n2. A network learns: ", end="")
    return _run_moons(args, out)


def _run_moons(args: argparse.Namespace, out: str) -> int:
    from ..data import make_moons
    from ..nn import MLP
    from ..notation import number
    from ..progress import percent
    from ..train import fit

    model = MLP(2, [16, 16, 1], rng=random.Random(1337))  # the weights of random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    last_lr = 1.0 - 0.9 * (args.steps - 1) / args.steps
    # two lines, each within an 80-column terminal (the description in one line was 130 columns)
    print(f"micrograd's moons demo, MLP 2-16-16-1 on {len(X)} points")
    print(f"   SVM max-margin loss + 1e-4·Σp², SGD lr 1.0 → {number(last_lr, 3)}, {args.steps} steps")
    try:
        history = fit(model, X, y, loss="hinge", steps=args.steps, progress=True)
    except FloatingPointError as exc:
        raise CLIError(str(exc)) from None
    print(f"final loss {number(history.final_loss)}, accuracy {percent(history.final_accuracy)}")

    written = []
    try:
        path = os.path.join(out, "model.json")
        model.save(path)
        written.append(path)
        from ..viz.plots import plot_decision_boundary, plot_history, use_svg

        kind = "svg" if use_svg("auto", "demo") else "png"  # matplotlib is an optional extra
        path = os.path.join(out, f"decision_boundary.{kind}")
        title = f"Moons: decision boundary after {len(history)} steps"
        plot_decision_boundary(model, X, y, path, title=title)
        written.append(path)
        path = os.path.join(out, f"loss_curve.{kind}")
        plot_history(history, path, title="micrograd's moons demo")
        written.append(path)
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return 0
