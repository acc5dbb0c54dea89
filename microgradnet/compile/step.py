"""The public step: ``compile_step`` records a loss function once and replays it on floats."""

from __future__ import annotations

import linecache
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..grad_mode import is_grad_enabled
from .args import CompileError, GraphChangedError, fill, flatten, out_spec
from .codegen import Program, generate, helpers
from .record import record

__all__ = ["CompiledStep", "compile_step"]


@dataclass
class _Trace:
    """One recorded graph (one shape of the arguments) and its generated code."""

    program: Program
    out_spec: Any
    signature: tuple
    tag: str
    step_fn: Callable[..., Any] | None = None
    forward_fn: Callable[..., Any] | None = None
    helpers: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> list[Value]:
        return self.program.params

    @property
    def grad_params(self) -> list[Value]:
        return self.program.params[: self.program.n_grad]


def _trace(
    fn: Callable[..., Any],
    args: tuple,
    params: Sequence[Value] | None,
    static_argnums: tuple[int, ...],
    allow_data_reads: bool,
    tag: str,
) -> _Trace:
    rec = record(fn, args, params, static_argnums, allow_data_reads)
    prog = generate(rec)
    position = {v: k for k, v in reversed(list(enumerate(rec.roots)))}
    return _Trace(
        program=prog,
        out_spec=out_spec(rec.result, position),
        signature=(prog.step_source, prog.index_lists),
        tag=tag,
        helpers=helpers(),
    )


def _load(trace: _Trace, kind: str) -> Callable[..., Any]:
    """Compile one generated function (our own code: identifiers and fixed templates only)."""
    prog = trace.program
    source = prog.step_source if kind == "step" else prog.forward_source
    filename = f"<microgradnet-compiled-{kind}-{trace.tag}>"
    builtins = {"abs": abs, "float": float, "map": map, "range": range, "reversed": reversed, "zip": zip}
    namespace: dict[str, Any] = {"__builtins__": builtins, **trace.helpers}
    exec(compile(source, filename, "exec"), namespace)  # runs only the code generated from the graph
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks
    fn = namespace[kind]
    setattr(trace, f"{kind}_fn", fn)
    return fn


