r"""Newton's step: the minimiser of the second-order model when ∇²L ≻ 0.

.. math::
   m(p) = \mathcal{L} + g^\top p + \tfrac12 p^\top H p,\qquad
   m(p) - m(p^*) = \tfrac12 (p - p^*)^\top H (p - p^*) \ge 0,\qquad p^* = -H^{-1} g

>>> from derive.objective import Objective
>>> d = newton_step(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))
>>> d.verify().ok
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import DataError, DimensionError, DomainError, OptionError
from ..kernel import (
    Affine,
    Fact,
    Identity,
    QuadraticForm,
    Step,
    SumOfSquares,
    Transitivity,
    Truncation,
)
from ..objective import Objective, exact_value
from ..printer import display_name, latex, unicode
from ..taylor import _fresh, fresh_symbol

__all__ = ["MAX_SYMBOLIC", "hessian_symbols", "newton_step", "substitute_data"]

MAX_SYMBOLIC = 4
"""Largest number of parameters for the symbolic-Hessian argument (H⁻¹ in closed form)."""


def substitute_data(obj: Objective, data: Mapping[str, Any] | None) -> sympy.Expr:
    """The loss with given data values substituted exactly."""
    if not data:
        return obj.expr
    by_name = {s.name: s for s in obj.data}
    values = {}
    for name, raw in data.items():
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise DataError(
                f"data names {name!r}, which is not a data symbol (data symbols: {known})"
            )
        values[by_name[name]] = exact_value(raw, what=f"data value for {name}")
    return obj.expr.xreplace(values)


def newton_step(
    obj: Objective,
    at: Mapping[str | sympy.Symbol, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> Derivation:
    """Derive Newton's step for ``obj``.

    Args:
        obj: the loss.
        at: a point θ₀; with it (or when the Hessian is constant) the Hessian is a
            concrete matrix and positive definiteness is certified by an exact LDLᵀ sum
            of squares. Without it, H ≻ 0 is an assumption and g, H are named symbols.
        data: values for data symbols.

    Raises:
        DomainError: the concrete Hessian is singular or not positive definite (no
            minimiser).
        PointError: a point that misses or invents a parameter.
        InvalidValueError: a coordinate or data value that is not a finite real number.
        DataError: data values that name no data symbol, or a Hessian that still
            depends on data.
        DimensionError: no point and a non-constant Hessian with more than
            ``MAX_SYMBOLIC`` parameters.
        OptionError: ``obj`` is not an Objective.
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"newton_step() needs an Objective, got {type(obj).__name__}")
    loss = substitute_data(obj, data)
    work = Objective(loss, obj.params) if data else obj
    hessian = work.hessian()
    if at is not None:
        return _concrete(work, work.point(at, what="at"))
    if not hessian.free_symbols:  # a quadratic: the Hessian is one matrix, θ stays symbolic
        return _concrete(work, work.params)
    if len(obj.params) > MAX_SYMBOLIC:
        raise DimensionError(
            f"the symbolic argument handles up to {MAX_SYMBOLIC} parameters; "
            "give a point with at=..."
        )
    work.check_budget("a symbolic proof")
    return _symbolic(work)


def hessian_tags(obj: Objective) -> tuple[str, ...]:
    """How the Hessian's entries are subscripted: by the parameters' names when each is
    one letter (H_wb), else by position (H₁₂ for θ₁, θ₂)."""
    names = [p.name for p in obj.params]
    if all(len(n) == 1 for n in names):
        return tuple(names)
    return tuple(str(k + 1) for k in range(len(names)))


def hessian_symbols(obj: Objective) -> dict[tuple[int, int], sympy.Symbol]:
    """The Hessian's entries H_wb (i ≤ j) as fresh symbols, named by the parameters."""
    params = obj.params
    tags = hessian_tags(obj)
    return {
        (i, j): fresh_symbol(obj, f"H_{tags[i]}{tags[j]}")
        for i in range(len(params))
        for j in range(i, len(params))
    }


