r"""The seed lectures, generated and verified: each covers every step its note makes.

===  ===============================================  =========================================
#    note                                             sections
===  ===============================================  =========================================
0    Learning parameters: gradient descent            the gradient of w² + b²; Taylor expansion
                                                      with the second-order term; the descent
                                                      condition; the cos β argument
1    The reason behind moving against the gradient    Taylor, truncation (η² ≪ 1), the descent
                                                      condition, ±‖u‖‖∇L‖, cos β, the update
                                                      equations w ← w − η∂L/∂w, b ← b − η∂L/∂b
2    Gradient descent theory (two variables)          the linear model s + u(θ₁−a) + v(θ₂−b)
                                                      minimised over a disc of radius d; the
                                                      second-order term: Newton's method
3    Gradient descent on f(x) = 2x²                   df/dx = 4x = 0 at x = 0; the iterates
                                                      0.6, 0.36, … from x₀ = 1 with α = 0.1;
                                                      the step size decides speed or oscillation
===  ===============================================  =========================================

>>> lecture(3).verify()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from .derivation import Derivation
from .errors import InternalError, OptionError
from .kernel import Identity, Report, Sign, Step
from .library import build, learning_rate_bound
from .objective import Objective
from .render import document_sections

__all__ = ["LECTURES", "Lecture", "lecture"]


@dataclass(frozen=True, eq=False)
class Lecture:
    """A lecture: sections of checked derivations, a worked example and remarks."""

    number: int
    title: str
    note: str
    sections: tuple[tuple[str, Derivation], ...]
    remarks: tuple[str, ...] = ()
    table: tuple[tuple[Any, ...], ...] = ()
    table_header: tuple[str, ...] = ()

    def reports(self) -> tuple[Report, ...]:
        """The kernel's report on each section."""
        return tuple(d.verify() for _, d in self.sections)

    def verify(self) -> bool:
        """Does every section verify?"""
        return all(r.ok for r in self.reports())

    def labels(self) -> set[str]:
        """The labels of every step, across sections."""
        return {s.label for _, d in self.sections for s in d.steps}

    def document(self) -> str:
        """A standalone .tex document of the whole lecture."""
        return document_sections(
            self.title,
            list(self.sections),
            intro=self.note,
            remarks=self.remarks,
            table=self.table,
            table_header=self.table_header,
        )

    def markdown(self) -> str:
        """The lecture as MyST/Markdown."""
        parts = [f"# {self.title}", "", self.note, ""]
        for heading, d in self.sections:
            parts += [f"## {heading}", "", d.markdown()]
        if self.table:
            parts += ["## Worked example", "", "| " + " | ".join(self.table_header) + " |"]
            parts += ["|" + "---|" * len(self.table_header)]
            parts += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.table]
            parts.append("")
        parts += [f"- {r}" for r in self.remarks]
        return "\n".join(parts) + "\n"


def _calculus_minimum(obj: Objective) -> Derivation:
    """Setting the derivative to zero: f'(x) = 0 at the minimiser, and f'' > 0 there."""
    (x,) = obj.params
    first = sympy.diff(obj.expr, x)
    roots = sympy.solve(first, x)
    if len(roots) != 1:
        raise InternalError("the calculus example needs a single stationary point")
    root = roots[0]
    second = sympy.diff(obj.expr, x, 2)
    return Derivation(
        f"The minimum of {obj.describe()} by calculus",
        (
            Step(
                sympy.Derivative(obj.expr, x, evaluate=False),
                "=",
                first,
                "differentiate",
                Identity(),
                "derivative",
            ),
            Step(
                sympy.Subs(first, x, root),
                "=",
                0,
                f"it vanishes at {x} = {root}",
                Identity(),
                "stationary",
            ),
            Step(
                sympy.Derivative(obj.expr, (x, 2), evaluate=False),
                "=",
                second,
                "differentiate again",
                Identity(),
                "second-derivative",
            ),
            Step(second, ">", 0, "the second derivative is positive: a minimum", Sign(), "convex"),
        ),
        (),
        f"{x} = {root} minimises the loss.",
    )


