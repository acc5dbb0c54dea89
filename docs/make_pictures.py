"""Regenerate every picture the README uses, deterministically.

    python docs/make_pictures.py            # writes into docs/
    python docs/make_pictures.py OUT_DIR    # or anywhere else

Pictures (each used by README.md):

- ``neuron.svg``: the lecture's neuron o = tanh(x1·w1 + x2·w2 + b) after ``o.backward()``
- ``neuron_worksheet.svg``: the same graph with the gradients left blank (``hide='grad'``)
- ``mlp.svg``: a small MLP trained on the moons, its weights and their gradients (``draw_mlp``)
- ``decision_boundary.png``, ``loss_curve.png``: micrograd's moons demo (``microgradnet demo``)
- ``step_through.png``: the step-through page of the neuron, half-way through backward()
  (a headless-chromium screenshot; skipped with a message when chromium is not installed)

Graphs are laid out by graphviz-pure when it is installed (the PyPI engine that ships with
microgradnet, so the SVGs do not depend on which system Graphviz a contributor has); all
randomness is seeded.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from microgradnet.data import make_moons, signed_labels
from microgradnet.examples import lecture_neuron
from microgradnet.functional import hinge
from microgradnet.nn import MLP
from microgradnet.train import History, fit
from microgradnet.viz import draw_dot, draw_mlp, write
from microgradnet.viz.render import available_engines

DOCS = Path(__file__).resolve().parent
SEED = 1337
# Prefer the engine pip installs with microgradnet: same layout on every contributor's machine.
ENGINE = "graphviz-pure" if "graphviz-pure" in available_engines() else None
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


# ---- computation graphs ----------------------------------------------------------------------
def neuron_svg(out: Path) -> Path:
    """The neuron's graph with every node's data and grad."""
    return write(draw_dot(lecture_neuron()), out / "neuron.svg", engine=ENGINE)


def neuron_worksheet_svg(out: Path) -> Path:
    """The neuron as a fill-in-the-gradients exercise."""
    return write(draw_dot(lecture_neuron(), hide="grad"), out / "neuron_worksheet.svg", engine=ENGINE)


# ---- networks and training ---------------------------------------------------------------------
def moons_demo(steps: int = 100) -> tuple[MLP, list[list[float]], list[int], History]:
    """``microgradnet demo``: MLP 2-16-16-1 with random.seed(1337)'s weights, 100 moons, hinge loss,
    SGD at lr 1.0 → 0.1 (the same settings as microgradnet/cli/demo.py)."""
    model = MLP(2, [16, 16, 1], rng=random.Random(SEED))
    X, y = make_moons(n_samples=100, noise=0.1, seed=SEED)
    history = fit(model, X, y, loss="hinge", steps=steps, progress=False)
    return model, X, y, history


def small_trained_mlp(steps: int = 60) -> MLP:
    """A 2-2-2-1 tanh MLP trained on the moons, holding ∂loss/∂w at its final weights.

    Small enough (10 weights, few crossing edges) for draw_mlp to print every weight and its
    gradient on its edge and stay legible; three layers, so Equation 12 has something to do.
    """
    model = MLP(2, [2, 2, 1], act="tanh", rng=random.Random(SEED))
    X, y = make_moons(n_samples=100, noise=0.1, seed=SEED)
    fit(model, X, y, loss="hinge", steps=steps, lr=0.3, progress=False)
    # fit's last grads belong to the weights before its last update: take them afresh
    model.zero_grad()
    hinge([model(x) for x in X], signed_labels(y)).backward()
    return model


def mlp_svg(out: Path) -> Path:
    """The small trained MLP: edge width ∝ |w|, colour = sign, each weight's value and gradient."""
    return write(draw_mlp(small_trained_mlp(), grads=True), out / "mlp.svg", engine=ENGINE)


def moons_pngs(out: Path, steps: int = 100) -> list[Path]:
    """The moons demo's decision boundary and loss/accuracy curves."""
    from microgradnet.viz import plot_decision_boundary, plot_history

    model, X, y, history = moons_demo(steps)
    boundary = out / "decision_boundary.png"
    curve = out / "loss_curve.png"
    title = f"Moons: decision boundary after {len(history)} steps"
    plot_decision_boundary(model, X, y, boundary, title=title)
    plot_history(history, curve, title="micrograd's moons demo")
    return [boundary, curve]


# ---- the step-through page ---------------------------------------------------------------------
def find_chromium() -> str | None:
    """A headless-capable Chromium, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def step_through_png(out: Path, chromium: str | None = None, step: int = 4) -> Path | None:
    """Screenshot of the neuron's step-through page after ``step`` clicks on Next (4 of 5: the
    chain rule at x2*w2, ``x2.grad += (x2*w2).grad × w2.data``: each factor's grad is the other
    factor's data; x1 and w1 still wait at grad 0). Returns None, with a message, when chromium is missing."""
    from microgradnet.viz import to_html
    from microgradnet.viz.step_through import step_through

    chromium = chromium or find_chromium()
    if chromium is None:
        print("skipped step_through.png: chromium is not installed (apt-get install chromium)")
        return None
    o = lecture_neuron()
    clicks = len({s.node for s in step_through(o)})  # one click per node with a chain rule
    if not 0 <= step <= clicks:
        raise ValueError(f"step must be between 0 and {clicks}, got {step!r}")
    target = out / "step_through.png"
    with tempfile.TemporaryDirectory(prefix="mgn-pictures-") as tmp:
        page = to_html(
            o, Path(tmp) / "neuron.html", title="backward() of o = tanh(x1·w1 + x2·w2 + b)", forward=False
        )
        # Go to the step from a script appended to the page: --screenshot cannot click.
        text = page.read_text(encoding="utf-8")
        clicker = f"<script>window.microgradnetStepper.goTo({int(step)});</script>"
        page.write_text(text.replace("</body>", clicker + "\n</body>"), encoding="utf-8")
        shot = Path(tmp) / "shot.png"
        argv = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,600",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            page.as_uri(),
        ]
        done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
        if done.returncode != 0 or not shot.exists():
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"chromium could not take the screenshot: {message[0]}")
        _atomic_write(target, shot.read_bytes())
    return target


def _atomic_write(target: Path, data: bytes) -> None:
    # a temporary file next to the target, then a rename: never half a picture in docs/
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def make_all(out: Path = DOCS, steps: int = 100) -> list[Path]:
    """Write every picture into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [neuron_svg(out), neuron_worksheet_svg(out), mlp_svg(out), *moons_pngs(out, steps)]
    shot = step_through_png(out)
    if shot is not None:
        written.append(shot)
    for path in written:  # temp files are created private (0600); pictures are for everyone
        os.chmod(path, 0o644)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS
    print(f"Graphviz engine: {ENGINE or 'the first available (graphviz-pure is not installed)'}")
    for path in make_all(target):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
