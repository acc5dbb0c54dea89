"""φ and φ' for every activation of ``microgradnet.nn``, side by side, as plain float functions.

Written independently of ``engine.Value`` on purpose: the equations module recomputes the
article's derivatives by hand, so it must not borrow the engine's local derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

LEAKY_SLOPE = 0.01  # Value.leaky_relu's default slope, which nn's neurons use
_GELU_C = math.sqrt(2.0 / math.pi)


def _sigmoid(x: float) -> float:
    # two branches so that exp never overflows
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _gelu(x: float) -> float:
    if abs(x) > 20.0:  # tanh(u) is ±1 to double precision there
        return x if x > 0 else 0.0
    return 0.5 * x * (1.0 + math.tanh(_GELU_C * (x + 0.044715 * x**3)))


def _gelu_prime(x: float) -> float:
    if abs(x) > 20.0:
        return 1.0 if x > 0 else 0.0
    t = math.tanh(_GELU_C * (x + 0.044715 * x**3))
    # product rule on ½x(1 + tanh u):  ½(1 + tanh u) + ½x(1 − tanh²u)·u'
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * x * x)


@dataclass(frozen=True)
class Activation:
    """One non-linearity: φ, its derivative φ', and both written as formulas for printing."""

    name: str
    phi: Callable[[float], float]
    phi_prime: Callable[[float], float]
    phi_text: str
    phi_prime_text: str


# At a kink (z = 0 for relu/leaky_relu) the derivative is taken from the right-open side
# exactly as the engine does: relu'(0) = 0, leaky_relu'(0) = slope.
PAIRS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", lambda z: z if z > 0 else 0.0, lambda z: 1.0 if z > 0 else 0.0,
                   "max(0, z)", "1 if z > 0 else 0"),
        Activation("tanh", math.tanh, lambda z: 1.0 - math.tanh(z) ** 2,
                   "tanh(z)", "1 − tanh²(z)"),
        Activation("sigmoid", _sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
                   "σ(z) = 1/(1 + e^−z)", "σ(z)·(1 − σ(z))"),
        Activation("leaky_relu", lambda z: z if z > 0 else LEAKY_SLOPE * z,
                   lambda z: 1.0 if z > 0 else LEAKY_SLOPE,
                   f"z if z > 0 else {LEAKY_SLOPE}·z", f"1 if z > 0 else {LEAKY_SLOPE}"),
        Activation("softplus", lambda z: max(z, 0.0) + math.log1p(math.exp(-abs(z))), _sigmoid,
                   "log(1 + e^z)", "σ(z)"),
        Activation("gelu", _gelu, _gelu_prime,
                   "½z(1 + tanh(√(2/π)(z + 0.044715z³)))", "½(1 + tanh u) + ½z(1 − tanh²u)·u'"),
        Activation("linear", lambda z: z, lambda z: 1.0, "z", "1"),
    )
}


def activation(name: str) -> Activation:
    """The (φ, φ') pair called ``name``; ValueError naming the choices otherwise."""
    try:
        return PAIRS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(PAIRS)}") from None


def table() -> str:
    """The pairs as an aligned text table: name, φ(z), φ'(z)."""
    rows = [("activation", "φ(z)", "φ'(z)")]
    rows += [(a.name, a.phi_text, a.phi_prime_text) for a in PAIRS.values()]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows)
