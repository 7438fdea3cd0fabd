from __future__ import annotations

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from derive.errors import DeriveError, ParseError
from derive.parse import FUNCTIONS, check_name, parse

x, y, w, b = sympy.symbols("x y w b", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(w*x + b - y)**2", (w * x + b - y) ** 2),
        ("(w*x + b - y)^2 / 2", (w * x + b - y) ** 2 / 2),
        ("2^-1*x^2", x**2 / 2),
        ("-x**2", -(x**2)),
        ("x^y^2", x ** (y**2)),
        ("0.1*x", x / 10),
        ("1e-3 + x", x + sympy.Rational(1, 1000)),
        ("1_000*x", 1000 * x),
        ("2.5e2*x", 250 * x),
        ("sigmoid(x)", 1 / (1 + sympy.exp(-x))),
        ("softplus(x)", sympy.log(1 + sympy.exp(x))),
        ("log1p(x) + expm1(y)", sympy.log(1 + x) + sympy.exp(y) - 1),
        ("log(x, 2)", sympy.log(x) / sympy.log(2)),
        ("abs(x) + sqrt(y)", sympy.Abs(x) + sympy.sqrt(y)),
        ("pi*x", sympy.pi * x),
        ("a - b - c", sympy.Symbol("a", real=True) - b - sympy.Symbol("c", real=True)),
        ("x / y / 2", x / y / 2),
        ("(w*x\n + b)", w * x + b),
    ],
)
def test_parse_builds_the_exact_expression(text: str, expected: sympy.Expr) -> None:
    assert parse(text) == expected


def test_decimal_literals_are_exact_rationals() -> None:
    assert parse("0.1") == sympy.Rational(1, 10)
    assert parse("0.1 + 0.2") == sympy.Rational(3, 10)
    assert not parse("3.14159*x").atoms(sympy.Float)


def test_names_become_real_symbols() -> None:
    expr = parse("w*x")
    assert all(s.is_real for s in expr.free_symbols)


def test_given_symbols_are_reused() -> None:
    mine = sympy.Symbol("w", positive=True)
    assert parse("w + 1", symbols={"w": mine}) == mine + 1


def test_every_whitelisted_function_parses() -> None:
    for name, (arities, _) in FUNCTIONS.items():
        args = ", ".join(["x / 7 + 1/3"] * arities[0])
        assert parse(f"{name}({args})").free_symbols == {x}


