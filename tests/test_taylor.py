from __future__ import annotations

import math
import random

import mpmath
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from derive.errors import BudgetError, InvalidValueError, OptionError, PointError
from derive.objective import Objective
from derive.taylor import MAX_PARTIALS, directional, taylor

DIGITS = 40

# (loss text, params, expansion point, data values, order)
LOSSES = [
    ("log(exp(t0) + exp(2*t1) + exp(3*t2))", "t0 t1 t2", {"t0": 0, "t1": "1/2", "t2": -1}, {}, 4),
    ("(1 - x)**2 + 100*(y - x**2)**2", "x y", {"x": "-3/2", "y": 2}, {}, 3),
    ("log(1 + exp(-y*(w*x + b)))", "w b", {"w": "1/3", "b": "-1/5"}, {"x": "7/4", "y": -1}, 4),
    ("1/(1 + w**2 + 2*b**2)", "w b", {"w": "1/2", "b": "1/3"}, {}, 5),
    ("sin(w)*cos(b) + tan(w*b/3)", "w b", {"w": "1/5", "b": "2/3"}, {}, 4),
    ("(sigmoid(w*x + b) - y)**2/2", "w b", {"w": 0, "b": 0}, {"x": "5/2", "y": "9/10"}, 3),
    ("sqrt(1 + w**2) + abs(b - 3) + erf(w*b)", "w b", {"w": "1/4", "b": 1}, {}, 3),
    ("softplus(a*w) + atan(w - b) + cosh(b)/3", "w b", {"w": "-1/2", "b": "1/7"}, {"a": 2}, 4),
]


def _mp(expr: sympy.Expr, values: dict[sympy.Symbol, sympy.Expr]) -> mpmath.mpf:
    return mpmath.mpf(sympy.N(expr.xreplace(values), DIGITS + 10))


@pytest.mark.parametrize(
    ("text", "params", "about", "data", "order"), LOSSES, ids=lambda v: str(v)[:30]
)
def test_terms_match_mpmath_taylor_along_random_directions(
    text: str, params: str, about: dict, data: dict, order: int
) -> None:
    obj = Objective(text, params)
    point = obj.point(about)
    fixed = {s: sympy.Rational(data[s.name]) for s in obj.data}
    t = taylor(obj, order, about=about)
    rng = random.Random(text)
    for _ in range(3):
        v = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 9)) for _ in obj.params]
        at = {p: a + vi for p, a, vi in zip(obj.params, point, v, strict=True)} | fixed
        phi_expr = obj.expr.xreplace(
            {p: a + sympy.Symbol("s") * vi for p, a, vi in zip(obj.params, point, v, strict=True)}
            | fixed
        )
        phi = sympy.lambdify(sympy.Symbol("s"), phi_expr, "mpmath")
        with mpmath.workdps(DIGITS + 20):
            reference = mpmath.taylor(phi, 0, order)
        with mpmath.workdps(DIGITS):
            for j, term in enumerate(t.terms):
                got = _mp(term, at)
                want = reference[j]
                assert abs(got - want) <= mpmath.mpf(10) ** (-DIGITS + 8) * max(1, abs(want)), (
                    j,
                    got,
                    want,
                )


@pytest.mark.parametrize(
    ("text", "about", "order"),
    [
        ("exp(x)*cos(x)", "1/3", 6),
        ("log(1 + x**2)", "1", 5),
        ("x/(1 + x)", "2", 4),
        ("sigmoid(x)", "0", 5),
    ],
)
def test_univariate_expansion_matches_sympy_series(text: str, about: str, order: int) -> None:
    obj = Objective(text, "x")
    x = obj.params[0]
    a = sympy.Rational(about)
    t = taylor(obj, order, about={"x": about})
    series = sympy.series(obj.expr, x, a, order + 1).removeO()
    assert sympy.simplify(sympy.expand(t.polynomial - series)) == 0


def test_polynomial_loss_is_reproduced_exactly() -> None:
    obj = Objective("(1 - x)**2 + 100*(y - x**2)**2", "x y")
    t = taylor(obj, 4, about={"x": "-3/2", "y": 2})
    assert sympy.expand(t.polynomial - obj.expr) == 0
    assert t.terms[4] != 0


