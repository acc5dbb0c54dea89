"""The step-through page's content: backward() replayed one chain-rule update at a time."""

from __future__ import annotations

import json
import math
import os
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnet import Value
from microgradnet.engine import value_sum
from microgradnet.nn import MLP
from microgradnet.notation import number as fmt
from microgradnet.viz.step_through import step_through, to_html
from microgradnet.walk import topological_order
from tests.graphs import lecture_expression
from tests.graphs import lecture_neuron_and_leaves as lecture_neuron
from tests.oracles import central_difference, close


def at_least(n: int) -> int:
    """This many examples, or more under a bigger profile (HYPOTHESIS_PROFILE=fuzz)."""
    return max(n, settings.default.max_examples)


def final_grads(root: Value) -> dict[Value, float]:
    grads = {root: 1.0}
    for s in step_through(root):
        grads[s.child] = s.after
    return grads


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="mgn-data">(.*?)</script>', text, re.S)
    assert match, "the page embeds its data"
    return json.loads(match.group(1))


# ---- step_through -----------------------------------------------------------------------
def test_the_last_step_leaves_every_grad_equal_to_backward():
    root, _ = lecture_neuron()
    replayed = final_grads(root)
    root.backward()
    for v in topological_order(root):
        assert replayed.get(v, 0.0) == v.grad, v.label


def test_step_through_does_not_touch_the_values_grads():
    root, leaves = lecture_neuron()
    step_through(root)
    assert all(v.grad == 0.0 for v in topological_order(root))


def test_steps_follow_backwards_order_and_each_adds_local_times_the_nodes_grad():
    nodes = lecture_expression()
    root = nodes["L"]
    steps = step_through(root)
    order = [v for v in reversed(topological_order(root, leaves=False))]
    seen_nodes = []
    for s in steps:
        if not seen_nodes or seen_nodes[-1] is not s.node:
            seen_nodes.append(s.node)
    assert seen_nodes == order
    grads = {root: 1.0}
    for s in steps:
        assert s.local == s.node._local_grads[s.node._prev.index(s.child)]
        assert s.before == grads.get(s.child, 0.0)
        assert s.after == s.before + s.local * grads[s.node]
        grads[s.child] = s.after


def test_the_lecture_expressions_grads_match_finite_differences():
    """An independent oracle: L = (a*b + c)*f differentiated numerically."""
    nodes = lecture_expression()
    grads = final_grads(nodes["L"])
    numeric = central_difference(lambda v: (v[0] * v[1] + v[2]) * v[3], [2.0, -3.0, 10.0, -2.0])
    for name, expected in zip("abcf", numeric):
        assert close(grads[nodes[name]], expected)


def test_a_value_used_twice_accumulates_its_grad_across_steps():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    c = b + a
    c.label = "c"
    steps = [s for s in step_through(c) if s.child is a]
    assert len(steps) == 3  # once from c = b + a, twice from b = a * a
    assert steps[-1].after == 2 * 3.0 + 1
    assert steps[1].before == steps[0].after


ops = st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "relu", "**2", "exp", "sum"])


