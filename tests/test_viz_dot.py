"""draw_dot and trace: what the picture of a computation graph contains.

Expected contents are derived from the graph itself (data, grad, operands) or from an
independent traversal written here, never from draw_dot's own output.
"""

from __future__ import annotations

import html
import random
import re
import time
import warnings
import xml.etree.ElementTree as ET

import graphviz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microgradnet
from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.viz import available_engines, draw_dot, svg, trace
from microgradnet.viz.dot import GRAD_COLORS
from microgradnet.walk import topological_order

SVG_NS = "{http://www.w3.org/2000/svg}"


def lecture_graph() -> tuple[Value, dict[str, Value]]:
    """The micrograd lecture's first example: L = (a*b + c) * f."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return loss, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=loss)


def reachable(root: object) -> set[int]:
    """Independent oracle: the ids of every node reachable through _prev (micrograd's build())."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return seen


def node_blocks(source: str) -> dict[str, str]:
    """DOT node statements by node id (id -> attribute text)."""
    out = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            out[m.group(1)] = m.group(2)
    return out


SUP = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
SUB = dict(zip("0123456789,", "₀₁₂₃₄₅₆₇₈₉,"))


def article(label: str) -> str:
    """How the article's w^ℓ_{i,j} / b^ℓ_i should read in a picture (written out by hand here)."""
    m = re.fullmatch(r"([wb])\^(\d+)_\{?([\d,]+)\}?", label)
    if not m:
        return label
    return m.group(1) + "".join(SUP[c] for c in m.group(2)) + "".join(SUB[c] for c in m.group(3))


def records(source: str) -> dict[str, tuple[str, ...]]:
    """The cells of each Value's table by node id, as text (tags dropped, entities read):
    ``<TABLE><TR><TD>a</TD></TR><TR><TD>b</TD></TR></TABLE>`` reads as ("a", "b")."""
    out = {}
    for uid, attrs in node_blocks(source).items():
        m = re.search(r"label=<(<TABLE.*</TABLE>)>", attrs)
        if m:
            cells = re.findall(r"<TD[^>]*>(.*?)</TD>", m.group(1))
            out[uid] = tuple(html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells)
    return out


def label_of(source: str, value: Value) -> str:
    """The DOT id of the record node whose first field is ``value``'s label."""
    for uid, fields in records(source).items():
        if fields[0] == article(value.label):
            return uid
    raise AssertionError(f"no node labelled {value.label!r}")


def edges_of(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)


def svg_texts(svg_text: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg_text).iter(f"{SVG_NS}text")]


# ---- trace ------------------------------------------------------------------------------------
def test_trace_returns_every_node_once_children_before_parents_root_last():
    loss, _ = lecture_graph()
    nodes, edges = trace(loss)
    assert {id(n) for n in nodes} == reachable(loss)
    assert len(nodes) == len({id(n) for n in nodes})
    position = {id(n): k for k, n in enumerate(nodes)}
    assert nodes[-1] is loss
    for child, parent in edges:
        assert position[id(child)] < position[id(parent)]


def test_trace_edges_follow_operand_order_and_keep_repeated_operands():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    out = (b - a) * (a * a)
    _, edges = trace(out)
    into_sub = [c for c, p in edges if p._op == "-"]
    assert into_sub == [b, a]  # b - a: b first
    into_square = [c for c, p in edges if p._op == "*" and p is not out]
    assert into_square == [a, a]  # a*a has a as both operands


def test_trace_is_iterative_so_a_10000_deep_chain_works():
    x = Value(1.0)
    for _ in range(10_000):
        x = x * 1.0001
    nodes, edges = trace(x)
    assert len(nodes) == 20_001  # each step adds the product and the constant 1.0001
    assert len(edges) == 20_000