@st.composite
def polynomials(draw: st.DrawFn) -> tuple[str, int]:
    """Text of a random polynomial in p, q, r with small integer coefficients, and its degree."""
    names = ["p", "q", "r"][: draw(st.integers(1, 3))]
    degree = draw(st.integers(1, 4))
    monomials = []
    for _ in range(draw(st.integers(1, 6))):
        powers = draw(st.lists(st.integers(0, degree), min_size=len(names), max_size=len(names)))
        if sum(powers) <= degree:
            factors = [f"{n}**{k}" for n, k in zip(names, powers, strict=True) if k]
            monomials.append("*".join([f"({draw(st.integers(-9, 9))})", *factors]))
    return " + ".join(monomials) or "0", degree


@given(polynomials(), st.lists(st.fractions(-3, 3, max_denominator=7), min_size=3, max_size=3))
def test_random_polynomials_expand_to_themselves_with_homogeneous_terms(
    case: tuple[str, int], at: list
) -> None:
    text, degree = case
    expr = sympy.sympify(
        text, locals={n: sympy.Symbol(n, real=True) for n in "pqr"}
    )  # trusted test text
    assume(expr.free_symbols)
    obj = Objective(text, " ".join(sorted(s.name for s in expr.free_symbols)))
    about = {
        p.name: sympy.Rational(v.numerator, v.denominator)
        for p, v in zip(obj.params, at, strict=False)
    }
    t = taylor(obj, degree, about=about)
    assert sympy.expand(t.polynomial - obj.expr) == 0
    scale = sympy.Symbol("scale")
    shifted = {p: a + scale * (p - a) for p, a in zip(obj.params, t.point, strict=True)}
    for j, term in enumerate(t.terms):
        assert sympy.expand(term.xreplace(shifted) - scale**j * term) == 0


def test_terms_are_homogeneous_in_the_displacement_symbols() -> None:
    obj = Objective("log(1 + exp(-y*(w*x + b)))", "w b")
    t = taylor(obj, 3)
    assert t.point == obj.params
    assert [d.name for d in t.displacement] == ["Delta_w", "Delta_b"]
    assert all(d.is_real for d in t.displacement)
    for j, term in enumerate(t.terms):
        poly = sympy.Poly(term, *t.displacement)
        assert all(sum(m) == j for m in poly.monoms())


def test_only_unique_multi_indices_are_differentiated() -> None:
    obj = Objective(
        " + ".join(f"exp(t{i})*t{i + 1}" for i in range(5)) + " + t5",
        " ".join(f"t{i}" for i in range(6)),
    )
    t = taylor(obj, 3, about={f"t{i}": 0 for i in range(6)})
    assert len(t._coefficients) == math.comb(6 + 3, 3)
    assert t.partial((1, 0)) == t.partial((0, 1))


def test_gradient_and_hessian_at_the_point() -> None:
    obj = Objective("(w*x + b - y)**2", "w b")
    t = taylor(obj, 2, about={"w": 1, "b": 0})
    at = {obj.params[0]: 1, obj.params[1]: 0}
    assert t.gradient() == obj.gradient().xreplace(at)
    assert t.hessian() == obj.hessian().xreplace(at)


def test_expansion_point_must_be_numbers_the_symbolic_expansion_covers_the_rest() -> None:
    obj = Objective("exp(w)", "w")
    with pytest.raises(
        InvalidValueError, match="about value for w must be finite and real, got 'c'"
    ):
        taylor(obj, 2, about={"w": "c"})
    t = taylor(obj, 2)  # the expansion about a symbolic point: L(w + Delta_w)
    w, dw = obj.params[0], t.displacement[0]
    assert t.terms == (sympy.exp(w), dw * sympy.exp(w), dw**2 * sympy.exp(w) / 2)


def test_symengine_fallback_handles_functions_it_cannot_differentiate() -> None:
    w = sympy.Symbol("w", real=True)
    t = taylor(Objective(sympy.Heaviside(w - 1) + w**2, [w]), 2, about={"w": 0})
    assert t.terms == (0, 0, w**2)


