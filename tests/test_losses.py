"""The loss registry (microgradnet.losses): each loss's float value, its hand-written Equation 9,
its Value graph, its targets, output counts and accuracy rule, declared once and consistent.

Oracles: central finite differences of the float loss, backward() through the Value graph (which
the registry builds from functional, independently of the hand-written derivative), and each
loss's definition written out in the test.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import central_difference, close

from microgradnet import Value, losses
from microgradnet import equations as E


def by_definition(name, yhat, t):
    """Each loss from its textbook definition, on a target as the registry normalises it."""
    if name == "cross_entropy":
        return -math.log(math.exp(yhat[t]) / sum(math.exp(v) for v in yhat))
    if name == "mse":
        return sum((a - b) ** 2 for a, b in zip(yhat, t)) / len(yhat)
    if name == "bce":
        p = 1 / (1 + math.exp(-yhat[0]))
        return -(t * math.log(p) + (1 - t) * math.log(1 - p))
    return max(0.0, 1 - t * yhat[0])


@st.composite
def cases(draw):
    name = draw(st.sampled_from(list(losses.LOSSES)))
    spec = losses.get(name)
    n = 1 if spec.one_output else draw(st.integers(2, 4))
    yhat = draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n))
    if name == "cross_entropy":
        label = draw(st.integers(0, n - 1))
    elif name == "mse":
        label = draw(st.one_of(st.integers(0, n - 1), st.lists(st.floats(-2, 2), min_size=n, max_size=n)))
    elif name == "bce":
        label = draw(st.sampled_from([0, 1, -1, 0.25, 0.7]))
    else:
        label = draw(st.sampled_from([0, 1, -1]))
        if abs(1 - (1 if label == 1 else -1) * yhat[0]) < 1e-3:
            yhat[0] += 0.01  # the hinge's kink has no derivative
    return spec, yhat, label


@given(cases())
def test_value_equation9_and_the_value_graph_agree(case):
    spec, yhat, label = case
    t = spec.target(label, len(yhat))
    e = spec.value(yhat, label)
    assert e == pytest.approx(by_definition(spec.name, yhat, t), rel=1e-9, abs=1e-12)
    g = spec.equation9(yhat, label)
    fd = central_difference(lambda v: spec.value(v, label), yhat)
    assert all(close(a, b) for a, b in zip(g, fd)), (spec.name, g, fd)
    leaves = [Value(v) for v in yhat]
    graph = spec.on_values(leaves, t)
    graph.backward()
    assert graph.data == pytest.approx(e, rel=1e-12, abs=1e-15)
    assert [v.grad for v in leaves] == pytest.approx(g, rel=1e-9, abs=1e-12)


def test_targets_count_classes_from_0_and_accept_minus_one_plus_one_for_two_classes():
    hinge, bce, ce, mse = (losses.get(n) for n in ("hinge", "bce", "cross_entropy", "mse"))
    assert hinge.targets([0, 1, -1, 1]) == [-1, 1, -1, 1]
    assert bce.targets([0, 1, -1]) == [0, 1, 0] and bce.target(0.25) == 0.25
    assert ce.targets([0, 2, 1], 3) == [0, 2, 1]
    assert mse.target(2, 3) == (0.0, 0.0, 1.0)  # with several outputs a class is its one-hot vector
    assert mse.target(0.5, 1) == (0.5,) and mse.target([1, 2], 2) == (1.0, 2.0)


@pytest.mark.parametrize(
    "name, label, n_out, error, words",
    [
        ("cross_entropy", 3, 3, ValueError, "between 0 and 2 (counted from 0"),
        ("cross_entropy", -1, 3, ValueError, "counted from 0"),
        ("cross_entropy", 1.0, 3, TypeError, "class number 0..2"),
        ("cross_entropy", 0, 1, ValueError, "one output per class"),
        ("hinge", 2, 1, ValueError, "two classes"),
        ("hinge", 0, 3, ValueError, "needs a model with one output, this one has 3"),
        ("bce", 1.5, 1, ValueError, "between 0 and 1"),
        ("bce", 2, 1, ValueError, "cross_entropy"),
        ("mse", 0.5, 2, ValueError, "2 numbers (one per output) or a class 0..1"),
        ("mse", [1.0], 2, ValueError, "2 number(s), one per output"),
        ("mse", float("nan"), 1, ValueError, "finite"),
        ("mse", None, 1, TypeError, "mse target"),
    ],
)
def test_bad_targets_are_named(name, label, n_out, error, words):
    with pytest.raises(error, match=re.escape(words)):
        losses.get(name).target(label, n_out)


def test_output_counts_and_the_default_loss():
    assert [losses.get(n).n_outputs(2) for n in ("hinge", "bce", "cross_entropy", "mse")] == [1, 1, 2, 1]
    assert losses.get("cross_entropy").n_outputs(4) == 4 and losses.get("mse").n_outputs(4) == 4
    with pytest.raises(ValueError, match="for two classes, this data has 3"):
        losses.get("hinge").n_outputs(3)
    assert losses.default_loss(2) == "hinge" and losses.default_loss(5) == "cross_entropy"


def test_accuracy_rules():
    assert losses.get("hinge").decision([0, 1]).predict(Value(0.3)) == 1
    assert losses.get("hinge").decision([-1, 1]).predict(-0.3) == -1
    rule = losses.get("mse").decision([0, 1, 1])
    assert rule.threshold == 0.5 and rule.predict(0.4) == 0 and rule.predict(0.6) == 1
    assert losses.get("mse").decision([-1, 1]).threshold == 0.0
    assert losses.get("cross_entropy").decision([0, 1, 2]).predict([0.1, 2.0, -1.0]) == 1


def test_names_aliases_and_unknown_names():
    assert losses.get("nll") is losses.get("cross_entropy")
    assert losses.get("binary_cross_entropy") is losses.get("bce")
    assert set(losses.names()) == {"hinge", "cross_entropy", "bce", "mse"}
    assert {"nll", "binary_cross_entropy"} <= set(losses.names(aliases=True))
    with pytest.raises(ValueError, match="unknown loss 'l1'; choose one of hinge, cross_entropy, bce, mse"):
        losses.get("l1")


def test_equations_and_the_cli_read_the_same_table():
    from microgradnet.cli import train as cli_train

    assert set(E.LOSSES) == {"nll", "mse", "bce", "hinge"}
    assert all(E.LOSSES[n] is losses.get(n) for n in E.LOSSES)
    assert E.LOSSES["nll"].equation9_text == "softmax(ŷ)_i − 1[i=c+1]"
    assert not hasattr(cli_train, "LOSSES")  # the command keeps no list of its own
