"""The descent lemma on a box: what the kernel proves holds along real runs of gradient
descent, and wrong certificates (a curvature bound too small, a step size too large, a
box the run may leave, a missing face) are rejected."""

from __future__ import annotations

import dataclasses
import itertools

import mpmath
import pytest
import sympy

import derive as dv
from derive.errors import DomainError, PointError
from derive.kernel import Fact
from derive.kernel.rules import DescentLemma
from derive.library.lemma import descent_lemma

from .mutation import run_mutations

CASES = [
    ("x**2 + y**2/2", "x y", {"x": (-2, 2), "y": (-2, 2)}, {"x": 1, "y": 1}),
    ("log(exp(x) + exp(y) + exp(-x - y))", "x y", {"x": (-3, 3), "y": (-3, 3)}, {"x": 1, "y": 0}),
    ("x**4 - x**2 + y**2 + x*y/2", "x y", {"x": (-2, 2), "y": (-2, 2)}, {"x": 1, "y": 1}),
    (  # five parameters: the smoothness premise comes by the Hessian bound rule
        "a**2 + b**2 + c**2 + d**2 + g**4 + a*b/2",
        "a b c d g",
        {k: (-2, 2) for k in "abcdg"},
        {k: "1/2" for k in "abcdg"},
    ),
]


def _run(obj: dv.Objective, at: dict[str, object], eta: sympy.Rational, steps: int) -> list:
    """Iterates of gradient descent at 50 digits, with the loss and ‖∇L‖² at each."""
    grad = sympy.lambdify(obj.params, list(obj.gradient()), "mpmath")
    loss = sympy.lambdify(obj.params, obj.expr, "mpmath")
    out = []
    with mpmath.workdps(50):
        start = [sympy.Rational(at[p.name]) for p in obj.params]
        theta = [mpmath.mpf(v.p) / v.q for v in start]
        rate = mpmath.mpf(eta.p) / eta.q
        for _ in range(steps):
            g = grad(*theta)
            out.append((list(theta), loss(*theta), sum(x**2 for x in g), rate))
            theta = [t - rate * x for t, x in zip(theta, g, strict=True)]
    return out


@pytest.mark.parametrize(("loss", "params", "box", "at"), CASES)
def test_every_step_stays_in_the_box_and_decreases_by_the_proved_amount(
    loss: str, params: str, box: dict, at: dict
) -> None:
    obj = dv.Objective(loss, params)
    g = descent_lemma(obj, box=box, at=at)
    report = g.derivation.verify()
    assert report.ok, report.summary()
    assert g.eta == 1 / g.L and g.L > 0
    for rate in (g.eta, g.eta / 3):
        run = _run(obj, at, rate, 30)
        for (_, before, square, eta), (after_theta, after, _, _) in itertools.pairwise(run):
            assert after <= before - eta * square / 2 + mpmath.mpf(10) ** -40
            assert after <= g.level
            for p, value in zip(obj.params, after_theta, strict=True):
                lo, hi = box[p.name]
                assert lo <= value <= hi


def test_the_lemma_is_stated_under_its_premises_and_cases() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    report = g.derivation.verify()
    decrease = report.steps[g.derivation.index("decrease")]
    texts = {f.text for f in decrease.premises}
    assert any("L(θ) ≤ L₀" in t for t in texts) and any("η ≤ 1/L" in t for t in texts)
    assert {"x ≥ -2", "x ≤ 2", "y ≥ -2", "y ≤ 2"} <= texts


CASE_OBJ = dv.Objective("x**2 + y**2/2", "x y")


def _facts_with(d: dv.Derivation, old: str, new: Fact) -> dv.Derivation:
    facts = tuple(new if f.text.startswith(old) else f for f in d.assumptions)
    assert facts != d.assumptions
    return dataclasses.replace(d, assumptions=facts)


def test_a_curvature_bound_made_too_small_fails_the_kernel() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    d = g.derivation
    upper = d.step("upper")
    small = dataclasses.replace(upper, rhs=upper.rhs / 2)  # L/2 = 1.0015 < λ_max = 2
    broken = d.replace_step("upper", small)
    report = broken.verify()
    assert report.steps[d.index("upper")].status != "proved"
    assert report.steps[d.index("decrease")].status != "proved"
    assert not report.ok


def test_a_step_size_above_one_over_l_is_refused() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    d = g.derivation
    eta = next(f.lhs for f in d.assumptions if f.text.startswith("η ≤"))
    broken = _facts_with(d, "η ≤", Fact(eta, "<=", 2 / g.L, "η ≤ 2/L"))
    report = broken.verify()
    assert report.steps[d.index("decrease")].status != "proved"
    assert "1/L" in report.steps[d.index("decrease")].reason


def test_a_face_missing_or_a_level_below_the_faces_fails() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    d = g.derivation
    rule = d.step("decrease").rule
    assert isinstance(rule, DescentLemma)
    # both faces x = ±2 (on each the loss is 4 + y²/2: one step would serve for both)
    fewer = dataclasses.replace(rule, faces=rule.faces[2:])
    broken = d.replace_step("decrease", dataclasses.replace(d.step("decrease"), rule=fewer))
    step = broken.verify().steps[d.index("decrease")]
    assert step.status != "proved" and "face" in step.reason
    # a level L₀ = 3 above the loss on the face y = ±2 (where L ≥ 2): that face step is false
    f = CASE_OBJ.expr
    high = _facts_with(d, "L(θ) ≤", Fact(f, "<=", 3, "L(θ) ≤ L₀ = 3", "hypothesis"))
    faces = [s for s in high.steps if s.label.startswith("face-")]
    for s in faces:
        high = high.replace_step(s.label, dataclasses.replace(s, lhs=sympy.Integer(3)))
    report = high.verify()
    assert report.steps[d.index("face-y-lo")].status == "failed"
    assert report.steps[d.index("decrease")].status != "proved"


def test_a_start_whose_sublevel_set_leaves_the_box_is_refused() -> None:
    # x² + y²/2 from (1, 1): L(θ₀) = 3/2, but on the face y = 1 the loss can be 1/2
    with pytest.raises(DomainError, match="might leave the box"):
        descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-1, 1)}, at={"x": 1, "y": 1})
    with pytest.raises(PointError, match="outside the box"):
        descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 3, "y": 0})
    with pytest.raises(PointError):
        descent_lemma(CASE_OBJ, box={"x": (-2, 2)}, at={"x": 1, "y": 0})


def test_an_extra_premise_on_the_parameters_is_refused() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    d = g.derivation
    x, y = CASE_OBJ.params
    extra = dataclasses.replace(d, assumptions=(*d.assumptions, Fact(x + y, "<=", 3, "x + y ≤ 3")))
    step = extra.verify().steps[d.index("decrease")]
    assert step.status != "proved" and "numeric bounds" in step.reason


def test_every_single_step_corruption_of_the_lemma_is_rejected() -> None:
    g = descent_lemma(CASE_OBJ, box={"x": (-2, 2), "y": (-2, 2)}, at={"x": 1, "y": 1})
    counts = run_mutations(g.derivation)
    assert counts.tried >= 4 * len(g.derivation.steps) and counts.escaped == []
