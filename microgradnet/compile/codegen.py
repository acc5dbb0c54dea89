"""Code generation: a recorded graph becomes one Python function of plain floats.

Every operation's forward formula and local derivatives come from the table of operations
(``ops.OPS``: ``replay`` and ``replay_locals`` templates), read when a graph is recorded, so an
operation added with ``define_op`` replays like a built-in one; an n-ary row (``sum``, ``dot``)
is written from its ``terms``. What repeats, and which node needs which gradient, is found
first (``plan.py``); this module writes the code of that plan.

The function does, on floats, exactly what ``loss.backward()`` does on Values: the forward
pass node by node, then for each node in reverse topological order ``child.grad += local *
grad`` for every operand, in operand order - so gradients are accumulated in the same order as
eager ``backward()`` and come out bit for bit the same.

A stretch of the graph that repeats (one block of nodes per sample, found by ``runs.py``) is
written once, as the body of a loop: the forward loop keeps, per repeat, the few numbers the
backward pass needs (in a list of tuples) and the backward loop walks the repeats in reverse.
What flows between repeats (a running sum over the samples) is carried in a variable; what
flows in or out of the loop from elsewhere goes through lists indexed by the repeat.
Parameters are shared by all repeats: their gradients are local variables that every repeat
adds to, in eager order. Inputs and constants that differ per repeat come from slices or index
lists; an operand that reads a different node of the block in different repeats (the logit a
sample's class label picks) reads it from a tuple, indexed per repeat.

Only identifiers built from node positions and the table's fixed templates appear in the
source; every number (inputs, parameters, constants) travels in a list argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine import Value
from .plan import Ref, _Loop, _Node, _Plan, helpers, nary_row, template_for
from .record import Recording

__all__ = ["Program", "generate", "helpers", "template_for"]

_CHUNK = 64  # terms per generated statement of an n-ary sum (Python's compiler recurses per term)
_MAX_DEPTH = 40  # operations nested in one generated expression, at most

# A local-derivative template "(1.0 if CONDITION else 0.0)": replayed as a branch, which skips
# the multiplication (like the engine's, but a 0 derivative adds nothing even to an inf gradient)
_GATE = re.compile(r"\(1\.0 if (.+) else 0\.0\)")

_Inline = tuple  # (expression, nesting depth, operations in it): a node written where it is used


@dataclass
class Program:
    """Generated code of one recording and what calling it needs."""

    step_source: str
    forward_source: str
    index_lists: tuple[list[int], ...]  # per-repeat input/constant indices (argument I)
    constants: list[Any]
    params: list[Value]
    n_grad: int
    n_nodes: int
    n_loops: int
    step_lines: dict[int, str]
    forward_lines: dict[int, str]


def generate(rec: Recording) -> Program:
    """Generate the step (forward + backward) and forward-only functions of a recording."""
    return _Gen(rec).program()


class _Gen(_Plan):
    """The code of a plan: forward and backward lines, then the two functions."""


    # ---- structure ------------------------------------------------------------------------
    def program(self) -> Program:
        self.structure()
        back = self._backward()
        fwd = self._forward()
        return self._assemble(fwd, back)


    # ---- which nodes need a gradient, who reads what --------------------------------------


    # ---- names -----------------------------------------------------------------------------
    def value(self, a: Ref) -> str:
        """The variable holding a value (forward: a loop's last repeat, or its list e)."""
        kind = a[0]
        if kind == "v":
            return f"v{a[1]}"
        if kind == "u":
            return f"u{a[1]}_{a[2]}"
        if kind == "c":
            return f"c{a[1]}_{a[2]}"
        if kind == "o":
            lp = self.loops[a[1]]
            if a[2] == lp.count - 1 and a[3] in lp.last:
                return f"u{a[1]}_{a[3]}"
            return f"e{a[1]}_{a[3]}[{a[2]}]"
        if kind == "p":
            return f"p{a[1]}"
        if kind == "x":
            self.inputs_used.add(a[1])
            return f"x{a[1]}"
        if kind == "k":
            return f"k{a[1]}"
        if kind == "xi":
            return f"x{a[1]}_{a[2]}"
        if kind == "sel":
            cands = self.loops[a[1]].selects[a[2]][0]
            return f"({', '.join(f'u{a[1]}_{c}' for c in cands)},)[j{a[1]}_{a[2]}]"
        if kind == "j":
            return f"j{a[1]}_{a[2]}"
        return f"k{a[1]}_{a[2]}"  # 'ki'

    def grad_target(self, a: Ref) -> tuple[str, bool]:
        """(the gradient variable of ``a``, whether it already holds something)."""
        kind = a[0]
        if kind == "p":
            return f"gp{a[1]}", True
        if kind == "c":
            return f"n{a[1]}_{a[2]}", True
        if kind == "o":
            return f"f{a[1]}_{a[3]}[{a[2]}]", True
        alias = self.alias.get(a)
        if alias is not None:
            return alias, True
        name = f"g{a[1]}" if kind == "v" else f"h{a[1]}_{a[2]}"
        return name, a in self.assigned

    # ---- backward --------------------------------------------------------------------------
    def _contribute(self, out: list[str], nd: _Node, g: str, same: Callable[[Ref], bool]) -> None:
        """``child.grad += local * g`` for every operand of ``nd`` that needs a gradient."""
        args = nd.args
        key = nd.key
        nary = nary_row(key)
        if nary is not None:  # the constant 1, or the value of the other operand of a product
            locs = ["1.0" if k is None else args[k] for k in nary.partners(len(args))]
        else:
            locs = list(nd.locals_)
        gather = list(nd.gather)
        j = 0
        while j < len(args):
            if gather and gather[0][0] == j:
                _, L, t, r0, r1 = gather.pop(0)
                lp = self.loops[L]
                if lp.needs[t]:
                    if (r0, r1) == (0, lp.count):
                        out.append(f"f{L}_{t} = [z_ + {g} for z_ in f{L}_{t}]")
                    else:
                        out.append(f"f{L}_{t}[{r0}:{r1}] = [z_ + {g} for z_ in f{L}_{t}[{r0}:{r1}]]")
                j += r1 - r0
                continue
            a = args[j]
            local = locs[j]
            j += 1
            if not self._need(a):
                continue
            if not isinstance(local, str):  # a product's other operand: its value
                self._mark(local)
                local = self.value(local)
            elif "{" in local:
                local = local.format(**self._fmt(nd, local))
            if a[0] == "sel":
                self._contribute_selected(out, a, local, g)
                continue
            target, held = self.grad_target(a)
            gate = _GATE.fullmatch(local)
            if gate:  # a local derivative that is 1 or 0 (relu, max): add g only where it is 1
                cond = gate.group(1)
                line = f"if {cond}: {target} += {g}" if held else f"{target} = {g} if {cond} else 0.0"
            elif local == "1.0":
                if not held and self.count.get(a) == 1 and same(a):
                    self.alias[a] = g
                    continue
                line = f"{target} += {g}" if held else f"{target} = {g}"
            elif local == "-1.0":
                line = f"{target} -= {g}" if held else f"{target} = -{g}"
            else:
                line = f"{target} += ({local}) * {g}" if held else f"{target} = ({local}) * {g}"
            if not held:
                self.assigned.add(a)
            out.append(line)

    def _contribute_selected(self, out: list[str], a: Ref, local: str, g: str) -> None:
        """``+= local * g`` into whichever position this repeat's operand reads."""
        L, m = a[1], a[2]
        lp = self.loops[L]
        cands = lp.selects[m][0]
        self.needed.add(("j", L, m))
        first = True
        for k, c in enumerate(cands):
            if not lp.needs[c]:
                continue
            target, held = self.grad_target(("u", L, c))
            if not held:  # every candidate must hold a number before one of them is added to
                out.insert(0, f"{target} = 0.0")  # (before this node's other contributions, too)
                self.assigned.add(("u", L, c))
            out.append(f"{'if' if first else 'elif'} j{L}_{m} == {k}: {target} += ({local}) * {g}")
            first = False


    def _fmt(self, nd: _Node, template: str) -> dict[str, str]:
        """Names for a local-derivative template (marking the values it reads as needed)."""
        fmt = {"p": nd.param}
        args = nd.args
        for name, ref in (("a", args[0] if args else None), ("b", args[1] if len(args) > 1 else None),
                          ("out", nd.ref)):
            if ref is not None and "{" + name + "}" in template:
                self._mark(ref)
                fmt[name] = self.value(ref)
            else:
                fmt[name] = ""
        return fmt


    def _backward(self) -> list[tuple[int, str]]:
        """Backward lines (indent, text), in the order eager backward() visits the nodes."""
        lines: list[tuple[int, str]] = []
        rec = self.rec
        root = rec.roots[0]
        if root._a is None:  # the loss is a leaf: backward() only sets its own grad
            d = self.where[root]
            if d.__class__ is tuple and d[1] < rec.n_grad:
                lines.append((0, f"gp{d[1]} = seed"))
            return lines
        pre: list[tuple[int, str]] = []
        root_ref = self._outside(root)
        body: list[tuple[int, str]] = []
        if root_ref[0] == "v":
            self.assigned.add(root_ref)
            body.append((0, f"g{root_ref[1]} = seed"))
        else:
            body.append((0, f"f{root_ref[1]}_{root_ref[3]}[{root_ref[2]}] = seed"))
        for item in reversed(self.items):
            if isinstance(item, _Node):
                i = item.ref[1]
                if not self.sneeds.get(i):
                    continue
                g, _ = self.grad_target(item.ref)
                out: list[str] = []
                self._contribute(out, item, g, lambda a: a[0] == "v")
                body.extend((0, x) for x in out)
            elif item.in_loss:
                body.extend(self._loop_backward(item))
        for lp in self.loops:
            for t in sorted(lp.inflow):
                if lp.needs[t]:
                    pre.append((0, f"f{lp.idx}_{t} = [0.0] * {lp.count}"))
        lines.extend(pre)
        lines.extend(body)
        return lines

    def _loop_backward(self, lp: _Loop) -> list[tuple[int, str]]:
        L, R = lp.idx, lp.count
        inner: list[str] = []
        init: set[Ref] = set()
        heads: list[str] = []
        targets: list[str] = []
        iters: list[str] = []
        after: list[str] = []
        pre: list[str] = []
        for tp in sorted(lp.carried):
            if not self._need(("c", L, tp)):  # neither repeat 0's source nor the repeats need it
                continue
            x = lp.carried[tp]
            xg, held = self.grad_target(x) if self._need(x) else ("", False)
            start = xg if held else "0.0"
            if tp in lp.inflow:
                pre.append(f"n{L}_{tp} = f{L}_{tp}[{R - 1}]")
                iters.append(f"f{L}_{tp}[{R - 2}::-1] + [{start}]")
            else:
                pre.append(f"n{L}_{tp} = 0.0")
                iters.append(f"[0.0] * {R - 1} + [{start}]")
            targets.append(f"i{L}_{tp}")
            heads.append(f"h{L}_{tp} = n{L}_{tp}")
            heads.append(f"n{L}_{tp} = i{L}_{tp}")
            init.add(("u", L, tp))
            if xg:
                after.append(f"{xg} = n{L}_{tp}")
                if x[0] in ("v", "u"):
                    self.assigned.add(x)
        for t in sorted(lp.inflow):
            if t in lp.carried or not lp.needs[t]:
                continue
            iters.append(f"reversed(f{L}_{t})")
            targets.append(f"b{L}_{t}")
            heads.append(f"h{L}_{t} = b{L}_{t}")
            init.add(("u", L, t))
        self.assigned |= init
        for t in range(lp.period - 1, -1, -1):
            if not lp.needs[t]:
                continue
            nd = lp.body[t]
            g, _ = self.grad_target(nd.ref)
            self._contribute(inner, nd, g, lambda a: a[0] == "u" and a[1] == L and a not in init)
        mine = sorted(a for a in self.needed if a[0] in ("u", "c", "xi", "ki", "j") and a[1] == L)
        lp_saved = lp.saved = [self.value(a) for a in mine]
        if lp_saved:
            iters.insert(0, f"reversed(s{L})")
            targets.insert(0, "(" + ", ".join(lp_saved) + ("," if len(lp_saved) == 1 else "") + ")")
        if not iters:
            head = f"for _ in range({R}):"
        elif len(iters) == 1:
            head = f"for {targets[0]} in {iters[0]}:"
        else:
            head = f"for {', '.join(targets)} in zip({', '.join(iters)}):"
        out = [(0, x) for x in pre]
        out.append((0, head))
        out.extend((1, x) for x in heads + inner)
        if not heads and not inner:
            out.append((1, "pass"))
        out.extend((0, x) for x in after)
        return out

    # ---- forward ---------------------------------------------------------------------------
    def _forward(self) -> list[tuple[int, str, str, bool]]:
        """Forward lines (indent, text, node description, only in the step function)."""
        uses: dict[Ref, int] = {}
        keep: set[Ref] = set(self.needed)
        for item in self.items:
            nds = [item] if isinstance(item, _Node) else item.body
            for nd in nds:
                for k, a in enumerate(nd.args):
                    uses[a] = uses.get(a, 0) + 1
                    if nary_row(nd.key) is None:
                        ph = "{a}" if k == 0 else "{b}"
                        if nd.forward.count(ph) != 1:
                            keep.add(a)
            if isinstance(item, _Loop):
                keep.update(("u", item.idx, t) for t in item.carried)
                keep.update(("u", item.idx, t) for t in item.exports | item.last)
                keep.update(item.carried.values())
                keep.update(("u", item.idx, c) for cands, _ in item.selects for c in cands)
        keep.update(self._outside(r) for r in self.rec.roots if r._a is not None)
        self.keep = keep
        self.uses = uses
        lines: list[tuple[int, str, str, bool]] = []
        outside: dict[Ref, _Inline] = {}
        for item in self.items:
            if isinstance(item, _Node):
                self._emit_node(lines, 0, item, outside)
            else:
                self._loop_forward(lines, item)
        return lines

    def _inlinable(self, a: Ref) -> bool:
        return a[0] in ("v", "u") and self.uses.get(a, 0) == 1 and a not in self.keep

    def _emit_node(self, lines: list, ind: int, nd: _Node, exprs: dict[Ref, _Inline]) -> None:
        """Write node ``nd`` (or keep its expression in ``exprs`` to be inlined where used)."""
        names = []
        depth = 0
        inlined: list[str] = []  # operations written into this node's statement
        for a in nd.args:
            e = exprs.pop(a, None)
            if e is not None:
                names.append(f"({e[0]})")
                depth = max(depth, e[1])
                inlined += e[2]
            else:
                names.append(self.value(a))
        target = self.value(nd.ref)
        key = nd.key
        what = nd.what
        if inlined:
            what += f" or an operation written into it ({', '.join(sorted(set(inlined)))})"
        nary = nary_row(key)
        if nary is not None:
            if nd.gather:
                self._emit_gathered_sum(lines, ind, what, names, list(nd.gather), target)
                return
            # the row's terms, left to right (the sign of an all -0.0 sum aside, as the engine adds)
            terms = [" * ".join(names[k] for k in term) for term in nary.terms(len(names))]  # type: ignore[misc]
            if len(terms) <= _CHUNK:
                expr = " + ".join(terms)
            else:
                step = _CHUNK - 1
                chunks = [terms[:_CHUNK]] + [terms[k : k + step] for k in range(_CHUNK, len(terms), step)]
                lines.append((ind, f"{target} = {' + '.join(chunks[0])}", what, False))
                for chunk in chunks[1:-1]:
                    lines.append((ind, f"{target} = {target} + {' + '.join(chunk)}", what, False))
                lines.append((ind, f"{target} = {target} + {' + '.join(chunks[-1])}", what, False))
                return
        else:
            expr = nd.forward.format(a=names[0], b=names[1] if len(names) > 1 else "", p=nd.param)
        if self._inlinable(nd.ref) and depth < _MAX_DEPTH:
            exprs[nd.ref] = (expr, depth + 1, [*inlined, repr(nd.op)])
            return
        lines.append((ind, f"{target} = {expr}", what, False))

    def _emit_gathered_sum(self, lines: list, ind: int, what: str, names: list[str],
                           gather: list[tuple[int, int, int, int, int]], target: str) -> None:
        """A sum over many repeats of a loop: left to right, as the engine adds."""
        pending = ["0.0"]
        j = 0
        first = True

        def flush() -> None:
            terms = pending if first else [target, *pending]
            lines.append((ind, f"{target} = {' + '.join(terms)}", what, False))

        while j < len(names):
            if gather and gather[0][0] == j:
                _, L, t, r0, r1 = gather.pop(0)
                flush()
                first = False
                pending = []
                sl = "" if (r0, r1) == (0, self.loops[L].count) else f"[{r0}:{r1}]"
                lines.append((ind, f"for z_ in e{L}_{t}{sl}:", what, False))
                lines.append((ind + 1, f"{target} += z_", what, False))
                j += r1 - r0
                continue
            pending.append(names[j])
            j += 1
        if pending:
            flush()

    def _loop_forward(self, lines: list, lp: _Loop) -> None:
        L, R = lp.idx, lp.count
        iters = []
        targets = []
        for m, (kind, idx) in enumerate(lp.slots):
            src = "X" if kind == "x" else "C"
            step = idx[1] - idx[0]
            if step > 0 and idx == list(range(idx[0], idx[0] + step * R, step)):
                iters.append(f"{src}[{idx[0]}:{idx[0] + step * (R - 1) + 1}:{step}]")
            else:
                iters.append(f"map({src}.__getitem__, I[{len(self.index_lists)}])")
                self.index_lists.append(idx)
            targets.append(f"x{L}_{m}" if kind == "x" else f"k{L}_{m}")
        for m, (_, picks) in enumerate(lp.selects):
            iters.append(f"I[{len(self.index_lists)}]")
            self.index_lists.append(picks)
            targets.append(f"j{L}_{m}")
        saved = lp.saved
        if saved:
            lines.append((0, f"s{L} = []", "", True))
            lines.append((0, f"a{L} = s{L}.append", "", True))
        for t in sorted(lp.exports):
            lines.append((0, f"e{L}_{t} = []", "", False))
        for tp in sorted(lp.carried):
            lines.append((0, f"u{L}_{tp} = {self.value(lp.carried[tp])}", "", False))
        if not iters:
            head = f"for _ in range({R}):"
        elif len(iters) == 1:
            head = f"for {targets[0]} in {iters[0]}:"
        else:
            head = f"for {', '.join(targets)} in zip({', '.join(iters)}):"
        lines.append((0, head, "", False))
        for tp in sorted(lp.carried):
            lines.append((1, f"c{L}_{tp} = u{L}_{tp}", "", False))
        exprs: dict[Ref, _Inline] = {}
        for nd in lp.body:
            self._emit_node(lines, 1, nd, exprs)
        if saved:
            lines.append((1, f"a{L}(({', '.join(saved)},))", "", True))
        for t in sorted(lp.exports):
            lines.append((1, f"e{L}_{t}.append(u{L}_{t})", "", False))

    # ---- the two functions -----------------------------------------------------------------
    def _assemble(self, fwd: list[tuple[int, str, str, bool]], back: list[tuple[int, str]]) -> Program:
        rec = self.rec
        head: list[str] = []
        if rec.params:
            head.append(f"{', '.join(f'p{k}' for k in range(len(rec.params)))}, = P")
        if self.constants:
            head.append(f"{', '.join(f'k{k}' for k in range(len(self.constants)))}, = C")
        outs = self._outputs()
        xs = sorted(self.inputs_used)
        for k in range(0, len(xs), 200):
            part = xs[k : k + 200]
            head.append(f"{', '.join(f'x{j}' for j in part)}, = {', '.join(f'X[{j}]' for j in part)},")
        g_head = [f"{', '.join(f'gp{k}' for k in range(rec.n_grad))}, = G"] if rec.n_grad else []
        g_out = ", ".join(f"gp{k}" for k in range(rec.n_grad)) + ("," if rec.n_grad else "")

        def render(kind: str) -> tuple[str, dict[int, str]]:
            lines = [f"def {kind}(X, P, G, C, I, seed):" if kind == "step" else "def forward(X, P, C, I):"]
            lines += ["    " + h for h in head]
            if kind == "step":
                lines += ["    " + h for h in g_head]
            where: dict[int, str] = {}
            for ind, text, what, only_step in fwd:
                if only_step and kind != "step":
                    continue
                lines.append("    " * (ind + 1) + text)
                if what:
                    where[len(lines)] = what
            if kind == "step":
                lines += ["    " * (ind + 1) + text for ind, text in back]
                lines.append(f"    return ({outs},), ({g_out})")
            else:
                lines.append(f"    return ({outs},)")
            return "\n".join(lines) + "\n", where

        step_source, step_lines = render("step")
        forward_source, forward_lines = render("forward")
        return Program(
            step_source=step_source,
            forward_source=forward_source,
            index_lists=tuple(self.index_lists),
            constants=self.constants,
            params=rec.params,
            n_grad=rec.n_grad,
            n_nodes=len(rec.where),
            n_loops=len(self.loops),
            step_lines=step_lines,
            forward_lines=forward_lines,
        )

    def _outputs(self) -> str:
        """The outputs' values, a loop's whole list e written as ``*e``."""
        refs = []
        for r in self.rec.roots:
            d = self.where[r]
            refs.append(self._outside(r) if d.__class__ is int else self._leaf(r))
        parts: list[str] = []
        j = 0
        while j < len(refs):
            a = refs[j]
            if a[0] == "o" and a[2] == 0:
                lp = self.loops[a[1]]
                k = j + 1
                while k < len(refs) and refs[k][0] == "o" and refs[k][1] == a[1] and refs[k][3] == a[3] \
                        and refs[k][2] == k - j:
                    k += 1
                if k - j == lp.count:
                    parts.append(f"*e{a[1]}_{a[3]}")
                    j = k
                    continue
            if a[0] == "o":
                lp = self.loops[a[1]]
                parts.append(f"e{a[1]}_{a[3]}[{a[2]}]")
            else:
                parts.append(self.value(a))
            j += 1
        return ", ".join(parts)

