"""The benchmark scripts' fits, on hand-computed points."""

import pytest

from benchmarks.scaling import fitted_exponent, fixed_and_marginal


def test_cost_exponent_of_linear_and_constant_cost():
    assert fitted_exponent([(1, 2.0), (10, 20.0), (100, 200.0)]) == pytest.approx(1.0)
    assert fitted_exponent([(1, 5.0), (10, 5.0), (100, 5.0)]) == pytest.approx(0.0)
    # wall = 3 · S^0.5
    assert fitted_exponent([(1, 3.0), (100, 30.0)]) == pytest.approx(0.5)


def test_fixed_cost_and_marginal_ratio_against_bare():
    # wall = 10 s + 2 x bare, exactly
    assert fixed_and_marginal([(1.0, 12.0), (3.0, 16.0), (5.0, 20.0)]) == pytest.approx((10, 2))
    # least squares through three points off a line: mean bare 2, mean wall 13;
    # k = ((-1)(-3) + 0 + (1)(3)) / 2 = 3, F = 13 - 3 * 2 = 7
    assert fixed_and_marginal([(1.0, 10.0), (2.0, 13.0), (3.0, 16.0)]) == pytest.approx((7, 3))
    # a pipeline that costs the same whatever the SQL: all fixed
    assert fixed_and_marginal([(1.0, 15.0), (9.0, 15.0)]) == pytest.approx((15, 0))