@settings(max_examples=at_least(40))
@given(st.lists(st.tuples(ops, st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=25),
       st.lists(st.floats(-2, 2), min_size=1, max_size=4))
def test_any_graph_replays_to_exactly_backwards_grads(program, inputs):
    """Random graphs with shared sub-expressions: the replay ends where backward() ends."""
    pool = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        try:
            if op in "+-*":
                out = a + b if op == "+" else a - b if op == "-" else a * b
            elif op == "**2":
                out = a**2
            elif op == "sum":
                out = value_sum([a, b, a])
            else:
                out = getattr(a, op)()
        except OverflowError:  # exp of a large number: not this test's subject
            continue
        pool.append(out)
    root = pool[-1]
    replayed = final_grads(root)
    root.backward()
    for v in topological_order(root):
        assert replayed.get(v, 0.0) == v.grad


def test_a_hand_built_node_without_local_derivatives_is_a_clear_error():
    a = Value(1.0)
    odd = Value(2.0, (a,), "custom")
    with pytest.raises(ValueError, match="by hand"):
        step_through(odd)


def test_a_non_value_is_a_type_error():
    with pytest.raises(TypeError):
        step_through(3.0)  # type: ignore[arg-type]


# ---- the page -----------------------------------------------------------------------------
def test_the_page_prints_the_lectures_arithmetic(tmp_path):
    """a.grad += e.grad × b.data = (-2)(-3) = 6: the course's rule with the numbers filled in."""
    nodes = lecture_expression()
    data = page_data(to_html(nodes["L"], tmp_path / "L.html"))
    lines = [f"{u['formula']} {u['numbers']}" for s in data["steps"] for u in s["updates"]]
    assert "a.grad += e.grad × b.data = (-2)(-3) = 6" in lines
    assert "f.grad += L.grad × d.data = (1)(4) = 4" in lines
    assert "c.grad += d.grad × 1 = (-2)(1) = -2" in lines


def test_the_page_starts_with_only_the_roots_grad_set_and_ends_at_backwards(tmp_path):
    root, _ = lecture_neuron()
    data = page_data(to_html(root, tmp_path / "n.html"))
    nodes = topological_order(root)
    start = {i: n["grad"] for i, n in enumerate(data["nodes"])}
    assert start[data["root"]] == ["1", "1.0"]  # shown, and in full (repr) on hover
    assert all(g == ["0", "0.0"] for i, g in start.items() if i != data["root"])
    shown = dict(start)
    for s in data["steps"]:
        for u in s["updates"]:
            assert shown[u["child"]] == u["before"]
            shown[u["child"]] = u["after"]
    root.backward()
    for i, v in enumerate(nodes):
        assert float(shown[i][1]) == v.grad and shown[i][0] == fmt(v.grad)
        assert data["nodes"][i]["label"] == v.label


def test_the_page_is_one_self_contained_file(tmp_path):
    root, _ = lecture_neuron()
    path = to_html(root, tmp_path / "page.html", title="My neuron")
    text = path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temp files, no assets
    assert "<title>My neuron</title>" in text
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)
    assert set(re.findall(r"https?://[^\s\"')]+", text)) == {"http://www.w3.org/2000/svg"}  # a namespace


def test_hostile_labels_are_escaped_in_the_page(tmp_path):
    evil = "</script><script>alert(1)</script><!--"
    a = Value(1.0, label=evil)
    b = Value(2.0, label="{{JS}} & <b>")
    c = a * b
    c.label = "x\u2028y"
    path = to_html(c, tmp_path / "evil.html", title="<script>alert(2)</script>")
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<b>" not in text
    assert text.count("</script>") == 2  # the data block and the program
    labels = {n["label"] for n in page_data(path)["nodes"]}
    assert {evil, "{{JS}} & <b>", "x\u2028y"} <= labels


def test_writing_replaces_an_old_page_atomically(tmp_path, monkeypatch):
    root, _ = lecture_neuron()
    target = tmp_path / "page.html"
    target.write_text("old page")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        to_html(root, target)
    assert target.read_text() == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    monkeypatch.undo()
    to_html(root, target)
    assert "old page" not in target.read_text()


def test_a_graph_beyond_max_nodes_is_refused_with_a_clear_message(tmp_path):
    random.seed(0)
    model = MLP(3, [8, 8, 1])
    out = model([1.0, 2.0, 3.0])
    size = len(topological_order(out))
    with pytest.raises(ValueError, match=f"{size} nodes"):
        to_html(out, tmp_path / "big.html", max_nodes=size - 1)
    assert not (tmp_path / "big.html").exists()
    to_html(out, tmp_path / "big.html", max_nodes=size)