def test_trace_draws_micrograds_own_value():
    from micrograd.engine import Value as MValue

    a, b = MValue(2.0), MValue(3.0)
    c = (a * b + a).relu()
    c.backward()
    nodes, edges = trace(c)
    assert {id(n) for n in nodes} == reachable(c)
    assert len(edges) == sum(len(n._prev) for n in nodes)
    source = draw_dot(c).source
    assert "ReLU" in source
    for node in (a, b, c):  # the grads micrograd itself computed
        assert (f"data {node.data:.4f}", f"grad {node.grad:.4f}") in records(source).values()


def test_a_students_hand_typed_class_draws_even_if_unhashable():
    class Node:
        def __init__(self, data, children=(), op=""):
            self.data, self.grad, self._prev, self._op = data, 0.0, list(children), op

        def __eq__(self, other):  # makes the class unhashable, as students' classes often are
            return isinstance(other, Node) and self.data == other.data

        __hash__ = None

    x, y = Node(3.0), Node(4.0)
    z = Node(12.0, (x, y), "*")
    nodes, edges = trace(z)
    assert nodes[-1] is z and len(nodes) == 3 and edges == [(x, z), (y, z)]
    assert "data 12.0000" in draw_dot(z).source


def test_a_list_of_outputs_draws_as_one_picture():
    x = Value(1.5, label="x")
    outs = [x.tanh(), x * 2.0]
    outs[0].label, outs[1].label = "t", "d"
    nodes, _ = trace(outs)
    assert {id(n) for n in nodes} == reachable(outs[0]) | reachable(outs[1])
    assert nodes.count(x) == 1
    source = draw_dot(outs).source
    firsts = [fields[0] for fields in records(source).values()]
    assert "t" in firsts and "d" in firsts and firsts.count("x") == 1


def test_trace_rejects_something_that_is_not_a_value():
    with pytest.raises(TypeError, match="expected a Value"):
        trace(3.0)
    with pytest.raises(TypeError, match="expected a Value"):
        draw_dot("a*b")


# ---- the picture ---------------------------------------------------------------------------
def test_draw_dot_is_a_digraph_with_a_record_per_value_showing_label_data_and_grad():
    loss, v = lecture_graph()
    g = draw_dot(loss)
    assert isinstance(g, graphviz.Digraph)
    assert g.format == "svg" and "rankdir=LR" in g.source  # small enough for micrograd's direction
    for name, node in v.items():
        assert (name, f"data {node.data:.4f}", f"grad {node.grad:.4f}") in records(g.source).values()


def test_each_operation_is_an_oval_fed_by_its_operands_in_operand_order():
    a, b = Value(5.0, label="a"), Value(3.0, label="b")
    out = b - a
    out.label = "out"
    source = draw_dot(out).source
    ida, idb, idout = label_of(source, a), label_of(source, b), label_of(source, out)
    edges = edges_of(source)
    into_op = [t for t, h in edges if h == idout + "op"]
    assert into_op == [idb, ida]
    assert (idout + "op", idout) in edges
    assert 'label="-"' in node_blocks(source)[idout + "op"]


def test_a_neurons_weighted_sum_reads_as_a_formula():
    random.seed(0)
    neuron = microgradnet.nn.Neuron(2, fused=True)  # one n-ary node (the default is micrograd's * and +)
    out = neuron([Value(1.0), Value(2.0)])
    assert "Σ w·x + b" in draw_dot(out).source


def test_redrawing_the_same_computation_gives_identical_dot():
    first = draw_dot(lecture_graph()[0]).source
    second = draw_dot(lecture_graph()[0]).source
    assert first == second
    assert not re.search(r"\b\d{9,}\b", first)  # no id()-style numbers in node names


def test_article_labels_are_shown_with_super_and_subscripts():
    w = Value(0.5, label="w^1_{2,1}")
    b = Value(0.1, label="b^2_3")
    x = Value(2.0, label="x_1")
    plain = Value(1.0, label="my_var")
    source = draw_dot(w * x + b + plain).source
    assert "w¹₂,₁" in source and "b²₃" in source and "x₁" in source
    assert "my_var" in source  # underscores in ordinary names are left alone