def _model_steps(
    loss_shifted: Any,
    loss0: Any,
    g: sympy.Matrix,
    h: sympy.Matrix,
    s: sympy.Matrix,
    eta: sympy.Symbol,
) -> tuple[Any, Any, sympy.Matrix, tuple[Step, ...], tuple[tuple[Any, str], ...]]:
    def model(v: sympy.Matrix) -> Any:
        return loss0 + (g.T * v)[0, 0] + (v.T * h * v)[0, 0] / 2

    star = -h.LUsolve(g) if not h.free_symbols else -h.inv() * g
    star = sympy.ImmutableMatrix(star.applyfunc(sympy.cancel))
    gap = s - star
    quadratic = (gap.T * h * gap)[0, 0] / 2
    steps = (
        Step(
            loss_shifted,
            "=O",
            loss0 + eta * (g.T * s)[0, 0] + eta**2 * (s.T * h * s)[0, 0] / 2,
            "Taylor's theorem to second order: the model m(p) = L + gᵀp + ½ pᵀHp of a step p",
            Truncation(eta, 2),
            "model",
        ),
        Step(
            sympy.ImmutableMatrix(
                [sympy.Subs(sympy.Derivative(model(s), si), tuple(s), tuple(star)) for si in s]
            ),
            "=",
            sympy.zeros(len(s), 1),
            "at p* = −H⁻¹g the model's gradient g + Hp vanishes",
            Identity(),
            "normal-equations",
        ),
        Step(
            # as written: at a stationary point (g = 0) the two sides would otherwise merge
            sympy.Add(model(s), sympy.Mul(-1, model(star), evaluate=False), evaluate=False),
            "=",
            quadratic,
            "complete the square",
            Identity(),
            "complete-square",
        ),
    )
    names = (
        (loss_shifted, r"\mathcal{L}(\theta + \eta p)"),
        (loss0, r"\mathcal{L}"),
        ((g.T * s)[0, 0], r"g^\top p"),
        ((s.T * h * s)[0, 0], r"p^\top H p"),
        ((s.T * h * s)[0, 0] / 2, r"\tfrac12 p^\top H p"),  # in m(p), as ½ pᵀHp
        (steps[1].lhs, r"\nabla m(p^*)"),
        (quadratic, r"\tfrac12 (p - p^*)^\top H (p - p^*)"),
        (2 * quadratic, r"(p - p^*)^\top H (p - p^*)"),
    )
    return model(s), model(star), star, steps, names


def _display_names(
    m_s: Any, m_star: Any, star: sympy.Matrix, step: Sequence[Any]
) -> tuple[Any, ...]:
    """m(p), m(p*) for the model and p*_w, … for the minimiser's symbolic components,
    subscripted as the step's components p_w, … are (numbers are never named: that would
    rename every equal number; nor is ±a symbol: θ = −p* would print θ + p* as p* − p*)."""
    names: list[tuple[Any, str]] = [(m_s, "m(p)")]
    if sympy.sympify(m_star).free_symbols:
        names.append((m_star, "m(p^*)"))
    names += [
        (c, latex(p).replace("p_", "p^*_", 1))
        for c, p in zip(star, step, strict=True)
        if sympy.sympify(c).free_symbols and not (c.is_Symbol or (-c).is_Symbol)
    ]
    return tuple(names)


def _arguments(params: Sequence[Any], eta: Any, s: sympy.Matrix) -> tuple[Any, ...]:
    """θ = (w, b) and θ + ηp by components (argument lists, see :mod:`derive.written`), so
    that a page can write ℒ(θ + ηp) = ℒ(w + ηp_w, b + ηp_b)."""
    if len(params) < 2:
        return ()
    return (
        (sympy.Tuple(*params), r"\theta"),
        (sympy.Tuple(*(p + eta * si for p, si in zip(params, s, strict=True))), r"\theta + \eta p"),
    )


def _closing_steps(m_s: Any, m_star: Any, quadratic: Any) -> tuple[Step, ...]:
    return (
        Step(
            0,
            "<=",
            sympy.Add(m_s, sympy.Mul(-1, m_star, evaluate=False), evaluate=False),
            "so m(p) − m(p*) ≥ 0",
            Transitivity(("curvature", "complete-square")),
            "gap",
        ),
        Step(
            m_star,
            "<=",
            m_s,
            "p* minimises the model: θ_new = θ + p* = θ − H⁻¹∇L",
            Affine("gap", 1, m_star),
            "minimum",
        ),
    )


def _landing(obj: Objective, point: tuple[Any, ...], star: sympy.Matrix) -> tuple[Step, ...]:
    """For a quadratic (θ left symbolic): one Newton step from any θ lands on the point where
    ∇L = 0, found here by solving the linear equations on their own."""
    if tuple(point) != tuple(obj.params):
        return ()
    solution = sympy.solve(list(obj.gradient()), obj.params, dict=True)
    if len(solution) != 1 or set(solution[0]) != set(obj.params):
        return ()
    minimiser = sympy.ImmutableMatrix([solution[0][p] for p in obj.params])
    return (
        Step(
            sympy.ImmutableMatrix(  # θ + p* as written, before it collapses
                [sympy.Add(p, si, evaluate=False) for p, si in zip(point, star, strict=True)]
            ),
            "=",
            minimiser,
            "so one full step θ + p* lands on the minimiser, where ∇L = 0",
            Identity(),
            "update",
        ),
    )


