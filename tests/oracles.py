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


def extrapolated_difference(f: Callable[[list[float]], float], x: Sequence[float], k: int, h: float) -> float:
    """∂f/∂x_k by Richardson extrapolation of central differences, (4·D(h/2) − D(h)) / 3, where
    D(h) = (f(x + h e_k) − f(x − h e_k)) / 2h: the h² error term cancels, leaving O(h⁴), so a
    larger h (less rounding) still gives about ten correct digits on smooth functions."""

    def d(step: float) -> float:
        up, down = list(x), list(x)
        up[k] += step
        down[k] -= step
        return (f(up) - f(down)) / (2 * step)

    return (4 * d(h / 2) - d(h)) / 3