def test_tiny_gradients_are_not_shown_as_zero():
    a = Value(1e-7, label="a")
    out = a * 1e-3
    out.backward()
    tiny = Value(1.0, label="t") * 1e-8
    tiny.backward()
    source = draw_dot(out).source
    assert "grad 0.0010" in source  # d out / d a = 1e-3: four decimals are enough
    assert "data 1e-10" in source  # but 1e-10 must not read 0.0000
    assert "grad 1e-8" in draw_dot(tiny).source


labels = st.text(min_size=0, max_size=40)


@pytest.mark.parametrize("engine", available_engines())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=labels, op=st.text(min_size=1, max_size=10))
def test_any_label_text_gives_valid_dot_that_renders_and_shows_the_label(engine, label, op):
    a = Value(1.0, label=label)
    out = Value(2.0, (a,), op, label=label)
    if engine == "wasi":  # it would draw each table as its node's id: refused, naming the fix
        with pytest.raises(microgradnet.viz.GraphvizUnavailable, match="HTML-like labels"):
            svg(draw_dot(out), engine=engine)
        return
    picture = svg(draw_dot(out), engine=engine)
    texts = svg_texts(picture)  # parses: the SVG is well-formed XML
    printable = "".join(ch for ch in label if ch.isprintable())
    if printable == label and label.strip():
        # records trim and merge whitespace; everything else shows exactly as typed
        wanted = " ".join(label.split())
        if "^" not in label and "_" not in label:
            assert wanted in [" ".join(t.split()) for t in texts]


# ---- teaching options ------------------------------------------------------------------------
def fill_of(source: str, uid: str) -> str | None:
    m = re.search(r'BGCOLOR="([^"]+)"', node_blocks(source)[uid])
    return m.group(1) if m else None


def test_color_by_grad_uses_blue_for_positive_red_for_negative_and_a_legend():
    loss, v = lecture_graph()
    source = draw_dot(loss, color="grad").source
    blues = {GRAD_COLORS[k] for k in (1, 2, 3, 4)}
    reds = {GRAD_COLORS[k] for k in (-1, -2, -3, -4)}
    for node in v.values():
        fill = fill_of(source, label_of(source, node))
        assert fill in (blues if node.grad > 0 else reds if node.grad < 0 else {GRAD_COLORS[0]})
    # larger |grad| is at least as dark: a (|6|) vs L (|1|) both positive
    order = [GRAD_COLORS[k] for k in (1, 2, 3, 4)]
    assert order.index(fill_of(source, label_of(source, v["a"]))) >= order.index(
        fill_of(source, label_of(source, v["L"]))
    )
    legend = re.search(r"label=<(.*)>", source, flags=re.S)
    assert legend and "grad colour" in legend.group(1)
    swatches = re.findall(r'bgcolor="(#[0-9a-f]{6})"', legend.group(1))
    assert swatches == [GRAD_COLORS[k] for k in (-4, -3, -2, -1, 0, 1, 2, 3, 4)]  # one row, red to blue


def test_worksheet_hides_gradients_except_the_roots_and_the_answer_key_shows_them():
    loss, v = lecture_graph()
    sheet = draw_dot(loss, hide="grad").source
    key = draw_dot(loss, hide="grad", answer_key=True).source
    sheet_fields, key_fields = records(sheet).values(), records(key).values()
    for name, node in v.items():
        answer = f"grad {node.grad:.4f}"
        if node is loss:
            assert answer in sheet  # the starting point dL/dL = 1 is given
        else:
            assert (name, f"data {node.data:.4f}", answer) not in sheet_fields
            assert any(f[:2] == (name, f"data {node.data:.4f}") and f[2].startswith("grad ___")
                       for f in sheet_fields)
        assert (name, f"data {node.data:.4f}", answer) in key_fields
    assert "Fill in the gradients" in sheet and "Answer key" in key
    assert sorted(node_blocks(sheet)) == sorted(node_blocks(key))  # same nodes, same layout
    assert edges_of(sheet) == edges_of(key)


def test_colouring_the_hidden_gradients_is_refused():
    with pytest.raises(ValueError, match="give away"):
        draw_dot(lecture_graph()[0], color="grad", hide="grad")


