"""detect_anomaly(): the first NaN or inf, forward or backward, is reported where it happens."""

from __future__ import annotations

import math

import pytest

from microgradnet import AnomalyError, Value, detect_anomaly


def test_a_forward_overflow_names_the_operation_and_its_labelled_inputs():
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"operation '\*' on \(a=1e\+200, 1e\+200\)"):
        Value(1e200, label="a") * 1e200


def test_an_infinite_local_derivative_is_caught_in_the_forward_pass():
    with detect_anomaly(), pytest.raises(AnomalyError, match="sqrt.*local derivatives"):
        Value(0.0, label="x").sqrt()


def test_a_gradient_that_overflows_in_backward_names_the_operation():
    a = Value(1e-300, label="a")
    with detect_anomaly():
        y = a * 1e300  # = 1, finite
        z = y * 1e300  # = 1e300, finite; but dz/da = 1e600
        with pytest.raises(AnomalyError, match=r"backward through operation '\*'.*gradient inf"):
            z.backward()


def test_without_the_mode_ieee_infinities_flow_silently():
    out = Value(1e200) * 1e200
    assert math.isinf(out.data)


def test_the_mode_is_off_again_after_the_block_and_works_as_a_decorator():
    @detect_anomaly()
    def risky(v):
        return v * 1e308 * 10

    with pytest.raises(AnomalyError):
        risky(Value(1.0))
    assert math.isinf((Value(1e308) * 10).data)


def test_finite_work_is_unchanged_inside_the_mode():
    a, b = Value(2.0), Value(-3.0)
    with detect_anomaly():
        c = (a * b).tanh() + a.exp()
        c.backward()
    assert math.isclose(a.grad, -3 * (1 - math.tanh(-6) ** 2) + math.exp(2), rel_tol=1e-12)