def _gradient_example() -> Derivation:
    """The notes' example: y = w² + b² has gradient [2w, 2b]."""
    obj = Objective("w**2 + b**2", "w b")
    w, b = obj.params
    return Derivation(
        "The gradient of y = w² + b²",
        tuple(
            Step(
                sympy.Derivative(obj.expr, p, evaluate=False),
                "=",
                2 * p,
                f"∂y/∂{p}",
                Identity(),
                f"example-{p}",
            )
            for p in (w, b)
        ),
        (),
        "∇y = [2w, 2b]: one partial derivative per component of θ = [w, b].",
    )


def _iterates(
    obj: Objective, lr: str, start: dict[str, Any], steps: int
) -> tuple[tuple[Any, ...], ...]:
    x = obj.params[0]
    value, rate = sympy.Rational(start[x.name]), sympy.Rational(lr)
    rows = [(0, value, sympy.Float(value, 6))]
    for k in range(1, steps + 1):
        value = value - rate * sympy.diff(obj.expr, x).xreplace({x: value})
        rows.append((k, value, sympy.Float(value, 6)))
    return tuple(rows)


def _lecture_0() -> Lecture:
    return Lecture(
        0,
        "Learning parameters: gradient descent",
        "We look for w and b that make the loss small: θ = [w, b] moves to θ + ηu, and Taylor's "
        "theorem tells us which u lowers the loss.",
        (
            ("The gradient, by example", _gradient_example()),
            (
                "Taylor expansion, the descent condition and the angle β",
                build("gradient-descent"),
            ),
        ),
        ("uᵀ∇L(θ) = k cos β is most negative at β = 180°: move opposite to the gradient.",),
    )


def _lecture_1() -> Lecture:
    return Lecture(
        1,
        "Why gradient descent moves against the gradient",
        "For the sigmoid neuron θ = [w, b] ∈ ℝ²; we step from θ to θ + ηu with a learning rate "
        "η < 1 and drop the terms of order η², which are much smaller.",
        (
            (
                "The derivation, ending in the parameter update equations",
                build("gradient-descent"),
            ),
        ),
        (
            "The range of uᵀ∇L(θ) is −‖u‖‖∇L(θ)‖ to ‖u‖‖∇L(θ)‖ (Cauchy–Schwarz).",
            "w ← w − η ∂L/∂w and b ← b − η ∂L/∂b: the update equations, repeated until the loss is small.",
        ),
    )


def _lecture_2() -> Lecture:
    return Lecture(
        2,
        "Gradient descent theory: two variables",
        "Near a point (a, b) the loss is its linear model s + u(θ₁ − a) + v(θ₂ − b); within a small "
        "circle of radius d its smallest value is at (a, b) − η(u, v).",
        (
            (
                "The linear model on a disc of radius d",
                build("gradient-descent", {"form": "disc"}),
            ),
            (
                "When the circle is not small: the second-order term and Newton's method",
                build("newton"),
            ),
        ),
        (
            "If the circle (the learning rate) is not small enough, use the second-order term: Newton's method.",
        ),
    )


def _lecture_3() -> Lecture:
    obj = Objective("2*x**2", "x")
    bound = learning_rate_bound(obj)
    return Lecture(
        3,
        "Gradient descent on f(x) = 2x²",
        "The update is w ← w − α dL/dw. For f(x) = 2x² we can find the minimum directly, "
        "or iterate from x₀ = 1 with α = 0.1.",
        (
            ("Setting the derivative to zero", _calculus_minimum(obj)),
            ("The update rule", build("gradient-descent", {"loss": "2*x**2", "params": "x"})),
            (
                "Iterates and the step size",
                build(
                    "learning-rate",
                    {"loss": "2*x**2", "params": "x", "lr": "0.1", "start": "x=1", "steps": 5},
                ),
            ),
        ),
        (
            f"α must stay below 2/λ_max = {bound}: a small α converges slowly, an α near or above "
            "the bound oscillates or diverges.",
        ),
        _iterates(obj, "0.1", {"x": 1}, 5),
        ("k", "x_k (exact)", "x_k"),
    )


LECTURES = {0: _lecture_0, 1: _lecture_1, 2: _lecture_2, 3: _lecture_3}
"""Builders of the four lectures, by number (the seed notes 000 … 003)."""


def lecture(number: int) -> Lecture:
    """The lecture generated from seed note ``number`` (0 to 3).

    Raises:
        OptionError: for another number.
    """
    if isinstance(number, bool) or number not in LECTURES:
        raise OptionError(f"lectures are numbered 0 to {len(LECTURES) - 1}, got {number!r}")
    return LECTURES[number]()
