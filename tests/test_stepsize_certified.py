"""Step sizes with both directions proved on quadratics (the exact contraction factor and
the steps to a tolerance), and certified on a box for other losses — never a local value
passed off as global."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy

import derive as dv
from derive.errors import DomainError, OptionError, PointError
from derive.library.contraction import contraction
from derive.library.stepsize import learning_rate_bound, step_size

from .mutation import run_mutations

QUADRATICS = [
    ("x**2 + 3*y**2", "x y", "1/4"),
    ("x**2 + x*y + 2*y**2", "x y", "1/5"),
    ("2*x**2", "x", "1/10"),
    ("x**2 + y**2 + z**2 + x*z", "x y z", "1/2"),
    ("3*x**2 + 2*x*y + 3*y**2 - x + y", "x y", "1/5"),
]


def _iteration(loss: str, params: str, lr: str) -> np.ndarray:
    obj = dv.Objective(loss, params)
    h = np.array(obj.hessian().tolist(), dtype=float)
    return np.eye(len(h)) - float(sympy.Rational(lr)) * h


@pytest.mark.parametrize(("loss", "params", "lr"), QUADRATICS)
def test_the_contraction_factor_is_the_norm_of_the_iteration_matrix(
    loss: str, params: str, lr: str
) -> None:
    c = contraction(dv.Objective(loss, params), lr=lr, tol="1/1000")
    report = c.derivation.verify()
    assert report.ok, report.summary()
    m = _iteration(loss, params, lr)
    assert float(c.rho) == pytest.approx(np.linalg.norm(m, 2), rel=1e-12)
    k = c.steps
    assert k is not None and k >= 1
    assert np.linalg.norm(np.linalg.matrix_power(m, k), 2) <= 1e-3 * (1 + 1e-12)
    if k > 1:  # from the worst start, one step fewer is not enough
        assert np.linalg.norm(np.linalg.matrix_power(m, k - 1), 2) > 1e-3


def test_a_contraction_factor_made_too_small_fails_the_kernel() -> None:
    c = contraction(dv.Objective("x**2 + x*y + 2*y**2", "x y"), lr="1/5")
    d = c.derivation
    step = d.step("contracts")
    smaller = sympy.Mul(sympy.Rational(9, 10), step.rhs, evaluate=False)
    broken = d.replace_step("contracts", dataclasses.replace(step, rhs=smaller))
    assert broken.verify().steps[d.index("contracts")].status != "proved"


def test_a_step_count_one_too_small_fails_the_kernel() -> None:
    c = contraction(dv.Objective("x**2 + 3*y**2", "x y"), lr="1/4", tol="1/1000")
    assert c.steps == 10
    d = c.derivation
    step = d.step("tolerance")
    fewer = dataclasses.replace(step, lhs=c.rho ** (2 * (c.steps - 1)))
    assert d.replace_step("tolerance", fewer).verify().steps[d.index("tolerance")].status == (
        "failed"
    )


def test_no_tolerance_is_reached_when_the_factor_is_one_or_more() -> None:
    obj = dv.Objective("2*x**2", "x")
    assert contraction(obj, lr="1").rho == 3  # |1 − 4| : it diverges, and says so
    assert contraction(obj, lr="1/2").rho == 1
    with pytest.raises(DomainError, match="never shrinks"):
        contraction(obj, lr="1/2", tol="1/10")
    with pytest.raises(OptionError):
        contraction(obj, lr="-1")
    with pytest.raises(OptionError):
        contraction(obj, lr="1/10", tol="2")
    with pytest.raises(PointError, match="not quadratic"):
        contraction(dv.Objective("x**4", "x"), lr="1/10")


def test_a_non_quadratic_loss_needs_a_region_or_a_point() -> None:
    obj = dv.Objective("x**4 + y**2", "x y")
    with pytest.raises(PointError, match=r"box=.*smoothness_bound.*at="):
        learning_rate_bound(obj)
    with pytest.raises(PointError, match="not quadratic"):
        step_size(obj)
    with pytest.raises(OptionError, match="not both"):
        learning_rate_bound(obj, at={"x": 1, "y": 0}, box={"x": (-1, 1), "y": (-1, 1)})


def test_on_a_box_the_bound_is_one_over_a_proved_smoothness_bound() -> None:
    obj = dv.Objective("x**4 + y**2", "x y")
    box = {"x": (-2, 2), "y": (-1, 1)}
    eta = learning_rate_bound(obj, box=box)
    L = dv.smoothness_bound(obj, box=box).L
    assert eta == 1 / L
    assert 48 <= L <= 2 * 48  # max ‖∇²‖ = 12x² = 48 at x = ±2
    d = step_size(obj, box=box, start={"x": "1/2", "y": 0})
    assert d.verify().ok and "never leaves the box" in d.remark
    assert step_size(obj, box=box).verify().ok
    with pytest.raises(OptionError, match="drop lr"):
        step_size(obj, box=box, lr="1/100", start={"x": 1, "y": 0})
    # a quadratic keeps its exact, global bound
    assert learning_rate_bound(dv.Objective("x**2 + 5*y**2", "x y"), box=box) == sympy.Rational(
        1, 5
    )


@pytest.mark.parametrize(("loss", "params", "lr"), QUADRATICS[:3])
def test_every_single_step_corruption_of_a_contraction_is_rejected(
    loss: str, params: str, lr: str
) -> None:
    counts = run_mutations(contraction(dv.Objective(loss, params), lr=lr, tol="1/100").derivation)
    assert counts.tried >= 40 and counts.escaped == []
