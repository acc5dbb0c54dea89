"""Bad input to the engine gets a clear error naming the problem - never a complex number."""

from __future__ import annotations

import math

import pytest

from microgradnet import Value


@pytest.mark.parametrize("data", ["abc", None, [1], (1, 2), {"a": 1}, 1 + 2j, object()])
def test_non_numeric_data_is_a_type_error_naming_the_value(data):
    with pytest.raises(TypeError, match="real number") as info:
        Value(data)
    assert type(data).__name__ in str(info.value)


def test_a_value_inside_a_value_is_refused_with_advice():
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))


def test_operating_on_a_non_number_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "x"
    with pytest.raises(TypeError):
        Value(1.0) * None
    with pytest.raises(TypeError):
        Value(1.0) ** "2"


def test_children_must_be_values():
    with pytest.raises(TypeError, match="children must be Values"):
        Value(1.0, (1.0, 2.0), "+")


@pytest.mark.parametrize("x", [-1.0, 0.0])
def test_log_of_a_non_positive_number_is_a_value_error_naming_log(x):
    with pytest.raises(ValueError, match=r"log of a non-positive number: log\("):
        Value(x).log()


def test_a_fractional_power_of_a_negative_base_is_a_value_error_not_a_complex_number():
    with pytest.raises(ValueError, match="fractional power 0.5 of a negative base"):
        Value(-4.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_a_value_exponent_needs_a_positive_base():
    with pytest.raises(ValueError, match="positive base"):
        Value(-2.0) ** Value(2.0)


def test_zero_to_a_negative_power_is_a_zero_division_error():
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0


def test_sqrt_of_a_negative_number_is_a_value_error():
    with pytest.raises(ValueError, match="sqrt of a negative"):
        Value(-1.0).sqrt()


def test_exp_overflow_is_an_overflow_error_with_the_limit_in_the_message():
    # Chosen behaviour: like math.exp, with a message saying where the limit is.
    with pytest.raises(OverflowError, match="709.78"):
        Value(1000.0).exp()
    assert math.isfinite(Value(709.0).exp().data)


def test_power_overflow_is_an_overflow_error():
    with pytest.raises(OverflowError, match="overflows"):
        Value(10.0) ** 400


def test_errors_name_the_labelled_node():
    with pytest.raises(ValueError, match="'weight'"):
        Value(-1.0, label="weight").log()


def test_huge_integers_are_refused_clearly():
    with pytest.raises(OverflowError, match="too large"):
        Value(10**400)


def test_tiny_divisors_give_an_infinite_slope_not_a_crash():
    x, w = Value(1.0), Value(3.5e-201)
    y = x / w  # representable, but d/dw = -x/w² is not
    y.backward()
    assert y.data == 1.0 / 3.5e-201 and w.grad == -math.inf


def test_a_derivative_too_large_for_a_float_is_infinite_as_ieee_says():
    x = Value(7e-300)
    y = x**-1
    y.backward()
    assert math.isfinite(y.data) and x.grad == -math.inf
