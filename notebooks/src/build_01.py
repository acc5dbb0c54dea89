"""Builds notebooks/01_values_and_graphs.ipynb (without outputs; ``build_all.py`` executes it).

Run: python notebooks/src/build_01.py   (or make notebooks-build for every notebook, executed)

The micrograd lecture, to its end: derivatives, Values, gradients by hand, backward(), the tanh
neuron, tanh built from exp, a worksheet, PyTorch's answer, a hand-written training loop and
the forgotten zero_grad bug. Every random number is seeded.
"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def torch_cell(source: str):
    """A code cell that needs torch: tagged, so the staleness test skips it when torch is missing."""
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["needs-torch"]
    return cell


cells = [
    new_markdown_cell(
        "# 01 · Values and graphs\n\n"
        "The path of the micrograd lecture with `microgradnet`, to its end: a function and its "
        "derivative by finite differences, `Value`s that remember how they were computed, gradients "
        "by hand, `backward()`, a tanh neuron, the same neuron with tanh built from `exp`, a "
        "worksheet, PyTorch's answer for comparison, and finally a small network trained by a "
        "hand-written loop, including the lecture's famous bug. Every cell runs top to bottom; "
        "every random number is seeded, so you get the numbers printed here."
    ),
    new_markdown_cell("## 1. A function and its derivative, numerically\n\n"
                      "The derivative is the slope: nudge the input by a tiny *h* and see how much the output moves."),
    new_code_cell(
        "def f(x):\n"
        "    return 3 * x**2 - 4 * x + 5\n\n"
        "h = 1e-6\n"
        "x = 3.0\n"
        "slope = (f(x + h) - f(x - h)) / (2 * h)\n"
        "print(f'f({x}) = {f(x)},  df/dx ≈ {slope:.6f}   (by hand: 6x - 4 = {6 * x - 4})')"
    ),
    new_markdown_cell("## 2. Values remember how they were made\n\n"
                      "`Value` wraps one number. Arithmetic on Values builds a graph: every result keeps its "
                      "operands (`_prev`) and the operation (`_op`)."),
    new_code_cell(
        "from microgradnet import Value, draw_dot\n\n"
        "a = Value(2.0, label='a')\n"
        "b = Value(-3.0, label='b')\n"
        "c = Value(10.0, label='c')\n"
        "e = a * b; e.label = 'e'\n"
        "d = e + c; d.label = 'd'\n"
        "f = Value(-2.0, label='f')\n"
        "L = d * f; L.label = 'L'\n"
        "print(L, L._op, [v.label for v in L._prev])"
    ),
    new_code_cell("draw_dot(L)"),
    new_markdown_cell(
        "## 3. Gradients by hand\n\n"
        "dL/dd = f = -2 and dL/df = d = 4. Going back through `d = e + c`, a plus passes the gradient "
        "through unchanged: dL/de = dL/dc = -2. Through `e = a * b`: dL/da = dL/de · b = (-2)(-3) = 6 and "
        "dL/db = dL/de · a = (-2)(2) = -4. Check one of them numerically:"
    ),
    new_code_cell(
        "def L_of(a_):\n"
        "    return ((a_ * -3.0) + 10.0) * -2.0\n\n"
        "print('dL/da ≈', (L_of(2.0 + h) - L_of(2.0 - h)) / (2 * h))"
    ),
    new_markdown_cell("## 4. `backward()` does the same, for every node at once"),
    new_code_cell(
        "L.backward()\n"
        "for v in (a, b, c, e, d, f, L):\n"
        "    print(f'{v.label}: data={v.data:6.1f}  grad={v.grad:6.1f}')\n"
        "assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)"
    ),
    new_markdown_cell("## 5. A neuron: o = tanh(x1·w1 + x2·w2 + b)\n\nThe lecture's numbers, chosen so that o = 1/√2."),
    new_code_cell(
        "x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')\n"
        "w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')\n"
        "b = Value(6.8813735870195432, label='b')\n"
        "x1w1 = x1 * w1; x1w1.label = 'x1*w1'\n"
        "x2w2 = x2 * w2; x2w2.label = 'x2*w2'\n"
        "n = x1w1 + x2w2 + b; n.label = 'n'\n"
        "o = n.tanh(); o.label = 'o'\n"
        "o.backward()\n"
        "print('x1.grad =', x1.grad, ' w1.grad =', w1.grad)\n"
        "draw_dot(o)"
    ),
    new_markdown_cell(
        "The local derivative of tanh is 1 − tanh(n)² = 1 − o² = 0.5, so n.grad = 0.5; the plus nodes "
        "pass 0.5 on; and x1.grad = w1 · 0.5 = −1.5, w1.grad = x1 · 0.5 = 1.0."
    ),
    new_markdown_cell(
        "## 6. tanh, built from exp\n\n"
        "tanh(n) = (e²ⁿ − 1) / (e²ⁿ + 1). Built from `exp`, `-`, `+` and `/`, the graph is "
        "longer, but every node only needs its own local derivative, and `backward()` arrives at the "
        "same gradients."
    ),
    new_code_cell(
        "x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')\n"
        "w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')\n"
        "b = Value(6.8813735870195432, label='b')\n"
        "n = x1 * w1 + x2 * w2 + b; n.label = 'n'\n"
        "e = (2 * n).exp(); e.label = 'e'\n"
        "o2 = (e - 1) / (e + 1); o2.label = 'o'\n"
        "o2.backward()\n"
        "print(f'o = {o2.data:.6f}   x1.grad = {x1.grad:.6f}   w1.grad = {w1.grad:.6f}')\n"
        "print('same as with tanh():', round(x1.grad, 12) == -1.5 and round(w1.grad, 12) == 1.0)\n"
        "assert round(x1.grad, 12) == -1.5 and round(w1.grad, 12) == 1.0  # the same gradients\n"
        "draw_dot(o2)"
    ),
    new_markdown_cell(
        "## 7. Worksheet mode\n\n"
        "For an exercise, hide the gradients: students fill them in; `answer_key=True` gives the "
        "same picture with the answers. `color='grad'` colours each node by its gradient's sign and size, "
        "a way to *see* where the output is sensitive."
    ),
    new_code_cell("draw_dot(o, hide='grad')  # the worksheet: every gradient blank"),
    new_code_cell("draw_dot(o, hide='grad', answer_key=True)  # the answer key"),
    new_code_cell("draw_dot(o, color='grad')  # gradients as colours"),
    new_markdown_cell(
        "## 8. The same neuron in PyTorch\n\n"
        "PyTorch does the same thing on tensors. In float64 it gives the same gradients; this cell "
        "runs when torch is installed (`pip install torch`)."
    ),
    torch_cell(
        "try:\n"
        "    import torch\n"
        "except ImportError:\n"
        "    print('torch is not installed: pip install torch to run this comparison')\n"
        "else:\n"
        "    tx1, tx2 = torch.tensor([2.0], dtype=torch.double, requires_grad=True), torch.tensor([0.0], dtype=torch.double, requires_grad=True)\n"
        "    tw1, tw2 = torch.tensor([-3.0], dtype=torch.double, requires_grad=True), torch.tensor([1.0], dtype=torch.double, requires_grad=True)\n"
        "    tb = torch.tensor([6.8813735870195432], dtype=torch.double, requires_grad=True)\n"
        "    to = torch.tanh(tx1 * tw1 + tx2 * tw2 + tb)\n"
        "    to.backward()\n"
        "    print(f'o = {to.item():.6f}')\n"
        "    for name, t in (('x1', tx1), ('w1', tw1), ('x2', tx2), ('w2', tw2)):\n"
        "        print(f'{name}.grad = {t.grad.item():+.6f}')\n"
        "    agrees = abs(tx1.grad.item() - x1.grad) < 1e-12 and abs(tw1.grad.item() - w1.grad) < 1e-12\n"
        "    print('agrees with microgradnet:', agrees)\n"
        "    assert agrees"
    ),
    new_markdown_cell(
        "## 9. A network, trained by hand\n\n"
        "The lecture's last part: an MLP with 3 inputs, two hidden layers of 4 tanh neurons and one "
        "output; four examples with targets ±1; the loss is the sum of squared errors. One training "
        "step is forward, **zero the gradients**, backward, and a small step against each gradient."
    ),
    new_code_cell(
        "import random\n"
        "from microgradnet.nn import MLP\n\n"
        "xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]\n"
        "ys = [1.0, -1.0, -1.0, 1.0]  # the targets\n\n"
        "def train(steps, zero_grad=True, seed=42, lr=0.05, show=True):\n"
        "    model = MLP(3, [4, 4, 1], act='tanh', rng=random.Random(seed))\n"
        "    for k in range(steps):\n"
        "        ypred = [model(x) for x in xs]                              # forward\n"
        "        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))\n"
        "        if zero_grad:\n"
        "            for p in model.parameters():                            # zero the gradients\n"
        "                p.grad = 0.0\n"
        "        loss.backward()                                             # backward\n"
        "        for p in model.parameters():                                # update\n"
        "            p.data += -lr * p.grad\n"
        "        if show and (k % 5 == 0 or k == steps - 1):\n"
        "            print(f'step {k:2d}  loss {loss.data:.6f}')\n"
        "    return model, loss.data\n\n"
        "model, final = train(20)\n"
        "print('predictions:', [round(model(x).data, 3) for x in xs], ' targets:', ys)"
    ),
    new_markdown_cell(
        "## 10. The forgotten `zero_grad`\n\n"
        "`backward()` *adds* into `grad` (a node used twice must collect both paths). So if the loop "
        "does not reset the gradients, each step moves the weights by the sum of all gradients so far: "
        "the steps grow, and training becomes a matter of luck. The lecture's own first loop had "
        "this bug and still trained, because the problem is easy. Here the same loop, same seed, "
        "same learning rate, with and without zeroing:"
    ),
    new_code_cell(
        "for zero in (True, False):\n"
        "    _, final = train(20, zero_grad=zero, show=False)\n"
        "    print(f'zero_grad={zero!s:5}  loss after 20 steps {final:.6f}')\n\n"
        "model = MLP(3, [4, 4, 1], act='tanh', rng=random.Random(42))\n"
        "w = model.parameters()[0]\n"
        "for k in range(3):  # the same forward and backward three times, never zeroing\n"
        "    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))\n"
        "    loss.backward()\n"
        "    print(f'after backward() number {k + 1}: {w.label}.grad = {w.grad:.6f}')"
    ),
    new_markdown_cell(
        "`model.zero_grad()` does the resetting for you; `microgradnet.train.fit` and the optimizers "
        "in `microgradnet.optim` call it on every step. Notebook 03 trains on a real data set."
    ),
]

nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "01_values_and_graphs.ipynb"
nbformat.write(nb, out)
print("wrote", out)
