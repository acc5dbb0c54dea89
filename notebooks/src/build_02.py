"""Builds notebooks/02_backprop_equations.ipynb (outputs stripped). Run: python notebooks/src/build_02.py"""

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = []
md = lambda s: cells.append(new_markdown_cell(s.strip()))  # noqa: E731
code = lambda s: cells.append(new_code_cell(s.strip()))  # noqa: E731

md(r"""
# Backpropagation, equation by equation

This notebook follows the article this library started from, *Backpropagation made right, for a
certain value of right*, section by section, on one small
network. Every number is computed twice: **by the article's equations**, written out in plain
floats (`microgradnet.equations`), and **by `backward()`** on a graph of `Value`s. They agree
weight by weight.

Sections: the problem · notation · doing it with numbers · Equation 8 · Equation 9 ·
Equation 12 · the summary formula · the full table · the computation graph.
""")

md(r"""
## 1. The problem

A network with weights $w$ maps an input $X$ to an output $\hat y$; a loss compares $\hat y$ with
the target $y$ and gives one number, the error $e$. Training needs $\partial e / \partial w$ for
**every** weight. Our network: 2 inputs, two hidden layers of 2 tanh units, 2 outputs (a linear
last layer), negative log-likelihood on a softmax. That is $N = 3$ layers and 18 weights
(biases included).
""")
code(r"""
import random
from microgradnet import Value, equations as E
from microgradnet.nn import MLP

rng = random.Random(0)
model = MLP(2, [2, 2, 2], act="tanh", rng=rng)
for layer in model.layers:          # biases start at 0 (as in micrograd); small values make them visible
    for neuron in layer.neurons:
        neuron.b.data = round(rng.uniform(-0.5, 0.5), 2)
x = [0.5, -1.2]      # one sample X
target = 1           # its class c, counted from 0 as everywhere in microgradnet (and PyTorch):
                     # class 1 is the second output, o^3_2 in the article's 1-based names
loss = "nll"

print("sizes d_0..d_N:", model.sizes)
print("number of weights (biases included):", len(model.parameters()))
""")

md(r"""
## 2. Notation

The article's indices start at 1 (classes are the one thing counted from 0: class $c$ is
output $i = c + 1$). Layer $\ell$ has weight matrix $W^\ell$ with $d_\ell$ rows and $d_{\ell-1}$
columns: $w^\ell_{i,j}$ connects input $j$ of the layer to neuron $i$. A bias is just a weight
on a constant input 1, $b^\ell_i \equiv w^\ell_{i,0}$ with $o^{\ell-1}_0 = 1$, so we print it as
column $j = 0$.

$$O^0 = X,\qquad Z^\ell = W^\ell \times O^{\ell-1},\qquad O^\ell = \varphi(Z^\ell)\ (1 \le \ell \le N-1),\qquad \hat y = Z^N$$

The last layer is linear. $\varphi$ and its derivative $\varphi'$ for every activation the
library offers:
""")
code(r"""
print(E.activation_table())
""")
code(r"""
fp = E.forward(model, x)   # the forward pass, every Z^ℓ and O^ℓ kept as plain floats
for l in range(1, fp.N + 1):
    print(f"W^{l} (column j = 0 is the bias):")
    for i, row in enumerate(fp.W[l], start=1):
        print(f"   i = {i}:", "  ".join(f"{w:+.4f}" for w in row))
    print(f"   Z^{l} =", [round(z, 6) for z in fp.Z[l]])
    print(f"   O^{l} =", [round(o, 6) for o in fp.O[l]], "(= Z^N = ŷ)" if l == fp.N else "(= φ(Z))")

# the same forward pass on Values, through the model itself
print("model(x) =", [round(v.data, 6) for v in model(x)])
""")

md(r"""
## 3. Doing it with numbers

Before the general formulas, one weight by hand: $\partial e/\partial w^1_{2,1}$, from input
$x_1$ into the second neuron of the first layer. `explain` substitutes every number.
""")
code(r"""
print(E.explain(model, x, target, loss, 1, 2, 1))
""")

