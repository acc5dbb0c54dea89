"""W1f: micrograd's demo training step written by hand on plain floats - the pure-Python floor.

Same network (2-16-16-1, ReLU, last layer linear), same initialisation order, same SVM
max-margin loss + 1e-4 L2 and the same SGD update as the Value-based step, but no graph:
the forward pass keeps each layer's activations and the backward pass applies Equations
9, 12 and 8 of the article directly. Any autodiff engine pays at least this much.
"""

from __future__ import annotations

import random


class FloatMLP:
    """Weights ``W[l][i][j]`` and biases ``B[l][i]`` as nested lists of floats."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin] + nouts
        self.W: list[list[list[float]]] = []
        self.B: list[list[float]] = []
        for k in range(len(nouts)):
            rows = []
            for _ in range(sizes[k + 1]):  # micrograd's order: a neuron's weights, then its bias
                rows.append([random.uniform(-1, 1) for _ in range(sizes[k])])
            self.W.append(rows)
            self.B.append([0.0] * sizes[k + 1])


def train_step(
    model: FloatMLP, X: list[list[float]], y: list[float], lr: float, alpha: float = 1e-4
) -> float:
    """One full-batch step (forward, loss, backward, SGD); returns the loss before the update."""
    W, B = model.W, model.B
    nlayers = len(W)
    gW = [[[0.0] * len(row) for row in Wl] for Wl in W]
    gB = [[0.0] * len(Bl) for Bl in B]
    n = len(X)
    data_loss = 0.0
    for x, yi in zip(X, y):
        # forward, keeping every layer's output O^l (O^0 = x)
        outs = [x]
        o = x
        for k in range(nlayers):
            z = [b + sum([w * v for w, v in zip(row, o)]) for row, b in zip(W[k], B[k])]
            o = z if k == nlayers - 1 else [v if v > 0.0 else 0.0 for v in z]
            outs.append(o)
        margin = 1.0 - yi * o[0]
        if margin <= 0.0:
            continue  # hinge is flat here: no gradient from this sample
        data_loss += margin
        # backward: dL/dŷ = -y/n (Equation 9), then Equations 12 and 8 layer by layer
        delta = [-yi / n]
        for k in range(nlayers - 1, -1, -1):
            prev = outs[k]
            Wk, gWk, gBk = W[k], gW[k], gB[k]
            for i, d in enumerate(delta):
                if d != 0.0:
                    grow = gWk[i]
                    for j, v in enumerate(prev):
                        grow[j] += d * v
                    gBk[i] += d
            if k:
                back = [0.0] * len(prev)
                for i, d in enumerate(delta):
                    if d != 0.0:
                        for j, w in enumerate(Wk[i]):
                            back[j] += d * w
                delta = [g if v > 0.0 else 0.0 for g, v in zip(back, prev)]
    reg = 0.0
    for k in range(nlayers):
        for row, grow in zip(W[k], gW[k]):
            for j, w in enumerate(row):
                reg += w * w
                grow[j] += 2.0 * alpha * w
        for i, b in enumerate(B[k]):
            reg += b * b
            gB[k][i] += 2.0 * alpha * b
    loss = data_loss / n + alpha * reg
    for k in range(nlayers):
        for row, grow in zip(W[k], gW[k]):
            for j, g in enumerate(grow):
                row[j] -= lr * g
        Bk = B[k]
        for i, g in enumerate(gB[k]):
            Bk[i] -= lr * g
    return loss