def test_numbers_follow_the_order_in_which_backward_applies_each_operation():
    loss, _ = lecture_graph()
    source = draw_dot(loss, number=True).source
    applied = list(reversed(topological_order(loss, leaves=False)))  # backward()'s own order
    for step, node in enumerate(applied, start=1):
        op_node = label_of(source, node) + "op"
        assert f'label="{step}: {node._op}"' in node_blocks(source)[op_node]


def test_bad_options_give_clear_errors():
    loss, _ = lecture_graph()
    with pytest.raises(ValueError, match="hide="):
        draw_dot(loss, hide="everything")
    with pytest.raises(ValueError, match="color="):
        draw_dot(loss, color="rainbow")
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(loss, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(loss, max_nodes=0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(loss, max_nodes=True)
    with pytest.raises(ValueError, match="precision must be"):
        draw_dot(loss, precision=-1)
    with pytest.raises(TypeError, match="precision must be"):
        draw_dot(loss, precision="a")


def cluster_members(source: str) -> dict[str, set[str]]:
    """cluster name -> ids of the nodes declared inside it (nested clusters included)."""
    members: dict[str, set[str]] = {}
    open_clusters: list[str] = []
    for line in source.splitlines():
        m = re.match(r"\s*subgraph (\w+) \{", line)
        if m:
            open_clusters.append(m.group(1))
            members.setdefault(m.group(1), set())
            continue
        if line.strip() == "}" and open_clusters:
            open_clusters.pop()
            continue
        m = re.match(r"\s*(\w+) \[", line)
        if m and open_clusters and m.group(1) not in ("graph", "node", "edge"):
            for name in open_clusters:
                members[name].add(m.group(1))
    return members


def test_an_mlp_graph_gets_a_box_per_neuron_inside_a_box_per_layer():
    random.seed(1)
    model = MLP(2, [3, 1], fused=True)
    out = model([Value(0.5, label="x_1"), Value(-1.0, label="x_2")])
    out.backward()
    source = draw_dot(out).source
    members = cluster_members(source)
    for ell, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            box = f"cluster_layer{ell}_neuron{i}"
            assert f'label="neuron {i} of layer {ell}"' in source
            for p in neuron.parameters():
                assert label_of(source, p) in members[box]
                assert label_of(source, p) in members[f"cluster_layer{ell}"]
    inputs = [n for n in trace(out)[0] if n.label in ("x_1", "x_2")]
    for x in inputs:
        uid = next(u for u, a in node_blocks(source).items() if f"data {x.data:.4f}" in a and "x" in a)
        assert not any(uid in m for m in members.values())  # shared inputs belong to no neuron
    assert "cluster_layer1" not in draw_dot(out, clusters=False).source


def training_graph(points: int, fused: bool = False) -> tuple[Value, MLP]:
    """A hinge-loss training graph: MLP(2, [16, 16, 1]) on ``points`` samples (``fused``: one
    n-ary node per neuron, about 70 Values per sample instead of 650)."""
    rng = random.Random(0)
    model = MLP(2, [16, 16, 1], rng=rng, fused=fused)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(points)]
    Y = [1.0 if x[0] * x[1] > 0 else -1.0 for x in X]
    losses = [(1 + -y * model(x)).relu() for x, y in zip(X, Y)]
    loss = sum(losses) * (1.0 / points)
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_a_60000_node_training_graph_warns_and_collapses_quickly_instead_of_hanging():
    loss, model = training_graph(850, fused=True)
    assert len(trace(loss)[0]) > 60_000
    start = time.perf_counter()
    with pytest.warns(UserWarning, match=r"more than max_nodes=500.*collapsed view"):
        g = draw_dot(loss)
    picture = svg(g)
    # a hang (Graphviz on 60,000 nodes) takes many minutes; ~2 s is typical, the bound is slack
    assert time.perf_counter() - start < 30.0
    assert len(node_blocks(g.source)) < 60  # one box per neuron, a few for the rest
    for ell, layer in enumerate(model.layers, start=1):
        for i in range(1, len(layer.neurons) + 1):
            assert f"neuron {i} of layer {ell}" in picture
    assert "loss" in picture


def test_long_edges_that_would_stall_graphviz_also_give_a_collapsed_view():
    x = Value(0.5, label="x")
    y = x
    for _ in range(130):  # x is read again at every step: edges from x span the whole graph
        y = (y * x + x).tanh()
    y.backward()
    assert len(trace(y)[0]) < 500  # few nodes: max_nodes alone would not catch it
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="long edges"):
        g = draw_dot(y)
    picture = svg(g)
    assert time.perf_counter() - start < 30.0  # uncollapsed, system dot ran > 10 minutes
    assert "tanh" in picture and "130 Values" in picture  # one box per operation, with counts


