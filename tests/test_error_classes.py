"""One error class per kind of problem: which class a bad input raises, pinned through the
public API, and the command line still exits 2 with a one-line message for each."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
import sympy

import derive as dv
from derive import errors
from derive.cli import main

ERRORS = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, BaseException)
}

PARENTS = {
    "DeriveError": Exception,
    "ParseError": dv.DeriveError,
    "InvalidValueError": dv.DeriveError,
    "ObjectiveError": dv.DeriveError,
    "DeclarationError": dv.ObjectiveError,
    "PointError": dv.ObjectiveError,
    "DataError": dv.ObjectiveError,
    "DimensionError": dv.ObjectiveError,
    "OptionError": dv.ObjectiveError,
    "NumericError": dv.DeriveError,
    "DomainError": dv.NumericError,
    "VerificationError": dv.DeriveError,
    "BudgetError": dv.DeriveError,
    "InternalError": dv.DeriveError,
}


def test_every_error_class_is_listed_exported_and_a_derive_error() -> None:
    assert set(ERRORS) == set(errors.__all__) == set(PARENTS)
    for name, cls in ERRORS.items():
        assert issubclass(cls, dv.DeriveError), name
        assert getattr(dv, name) is cls, name  # public under derive too
        assert cls.__bases__[0] is PARENTS[name], name


def test_every_error_class_says_when_it_is_raised_in_one_line() -> None:
    for name, cls in ERRORS.items():
        doc = cls.__doc__
        assert doc, name
        assert doc.strip() and "\n" not in doc.split("\n\n")[0].strip(), name


def test_input_errors_stay_value_errors_and_numeric_ones_arithmetic_errors() -> None:
    for cls in (
        dv.ParseError,
        dv.InvalidValueError,
        dv.ObjectiveError,
        dv.DeclarationError,
        dv.PointError,
        dv.DataError,
        dv.DimensionError,
        dv.OptionError,
    ):
        assert issubclass(cls, ValueError), cls
    assert issubclass(dv.DomainError, ArithmeticError)


WIDE = " ".join(f"t{i}" for i in range(60))
QUARTIC_5 = "a**4 + b**4 + c**4 + d**4 + f**4"

# (what goes wrong, the call, the exact class, words of the message)
CASES: list[tuple[str, Callable[[], object], type[dv.DeriveError], str]] = [
    ("unsupported text", lambda: dv.Objective("w*(", "w"), dv.ParseError, ""),
    (
        "a parameter not in the loss",
        lambda: dv.Objective("w*x", params="z"),
        dv.DeclarationError,
        "parameter 'z' does not occur in the loss",
    ),
    (
        "a parameter twice",
        lambda: dv.Objective("w*x", params="w w"),
        dv.DeclarationError,
        "given twice",
    ),
    (
        "a vector of length 0",
        lambda: dv.Objective("dot(w, w)", params="w:0"),
        dv.DeclarationError,
        "length of vector 'w'",
    ),
    (
        "a bad data declaration",
        lambda: dv.Objective("w*x", params="w", data="z"),
        dv.DeclarationError,
        "data 'z' does not occur",
    ),
    (
        "a loss that is not real",
        lambda: dv.Objective(sympy.I * sympy.Symbol("w"), "w"),
        dv.ObjectiveError,
        "not real-valued",
    ),
    (
        "a constant loss",
        lambda: dv.Objective(3, "w"),
        dv.ObjectiveError,
        "the loss is a constant",
    ),
    (
        "a point missing a parameter",
        lambda: dv.taylor(dv.Objective("w*b", "w b"), 2, about={"w": 1}),
        dv.PointError,
        "about is missing a value for b",
    ),
    (
        "a point naming a non-parameter",
        lambda: dv.taylor(dv.Objective("w*b", "w b"), 2, about={"w": 1, "b": 2, "z": 0}),
        dv.PointError,
        "about names 'z'",
    ),
    (
        "a non-quadratic loss and no point",
        lambda: dv.learning_rate_bound(dv.Objective("x**4", "x")),
        dv.PointError,
        "give a point with at=",
    ),
    (
        "a coordinate that is not a number",
        lambda: dv.taylor(dv.Objective("exp(x)", "x"), 2, about={"x": "nan"}),
        dv.InvalidValueError,
        "about value for x must be finite and real",
    ),
    (
        "a learning rate that is not a number",
        lambda: dv.step_size(dv.Objective("2*x**2", "x"), lr="c", start={"x": 1}),
        dv.InvalidValueError,
        "lr must be finite and real",
    ),
    (
        "data values still needed",
        lambda: dv.learning_rate_bound(dv.Objective("(w*x)**2", "w")),
        dv.DataError,
        "depends on the data x",
    ),
    (
        "data naming no data symbol",
        lambda: dv.newton_step(dv.Objective("(w*x)**2", "w"), data={"z": 1}),
        dv.DataError,
        "data names 'z'",
    ),
    (
        "too many parameters for a symbolic Newton step",
        lambda: dv.newton_step(dv.Objective(QUARTIC_5, "a b c d f")),
        dv.DimensionError,
        "up to 4 parameters",
    ),
    (
        "a bad order",
        lambda: dv.taylor(dv.Objective("x**2", "x"), 99),
        dv.OptionError,
        "order must be a whole number",
    ),
    (
        "not an Objective",
        lambda: dv.gradient_descent("x**2"),  # type: ignore[arg-type]
        dv.OptionError,
        "needs an Objective",
    ),
    (
        "a bad form",
        lambda: dv.steepest_descent(2, form="cos"),
        dv.OptionError,
        "form must be one of",
    ),
    (
        "a loss undefined at the point",
        lambda: dv.taylor(dv.Objective("log(x)", "x"), 2, about={"x": 0}),
        dv.DomainError,
        "undefined at order 0",
    ),
    (
        "a Hessian that is not positive definite",
        lambda: dv.newton_step(dv.Objective("-x**2", "x")),
        dv.DomainError,
        "not positive definite",
    ),
    (
        "no positive curvature",
        lambda: dv.learning_rate_bound(dv.Objective("-x**2", "x")),
        dv.DomainError,
        "no positive curvature",
    ),
    (
        "too many partial derivatives",
        lambda: dv.taylor(dv.Objective(WIDE.replace(" ", " + "), WIDE), 6),
        dv.BudgetError,
        "partial derivatives",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_bad_input_raises_its_specific_class(
    call: Callable[[], object], error: type[dv.DeriveError], words: str
) -> None:
    with pytest.raises(dv.DeriveError) as info:
        call()
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    assert words in str(info.value)


def test_the_disc_form_refuses_a_loss_using_its_names() -> None:
    with pytest.raises(dv.DeclarationError, match="rename the loss's symbols"):
        dv.gradient_descent(dv.Objective("s**2 + u**2", "s u"), form="disc")


def test_narrower_classes_are_still_caught_as_their_parents() -> None:
    with pytest.raises(dv.ObjectiveError):
        dv.Objective("w*x", params="z")
    with pytest.raises(dv.NumericError):
        dv.newton_step(dv.Objective("-x**2", "x"))
    with pytest.raises(ValueError):
        dv.taylor(dv.Objective("exp(x)", "x"), 2, about={"x": "nan"})


# (command line, words of the message)
COMMANDS = [
    (["taylor", "w*x", "--params", "z"], "parameter 'z' does not occur in the loss"),
    (["taylor", "w*b", "--params", "w b", "--at", "w=1"], "--at is missing a value for b"),
    (["taylor", "exp(x)", "--params", "x", "--at", "x=nan"], "must be finite and real"),
    (["taylor", "log(x)", "--params", "x", "--at", "x=0"], "undefined at order 0"),
    (["prove", "learning-rate", "--loss", "(w*x)**2", "--params", "w"], "depends on the data x"),
    (["prove", "newton", "--loss", "1 - x**2", "--params", "x"], "not positive definite"),
    (["taylor", "x**2", "--params", "x", "--order", "99"], "order"),
]


@pytest.mark.parametrize(("argv", "words"), COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS])
def test_the_command_line_exits_2_with_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("derive: error: ") and err.endswith("\n")
    assert err.count("\n") == 1, err
    assert words in err
