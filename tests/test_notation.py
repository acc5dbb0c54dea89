"""The article's names (microgradnet.notation): plain forms, typeset forms, and parsing back."""

from __future__ import annotations

import itertools

import pytest

from microgradnet import notation as N


def test_plain_forms_are_the_articles() -> None:
    assert N.weight(1, 2, 1) == "w^1_{2,1}"
    assert N.bias(1, 2) == "b^1_2"
    assert N.pre_activation(1, 2) == "z^1_2"
    assert N.activation(1, 2) == "o^1_2"
    assert N.activation(0, 3) == "o^0_3"  # the inputs
    assert N.product(1, 2, 1) == "w^1_{2,1}·o^0_1"
    assert N.product(3, 1, 16) == "w^3_{1,16}·o^2_16"
    assert N.weight(12, 10, 3) == "w^12_{10,3}"


def test_typeset_forms_for_pictures() -> None:
    assert N.typeset("w^1_{2,1}") == "w¹₂,₁"
    assert N.typeset("b^1_2") == "b¹₂"
    assert N.typeset("z^3_14") == "z³₁₄"
    assert N.typeset(N.product(1, 2, 1)) == "w¹₂,₁·o⁰₁"
    assert N.typeset("x_1") == "x₁"
    assert N.typeset("my_var") == "my_var"  # not a script: letters after _ without braces
    assert N.typeset("loss") == "loss"


@pytest.mark.parametrize("l,i,j", list(itertools.product([1, 2, 11], [1, 3, 16], [1, 2, 10])))
def test_parse_inverts_every_builder(l: int, i: int, j: int) -> None:
    assert N.parse(N.weight(l, i, j)) == N.Name("w", l, i, j)
    assert N.parse(N.product(l, i, j)) == N.Name("product", l, i, j)
    assert N.parse(N.bias(l, i)) == N.Name("b", l, i, None)
    assert N.parse(N.pre_activation(l, i)) == N.Name("z", l, i, None)
    assert N.parse(N.activation(l, i)) == N.Name("o", l, i, None)
    assert N.parse(N.activation(0, j)) == N.Name("o", 0, j, None)


@pytest.mark.parametrize(
    "label",
    [None, 3, "", "x_1", "w^1_2", "w^0_{1,1}", "b^0_1", "z^1_0", "w^1_{2,1}·o^1_1", "w^2_{1,3}·o^1_2",
     "w^1_{2,1} ", "W^1_{2,1}", "o^1_2·w^1_{2,1}", "w^1_{2,1}*o^0_1", "w^a_{1,1}"],
)
def test_parse_rejects_everything_else(label: object) -> None:
    assert N.parse(label) is None


def test_parse_accepts_braces() -> None:
    assert N.parse("w^{1}_{2,1}") == N.Name("w", 1, 2, 1)
    assert N.parse("b^1_{2}") == N.Name("b", 1, 2, None)
    assert N.parse("w^{2}_{1,3}·o^{1}_{3}") == N.Name("product", 2, 1, 3)


@pytest.mark.parametrize(
    "call,err",
    [(lambda: N.weight(0, 1, 1), ValueError), (lambda: N.bias(1, 0), ValueError),
     (lambda: N.weight(1.0, 1, 1), TypeError), (lambda: N.activation(-1, 1), ValueError),
     (lambda: N.product(1, True, 1), TypeError)],
)
def test_bad_indices_name_the_module(call, err) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(err, match="notation"):
        call()
