"""Compiled replay's plan of a recording: its loops, its items, who needs which gradient.

``codegen`` writes the code from this plan. The plan reads each node's row in the table of
operations (``ops.py``) for its replay templates; an n-ary row (sum, dot) is described by its
``terms``. See ``codegen`` for the names the generated code uses for each ``Ref``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import ops as _ops
from ..engine import Value
from .args import CompileError
from .record import Recording
from .runs import find_runs

_GATHER = 4  # a sum over at least this many repeats of a loop is written as a loop itself
MIN_SAVED = 8  # a loop must save writing at least this many nodes of code

#: What an operand refers to, and the names generated code uses for its value / its gradient:
#: ('v', i)        node i, outside loops                      v{i} / g{i}
#: ('u', L, t)     position t of loop L, this repeat            u{L}_{t} / h{L}_{t}
#: ('c', L, t)     position t of the previous repeat            c{L}_{t} / n{L}_{t}
#: ('o', L, r, t)  repeat r of position t, seen from outside    u{L}_{t} (last) or e{L}_{t}[r] / f{L}_{t}[r]
#: ('p', k) ('x', j) ('k', c)   parameter, input, constant      p{k} / gp{k}, x{j}, k{c}
#: ('xi', L, m) ('ki', L, m)    an input / constant that differs per repeat: x{L}_{m}, k{L}_{m}
#: ('sel', L, m)   a position picked per repeat (by j{L}_{m}, ref ('j', L, m)) among candidates
Ref = tuple


def nary_row(key: str) -> _ops.Op | None:
    """The row of an n-ary operation (sum, dot: its ``terms`` say how to write it), else None."""
    row = _ops.OPS.get(key)
    return row if row is not None and row.terms is not None else None

def _plain_sum(key: str) -> bool:
    """An n-ary row whose terms are single operands (a sum): its repeats can be gathered."""
    row = nary_row(key)
    return row is not None and all(len(t) == 1 for t in row.terms(3))  # type: ignore[misc]

def template_for(node: Value) -> tuple[str, str, tuple[str, ...]]:
    """(operation key, forward template, local-derivative templates) of a node's operation.

    The one place that reads replay templates from the table of operations."""
    key = _ops.op_key(node)
    if nary_row(key) is not None:
        return key, "", ()
    row = _ops.OPS.get(key)
    if row is None or not row.replay:
        raise CompileError(
            f"compile_step: no replay template for operation {node._op!r}; declare it with "
            "microgradnet.define_op (or give its row in microgradnet.ops a replay template)"
        )
    return key, row.replay, tuple(row.replay_locals)

def helpers() -> dict[str, Any]:
    """The names generated code may call (read now, so ops added by define_op are included)."""
    return dict(_ops.REPLAY_HELPERS)


@dataclass
class _Node:
    """One node of generated code: a node of the graph outside loops, or one position of a
    loop's body (standing for that position in every repeat)."""

    ref: Ref
    key: str
    forward: str
    locals_: tuple[str, ...]
    param: str  # the name holding the operation's constant ('' if none)
    args: list[Ref]
    what: str  # for error messages
    op: str = ""  # micrograd's name of the operation (node._op)
    gather: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # sums over repeats


@dataclass
class _Loop:
    idx: int
    start: int
    period: int
    count: int
    in_loss: bool
    body: list[_Node] = field(default_factory=list)
    carried: dict[int, Ref] = field(default_factory=dict)  # t -> the node repeat 0 reads as "previous t"
    slots: list[tuple[str, list[int]]] = field(default_factory=list)  # per-repeat input/constant indices
    needs: list[bool] = field(default_factory=list)
    exports: set[int] = field(default_factory=set)  # positions kept for every repeat (list e)
    last: set[int] = field(default_factory=set)  # positions read after the loop (last repeat)
    inflow: set[int] = field(default_factory=set)  # positions with gradient from outside (list f)
    saved: list[str] = field(default_factory=list)  # per-repeat values the backward loop reads
    # operands reading a different position of the block in different repeats (a class label
    # picking one logit): the candidate positions, and per repeat the index of the one read
    selects: list[tuple[list[int], list[int]]] = field(default_factory=list)


