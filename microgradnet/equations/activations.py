"""φ and φ' for every activation of ``microgradnet.nn``, side by side, as plain float functions.

φ and φ' come from the table of operations (``microgradnet/ops.py``): its forward function and
its derivative, evaluated on floats. The engine's own methods compute their local derivatives
inline and a test proves them equal to the table, so the equations (built from the table by
Equations 8, 9, 12) and ``backward()`` (the engine's graph) remain two separate computations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..ops import OPS

LEAKY_SLOPE = 0.01  # Value.leaky_relu's default slope, which nn's neurons use


def _phi(name: str) -> Callable[[float], float]:
    row = OPS[name]
    return (lambda z: row.forward(z, LEAKY_SLOPE)) if row.params else row.forward  # type: ignore[misc,return-value]


def _phi_prime(name: str) -> Callable[[float], float]:
    row = OPS[name]
    if row.params:
        return lambda z: row.local_grads((z,), row.forward(z, LEAKY_SLOPE), LEAKY_SLOPE)[0]  # type: ignore[misc]
    return lambda z: row.local_grads((z,), row.forward(z))[0]  # type: ignore[misc]


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
        Activation("relu", _phi("relu"), _phi_prime("relu"), "max(0, z)", "1 if z > 0 else 0"),
        Activation("tanh", _phi("tanh"), _phi_prime("tanh"), "tanh(z)", "1 − tanh²(z)"),
        Activation("sigmoid", _phi("sigmoid"), _phi_prime("sigmoid"),
                   "σ(z) = 1/(1 + e^−z)", "σ(z)·(1 − σ(z))"),
        Activation("leaky_relu", _phi("leaky_relu"), _phi_prime("leaky_relu"),
                   f"z if z > 0 else {LEAKY_SLOPE}·z", f"1 if z > 0 else {LEAKY_SLOPE}"),
        Activation("softplus", _phi("softplus"), _phi_prime("softplus"), "log(1 + e^z)", "σ(z)"),
        Activation("gelu", _phi("gelu"), _phi_prime("gelu"),
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
