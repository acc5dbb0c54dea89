"""Builds notebooks/06_playground.ipynb (outputs stripped).

Run: python notebooks/src/build_06.py
"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from static_views import PLAYGROUND  # the widget's settings, screenshotted for static viewers

cells = [
    new_markdown_cell(
        "# 06 · The playground: watch a network learn, ask any weight why it moved\n\n"
        "The playground trains a small MLP live and shows, at every step, the decision boundary, "
        "each hidden neuron's output over the input plane, the weights as lines (width = size, "
        "colour = sign) and the train/test curves. Its special power: **click a weight** and it "
        "writes out ∂e/∂w for one sample by the article's Equation 8, every number filled in, next "
        "to `backward()`'s value; **click a neuron** and it draws that neuron's computation graph.\n\n"
        "Two ways in, the same page:\n\n"
        "- a terminal: `microgradnet playground` opens it in the browser (a local server on "
        "127.0.0.1; nothing leaves the machine);\n"
        "- here: `microgradnet.viz.playground(...)`, an [anywidget](https://anywidget.dev) that runs "
        "the page's own JavaScript inside the notebook (`pip install \"microgradnet[playground]\"`)."
    ),
    new_code_cell(
        "from microgradnet.viz import playground\n\n"
        f"pg = playground({', '.join(f'{k}={v!r}' for k, v in PLAYGROUND.items())})\n"
        "pg   # press ▶ play; click a line (a weight) or a small square (a neuron)"
    ),
    new_markdown_cell(
        "## Driving it from Python\n\n"
        "The widget's `.session` is the same object the page talks to: training from here shows up in "
        "the page at its next update (and the other way round). Each entry of `history` is "
        "`[step, train loss, test loss, train accuracy, test accuracy]`."
    ),
    new_code_cell(
        "s = pg.session\n"
        "print('before:', s.history[-1])\n"
        "s.step(60)\n"
        "print('after: ', s.history[-1])\n"
        "assert s.history[-1][1] < s.history[0][1]"
    ),
    new_markdown_cell(
        "## Why did this weight move? Equation 8, numbers filled in\n\n"
        "Clicking the line from neuron 3 of layer 1 into neuron 1 of layer 2 asks for "
        "∂e/∂w²₁,₃ on the chosen sample. The page shows exactly this text:"
    ),
    new_code_cell(
        "r = s.explain(2, 1, 3, sample=0)   # layer ℓ = 2, neuron i = 1, input j = 3 (j = 0 is the bias)\n"
        "print(r['text'])"
    ),
    new_markdown_cell(
        "Equation 8 multiplies three numbers the forward and backward passes already know. "
        "`backward()` knows nothing of the equation, yet lands on the same value. As a third, "
        "independent witness, a central finite difference nudges the weight and re-runs the network:"
    ),
    new_code_cell(
        "import math\n\n"
        "from microgradnet.playground.features import FEATURES\n\n"
        "w = s.model.layers[1].neurons[0].w[2]\n"
        "a, b = s.points[0]\n"
        "x = [FEATURES[f](a, b) for f in s.config['features']]\n"
        "t = s.labels[0]                                # bce: the target is the class, 0 or 1\n\n"
        "def e():                                       # binary cross-entropy of sample 0, on floats\n"
        "    z = s.model(x).data\n"
        "    return math.log1p(math.exp(z)) - t * z\n\n"
        "h, old = 1e-6, w.data\n"
        "w.data = old + h; up = e()\n"
        "w.data = old - h; down = e()\n"
        "w.data = old\n"
        "print(f\"Equation 8        {r['equation8']:+.12f}\")\n"
        "print(f\"backward()        {r['backward']:+.12f}\")\n"
        "print(f\"finite difference {(up - down) / (2 * h):+.12f}\")\n"
        "assert abs(r['equation8'] - r['backward']) <= 1e-12 * max(1.0, abs(r['backward']))   # they agree\n"
        "assert abs((up - down) / (2 * h) - r['backward']) <= 1e-6 * max(1.0, abs(r['backward']))"
    ),
    new_markdown_cell(
        "## A neuron's computation graph\n\n"
        "Clicking a neuron draws micrograd's scalar graph of that one neuron for the sample: "
        "b + w₁·x₁ + w₂·x₂ + …, its activation, and a last product with ∂e/∂o (what the layers "
        "above send back, Equations 9 and 12). After `backward()` every weight's grad in this small "
        "graph is its ∂e/∂w for the sample: the page's button opens the step-through page of it."
    ),
    new_code_cell(
        "from microgradnet.viz import draw_dot\n\n"
        "draw_dot(s.neuron_graph(2, 1, sample=0))"
    ),
    new_markdown_cell(
        "## Impossible settings get a sentence, not a crash\n\n"
        "Every control of the page goes through the same checks; the page shows the message and "
        "keeps running. `pg.request` is what a message from the page does:"
    ),
    new_code_cell(
        "for changes in ({'hidden': [0]}, {'lr': -0.1}, {'points': 10**7}, {'features': []}):\n"
        "    status, answer = pg.request('configure', {'changes': changes})\n"
        "    print(status, answer['error'])\n"
        "print('still here:', pg.request('step', {'n': 1}))"
    ),
    new_markdown_cell(
        "## Take it home\n\n"
        "The page's export buttons: a PNG of the view, a GIF of the run, `model.json` "
        "(`nn.load_model` reads it) and a script that reproduces the run with the library's API:"
    ),
    new_code_cell(
        "from pathlib import Path\n\n"
        "from microgradnet import nn\n\n"
        "out = Path('microgradnet-out')                 # a folder git ignores\n"
        "out.mkdir(exist_ok=True)\n"
        "(out / 'model.json').write_text(s.model_json())\n"
        "model = nn.load_model(out / 'model.json')\n"
        "print(model.sizes, model(x).data == s.model(x).data)\n"
        "print(s.script())"
    ),
    new_code_cell("pg.close()   # stops the widget's training thread"),
]

nb = new_notebook(
    cells=cells,
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
              "microgradnet": {"playground": PLAYGROUND}},
)
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "06_playground.ipynb"
nbformat.write(nb, out)
print("wrote", out)
