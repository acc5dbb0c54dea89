"""Builds notebooks/04_step_through_backward.ipynb (outputs stripped; build_all.py executes it).

Run: python notebooks/src/build_04.py
"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# 04 · Stepping through the forward pass and backward()\n\n"
        "The forward pass computes each node from its children, in topological order. `backward()` "
        "then does one small thing many times: at each node, from the output back to the inputs, it "
        "adds *node.grad × local derivative* to every child's grad. This notebook makes every one of "
        "those steps visible:\n\n"
        "1. the **step-through page**: Next / Previous / Play through the forward pass (each value "
        "with its formula and the numbers filled in), then straight on through backward() (each "
        "chain-rule update with its arithmetic) — for the lecture's neuron, then for a small MLP;\n"
        "2. the graph **coloured by gradient** and **numbered in backward order**;\n"
        "3. the **network diagram** with every weight's gradient;\n"
        "4. the same steps as **slides**: one picture per step, and an animated GIF.\n\n"
        "Every cell runs top to bottom; nothing needs a server or an internet connection."
    ),
    new_markdown_cell(
        "## Showing a page inside the notebook\n\n"
        "`to_html(root, path)` writes one self-contained HTML file: open it in a browser (it works "
        "offline, even from a USB stick). To see it here, the helper below reads the file back and "
        "puts it in an `<iframe srcdoc=… allowfullscreen>`: the page travels inside the notebook "
        "itself, so it works in Jupyter, JupyterLab and VS Code without a file server. (If a page "
        "stays blank in a notebook someone else executed, JupyterLab is hiding an untrusted output: "
        "run the cell again, or open the written file.)\n\n"
        "**In class:** press **Full screen** (or `f`) and use the keyboard — → or space for the next "
        "step, ← to go back, `p` to play, `o` for an overview of the whole graph (click a node there "
        "to jump to its step), `+` / `−` to resize. The view follows the current node and keeps its "
        "text readable from the back of the room; a child too far away to fit on the screen appears "
        "as a card at the edge, pointing towards it."
    ),
    new_code_cell(
        "import html\n"
        "from pathlib import Path\n\n"
        "from IPython.display import HTML\n\n"
        "from microgradnet import Value\n"
        "from microgradnet.viz import draw_dot, draw_mlp, to_html\n\n"
        "out = Path('microgradnet-out')   # the pages and pictures this notebook writes (git ignores it)\n"
        "out.mkdir(exist_ok=True)\n\n\n"
        "def show_page(root, name, title=None, height=600):\n"
        "    \"\"\"Write the step-through page for root to out/name, and show it inline.\"\"\"\n"
        "    page = to_html(root, out / name, title=title)\n"
        "    source = html.escape(Path(page).read_text(encoding='utf-8'), quote=True)\n"
        "    print(f'written to {page} (open it in a browser, or press Full screen)')\n"
        "    return HTML(f'<div><iframe srcdoc=\"{source}\" width=\"100%\" height=\"{height}\" '\n"
        "                'allowfullscreen style=\"border: 1px solid #ddd; border-radius: 6px\"></iframe></div>')"
    ),
    new_markdown_cell(
        "## 1. The lecture's neuron, one chain rule at a time\n\n"
        "o = tanh(x1·w1 + x2·w2 + b), with the lecture's numbers (b is chosen so that o = 1/√2)."
    ),
    new_code_cell(
        "x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')\n"
        "w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')\n"
        "b = Value(6.8813735870195432, label='b')\n"
        "x1w1 = x1 * w1; x1w1.label = 'x1*w1'\n"
        "x2w2 = x2 * w2; x2w2.label = 'x2*w2'\n"
        "s = x1w1 + x2w2; s.label = 'x1*w1 + x2*w2'\n"
        "n = s + b; n.label = 'n'\n"
        "o = n.tanh(); o.label = 'o'\n"
        "o.backward()\n"
        "show_page(o, 'neuron_steps.html', title='o = tanh(x1·w1 + x2·w2 + b): forward, then backward()')"
    ),
    new_markdown_cell(
        "**To read aloud while clicking Next (→):**\n\n"
        "*Forward pass* (blue). Only the inputs are known at the start; every other value is blank.\n\n"
        "- *Steps 1–2, the products.* x1\\*w1 = 2.0 · (−3.0) = −6.0 and x2\\*w2 = 0.0 · 1.0 = 0.0.\n"
        "- *Steps 3–4, the sums.* x1\\*w1 + x2\\*w2 = (−6.0) + 0.0 = −6.0, then n = (−6.0) + 6.8814 = 0.8814.\n"
        "- *Step 5.* o = tanh(n) = tanh(0.8814) = 0.7071. Every value is known: the forward pass is done.\n\n"
        "*Backward pass* (orange), on the same page.\n\n"
        "- *Start.* o.grad = 1: the output's derivative with respect to itself. Every other grad is 0.\n"
        "- *Step 1, tanh.* The local derivative of tanh is 1 − tanh(n)² = 1 − o² = 1 − ½ = 0.5, so "
        "n.grad = 1 × 0.5.\n"
        "- *Steps 2–3, the plus nodes.* A sum passes its grad unchanged to every operand (local "
        "derivative 1): b and both products receive 0.5.\n"
        "- *Steps 4–5, the products.* Each factor's grad is the *other* factor's data times the "
        "product's grad: x1.grad = w1·0.5 = −1.5, w1.grad = x1·0.5 = 1.0. Since x2 = 0, w2.grad = 0: "
        "changing w2 cannot change o while its input is 0.\n\n"
        "Press **Overview** (`o`) to see the whole graph at once. The final grads on the page are, "
        "bit for bit, those `o.backward()` computed:"
    ),
    new_code_cell(
        "for v in (x1, w1, x2, w2, b, n, o):\n"
        "    print(f'{v.label:>3}.grad = {v.grad:+.4f}')"
    ),
    new_markdown_cell(
        "## 2. The same graph, coloured by gradient\n\n"
        "`color='grad'` fills each node by the sign and size of its gradient: blue where increasing "
        "the node would *increase* o, red where it would *decrease* it, darker for a larger effect, "
        "white for no effect (the palette is colour-blind safe). Ask the class: *which input would you "
        "nudge to raise o the most, and in which direction?* (x1, downwards: it is the darkest red.)"
    ),
    new_code_cell("draw_dot(o, color='grad')"),
    new_markdown_cell(
        "## 3. Numbered in backward order\n\n"
        "`number=True` numbers the operations in the order `backward()` visits them: the same order "
        "as the step-through page's backward steps, and the page calls a node without a label by "
        "the same number (`#3` is the node numbered 3 here). Output first, inputs last: a node's grad is complete "
        "only once every node that uses it has been processed — that is why backward() sorts the "
        "graph topologically and walks it in reverse."
    ),
    new_code_cell("draw_dot(o, number=True)"),
    new_markdown_cell(
        "## 4. A small MLP\n\n"
        "A network 2 → 2 → 2 → 1 with tanh on the hidden layers and a linear output, one training "
        "example x = (2, −1) with target y = 1, and the squared error e = (ŷ − y)². As in micrograd, "
        "each neuron is built from scalars: one `*` node per weight times input (labelled "
        "w^ℓ_{i,j}·o^{ℓ−1}_j), a chain of `+` nodes starting from the bias (the finished sum is "
        "z^ℓ_i), then its activation o^ℓ_i = tanh(z^ℓ_i) — the article's notation. Partial sums have "
        "no label: the page and `draw_dot(number=True)` both call them by their backward number."
    ),
    new_code_cell(
        "import random\n\n"
        "from microgradnet.nn import MLP\n\n"
        "model = MLP(2, [2, 2, 1], act='tanh', rng=random.Random(1337))  # seeded: same picture every run\n"
        "x = [Value(2.0, label='x1'), Value(-1.0, label='x2')]  # Values, so each input is one shared node\n"
        "y = Value(1.0, label='y')\n"
        "y_hat = model(x)\n"
        "diff = y_hat - y; diff.label = 'ŷ − y'\n"
        "e = diff ** 2; e.label = 'e'\n"
        "model.zero_grad()\n"
        "e.backward()\n"
        "print(f'ŷ = {y_hat.data:.4f}, e = {e.data:.4f}')"
    ),
    new_code_cell(
        "show_page(e, 'mlp_backward.html', title='e = (ŷ − y)², MLP 2-2-2-1: forward, then backward()', height=620)"
    ),
    new_markdown_cell(
        "**To read aloud:** the forward pass computes one scalar per click — each product, each "
        "partial sum, each activation. In the backward pass each click is one node's chain rule: at a "
        "`+` node both operands receive its grad unchanged; at a product w·o the weight receives "
        "grad × o (the article's Equation 8, ∂e/∂w^ℓ_{i,j} = ∂e/∂z^ℓ_i · o^{ℓ−1}_j) and the input "
        "receives grad × w, summed over every neuron that uses it (Equation 12 — watch x1.grad change "
        "twice, once for each neuron of layer 1). When x1 is too far away to share the screen with "
        "the product that uses it, a card at the edge of the view shows its numbers."
    ),
    new_markdown_cell(
        "### The computation graph, coloured\n\n"
        "The boxes group the nodes of each neuron and each layer. Colour shows where the error is "
        "most sensitive: the deep-coloured weights are the ones a gradient-descent step will move most."
    ),
    new_code_cell("draw_dot(e, color='grad', rankdir='TB')  # top to bottom: fits a notebook's width"),
    new_markdown_cell(
        "### The network diagram with gradients\n\n"
        "`draw_mlp(model, grads=True)` draws the same network the way the article does: neurons and "
        "weighted edges (width ∝ |w|, blue positive, red negative). Each edge carries its weight and, "
        "after ∇, the gradient ∂e/∂w that `backward()` just computed; each neuron its bias b and ∂e/∂b. "
        "A gradient-descent step moves every weight against its gradient: w ← w − lr·∇."
    ),
    new_code_cell("draw_mlp(model, grads=True)"),
    new_markdown_cell(
        "The numbers on the diagram are the grads of the parameters themselves, the same ones the "
        "step-through page ends with:"
    ),
    new_code_cell(
        "for p in model.parameters():\n"
        "    print(f'{p.label:>9}  data {p.data:+.4f}  grad {p.grad:+.4f}')"
    ),
    new_markdown_cell(
        "## 5. Slides: one picture per step, and an animated GIF\n\n"
        "`step_images(root, folder)` writes the page's steps as pictures (`format='png'` or "
        "`'svg'`), `step_gif(root, path)` as one animated GIF — forward pass, then backward, with "
        "the explanation printed above the graph. Paste them into a slide deck."
    ),
    new_code_cell(
        "from IPython.display import SVG\n\n"
        "from microgradnet.viz import step_gif, step_images\n\n"
        "slides = step_images(o, out / 'neuron_slides', format='svg')\n"
        "gif = step_gif(o, out / 'neuron_steps.gif', seconds=1.5)\n"
        "print(f'{len(slides)} slides in neuron_slides/ ({slides[0].name} … {slides[-1].name}), and {gif}')\n"
        "SVG(filename=str(slides[5]))  # step 5 of the forward pass: o = tanh(n)"
    ),
]

nb = new_notebook(
    cells=cells,
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "04_step_through_backward.ipynb"
nbformat.write(nb, out)
print("wrote", out)
