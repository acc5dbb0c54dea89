"""The package's shape: dependencies go one way, and no module is a grab bag.

The import graph counts every ``import`` in a module, including those inside functions (an
import hidden in a function is still a dependency; hiding a cycle there is what this forbids).
"""

from __future__ import annotations

import ast
import pathlib

import microgradnet

PACKAGE = pathlib.Path(microgradnet.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            test = getattr(child, "test", None)
            name = getattr(test, "id", getattr(test, "attr", ""))
            if isinstance(child, ast.If) and name == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = _resolve(name, is_package, node.level, node.module)
                else:
                    base = node.module or ""
                # `from pkg import module` depends on the module; `from module import name` on it
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                # the longest prefix that is one of our modules
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name and t.startswith("microgradnet"):
                    graph[name].add(t)
    return graph


def _is_ancestor_package(a: str, b: str) -> bool:
    """Importing a submodule runs its package's __init__ first: that edge is implied, not a cycle."""
    return b.startswith(a + ".")


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if _is_ancestor_package(n, m) or _is_ancestor_package(m, n):
                continue
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n) :] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return cycles


def test_the_import_graph_has_no_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycles({"microgradnet.a": {"microgradnet.b"}, "microgradnet.b": {"microgradnet.a"}})


def test_the_engine_depends_only_on_the_table_the_traversal_and_grad_mode():
    deps = import_graph()["microgradnet.engine"]
    assert deps <= {"microgradnet.ops", "microgradnet.backward", "microgradnet.walk", "microgradnet.grad_mode"}, deps


def test_the_table_of_operations_depends_on_nothing_in_the_package():
    assert import_graph()["microgradnet.ops"] == set()
