"""``microgradnet graph EXPR``: build a formula's graph, run backward(), draw it, print the grads.

The formula goes through the safe parser in ``microgradnet.expr`` (a whitelist over Python's
``ast``; nothing is ever evaluated as Python). Pictures: .svg/.png/.dot/... through
``microgradnet.viz`` (Graphviz), .html through the step-through page.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from types import ModuleType

from . import CLIError

HELP = "draw the graph of a formula and its gradients, e.g. \"tanh(x*w + b)\""
_EXAMPLES = """\
examples:
  microgradnet graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 -o neuron.svg
  microgradnet graph "a*b + c" --set a=2 --set b=-3 --set c=10 -o steps.html  # step-through
  microgradnet graph "(x - y)**2" --set x=1 --set y=3 -o loss.png
  microgradnet graph "sigmoid(2*x)" --set x=0.5 -o -               # DOT to stdout
  microgradnet graph --set x=2 -- "-x*x"                           # a formula starting with -
  microgradnet graph --import myops "sinh(x)" --set x=0.5          # myops.py calls define_op

formulas: numbers, names, + - * / ** (exponent at most 100), brackets, and the functions
  {functions}.
  Every name needs a value: --set NAME=NUMBER (repeat the option for each name).
your own functions: --import MODULE (a module name on the Python path, or a path to a .py file)
  runs YOUR module's code, which declares operations with microgradnet.define_op; they are then
  usable in the formula. Only import code you trust: it runs as you. The formula itself is
  never run as Python.
output: -o FILE, the format from its suffix: .svg .png .dot .gv .html (.pdf etc. with a system
  Graphviz); -o - prints DOT. Without -o only the table of values and gradients is printed.
"""


def function_list() -> str:
    """The functions the formula parser accepts, read from the table of operations (declared
    ones included), as help text: ``abs relu leaky_relu(x[, a]) ...``."""
    from ..expr import FUNCTIONS

    extra = ("a", "b", "c")
    return " ".join(
        name if not FUNCTIONS[name][1] else f"{name}(x[, {', '.join(extra[: FUNCTIONS[name][1]])}])"
        for name in FUNCTIONS
    )


def examples() -> str:
    """This command's --help text after the options, with today's list of functions."""
    import textwrap

    functions = textwrap.fill(function_list(), width=96, subsequent_indent="  ")
    return _EXAMPLES.format(functions=functions)


def __getattr__(name: str) -> str:
    # EXAMPLES is computed when asked for, so operations declared before the parser is built show
    if name == "EXAMPLES":
        return examples()
    raise AttributeError(name)


def import_user_module(spec: str) -> ModuleType:
    """Import the user's module ``spec`` (a dotted module name, or a path to a ``.py`` file) and
    return it. It is the user's own code, run as any ``import`` would run it."""
    import importlib
    import importlib.util

    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise CLIError(f"--import {spec}: no such file")
        name = path.stem if path.stem.isidentifier() else "microgradnet_user_module"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise CLIError(f"--import {spec}: cannot load it as a Python module")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules.setdefault(name, module)
        run = lambda: loader_spec.loader.exec_module(module)  # noqa: E731
    else:
        if not all(part.isidentifier() for part in spec.split(".")):
            raise CLIError(f"--import {spec!r}: give a module name (my_ops) or a .py file (./my_ops.py)")
        if "" not in sys.path and "." not in sys.path:
            sys.path.insert(0, "")  # as `python -m` would: modules in the current folder are found
        module = None
        run = lambda: importlib.import_module(spec)  # noqa: E731
    try:
        imported = run()
    except ModuleNotFoundError as exc:
        raise CLIError(f"--import {spec}: no module named {exc.name!r}") from None
    except Exception as exc:  # the user's module failed: say where, in one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise CLIError(f"--import {spec}: importing it raised {type(exc).__name__}: {message}") from None
    return module if module is not None else imported


