"""Shared test settings.

- Hypothesis profiles: ``dev`` (the default) and ``ci`` are derandomized, so every run of
  ``make test`` draws the same examples and a failure reproduces; ``fuzz`` (``make fuzz``)
  draws 5,000 fresh random examples per test.
- One closing line when PyTorch-oracle tests were skipped because torch is not installed,
  saying how many and how to enable them (a skip must never pass for a pass).
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _torch_missing() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return True
    return False


def _skipped_for_torch(report: pytest.TestReport) -> bool:
    """A skip whose reason names torch (importorskip's "could not import 'torch'", or a reason
    such as "PyTorch oracle: pip install microgradnet[torch]")."""
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return False
    return re.search(r"torch", str(report.longrepr[2]), flags=re.IGNORECASE) is not None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    """After pytest's own closing summary: one line when PyTorch-oracle tests were skipped."""
    yield
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = sum(1 for r in reporter.stats.get("skipped", []) if _skipped_for_torch(r))
    if skipped and _torch_missing():
        reporter.write_line(
            f"{skipped} PyTorch-oracle tests were skipped because torch is not installed; "
            "to run them: pip install torch (or pip install -e '.[dev,plot,torch]') and run make test again",
            yellow=True,
            bold=True,
        )
