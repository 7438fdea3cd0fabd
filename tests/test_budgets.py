"""Work budgets: an option whose proof would run for minutes is refused at once (exit 2,
a BudgetError naming the limit); ordinary losses never meet a budget."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from derive.cli import main
from derive.errors import BudgetError
from derive.examples import SIGMOID_NEURON
from derive.objective import (
    MAX_EXPANDED_TERMS,
    MAX_PROOF_PARAMS,
    MAX_ROOT_TERMS,
    Expansion,
    Objective,
    expansion_size,
)

LOGISTIC = ("log(1 + exp(-y*(dot(w, x) + b)))", "w:100 b", "x:100 y")
LOGISTIC_OPTIONS = ["--loss", LOGISTIC[0], "--params", LOGISTIC[1], "--data", LOGISTIC[2]]

ORDINARY = [
    Objective("(w*x + b - y)**2", "w b"),  # the README's
    Objective("2*x**2", "x"),
    Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"),
    Objective("exp(w) + b**2", "w b"),
    Objective("w**2 + 3*b**2", "w b"),
    SIGMOID_NEURON,
    Objective(*LOGISTIC),
    Objective("(dot(w, x) + b - y)**2", "w:20 b", "x:20 y"),
    Objective(  # bench/bench_emit.py's ten-parameter loss
        " + ".join(f"(t{i} - {i})**2*(1 + t{(i + 1) % 10}**2/10)" for i in range(10)),
        " ".join(f"t{i}" for i in range(10)),
    ),
    Objective(  # bench/bench_taylor.py's loss
        "log("
        + " + ".join(f"exp({1 + i % 3}*t{i})" for i in range(20))
        + ") + "
        + " + ".join(f"t{i}**4" for i in range(20)),
        " ".join(f"t{i}" for i in range(20)),
    ),
    Objective("sqrt(1 + w**2) + sigmoid(b) + softplus(w - b) + abs(w)", "w b"),
    Objective("norm(w)", "w:20"),
]


# -- the estimate


def test_expansion_size_counts_a_power_of_a_sum_exactly() -> None:
    assert expansion_size(sympy.sympify("(a + b + c)**1000")) == Expansion(501_501, 0)
    assert expansion_size(sympy.sympify("(w*x + b - y)**40")).terms == 861


def test_expansion_size_bounds_a_power_by_its_monomials() -> None:
    # multisets of 3 terms would give C(102, 100) = 5151; the degree allows only 201 monomials
    assert expansion_size(sympy.sympify("(1 + x + x**2)**100")).terms == 201


def test_roots_denominators_and_function_arguments_are_counted_inside() -> None:
    size = expansion_size(sympy.sympify("1/(1 + (a + b)**2) + exp((x + y)**3)"))
    assert size == Expansion(terms=4, root_terms=4)
    assert expansion_size(sympy.sympify("sqrt(1 + (a + b + c)**80)")).root_terms == 3_322


def test_expansion_size_of_a_deep_expression_does_not_recurse() -> None:
    expr: sympy.Expr = sympy.Symbol("x")
    for i in range(1, 3000):
        expr = sympy.Add(sympy.exp(expr, evaluate=False), i, evaluate=False)
    assert expansion_size(expr) == Expansion(terms=2, root_terms=0)


def test_expansion_size_is_clipped_far_past_every_budget() -> None:
    size = expansion_size(sympy.sympify("(a + b + c + d + e + f + g + h)**1000 * (p + q)**1000"))
    assert size.terms == 10**15


_names = st.sampled_from(sympy.symbols("a b c x"))
_leaves = _names | st.integers(-3, 3).map(sympy.Integer)
_polynomials = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: sympy.Add(*xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: sympy.Mul(*xs)),
        st.tuples(inner, st.integers(1, 4)).map(lambda p: sympy.Pow(p[0], p[1])),
    ),
    max_leaves=8,
)


@given(_polynomials)
def test_expansion_size_is_an_upper_bound_on_the_terms_multiplied_out(expr: sympy.Expr) -> None:
    expanded = sympy.expand(expr)
    assert len(sympy.Add.make_args(expanded)) <= expansion_size(expr).terms


# -- the budget


@pytest.mark.parametrize("obj", ORDINARY, ids=lambda o: o.describe(30))
def test_ordinary_losses_are_within_the_proof_budget(obj: Objective) -> None:
    obj.check_budget()


def test_the_lectures_losses_are_within_the_gradient_descent_parameter_budget() -> None:
    for obj in ORDINARY[:6]:
        obj.check_budget(max_params=MAX_PROOF_PARAMS)


def test_a_huge_power_is_refused_naming_the_terms_budget() -> None:
    with pytest.raises(BudgetError) as info:
        Objective("(a+b+c)**1000", "a b c").check_budget()
    message = str(info.value)
    assert "501,501 terms" in message and f"budget of {MAX_EXPANDED_TERMS:,}" in message
    assert "MAX_EXPANDED_TERMS" in message


def test_a_large_denominator_is_refused_naming_the_root_budget() -> None:
    with pytest.raises(BudgetError, match=f"budget of {MAX_ROOT_TERMS} \\(MAX_ROOT_TERMS\\)"):
        Objective("1/(1 + (w*x + b - y)**8)", "w b").check_budget()


def test_too_many_parameters_are_refused_pointing_at_emit() -> None:
    with pytest.raises(BudgetError, match="101, over the budget of 24") as info:
        Objective(*LOGISTIC).check_budget(max_params=MAX_PROOF_PARAMS)
    assert "derive emit" in str(info.value)


# -- the command line


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["prove", "gradient-descent", "--loss", "(a+b+c)**1000", "--params", "a b c"],
            "the loss is too large for a symbolic proof: multiplied out, it has up to 501,501",
        ),
        (
            ["prove", "gradient-descent", "--loss", "1/(1 + (w*x+b-y)**8)", "--params", "w b"],
            "the loss is too large for a symbolic proof: a root or denominator holds up to 46",
        ),
        (
            ["prove", "newton", "--loss", "(a+b+c)**1000", "--params", "a b c"],
            "the loss is too large for a symbolic proof",
        ),
        (
            ["prove", "gradient-descent", *LOGISTIC_OPTIONS, "--form", "lecture"],
            "the loss has too many parameters for a symbolic proof: 101",
        ),
    ],
)
def test_a_proof_over_budget_exits_2_at_once(
    argv: list[str], message: str, no_hang: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"derive: error: {message}") and len(err.splitlines()) == 1


def test_the_dimension_free_proof_stays_available(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["prove", "steepest-descent"], capsys)[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["taylor", "(a+b+c)**1000", "--params", "a b c", "--at", "a=1,b=0,c=0"],
        ["emit", "(a+b+c)**1000", "--params", "a b c", "--method", "newton"],
        [
            *("descend", "(a+b+c)**1000", "--params", "a b c", "--at", "a=1/3,b=0,c=0"),
            *("--lr", "1/1000", "--steps", "2"),
        ],
        [
            *("prove", "newton", "--loss", "(a+b+c)**1000 + a**2 + b**2 + c**2"),
            *("--params", "a b c", "--at", "a=0,b=0,c=0"),
        ],
    ],
)
def test_commands_that_never_multiply_the_loss_out_are_not_budgeted(
    argv: list[str], no_hang: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(argv, capsys)
    assert code in (0, 1) and "budget" not in err


def test_steepest_descent_in_high_dimension_is_proved_without_coordinates(
    no_hang: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prove", "steepest-descent", "--dim", "512"]) == 0
    assert "verified: 17 of 17 steps proved" in capsys.readouterr().out


def test_gradient_descent_for_101_parameters_is_proved_in_vector_form(
    no_hang: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prove", "gradient-descent", *LOGISTIC_OPTIONS]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "NOT verified" not in out
    assert "∇_w ℒ" in out
