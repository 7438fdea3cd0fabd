r"""Step size: for a quadratic loss, gradient descent is stable exactly for 0 < η < 2/λ_max.

.. math::
   \theta_{k+1} - \theta^* = (I - \eta H)(\theta_k - \theta^*),\qquad
   |1 - \eta\lambda| < 1 \iff 0 < \eta\lambda < 2

>>> from derive.objective import Objective
>>> learning_rate_bound(Objective("2*x**2", "x"))
1/2
>>> d = step_size(Objective("2*x**2", "x"), lr="0.1", start={"x": 1}, steps=2)
>>> [s.rhs for s in d.steps if s.label.startswith("iterate")]
[3/5, 9/25]
>>> d.verify().ok
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import DataError, DomainError, NumericError, OptionError, PointError
from ..kernel import Affine, Assumption, Fact, Identity, Sign, Step
from ..objective import Objective, exact_value
from ..printer import display_name, unicode
from ..taylor import fresh_symbol
from .newton import substitute_data

__all__ = ["MAX_ITERATES", "NOT_QUADRATIC", "learning_rate_bound", "step_size"]

MAX_ITERATES = 50


NOT_QUADRATIC = (  # a PointError: what is missing is a region or a point
    "the loss is not quadratic in its parameters, so no step size is stable everywhere: "
    "give a box with box=... for a certified bound on that region (see smoothness_bound), "
    "or give a point with at=... for the local bound there"
)


def _hessian(
    obj: Objective, at: Mapping[str | sympy.Symbol, Any] | None, data: Mapping[str, Any] | None
) -> tuple[Objective, sympy.Matrix]:
    if not isinstance(obj, Objective):
        raise OptionError(f"expected an Objective, got {type(obj).__name__}")
    work = Objective(substitute_data(obj, data), obj.params) if data else obj
    hessian = work.hessian()
    if hessian.free_symbols & set(obj.params):
        if at is None:
            raise PointError(NOT_QUADRATIC)
        values = dict(zip(obj.params, work.point(at, what="at"), strict=True))
        hessian = hessian.xreplace(values)
    if hessian.free_symbols:
        names = ", ".join(sorted(map(str, hessian.free_symbols)))
        raise DataError(f"the Hessian depends on the data {names}: give their values with data=...")
    undefined = (sympy.DiracDelta, sympy.Heaviside, sympy.sign, sympy.Subs, sympy.Derivative)
    for entry in hessian:
        value = sympy.sympify(entry)
        if value.has(*undefined, sympy.nan, sympy.zoo, sympy.oo, -sympy.oo, sympy.I) or not (
            value.is_number and value.is_extended_real
        ):
            raise DomainError(
                f"the Hessian is undefined here (an entry is {value}): the loss is not twice "
                "differentiable at this point"
            )
    return work, hessian


def _largest_eigenvalue(hessian: sympy.Matrix) -> tuple[Any, list[Any]]:
    eigenvalues = list(hessian.eigenvals())
    if any(sympy.N(sympy.im(e), 30) != 0 for e in eigenvalues):
        raise NumericError("the Hessian has complex eigenvalues; it should be symmetric")
    largest = max(eigenvalues, key=lambda e: sympy.N(e, 50))
    if not sympy.N(largest, 50) > 0:
        raise DomainError(
            f"the loss has no positive curvature (largest Hessian eigenvalue {largest}): "
            "gradient descent converges for no step size"
        )
    smallest = min(eigenvalues, key=lambda e: sympy.N(e, 50))
    if sympy.N(smallest, 50) < 0:
        raise DomainError(
            f"the Hessian has the eigenvalue {smallest} < 0: along its eigenvector the loss "
            "curves downwards, so gradient descent moves away for every step size; no stable "
            "step size exists"
        )
    return largest, eigenvalues


def learning_rate_bound(
    obj: Objective,
    at: Mapping[str | sympy.Symbol, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    box: Mapping[str, tuple[Any, Any]] | None = None,
) -> sympy.Expr:
    """For a quadratic loss, the exact supremum of stable step sizes, 2/λ_max(∇²L), which
    holds everywhere. Otherwise, with ``box``: 1/L for a proved bound ‖∇²L‖₂ ≤ L on that
    box (a certified step size on the region, not an exact one: every step of size
    η ≤ 1/L that stays in the box lowers the loss by at least (η/2)‖∇L‖², and
    :func:`~.lemma.descent_lemma` proves that a run stays); with ``at``: the local bound
    2/λ_max(∇²L(at)) at that point only.

    >>> from derive.objective import Objective
    >>> learning_rate_bound(Objective("x**4", "x"), box={"x": (-1, 1)})
    50/601

    Raises:
        PointError: a non-quadratic loss with neither ``box`` nor ``at`` (the message
            points to ``box`` and smoothness_bound), or a bad point or box.
        OptionError: both ``box`` and ``at``.
        DataError: missing or unknown data values.
        DomainError: the Hessian undefined at the point or unbounded on the box, or
            curving downwards along some direction (no step size converges).
    """
    if box is not None:
        region = _region_bound(obj, at, data, box)
        if region is not None:
            return 1 / region
    work, hessian = _hessian(obj, at, data)
    largest, _ = _largest_eigenvalue(hessian)
    if not work.hessian().free_symbols & set(work.params):
        _bounded_below(work, hessian)
    return sympy.radsimp(2 / largest)


def _bounded_below(work: Objective, hessian: sympy.Matrix) -> None:
    """A quadratic ½θᵀHθ + bᵀθ + c with b outside the range of H (b = ∇L(0)) falls
    without end along the null space of H: there every step moves θ by −η times the same
    vector, for every η, and gradient descent converges for no step size."""
    at_zero = {p: 0 for p in work.params}
    b = sympy.Matrix([sympy.sympify(g).xreplace(at_zero) for g in work.gradient()])
    if hessian.rank() < hessian.row_join(b).rank():
        raise DomainError(
            "the loss is unbounded below: it decreases without end along a direction where "
            "it has no curvature (the gradient has a constant part outside the range of the "
            "Hessian), so gradient descent converges for no step size"
        )


def _region_bound(
    obj: Objective, at: Any, data: Mapping[str, Any] | None, box: Mapping[str, Any]
) -> sympy.Rational | None:
    """L on the box for a non-quadratic loss (None for a quadratic: its bound is global)."""
    if at is not None:
        raise OptionError("give either box (a certified bound on a region) or at, not both")
    from .certify import _work, smoothness_bound

    work = _work(obj, data)
    if not work.hessian().free_symbols & set(work.params):
        return None
    bound = smoothness_bound(work, box).L
    if bound <= 0:
        raise DomainError("the loss has no positive curvature on the box: no bound 1/L")
    return bound


def step_size(
    obj: Objective,
    *,
    lr: Any = None,
    start: Mapping[str | sympy.Symbol, Any] | None = None,
    steps: int = 2,
    at: Mapping[str | sympy.Symbol, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    rate: str = "eta",
    box: Mapping[str, tuple[Any, Any]] | None = None,
) -> Derivation:
    """The derivation of the stable step sizes; a worked run when ``lr`` and ``start`` are given.
    ``rate`` is the learning rate's letter: ``"eta"`` (η) or ``"alpha"`` (α, as seed 003).

    For a loss that is not quadratic, ``box`` gives a region: the derivation is then the
    descent lemma on it from ``start`` (every step 0 < η ≤ 1/L stays in the box and lowers
    the loss by at least (η/2)‖∇L‖²; see :func:`~.lemma.descent_lemma`), or without
    ``start`` the smoothness bound L on the box (:func:`~.certify.smoothness_bound`).

    Raises:
        PointError: as :func:`learning_rate_bound`, or a bad ``start``.
        DataError: as :func:`learning_rate_bound`.
        DomainError: as :func:`learning_rate_bound`, or a singular Hessian (no unique
            minimiser).
        OptionError: bad ``lr``/``steps``, or only one of ``lr`` and ``start``; ``box``
            with ``at`` or with ``lr``.
    """
    if box is not None and _region_bound(obj, at, data, box) is not None:
        if lr is not None:
            raise OptionError(
                "with box the derivation covers every step size 0 < η ≤ 1/L; drop lr "
                "(derive descend runs one step size)"
            )
        if start is not None:
            from .lemma import descent_lemma

            return descent_lemma(obj, box, start, data=data).derivation
        from .certify import smoothness_bound

        return smoothness_bound(obj, box, data=data).derivation
    work, hessian = _hessian(obj, at, data)
    largest, eigenvalues = _largest_eigenvalue(hessian)
    params, n = work.params, len(work.params)
    if hessian.det() == 0:
        raise DomainError("the Hessian is singular: the loss has no unique minimiser")
    if rate not in ("eta", "alpha"):
        raise OptionError(f"rate must be eta or alpha, got {rate!r}")
    eta = fresh_symbol(work, rate)
    theta = sympy.Matrix(params)
    gradient = work.gradient()
    quadratic = at is None
    steps_out: list[Step] = []
    facts = [
        Fact(eta, ">", 0, "η > 0"),
        Fact(eta, "<", 2 / largest, "η below the bound", "hypothesis"),
        Fact(eta, ">=", 2 / largest, "η at or above the bound", "hypothesis"),
    ]
    if quadratic:
        g0 = gradient.xreplace(dict.fromkeys(params, 0))
        optimum = -hessian.LUsolve(g0)
        steps_out += [
            Step(
                sympy.ImmutableMatrix([sympy.Derivative(work.expr, p) for p in params]),
                "=",
                hessian * theta + g0,
                "a quadratic's gradient is affine: ∇L = Hθ + ∇L(0)",
                Identity(),
                "affine-gradient",
            ),
            Step(
                theta - eta * gradient - optimum,
                "=",
                (sympy.eye(n) - eta * hessian) * (theta - optimum),
                "one step of gradient descent multiplies the error by I − ηH",
                Identity(),
                "iteration-matrix",
            ),
        ]
    for k, (value, _, vectors) in enumerate(hessian.eigenvects() if n > 1 else ()):
        v = vectors[0]
        if (sympy.eye(n) - eta * hessian) * v == (1 - eta * value) * v:
            continue  # an axis of a diagonal H: the statement would have identical sides
        steps_out.append(
            Step(
                (sympy.eye(n) - eta * hessian) * v,
                "=",
                (1 - eta * value) * v,
                f"along an eigenvector of H (λ = {value}) it multiplies by 1 − ηλ",
                Identity(),
                f"eigen-{k}",
            )
        )
    steps_out += [
        Step(eta, "<", 2 / largest, "take η below 2/λ_max", Assumption(), "below-bound"),
        Step(
            eta * largest,
            "<",
            2,
            "multiply by λ_max > 0",
            Affine("below-bound", largest),
            "eta-lambda",
        ),
        Step(
            -1,
            "<",
            1 - eta * largest,
            "so 1 − ηλ_max > −1",
            Affine("eta-lambda", -1, 1),
            "no-overshoot",
        ),
        Step(0, "<", eta * largest, "η > 0 and λ_max > 0", Sign(), "positive-rate"),
        Step(
            1 - eta * largest,
            "<",
            1,
            "and 1 − ηλ_max < 1",
            Affine("positive-rate", -1, 1),
            "contracts",
        ),
        Step(eta, ">=", 2 / largest, "now take η ≥ 2/λ_max", Assumption(), "above-bound"),
        Step(
            1 - eta * largest,
            "<=",
            -1,
            "then 1 − ηλ_max ≤ −1: along that eigenvector the error never shrinks",
            Affine("above-bound", -largest, 1),
            "no-contraction",
        ),
    ]
    if lr is not None or start is not None:
        steps_out += _iterates(work, lr, start, steps)
    bound = 2 / largest
    shown = ", ".join(map(str, eigenvalues))
    conclusion = (
        f"Gradient descent contracts exactly for 0 < η < 2/λ_max = {bound} (eigenvalues of "
        f"∇²L: {shown}): below the bound every factor 1 − ηλ lies in (−1, 1); at or above it "
        "the factor along the top eigenvector is ≤ −1. A small η converges slowly."
        if quadratic
        else f"Locally, near the given point only: the linearised iteration contracts for "
        f"0 < η < 2/λ_max = {bound} (eigenvalues of ∇²L there: {shown}). The loss is not "
        "quadratic, so this says nothing about steps far from the point."
    )
    letter = unicode(eta)

    def say(text: str) -> str:
        return text.replace("η", letter)

    return Derivation(
        f"Stable step sizes for {obj.describe()}",
        tuple(dataclasses.replace(s, why=say(s.why)) for s in steps_out),
        tuple(dataclasses.replace(f, text=say(f.text)) for f in facts),
        say(conclusion),
        conclusions=("no-overshoot", "contracts", "no-contraction"),
    )


def _iterates(obj: Objective, lr: Any, start: Any, count: int) -> list[Step]:
    if lr is None or start is None:
        raise OptionError("a worked run needs both lr and start")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ITERATES:
        raise OptionError(f"steps must be a whole number from 1 to {MAX_ITERATES}, got {count!r}")
    rate = exact_value(lr, what="lr")
    if not (rate.is_Rational and rate > 0):
        raise OptionError(f"lr must be a positive number, got {lr!r}")
    point = sympy.Matrix(obj.point(start, what="start"))
    gradient = obj.gradient()
    x = display_name(obj.params[0].name) if len(obj.params) == 1 else None
    steps = []
    for k in range(count):
        g = gradient.xreplace(dict(zip(obj.params, point, strict=True)))
        following = point - rate * g
        shown = [
            sympy.Add(x, sympy.Mul(-rate, gx, evaluate=False), evaluate=False)
            for x, gx in zip(point, g, strict=True)
        ]
        steps.append(
            Step(
                shown[0] if len(shown) == 1 else sympy.Matrix(shown),
                "=",
                following[0] if len(shown) == 1 else following,
                (
                    f"{x}_{k + 1} = {x}_{k} − η·ℒ′({x}_{k}) with η = {unicode(rate)}"
                    if x is not None
                    else f"θ_{k + 1} = θ_{k} − η∇L(θ_{k}) with η = {unicode(rate)}"
                ),
                Identity(),
                f"iterate-{k + 1}",
            )
        )
        point = following
    return steps
