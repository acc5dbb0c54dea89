"""A safe parser for formulas such as ``tanh(x*w + b)``, turned into a graph of Values.

Used by ``microgradnet graph EXPR``, so its input comes from a command line or a web form:
it is checked against a whitelist over Python's ``ast`` and then *walked*, never eval'd,
exec'd or compiled. Allowed: numbers, variable names, ``+ - * / **``, unary ``-``/``+``,
parentheses and calls of the engine's functions by name (``tanh(x)``, ``leaky_relu(x, 0.1)``).
Everything else - attributes, subscripts, lambdas, comprehensions, comparisons, strings,
keyword arguments, ... - is an ``ExprError`` with a one-line message.

Every size is bounded *before* any work is done that could grow with it: the length of the
source (checked before ``ast.parse``), the bracket depth, the number and depth of syntax nodes,
and literal exponents. Numbers become floats immediately, so ``9**9**9`` can never become a
huge Python integer: it overflows a float and is reported as an error in microseconds.

>>> root, leaves = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8813735870195432})
>>> round(root.data, 4), sorted(leaves)
(0.7071, ['b', 'w', 'x'])
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import ops as _ops
from .engine import Value

__all__ = ["ExprError", "Expression", "parse", "build", "FUNCTIONS", "NAME"]

MAX_LENGTH = 1000  # characters of source
MAX_BRACKET_DEPTH = 50  # checked on the raw text, before Python's parser sees it
MAX_DEPTH = 200  # syntax-tree depth (a chain x+x+...+x nests once per '+')
MAX_NODES = 1000  # syntax-tree nodes
MAX_EXPONENT = 100.0  # |p| in x**p for a literal p
MAX_LITERAL = 1e100  # |number| written in the formula

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # a variable name: ASCII, no leading _


class ExprError(ValueError):
    """The formula is not allowed or cannot be evaluated; the message is one line."""


class _Functions(Mapping[str, tuple[Callable[..., Value], int]]):
    """name -> (function of Values, number of extra *numeric literal* arguments allowed).

    A live view of the table of operations (``ops.py``): every row with a formula name,
    including operations added later with ``define_op``."""

    def _rows(self) -> dict[str, Any]:
        return _ops.formula_functions()

    def __getitem__(self, name: str) -> tuple[Callable[..., Value], int]:
        row = self._rows()[name]
        method = name if row.method else ""
        if not method:  # an operator with a formula name: abs(x)
            return (abs, row.params) if name == "abs" else (lambda v, *a: getattr(v, name)(*a), row.params)
        return (lambda v, *args: getattr(v, method)(*args)), row.params

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())


FUNCTIONS = _Functions()

_BINOPS: dict[type, Callable[[Any, Any], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# What a newcomer typed, in words, for the constructs we refuse.
_FORBIDDEN: dict[type, str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons (<, ==, ...)",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if ... else'",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "':=' assignments",
    ast.Starred: "starred arguments (*a)",
    ast.keyword: "keyword arguments (f(x=1))",
    ast.List: "lists",
    ast.Tuple: "tuples (a, b)",
    ast.Set: "sets",
    ast.Dict: "dictionaries",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.Slice: "slices",
}
_OP_WORDS: dict[type, str] = {
    ast.Mod: "'%'",
    ast.FloorDiv: "'//'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "'^' (for powers write **)",
    ast.Not: "'not'",
    ast.Invert: "'~'",
}
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Expression:
    """A checked formula: ``names`` are its variables in order of first appearance."""

    source: str
    tree: ast.Expression
    names: tuple[str, ...]

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Create one leaf Value per variable (labelled by its name) and compute the formula.

        Returns ``(root, leaves)``. Every variable must be in ``values``; extra entries are an
        error too, since they are almost always a typo. Intermediate nodes are labelled with
        their piece of the formula when it is short (``x*w``), which makes graphs readable.
        """
        if not isinstance(values, Mapping):
            raise ExprError(f"values must be a dict of name → number, got {type(values).__name__}")
        missing = [n for n in self.names if n not in values]
        if missing:
            # the formula's names are all of missing when none is given: say them once
            more = [n for n in self.names if n not in missing]
            also = f" (it also has {', '.join(more)})" if more else ""
            raise ExprError(
                f"no value for {', '.join(missing)}{also}; command line: --set {missing[0]}=NUMBER"
            )
        extra = [n for n in values if n not in self.names]
        if extra:
            raise ExprError(f"{extra[0]!r} is given a value but does not appear in {_short(self.source)!r}")
        leaves: dict[str, Value] = {}
        for name in self.names:
            leaves[name] = Value(_number(values[name], f"the value of {name}"), label=name)
        root = _Builder(self.source, leaves).visit(self.tree.body)
        if not isinstance(root, Value):  # a formula of numbers only, e.g. "2*3"
            root = Value(root, label=_short(self.source, 24))
        return root, leaves