class CompiledStep:
    """A loss function recorded once and replayed on floats. Create it with ``compile_step``.

    ``step(*args)`` runs forward and backward and returns the loss as a float (or
    ``(loss, extra...)`` with floats where the function returned Values); gradients are *added*
    to the parameters' ``.grad`` (zero them first, as before ``loss.backward()``).
    ``step(*args, backward=False)`` only runs the forward pass.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        params: Sequence[Value] | None = None,
        *,
        static_argnums: Sequence[int] = (),
        check: bool = False,
        allow_data_reads: bool = False,
        max_traces: int = 8,
    ) -> None:
        if not callable(fn):
            raise CompileError(f"compile_step: expected a function, got {type(fn).__name__}")
        if params is not None:
            params = list(params)
            for p in params:
                if not isinstance(p, Value):
                    raise CompileError(f"compile_step: params must be Values, got {type(p).__name__}")
        self.fn = fn
        self.params = params
        self.static_argnums = tuple(static_argnums)
        self.check = check
        self.allow_data_reads = allow_data_reads
        self.max_traces = max_traces
        self._traces: OrderedDict[Any, _Trace] = OrderedDict()
        self.recordings = 0  # how many graphs were recorded (one per distinct input shape)

    def _trace_for(self, args: tuple) -> tuple[_Trace, list[float]]:
        flat: list[float] = []
        key = tuple(flatten(a, flat, k in self.static_argnums) for k, a in enumerate(args))
        trace = self._traces.get(key)
        if trace is None:
            if not is_grad_enabled():
                raise CompileError("compile_step: cannot record a graph inside no_grad()")
            trace = _trace(self.fn, args, self.params, self.static_argnums, self.allow_data_reads,
                           str(self.recordings + 1))
            self.recordings += 1
            _load(trace, "step")  # the forward-only function is compiled when first used
            self._traces[key] = trace
            if len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)
        return trace, flat

    def __call__(self, *args: Any, backward: bool = True, grad: float = 1.0) -> Any:
        if self.check:
            self.verify(*args)
        trace, flat = self._trace_for(args)
        prog = trace.program
        P = [p.data for p in prog.params]
        try:
            if backward:
                grad_params = prog.params[: prog.n_grad]
                G = [p.grad for p in grad_params]
                outs, grads = trace.step_fn(flat, P, G, prog.constants, prog.index_lists, float(grad))  # type: ignore[misc]
                for p, g in zip(grad_params, grads):
                    p.grad = g
            else:
                forward = trace.forward_fn or _load(trace, "forward")
                outs = forward(flat, P, prog.constants, prog.index_lists)
        except (ArithmeticError, ValueError) as exc:
            lines = prog.step_lines if backward else prog.forward_lines
            raise type(exc)(f"compiled step: {exc} {_where(exc, lines)}") from None
        return fill(trace.out_spec, outs)

    def verify(self, *args: Any, tol: float = 1e-12) -> None:
        """Run the function eagerly and compiled on ``args``; raise ``GraphChangedError`` if the
        graph's structure, the outputs or the gradients differ. Parameters' grads are unchanged."""
        trace, flat = self._trace_for(args)
        rec = record(self.fn, args, self.params, self.static_argnums, self.allow_data_reads)
        prog = generate(rec)
        if (prog.step_source, prog.index_lists) != trace.signature:
            got, want = prog.step_source.splitlines(), trace.program.step_source.splitlines()
            at = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            where = prog.step_lines.get(at + 1) or trace.program.step_lines.get(at + 1) or f"line {at + 1}"
            raise GraphChangedError(
                f"compiled step: the graph changed with the data ({where} differs). The function's "
                "structure must not depend on the numbers (e.g. a Python `if` on a Value's .data); "
                "keep it fixed, or train without compile"
            )
        loss = rec.roots[0]
        grad_params = trace.grad_params
        saved = [p.grad for p in grad_params]
        try:
            for p in grad_params:
                p.grad = 0.0
            loss.backward()
            want = [p.grad for p in grad_params]
            P = [p.data for p in trace.params]
            outs, got = trace.step_fn(  # type: ignore[misc]
                flat, P, [0.0] * len(saved), trace.program.constants, trace.program.index_lists, 1.0
            )
        finally:
            for p, s in zip(grad_params, saved):
                p.grad = s
        if not _close(outs[0], loss.data, tol) or not all(_close(a, b, tol) for a, b in zip(got, want)):
            raise GraphChangedError(
                "compiled step: the replay's loss or gradients differ from an eager run: the "
                "function's structure depends on the data, or a Value it uses that is not in "
                "`params` changed since recording (list it in params)"
            )

    def source(self, *args: Any) -> str:
        """The generated Python code of the forward+backward step (for reading and teaching)."""
        return self._trace_for(args)[0].program.step_source

    def num_nodes(self, *args: Any) -> int:
        """How many nodes the recorded graph for these arguments has."""
        return self._trace_for(args)[0].program.n_nodes

    def num_loops(self, *args: Any) -> int:
        """How many loops the generated code has (each writes a repeated block of the graph once)."""
        return self._trace_for(args)[0].program.n_loops


def _close(a: float, b: float, tol: float) -> bool:
    return a == b or abs(a - b) <= tol * max(1.0, abs(a), abs(b)) or (a != a and b != b)


def _where(exc: BaseException, lines: dict[int, str]) -> str:
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<microgradnet"):
        tb = tb.tb_next
    what = lines.get(tb.tb_lineno) if tb is not None else None
    return f"at {what} of the recorded graph" if what else "while replaying the recorded graph"


def compile_step(
    fn: Callable[..., Any],
    *example_args: Any,
    params: Sequence[Value] | None = None,
    static_argnums: Sequence[int] = (),
    check: bool = False,
    allow_data_reads: bool = False,
) -> CompiledStep:
    """Record ``fn(*example_args)`` once and return a ``CompiledStep`` that replays it.

    ``fn`` receives the arguments with every number replaced by a leaf Value (lists and tuples
    keep their shape; strings, None and booleans pass through unchanged and become part of the
    graph's shape) and returns the loss Value, or a tuple ``(loss, extra...)`` whose Values
    come back as floats. ``params`` (e.g. ``model.parameters()``) are the Values whose current
    ``.data`` is read at every call and whose ``.grad`` receives the gradient; any other Value
    the function uses is baked in as a constant. Without ``params``, every such Value is
    treated as a parameter (always correct, but a graph with a fresh leaf per sample is then
    not written as a loop: slower to record). Arguments listed in ``static_argnums`` (e.g.
    integer class labels used as indices) are passed unchanged, as tuples, and a new graph is
    recorded for each distinct value. ``check=True`` verifies every call against an eager run
    (slow; for tests and debugging).

    Recording refuses a function that reads a Value's ``.data`` (a Python ``if`` on it, or a
    number taken from it, would be frozen into the recording) and names the line;
    ``allow_data_reads=True`` accepts such reads when you know they change nothing.
    """
    step = CompiledStep(
        fn, params, static_argnums=static_argnums, check=check, allow_data_reads=allow_data_reads
    )
    if example_args:
        step._trace_for(example_args)
    return step
