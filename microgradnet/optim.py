"""Optimisers: turn the gradients left by ``backward()`` into a parameter update.

Both follow PyTorch's definitions exactly (``torch.optim.SGD`` and ``torch.optim.Adam``), so
a model trained here and its ``to_torch()`` copy trained there take the same steps.

    SGD, step t:   g = grad + λ·p                 (weight decay λ: an L2 penalty's gradient)
                   b = g (t = 1),  b = μ·b + g (t > 1);  g = b   (momentum μ, if μ ≠ 0)
                   p ← p − lr·g
    Adam, step t:  g = grad + λ·p
                   m = β1·m + (1−β1)·g,   v = β2·v + (1−β2)·g²
                   p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)

``lr`` is a plain attribute: change it between steps for a schedule (micrograd's demo uses
``lr = 1.0 - 0.9·k/100``). Typical use::

    opt = SGD(model.parameters(), lr=0.1)
    for k in range(steps):
        loss = ...; opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam", "OPTIMIZERS", "demo_lr", "schedule", "make"]


def _hyper(name: str, x: object, *, below_one: bool = False) -> float:
    """A finite, non-negative number (and < 1 when ``below_one``)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(x).__name__} {x!r}")
    if not math.isfinite(x) or x < 0 or (below_one and x >= 1):
        bounds = "in [0, 1)" if below_one else "a finite number >= 0"
        raise ValueError(f"{name} must be {bounds}, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters and a learning rate; subclasses define ``step()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        from .nn import Module

        if isinstance(params, (Module, Value)):
            name = type(self).__name__
            raise TypeError(f"{name}: pass model.parameters() (a list of Values), not the model itself")
        if not hasattr(params, "__iter__"):
            name, kind = type(self).__name__, type(params).__name__
            raise TypeError(f"{name}: params must be a list of Values (model.parameters()), got {kind}")
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: the parameter list is empty; pass model.parameters()")
        seen: set[Value] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Value")
            if p in seen:
                raise ValueError(f"{type(self).__name__}: parameter {i} appears twice in the list")
            seen.add(p)
        self.lr = lr
        self.t = 0  # steps taken

    @property
    def lr(self) -> float:
        """Learning rate; may be changed between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _hyper("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (do this before each ``backward()``)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once (defined by each optimiser)."""
        raise NotImplementedError("Optimizer is the base class: use SGD or Adam, or define step()")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (PyTorch's SGD)."""

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _hyper("momentum", momentum)
        self.weight_decay = _hyper("weight_decay", weight_decay)
        self._buf = [0.0] * len(self.params)  # momentum buffers b

    def step(self) -> None:
        """Update every parameter once from its current ``grad``."""
        self.t += 1
        lr, mu, wd, first = self.lr, self.momentum, self.weight_decay, self.t == 1
        buf = self._buf
        for k, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            if mu:
                g = buf[k] = g if first else mu * buf[k] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam with bias correction (PyTorch's Adam; ``weight_decay`` adds λ·p to the gradient)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_hyper("beta1", betas[0], below_one=True), _hyper("beta2", betas[1], below_one=True))
        self.eps = _hyper("eps", eps)
        self.weight_decay = _hyper("weight_decay", weight_decay)
        self._m = [0.0] * len(self.params)  # first moments
        self._v = [0.0] * len(self.params)  # second moments

    def step(self) -> None:
        """Update every parameter once from its current ``grad``."""
        self.t += 1
        (b1, b2), eps, wd = self.betas, self.eps, self.weight_decay
        # arranged as torch does: lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
        step_size = self.lr / (1.0 - b1**self.t)
        root_bc2 = math.sqrt(1.0 - b2**self.t)
        m, v = self._m, self._v
        for k, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            m[k] = b1 * m[k] + (1.0 - b1) * g
            v[k] = b2 * v[k] + (1.0 - b2) * g * g
            p.data -= step_size * m[k] / (math.sqrt(v[k]) / root_bc2 + eps)


# ---- choosing an optimiser and a learning-rate schedule by name (fit, the train CLI) ----------
Schedule = Callable[[int, int], float]  # lr(step k counted from 0, total steps)


def demo_lr(k: int, steps: int) -> float:
    """micrograd's demo schedule: 1.0 at the first step, decaying linearly towards 0.1."""
    if not steps >= 1:
        raise ValueError(f"demo_lr: steps must be at least 1, got {steps!r}")
    return 1.0 - 0.9 * k / steps


def schedule(lr: float | Schedule | None, optimizer: object = None) -> Schedule | None:
    """``lr`` as a function of (step, total steps). None means micrograd's ``demo_lr`` for SGD
    (None or 'sgd'), 0.01 for 'adam', and None (keep its own rate) for an optimiser object."""
    if lr is None:
        if optimizer is None or optimizer == "sgd":
            return demo_lr
        if optimizer != "adam":
            return None
        lr = 0.01
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number or a function of (step, steps), got {lr!r}")
    rate = float(lr)
    return lambda k, steps: rate


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}  # the names fit and the CLI accept


def make(optimizer: object, params: list[Value], lr: float) -> Any:
    """A name from ``OPTIMIZERS`` ('sgd', the default for None, or 'adam') → that optimiser on
    ``params`` at ``lr``; an object with a ``step()`` method is returned as it is."""
    if optimizer is None:
        optimizer = "sgd"
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            names = ", ".join(map(repr, OPTIMIZERS))
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {names}, or pass an optimizer")
        return OPTIMIZERS[optimizer](params, lr=lr)
    if not callable(getattr(optimizer, "step", None)):
        names = ", ".join(map(repr, OPTIMIZERS))
        raise TypeError(f"optimizer must be one of {names} or an object with a step() method")
    return optimizer