def parse(source: str) -> Expression:
    """Check ``source`` against the whitelist and bounds; raise ``ExprError`` if it fails."""
    if not isinstance(source, str):
        raise ExprError(f"a formula must be a string, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExprError(f"formula is {len(source)} characters long; the limit is {MAX_LENGTH}")
    if not source.strip():
        raise ExprError("formula is empty; try e.g. 'tanh(x*w + b)'")
    for column, ch in enumerate(source, 1):
        # Python folds look-alike letters (NFKC: 'ｘ' is 'x'); plain ASCII keeps names honest
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n")):
            hint = {"×": " (write *)", "·": " (write *)", "−": " (write -)", "÷": " (write /)"}.get(ch, "")
            raise ExprError(f"character {ch!r} at column {column} is not allowed{hint}; use plain ASCII")
    depth = deepest = 0
    for ch in source:  # Python's own parser recurses on brackets: bound them first
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_BRACKET_DEPTH:
        raise ExprError(f"brackets are nested {deepest} deep; the limit is {MAX_BRACKET_DEPTH}")
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape sequence" in a string we refuse anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        indent = len(source) - len(source.lstrip())
        where = f" at column {exc.offset + indent}" if exc.offset else ""
        raise ExprError(f"syntax error{where}: {exc.msg} in {_short(source)!r}") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ExprError(f"cannot parse formula: {type(exc).__name__}") from None
    return Expression(source, tree, _check(tree))


def build(source: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """``parse(source).build(values)``: the root Value and the leaf Values by name."""
    return parse(source).build(values)


# ---- checking ------------------------------------------------------------------------
def _check(tree: ast.Expression) -> tuple[str, ...]:
    """Walk the tree iteratively (no recursion on user input); return the variable names."""
    names: dict[str, tuple[int, int]] = {}  # name -> where it first appears
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExprError(f"formula has more than {MAX_NODES} parts; make it smaller")
        if depth > MAX_DEPTH:
            raise ExprError(f"formula nests more than {MAX_DEPTH} levels deep; make it smaller")
        if not isinstance(node, _ALLOWED):
            raise ExprError(f"not allowed in a formula: {_describe(node)}; use numbers, names, "
                            f"+ - * / ** and the functions {', '.join(FUNCTIONS)}")
        if isinstance(node, ast.Name):
            _check_name(node.id)
            where = (node.lineno, node.col_offset)
            names[node.id] = min(names.get(node.id, where), where)
        elif isinstance(node, ast.Constant):
            _literal(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            _check_exponent(node.right)
        elif isinstance(node, ast.Call):
            _check_call(node)
            stack.extend((arg, depth + 1) for arg in node.args)
            continue  # the function's name is not a variable
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tuple(sorted(names, key=names.__getitem__))


def _describe(node: ast.AST) -> str:
    for kind, words in _FORBIDDEN.items():
        if isinstance(node, kind):
            return words
    return _OP_WORDS.get(type(node), f"'{type(node).__name__}'")


def _check_name(name: str) -> None:
    if name in FUNCTIONS:
        raise ExprError(f"{name} is a function: call it, as in {name}(x)")
    if not NAME.match(name):
        raise ExprError(f"name {name!r} is not allowed: use ASCII letters, digits and _ (not first)")


def _literal(node: ast.Constant) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "strings" if isinstance(value, (str, bytes)) else f"{type(value).__name__} values"
        raise ExprError(f"{kind} are not allowed in a formula; use numbers")
    if abs(value) > MAX_LITERAL:
        raise ExprError(f"number {_short(repr(value), 20)} is too large (limit {MAX_LITERAL:g})")
    return float(value)


def _constant(node: ast.AST) -> float | None:
    """The value of a (possibly signed) number literal, else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if not isinstance(node.value, bool):
            return sign * _literal(node)
    return None


def _check_exponent(node: ast.AST) -> None:
    p = _constant(node)
    if p is not None and abs(p) > MAX_EXPONENT:
        raise ExprError(f"exponent {p:g} is too large; the limit is {MAX_EXPONENT:g} in magnitude")


def _check_call(node: ast.Call) -> None:
    if node.keywords:
        raise ExprError("keyword arguments (f(x=1)) are not allowed")
    func = node.func
    if not isinstance(func, ast.Name):
        raise ExprError(f"only the engine's functions can be called: {', '.join(FUNCTIONS)}")
    if func.id not in FUNCTIONS:
        raise ExprError(f"unknown function {_short(func.id, 30)!r}; available: {', '.join(FUNCTIONS)}")
    extra = FUNCTIONS[func.id][1]
    if not 1 <= len(node.args) <= 1 + extra:
        takes = "one argument" if not extra else f"1 to {1 + extra} arguments"
        raise ExprError(f"{func.id}() takes {takes}, got {len(node.args)}")
    for arg in node.args[1:]:
        if _constant(arg) is None:
            raise ExprError(f"{func.id}(): the extra argument must be a number, e.g. {func.id}(x, 0.1)")


# ---- building ------------------------------------------------------------------------
class _Builder:
    """Computes a checked tree with Values. Recursion is bounded by MAX_DEPTH (checked)."""

    def __init__(self, source: str, leaves: dict[str, Value]) -> None:
        self.source = source.strip()
        self.leaves = leaves

    def visit(self, node: ast.AST) -> Value | float:
        try:
            out = self._compute(node)
        except ExprError:
            raise
        except (ArithmeticError, ValueError, TypeError) as exc:
            piece = ast.get_source_segment(self.source, node) or "?"
            message = str(exc).split("\n")[0].strip()
            raise ExprError(f"cannot compute {_short(piece)!r}: {message}") from None
        if isinstance(out, Value) and out._prev and not out.label:
            piece = ast.get_source_segment(self.source, node)
            if piece and len(" ".join(piece.split())) <= 24:
                out.label = " ".join(piece.split())
        return out

    def _compute(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Name):
            return self.leaves[node.id]
        if isinstance(node, ast.Constant):
            return _literal(node)
        if isinstance(node, ast.UnaryOp):
            constant = _constant(node)
            if constant is not None:
                return constant
            operand = self.visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left = self.visit(node.left)
            if isinstance(node.op, ast.Pow):
                p = _constant(node.right)
                if p is not None:  # x**2 stays a single '**2' node, as in micrograd
                    return _as_value(left) ** (int(p) if p == int(p) else p)
            right = self.visit(node.right)
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = Value(left)  # numbers only: still compute in floats via the engine
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            func, _ = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
            arg = _as_value(self.visit(node.args[0]))
            extra = [_constant(a) for a in node.args[1:]]
            return func(arg, *extra)
        raise ExprError(f"not allowed in a formula: {_describe(node)}")  # unreachable after _check


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _number(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ExprError(f"{what} must be a number, got {_short(repr(x), 20)}")
    x = float(x)
    if not math.isfinite(x):
        raise ExprError(f"{what} must be a finite number, got {x}")
    return x