md(r"""
## 4. Equation 8

$$\frac{\partial e}{\partial w^\ell_{i,j}} = \frac{\partial e}{\partial o^\ell_i}\cdot\varphi'(z^\ell_i)\cdot o^{\ell-1}_j \qquad(\varphi' \equiv 1 \text{ on the last layer})$$

Three factors: how the error changes with the neuron's output, how the output changes with its
input sum, how the sum changes with the weight (the input it multiplies).
""")
code(r"""
bp = E.backprop(model, x, target, loss)   # Equations 9, 12 and 8 in plain floats
l, i, j = 2, 1, 2
factors = bp.de_do(l, i), fp.phi_prime(l, i), fp.o(l - 1, j)
print(f"∂e/∂o^{l}_{i} = {factors[0]:.6f}")
print(f"φ'(z^{l}_{i}) = {factors[1]:.6f}")
print(f"o^{l-1}_{j} = {factors[2]:.6f}")
print(f"Equation 8: ∂e/∂w^{l}_{{{i},{j}}} = {factors[0] * factors[1] * factors[2]:.12f}")

# backward() on the model's own Values: the same class index, counted from 0, as everywhere
from microgradnet.functional import cross_entropy

model.zero_grad()
e = cross_entropy(model(x), target)
e.backward()
autograd = model.layers[l - 1].neurons[i - 1].w[j - 1].grad
print(f"backward():  ∂e/∂w^{l}_{{{i},{j}}} = {autograd:.12f}")
assert abs(factors[0] * factors[1] * factors[2] - autograd) <= 1e-12 * max(1.0, abs(autograd))   # they agree
""")

md(r"""
## 5. Equation 9

The recursion starts at the output: $\dfrac{\partial e}{\partial o^N_i} = \dfrac{\partial\, \mathrm{loss}(\hat y, y)}{\partial \hat y_i}$.

For the negative log-likelihood of a softmax with target class $c$ (counted from 0, so it is
output $i = c + 1$), $e = -\hat y_{c+1} + \log\sum_k e^{\hat y_k}$, and

$$\frac{\partial e}{\partial \hat y_i} = \mathrm{softmax}(\hat y)_i - \mathbf 1[i = c + 1].$$

It is computed through log-softmax (subtract the largest $\hat y_k$ first), so large outputs
cannot overflow. Check it against central finite differences of $e$:
""")
code(r"""
yhat = fp.yhat
eq9 = E.equation9(loss, yhat, target)
print("ŷ            =", [round(v, 6) for v in yhat])
print("softmax(ŷ)   =", [round(v, 6) for v in E.softmax(yhat)], "  c =", target)
print("Equation 9   =", [round(v, 9) for v in eq9])

h = 1e-6
fd = []
for k in range(len(yhat)):
    up, down = list(yhat), list(yhat)
    up[k] += h
    down[k] -= h
    fd.append((E.loss_value(loss, up, target) - E.loss_value(loss, down, target)) / (2 * h))
print("finite diff. =", [round(v, 9) for v in fd])
assert all(abs(a - b) < 1e-6 for a, b in zip(eq9, fd))   # Equation 9 is the loss's derivative
print("huge outputs are fine:", E.equation9("nll", [1000.0, 999.0], 0))   # no overflow: e^1000 never computed
""")
code(r"""
for name, spec in E.LOSSES.items():   # one table of losses, shared with fit() and `microgradnet train`
    print(f"{name:6} e = {spec.formula:28}  Equation 9: {spec.equation9_text}")
assert loss == "nll"                  # the loop above must not have replaced this notebook's loss
""")

md(r"""
## 6. Equation 12

For a hidden layer, $o^\ell_i$ reaches the error through every neuron $k$ of the next layer:

$$\frac{\partial e}{\partial o^\ell_i} = \sum_k \frac{\partial e}{\partial o^{\ell+1}_k}\cdot\varphi'(z^{\ell+1}_k)\cdot w^{\ell+1}_{k,i} \qquad (1 \le \ell \le N-1)$$

Applied from $\ell = N-1$ down to 1, starting from Equation 9. Written out as loops:
""")
code(r"""
N = fp.N
de_do = {N: eq9}                                  # Equation 9 at the top
for l in range(N - 1, 0, -1):                     # Equation 12, going down
    de_do[l] = [
        sum(de_do[l + 1][k - 1] * fp.phi_prime(l + 1, k) * fp.w(l + 1, k, i)
            for k in range(1, fp.sizes[l + 1] + 1))
        for i in range(1, fp.sizes[l] + 1)
    ]

# backward() stores the same numbers in the grad of every neuron's output node
table = E.compare(model, x, target, loss)
for r in table.nodes:
    equation = "9 " if r.l == N else "12"
    print(f"∂e/∂{r.name}:  Equation {equation} {de_do[r.l][r.i - 1]:+.12f}   backward() {r.autograd:+.12f}")
    assert abs(de_do[r.l][r.i - 1] - r.autograd) <= 1e-12 * max(1.0, abs(r.autograd))   # they agree
""")

