"""Taylor expansions at singular points, expansion points that are not numbers, and the
work budget: each refused with a DeriveError (exit code 2), never printed as zoo/nan/I."""

from __future__ import annotations

import pytest
import sympy

from derive import errors
from derive.cli import main
from derive.errors import BudgetError, DeriveError, InvalidValueError, NumericError
from derive.objective import Objective, exact_value
from derive.taylor import MAX_DIGITS, MAX_OPS, taylor


def bench_loss(n: int) -> Objective:
    """bench/bench_taylor.py's loss: log Σ exp(aᵢθᵢ) + Σ θᵢ⁴."""
    exps = " + ".join(f"exp({1 + i % 3}*t{i})" for i in range(n))
    quartics = " + ".join(f"t{i}**4" for i in range(n))
    return Objective(f"log({exps}) + {quartics}", " ".join(f"t{i}" for i in range(n)))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# (loss, point, lowest undefined order, words of the reason)
SINGULAR = [
    ("log(x)", "0", 0, "log(x) is the log of zero"),
    ("abs(x)", "0", 1, "abs(x) has a kink there"),
    ("sqrt(x)", "-1", 0, "sqrt(x) is a fractional power of a negative number, not real"),
    ("asin(x)", "1", 1, "1/sqrt(1 - x**2) divides by zero"),
    ("1/x", "0", 0, "1/x divides by zero"),
    ("x**(1/3)", "0", 1, "x**(-2/3) divides by zero"),
    ("log(x)", "-1", 0, "log(x) is the log of a negative number"),
    ("abs(x)**3", "0", 3, "abs(x) has a kink there"),
    ("acos(x)", "2", 0, "acos(x) is outside [-1, 1]"),
    ("tan(x)", "pi/2", 0, "its value is zoo"),
    ("sqrt(x)*sqrt(x - 2)", "-1", 0, "sqrt(x - 2) is a fractional power of a negative number"),
]


@pytest.mark.parametrize(("text", "at", "order", "reason"), SINGULAR)
def test_singular_expansion_point_is_a_numeric_error_naming_point_and_order(
    text: str, at: str, order: int, reason: str
) -> None:
    with pytest.raises(NumericError) as info:
        taylor(Objective(text, "x"), 4, about={"x": at})
    message = str(info.value)
    assert f"the Taylor expansion about x={sympy.sympify(at)} is undefined at order {order}" in (
        message
    )
    assert reason in message
    for shown in ("zoo", "nan", "I"):
        if shown not in reason:
            assert f" {shown} " not in message


@pytest.mark.parametrize(("text", "at", "order", "reason"), SINGULAR)
def test_singular_expansion_point_exits_2_with_nothing_printed(
    text: str, at: str, order: int, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["taylor", text, "--params", "x", "--order", "4", "--at", f"x={at}"], capsys
    )
    assert code == 2
    assert out == ""
    assert err.startswith("derive: error: the Taylor expansion about x=")
    assert f"undefined at order {order}" in err and reason in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_orders_below_the_undefined_one_are_still_given() -> None:
    assert taylor(Objective("abs(x)", "x"), 0, about={"x": 0}).terms == (0,)
    assert taylor(Objective("x**(1/3)", "x"), 0, about={"x": 0}).terms == (0,)
    assert taylor(Objective("asin(x)", "x"), 0, about={"x": 1}).terms == (sympy.pi / 2,)
    assert taylor(Objective("abs(x)**3", "x"), 2, about={"x": 0}).terms == (0, 0, 0)


def test_a_kink_whose_one_sided_derivatives_agree_is_differentiable() -> None:
    # x|x| has derivative 2|x|: 0 at 0; its second derivative 2 sign(x) does not exist
    t = taylor(Objective("x*abs(x)", "x"), 1, about={"x": 0})
    assert t.terms == (0, 0)
    with pytest.raises(NumericError, match="undefined at order 2: d\\^2L/dx\\^2 does not exist"):
        taylor(Objective("x*abs(x)", "x"), 2, about={"x": 0})


def test_kinks_in_several_parameters_name_the_mixed_partial() -> None:
    with pytest.raises(NumericError, match=r"about w=1, b=0 is undefined at order 1: dL/dw"):
        taylor(Objective("abs(w - 1) + b**2", "w b"), 2, about={"w": 1, "b": 0})
    t = taylor(Objective("abs(w - 1) + b**2", "w b"), 2, about={"w": 2, "b": 0})
    assert t.partial((0,)) == 1 and t.partial((1, 1)) == 2


