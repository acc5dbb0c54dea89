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


def test_partial_sums_are_named_after_the_z_they_lead_to() -> None:
    assert N.partial_sum(1, 2, 1) == "z^1_2 (j≤1)"
    assert N.typeset(N.partial_sum(2, 12, 3)) == "z²₁₂ (j≤3)"
    assert N.parse(N.partial_sum(2, 12, 3)) == N.Name("partial", 2, 12, 3)
    assert N.parse("z^1_2 (j≤0)") is None and N.parse("z^1_2 (j<1)") is None
    with pytest.raises(ValueError, match="notation"):
        N.partial_sum(1, 1, 0)


@pytest.mark.parametrize(
    "x,text",
    [(0.70710678, "0.7071"), (-1.5, "-1.5"), (2.0, "2"), (6.8813735870195432, "6.881"), (0.0, "0"),
     (-0.0, "0"), (-8.167343707664226e-06, "-8.167e-6"), (1.5e7, "1.5e7"), (12345.6, "12350"),
     (999999.7, "1e6"), (1e-4, "0.0001"), (9.99949e-5, "9.999e-5"), (-0.00012345, "-0.0001234"),
     (float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"), (3, "3"), ("n/a", "n/a")],
)
def test_number_gives_four_significant_digits(x: object, text: str) -> None:
    assert N.number(x) == text


def test_number_round_trips_to_the_digits_it_promises() -> None:
    import math
    import random

    rng = random.Random(7)
    for _ in range(2000):
        x = rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12)
        shown = float(N.number(x))
        assert math.isclose(shown, float(f"{x:.3e}"), rel_tol=1e-12), (x, N.number(x))
        assert "e+" not in N.number(x) and "e-0" not in N.number(x) and not N.number(x).startswith("-0e")


@pytest.mark.parametrize(
    "x,decimals,text",
    [(2.0, 4, "2.0000"), (-3.0, 4, "-3.0000"), (0.70710678, 2, "0.71"), (1e-10, 4, "1e-10"),
     (1e-3, 4, "0.0010"), (-0.0, 4, "0.0000"), (-1e-9, 4, "-1e-9"), (2.5e6, 1, "2.5e6"), (7.0, 0, "7")],
)
def test_number_with_fixed_decimals_as_micrograds_notebook(x: float, decimals: int, text: str) -> None:
    assert N.number(x, decimals=decimals) == text


@pytest.mark.parametrize(
    "kw", [{"digits": 0}, {"digits": True}, {"digits": 2.0}, {"decimals": -1}, {"decimals": 16}]
)
def test_number_rejects_bad_digit_counts(kw: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match="notation.number"):
        N.number(1.0, **kw)


def test_the_picture_font_is_one_fontconfig_knows_by_name() -> None:
    """FONT is what Graphviz asks fontconfig for; it must be found as itself, not substituted."""
    import shutil
    import subprocess

    assert N.FONT_STACK.split(",")[0].strip() == N.FONT
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    found = subprocess.run(["fc-match", "-f", "%{family}", N.FONT], capture_output=True, text=True).stdout
    assert N.FONT in found.split(",")
