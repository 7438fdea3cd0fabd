"""The kernel proves nothing false with its own rules: each hole an attacker found, closed."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from derive import Derivation
from derive.errors import VerificationError
from derive.kernel import (
    Affine,
    Assumption,
    Fact,
    Identity,
    InnerProduct,
    Instantiate,
    QuadraticForm,
    Sign,
    Step,
    Substitution,
    SumOfSquares,
    Truncation,
)

x, y, t = sympy.symbols("x y t", real=True)


def statuses(*steps: Step, facts: tuple[Fact, ...] = ()) -> list[str]:
    return [s.status for s in Derivation("attack", steps, facts).verify().steps]


def test_instantiating_at_a_complex_value_is_refused() -> None:
    with pytest.raises(VerificationError, match="finite real"):
        Instantiate("p", x, sympy.I)


def test_instantiating_a_premise_whose_terms_are_not_real_everywhere_proves_nothing() -> None:
    premise = Step(0, "<=", sympy.log(x) ** 2, "", Sign(), "p")
    result = statuses(premise, Step(0, "<=", -(sympy.pi**2), "", Instantiate("p", x, -1)))
    assert result[0] != "proved" and result[1] != "proved"


def test_a_symbols_own_positivity_is_not_a_premise() -> None:
    positive = sympy.Symbol("t", positive=True)
    assert statuses(Step(positive, ">", 0, "", Sign())) != ["proved"]
    chain = (
        Step(positive, ">", 0, "", Sign(), "p"),
        Step(-1, ">", 0, "", Instantiate("p", positive, -1)),
    )
    assert statuses(*chain)[1] != "proved"


def test_a_stated_premise_is_what_makes_the_sign_rule_go_through() -> None:
    assert statuses(Step(t, ">", 0, "", Sign()), facts=(Fact(t, ">", 0, "t > 0"),)) == ["proved"]


def test_sum_of_squares_refuses_squares_that_are_not_real() -> None:
    with pytest.raises(VerificationError, match="finite real"):
        SumOfSquares(terms=((1, sympy.I * x),))
    root = sympy.sqrt(-(x**2) - 1)  # real nowhere
    assert statuses(Step(x**2 + 1 + root**2, "<=", 0, "", SumOfSquares(((1, root),)))) != ["proved"]


def test_inner_products_take_real_scalars_only() -> None:
    u, v = sympy.symbols("u v", real=True)
    from derive.kernel import Inner

    scalar = sympy.sqrt(-(x**2) - 1)
    claim = Step(Inner(scalar * u, v), "=", scalar * Inner(u, v), "", InnerProduct((u, v)))
    assert statuses(claim) != ["proved"]


def test_truncation_refuses_a_negative_order() -> None:
    with pytest.raises(VerificationError, match="order"):
        Truncation(x, -1)


@pytest.mark.parametrize(
    "lhs",
    [sympy.Abs(y) ** sympy.Rational(3, 2), sympy.Abs(y), y ** sympy.Rational(5, 2), 1 / y],
)
def test_truncation_needs_a_smooth_difference(lhs: sympy.Expr) -> None:
    assert statuses(Step(lhs, "=O", 0, "", Truncation(y, 1))) != ["proved"]


def test_a_truncated_premise_cannot_be_multiplied_by_a_blowing_up_factor() -> None:
    base = Step(sympy.exp(t), "=O", 1 + t, "", Truncation(t, 1), "p")
    assert statuses(base)[0] == "proved"
    blown = Step(sympy.exp(t) / t**2, "=O", (1 + t) / t**2, "", Affine("p", 1 / t**2))
    assert statuses(base, blown)[1] != "proved"


def test_a_truncated_premise_never_becomes_an_exact_equality() -> None:
    base = Step(sympy.exp(t), "=O", 1 + t, "", Truncation(t, 1), "p")
    exact = Step(sympy.exp(t), "=", 1 + t, "", Affine("p", 1))
    assert statuses(base, exact)[1] != "proved"


def test_substituting_for_the_truncation_variable_is_refused() -> None:
    base = Step(sympy.exp(t), "=O", 1 + t, "", Truncation(t, 1), "p")
    eq = Step(t, "=", 1, "", Assumption(), "t-is-1")
    moved = Step(sympy.E, "=O", 2, "", Substitution("t-is-1", "p"))
    assert statuses(base, eq, moved, facts=(Fact(t, "=", 1, "t = 1"),))[2] != "proved"


def test_floats_never_enter_a_statement() -> None:
    with pytest.raises(VerificationError, match="floating-point"):
        Step(sympy.Float(0.1), "=", sympy.Rational(1, 10), "", Identity())
    with pytest.raises(VerificationError, match="exact"):
        Step(0.1, "=", sympy.Rational(1, 10), "", Identity())


def test_strings_are_never_evaluated_as_statements() -> None:
    with pytest.raises(VerificationError, match="SymPy expression"):
        Step("__import__('os').getcwd()", "=", 0, "", Identity())
    with pytest.raises(VerificationError, match="SymPy expression"):
        Fact("x", ">", 0)
    with pytest.raises(VerificationError, match="SymPy expression"):
        Affine("p", "2")


def test_exact_python_numbers_are_accepted() -> None:
    assert statuses(Step((x + 1) ** 2 / 2, "=", x**2 / 2 + x + Fraction(1, 2), "", Identity())) == [
        "proved"
    ]


def test_an_identity_that_holds_only_where_its_sides_are_undefined_is_not_proved() -> None:
    claim = Step(sympy.sqrt(1 / x), "=", 1 / sympy.sqrt(x), "", Identity())
    assert statuses(claim) != ["proved"]
    assert statuses(claim, facts=(Fact(x, ">", 0, "x > 0"),)) == ["proved"]


def test_a_division_by_a_possible_zero_is_not_an_identity() -> None:
    claim = Step((x**2 + x) / x, "=", x + 1, "", Identity())
    assert statuses(claim) != ["proved"]
    assert statuses(claim, facts=(Fact(x, "!=", 0, "x ≠ 0"),)) == ["proved"]


def test_a_quadratic_form_needs_a_matrix_that_is_positive_definite() -> None:
    indefinite = sympy.ImmutableMatrix([[1, 0], [0, -1]])
    v = sympy.ImmutableMatrix([x, y])
    claim = Step(0, "<=", x**2 - y**2, "", QuadraticForm(indefinite, v))
    report = Derivation("attack", (claim,), (Fact(indefinite, ">0", 0, "H ≻ 0"),)).verify()
    assert report.steps[0].status != "proved"


def test_the_first_order_term_decides_only_for_a_first_order_expansion_and_a_proved_sign() -> None:
    from derive.kernel import FirstOrder, Sign, Truncation

    eta = sympy.Symbol("eta")
    f = sympy.exp(eta) - 1
    expansion = Step(f, "=O", eta, "", Truncation(eta, 1), "e")
    one = Step(sympy.Integer(1), ">", 0, "", Sign(), "s")
    assert statuses(expansion, one, Step(f, ">", 0, "", FirstOrder("e", "s"))) == ["proved"] * 3
    # the wrong direction, a sign that is not the slope's, an order-0 expansion: never proved
    assert statuses(expansion, one, Step(f, "<", 0, "", FirstOrder("e", "s")))[2] != "proved"
    two = Step(sympy.Integer(2), ">", 0, "", Sign(), "s")
    assert statuses(expansion, two, Step(f, ">", 0, "", FirstOrder("e", "s")))[2] != "proved"
    coarse = Step(f, "=O", eta, "", Truncation(eta, 0), "e")
    assert statuses(coarse, one, Step(f, ">", 0, "", FirstOrder("e", "s")))[2] != "proved"
    # a slope that depends on η proves nothing: f = η·(η − 1) is negative only near 0
    g = eta * (eta - 1)
    bent = Step(g, "=O", g, "", Truncation(eta, 1), "e")
    assert statuses(bent, one, Step(g, ">", 0, "", FirstOrder("e", "s")))[2] != "proved"


def test_a_step_that_holds_only_for_small_eta_is_never_used_for_every_eta() -> None:
    from derive.kernel import Affine, FirstOrder, Sign, Truncation

    eta = sympy.Symbol("eta")
    f = eta - eta**3
    steps = (
        Step(f, "=O", eta, "", Truncation(eta, 1), "e"),
        Step(sympy.Integer(1), ">", 0, "", Sign(), "s"),
        Step(f, ">", 0, "", FirstOrder("e", "s"), "local"),
        Step(2 * f, ">", 0, "", Affine("local", 2)),  # false at η = 2: f = −6
    )
    assert statuses(*steps)[3] != "proved"


def test_a_slope_that_hides_eta_in_a_definition_proves_nothing() -> None:
    from derive.kernel import FirstOrder, Sign, Truncation

    eta, g = sympy.Symbol("eta"), sympy.Symbol("g")
    f = -(eta**2)  # f = g·η + O(η²) holds when g := η, yet f < 0 for every η ≠ 0
    facts = (Fact(g, "=", eta, "g = η", "definition"), Fact(g, ">", 0, "g > 0"))
    steps = (
        Step(f, "=O", g * eta, "", Truncation(eta, 1), "e"),
        Step(g, ">", 0, "", Sign(), "s"),
        Step(f, ">", 0, "", FirstOrder("e", "s")),
    )
    assert statuses(*steps, facts=facts)[2] != "proved"


def test_a_counterexample_respects_premises_about_defined_names() -> None:
    # ‖u‖ ≤ d with ‖u‖ a defined name: a point with ‖u‖ > d is no counterexample to
    # 0 ≤ d² − ‖u‖², which is true under the premises (the kernel cannot prove it, but it
    # must not call it false)
    from derive.kernel import Derivation, Fact, Sign, Step, verify

    ub, uw, d, nu = sympy.symbols("u_b u_w d nu", real=True)
    facts = (
        Fact(nu, "=", sympy.sqrt(ub**2 + uw**2), "‖u‖", "definition"),
        Fact(d, ">", 0, "d > 0"),
        Fact(nu, "<=", d, "‖u‖ ≤ d"),
    )
    step = Step(0, "<=", d**2 - nu**2, "", Sign())
    assert verify(Derivation("defined premise", (step,), facts)).steps[0].status != "failed"
