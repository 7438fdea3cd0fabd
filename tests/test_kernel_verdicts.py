"""A ✓ means proved: verdicts cannot be forged, every premise is stated and used honestly,
nothing vacuous counts, and the library's derivations meet all of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import sympy

import derive as dv
from derive import kernel
from derive.derivation import Derivation
from derive.kernel import Affine, Assumption, Fact, Identity, Report, Sign, Step, StepReport
from derive.render import latex, markdown, text

x = sympy.Symbol("x", real=True)

LIBRARY: dict[str, Callable[[], Derivation]] = {
    "steepest R^3": lambda: dv.steepest_descent(3),
    "steepest free": lambda: dv.steepest_descent(None),
    "steepest angle": lambda: dv.steepest_descent(2, form="angle"),
    "gd lecture": lambda: dv.gradient_descent(dv.Objective("(w*x + b - y)**2", "w b")),
    "gd one parameter": lambda: dv.gradient_descent(dv.Objective("2*x**2", "x")),
    "gd disc": lambda: dv.gradient_descent(dv.Objective("(w*x + b - y)**2", "w b"), form="disc"),
    "newton symbolic": lambda: dv.newton_step(
        dv.Objective("b**2/2 + w**2/2 + log(1 + exp(w*b))", "w b")
    ),
    "newton quadratic": lambda: dv.newton_step(dv.Objective("(w - 1)**2 + 3*b**2 + w*b", "w b")),
    "newton at a point": lambda: dv.newton_step(
        dv.Objective("(1 - x)**2 + 100*(y - x**2)**2", "x y"), at={"x": 2, "y": 1}
    ),
    "step size": lambda: dv.step_size(dv.Objective("2*x**2", "x"), lr="0.1", start={"x": 1}),
    "step size local": lambda: dv.step_size(dv.Objective("x**4", "x"), at={"x": 1}),
}


def _false_derivation() -> Derivation:
    return Derivation("false", (Step(x + 1, "=", x, "x + 1 = x", Identity()),))


def test_a_hand_built_report_never_verifies_and_renderers_ignore_it() -> None:
    forged = Report("false", (StepReport(0, "", "proved", "identity"),))
    assert not forged.ok and "not issued by the kernel" in forged.summary()
    d = _false_derivation()
    for shown in (latex(d), markdown(d), text(d)):
        assert "NOT verified" in shown or r"\times" in shown or "✗" in shown
        assert "verified: 1 of 1" not in shown


def test_a_replaced_report_is_not_the_kernels() -> None:
    real = _false_derivation().verify()
    good = dataclasses.replace(real.steps[0], status="proved")
    copy = dataclasses.replace(real, steps=(good,))
    assert not copy.ok and not copy.genuine
    with pytest.raises(TypeError):
        _false_derivation().latex(copy)  # type: ignore[call-arg]


def test_renderers_take_no_report_from_the_caller() -> None:
    d = _false_derivation()
    for render in (latex, markdown, text):
        with pytest.raises(TypeError):
            render(d, kernel.verify(d))  # type: ignore[call-arg]


def test_a_mutated_derivation_is_verified_again() -> None:
    d = Derivation("t", (Step((x + 1) ** 2, "=", x**2 + 2 * x + 1, "", Identity()),))
    assert d.verify().ok
    object.__setattr__(d, "steps", _false_derivation().steps)
    assert not d.verify().ok and "✗" in d.text()


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_library_derivation_verifies_with_no_vacuous_step(name: str) -> None:
    d = LIBRARY[name]()
    report = d.verify()
    assert report.ok, report.summary()
    assert all(s.status in ("proved", "assumed") for s in report.steps)
    for step in d.steps:
        assert step.lhs != step.rhs, step.label


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_symbols_carry_no_assumption_beyond_real(name: str) -> None:
    """Premises are stated as facts, never smuggled in as positive=True on a symbol."""
    d = LIBRARY[name]()
    values = [v for s in d.steps for v in (s.lhs, s.rhs)]
    values += [v for f in d.assumptions for v in (f.lhs, f.rhs)]
    for value in values:
        for symbol in value.atoms(sympy.Symbol):
            assert symbol == sympy.Symbol(symbol.name, real=True), symbol


def test_a_symbols_positivity_changes_nothing_the_kernel_proves() -> None:
    eta = sympy.Symbol("eta", positive=True)
    claim = Step(eta * x**2, ">=", 0, "", Sign())
    assert Derivation("t", (claim,)).verify().steps[0].status != "proved"
    stated = Derivation("t", (claim,), (Fact(eta, ">", 0, "η > 0"),)).verify()
    assert stated.ok and stated.steps[0].premises == (Fact(eta, ">", 0, "η > 0"),)


@pytest.mark.parametrize("name", ["gd lecture", "step size", "gd one parameter"])
def test_eta_positive_is_stated_in_every_format(name: str) -> None:
    d = LIBRARY[name]()
    assert any(f.lhs == sympy.Symbol("eta", real=True) and f.rel == ">" for f in d.assumptions)
    assert r"\eta > 0" in d.latex().split("Step 1")[0]
    assert r"$\eta > 0$" in d.markdown().split("**Step 1**")[0]
    assert "η > 0" in d.text().splitlines()[2]


@pytest.mark.parametrize("name", ["steepest R^3", "gd lecture", "newton symbolic", "step size"])
def test_removing_a_premise_a_step_used_leaves_that_step_unproved(name: str) -> None:
    d = LIBRARY[name]()
    report = d.verify()
    standing = [f for f in d.assumptions if f.scope != "definition"]
    for fact in standing:
        users = [s.index for s in report.steps if fact in s.premises]
        if not users:
            continue
        without = dataclasses.replace(
            d, assumptions=tuple(f for f in d.assumptions if f is not fact)
        )
        after = without.verify()
        assert all(after.steps[i].status not in ("proved", "assumed") for i in users), fact


def test_assumptions_show_as_assumed_and_unused_premises_are_named() -> None:
    d = Derivation(
        "t",
        (Step(x, ">", 0, "given", Assumption()), Step(x**2 + x, ">", 0, "", Sign())),
        (Fact(x, ">", 0, "x > 0"), Fact(sympy.Symbol("y", real=True), ">", 0, "y > 0")),
    )
    report = d.verify()
    assert [s.status for s in report.steps] == ["assumed", "proved"]
    assert report.steps[1].premises == (d.assumptions[0],)
    assert report.unused == (d.assumptions[1],)
    assert "(assumed)" in d.latex() and "assumed" in d.markdown()


def test_a_premise_with_empty_text_is_shown_by_its_statement() -> None:
    d = Derivation("t", (Step(x, ">", 0, "", Sign()),), (Fact(x, ">", 0),))
    assert d.verify().ok
    assert "Assume: x > 0" in d.text()
    assert r"$x > 0$" in d.latex()


def test_a_premise_about_numbers_only_is_checked_not_assumed() -> None:
    d = Derivation("t", (Step(x**2 + 1, ">", 0, "", Sign()),), (Fact(sympy.Integer(1), "<", 0),))
    assert not d.verify().ok
    indefinite = sympy.ImmutableMatrix([[1, 0], [0, -1]])
    d = Derivation("t", (Step(x**2 + 1, ">", 0, "", Sign()),), (Fact(indefinite, ">0"),))
    assert not d.verify().ok


def test_contradictory_premises_prove_nothing() -> None:
    report = dv.newton_step(dv.Objective("x**2*y**2", "x y")).verify()  # ∇²L ≻ 0 nowhere
    assert not report.ok and "contradict" in report.summary()
    d = Derivation(
        "t",
        (Step(x, ">", 0, "", Sign()),),
        (Fact(x, ">", 0, "x > 0"), Fact(x, "<", 0, "x < 0")),
    )
    assert not d.verify().ok


def test_the_x4_step_size_is_local_not_exact() -> None:
    d = LIBRARY["step size local"]()
    assert "exactly" not in d.conclusion and "ocal" in d.conclusion


def test_an_indefinite_loss_has_no_stable_step_size() -> None:
    with pytest.raises(dv.NumericError, match="no stable step size"):
        dv.learning_rate_bound(dv.Objective("x**2 - y**2", "x y"))
    with pytest.raises(dv.NumericError, match="no stable step size"):
        dv.step_size(dv.Objective("x**2 - y**2", "x y"))


def test_the_angle_argument_proves_the_least_value_and_only_there() -> None:
    d = LIBRARY["steepest angle"]()
    report = d.verify()
    assert report.ok
    only = d.step("only-180")
    assert only.lhs == sympy.cos(sympy.Symbol("beta", real=True)) and only.rhs == -1
    assert report.steps[d.index("only-180")].status == "proved"


def test_steps_hold_no_text_to_evaluate() -> None:
    with pytest.raises(dv.VerificationError):
        Step("x + 1", "=", "x + 1", "", Identity())  # type: ignore[arg-type]


def test_a_diagonal_hessian_gives_no_vacuous_eigenvector_step() -> None:
    report = dv.step_size(dv.Objective("t0**2 + 2*(t1 - 1)**2", "t0 t1")).verify()
    assert report.ok, report.summary()


def test_a_step_in_a_case_is_refuted_only_inside_its_case() -> None:
    eta = sympy.Symbol("eta")
    above = Fact(eta, ">", 1, "η above 1", "hypothesis")
    d = Derivation(
        "t",
        (
            Step(eta, ">", 1, "", Assumption(), "above"),
            # true in the case (η > 1 gives 4η > 3), false outside it, not what the rule gives
            Step(4 * eta, ">", 3, "", Affine("above", 4)),
            Step(4 * eta, "<", 3, "", Affine("above", 4)),  # false everywhere in the case
        ),
        (above,),
    )
    report = d.verify()
    assert [s.status for s in report.steps] == ["assumed", "unproved", "failed"]
    assert sympy.Rational(report.steps[2].counterexample["eta"]) > 1
    assert report.steps[1].cases == (above,) == report.steps[2].cases
