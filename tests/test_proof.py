"""The proof kernel: each rule proves what it should and nothing else."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from derive import Derivation
from derive.errors import VerificationError
from derive.kernel import (
    AbsoluteValue,
    Affine,
    Assumption,
    Fact,
    Identity,
    Inner,
    InnerProduct,
    Instantiate,
    Positivity,
    Power,
    QuadraticForm,
    Sign,
    Step,
    Substitution,
    SumOfSquares,
    Transitivity,
    Truncation,
    algebra,
)

x, y, z, t = sympy.symbols("x y z t", real=True)
d, eta = sympy.symbols("d eta", real=True)
POSITIVE = (Fact(d, ">", 0, "d > 0"), Fact(eta, ">", 0, "η > 0"))


def status(*steps: Step, facts: tuple[Fact, ...] = ()) -> list[str]:
    return [s.status for s in Derivation("test", steps, facts).verify().steps]


def test_identity_proves_true_identities_and_refutes_false_ones_with_a_point() -> None:
    assert status(
        Step((x + y) ** 3, "=", x**3 + 3 * x**2 * y + 3 * x * y**2 + y**3, "", Identity())
    ) == ["proved"]
    report = Derivation("t", (Step((x + y) ** 2, "=", x**2 + y**2, "", Identity()),)).verify()
    assert report.steps[0].status == "failed"
    assert set(report.steps[0].counterexample or {}) == {"x", "y"}
    assert not report.ok


def test_identity_handles_radicals_inverses_and_transcendental_functions() -> None:
    g = sympy.sqrt(x**2 + y**2 + 1)
    assert status(Step(x**2 / g + (y**2 + 1) / g, "=", g, "", Identity())) == ["proved"]
    product = sympy.Mul(sympy.exp(x), sympy.exp(-x), evaluate=False)
    assert status(Step(product, "=", 1, "", Identity())) == ["proved"]
    assert status(Step(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, "=", 1, "", Identity())) == ["proved"]
    assert status(
        Step(sympy.Derivative(x**3, x, evaluate=False), "=", 3 * x**2, "", Identity())
    ) == ["proved"]
    assert status(
        Step(sympy.Derivative(x**3, x, evaluate=False), "=", 2 * x**2, "", Identity())
    ) == ["failed"]


def test_identity_rule_refuses_other_relations() -> None:
    assert status(Step(x, "<=", x + 1, "", Identity())) == ["unproved"]


def test_a_cas_bug_is_caught_by_the_numeric_witness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(algebra, "fast_zero", lambda fast: True)
    report = Derivation("t", (Step(x**2, "=", x**2 + 1, "", Identity()),)).verify()
    assert report.steps[0].status == "failed"
    assert "CAS bug" in report.steps[0].reason


def test_sum_of_squares_needs_a_matching_certificate() -> None:
    good = SumOfSquares(terms=((1, x - y),))
    assert status(Step(2 * x * y, "<=", x**2 + y**2, "", good)) == ["proved"]
    assert status(Step(2 * x * y, "<=", x**2 + y**2 + 1, "", good)) == ["unproved"]
    assert status(Step(2 * x * y, "<", x**2 + y**2, "", good)) == ["unproved"]
    assert status(Step(2 * x * y, "<=", x**2 + y**2, "", SumOfSquares(terms=((-1, x - y),)))) != [
        "proved"
    ]
    assert status(Step(3 * x * y, "<=", x**2 + y**2, "", good)) == ["failed"]


def test_lagrange_certificate_proves_cauchy_schwarz_squared() -> None:
    u, g = sympy.symbols("u1:4", real=True), sympy.symbols("g1:4", real=True)
    ug = sum(a * b for a, b in zip(u, g, strict=True))
    uu, gg = sum(a**2 for a in u), sum(b**2 for b in g)
    rule = SumOfSquares(lagrange=(u, g))
    assert status(Step(ug**2, "<=", uu * gg, "", rule)) == ["proved"]
    short = SumOfSquares(lagrange=(u[:2], g[:2]))
    assert status(Step(ug**2, "<=", uu * gg, "", short)) != ["proved"]


def test_affine_checks_the_factor_sign_and_reverses_for_negative_factors() -> None:
    facts = (Fact(x, "<=", y, "x ≤ y"), *POSITIVE)
    base = Step(x, "<=", y, "", Assumption(), "p")
    assert status(base, Step(d * x + 1, "<=", d * y + 1, "", Affine("p", d, 1)), facts=facts) == [
        "assumed",
        "proved",
    ]
    assert status(base, Step(-y, "<=", -x, "", Affine("p", -1)), facts=facts) == [
        "assumed",
        "proved",
    ]
    assert status(base, Step(z * x, "<=", z * y, "", Affine("p", z)), facts=facts)[1] != "proved"
    assert status(base, Step(-x, "<=", -y, "", Affine("p", -1)), facts=facts)[1] != "proved"


def test_steps_relying_on_unproved_steps_are_unproved() -> None:
    true_but_not_stated = Step(x, "<=", x + 1, "", Assumption(), "p")
    result = status(true_but_not_stated, Step(2 * x, "<=", 2 * x + 2, "", Affine("p", 2)))
    assert result == ["unproved", "unproved"]


def test_premises_must_come_first() -> None:
    later = Step(2 * x, "<=", 2 * y, "", Affine("p", 2))
    assert (
        status(later, Step(x, "<=", y, "", Assumption(), "p"), facts=(Fact(x, "<=", y),))[0]
        == "unproved"
    )


def test_power_takes_square_roots_of_non_negative_sides() -> None:
    facts = (Fact(x**2, "<=", d**2, "x² ≤ d²"), *POSITIVE)
    steps = (
        Step(x**2, "<=", d**2, "", Assumption(), "p"),
        Step(sympy.Abs(x), "<=", d, "", Power("p", sympy.Rational(1, 2))),
    )
    assert status(*steps, facts=facts) == ["assumed", "proved"]
    wrong = Step(x, "<=", d, "", Power("p", sympy.Rational(1, 2)))  # x may be negative
    assert status(steps[0], wrong, facts=facts)[1] != "proved"


def test_absolute_value_gives_both_bounds() -> None:
    facts = (Fact(sympy.Abs(x), "<=", d),)
    p = Step(sympy.Abs(x), "<=", d, "", Assumption(), "p")
    both = ["assumed", "proved"]
    assert status(p, Step(-d, "<=", x, "", AbsoluteValue("p")), facts=facts) == both
    assert status(p, Step(x, "<=", d, "", AbsoluteValue("p")), facts=facts) == both
    assert status(p, Step(d, "<=", x, "", AbsoluteValue("p")), facts=facts)[1] != "proved"


def test_transitivity_chains_and_uses_equalities_either_way() -> None:
    facts = (Fact(x, "<=", y), Fact(y, "<", z), Fact(t, "=", z))
    a = Step(x, "<=", y, "", Assumption(), "a")
    b = Step(y, "<", z, "", Assumption(), "b")
    c = Step(t, "=", z, "", Assumption(), "c")
    assert (
        status(a, b, c, Step(x, "<", t, "", Transitivity(("a", "b", "c"))), facts=facts)[-1]
        == "proved"
    )
    assert status(a, b, Step(x, "<=", z, "", Transitivity(("a", "b"))), facts=facts)[-1] == "proved"
    assert status(a, b, Step(z, "<", x, "", Transitivity(("a", "b"))), facts=facts)[-1] != "proved"
    assert status(a, c, Step(x, "<=", z, "", Transitivity(("a", "c"))), facts=facts)[-1] != "proved"


def test_substitution_and_definitions() -> None:
    g = sympy.Symbol("g", real=True)
    facts = (Fact(g, "=", 2 * x, "g = 2x", "definition"),)
    assert status(
        Step(x - eta * g, "=", x - 2 * eta * x, "", Substitution("g = 2x")), facts=facts
    ) == ["proved"]
    assert status(
        Step(x - eta * g, "=", x - 3 * eta * x, "", Substitution("g = 2x")), facts=facts
    ) == ["failed"]


def test_circular_or_repeated_definitions_make_every_step_unproved() -> None:
    g = sympy.Symbol("g", real=True)
    facts = (Fact(g, "=", 2 * x, "a", "definition"), Fact(g, "=", 3 * x, "b", "definition"))
    assert status(Step(g, "=", g, "", Identity()), facts=facts) == ["unproved"]
    facts = (Fact(g, "=", g + 1, "a", "definition"),)
    assert status(Step(g, "=", g, "", Identity()), facts=facts) == ["unproved"]


def test_instantiate_refuses_constrained_symbols_and_unsafe_denominators() -> None:
    p = Step(0, "<=", (x - t) ** 2, "", SumOfSquares(terms=((1, x - t),)), "p")
    assert status(p, Step(0, "<=", (x - 1) ** 2, "", Instantiate("p", t, 1))) == ["proved"] * 2
    assert (
        status(p, Step(0, "<=", (x - 1 / y) ** 2, "", Instantiate("p", t, 1 / y)))[1] == "unproved"
    )
    assert (
        status(
            p, Step(0, "<=", (x - 1) ** 2, "", Instantiate("p", t, 1)), facts=(Fact(t, ">", 0),)
        )[1]
        == "unproved"
    )


def test_truncation_checks_every_coefficient_up_to_the_order() -> None:
    lhs = sympy.exp(eta * x)
    assert status(Step(lhs, "=O", 1 + eta * x + eta**2 * x**2 / 2, "", Truncation(eta, 2))) == [
        "proved"
    ]
    assert status(Step(lhs, "=O", 1 + eta * x, "", Truncation(eta, 2))) == ["failed"]
    assert status(Step(lhs, "=O", 1 + 2 * eta * x, "", Truncation(eta, 1))) == ["failed"]
    assert status(Step(lhs, "=", 1 + eta * x, "", Truncation(eta, 1))) == ["failed"]
    true = Step((x + 1) ** 2, "=", x**2 + 2 * x + 1, "", Truncation(eta, 1))
    assert status(true) == ["unproved"]  # a true '=' step, but not what truncation proves


def test_inner_product_axioms_and_positivity() -> None:
    u, g = sympy.symbols("u g")
    expanded = Inner(u, u) + 2 * t * Inner(u, g) + t**2 * Inner(g, g)
    assert status(Step(Inner(u + t * g, u + t * g), "=", expanded, "", InnerProduct((u, g)))) == [
        "proved"
    ]
    assert status(
        Step(Inner(u + t * g, u + t * g), "=", expanded + t, "", InnerProduct((u, g)))
    ) != ["proved"]
    assert status(Step(0, "<=", Inner(u - g, u - g), "", Positivity())) == ["proved"]
    assert status(Step(0, "<=", Inner(u, g), "", Positivity())) == ["failed"]
    assert status(Step(0, "<=", Inner(u, u) + 1, "", Positivity())) == ["unproved"]


def test_quadratic_form_needs_a_positive_definite_assumption() -> None:
    h = sympy.Matrix([[x, y], [y, z]])
    v = sympy.Matrix([t, 1])
    form = (v.T * h * v)[0, 0]
    assert status(Step(0, "<=", form, "", QuadraticForm(h, v)), facts=(Fact(h, ">0", 0),)) == [
        "proved"
    ]
    assert status(Step(0, "<=", form, "", QuadraticForm(h, v))) == ["failed"]
    square = (v.T * sympy.eye(2) * v)[0, 0]
    identity = (Fact(sympy.eye(2), ">0"),)
    assert status(Step(0, "<=", square, "", QuadraticForm(sympy.eye(2), v)), facts=identity) == [
        "proved"
    ]
    assert status(Step(0, "<=", square, "", QuadraticForm(h, v))) == ["unproved"]


def test_sign_rules() -> None:
    assert status(Step(d * eta + x**2, ">", 0, "", Sign()), facts=POSITIVE) == ["proved"]
    assert status(Step(x**2 - 2 * x + 1, ">=", 0, "", Sign())) == [
        "unproved"
    ]  # true, not structural
    assert status(Step(x, ">", 0, "", Sign())) == ["failed"]
    assert status(Step(-d, ">", 0, "", Sign()), facts=POSITIVE) == ["failed"]


def test_bad_steps_and_facts_are_rejected_at_construction() -> None:
    with pytest.raises(VerificationError, match="relation must be one of"):
        Step(x, "~", y, "", Identity())
    with pytest.raises(VerificationError, match="kernel's rules"):
        Step(x, "=", y, "", "identity")  # type: ignore[arg-type]
    with pytest.raises(VerificationError, match="assumption's relation"):
        Fact(x, "=O", y)


def test_report_summary_names_the_first_failing_step() -> None:
    report = Derivation(
        "t",
        (
            Step((x + 1) ** 2, "=", x**2 + 2 * x + 1, "", Identity(), "a"),
            Step(x, "=", y, "", Identity(), "b"),
        ),
    ).verify()
    assert report.summary().startswith("NOT verified: 1 of 2 steps proved; step 2 (b) failed")
    assert [s.label for s in report.failures] == ["b"]


polys = st.builds(
    lambda cs: sum(c * m for c, m in zip(cs, (1, x, y, x * y, x**2, y**3, x**2 * y), strict=False)),
    st.lists(st.integers(-5, 5), min_size=7, max_size=7),
)


@given(polys, polys)
def test_kernel_proves_random_true_identities(p: sympy.Expr, q: sympy.Expr) -> None:
    expected = ["vacuous"] if p * q == sympy.expand(p * q) else ["proved"]
    assert status(Step(p * q, "=", sympy.expand(p * q), "", Identity())) == expected


@given(polys, polys, polys.filter(lambda r: r != 0))
def test_kernel_never_proves_a_false_identity(p: sympy.Expr, q: sympy.Expr, r: sympy.Expr) -> None:
    lhs = (p + 1) / (q**2 + 1)
    assert status(Step(lhs, "=", lhs + r / (x**2 + 1), "", Identity()))[0] != "proved"


@given(polys, polys)
def test_kernel_never_proves_a_false_inequality(p: sympy.Expr, q: sympy.Expr) -> None:
    # p² + q² + 1 ≤ 0 is false everywhere, whatever certificate is offered
    claim = Step(p**2 + q**2 + 1, "<=", 0, "", SumOfSquares(terms=((1, p), (1, q))))
    assert status(claim)[0] != "proved"