md(r"""
## 7. The summary formula

Put together, for every layer: first the error signal of each neuron, then the weight gradients
as an outer product with the layer's inputs (bias input $o^{\ell-1}_0 = 1$ included):

$$\delta^\ell_i = \frac{\partial e}{\partial o^\ell_i}\,\varphi'(z^\ell_i),\qquad
\delta^\ell_i = \varphi'(z^\ell_i)\sum_k \delta^{\ell+1}_k\, w^{\ell+1}_{k,i},\qquad
\frac{\partial e}{\partial w^\ell_{i,j}} = \delta^\ell_i\, o^{\ell-1}_j,$$

that is $\dfrac{\partial e}{\partial W^\ell} = \delta^\ell \times (O^{\ell-1})^{\mathsf T}$ with
$\delta^N = \partial e/\partial \hat y$ (Equation 9).
""")
code(r"""
delta = {N: eq9}
for l in range(N - 1, 0, -1):
    delta[l] = [
        fp.phi_prime(l, i) * sum(delta[l + 1][k - 1] * fp.w(l + 1, k, i) for k in range(1, fp.sizes[l + 1] + 1))
        for i in range(1, fp.sizes[l] + 1)
    ]
worst = 0.0
for l in range(1, N + 1):
    inputs = [1.0] + fp.O[l - 1]                  # o^{ℓ-1}_0 = 1 for the bias
    grad_W = [[d * o for o in inputs] for d in delta[l]]   # the outer product δ^ℓ (O^{ℓ-1})ᵀ
    print(f"∂e/∂W^{l} =", [[round(g, 6) for g in row] for row in grad_W])
    worst = max(worst, max(abs(grad_W[i - 1][j] - bp.de_dw(l, i, j)) for i in range(1, fp.sizes[l] + 1)
                           for j in range(fp.sizes[l - 1] + 1)))
print("largest difference from Equation 8 weight by weight:", worst)
assert worst < 1e-12
""")

md(r"""
## 8. The full table, weight by weight

Every weight's $\partial e/\partial w$ by Equation 8 next to what `backward()` found, and the
difference (bias rows have $j = 0$). The differences are rounding in the last bit, at most a
few $10^{-16}$.
""")
code(r"""
print(table)
assert table.max_diff < 1e-12
""")

md(r"""
## 9. The computation graph

The same network as a graph of scalar `Value`s, nodes labelled in the article's notation:
inputs $o^0_j$, weights $w^\ell_{i,j}$ and biases $b^\ell_i$, each neuron's sum $z^\ell_i$ and
output $o^\ell_i$ (the outputs of the last layer are $\hat y_i = z^N_i$), and the error
$e = \log S - (\hat y_{c+1} - m)$ with $m = \max_k \hat y_k$ and $S = \sum_k e^{\hat y_k - m}$.
The `grad` shown in each node is what `backward()` left there; compare the weights' grads with
the table above. (The constant $m$ gets grad 0: shifting every $\hat y_k$ by the same amount does
not change the loss.)
""")
graph_setup = r"""
model.zero_grad()
inputs = [Value(v, label=f"o^0_{j}") for j, v in enumerate(x, start=1)]
outs = inputs
for l, layer in enumerate(model.layers, start=1):
    outs = layer(outs)
    for i, o in enumerate(outs, start=1):
        if l < len(model.layers):
            o.label = f"o^{l}_{i}"
            o._prev[0].label = f"z^{l}_{i}"      # the neuron's sum, under its activation
        else:
            o.label = f"ŷ_{i} = z^{l}_{i}"
# e = log S − (ŷ_{c+1} − m) with S = Σ_k exp(ŷ_k − m): the NLL through log-softmax, m = max_k ŷ_k
m = Value(max(o.data for o in outs), label="m = max ŷ")
shifted = [o - m for o in outs]
exps = [s.exp() for s in shifted]
for k, (s, ex) in enumerate(zip(shifted, exps), start=1):
    s.label, ex.label = f"ŷ_{k} − m", f"exp(ŷ_{k} − m)"
total = value_sum(exps)
total.label = "S"
log_total = total.log()
log_total.label = "log S"
e = log_total - shifted[target]      # class c = target is output c + 1, index c of the list
e.label = "e"
e.backward()
"""
code(r"""
from microgradnet.engine import value_sum
from microgradnet.viz import draw_dot
""" + graph_setup + r"""
# the graph's grads are the table's: every weight and bias, and the error itself
assert abs(e.data - E.loss_value(loss, [o.data for o in outs], target)) < 1e-12
for row in table.rows:
    neuron = model.layers[row.l - 1].neurons[row.i - 1]
    p = neuron.b if row.j == 0 else neuron.w[row.j - 1]
    assert abs(p.grad - row.eq8) <= 1e-12 * max(1.0, abs(row.eq8)), (row.name, p.grad, row.eq8)
draw_dot(e)
""")

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.validate(nb)
# MICROGRADNET_NOTEBOOKS: write elsewhere (tests compare a fresh build with the committed notebook)
out = Path(os.environ.get("MICROGRADNET_NOTEBOOKS", Path(__file__).resolve().parent.parent)) / "02_backprop_equations.ipynb"
nbformat.write(nb, out)
print("wrote", out, "with", len(cells), "cells")
