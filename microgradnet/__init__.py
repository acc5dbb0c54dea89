"""microgradnet: a scalar autodiff engine for teaching backpropagation.

``Value`` is one number in a computation graph; ``backward()`` applies the chain rule.
Neurons, layers and MLPs (``microgradnet.nn``) are built from Values.
"""

from __future__ import annotations

from typing import Any

from . import ops
from .checks import gradcheck, gradgradcheck
from .define import define_op
from .engine import Value
from .grad_mode import AnomalyError, detect_anomaly, is_grad_enabled, no_grad
from .gradients import grad, hessian, hvp

__version__ = "0.1.0"

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "AnomalyError",
    "gradcheck",
    "gradgradcheck",
    "grad",
    "hessian",
    "hvp",
    "define_op",
    "ops",
    "draw_dot",
    "trace",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Lazy: the drawing code (and graphviz) is not needed to build or train a graph.
    if name in ("draw_dot", "trace"):
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'microgradnet' has no attribute {name!r}")