def test_an_mlp_page_lays_out_every_node_without_overlaps(tmp_path):
    random.seed(1)
    model = MLP(3, [6, 6, 1])
    samples = [([1.0, -1.0, 0.5], 1.0), ([0.2, 0.3, -0.7], -1.0)]
    loss = sum(((model(x) - y) ** 2 for x, y in samples), Value(0.0))
    data = page_data(to_html(loss, tmp_path / "mlp.html"))
    h = data["geometry"]["boxH"]
    boxes = [(n["x"], n["y"], n["x"] + sum(n["fields"]), n["y"] + h) for n in data["nodes"]]
    W, H = data["width"], data["height"]
    assert all(0 <= x0 and x1 <= W and 0 <= y0 and y1 <= H for x0, y0, x1, y1 in boxes)
    for i, (ax0, ay0, ax1, ay1) in enumerate(boxes):
        for bx0, by0, bx1, by1 in boxes[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, "two node boxes overlap"
    parent_x = {}
    for child, parent, _ in data["edges"]:
        parent_x.setdefault(child, []).append(data["nodes"][parent]["x"])
    for child, xs in parent_x.items():  # inputs on the left, the output on the right
        assert all(data["nodes"][child]["x"] < x for x in xs)


@pytest.mark.parametrize("x", [0.0, 2.0, -1.5, 0.70710678, 1e-7, 123456789.0, float("inf"), float("nan")])
def test_numbers_are_shown_briefly_and_read_back_close_to_their_value(x):
    text = fmt(x)
    assert len(text) <= 11
    if x == x and abs(x) != float("inf"):
        assert close(float(text), x, rel=1e-3, abs_=1e-4)
    else:
        assert text in ("inf", "nan")


# ---- the forward pass, step by step -------------------------------------------------------
def float_forward(v: Value, values: dict[Value, float]) -> float:
    """An independent oracle for the forward values: each op recomputed with Python floats."""
    k = [values[c] for c in v._prev]
    op = v._op
    if op == "+":
        return k[0] + k[1]
    if op == "-":
        return k[0] - k[1]
    if op == "*":
        return k[0] * k[1]
    if op == "tanh":
        return math.tanh(k[0])
    if op.startswith("**"):
        return k[0] ** float(op[2:])
    if op == "dot":  # (b, w1..wn, x1..xn)
        n = (len(k) - 1) // 2
        total = k[0]
        for j in range(1, n + 1):
            total += k[j] * k[j + n]
        return total
    raise AssertionError(f"the oracle does not know op {op!r}")


def scalar_mlp_loss() -> Value:
    """A 2-3-1 MLP's squared error, with the default (scalar) neuron graph."""
    model = MLP(2, [3, 1], act="tanh", rng=random.Random(1337))
    y_hat = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    diff = y_hat - Value(1.0, label="y")
    diff.label = "d"
    return diff**2


def test_the_forward_pass_prints_the_lectures_formula_with_numbers(tmp_path):
    root, _ = lecture_neuron()
    data = page_data(to_html(root, tmp_path / "n.html"))
    lines = [f"{f['formula']} {f['numbers']}" for f in data["forward"]]
    assert lines[-1] == "o = tanh(n) = tanh(0.8814) = 0.7071"
    assert lines[0] == "#5 = x1 · w1 = 2 · (-3) = -6"  # draw_dot(number=True) numbers it 5
    assert "n = #3 + b = (-6) + 6.881 = 0.8814" in lines


@pytest.mark.parametrize("build", ["neuron", "mlp"])
def test_forward_steps_visit_every_operation_children_first_with_the_engines_values(tmp_path, build):
    root = lecture_neuron()[0] if build == "neuron" else scalar_mlp_loss()
    nodes = topological_order(root)
    data = page_data(to_html(root, tmp_path / "p.html"))
    ops = [i for i, v in enumerate(nodes) if v._prev]
    assert [f["node"] for f in data["forward"]] == ops  # one step per operation: one scalar each
    known = {v: v.data for v in nodes if not v._prev}
    for f in data["forward"]:
        v = nodes[f["node"]]
        assert all(c in known for c in v._prev), "a node is computed before one of its children"
        expected = float_forward(v, known)
        assert close(float(f["value"][1]), expected, rel=1e-12, abs_=1e-12)
        assert f["value"] == [fmt(v.data), repr(v.data)] and f["numbers"].endswith(f"= {fmt(v.data)}")
        known[v] = v.data
        assert sorted({nodes.index(c) for c in v._prev}) == f["children"]
        filled_in = f["numbers"].rsplit(" = ", 1)[0]  # the operands' numbers, before the result
        assert all(fmt(c.data) in filled_in for c in v._prev), f["numbers"]
    # the leaves are shown from the start; every operation waits for its step
    assert all(n["leaf"] == (not nodes[i]._prev) for i, n in enumerate(data["nodes"]))


def test_a_fused_neuron_node_fills_in_every_product(tmp_path):
    from microgradnet.engine import weighted_sum

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    z = weighted_sum([w1, w2], [x1, x2], b)
    z.label = "z"
    data = page_data(to_html(z, tmp_path / "z.html"))
    (row,) = data["forward"]
    line = f"{row['formula']} {row['numbers']}"
    assert line == "z = b + w1·x1 + w2·x2 = 6.881 + (-3)·2 + 1·0 = 0.8814"
    (step,) = data["steps"]
    assert len(step["updates"]) == 5  # one click updates the bias, both weights and both inputs


def test_the_filled_in_formula_comes_from_the_same_rule_text(tmp_path, monkeypatch):
    """One op-specific formatter: the numbers version is the table's describe_forward fed
    numbers instead of names."""
    import microgradnet.viz.step_through as page

    root, _ = lecture_neuron()
    def stub(node, names):
        return f"{names[node]} = F⟨{', '.join(names[c] for c in node._prev)}⟩"

    monkeypatch.setattr(page._ops, "describe_forward", stub)
    data = page_data(to_html(root, tmp_path / "n.html"))
    assert data["forward"][-1]["formula"] == "o = F⟨n⟩"
    assert data["forward"][-1]["numbers"] == "= F⟨0.8814⟩ = 0.7071"


def test_forward_false_gives_the_backward_pass_alone(tmp_path):
    root, _ = lecture_neuron()
    data = page_data(to_html(root, tmp_path / "n.html", forward=False))
    assert data["forward"] == [] and len(data["steps"]) == 5
    with pytest.raises(TypeError, match="forward"):
        to_html(root, tmp_path / "x.html", forward="yes")  # type: ignore[arg-type]


# ---- names: the same as draw_dot(number=True) ---------------------------------------------
def draw_dot_numbers(root: Value) -> dict[Value, int]:
    """What draw_dot(number=True) writes on each operation ('3: +'), read from its DOT source."""
    from microgradnet.viz.dot import draw_dot, trace

    nodes, _ = trace(root)
    source = draw_dot(root, number=True, max_nodes=None).source
    found = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r'\bv(\d+)op \[label="(\d+): ', source)}
    return {nodes[i]: k for i, k in found.items()}


