"""A microgpt-style ``Value``: the third column of the benchmark, for context.

Karpathy's microgpt keeps each node small - ``__slots__``, the children and the local
derivatives as tuples, no closures - and back-propagates with a recursive topological sort.
This is that design, with just the operations the workloads use, and an MLP that consumes
Python's ``random`` exactly as micrograd's, so all three engines train the same network.
"""

from __future__ import annotations

import random
from typing import Any


class RefValue:
    """One scalar node, microgpt-style: data, grad, children and local derivatives."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> RefValue:
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> RefValue:
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data * other.data, (self, other), (other.data, self.data))

    def __neg__(self) -> RefValue:
        return self * -1

    def __radd__(self, other: Any) -> RefValue:
        return self + other

    def __rmul__(self, other: Any) -> RefValue:
        return self * other

    def relu(self) -> RefValue:
        """max(0, x) with its local gradient."""
        return RefValue(max(0, self.data), (self,), (float(self.data > 0),))

    def backward(self) -> None:
        """Topological sort, then the stored local gradients times the output gradient."""
        topo: list[RefValue] = []
        visited: set[RefValue] = set()

        def build_topo(v: RefValue) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


class Neuron:
    """A neuron of the reference engine (micrograd-shaped)."""
    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [RefValue(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = RefValue(0)
        self.nonlin = nonlin

    def __call__(self, x: list) -> RefValue:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[RefValue]:
        """The weights, then the bias."""
        return self.w + [self.b]


class MLP:
    """micrograd's MLP on ``RefValue`` (same layers, same initialisation order)."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin] + nouts
        self.layers = [
            [Neuron(sz[i], nonlin=i != len(nouts) - 1) for _ in range(sz[i + 1])] for i in range(len(nouts))
        ]

    def __call__(self, x: list) -> Any:
        for layer in self.layers:
            out = [n(x) for n in layer]
            x = out[0] if len(out) == 1 else out
        return x

    def parameters(self) -> list[RefValue]:
        """All weights and biases."""
        return [p for layer in self.layers for n in layer for p in n.parameters()]

    def zero_grad(self) -> None:
        """Set every gradient to 0."""
        for p in self.parameters():
            p.grad = 0
