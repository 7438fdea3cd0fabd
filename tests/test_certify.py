"""Certified step sizes and smoothness bounds: what the kernel proves holds when sampled
densely at high precision, is not needlessly loose, and a wrong certificate fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import sympy

import derive as dv
from derive.errors import DomainError, PointError
from derive.kernel import Fact, IntervalBound, RowSums, Step, TaylorBound
from derive.library.certify import descent_radius, smoothness_bound

LOSSES = {
    "rosenbrock": ("(1 - x)**2 + 100*(y - x**2)**2", "x y", {"x": -1, "y": 1}),
    "log-sum-exp": ("log(exp(x) + exp(y) + exp(-x - y))", "x y", {"x": 1, "y": 0}),
    "logistic": ("log(1 + exp(-(2*w + b))) + log(1 + exp(w - b))", "w b", {"w": 0, "b": 0}),
    "tanh network": (
        "(tanh(a + b) - 1/2)**2 + (tanh(-a + b) + 1/2)**2",
        "a b",
        {"a": "1/10", "b": 0},
    ),
    "polynomial": ("x**4 - 3*x**2 + y**2 + x*y", "x y", {"x": 2, "y": 1}),
    "quartic": ("x**4", "x", {"x": 1}),
}


def _change(obj: dv.Objective, at: dict[str, object]) -> Callable[[sympy.Rational], mpmath.mpf]:
    """t ↦ L(θ − t∇L(θ)) − L(θ), evaluated at 50 digits."""
    eta = sympy.Symbol("eta_test")
    theta = dict(zip(obj.params, obj.point(at), strict=True))
    u = [-sympy.sympify(g).xreplace(theta) for g in obj.gradient()]
    moved = {p: theta[p] + eta * ui for p, ui in zip(obj.params, u, strict=True)}
    f = sympy.lambdify(eta, obj.expr.xreplace(moved) - obj.expr.xreplace(theta), "mpmath")

    def value(t: sympy.Rational) -> mpmath.mpf:
        with mpmath.workdps(50):
            return f(mpmath.mpf(t.p) / t.q)

    return value


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_certified_step_decreases_the_loss_when_sampled_densely(name: str) -> None:
    loss, params, at = LOSSES[name]
    obj = dv.Objective(loss, params)
    result = descent_radius(obj, at=at)
    assert result.derivation.verify().ok, result.derivation.verify().summary()
    assert result.eta.is_Rational and result.eta > 0
    change = _change(obj, at)
    for t in [result.eta / 10**6, *(result.eta * sympy.Rational(k, 200) for k in range(1, 201))]:
        assert change(t) < 0, (name, t)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_the_certified_radius_is_within_a_factor_10_of_the_true_one(name: str) -> None:
    loss, params, at = LOSSES[name]
    obj = dv.Objective(loss, params)
    eta0 = descent_radius(obj, at=at).eta
    change = _change(obj, at)
    grid = [eta0 * sympy.Rational(j, 20) for j in range(21, 201)]  # η₀ < η ≤ 10 η₀
    if any(change(t) >= 0 for t in grid):
        return  # the loss stops decreasing before 10 η₀: the true radius is < 10 η₀
    theta = dict(zip(obj.params, obj.point(at), strict=True))
    hessian = np.array(sympy.N(obj.hessian().xreplace(theta), 30).tolist(), dtype=float)
    assert eta0 >= 2 / max(np.linalg.eigvalsh(hessian)) / 10


def test_a_direction_may_be_given_and_must_point_downhill() -> None:
    obj = dv.Objective("x**2 + 3*y**2", "x y")
    along = descent_radius(obj, at={"x": 1, "y": 1}, direction={"x": -1, "y": 0})
    assert along.derivation.verify().ok and along.eta > 0
    with pytest.raises(DomainError, match="not negative"):
        descent_radius(obj, at={"x": 1, "y": 1}, direction={"x": 1, "y": 0})
    with pytest.raises(DomainError, match="not negative"):
        descent_radius(obj, at={"x": 0, "y": 0})  # a stationary point


@pytest.mark.parametrize(
    ("loss", "params", "box"),
    [
        ("(1 - x)**2 + 100*(y - x**2)**2", "x y", {"x": (-1, 1), "y": (-1, 2)}),
        ("log(exp(x) + exp(y) + exp(-x - y))", "x y", {"x": (-2, 2), "y": (-2, 2)}),
        ("log(1 + exp(-(2*w + b))) + log(1 + exp(w - b))", "w b", {"w": (-3, 3), "b": (-3, 3)}),
        ("tanh(a*x1 + b)**2 + (a - b)**2", "a b x1", {"a": (-1, 1), "b": (-1, 1), "x1": (0, 1)}),
        ("x**4 - 3*x**2 + y**2 + x*y", "x y", {"x": (-2, 2), "y": (-1, 1)}),
    ],
)
def test_sampled_hessian_norms_never_exceed_the_smoothness_bound(
    loss: str, params: str, box: dict[str, tuple[int, int]]
) -> None:
    obj = dv.Objective(loss, params)
    bound = smoothness_bound(obj, box=box)
    assert bound.derivation.verify().ok, bound.derivation.verify().summary()
    hessian = sympy.lambdify(obj.params, obj.hessian(), "mpmath")
    rng = np.random.default_rng(7)
    largest = 0.0
    for _ in range(120):
        point = [rng.uniform(*box[p.name]) for p in obj.params]
        corners = [box[p.name][int(rng.integers(2))] for p in obj.params]
        for at in (point, corners):
            h = np.array(mpmath.matrix(hessian(*at)).tolist(), dtype=float)
            largest = max(largest, float(np.linalg.norm(h, 2)))
    assert largest <= bound.L
    assert 10 * largest >= bound.L


def _replace(d: dv.Derivation, label: str, **changes: object) -> dv.Derivation:
    return d.replace_step(label, dataclasses.replace(d.step(label), **changes))


def test_a_curvature_bound_made_too_small_fails_the_kernel() -> None:
    result = descent_radius(dv.Objective("x**4", "x"), at={"x": 1})
    d = result.derivation
    small = result.curvature / 2
    broken = _replace(d, "curvature", rhs=small)
    assert broken.verify().steps[0].status != "proved"
    # the Taylor step cannot borrow a smaller M either
    taylor = d.step("taylor")
    (eta,) = taylor.rhs.free_symbols
    shrunk = taylor.rhs - (result.curvature - small) * eta**2 / 2
    assert sympy.expand(shrunk - taylor.rhs) != 0
    assert _replace(d, "taylor", rhs=shrunk).verify().steps[1].status != "proved"


def test_a_row_bound_made_too_small_fails_the_kernel() -> None:
    bound = smoothness_bound(
        dv.Objective("x**2 + x*y + 3*y**2", "x y"), box={"x": (0, 1), "y": (0, 1)}
    )
    assert bound.L >= 7  # row 2 of [[2, 1], [1, 6]] sums to 7
    d = bound.derivation
    row = d.step("row-2")
    broken = _replace(d, "row-2", rhs=row.rhs / 2)
    assert broken.verify().steps[d.index("row-2")].status != "proved"


def test_taylor_bound_needs_an_interval_from_zero_and_no_case() -> None:
    t = sympy.Symbol("t")
    f = sympy.exp(t)
    curvature = Step(sympy.exp(t), "<=", 3, "", IntervalBound(), "c")
    claim = Step(f, "<=", 1 + t + 3 * t**2 / 2, "", TaylorBound("c", t))
    from_zero = dv.Derivation("ok", (curvature, claim), (Fact(t, ">=", 0), Fact(t, "<=", 1)))
    assert [s.status for s in from_zero.verify().steps] == ["proved", "proved"]
    # the premise holds on [1/2, 1] only: the remainder's point ξ ∈ (0, t) may lie outside
    late = dv.Derivation(
        "late", (curvature, claim), (Fact(t, ">=", sympy.Rational(1, 2)), Fact(t, "<=", 1))
    )
    assert late.verify().steps[1].status != "proved"
    # a further premise on t (here t ≠ 1/4) is refused: it would make the region not an interval
    holed = (Fact(t, ">=", 0), Fact(t, "<=", 1), Fact(t - sympy.Rational(1, 4), "!=", 0))
    assert dv.Derivation("holed", (curvature, claim), holed).verify().steps[1].status != "proved"


def test_interval_bounds_refuse_a_box_the_premises_do_not_give_and_non_smooth_points() -> None:
    x = sympy.Symbol("x")
    open_ended = dv.Derivation(
        "open", (Step(x**2, ">=", 0, "", IntervalBound()),), (Fact(x, ">=", 0),)
    )
    assert open_ended.verify().steps[0].status != "proved"
    near_zero = dv.Derivation(
        "log",
        (Step(sympy.log(x), "<=", 1, "", IntervalBound()),),
        (Fact(x, ">", 0), Fact(x, "<=", 1)),
    )
    assert near_zero.verify().steps[0].status != "proved"  # log x is unbounded below: no enclosure


def test_gershgorin_needs_every_row_and_a_symmetric_matrix() -> None:
    a, v1, v2 = sympy.symbols("a v1 v2")
    h = sympy.ImmutableMatrix([[2, a], [a, 2]])
    v = sympy.ImmutableMatrix([v1, v2])
    facts = (Fact(a, ">=", -1), Fact(a, "<=", 1))
    rows = (
        Step(2 + sympy.Abs(a), "<=", 3, "", IntervalBound(), "r1"),
        Step(sympy.Abs(a) + 2, "<=", 3, "", IntervalBound(), "r2"),
    )
    form, norm = (v.T * h * v)[0, 0], (v.T * v)[0, 0]
    good = Step(form, "<=", 3 * norm, "", RowSums(("r1", "r2"), h, v))
    assert dv.Derivation("g", (*rows, good), facts).verify().ok
    one_row = Step(form, "<=", 3 * norm, "", RowSums(("r1",), h, v))
    assert dv.Derivation("g1", (*rows, one_row), facts).verify().steps[2].status != "proved"
    tighter = Step(form, "<=", 2 * norm, "", RowSums(("r1", "r2"), h, v))
    assert dv.Derivation("g2", (*rows, tighter), facts).verify().steps[2].status != "proved"


def test_a_box_must_name_every_parameter_with_rational_ends() -> None:
    obj = dv.Objective("x**2 + y**2", "x y")
    with pytest.raises(PointError):
        smoothness_bound(obj, box={"x": (0, 1)})
    with pytest.raises(PointError):
        smoothness_bound(obj, box={"x": (1, 0), "y": (0, 1)})
    with pytest.raises(DomainError):
        smoothness_bound(dv.Objective("log(x)", "x"), box={"x": (0, 1)})


FIVE = ("a**2 + b**2 + c**2 + d**2 + exp(g) + a*b", "a b c d g")


def test_beyond_four_parameters_one_rule_bounds_the_hessian_and_rejects_a_small_bound() -> None:
    obj = dv.Objective(*FIVE)
    box = {k: (-1, 1) for k in "abcdg"}
    bound = smoothness_bound(obj, box=box)
    d = bound.derivation
    assert d.verify().ok and [s.label for s in d.steps] == ["upper", "lower"]
    assert sympy.E <= bound.L <= 2 * sympy.E + 1  # rows: 3 for a and b, e^g for g
    upper = d.step("upper")
    small = dataclasses.replace(upper.rule, bound=bound.L / 2)
    (norm_factor,) = {upper.rhs / bound.L}
    shrunk = dataclasses.replace(upper, rhs=norm_factor * bound.L / 2, rule=small)
    assert d.replace_step("upper", shrunk).verify().steps[0].status != "proved"
    wrong = dataclasses.replace(upper.rule, loss=obj.expr + obj.params[0] ** 4)
    assert d.replace_step("upper", dataclasses.replace(upper, rule=wrong)).verify().steps[
        0
    ].status != ("proved")


def test_every_single_step_corruption_of_a_large_smoothness_bound_is_rejected() -> None:
    from .mutation import run_mutations

    d = smoothness_bound(dv.Objective(*FIVE), box={k: (-1, 1) for k in "abcdg"}).derivation
    counts = run_mutations(d)
    assert counts.tried >= 8 and counts.escaped == []