def draw_dot_names(root: Value) -> dict[Value, str]:
    """The name draw_dot writes in each Value's table (its first cell, unless that is a number)."""
    import html

    from microgradnet.viz.dot import draw_dot, trace

    nodes, _ = trace(root)
    source = draw_dot(root, max_nodes=None, clusters=False).source
    out = {}
    for m in re.finditer(r"\bv(\d+) \[label=<<TABLE[^>]*><TR><TD>(.*?)</TD>", source):
        text = html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        if not text.startswith(("data ", "grad ")):
            out[nodes[int(m.group(1))]] = text
    return out


@pytest.mark.parametrize("build", ["neuron", "mlp"])
def test_unlabelled_nodes_have_draw_dots_numbers_and_constants_their_value(tmp_path, build):
    if build == "neuron":
        x = Value(3.0, label="x")
        root = ((x * 2.0).tanh() + x) * Value(-0.5)  # two unlabelled constants, no labels inside
    else:
        root = scalar_mlp_loss()
    nodes = topological_order(root)
    numbers = draw_dot_numbers(root)
    named = draw_dot_names(root)  # a neuron's partial sums: z¹₁ (j≤1), as the article would
    assert numbers, "draw_dot numbered nothing"
    assert (build == "mlp") == any("(j≤" in name for v, name in named.items() if not v.label)
    data = page_data(to_html(root, tmp_path / "p.html"))
    checked = 0
    for v, row in zip(nodes, data["nodes"]):
        if v.label:
            continue
        if v in named:
            assert row["name"] == f"({named[v]})" and row["text"] == named[v]
        elif v._prev:
            assert row["name"] == f"#{numbers[v]}" and row["text"] == f"#{numbers[v]}"
        else:
            assert row["name"] == f"({fmt(v.data)})"
        checked += 1
    assert checked >= 3
    # the page's backward steps are draw_dot's numbers, in order
    assert [numbers[nodes[s["node"]]] for s in data["steps"]] == list(range(1, len(data["steps"]) + 1))