def test_long_flat_sums_are_accepted() -> None:
    expr = parse(" + ".join(f"t{i}**2" for i in range(1000)))
    assert len(expr.args) == 1000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x.__class__", "unsupported syntax: attribute access at column 2"),
        ("x.__class__.__mro__[-1].__subclasses__()", "unsupported syntax: call of a attribute"),
        ("x[0]", "unsupported syntax: subscript at column 1"),
        ("lambda: 1", "unsupported syntax: lambda at column 1"),
        ("[i for i in x]", "unsupported syntax: comprehension at column 1"),
        ("x < y", "unsupported syntax: comparison at column 1"),
        ("x and y", "unsupported syntax: boolean operator at column 1"),
        ("x if y else w", "unsupported syntax: conditional expression at column 1"),
        ("'abc'", 'character "\'" is not allowed in a loss at column 1 (strings are not'),
        ("f'{x}'", 'character "\'" is not allowed in a loss at column 2 (strings are not'),
        ("x # note", "character '#' is not allowed in a loss at column 3 (comments are not"),
        ("True + x", "unsupported literal True at column 1"),
        ("1j*x", "unsupported literal 1j at column 1"),
        ("exp(x=1)", "exp() takes no keyword arguments at column 1"),
        ("exp(*x)", "exp() takes 1 argument(s), got 1 at column 1"),
        ("sin(x, y)", "sin() takes 1 argument(s), got 2 at column 1"),
        ("foo(x)", "unknown function 'foo' (supported: abs, acos"),
        ("__import__(os)", "unknown function '__import__'"),
        ("eval(x)", "unknown function 'eval'"),
        ("x // 2", "unsupported operator '//' at column 1"),
        ("x % 2", "unsupported operator '%' at column 1"),
        ("~x", "unsupported operator '~' at column 1"),
        ("exp + 1", "'exp' is a function: call it as exp(...) at column 1"),
        ("__x + 1", "name '__x' is not allowed"),
        ("a__b + 1", "name 'a__b' is not allowed"),
        ("θ + 1", "character 'θ' is not allowed in a loss at column 1 (write names"),
        ("x +", "invalid syntax"),
        ("exp(x", "invalid syntax: '(' was never closed"),
        ("", "loss text is empty"),
        ("   \n ", "loss text is empty"),
        ("x := 1", "invalid syntax"),
        ("(x := 1)", "unsupported syntax: assignment expression"),
        ("(x, y)", "unsupported syntax: tuple at column 1"),
        ("1/0", "division by zero at column 3"),
        ("x/(1 - 1)", "division by zero at column 4"),
        ("0**-1 + x", "division by zero (0 to a negative power)"),
        ("log(0)", "loss is undefined"),
        ("sqrt(-1)*x", "loss is not real-valued"),
        ("log(-2) + x", "loss is not real-valued"),
        ("acos(2) + x", "loss is not real-valued: acos(2) has no real value"),
    ],
)
def test_parse_rejects_with_a_message_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert message in str(info.value)
    assert isinstance(info.value, DeriveError) and isinstance(info.value, ValueError)


def test_parse_error_points_at_the_column() -> None:
    with pytest.raises(ParseError) as info:
        parse("a + b.c")
    assert info.value.column == 6
    assert str(info.value).endswith("a + b.c\n       ^")


def test_caret_columns_refer_to_the_users_text() -> None:
    with pytest.raises(ParseError) as info:
        parse("x^2 + y.z")
    assert info.value.column == 8


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9**9**9", "exponent 387420489 is too large"),
        ("9^9^9^9", "is too large"),
        ("((9**9)**9999)**9999", "exponent 9999 is too large"),
        ("((9**9)**999)**999", "power of a number is too large"),
        ("2**(1/100000) + x", "is too large (at most 1000 in magnitude and denominator)"),
        ("x**100000", "exponent 100000 is too large"),
        ("1" * 5000, "numeric literal is too long"),
        ("1e999999*x", "out of range"),
        ("1e400*x", "out of range"),
        ("x" + "+x" * 6000, "loss text is too long"),
        ("+0" * 4000, "nested too deeply or too long for the parser"),
        ("-" * 3000 + "1", "nested too deeply"),
        ("(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
        ("exp(" * 150 + "x" + ")" * 150, "nested too deeply"),
        ("x" * 20_000, "loss text is too long"),
    ],
    ids=lambda v: v[:24] if isinstance(v, str) else None,
)
def test_hostile_input_fails_fast_with_a_parse_error(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert message in str(info.value)


def test_non_string_input_is_rejected() -> None:
    with pytest.raises(ParseError, match="must be a string, got int"):
        parse(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["w", "theta_1", "X2"])
def test_check_name_accepts_plain_identifiers(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["_w", "w__1", "1w", "w.x", "w;import os", "", "θ"])
def test_check_name_rejects_everything_else(name: str) -> None:
    with pytest.raises(ParseError, match="is not allowed"):
        check_name(name)


@given(st.text(alphabet="xyw0123456789.+-*/^()e_ ,[]'\"abcdjlgsinpoqrt", max_size=40))
def test_parse_never_fails_with_anything_but_a_parse_error(text: str) -> None:
    try:
        result = parse(text)
    except ParseError:
        return
    assert isinstance(result, sympy.Expr)
    assert not result.has(sympy.I, sympy.zoo, sympy.nan)
