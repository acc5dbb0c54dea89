"""Benchmarks against micrograd: ``microgradnet bench`` (``make bench``).

``harness`` runs each workload of ``workloads`` in a fresh interpreter, engines alternating,
and reports medians and ratios; ``reference`` is a microgpt-style Value for context and
``floats`` the same training step on plain floats (the pure-Python floor).
"""

from .harness import format_table, run_benchmarks, write_json

__all__ = ["run_benchmarks", "format_table", "write_json"]