def test_abs_is_differentiated_away_from_zero() -> None:
    t = taylor(Objective("abs(x) + x**3", "x"), 3, about={"x": -1})
    x = t.objective.params[0]
    assert sympy.expand(t.polynomial - (-x + x**3)) == 0


@pytest.mark.parametrize(
    ("order", "about", "error", "message"),
    [
        (-1, None, OptionError, "order must be a whole number from 0 to 20, got -1"),
        (2.5, None, OptionError, "order must be a whole number from 0 to 20, got 2.5"),
        (True, None, OptionError, "order must be a whole number"),
        (21, None, OptionError, "order must be a whole number from 0 to 20, got 21"),
        (2, {"w": 1}, PointError, "about is missing a value for b"),
        (
            2,
            {"w": "b", "b": 0},
            InvalidValueError,
            "about value for w must be finite and real, got 'b'",
        ),
    ],
)
def test_bad_expansion_requests_are_clear_errors(
    order: object, about: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        taylor(Objective("w*b", "w b"), order, about=about)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_oversized_expansions_are_refused_before_any_work() -> None:
    obj = Objective(" + ".join(f"t{i}" for i in range(60)), " ".join(f"t{i}" for i in range(60)))
    with pytest.raises(BudgetError, match=f"at most {MAX_PARTIALS}"):
        taylor(obj, 6)


def test_taylor_needs_an_objective() -> None:
    with pytest.raises(OptionError, match="needs an Objective, got str"):
        taylor("x**2", 2)  # type: ignore[arg-type]


def test_directional_form_is_the_lectures_expansion() -> None:
    obj = Objective("(w*x + b - y)**2", "w b")
    d = directional(obj, order=2)
    eta = d.eta
    u = d.direction()
    assert sympy.expand(d.terms[1] - eta * (u.T * obj.gradient())[0, 0]) == 0
    assert sympy.expand(d.terms[2] - eta**2 / 2 * (u.T * obj.hessian() * u)[0, 0]) == 0
    assert all(sympy.expand(s - t) == 0 for s, t in zip(d.structured(), d.terms, strict=True))
    # a quadratic in θ: the second-order expansion is exact
    assert sympy.expand(d.shifted - d.polynomial) == 0


def test_latex_shows_terms_and_remainder() -> None:
    t = taylor(Objective("2*x**2", "x"), 2, about={"x": 1})
    assert t.latex() == (
        r"\mathcal{L}\left(x\right) = 2 + \left(4 x - 4\right) + 2 \left(x - 1\right)^{2}"
        r" + O\!\left(\left\|x - 1\right\|^{3}\right)"
    )
    assert t._repr_latex_().startswith("$$")


def test_componentwise_latex_is_the_lectures_two_variable_form() -> None:
    t = taylor(Objective("w**2*b + exp(w)", "w b"), 2, about={"w": 0, "b": 1})
    tex = t.latex("componentwise")
    assert tex.startswith(r"\mathcal{L}\left(w, b\right) = \mathcal{L}\Big|_{w=0, b=1} + ")
    assert r"\frac{\partial \mathcal{L}}{\partial w}\Big|_{w=0, b=1} w" in tex
    assert (
        r"\frac{1}{2} \frac{\partial^{2} \mathcal{L}}{\partial w^{2}}\Big|_{w=0, b=1} w^{2}" in tex
    )
    assert r"\partial b}" not in tex  # ∂L/∂b = w² vanishes at the point


def test_structured_latex_shows_gradient_and_hessian_at_the_point() -> None:
    t = taylor(Objective("w**2*b + exp(w)", "w b"), 3, about={"w": 0, "b": 1})
    tex = t.latex("structured")
    assert r"\Delta\theta^{\top} \nabla_{\theta} \mathcal{L}" in tex
    assert r"\frac{1}{3!} D^{3}\mathcal{L}" in tex
    assert r"\left[\begin{matrix}1\\0\end{matrix}\right]" in tex
    assert r"\left[\begin{matrix}3 & 0\\0 & 0\end{matrix}\right]" in tex
    with pytest.raises(OptionError, match="form must be expanded, componentwise or structured"):
        t.latex("cubist")
