"""The package's shape: dependencies go one way, and no module is a grab bag.

The import graph counts every ``import`` in a module, including those inside functions (an
import hidden in a function is still a dependency; hiding a cycle there is what this forbids).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

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
    allowed = {"microgradnet.ops", "microgradnet.backward", "microgradnet.walk", "microgradnet.grad_mode"}
    assert deps <= allowed, deps


def test_the_table_of_operations_depends_on_nothing_in_the_package():
    assert import_graph()["microgradnet.ops"] == set()


# ---- imports go one way: from the command line down to the table ---------------------------------
# Each top-level module or subpackage sits in a layer and imports only its own layer or those
# below: the engine never reaches for drawing, drawing never for the playground, nothing but
# the command line's entry point for the command line.
LAYERS: list[set[str]] = [
    {"ops", "grad_mode", "notation", "_files", "validate"},  # the table and plain helpers: no engine
    {"walk", "backward", "engine", "define", "functional", "batching", "examples", "expr",
     "serialization", "torch_bridge", "gradients", "checks"},  # Values and what works on them
    {"losses", "nn", "compile", "equations", "optim", "progress", "fit_compiled", "train", "data",
     "localserver"},  # models, training, the article's equations
    {"viz", "bench"},  # pictures and measurements
    {"playground"},  # the live page (draws with viz)
    {"cli", "__main__"},  # the command line, on top of everything
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return -1


def test_every_module_has_a_layer():
    unplaced = sorted({m for m in import_graph() if m != "microgradnet" and _layer(m) < 0})
    assert not unplaced, f"add these to a layer in LAYERS: {unplaced}"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import from a module to one in a higher layer (the package's __init__ re-exports)."""
    return sorted(
        f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
        for a, targets in graph.items()
        for b in targets
        if a != "microgradnet" and b != "microgradnet" and _layer(b) > _layer(a)
    )


def test_imports_go_down_the_layers_only():
    upward = upward_imports(import_graph())
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_upward_import():
    graph = {"microgradnet.engine": {"microgradnet.viz.dot"}, "microgradnet.cli.graph": {"microgradnet.expr"}}
    assert upward_imports(graph) == ["microgradnet.engine (layer 1) imports microgradnet.viz.dot (layer 3)"]


# ---- every name list lives in its registry ------------------------------------------------------
# A list of op, activation, loss, data-set or optimiser names anywhere but in the registry that
# declares them is a second copy that drifts (the playground once offered gelu and drew it as
# the identity). The check sees ANY container of names in the package's Python (a dict's keys
# or values, dict(name=...) keywords, a set, list or tuple, a comprehension over one, pairs
# such as (("tanh", f), ("relu", g))) and if/elif chains or `or`s comparing one thing with
# several names; and quoted names in the package's JavaScript. Two names are a list.
def registries() -> dict[str, tuple[set[str], set[str]]]:
    """kind -> (its names, the modules allowed to spell them), read from the registries."""
    from microgradnet import data, losses, ops, optim

    op_names = set()
    for row in ops.OPS.values():
        fields = (row.name, getattr(row, "op", ""), getattr(row, "method", ""), getattr(row, "formula", ""))
        op_names |= {n for n in fields if isinstance(n, str) and n.isidentifier()}
    return {
        "operation": (op_names, {"microgradnet.ops"}),
        "activation": (set(ops.activations()), {"microgradnet.ops"}),
        "loss": (set(losses.names(aliases=True)), {"microgradnet.losses"}),
        "data set": (set(data.DATASETS), {"microgradnet.data"}),
        "optimiser": (set(optim.OPTIMIZERS), {"microgradnet.optim"}),
    }


def _strings(node: ast.AST | None) -> list[str]:
    """The string constants a container holds: its elements, keys and values, and the strings
    inside element pairs (one level down)."""
    if node is None:
        return []
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        found: list[str] = []
        for element in node.elts:
            if isinstance(element, ast.Constant):
                found += _strings(element)
            elif isinstance(element, (ast.List, ast.Tuple)):
                found += [s for e in element.elts for s in _strings(e) if isinstance(e, ast.Constant)]
        return found
    if isinstance(node, ast.Dict):
        parts = (*node.keys, *node.values)
        return [s for part in parts if isinstance(part, ast.Constant) for s in _strings(part)]
    return []


def _compared(node: ast.AST) -> list[str]:
    """Strings that one expression is compared with, in `a == "x"` / `a in ("x", "y")`."""
    if isinstance(node, ast.Compare):
        return [s for c in node.comparators for s in (_strings(c) or [])]
    return []


