"""Every example in a public module's docstrings runs and prints what it shows.

The package's modules are found by walking it (a new module's examples are checked without
editing this file); ``__main__`` is left out because importing it runs the command line.
Examples that cannot run in a test (they open a browser, need a display) carry
``# doctest: +SKIP`` in the docstring itself, where a reader sees it.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import microgradnet

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(microgradnet.__path__, "microgradnet.")
    if not m.name.endswith("__main__")
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

def run_examples(module) -> tuple[doctest.TestResults, str]:
    """Run the docstring examples of ``module``; the results and the failure report."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in finder.find(module, module.__name__):
        # keep each example's globals: an operation an example declares stays in the table
        # (as after running it in a session), and its functions still need their globals then
        runner.run(test, out=report.append, clear_globs=False)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report)


def test_there_are_examples_to_run():
    counted = sum(run_examples(importlib.import_module(name))[0].attempted for name in MODULES)
    assert counted >= 20, f"only {counted} docstring examples found in the package"


def test_a_wrong_example_is_reported():
    """The runner itself: an example whose shown output is wrong fails."""
    import types

    module = types.ModuleType("fake")
    module.__doc__ = ">>> 1 + 1\n3\n"
    results, report = run_examples(module)
    assert results.failed == 1 and "Expected:" in report


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_print_what_they_show(name):
    results, report = run_examples(importlib.import_module(name))
    assert not results.failed, f"{name}: {results.failed} docstring example(s) fail\n{report}"
