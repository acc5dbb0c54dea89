"""``gradcheck``: compare ``backward()`` with central finite differences.

    ∂f/∂x_k ≈ (f(x + ε·e_k) − f(x − ε·e_k)) / 2ε

The finite-difference side never touches the chain rule, so it is an independent oracle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .engine import Value
from .grad_mode import is_grad_enabled, no_grad
from .gradients import grad, hessian
from .validate import is_real

Input = Value | float | int


@dataclass(frozen=True)
class GradcheckEntry:
    """One input's comparison."""

    index: int
    label: str
    autograd: float
    numeric: float
    abs_error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """The result of ``gradcheck``: one entry per input, ``ok`` when all agree."""

    output: float
    entries: list[GradcheckEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def worst(self) -> GradcheckEntry | None:
        """The entry with the largest absolute error (None if there are no inputs)."""
        return max(self.entries, key=lambda e: e.abs_error, default=None)

    def __str__(self) -> str:
        lines = [f"{'input':<12}{'autograd':>16}{'finite diff':>16}{'|error|':>12}  ok"]
        for e in self.entries:
            name = e.label or f"x[{e.index}]"
            lines.append(f"{name:<12}{e.autograd:>16.8g}{e.numeric:>16.8g}{e.abs_error:>12.2e}  {e.ok}")
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_exception=True)`` when a gradient disagrees."""


def _start(
    who: str, f: Callable[..., Value], inputs: Sequence[Input], eps: float, atol: float, rtol: float
) -> tuple[list[float], list[str], list[Value], Value]:
    """Check the arguments, then run ``f`` once on fresh leaves: (points, labels, leaves, output)."""
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")
    for name, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not is_real(x):
            raise TypeError(f"{who}: {name} must be a number, got {x!r}")
    if not eps > 0:
        raise ValueError(f"{who}: eps must be positive, got {eps!r}")
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"{who}: inputs must be a list of numbers or Values, got {type(inputs).__name__}")
    if not is_grad_enabled():
        raise RuntimeError(f"{who}: called inside no_grad(), where no graph is recorded; call it outside")
    inputs = list(inputs)
    points = [x.data if isinstance(x, Value) else Value(x).data for x in inputs]
    labels = [x.label if isinstance(x, Value) else "" for x in inputs]
    leaves = [Value(x, label=label) for x, label in zip(points, labels)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    return points, labels, leaves, out


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = False,
) -> GradcheckReport:
    """Check ``f(*inputs).backward()`` against central finite differences.

    ``f`` takes one Value per input and returns a Value. An input agrees when
    ``|autograd − numeric| <= atol + rtol·|numeric|``. Returns a ``GradcheckReport``; with
    ``raise_exception=True`` a disagreement raises ``GradcheckError`` naming the worst input.

    >>> from microgradnet import gradcheck
    >>> gradcheck(lambda a, b: (a * b).tanh(), [0.5, -1.5]).ok
    True
    """
    points, labels, leaves, out = _start("gradcheck", f, inputs, eps, atol, rtol)
    out.backward()

    def at(k: int, delta: float) -> float:
        moved = list(points)
        moved[k] += delta
        with no_grad():
            return float(f(*[Value(x) for x in moved]).data)

    entries = []
    for k, leaf in enumerate(leaves):
        numeric = (at(k, eps) - at(k, -eps)) / (2 * eps)
        err = abs(leaf.grad - numeric)
        ok = err <= atol + rtol * abs(numeric)  # False for NaN, as it should be
        entries.append(GradcheckEntry(k, labels[k], leaf.grad, numeric, err, ok))
    report = GradcheckReport(out.data, entries)
    if raise_exception and not report.ok:
        w = report.worst
        assert w is not None
        raise GradcheckError(
            f"gradcheck: input {w.label or w.index}: autograd {w.autograd!r} vs finite "
            f"differences {w.numeric!r} (|error| {w.abs_error:.3g} > atol {atol} + rtol {rtol}·|numeric|)"
        )
    return report


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = False,
) -> GradcheckReport:
    """Check second derivatives: ``hessian`` (grad of grad) against central finite differences
    of first derivatives, ∂²f/∂x_j∂x_k ≈ (∂f/∂x_j(x + ε·e_k) − ∂f/∂x_j(x − ε·e_k)) / 2ε.

    Returns a ``GradcheckReport`` with one entry per (j, k) pair, index ``j·n + k``.
    """
    points, _labels, leaves, out = _start("gradgradcheck", f, inputs, eps, atol, rtol)
    n = len(points)
    h = hessian(out, leaves)

    def first(at: list[float]) -> list[float]:
        xs = [Value(x) for x in at]
        return [g.data for g in grad(f(*xs), xs, allow_unused=True)]

    entries = []
    for k in range(n):
        up, down = list(points), list(points)
        up[k] += eps
        down[k] -= eps
        g_up, g_down = first(up), first(down)
        for j in range(n):
            numeric = (g_up[j] - g_down[j]) / (2 * eps)
            err = abs(h[j][k] - numeric)
            ok = err <= atol + rtol * abs(numeric)
            entries.append(GradcheckEntry(j * n + k, f"d2/dx{j}dx{k}", h[j][k], numeric, err, ok))
    report = GradcheckReport(out.data, entries)
    if raise_exception and not report.ok:
        w = report.worst
        assert w is not None
        raise GradcheckError(
            f"gradgradcheck: {w.label}: grad of grad {w.autograd!r} vs finite differences {w.numeric!r}"
        )
    return report
