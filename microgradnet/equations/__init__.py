"""The equations of the article "Backpropagation made right, for a certain value of right",
computed directly, and checked weight by weight against ``backward()``.

Network (notation of the article, 1-based; names built by ``microgradnet.notation``):
O^0 = X, Z^ℓ = W^ℓ × O^{ℓ-1}, O^ℓ = φ(Z^ℓ) for 1 ≤ ℓ ≤ N-1, ŷ = Z^N; e = loss(ŷ, y). A bias is
a weight on a constant input 1 (b^ℓ_i ≡ w^ℓ_{i,0}, o^{ℓ-1}_0 = 1).

- Equation 8:  ∂e/∂w^ℓ_{i,j} = ∂e/∂o^ℓ_i · φ'(z^ℓ_i) · o^{ℓ-1}_j   (φ' ≡ 1 on the last layer)
- Equation 9:  ∂e/∂o^N_i = ∂loss(ŷ, y)/∂ŷ_i
- Equation 12: ∂e/∂o^ℓ_i = Σ_k ∂e/∂o^{ℓ+1}_k · φ'(z^{ℓ+1}_k) · w^{ℓ+1}_{k,i}

Classes are the one thing counted from 0, as everywhere in microgradnet (and PyTorch): the
NLL target ``target=c`` is output i = c + 1, o^N_{c+1}. The losses (e, Equation 9, targets) come
from ``microgradnet.losses``, the table that ``fit`` and ``microgradnet train`` read too.

Everything here is plain floats (``forward``, ``equation9``, ``backprop``) except ``compare``,
which also runs ``backward()`` on the model's own Values and lines the two up:

>>> import random
>>> from microgradnet.nn import MLP
>>> from microgradnet import equations
>>> model = MLP(2, [3, 3, 2], act='tanh', rng=random.Random(0))
>>> table = equations.compare(model, [0.5, -1.2], target=1, loss='nll')  # class 1: the 2nd output
>>> table.max_diff < 1e-12
True
>>> print(equations.explain(model, [0.5, -1.2], 1, 'nll', 1, 2, 1))  # doctest: +ELLIPSIS
∂e/∂w^1_{2,1}: the weight from o^0_1 into neuron 2 of layer 1 (N = 3, ...)
"""

from __future__ import annotations

from ..losses import softmax
from .activations import PAIRS, Activation, activation
from .activations import table as activation_table
from .backprop import (
    LOSSES,
    Backprop,
    ForwardPass,
    backprop,
    equation9,
    forward,
    loss_value,
    read_weights,
    weight_name,
)
from .compare import Autograd, Comparison, NodeRow, Row, autograd, compare, loss_from_values
from .explain import Explanation, Term, explain, explanation

__all__ = [
    "PAIRS", "Activation", "activation", "activation_table",
    "ForwardPass", "Backprop", "forward", "backprop", "read_weights", "weight_name",
    "LOSSES", "equation9", "loss_value", "loss_from_values", "softmax",
    "Row", "NodeRow", "Autograd", "Comparison", "autograd", "compare",
    "Term", "Explanation", "explain", "explanation",
]
