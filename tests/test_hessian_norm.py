"""Hessian bounds beyond Gershgorin: the exact eigenvalue check of an interval matrix
(midpoint ± radius, Sylvester's criterion in integers) proves what holds, refuses what does
not, and makes smoothness bounds of logistic-type losses track ‖∇²L‖₂."""

from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy
from mpmath import libmp

import derive as dv
from derive.kernel.interval import norm_below, positive_definite
from derive.kernel.rules import HessianBound
from derive.library.certify import SmoothnessBound, smoothness_bound

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_certify import logistic  # the benchmark's losses, one definition


def _point_matrix(m: list[list[float]]) -> list[tuple[object, object]]:
    """A matrix of floats as raw point intervals, row by row."""
    return [(libmp.from_float(x),) * 2 for row in m for x in row]


@functools.lru_cache(maxsize=4)
def _bound(n: int, rows: int, seed: int) -> tuple[dv.Objective, SmoothnessBound]:
    """The logistic loss and its smoothness bound on [−1, 1]ⁿ (built once per module)."""
    obj = logistic(n, rows, seed)
    return obj, smoothness_bound(obj, box={p.name: (-1, 1) for p in obj.params})


def test_positive_definite_agrees_with_eigenvalues_on_random_integer_matrices() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(1, 6))
        a = rng.integers(-5, 6, size=(n, n))
        a = a + a.T + int(rng.integers(0, 12)) * np.eye(n, dtype=int)
        smallest = np.linalg.eigvalsh(a.astype(float))[0]
        if abs(smallest) > 1e-9:  # singular matrices are not positive definite, either way
            assert positive_definite(a.tolist()) == (smallest > 0)
    assert not positive_definite([[1, 1], [1, 1]])  # singular: not definite


def test_the_eigenvalue_check_proves_the_norm_of_a_mixed_sign_matrix_exactly() -> None:
    m = [[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]]  # rank one, norm 3
    values = _point_matrix(m)
    assert norm_below(values, 3, sympy.Rational(3001, 1000))
    assert not norm_below(values, 3, sympy.Rational(2999, 1000))
    assert not norm_below(values, 3, 2)  # what the row sums (3 each) cannot beat, either


def test_the_radius_of_the_enclosure_counts_against_the_bound() -> None:
    m = [[2.0, 0.0], [0.0, 2.0]]
    wide = [(libmp.from_float(x - 1), libmp.from_float(x + 1)) for row in m for x in row]
    assert norm_below(_point_matrix(m), 2, sympy.Rational(201, 100))
    # entries within ±1: H may be [[3, 1], [1, 3]], of norm 4
    assert not norm_below(wide, 2, sympy.Rational(39, 10))
    assert norm_below(wide, 2, sympy.Rational(401, 100))


@pytest.mark.parametrize(("n", "rows", "seed"), [(5, 8, 0), (6, 4, 2)])
def test_sampled_hessian_norms_of_logistic_losses_stay_below_a_bound_that_tracks_them(
    n: int, rows: int, seed: int
) -> None:
    obj, bound = _bound(n, rows, seed)
    assert bound.derivation.verify().ok, bound.derivation.verify().summary()
    hessian = sympy.lambdify(obj.params, obj.hessian(), "mpmath")
    rng = np.random.default_rng(seed)
    largest = 0.0
    with mpmath.workdps(30):
        for k in range(300):
            at = [0.0] * n if k == 0 else [rng.uniform(-1, 1) for _ in range(n)]
            if k % 3 == 2:
                at = [float(rng.choice([-1, 1])) for _ in range(n)]
            h = np.array(mpmath.matrix(hessian(*at)).tolist(), dtype=float)
            largest = max(largest, float(np.linalg.norm(h, 2)))
    assert largest <= bound.L <= 2.5 * largest


def test_a_hessian_bound_made_too_small_is_not_proved() -> None:
    obj, bound = _bound(5, 8, 0)
    d = bound.derivation
    at_zero = np.array(sympy.lambdify(obj.params, obj.hessian(), "numpy")(*[0] * 5), dtype=float)
    attained = sympy.Rational(np.linalg.norm(at_zero, 2)).limit_denominator(10**6)
    for label in ("upper", "lower"):
        step = d.step(label)
        small = attained * 99 / 100  # below ‖∇²L(0)‖₂: false on the box
        assert isinstance(step.rule, HessianBound)
        rule = dataclasses.replace(step.rule, bound=small)
        shrunk = dataclasses.replace(step, rhs=step.rhs / bound.L * small, rule=rule)
        status = d.replace_step(label, shrunk).verify().steps[d.index(label)].status
        assert status in ("unproved", "failed")


def test_a_matrix_that_is_not_the_hessian_is_refused_whatever_its_bound() -> None:
    d = _bound(5, 8, 0)[1].derivation
    step = d.step("upper")
    assert isinstance(step.rule, HessianBound)
    half = sympy.ImmutableMatrix(step.rule.matrix) / 2
    form = sum(
        (
            half[a, b] * step.rule.vector[a] * step.rule.vector[b]
            for a in range(5)
            for b in range(5)
        ),
        sympy.Integer(0),
    )
    rule = dataclasses.replace(step.rule, matrix=half)
    status = d.replace_step("upper", dataclasses.replace(step, lhs=form, rule=rule)).verify()
    assert status.steps[d.index("upper")].status != "proved"