def test_the_collapsed_view_can_be_asked_for_per_layer():
    loss, model = training_graph(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for explicitly: no warning
        g = draw_dot(loss, collapse="layer")
    source = g.source
    assert "neuron 1 of layer 1" not in source
    for ell in range(1, len(model.layers) + 1):
        assert f"layer {ell}" in source
    assert f"{len(model.layers[1].neurons)} neurons" in source


# not wasi: the neuron boxes are HTML-like labels (larger indices), which wasi cannot draw
@pytest.mark.parametrize("engine", [e for e in available_engines() if e != "wasi"])
def test_collapsed_neuron_boxes_are_drawn_in_order_neuron_1_on_top(engine):
    loss, _ = training_graph(5)
    root = ET.fromstring(svg(draw_dot(loss, collapse="neuron"), engine=engine))
    heights = {}
    for t in root.iter(f"{SVG_NS}text"):
        m = re.fullmatch(r"neuron (\d+) of layer 2", t.text or "")
        if m:
            heights[int(m.group(1))] = float(t.get("y"))
    assert sorted(heights) == list(range(1, 17))
    assert [heights[i] for i in range(1, 17)] == sorted(heights.values())  # SVG y grows downwards


def test_max_nodes_none_draws_every_node():
    loss, _ = training_graph(2)
    nodes, _ = trace(loss)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = draw_dot(loss, max_nodes=None).source
    assert not [w for w in caught if "collapsed" in str(w.message)]
    assert sum(1 for a in node_blocks(source).values() if "data " in a) == len(nodes)


def test_top_level_draw_dot_is_the_same_function():
    assert microgradnet.draw_dot is draw_dot and microgradnet.trace is trace


# ---- worksheets, layout and the medium ----------------------------------------------------------
def test_a_forward_worksheet_keeps_the_inputs_and_blanks_every_computed_value():
    loss, v = lecture_graph()
    fields = records(draw_dot(loss, hide="data").source)
    by_name = {f[0]: f for f in fields.values()}
    for name, node in v.items():
        data = by_name[name][1]
        if node._prev:
            assert data.startswith("data ___"), f"{name} is computed: left blank"
        else:
            assert data == f"data {node.data:.4f}", f"{name} is an input: given"


def test_worksheet_titles_say_what_is_blank():
    loss, _ = lecture_graph()
    assert "Fill in the gradients" in draw_dot(loss, hide="grad").source
    both = draw_dot(loss, hide=["data", "grad"]).source
    assert "Fill in the values, then the gradients" in both and "Fill in the gradients" not in both
    assert "Fill in the values (forward pass)" in draw_dot(loss, hide="data").source


def test_a_worksheets_tooltips_do_not_give_the_answers_away():
    loss, v = lecture_graph()
    sheet = draw_dot(loss, hide="grad").source
    for name, node in v.items():
        if node is not loss and node.grad != 0:
            assert f"grad = {node.grad!r}" not in sheet, name
    assert f"grad = {v['a'].grad!r}" in draw_dot(loss).source  # an ordinary picture has them


def test_fields_and_compact_numbers():
    loss, v = lecture_graph()
    fields = records(draw_dot(loss, fields=("data",), compact=True).source).values()
    assert ("a", "data 2") in fields and ("e", "data -6") in fields
    assert not any(f.startswith("grad") for rec in fields for f in rec)
    with pytest.raises(ValueError, match="fields"):
        draw_dot(loss, fields=("value",))


def test_the_colour_legend_is_one_line_under_the_picture_not_a_column():
    loss, _ = lecture_graph()
    plain = ET.fromstring(svg(draw_dot(loss, rankdir="LR")))
    coloured = ET.fromstring(svg(draw_dot(loss, rankdir="LR", color="grad")))

    def height(root: ET.Element) -> float:
        return float(root.get("height").removesuffix("pt"))

    # the legend adds one line of swatches (about 30 pt), not a column of nine (the old 1.7x)
    assert height(coloured) <= height(plain) + 45


def test_fontsize_sets_the_size_of_every_nodes_text():
    loss, _ = lecture_graph()
    root = ET.fromstring(svg(draw_dot(loss, fontsize=20)))
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG_NS}text")}
    assert sizes == {20.0}
    with pytest.raises(ValueError, match="fontsize"):
        draw_dot(loss, fontsize=0)


