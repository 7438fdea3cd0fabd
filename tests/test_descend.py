"""derive.descend: exact rationals where the arithmetic is rational, stated decimals
otherwise, never a guessed closed form; undefined iterates stop with a NumericError."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from fractions import Fraction

import mpmath
import pytest
import sympy

from derive.cli import main
from derive.descend import MAX_EXACT_DIGITS, MAX_STEPS, DescentError, descend
from derive.errors import DataError, InvalidValueError, NumericError, OptionError
from derive.objective import Objective


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def reference(f: Callable[[mpmath.mpf], mpmath.mpf], x0: int, lr: str, steps: int) -> list:
    """Gradient descent at 120 digits: an independent witness for the 30-digit iterates."""
    with mpmath.workdps(120):
        x, rate, path = (
            mpmath.mpf(x0),
            mpmath.mpf(Fraction(lr).numerator) / Fraction(lr).denominator,
            [],
        )
        for _ in range(steps + 1):
            path.append(x)
            x = x - rate * f(x)
    return path


def agrees_to_29_digits(value: sympy.Expr, want: mpmath.mpf) -> bool:
    with mpmath.workdps(120):
        got = mpmath.mpf(str(value))
        return bool(abs(got - want) <= abs(want) * mpmath.mpf(10) ** -29)


def test_seed_example_is_exact_and_the_result_is_immutable() -> None:
    result = descend(Objective("2*x**2", "x"), {"x": 1}, "0.1", 2)
    assert [it.values for it in result.iterates] == [
        (1,),
        (sympy.Rational(3, 5),),
        (sympy.Rational(9, 25),),
    ]
    assert result.exact and result.switched is None
    assert all(it.exact and it.digits is None for it in result.iterates)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.iterates = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.iterates[0].exact = False  # type: ignore[misc]


def test_quartic_iterates_are_exact_then_30_digit_decimals_never_guessed_closed_forms() -> None:
    result = descend(Objective("x**4", "x"), {"x": 1}, "0.2", 30)
    # exact while the fractions are small: the very same rationals as Fraction arithmetic
    x, rate = Fraction(1), Fraction(1, 5)
    for it in result.iterates[: result.switched]:
        assert it.exact and it.values[0] == sympy.Rational(x.numerator, x.denominator)
        x = x - rate * 4 * x**3
    assert result.switched == 8
    assert result.reason == f"the exact fractions passed {MAX_EXACT_DIGITS} digits"
    want = reference(lambda v: 4 * v**3, 1, "0.2", 30)
    for it in result.iterates[result.switched :]:
        assert not it.exact and it.digits == 30
        assert agrees_to_29_digits(it.values[0], want[it.k]), it.k
    assert "from iterate 8 on, decimals (mpmath, 30 significant digits)" in result.describe()


@pytest.mark.parametrize(
    ("text", "f"), [("exp(x)", mpmath.exp), ("sin(x)", mpmath.cos)], ids=["exp", "sin"]
)
def test_transcendental_gradients_switch_to_stated_decimals(
    text: str, f: Callable[[mpmath.mpf], mpmath.mpf], no_hang: None
) -> None:
    result = descend(Objective(text, "x"), {"x": 1}, "0.1", 40)
    assert result.switched == 1 and result.reason == "the gradient at iterate 0 is not rational"
    assert result.iterates[0].exact and not any(it.exact for it in result.iterates[1:])
    want = reference(f, 1, "0.1", 40)
    for it in result.iterates:
        assert agrees_to_29_digits(it.values[0], want[it.k]), it.k


def test_irrational_learning_rate_or_start_gives_decimals_at_once() -> None:
    result = descend(Objective("x**2", "x"), {"x": 1}, "sqrt(2)/10", 2)
    assert result.switched == 1 and result.reason == "the learning rate is not rational"
    result = descend(Objective("x**2", "x"), {"x": "sqrt(2)"}, "0.1", 1)
    assert result.iterates[0].values == (sympy.sqrt(2),)
    assert result.reason == "iterate 0 is not rational"


def test_data_values_are_substituted_exactly() -> None:
    obj = Objective("(w*x - y)**2", "w")
    result = descend(obj, {"w": 0}, "1/8", 1, data={"x": 2, "y": 1})
    assert result.iterates[1].values == (sympy.Rational(1, 2),)
    with pytest.raises(DataError, match="missing: x, y"):
        descend(obj, {"w": 0}, "1/8", 1)
    with pytest.raises(DataError, match="data names 'z'"):
        descend(obj, {"w": 0}, "1/8", 1, data={"x": 2, "y": 1, "z": 0})


def test_starting_outside_the_domain_stops_at_the_starting_point() -> None:
    with pytest.raises(DescentError) as info:
        descend(Objective("log(x)", "x"), {"x": 0}, "0.1", 3)
    assert str(info.value) == (
        "gradient descent stopped at the starting point (x = 0): it is outside the loss's "
        "domain (log(x) is the log of zero)"
    )
    assert isinstance(info.value, NumericError)
    assert [it.k for it in info.value.partial.iterates] == [0]


def test_stepping_below_zero_under_a_square_root_stops_naming_the_iterate() -> None:
    with pytest.raises(DescentError) as info:
        descend(Objective("sqrt(x)", "x"), {"x": 1}, "1", 5)
    message = str(info.value)
    assert message.startswith("gradient descent stopped at iterate 2 (x = -0.2071067811865")
    assert "outside the loss's domain (sqrt(x) is a fractional power of a negative number" in (
        message
    )
    assert [it.k for it in info.value.partial.iterates] == [0, 1, 2]


def test_an_iterate_outside_the_domain_stops_even_where_the_gradient_is_defined() -> None:
    # the gradient 1/x + 2x is defined at x = -2, the loss log(x) + x**2 is not
    with pytest.raises(DescentError, match=r"iterate 1 \(x = -2\): it is outside the loss's"):
        descend(Objective("log(x) + x**2", "x"), {"x": 1}, "1", 3)


def test_a_kink_reached_exactly_stops_the_gradient() -> None:
    with pytest.raises(DescentError, match=r"iterate 2 \(x = 0\): the gradient is undefined"):
        descend(Objective("abs(x)", "x"), {"x": 1}, "0.5", 4)
    # landing on the kink at the last iterate needs no gradient there
    assert descend(Objective("abs(x)", "x"), {"x": 1}, "0.5", 2).iterates[-1].values == (0,)


def test_a_diverging_run_stops_with_a_numeric_error() -> None:
    with pytest.raises(DescentError, match="the run diverges; try a smaller lr"):
        descend(Objective("x**4", "x"), {"x": 10}, "1", 40)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"steps": -1}, OptionError, "steps must be a whole number from 0 to 10000"),
        ({"steps": MAX_STEPS + 1}, OptionError, "steps must be a whole number from 0 to 10000"),
        ({"steps": True}, OptionError, "steps must be a whole number"),
        ({"lr": 0}, OptionError, "lr must be a positive number"),
        ({"lr": "-1"}, OptionError, "lr must be a positive number"),
        ({"lr": "nan"}, InvalidValueError, "lr must be finite and real"),
        ({"at": {"x": "inf"}}, InvalidValueError, "at value for x must be finite and real"),
        ({"digits": 2}, OptionError, "digits must be a whole number from 5 to 1000"),
    ],
)
def test_bad_arguments_are_specific_errors(
    kwargs: dict, error: type[Exception], message: str
) -> None:
    args = {"obj": Objective("x**2", "x"), "at": {"x": 1}, "lr": "0.1", "steps": 2} | kwargs
    with pytest.raises(error, match=message):
        descend(**args)


def test_the_step_limit_is_cheap_per_step(no_hang: None) -> None:
    result = descend(Objective("2*x**2", "x"), {"x": 1}, "0.1", MAX_STEPS)
    assert len(result.iterates) == MAX_STEPS + 1
    assert result.switched is not None and "passed 2000 digits" in (result.reason or "")
    assert float(result.iterates[-1].values[0]) == 0.6**MAX_STEPS  # underflows to 0.0 too


def test_cli_says_which_iterates_are_exact_and_which_decimal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        ["descend", "x**4", "--params", "x", "--at", "x=1", "--lr", "0.2", "--steps", "9"], capsys
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[1].split()[:3] == ["1", "0.2", "exact"] and "(x = 1/5)" in lines[1]
    assert (
        "decimal, 30 digits" in lines[8] and "(x = 0.165135891218939684468718507523)" in (lines[8])
    )
    assert lines[-1] == (
        "iterates 0 to 7 are exact; from iterate 8 on, decimals (mpmath, 30 significant "
        f"digits): the exact fractions passed {MAX_EXACT_DIGITS} digits"
    )


def test_cli_json_gives_exact_and_digits_per_iterate(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["descend", "exp(x)", "--params", "x", "--at", "x=0", "--lr", "0.1", "--steps", "2"]
    code, out, _ = run([*argv, "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["switched"] == 2 and data["digits"] == 30
    assert data["iterates"][1] == {
        "k": 1,
        "values": ["-1/10"],
        "float": [-0.1],
        "exact": True,
        "digits": None,
    }
    assert data["iterates"][2]["values"] == ["-0.190483741803595957316424905945"]
    assert (data["iterates"][2]["exact"], data["iterates"][2]["digits"]) == (False, 30)


def test_cli_undefined_iterate_prints_the_iterates_so_far_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["descend", "sqrt(x)", "--params", "x", "--at", "x=1", "--lr", "1", "--steps", "5"]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert [line.split()[0] for line in out.splitlines()[:3]] == ["0", "1", "2"]
    assert err.startswith("derive: error: gradient descent stopped at iterate 2")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 2 and json.loads(out)["stopped"].startswith("gradient descent stopped")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["log(x)", "--at", "x=0", "--lr", "0.1"],
            "gradient descent stopped at the starting point (x = 0)",
        ),
        (["x**2", "--at", "x=nan", "--lr", "0.1"], "--at value for x must be finite and real"),
        (["x**2", "--at", "x=1", "--lr", "inf"], "--lr must be finite and real"),
        (["x**2", "--at", "x=1", "--lr", "0.1", "--steps", "10001"], "--steps must be"),
        (["x*y", "--at", "x=1", "--lr", "0.1"], "gradient descent needs a value for every data"),
    ],
)
def test_cli_descend_bad_or_undefined_input_exits_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["descend", argv[0], "--params", "x", *argv[1:]], capsys)
    assert code == 2 and err.startswith(f"derive: error: {message}")
    assert "Traceback" not in err


def test_a_diverging_exact_run_stops_with_its_magnitude_not_a_crash():
    with pytest.raises(DescentError, match=r"passed 10\*\*100 .*\(4\.48415508584e\+100\)"):
        descend(Objective("x**2", "x"), {"x": 1}, 3, 300)


def test_an_iterate_too_large_to_print_is_left_out_and_named_by_its_magnitude():
    with pytest.raises(DescentError, match=r"over 10\^\(10\^15\)") as caught:
        descend(Objective("exp(exp(exp(x)))", "x"), {"x": 10}, 1, 3)
    assert [it.k for it in caught.value.partial.iterates] == [0]