class _ImportAction(argparse.Action):
    """Imports at parse time, so ``--import m --help`` lists m's functions too."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        try:
            import_user_module(str(values))
        except CLIError as exc:
            parser.error(str(exc))
        parser.epilog = examples()
        getattr(namespace, self.dest).append(values)


_FORMATS_HINT = ".svg, .png, .dot, .html"
# Graphviz output formats worth writing to a file (the engine decides which it can do).
_PICTURES = {".svg", ".png", ".dot", ".gv", ".pdf", ".jpg", ".jpeg", ".gif", ".webp", ".eps", ".ps",
             ".json", ".xdot", ".plain"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("expr", metavar="EXPR", help='the formula, e.g. "tanh(x*w + b)" (quote it)')
    parser.add_argument(
        "--set", dest="values", metavar="NAME=NUMBER", action="append", default=[],
        help="give a name its value (repeat for each name)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help=f"write the picture ({_FORMATS_HINT}; '-' prints DOT)"
    )
    parser.add_argument("--title", help="title of the .html step-through page")
    parser.add_argument(
        "--import", dest="imports", metavar="MODULE", action=_ImportAction, default=[],
        help="import YOUR module (name or .py path) that declares operations with define_op, "
        "so the formula can use them; its code runs as you (repeat for each module)",
    )


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` → ``{"x": 2.0, "w": -3.0}``, with one-line errors for bad items."""
    from ..expr import NAME

    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise CLIError(f"--set {item!r}: write NAME=NUMBER, e.g. --set x=2")
        if not NAME.match(name):
            raise CLIError(f"--set {item!r}: {name!r} is not a name (letters, digits, _; a letter first)")
        if name in values:
            raise CLIError(f"--set: {name} is given twice")
        try:
            number = float(text)
        except ValueError:
            raise CLIError(f"--set {name}={text}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise CLIError(f"--set {name}={text}: the value must be a finite number")
        values[name] = number
    return values


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def run(args: argparse.Namespace) -> int:
    """Parse the formula, run backward, print the gradients and write the picture."""
    from ..expr import ExprError, parse

    values = parse_assignments(args.values)
    try:
        expression = parse(args.expr)
        root, leaves = expression.build(values)
    except ExprError as exc:
        hint = " (your own: --import MODULE, see --help)" if str(exc).startswith("unknown function") else ""
        raise CLIError(f"{exc}{hint}") from None
    root.backward()

    output = args.output
    if output == "-":
        sys.stdout.write(_dot_source(root))
        return 0
    written = _write_picture(root, Path(output), args.title) if output else None

    rows = [(name, v.data, v.grad) for name, v in leaves.items()]
    width = max([len("name"), *(len(n) for n, _, _ in rows)])
    print(f"{' '.join(args.expr.split())} = {_fmt(root.data)}")
    if rows:
        print(f"\n{'name':<{width}}  {'value':>12}  {'grad (d out / d name)':>22}")
        for name, data, grad in rows:
            print(f"{name:<{width}}  {_fmt(data):>12}  {_fmt(grad):>22}")
    if written:
        is_page = written.suffix.lower() in (".html", ".htm")
        hint = " (open it in a web browser; → steps forward, ← back)" if is_page else ""
        print(f"\nwrote {written}{hint}")
    elif not output:
        print("\n(add -o graph.svg or -o steps.html to draw it)")
    return 0


def _dot_source(root: object) -> str:
    try:
        from ..viz.dot import draw_dot
    except ImportError as exc:  # pragma: no cover - viz ships with the package
        raise CLIError(f"drawing is not available: {exc}") from None
    return draw_dot(root).source


def _write_picture(root: object, path: Path, title: str | None) -> Path:
    suffix = path.suffix.lower()
    if not suffix:
        raise CLIError(f"-o {path}: add a suffix to choose the format ({_FORMATS_HINT})")
    if suffix not in _PICTURES | {".html", ".htm"}:
        raise CLIError(f"-o {path}: unknown picture format {suffix!r}; use {_FORMATS_HINT} (or .pdf, .jpg)")
    if not path.parent.is_dir():
        raise CLIError(f"-o {path}: the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise CLIError(f"-o {path} is a folder; give a file name such as graph.svg")
    try:
        if suffix in (".html", ".htm"):
            from ..viz.step_through import to_html

            return to_html(root, path, title=title)  # type: ignore[arg-type]
        from ..viz.dot import draw_dot
        from ..viz.render import write

        return write(draw_dot(root), path)
    except ImportError as exc:
        raise CLIError(f"cannot write {path}: drawing is not available ({exc})") from None
    except OSError as exc:  # the message of an OSError may name a hidden temporary file
        raise CLIError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    except (ValueError, RuntimeError) as exc:
        # GraphvizUnavailable / RenderError are RuntimeErrors with a message naming the fix
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"cannot write {path}: {message}") from None