def name_groups(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """(line, strings) of every container and every comparison chain in a module."""
    groups: list[tuple[int, list[str]]] = []
    public = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign)
              and any(getattr(t, "id", "") == "__all__" for t in n.targets)}
    elifs: set[int] = set()  # counted with the `if` that starts their chain
    for node in ast.walk(tree):
        if id(node) in public:
            continue  # __all__ lists the module's functions (functional.mse), not a registry
        if isinstance(node, (ast.Dict, ast.Set, ast.List, ast.Tuple)):
            groups.append((node.lineno, _strings(node)))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "dict":
            groups.append((node.lineno, [k.arg for k in node.keywords if k.arg]))
        elif isinstance(node, ast.BoolOp):  # act == "tanh" or act == "relu"
            groups.append((node.lineno, [s for v in node.values for s in _compared(v)]))
        elif isinstance(node, ast.If) and id(node) not in elifs and _compared(node.test):  # if/elif chains
            chain, branch = list(_compared(node.test)), node
            while len(branch.orelse) == 1 and isinstance(branch.orelse[0], ast.If):
                branch = branch.orelse[0]
                elifs.add(id(branch))
                chain += _compared(branch.test)
            groups.append((node.lineno, chain))
        elif isinstance(node, ast.Match):
            cases = [c.pattern.value for c in node.cases if isinstance(c.pattern, ast.MatchValue)]
            groups.append((node.lineno, [s for c in cases for s in _strings(c)]))
    return groups


def name_lists_outside_registries() -> list[str]:
    """'file:line: kind names [..]' for every group of 2 or more registered names outside the
    registry that declares them."""
    kinds = registries()
    offenders: set[str] = set()
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for module, path in sorted(modules.items()):
        for line, strings in name_groups(ast.parse(path.read_text(encoding="utf-8"))):
            for kind, (names, allowed) in kinds.items():
                hits = sorted(set(strings) & names)
                if len(hits) >= 2 and module not in allowed:
                    offenders.add(f"{path.relative_to(PACKAGE.parent)}:{line}: {kind} names {hits}")
    for path in sorted(PACKAGE.rglob("*.js")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, text in enumerate(lines, 1):
            quoted = set(re.findall(r"""["'`](\w+)["'`]""", text))
            for kind in ("activation", "loss", "data set", "optimiser"):
                hits = sorted(quoted & kinds[kind][0])
                if len(hits) >= 2:
                    offenders.add(f"{path.relative_to(PACKAGE.parent)}:{number}: {kind} names {hits}")
        cases = [(n, m) for n, t in enumerate(lines, 1) for m in re.findall(r"""case\s+["'](\w+)["']""", t)]
        for kind in ("activation", "loss", "data set", "optimiser"):
            hits = [(n, m) for n, m in cases if m in kinds[kind][0]]
            if len({m for _, m in hits}) >= 2:  # a switch over names, one `case` per line
                names = sorted({m for _, m in hits})
                offenders.add(f"{path.relative_to(PACKAGE.parent)}:{hits[0][0]}: {kind} names {names}")
    return sorted(offenders)


def test_no_module_outside_the_registries_holds_a_list_of_names():
    offenders = name_lists_outside_registries()
    assert not offenders, "name lists outside their registries (read the registry instead):\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    "source",
    [
        '_DISPLAY = {"tanh": "tanh", "relu": "ReLU"}',
        "PAIRS = dict(tanh=1, sigmoid=2)",
        'KNOWN = {"moons", "spirals"}',
        'CHOICES = ["sgd", "adam"]',
        'LOSSES = ("mse", "hinge")',
        'TABLE = {n: n for n in ("relu", "gelu")}',
        'ROWS = [("tanh", 1), ("relu", 2)]',
        'ok = act == "tanh" or act == "relu"',
        'if act == "tanh":\n    pass\nelif act == "gelu":\n    pass',
        'ok = name in ("circles", "xor")',
        'match act:\n    case "tanh":\n        pass\n    case "relu":\n        pass',
    ],
)
def test_the_name_list_finder_sees_every_kind_of_container(source):
    kinds = registries()
    found = [
        kind
        for _, strings in name_groups(ast.parse(source))
        for kind, (names, _) in kinds.items()
        if len(set(strings) & names) >= 2
    ]
    assert found, source


def test_the_name_list_finder_ignores_one_name_and_unrelated_strings():
    kinds = registries()
    source = 'x = {"tanh": 1, "colour": 2}\nif act == "tanh":\n    pass\ny = ("a", "b")'
    for _, strings in name_groups(ast.parse(source)):
        assert all(len(set(strings) & names) < 2 for names, _ in kinds.values()), strings


# ---- size: one job per module, functions a reader can hold ----------------------------------
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 600, 100
_SOURCES = sorted(PACKAGE.rglob("*.py"))
_ASSETS = sorted(PACKAGE.rglob("assets/*.js"))


def oversized(path: pathlib.Path) -> list[str]:
    """What in ``path`` is over the limits: the module itself, or its long functions."""
    text = path.read_text(encoding="utf-8")
    found = []
    if text.count("\n") > MAX_MODULE_LINES:
        found.append(f"{path.name}: {text.count(chr(10))} lines")
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_over_600_lines_and_no_function_over_100():
    found = [item for path in _SOURCES + _ASSETS for item in oversized(path)]
    assert not found, found


def test_the_size_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{k} = {k}" for k in range(MAX_FUNCTION_LINES))
    path = tmp_path / "long.py"
    path.write_text(f"def f():\n{body}\n")
    assert oversized(path) == [f"long.py:1 f: {MAX_FUNCTION_LINES + 1} lines"]
