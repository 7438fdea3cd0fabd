from __future__ import annotations

import pytest
import sympy

from derive.errors import (
    DeclarationError,
    InvalidValueError,
    ObjectiveError,
    ParseError,
    PointError,
)
from derive.objective import Objective, exact_value

w, b, x, y = sympy.symbols("w b x y", real=True)


def test_params_and_data_are_split_and_data_sorted_by_name() -> None:
    obj = Objective("(w*x + b - y)**2", params="w b")
    assert obj.params == (w, b)
    assert obj.data == (x, y)
    assert obj.expr == (w * x + b - y) ** 2


@pytest.mark.parametrize("params", ["w b", "w, b", ["w", "b"], (w, b), [sympy.Symbol("w"), "b"]])
def test_params_accept_names_sequences_and_symbols(params: object) -> None:
    assert Objective("(w*x + b - y)**2", params=params).params == (w, b)  # type: ignore[arg-type]


def test_gradient_and_hessian_are_the_partial_derivatives() -> None:
    obj = Objective("(w*x + b - y)**2", params="w b")
    assert obj.gradient() == sympy.Matrix([2 * x * (w * x + b - y), 2 * (w * x + b - y)])
    assert obj.hessian() == sympy.Matrix([[2 * x**2, 2 * x], [2 * x, 2]])


def test_gradient_is_a_fresh_mutable_copy_each_time() -> None:
    obj = Objective("w**2", params="w")
    g = obj.gradient()
    g[0] = 0
    assert obj.gradient() == sympy.Matrix([2 * w])


def test_sympy_expression_keeps_its_own_numbers() -> None:
    z = sympy.Symbol("z")
    obj = Objective(sympy.Float("0.1") * z**2, params=[z])
    assert obj.expr.atoms(sympy.Float) == {sympy.Float("0.1")}
    assert obj.params == (z,)


def test_text_decimals_are_exact() -> None:
    assert Objective("0.1*w**2", "w").expr == w**2 / 10


def test_objective_is_immutable_and_hashable() -> None:
    obj = Objective("w**2", params="w")
    with pytest.raises(AttributeError, match="immutable"):
        obj.expr = w  # type: ignore[misc]
    assert obj == Objective("w**2", params="w")
    assert len({obj, Objective("w**2", params="w")}) == 1


@pytest.mark.parametrize(
    ("expr", "params", "message"),
    [
        ("w*x", "z", "parameter 'z' does not occur in the loss (its symbols: w, x)"),
        ("w*x", "w w", "parameter 'w' is given twice"),
        ("w*x", "", "no parameters given"),
        ("w*x", [], "no parameters given"),
        ("w*x", 3, "parameters must be names"),
        ("w*x", [3], "a parameter must be a name or a Symbol, got int"),
        ("w*x", "w;x", "parameter name 'w;x' is not allowed"),
        (sympy.Symbol("w__x"), "w__x", "'w__x' is not allowed"),
    ],
)
def test_bad_declarations_raise_a_declaration_error(
    expr: object, params: object, message: str
) -> None:
    with pytest.raises(DeclarationError) as info:
        Objective(expr, params=params)  # type: ignore[arg-type]
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("expr", "params", "message"),
    [
        (sympy.I * w, "w", "the loss is not real-valued"),
        (sympy.Function("f")(w), "w", "undefined function 'f'"),
        (sympy.Derivative(sympy.exp(w**2), w, evaluate=False), "w", "an unevaluated operation"),
        (sympy.zoo * w, "w", "undefined or infinite"),
        (w + sympy.Symbol("x__y"), "w", "'x__y' is not allowed"),
        (sympy.Eq(w, 1), "w", "must be text or a SymPy expression"),
        (3, "w", "the loss is a constant"),
        (None, "w", "must be text or a SymPy expression, got NoneType"),
    ],
)
def test_bad_objectives_raise_a_clear_error(expr: object, params: object, message: str) -> None:
    with pytest.raises(ObjectiveError) as info:
        Objective(expr, params=params)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert type(info.value) is ObjectiveError  # the loss itself, no narrower kind


def test_bad_loss_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unknown function 'eval'"):
        Objective("eval(w) + w", params="w")


def test_point_maps_names_and_symbols_to_exact_values() -> None:
    obj = Objective("w*b", "w b")
    assert obj.point({"b": "1/3", w: 0.5}) == (sympy.Rational(1, 2), sympy.Rational(1, 3))


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"w": 1}, PointError, "about is missing a value for b"),
        ({"w": 1, "b": 2, "z": 3}, PointError, "about names 'z', which is not a parameter"),
        ({"w": float("nan"), "b": 0}, InvalidValueError, "about value for w must be finite"),
        ({"w": True, "b": 0}, InvalidValueError, "must be a number, got True"),
        ({"w": "x.y", "b": 0}, InvalidValueError, "about value for w: unsupported syntax"),
        (
            {"w": [1], "b": 0},
            InvalidValueError,
            "must be a number, text or SymPy expression, got list",
        ),
        ([1, 2], PointError, "about must map parameter names to values, got list"),
    ],
)
def test_point_rejects_bad_values(values: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        Objective("w*b", "w b").point(values, what="about")  # type: ignore[arg-type]
    assert message in str(info.value)


def test_exact_value_of_floats_is_their_shortest_decimal() -> None:
    assert exact_value(0.1) == sympy.Rational(1, 10)
    assert exact_value(-2.5e-3) == sympy.Rational(-1, 400)
