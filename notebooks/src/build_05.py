"""Builds notebooks/05_gradients_of_gradients.ipynb.

Run: python notebooks/src/build_05.py
"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# 05 · Gradients of gradients\n\n"
        "`backward()` puts a *number* in every `.grad`. `grad(outputs, inputs, create_graph=True)` "
        "returns the derivatives as **Values built from the graph's own Values**: a derivative is "
        "then a computation graph like any other, so we can draw it, and differentiate it again.\n\n"
        "1. the derivative of tanh, drawn;\n"
        "2. Newton's method (needs f'') next to gradient descent;\n"
        "3. the curvature of one neuron's loss: its Hessian;\n"
        "4. a gradient penalty: a loss on a gradient;\n"
        "5. adding your own operation with `define_op`, checked with `gradcheck` and `gradgradcheck`."
    ),
    new_markdown_cell(
        "## 1. The derivative of tanh is a graph\n\n"
        "y = tanh(x). Its local derivative, as the table of operations writes it, is 1 − y·y: "
        "with `create_graph=True` that formula is built out of the node y itself."
    ),
    new_code_cell(
        "import math\n\n"
        "from microgradnet import Value, draw_dot, grad, hessian, hvp\n\n"
        "x = Value(0.5, label='x')\n"
        "y = x.tanh(); y.label = 'y'\n"
        "[dy] = grad(y, [x], create_graph=True)\n"
        "dy.label = 'dy/dx'\n"
        "print('dy/dx   =', dy.data, ' (1 - tanh(x)^2 =', 1 - math.tanh(0.5) ** 2, ')')\n"
        "assert abs(dy.data - (1 - math.tanh(0.5) ** 2)) < 1e-15\n"
        "draw_dot(dy, rankdir='LR')"
    ),
    new_markdown_cell(
        "`dy/dx` is an ordinary Value, so `grad` applies to it again: tanh'' = −2·tanh·(1 − tanh²)."
    ),
    new_code_cell(
        "[d2y] = grad(dy, [x])\n"
        "t = math.tanh(0.5)\n"
        "print('d2y/dx2 =', d2y.data)\n"
        "print('formula =', -2 * t * (1 - t * t))\n"
        "assert abs(d2y.data - (-2 * t * (1 - t * t))) < 1e-15"
    ),
    new_markdown_cell(
        "## 2. Newton's method next to gradient descent\n\n"
        "To find a minimum of f(x) = x⁴ − 3x² + x, gradient descent steps x ← x − lr·f'(x). "
        "Newton's method divides by the curvature instead: x ← x − f'(x)/f''(x). Both need only "
        "`grad`; Newton needs it twice."
    ),
    new_code_cell(
        "def f(x):\n"
        "    return x**4 - 3 * x**2 + x\n\n\n"
        "def derivatives(x0):\n"
        "    x = Value(x0)\n"
        "    [d1] = grad(f(x), [x], create_graph=True)\n"
        "    [d2] = grad(d1, [x])\n"
        "    return d1.data, d2.data\n\n\n"
        "gd, newton = 2.0, 2.0\n"
        "print(f\"{'step':>4} {'gradient descent':>18} {'Newton':>12}\")\n"
        "for step in range(8):\n"
        "    print(f'{step:>4} {gd:>18.10f} {newton:>12.10f}')\n"
        "    g, _ = derivatives(gd)\n"
        "    gd -= 0.02 * g\n"
        "    g, h = derivatives(newton)\n"
        "    newton -= g / h"
    ),
    new_markdown_cell(
        "Newton reaches the minimum near x = 1.131 to ten digits in six steps; gradient descent with "
        "a safe learning rate is still on its way. (Newton heads for any point where f' = 0, a "
        "maximum too, when f'' < 0 there: that is why optimisers for networks rarely use it raw.)"
    ),
    new_markdown_cell(
        "## 3. The curvature of one neuron's loss\n\n"
        "One neuron o = tanh(w·x + b) and a squared error e = (o − t)². The Hessian of e with "
        "respect to (w, b) says how the loss bends around the current weights; its eigenvalues are the "
        "curvatures along the principal directions."
    ),
    new_code_cell(
        "w, b = Value(-0.6, label='w'), Value(0.4, label='b')\n"
        "x_in, target = 1.5, 0.8\n"
        "e = ((w * x_in + b).tanh() - target) ** 2\n"
        "H = hessian(e, [w, b])\n"
        "for row in H:\n"
        "    print(' '.join(f'{h:+.6f}' for h in row))\n"
        "tr, det = H[0][0] + H[1][1], H[0][0] * H[1][1] - H[0][1] * H[1][0]\n"
        "gap = math.sqrt(tr * tr / 4 - det)\n"
        "print('eigenvalues:', tr / 2 + gap, tr / 2 - gap)\n"
        "print('H·[1, 0] without forming H:', hvp(e, [w, b], [1.0, 0.0]))"
    ),
    new_markdown_cell(
        "One eigenvalue is exactly 0. Both weights reach the loss only through z = w·x + b, so the "
        "Hessian is e''(z)·[x, 1][x, 1]ᵀ: moving w and b so that z stays the same changes nothing "
        "(a flat direction), and the other eigenvalue is e''(z)·(x² + 1). Here it is negative: at "
        "z = −0.5 the squared error of a tanh neuron this far from its target bends downwards."
    ),
    new_markdown_cell(
        "## 4. A gradient penalty: a loss on a gradient\n\n"
        "Penalising how steeply a model's output changes with its input (as in WGAN-GP) needs the "
        "gradient of the output with respect to the *input* inside the loss, and then `backward()` "
        "through that gradient. Here a one-neuron model is pushed to fit a point while keeping "
        "|∂o/∂x| small."
    ),
    new_code_cell(
        "w, b = Value(2.0, label='w'), Value(0.0, label='b')\n"
        "for step in range(30):\n"
        "    x = Value(0.5, label='x')\n"
        "    o = (w * x + b).tanh()\n"
        "    [do_dx] = grad(o, [x], create_graph=True)\n"
        "    loss = (o - 0.3) ** 2 + 0.1 * do_dx**2\n"
        "    w.grad = b.grad = 0.0\n"
        "    loss.backward()          # through the gradient's own graph\n"
        "    w.data -= 0.5 * w.grad\n"
        "    b.data -= 0.5 * b.grad\n"
        "    if step % 10 == 0 or step == 29:\n"
        "        print(f'step {step:2d}  loss {loss.data:.5f}  o {o.data:.4f}  do/dx {do_dx.data:.4f}')"
    ),
    new_markdown_cell(
        "## 5. Your own operation, in one place\n\n"
        "`define_op(name, forward, derivative)` adds a row to the table of operations. Write the "
        "derivative with `+ - * / **` and the functions in `microgradnet.ops` (which accept a float "
        "or a Value), and it works for numbers *and* for `create_graph=True`. One call, and sinh "
        "works in arithmetic, `graph` formulas, `draw_dot`, the step-through page, compiled replay, "
        "`gradcheck` and `grad`."
    ),
    new_code_cell(
        "from microgradnet import define_op, gradcheck, gradgradcheck, ops\n"
        "from microgradnet.expr import parse\n\n"
        "# running this cell again replaces the definition (built-in operations cannot be replaced)\n"
        "define_op('sinh', math.sinh, lambda x, out: (ops.exp(x) + ops.exp(-x)) / 2)\n\n"
        "a = Value(0.7, label='a')\n"
        "s = a.sinh(); s.label = 's'\n"
        "s.backward()\n"
        "print('sinh(0.7) =', s.data, ' d/da =', a.grad, ' cosh(0.7) =', math.cosh(0.7))\n"
        "print(gradcheck(lambda u, v: (u * v).sinh(), [0.3, -1.2]))\n"
        "second = gradgradcheck(lambda u, v: (u * v).sinh(), [0.3, -1.2])\n"
        "print('second derivatives agree with finite differences:', second.ok)\n"
        "assert second.ok and abs(a.grad - math.cosh(0.7)) < 1e-12\n"
        "out, _ = parse('sinh(x) * 2').build({'x': 0.5})\n"
        "print('formula sinh(x) * 2 at x = 0.5:', out.data)\n"
        "draw_dot(s)"
    ),
]

nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "05_gradients_of_gradients.ipynb"
nbformat.write(nb, out)
print(f"wrote {out}")