def _concrete(obj: Objective, point: tuple[Any, ...]) -> Derivation:
    params, n = obj.params, len(obj.params)
    at = dict(zip(params, point, strict=True))
    g = obj.gradient().xreplace(at)
    h = obj.hessian().xreplace(at)
    loss0 = obj.expr.xreplace(at)
    if h.free_symbols:
        raise DataError(
            f"the Hessian depends on {', '.join(sorted(map(str, h.free_symbols)))}: "
            "give values with data=..."
        )
    try:
        lower, diagonal = h.LDLdecomposition(hermitian=False)
    except (ValueError, ZeroDivisionError):
        raise DomainError(
            "the Hessian is singular here: Newton's model has no unique minimiser"
        ) from None
    pivots = [diagonal[k, k] for k in range(n)]
    if not all(sympy.sympify(p).is_positive for p in pivots):
        raise DomainError(
            f"the Hessian is not positive definite here (LDLᵀ pivots {pivots}): the second-order "
            "model has no minimiser"
        )
    eta = fresh_symbol(obj, "eta")
    s = sympy.Matrix(_fresh(obj, "p"))
    shifted = obj.expr.xreplace(
        {p: a + eta * si for p, a, si in zip(params, point, s, strict=True)}
    )
    m_s, m_star, star, steps, shown = _model_steps(shifted, loss0, g, h, s, eta)
    gap = s - star
    coordinates = lower.T * gap
    certificate = SumOfSquares(terms=tuple((pivots[k] / 2, coordinates[k]) for k in range(n)))
    quadratic = (gap.T * h * gap)[0, 0] / 2
    where = ", ".join(f"{p} = {a}" for p, a in zip(params, point, strict=True) if p != a)
    return Derivation(
        f"Newton's step for {obj.describe()} at {where}"
        if where
        else f"Newton's step for {obj.describe()}",
        (
            *steps,
            Step(
                0,
                "<=",
                quadratic,
                "H = L D Lᵀ with positive pivots: a sum of squares",
                certificate,
                "curvature",
            ),
            *_closing_steps(m_s, m_star, quadratic),
            *_landing(obj, point, star),
        ),
        (),
        f"The Hessian here is H = ∇²L = {unicode(h)}; θ_new = θ₀ − H⁻¹∇L(θ₀) = "
        f"{unicode(sympy.Matrix(point) + star)}",
        shown
        + _display_names(m_s, m_star, star, tuple(s))
        + (_arguments(params, eta, s) if tuple(point) == tuple(params) else ()),
    )


def _symbolic(obj: Objective) -> Derivation:
    params, n = obj.params, len(obj.params)
    eta = fresh_symbol(obj, "eta")
    g = sympy.Matrix(_fresh(obj, "g"))
    names = hessian_symbols(obj)
    h = sympy.Matrix(n, n, lambda i, j: names[min(i, j), max(i, j)])
    s = sympy.Matrix(_fresh(obj, "p"))
    gradient, hessian = obj.gradient(), obj.hessian()
    definitions = tuple(
        Fact(
            g[i],
            "=",
            gradient[i],
            f"{unicode(g[i])} = ∂L/∂{display_name(params[i].name)}",
            "definition",
        )
        for i in range(n)
    ) + tuple(
        Fact(
            names[i, j],
            "=",
            hessian[i, j],
            f"{unicode(names[i, j])} = ∂²L/∂{display_name(params[i].name)}"
            f"∂{display_name(params[j].name)}",
            "definition",
        )
        for (i, j) in names
    )
    shifted = obj.expr.xreplace({p: p + eta * si for p, si in zip(params, s, strict=True)})
    m_s, m_star, star, steps, shown = _model_steps(shifted, obj.expr, g, h, s, eta)
    gap = s - star
    quadratic = (gap.T * h * gap)[0, 0] / 2
    return Derivation(
        f"Newton's step for {obj.describe()}",
        (
            *steps,
            Step(
                0,
                "<=",
                (gap.T * h * gap)[0, 0],
                "H ≻ 0",
                QuadraticForm(h, gap),
                "positive-definite",
            ),
            Step(
                0,
                "<=",
                quadratic,
                "halve it",
                Affine("positive-definite", sympy.Rational(1, 2)),
                "curvature",
            ),
            *_closing_steps(m_s, m_star, quadratic),
        ),
        (*definitions, Fact(h, ">0", 0, "the Hessian H = ∇²L is positive definite")),
        "θ_new = θ − (∇²L)⁻¹∇L, wherever the Hessian is positive definite.",
        shown + _display_names(m_s, m_star, star, tuple(s)) + _arguments(params, eta, s),
    )