class _Plan:
    """The structure of the generated code, found from the recording (see ``structure``)."""

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        self.nodes = rec.nodes
        self.where = rec.where
        self.constants = list(rec.constants)
        self.arg_consts: dict[tuple[str, str], int] = {}
        self.index_lists: list[list[int]] = []
        self.loops: list[_Loop] = []
        n = len(self.nodes)
        self.owner = [-1] * n
        self.items: list[Any] = []  # in order: _Node (outside loops) or _Loop
        self.sneeds: dict[int, bool] = {}
        self.count: dict[Ref, int] = {}  # gradient contributions each node receives
        self.needed: set[Ref] = set()  # values the backward pass reads (so kept in variables)
        self.alias: dict[Ref, str] = {}
        self.assigned: set[Ref] = set()
        self.inputs_used: set[int] = set()

    # ---- structure ------------------------------------------------------------------------
    def structure(self) -> None:
        """Find the loops and the items of the recording; which nodes need gradients."""
        rec = self.rec
        intern: dict[tuple, int] = {}
        ids = self.ids = [intern.setdefault(k, len(intern)) for k in rec.keys]
        # loose keys: which node an operand reads is left out, so blocks that differ only in
        # that (a class label picking one of the logits) still line up; _build_loop checks
        # the rest and turns such operands into per-repeat selections
        loose: dict[tuple, int] = {}
        lmap = [loose.setdefault((k[0], *(x if x.__class__ is not int else 0 for x in k[1:])), len(loose))
                for k in intern]
        lids = [lmap[i] for i in ids]
        for lo, hi in ((0, rec.n_loss), (rec.n_loss, len(ids))):
            end = lo
            for s, p, r in find_runs(lids, lo, hi, min_saved=MIN_SAVED):
                if self._try_loop(s, p, r, end):
                    end = self.loops[-1].start + p * self.loops[-1].count
                    continue
                for s2, p2, r2 in find_runs(ids, s, s + p * r, min_saved=MIN_SAVED):
                    if self._try_loop(s2, p2, r2, end):
                        end = self.loops[-1].start + p2 * self.loops[-1].count
        loop_at = {lp.start: lp for lp in self.loops}
        i = 0
        n = len(self.nodes)
        while i < n:
            lp = loop_at.get(i)
            if lp is not None:
                self.items.append(lp)
                i += lp.period * lp.count
                continue
            v = self.nodes[i]
            key, fwd, locs = template_for(v)
            self.items.append(
                _Node(("v", i), key, fwd, locs, self._param(v), [self._outside(c) for c in v._prev],
                      f"node {i} (operation {v._op!r})", v._op)
            )
            i += 1
        self._needs()
        self._links()

    def _try_loop(self, s: int, p: int, r: int, end: int) -> bool:
        """Make the run ``s, p, r`` a loop (one repeat earlier if it can start there)."""
        if s - p >= end and self._extends(s, p):
            s, r = s - p, r + 1
        self.owner[s : s + p * r] = [len(self.loops)] * (p * r)
        self.loops.append(_Loop(len(self.loops), s, p, r, s < self.rec.n_loss))
        if self._build_loop(self.loops[-1]):
            return True
        self.owner[s : s + p * r] = [-1] * (p * r)
        self.loops.pop()
        return False

    def _param(self, v: Value) -> str:
        p = _ops.op_parameter(v)
        if p is None:
            return ""
        k = (type(p).__name__, repr(p))
        slot = self.arg_consts.get(k)
        if slot is None:
            slot = self.arg_consts[k] = len(self.constants)
            self.constants.append(p)
        return f"k{slot}"

    def _outside(self, c: Value) -> Ref:
        """The reference to node or leaf ``c`` from code outside any loop."""
        d = self.where[c]
        if d.__class__ is int:
            L = self.owner[d]
            if L < 0:
                return ("v", d)
            lp = self.loops[L]
            r, t = divmod(d - lp.start, lp.period)
            return ("o", L, r, t)
        if d == "x":
            return ("x", self.rec.inputs[c])
        if d == "k":
            return ("k", self.rec.const_slot[c])
        return ("p", d[1])

    def _extends(self, s: int, P: int) -> bool:
        """Can a run starting at ``s`` start one repeat earlier? Yes if the ``P`` nodes before
        it have the same keys, except that where later repeats read the previous repeat they
        read an input or a constant (Python's ``sum()`` starts from 0: ``0 + l0``, then
        ``s0 + l1``, ...). The loop then starts its carried value from that leaf."""
        keys, nodes = self.rec.keys, self.nodes
        first: dict[int, Any] = {}
        for t in range(P):
            k0, k1 = keys[s - P + t], keys[s + t]
            if k0 == k1:
                continue
            if len(k0) != len(k1) or k0[0] is not k1[0]:
                return False
            prev = nodes[s - P + t]._prev
            for o in range(1, len(k1)):
                a, b = k0[o], k1[o]
                if a == b:
                    continue
                if b.__class__ is not int or t - b >= 0 or a not in ("x", "k"):
                    return False
                leaf = prev[o - 1]
                tp = t - b + P
                if first.setdefault(tp, leaf) is not leaf:
                    return False
        return True

    def _build_loop(self, lp: _Loop) -> bool:
        """Describe a loop's body: what each operand is comes from the keys of repeat 1 (a
        regular repeat), the nodes repeat 0 starts from from repeat 0. False if it cannot be a
        loop."""
        s, P, R = lp.start, lp.period, lp.count
        nodes, keys, rec, ids = self.nodes, self.rec.keys, self.rec, self.ids
        slot_of: dict[tuple[str, tuple[int, ...]], int] = {}
        differs: set[int] = set()  # positions where some repeat's key differs from repeat 1's
        ref = ids[s + P : s + 2 * P]
        for r in range(R):
            block = ids[s + r * P : s + (r + 1) * P]
            if r != 1 and block != ref:
                differs.update(t for t, (a, b) in enumerate(zip(block, ref)) if a != b)
        for t in range(P):
            v = nodes[s + t]
            key, fwd, locs = template_for(v)
            args: list[Ref] = []
            for o, c in enumerate(v._prev):
                d = keys[s + P + t][o + 1]
                if d.__class__ is int and t in differs:
                    ds = [keys[s + r * P + t][o + 1] for r in range(R)]
                    if ds[0].__class__ is not int and t - d < 0:
                        ds[0] = d  # repeat 0 starts the carried value from a leaf (_extends)
                    if ds.count(d) != R:  # reads a different node of the block in different repeats
                        if any(x.__class__ is not int or t - x < 0 for x in ds):
                            return False
                        where = [t - x for x in ds]
                        cands = sorted(set(where))
                        lp.selects.append((cands, [cands.index(q) for q in where]))
                        args.append(("sel", lp.idx, len(lp.selects) - 1))
                        continue
                if d.__class__ is int:
                    if t - d >= 0:
                        args.append(("u", lp.idx, t - d))
                        continue
                    tp = t - d + P
                    if tp < 0:  # reaches further back than the previous repeat
                        return False
                    first = self._outside(c) if c._a is not None else self._leaf(c)
                    if lp.carried.setdefault(tp, first) != first:
                        return False
                    args.append(("c", lp.idx, tp))
                    continue
                if d.__class__ is tuple:  # a parameter: the same in every repeat (it is in the key)
                    args.append(("p", d[1]))
                    continue
                table = rec.inputs if d == "x" else rec.const_slot
                idx = [table[nodes[s + r * P + t]._prev[o]] for r in range(R)]
                if idx.count(idx[0]) == R:
                    args.append(("x", idx[0]) if d == "x" else ("k", idx[0]))
                    continue
                sk = (d, tuple(idx))
                m = slot_of.get(sk)
                if m is None:
                    m = slot_of[sk] = len(lp.slots)
                    lp.slots.append((d, idx))
                args.append(("xi" if d == "x" else "ki", lp.idx, m))
            lp.body.append(
                _Node(("u", lp.idx, t), key, fwd, locs, self._param(v), args,
                      f"node {s + t} (operation {v._op!r}, in a loop over {R} repeats)", v._op)
            )
        return True

    def _need(self, a: Ref) -> bool:
        kind = a[0]
        if kind == "p":
            return a[1] < self.rec.n_grad
        if kind == "v":
            return self.sneeds.get(a[1], False)
        if kind == "sel":
            lp = self.loops[a[1]]
            return any(lp.needs[c] for c in lp.selects[a[2]][0])
        if kind in ("u", "o"):
            return self.loops[a[1]].needs[a[-1]]
        if kind == "c":
            lp = self.loops[a[1]]
            return lp.needs[a[2]] or self._need(lp.carried[a[2]])
        return False

    def _needs(self) -> None:
        n_loss = self.rec.n_loss
        for item in self.items:
            if isinstance(item, _Node):
                i = item.ref[1]
                self.sneeds[i] = i < n_loss and any(self._need(a) for a in item.args)
                continue
            item.needs = [False] * item.period
            if not item.in_loss:
                continue
            changed = True
            while changed:
                changed = False
                for t, nd in enumerate(item.body):
                    if not item.needs[t] and any(self._need(a) for a in nd.args):
                        item.needs[t] = changed = True

    def _links(self) -> None:
        """Values and gradients crossing a loop's boundary; contribution counts."""
        count = self.count
        for item in self.items:
            if isinstance(item, _Node):
                if _plain_sum(item.key):
                    item.gather = self._gathered(item.args)
                grads = self.sneeds[item.ref[1]]
                for a in item.args:
                    if a[0] == "o":
                        lp = self.loops[a[1]]
                        (lp.last if a[2] == lp.count - 1 else lp.exports).add(a[3])
                        if grads and lp.needs[a[3]]:
                            lp.inflow.add(a[3])
                    if grads and self._need(a):
                        count[a] = count.get(a, 0) + 1
                continue
            for x in item.carried.values():
                if x[0] == "o":
                    lp = self.loops[x[1]]
                    (lp.last if x[2] == lp.count - 1 else lp.exports).add(x[3])
                    if lp.needs[x[3]]:
                        lp.inflow.add(x[3])
                if self._need(x):
                    count[x] = count.get(x, 0) + 2  # never an alias
            for t, nd in enumerate(item.body):
                if item.needs[t]:
                    for a in nd.args:
                        if a[0] == "sel":
                            for c in item.selects[a[2]][0]:
                                count[("u", item.idx, c)] = count.get(("u", item.idx, c), 0) + 2
                        elif self._need(a):
                            count[a] = count.get(a, 0) + 1
        for a in self.rec.roots:
            if a._a is not None:
                r = self._outside(a)
                if r[0] == "o":
                    self.loops[r[1]].exports.add(r[3])
        root = self.rec.roots[0]
        if root._a is not None:
            r = self._outside(root)
            if r[0] == "o":
                self.loops[r[1]].inflow.add(r[3])
                self.loops[r[1]].needs[r[3]] = True

    def _mark(self, a: Ref) -> None:
        """The backward pass reads ``a``'s value: keep it (per repeat: save it)."""
        if a[0] == "sel":
            self.needed.update(("u", a[1], c) for c in self.loops[a[1]].selects[a[2]][0])
            self.needed.add(("j", a[1], a[2]))
        else:
            self.needed.add(a)

    def _gathered(self, args: list[Ref]) -> list[tuple[int, int, int, int, int]]:
        """Stretches of a sum's operands that are one loop position over consecutive repeats:
        (first operand, loop, position, first repeat, end repeat)."""
        found = []
        j = 0
        while j < len(args):
            a = args[j]
            if a[0] != "o":
                j += 1
                continue
            k = j + 1
            while k < len(args) and args[k][0] == "o" and args[k][1] == a[1] and args[k][3] == a[3] \
                    and args[k][2] == a[2] + (k - j):
                k += 1
            if k - j >= _GATHER:
                found.append((j, a[1], a[3], a[2], a[2] + k - j))
                self.loops[a[1]].exports.add(a[3])
            j = k
        return found

    def _leaf(self, c: Value) -> Ref:
        d = self.where[c]
        if d == "x":
            return ("x", self.rec.inputs[c])
        if d == "k":
            return ("k", self.rec.const_slot[c])
        return ("p", d[1])
