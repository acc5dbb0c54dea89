"""Independent gradient oracles for the tests: central finite differences on plain floats."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def central_difference(
    f: Callable[[list[float]], float], x: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """∂f/∂x_k ≈ (f(x + ε e_k) − f(x − ε e_k)) / 2ε for every k; f works on plain floats."""
    grads = []
    for k in range(len(x)):
        up, down = list(x), list(x)
        up[k] += eps
        down[k] -= eps
        grads.append((f(up) - f(down)) / (2 * eps))
    return grads


def close(a: float, b: float, rel: float = 1e-5, abs_: float = 1e-6) -> bool:
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def central_difference_in_place(f: Callable[[], float], values: Sequence, eps: float = 1e-6) -> list[float]:
    """∂f/∂v ≈ (f(v + ε) − f(v − ε)) / 2ε for each Value v, nudging v.data in place (and back)."""
    grads = []
    for v in values:
        keep = v.data
        v.data = keep + eps
        up = f()
        v.data = keep - eps
        down = f()
        v.data = keep
        grads.append((up - down) / (2 * eps))
    return grads