def test_auto_direction_keeps_the_lectures_neuron_left_to_right_and_turns_an_mlp_loss_top_to_bottom():
    from microgradnet.examples import lecture_neuron

    neuron = draw_dot(lecture_neuron())
    assert neuron.graph_attr["rankdir"] == "LR" and neuron.note is None
    random.seed(1)
    model = MLP(2, [3, 1])
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    g = draw_dot(loss)
    assert g.graph_attr["rankdir"] == "TB"
    assert "top to bottom" in g.note  # and it says so under the picture
    assert not g.display().scrolls and g.display().text >= 12
    assert g.note in g._repr_mimebundle_()["text/html"]
    assert draw_dot(loss, rankdir="LR").graph_attr["rankdir"] == "LR"  # asked for: kept


def bezier_points(d: str) -> list[tuple[float, float]]:
    """Points along an SVG path of cubic Béziers ('M x,y C x,y x,y x,y ...'), 20 per segment."""
    numbers = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", d)]
    out = [numbers[0]]
    for k in range(1, len(numbers) - 2, 3):
        p0, p1, p2, p3 = numbers[k - 1], numbers[k], numbers[k + 1], numbers[k + 2]
        for s in range(1, 21):
            t = s / 20
            out.append(tuple(
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c + t**3 * e
                for a, b, c, e in zip(p0, p1, p2, p3)
            ))
    return out


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_no_edge_runs_over_a_neuron_or_layer_title(rankdir):
    random.seed(1)
    model = MLP(2, [3, 1], fused=True)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    root = ET.fromstring(svg(draw_dot(loss, rankdir=rankdir)))
    titles = []
    for t in root.iter(f"{SVG_NS}text"):
        if re.fullmatch(r"(neuron \d+ of )?layer \d+", t.text or ""):
            size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            half = len(t.text) * 0.3 * size  # generous: 0.6 em a character
            titles.append((t.text, x - half, x + half, y - size, y + 0.25 * size))
    assert len(titles) == 3 + 1 + 2  # each neuron and each layer is named
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") != "edge":
            continue
        for path in g.iter(f"{SVG_NS}path"):
            for px, py in bezier_points(path.get("d")):
                for text, x0, x1, y0, y1 in titles:
                    assert not (x0 <= px <= x1 and y0 <= py <= y1), f"an edge runs over {text!r}"


def test_scale_shows_a_small_graph_larger_in_the_notebook():
    loss, _ = lecture_graph()
    g = draw_dot(loss, scale=1.5)
    natural = ET.fromstring(svg(draw_dot(loss)))
    html = g._repr_mimebundle_()["text/html"]
    shown = float(re.search(r'<svg width="([\d.]+)px"', html).group(1))
    assert shown == pytest.approx(float(natural.get("width").removesuffix("pt")) * 4 / 3 * 1.5, abs=1)
    with pytest.raises(ValueError, match="scale"):
        draw_dot(loss, scale=-1)
