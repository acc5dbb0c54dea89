"""Builds notebooks/01_values_and_graphs.ipynb (outputs stripped). Run: python notebooks/src/build_01.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# 01 · Values and graphs\n\n"
        "The path of the micrograd lecture with `microgradnet`: a function and its derivative by "
        "finite differences, then `Value`s that remember how they were computed, gradients by hand, "
        "`backward()`, and a tanh neuron. Every cell runs top to bottom."
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
        "## 6. Worksheet mode\n\n"
        "For an exercise, hide the gradients: students fill them in, then compare with the answer key."
    ),
    new_code_cell("draw_dot(o, hide='grad')  # the worksheet"),
    new_code_cell("draw_dot(o, color='grad')  # the answer key, coloured by gradient sign and size"),
]

nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
out = Path(__file__).resolve().parent.parent / "01_values_and_graphs.ipynb"
nbformat.write(nb, out)
print("wrote", out)