def test_a_step_function_at_its_jump_is_undefined_not_one_half() -> None:
    w = sympy.Symbol("w", real=True)
    with pytest.raises(NumericError, match="Heaviside\\(w\\) jumps at 0"):
        taylor(Objective(sympy.Heaviside(w) + w**2, [w]), 1, about={"w": 0})


def test_expansions_away_from_singularities_are_unchanged() -> None:
    x = sympy.Symbol("x", real=True)
    t = taylor(Objective("log(x)", "x"), 3, about={"x": 1})
    assert t.terms == (0, x - 1, -((x - 1) ** 2) / 2, (x - 1) ** 3 / 3)
    t = taylor(Objective("sqrt(x) + abs(x)", "x"), 2, about={"x": 4})
    assert t.terms[0] == 6 and sympy.expand(t.terms[1] - sympy.Rational(5, 4) * (x - 4)) == 0


def test_lazily_converted_terms_never_return_zoo_nan_i_or_accumbounds() -> None:
    t = taylor(Objective("x**2", "x"), 2, about={"x": 1})
    for bad in (sympy.zoo, sympy.nan, sympy.oo, sympy.I + 1, sympy.AccumBounds(-1, 1)):
        with pytest.raises(NumericError, match="about x=1 is undefined: a term is"):
            t._checked(bad)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "oo", "zoo", "I", "c", "E", "x+1"])
def test_expansion_point_that_is_not_a_finite_real_number_is_refused(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidValueError, match="about value for x must be finite and real"):
        taylor(Objective("exp(x)", "x"), 2, about={"x": value})
    code, out, err = run(["taylor", "exp(x)", "--params", "x", "--at", f"x={value}"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"derive: error: --at value for x must be finite and real, got {value!r}")


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        sympy.nan,
        sympy.zoo,
        sympy.oo,
        sympy.I,
        sympy.sqrt(-2),
        sympy.Symbol("c"),
        sympy.AccumBounds(-1, 1),
        sympy.Function("f")(1),
    ],
    ids=str,
)
def test_exact_value_accepts_only_finite_real_numbers(value: object) -> None:
    with pytest.raises(InvalidValueError, match="value must be finite and real"):
        exact_value(value)


def test_exact_value_keeps_exact_finite_reals() -> None:
    assert exact_value("sqrt(2)/2") == sympy.sqrt(2) / 2
    assert exact_value("pi") == sympy.pi
    assert exact_value(sympy.Rational(1, 3)) == sympy.Rational(1, 3)
    assert exact_value("-0.25") == sympy.Rational(-1, 4)


def test_budget_error_is_a_derive_error_in_the_public_list() -> None:
    assert issubclass(BudgetError, DeriveError) and "BudgetError" in errors.__all__


def test_exploding_derivatives_are_refused_by_the_work_budget(
    no_hang: None, capsys: pytest.CaptureFixture[str]
) -> None:
    tower = "x**x**x**x**x**x"
    with pytest.raises(BudgetError) as info:
        taylor(Objective(tower, "x"), 20, about={"x": 1})
    message = str(info.value)
    assert message.startswith("Taylor expansion too large: its derivatives pass")
    assert f"{MAX_OPS:,} operations" in message and "reduce --order" in message
    code, out, err = run(["taylor", tower, "--params", "x", "--order", "20", "--at", "x=1"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("derive: error: Taylor expansion too large") and "reduce --order" in err
    # the order the message says fits does fit
    fits = int(message.rsplit("(order ", 1)[1].split()[0])
    assert (
        taylor(Objective(tower, "x"), fits, about={"x": 1}).terms[1]
        == sympy.Symbol("x", real=True) - 1
    )


def test_values_too_large_to_compute_exactly_are_refused(no_hang: None) -> None:
    with pytest.raises(BudgetError, match=f"a number of over {MAX_DIGITS} digits"):
        taylor(Objective("x**x**x**x**x", "x"), 1, about={"x": 2})  # 2**65536
    with pytest.raises(BudgetError, match="cannot be computed exactly"):
        taylor(Objective("x**x**x**x**x**x", "x"), 1, about={"x": 2})


@pytest.mark.parametrize(("n", "order"), [(10, 4), (20, 3)])
def test_the_benchmark_sizes_stay_within_the_budget(n: int, order: int, no_hang: None) -> None:
    obj = bench_loss(n)
    for about in (None, {f"t{i}": 0 for i in range(n)}):
        t = taylor(obj, order, about=about)
        assert len(t._terms_se) == order + 1
