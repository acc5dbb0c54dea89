"""φ and φ' for every activation of ``microgradnet.nn``, side by side, as plain float functions.

φ and φ' come from the table of operations (``microgradnet/ops.py``): each activation row's
forward function and derivative, evaluated on floats, and its ``phi_text``/``phi_prime_text``
for printing. The engine's own methods compute their local derivatives inline and a test
proves them equal to the table, so the equations (built from the table by Equations 8, 9, 12)
and ``backward()`` (the engine's graph) remain two separate computations. An activation
declared with ``define_op(..., activation=True)`` is here as soon as it is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .. import ops as _ops


@dataclass(frozen=True)
class Activation:
    """One non-linearity: φ, its derivative φ', and both written as formulas for printing."""

    name: str
    phi: Callable[[float], float]
    phi_prime: Callable[[float], float]
    phi_text: str
    phi_prime_text: str


def activation(name: str) -> Activation:
    """The (φ, φ') pair called ``name``, from its row; ValueError naming the choices otherwise.

    At a kink (z = 0 for relu/leaky_relu) φ' is the row's one-sided value, exactly as the
    engine's: relu'(0) = 0, leaky_relu'(0) = slope."""
    row = _ops.activation_row(name)
    return Activation(row.name, row.phi, row.phi_prime, row.phi_text or f"{row.name}(z)",
                      row.phi_prime_text or f"{row.name}'(z)")


class _Pairs(Mapping[str, Activation]):
    """Activation name -> ``Activation``: a live view of the table's activation rows."""

    def __getitem__(self, name: str) -> Activation:
        if name not in _ops.activations():
            raise KeyError(name)
        return activation(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_ops.activations())

    def __len__(self) -> int:
        return len(_ops.activations())


PAIRS: Mapping[str, Activation] = _Pairs()


def table() -> str:
    """The pairs as an aligned text table: name, φ(z), φ'(z)."""
    rows = [("activation", "φ(z)", "φ'(z)")]
    rows += [(a.name, a.phi_text, a.phi_prime_text) for a in PAIRS.values()]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows)
