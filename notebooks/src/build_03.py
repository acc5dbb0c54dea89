"""Builds notebooks/03_training_moons.ipynb (outputs stripped). Run: python notebooks/src/build_03.py"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# 03 · Training on the moons\n\n"
        "micrograd's demo with `microgradnet`: a 2-16-16-1 MLP learns to separate two interleaved "
        "half-moons with the SVM max-margin loss. Then the same with Adam, and with compiled replay."
    ),
    new_markdown_cell("## The data"),
    new_code_cell(
        "import random\n"
        "from microgradnet.data import make_moons\n"
        "from microgradnet.nn import MLP\n"
        "from microgradnet.train import fit, accuracy\n"
        "from microgradnet.viz import plot_history, plot_decision_boundary\n\n"
        "X, y = make_moons(n_samples=100, noise=0.1)\n"
        "print(len(X), 'points; labels', sorted(set(y)))\n"
        "random.seed(1337)\n"
        "untrained = MLP(2, [16, 16, 1])\n"
        "plot_decision_boundary(untrained, X, y)  # before training: the data, and a random boundary"
    ),
    new_markdown_cell(
        "## Training as micrograd's demo does\n\n"
        "SVM max-margin loss `relu(1 − y·score)` averaged over the batch, plus 1e-4·Σp² (L2), "
        "SGD with the learning rate falling from 1.0 to 0.1. The bar shows loss and accuracy live "
        "(a widget here in Jupyter; a text bar in a terminal; a plain line every few seconds in a log "
        "or a pipe; `progress=False` turns it off)."
    ),
    new_code_cell(
        "random.seed(1337)\n"
        "model = MLP(2, [16, 16, 1])\n"
        "history = fit(model, X, y, loss='hinge', steps=100)\n"
        "print(f'final loss {history.final_loss:.4f}, accuracy {history.final_accuracy:.0%}')"
    ),
    new_code_cell("plot_history(history)"),
    new_code_cell("plot_decision_boundary(model, X, y)"),
    new_markdown_cell("## The same network with Adam"),
    new_code_cell(
        "from microgradnet.optim import Adam\n\n"
        "random.seed(1337)\n"
        "model_adam = MLP(2, [16, 16, 1])\n"
        "h_adam = fit(model_adam, X, y, loss='hinge', optimizer=Adam(model_adam.parameters(), lr=0.05),\n"
        "             steps=100, progress=False)\n"
        "print(f'Adam: final loss {h_adam.final_loss:.4f}, accuracy {accuracy(model_adam, X, y):.0%}')"
    ),
    new_markdown_cell(
        "## Compiled replay\n\n"
        "Every step builds the same graph, only the numbers change. `compile=True` records the "
        "graph once and replays forward and backward on plain floats — no Values created — with the "
        "same numbers as eager training."
    ),
    new_code_cell(
        "import time\n\n"
        "def timed(**kw):\n"
        "    random.seed(1337)\n"
        "    m = MLP(2, [16, 16, 1])\n"
        "    start = time.perf_counter()\n"
        "    h = fit(m, X, y, loss='hinge', steps=30, progress=False, **kw)\n"
        "    return h, time.perf_counter() - start\n\n"
        "h_eager, t_eager = timed()\n"
        "h_compiled, t_compiled = timed(compile=True)\n"
        "print(f'eager {t_eager:.2f}s, compiled {t_compiled:.2f}s (includes the one-off recording)')\n"
        "same = max(abs(a - b) for a, b in zip(h_eager.loss, h_compiled.loss)) < 1e-12\n"
        "print('same losses:', same)\n"
        "assert same"
    ),
]

cells += [
    new_markdown_cell(
        "## An animation for slides\n\n"
        "`animate_training` runs `fit` (same options) and writes a GIF: the decision regions at "
        "evenly spaced steps, from the untrained model to the trained one, beside the loss curve so far. "
        "Drop `moons.gif` into a slide deck (it is written to `microgradnet-out/`, a folder git ignores)."
    ),
    new_code_cell(
        "from pathlib import Path\n\n"
        "from IPython.display import Image as ShowImage\n"
        "from PIL import Image\n\n"
        "from microgradnet.viz import animate_training\n\n"
        "out = Path('microgradnet-out')\n"
        "out.mkdir(exist_ok=True)\n"
        "random.seed(1337)\n"
        "h_gif = animate_training(MLP(2, [16, 16, 1]), X, y, out / 'moons.gif', steps=40, frames=9, "
        "resolution=40, progress=False)\n"
        "with Image.open(out / 'moons.gif') as gif:\n"
        "    print(f'moons.gif: {gif.n_frames} frames of {gif.size[0]}×{gif.size[1]} px, '\n"
        "          f'accuracy after 40 steps {h_gif.final_accuracy:.0%}')\n"
        "ShowImage(filename=str(out / 'moons.gif'))   # the GIF itself, kept in the notebook"
    ),
]

nb = new_notebook(
    cells=cells,
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "03_training_moons.ipynb"
nbformat.write(nb, out)
print("wrote", out)
