"""Every derivation in the library verifies, and stops verifying when any step is corrupted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sympy

from derive import (
    Derivation,
    Objective,
    gradient_descent,
    learning_rate_bound,
    newton_step,
    steepest_descent,
    step_size,
)
from derive.errors import DataError, DomainError, OptionError, PointError
from derive.examples import SIGMOID_NEURON
from derive.library import taylor_expansion, vector_calculus

from .mutation import run_mutations

LOSSES = [
    Objective("w**2 + b**2", "w b"),
    Objective("(w*x + b - y)**2", "w b"),
    Objective("2*x**2", "x"),
    Objective("log(1 + exp(-y*(w*x + b)))", "w b"),
    Objective("(1 - x)**2 + 100*(y - x**2)**2", "x y"),
    Objective("t1**2 + t2**4 + exp(t3) + t1*t3", "t1 t2 t3"),
    SIGMOID_NEURON,
]


@pytest.mark.parametrize("dim", range(1, 65))
def test_steepest_descent_verifies_in_every_dimension_up_to_64(dim: int) -> None:
    assert steepest_descent(dim).verify().ok


@pytest.mark.parametrize("form", ["bound", "angle"])
@pytest.mark.parametrize("dim", [None, 1, 2, 5])
def test_steepest_descent_forms_verify(dim: int | None, form: str) -> None:
    report = steepest_descent(dim, form=form).verify()
    assert report.ok, report.summary()


def test_steepest_descent_states_the_bound_and_the_minimiser() -> None:
    d = steepest_descent(2)
    bound = d.step("bound")
    u1, u2 = sympy.symbols("u_1 u_2", real=True)
    g1, g2 = sympy.symbols("g_1 g_2", real=True)
    dd = sympy.Symbol("d", real=True)
    assert (bound.lhs, bound.rel, bound.rhs) == (
        u1 * g1 + u2 * g2,
        ">=",
        -dd * sympy.sqrt(g1**2 + g2**2),
    )
    assert "u* = −d g/‖g‖" in d.conclusion


@pytest.mark.parametrize("obj", LOSSES, ids=str)
@pytest.mark.parametrize("form", ["lecture", "disc"])
def test_gradient_descent_verifies_for_many_losses(obj: Objective, form: str) -> None:
    report = gradient_descent(obj, form=form).verify()
    assert report.ok, report.summary()


def test_gradient_descent_ends_in_the_per_parameter_update_equations() -> None:
    d = gradient_descent(SIGMOID_NEURON)
    eta = sympy.Symbol("eta", real=True)
    for p, g in zip(SIGMOID_NEURON.params, SIGMOID_NEURON.gradient(), strict=True):
        update = d.step(f"update-{p.name}")
        assert sympy.simplify(update.rhs - (p - eta * g)) == 0
    labels = [s.label for s in d.steps]
    for needed in (
        "taylor",
        "first-order",
        "descent-condition",
        "cauchy-schwarz",
        "bound",
        "angle-180",
    ):
        assert needed in labels


@pytest.mark.parametrize(
    ("obj", "at", "data"),
    [
        (Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"), None, None),
        (Objective("2*x**2", "x"), None, None),
        (
            Objective("log(1+exp(-y*(w*x+b))) + w**2/2 + b**2/2", "w b"),
            {"w": 0, "b": 0},
            {"x": "1/2", "y": 1},
        ),
        (Objective("log(1+exp(-y*(w*x+b))) + w**2/2 + b**2/2", "w b"), None, None),
        (SIGMOID_NEURON, {"w": 0, "b": 0}, None),
        (Objective("(1-x)**2 + 100*(y-x**2)**2", "x y"), {"x": 1, "y": 1}, None),
    ],
    ids=str,
)
def test_newton_step_verifies(obj: Objective, at: dict | None, data: dict | None) -> None:
    report = newton_step(obj, at, data=data).verify()
    assert report.ok, report.summary()


def test_newton_step_on_a_quadratic_lands_on_the_minimiser() -> None:
    d = newton_step(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))
    update = d.step("update")
    assert sympy.simplify(
        update.rhs - sympy.Matrix([sympy.Rational(12, 11), sympy.Rational(-2, 11)])
    ) == sympy.zeros(2, 1)


def test_newton_step_refuses_an_indefinite_hessian() -> None:
    with pytest.raises(DomainError, match="not positive definite"):
        newton_step(Objective("w**2 - b**2", "w b"))


def test_learning_rate_bound_is_two_over_the_largest_eigenvalue() -> None:
    assert learning_rate_bound(Objective("2*x**2", "x")) == sympy.Rational(1, 2)
    assert learning_rate_bound(Objective("x**2 + 5*y**2", "x y")) == sympy.Rational(1, 5)
    assert learning_rate_bound(
        Objective("(w*x + b - y)**2", "w b"), data={"x": 2, "y": 1}
    ) == sympy.Rational(1, 5)
    assert learning_rate_bound(Objective("x**4", "x"), at={"x": 1}) == sympy.Rational(1, 6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: learning_rate_bound(Objective("x**4", "x")), PointError, "not quadratic"),
        (
            lambda: learning_rate_bound(Objective("-x**2", "x")),
            DomainError,
            "no positive curvature",
        ),
        (
            lambda: learning_rate_bound(Objective("(w*x)**2", "w")),
            DataError,
            "depends on the data x",
        ),
        (
            lambda: step_size(Objective("2*x**2", "x"), lr=-1, start={"x": 1}),
            OptionError,
            "lr must be a positive",
        ),
        (
            lambda: step_size(Objective("2*x**2", "x"), lr=0.1),
            OptionError,
            "needs both lr and start",
        ),
        (lambda: gradient_descent("x**2"), OptionError, "needs an Objective"),  # type: ignore[arg-type]
        (
            lambda: gradient_descent(Objective("x**2", "x"), form="circle"),
            OptionError,
            "form must be one of",
        ),
        (lambda: steepest_descent(0), OptionError, "dim must be None"),
        (lambda: steepest_descent(2, form="cos"), OptionError, "form must be one of"),
    ],
)
def test_library_input_errors_are_clear(
    call: Callable[[], object], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_seed_003_worked_example_gives_the_exact_iterates() -> None:
    d = step_size(Objective("2*x**2", "x"), lr="0.1", start={"x": 1}, steps=3)
    assert [s.rhs for s in d.steps if s.label.startswith("iterate")] == [
        sympy.Rational(3, 5),
        sympy.Rational(9, 25),
        sympy.Rational(27, 125),
    ]
    assert d.verify().ok
    assert "2/λ_max = 1/2" in d.conclusion


MUTATED = [
    ("steepest dimension-free", lambda: steepest_descent(None)),
    ("steepest R^3", lambda: steepest_descent(3)),
    ("steepest angle R^2", lambda: steepest_descent(2, form="angle")),
    ("gradient lecture", lambda: gradient_descent(Objective("(w*x + b - y)**2", "w b"))),
    ("gradient disc", lambda: gradient_descent(Objective("w**2 + 3*b**2", "w b"), form="disc")),
    ("newton concrete", lambda: newton_step(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))),
    ("newton symbolic", lambda: newton_step(Objective("exp(w) + b**2", "w b"))),
    ("step size", lambda: step_size(Objective("2*x**2", "x"), lr="0.1", start={"x": 1}, steps=2)),
    (
        "vector calculus",
        lambda: vector_calculus(
            Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:50 b", data="x:50 y")
        ),
    ),
    (
        "taylor vector form",
        lambda: taylor_expansion(
            Objective("(dot(w, x) + b - y)**2 + lam*norm(w)**2", params="w:50 b", data="x:50 y")
        ),
    ),
    ("steepest R^512 kept whole", lambda: steepest_descent(512)),
]


@pytest.mark.parametrize(("name", "build"), MUTATED, ids=[m[0] for m in MUTATED])
def test_every_single_step_corruption_is_rejected(
    name: str, build: Callable[[], Derivation]
) -> None:
    derivation = build()
    assert derivation.verify().ok
    counts = run_mutations(derivation)
    assert counts.tried >= 4 * len(derivation.steps)
    assert counts.escaped == [], counts.escaped
    assert counts.rejected == counts.tried
