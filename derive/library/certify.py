"""Certified step sizes: how small the step must be, proved for the user's loss.

:func:`descent_radius` proves that every step 0 < η ≤ η₀ along u decreases the loss
(Taylor with Lagrange's remainder and an interval bound on the curvature along the
segment); :func:`smoothness_bound` proves ‖∇²L(θ)‖₂ ≤ L on a box (interval bounds on the
Hessian: Gershgorin's row sums, or beyond four parameters also the interval matrix's exact
eigenvalue bound). Both return exact rationals and a derivation
the kernel verifies. :func:`read_box` reads a box for them and for the descent lemma.

>>> from derive import Objective
>>> r = descent_radius(Objective("x**4", "x"), at={"x": 1})
>>> r.eta, r.derivation.verify().ok  # x⁴ from x = 1: the loss decreases for 0 < η < 1/2
(83/500, True)
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy
from mpmath import libmp

from ..derivation import Derivation
from ..errors import DomainError, OptionError, PointError
from ..kernel import (
    Affine,
    Fact,
    Identity,
    IntervalBound,
    RowSums,
    Step,
    TaylorBound,
    Transitivity,
)
from ..kernel.interval import (
    MAX_BOXES,
    NormBound,
    bisect,
    enclose,
    tight_on,
    to_intervals,
)
from ..kernel.rules import HessianBound, quadratic_form
from ..objective import Objective, exact_value
from ..taylor import fresh_symbol
from .newton import substitute_data

__all__ = ["DescentRadius", "SmoothnessBound", "descent_radius", "smoothness_bound"]

_PIECES = 64  # sub-intervals for the curvature estimate along the segment
_MAX_HALVINGS = 40
_MAGNITUDE = 300  # bounds and step sizes within 10^±300
_TIDY_UP_TO = 4  # parameters up to which Hessian entries are put over one denominator
_BUDGET = 1024  # pieces the search for a smoothness bound may cut the box into
_SMALL_PIECES = 512  # the same, up to _TIDY_UP_TO parameters (each piece costs more)


@dataclass(frozen=True)
class DescentRadius:
    """η₀ (an exact rational) with the derivation that every 0 < η ≤ η₀ decreases the loss."""

    eta: sympy.Rational
    curvature: sympy.Rational
    """M, a proved upper bound of uᵀ∇²L(θ + tu)u for 0 ≤ t ≤ η₀."""
    derivation: Derivation


@dataclass(frozen=True)
class SmoothnessBound:
    """L (an exact rational) with the derivation that ‖∇²L(θ)‖₂ ≤ L on the box."""

    L: sympy.Rational
    derivation: Derivation


def _work(obj: Any, data: Mapping[str, Any] | None) -> Objective:
    if not isinstance(obj, Objective):
        raise OptionError(f"expected an Objective, got {type(obj).__name__}")
    work = Objective(substitute_data(obj, data), obj.params) if data else obj
    if work.expr.free_symbols - set(obj.params):
        names = ", ".join(sorted(map(str, work.expr.free_symbols - set(obj.params))))
        raise PointError(f"the loss depends on the data {names}: give their values with data=...")
    return work


def _grid_top(exprs: list[Any], region: dict[Any, tuple[Any, Any]], pieces: int, bound: Any) -> Any:
    """The largest upper bound ``bound(expr, piece)`` gives over a grid of about ``pieces``
    sub-boxes of ``region`` (an mpf), or None where some piece has none (not smooth there)."""
    split = max(1, int(pieces ** (1 / len(region))))
    grid: list[dict[Any, tuple[Any, Any]]] = [{}]
    for p, (lo, hi) in region.items():
        width = (hi - lo) / split
        grid = [
            {**b, p: (lo + k * width, lo + (k + 1) * width)} for b in grid for k in range(split)
        ]
    top = None
    for piece in grid:
        for expr in exprs:
            bounds = bound(expr, piece)
            if bounds is None:
                return None
            top = bounds[1] if top is None else max(top, bounds[1])
    return top


def _natural(expr: Any, box: dict[Any, tuple[Any, Any]]) -> tuple[Any, Any] | None:
    value = enclose(expr, box)
    return None if value is None else (mpmath.mpf(value._mpi_[0]), mpmath.mpf(value._mpi_[1]))


def _magnitude(x: Any) -> int:
    """⌊log₁₀|x|⌋, refused beyond 10^±300: such a bound or step size means the loss's
    curvature is past anything worth certifying (and past float64)."""
    exponent = int(mpmath.floor(mpmath.log10(abs(x))))
    if abs(exponent) > _MAGNITUDE:
        side = "above 10^300" if exponent > 0 else "below 10^-300"
        raise DomainError(
            f"the bound would be {side}: the loss's curvature there is too large to certify "
            "a step size or a smoothness bound"
        )
    return exponent


def _round_up(x: Any) -> sympy.Rational:
    """A short rational ≥ x (four significant digits, and a little room)."""
    x = mpmath.mpf(x)
    if x == 0:
        return sympy.Integer(0)
    scale = sympy.Integer(10) ** (3 - _magnitude(x))
    return (
        sympy.Rational(math.floor(x * int(scale.p) / int(scale.q) * (1 + mpmath.mpf(10) ** -6)) + 1)
        / scale
    )


def _round_down(x: Any) -> sympy.Rational:
    """A short positive rational ≤ x (three significant digits)."""
    x = mpmath.mpf(x)
    scale = sympy.Integer(10) ** (2 - _magnitude(x))
    return sympy.Rational(max(math.floor(x * int(scale.p) / int(scale.q)), 1)) / scale


def descent_radius(
    obj: Objective,
    at: Mapping[str | sympy.Symbol, Any],
    direction: Mapping[str | sympy.Symbol, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> DescentRadius:
    """The largest η₀ found (a short rational) such that L(θ + ηu) < L(θ) for every
    0 < η ≤ η₀, with u = −∇L(θ) unless ``direction`` is given, and its derivation.

    Raises:
        PointError: a bad point, or data missing.
        DomainError: u is not a descent direction (uᵀ∇L(θ) ≥ 0: at a stationary point
            no step decreases the loss), or the loss is not smooth along the step.
    """
    work = _work(obj, data)
    theta = dict(zip(work.params, work.point(at, what="at"), strict=True))
    gradient = [sympy.sympify(g).xreplace(theta) for g in work.gradient()]
    if direction is None:
        u = [-g for g in gradient]
    else:
        u = list(work.point(direction, what="direction"))
    slope = sympy.Add(*(ui * gi for ui, gi in zip(u, gradient, strict=True)))
    if not sympy.N(slope, 30) < 0:
        raise DomainError(
            f"uᵀ∇L(θ) = {slope} is not negative: no step along u decreases the loss to first "
            "order (at a stationary point, or u points uphill)"
        )
    eta = fresh_symbol(work, "eta")
    phi = work.expr.xreplace({p: theta[p] + eta * ui for p, ui in zip(work.params, u, strict=True)})
    curvature = sympy.diff(phi, eta, 2, simplify=False)
    start = enclose(curvature, {eta: (0, 0)})
    bend = mpmath.mpf(start._mpi_[1]) if start is not None else mpmath.mpf(1)
    guess = -2 * mpmath.mpf(sympy.N(slope, 30)) / bend if bend > 0 else mpmath.mpf(1)
    eta0 = _round_down(min(guess, mpmath.mpf(10) ** 6))
    for _ in range(_MAX_HALVINGS):
        top = _grid_top([curvature], {eta: (sympy.Integer(0), eta0)}, _PIECES, _natural)
        m = None if top is None else _round_up(top)
        if m is not None and sympy.N(slope + m * eta0 / 2, 30) < 0:
            return _radius(work, theta, u, slope, phi, eta, eta0, max(m, sympy.Integer(0)))
        limit = -2 * sympy.N(slope, 30) / m if m is not None and m > 0 else None
        smaller = eta0 / 2 if limit is None else min(eta0 / 2, _round_down(limit * 0.999))
        eta0 = sympy.Rational(smaller)
    raise DomainError("no step size was certified: the loss is not smooth along the step")


def _radius(
    work: Objective,
    theta: dict[Any, Any],
    u: list[Any],
    slope: Any,
    phi: Any,
    eta: Any,
    eta0: Any,
    m: Any,
) -> DescentRadius:
    at_zero = work.expr.xreplace(theta)
    facts = (Fact(eta, ">", 0, "η > 0"), Fact(eta, "<=", eta0, f"η ≤ {eta0}"))
    steps = (
        Step(
            sympy.diff(phi, eta, 2, simplify=False),
            "<=",
            m,
            f"along the segment the curvature uᵀ∇²L(θ + ηu)u is at most M = {m} (interval arithmetic)",
            IntervalBound(),
            "curvature",
        ),
        Step(
            phi,
            "<=",
            at_zero + slope * eta + m * eta**2 / 2,
            "Taylor's theorem with Lagrange's remainder: L(θ + ηu) ≤ L(θ) + η uᵀ∇L(θ) + Mη²/2",
            TaylorBound("curvature", eta),
            "taylor",
        ),
        Step(
            slope + m * eta / 2,
            "<",
            0,
            f"and uᵀ∇L(θ) + Mη/2 < 0 for every η ≤ {eta0}",
            IntervalBound(),
            "slope",
        ),
        Step(eta * (slope + m * eta / 2), "<", 0, "times η > 0", Affine("slope", eta), "negative"),
        Step(
            phi - at_zero,
            "<=",
            slope * eta + m * eta**2 / 2,
            "subtract L(θ)",
            Affine("taylor", 1, -at_zero),
            "change",
        ),
        Step(
            phi - at_zero,
            "<",
            0,
            f"so every step 0 < η ≤ {eta0} decreases the loss",
            Transitivity(("change", "negative")),
            "decrease",
        ),
    )
    title = f"A certified step size for {work.describe()} at {_where(theta)}"
    remark = f"Every step 0 < η ≤ {eta0} along u decreases the loss (the red circle, certified)."
    return DescentRadius(eta0, m, Derivation(title, steps, facts, remark))


def _where(theta: Mapping[Any, Any]) -> str:
    return ", ".join(f"{p} = {v}" for p, v in theta.items())


def read_box(work: Objective, box: Any) -> dict[Any, tuple[Any, Any]]:
    """``box`` (name → (lo, hi)) as parameter → exact rational ends, checked.

    Raises:
        PointError: a box that misses a parameter, names another, or is empty.
    """
    by_name = {p.name: p for p in work.params}
    if not isinstance(box, Mapping) or set(box) != set(by_name):
        raise PointError(f"the box must give (lo, hi) for each of {', '.join(by_name)}")
    region = {}
    for name, pair in box.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise PointError(f"the box for {name} must be a pair (lo, hi), got {pair!r}")
        lo, hi = (exact_value(v, what=f"a bound of {name}") for v in pair)
        if not (lo.is_Rational and hi.is_Rational and lo < hi):
            raise PointError(f"the box for {name} must be two rational numbers lo < hi")
        region[by_name[name]] = (lo, hi)
    return region


def smoothness_bound(
    obj: Objective, box: Mapping[str, tuple[Any, Any]], data: Mapping[str, Any] | None = None
) -> SmoothnessBound:
    r"""A rational L with ‖∇²L(θ)‖₂ ≤ L for every θ in ``box`` (name → (lo, hi)), and its
    derivation: interval bounds on the Hessian's absolute row sums (Gershgorin).

    .. math::
       \|\nabla^2 L(\theta)\|_2 \le \max_i \sum_j |\partial_i\partial_j L(\theta)| \le L
       \quad (\theta \in B)

    Up to _TIDY_UP_TO parameters the derivation shows the Hessian and one bound per row
    (entries over one denominator, bounded with mean-value forms); beyond, one rule
    (HessianBound) checks H = ∇²L and bounds it itself, from one compiled interval program
    of the entries: on each piece of the box by the row sums or, where less, by the exact
    eigenvalue bound of the interval matrix (midpoint ± radius), so dense mixed-sign
    Hessians such as logistic regression's get a bound near ‖∇²L‖₂. The box is halved
    where its bound is largest while that helps.

    >>> from derive import Objective
    >>> smoothness_bound(Objective("x**2 + x*y + 3*y**2", "x y"), {"x": (0, 1), "y": (0, 1)}).L
    876/125

    Raises:
        PointError: a box that misses a parameter, names another, or is empty.
        DomainError: the Hessian is not bounded (not smooth) on the box.
    """
    work = _work(obj, data)
    region = read_box(work, box)
    full, params = work.hessian(), work.params
    n = full.shape[0]
    facts = tuple(
        fact
        for p, (lo, hi) in region.items()
        for fact in (Fact(p, ">=", lo, f"{p} ≥ {lo}"), Fact(p, "<=", hi, f"{p} ≤ {hi}"))
    )
    v = sympy.ImmutableMatrix([fresh_symbol(work, f"v_{p.name}") for p in work.params])
    title = f"A smoothness bound for {work.describe()} on a box"
    if n > _TIDY_UP_TO:  # one step each way: the rule bounds the rows itself
        h = sympy.ImmutableMatrix(n, n, lambda i, j: full[min(i, j), max(i, j)])
        top = _search(NormBound(h.tolist()), region, _BUDGET)
        if top is None:
            raise DomainError("the Hessian is not bounded on the box: the loss is not smooth there")
        c = _round_up(max(top, mpmath.mpf(0)) * (1 + mpmath.mpf(10) ** -6))
        form, norm = quadratic_form(h, v), sympy.Add(*(x**2 for x in v))
        upper = HessianBound(work.expr, tuple(params), h, v, c)
        lower = HessianBound(work.expr, tuple(params), h, v, c, side=-1)
        pair = (
            Step(
                form,
                "<=",
                c * norm,
                f"interval arithmetic bounds H = ∇²L on the box (row sums ≤ {c}, or an exact "
                "eigenvalue bound of the interval matrix), so vᵀ∇²L v ≤ L‖v‖²",
                upper,
                "upper",
            ),
            Step(-form, "<=", c * norm, "and −vᵀ∇²L v ≤ L‖v‖², so ‖∇²L‖₂ ≤ L", lower, "lower"),
        )
        remark = f"‖∇²L(θ)‖₂ ≤ {c} for every θ in the box: the loss is {c}-smooth there."
        derivation = Derivation(title, pair, facts, remark, conclusions=("upper", "lower"))
        return SmoothnessBound(c, derivation)

    h = sympy.ImmutableMatrix(n, n, lambda i, j: _tidy(full[min(i, j), max(i, j)]))
    written = sympy.ImmutableMatrix(
        n, n, lambda i, j: sympy.Derivative(work.expr, params[i], params[j], evaluate=False)
    )
    rows = [sympy.Add(*(sympy.Abs(x) for x in h.row(k))) for k in range(h.shape[0])]
    c = _box_upper(rows, region)
    form, norm = (v.T * h * v)[0, 0], (v.T * v)[0, 0]
    steps = [
        Step(written, "=", h, "the Hessian H = ∇²L, entry by entry", Identity(), "hessian"),
        *(
            Step(
                row,
                "<=",
                c,
                f"row {k + 1}: Σⱼ |Hᵢⱼ| ≤ {c} on the box (interval arithmetic)",
                IntervalBound(),
                f"row-{k + 1}",
            )
            for k, row in enumerate(rows)
        ),
    ]
    labels = tuple(s.label for s in steps[1:])
    steps += [
        Step(form, "<=", c * norm, "Gershgorin: vᵀ∇²L v ≤ L‖v‖²", RowSums(labels, h, v), "upper"),
        Step(  # −H has the same row sums: its form is compared without simplification
            -form,
            "<=",
            c * norm,
            "and −vᵀ∇²L v ≤ L‖v‖² (Gershgorin for −∇²L, whose rows are the same), so ‖∇²L‖₂ ≤ L",
            RowSums(labels, -h, v),
            "lower",
        ),
    ]
    remark = f"‖∇²L(θ)‖₂ ≤ {c} for every θ in the box: the loss is {c}-smooth there."
    derivation = Derivation(title, tuple(steps), facts, remark, conclusions=("upper", "lower"))
    return SmoothnessBound(c, derivation)


def _tidy(entry: Any) -> Any:
    """One rational function of the parameters (a difference of large terms that cancel
    would make every interval bound loose), unless it has more than two denominators: then
    their product would be larger than the terms (logistic regression's eight data points
    took minutes), and the entry stays as differentiated."""
    denominators = {p.base for p in entry.atoms(sympy.Pow) if p.exp.is_negative}
    return sympy.cancel(sympy.together(entry)) if len(denominators) <= 2 else entry


def _box_upper(rows: list[Any], region: dict[Any, tuple[Any, Any]]) -> sympy.Rational:
    """A rational above every row sum on the box, from the kernel's own bounds (natural and
    mean-value forms, term by term) on the pieces of a bisection that halves the piece with
    the largest bound (across its widest side, as the kernel's interval rule does) until
    that stops lowering the bound or _SMALL_PIECES pieces are spent."""
    pieces = to_intervals({p: region[p] for p in sorted(region, key=str)})
    if pieces is None:
        raise DomainError("the box's ends are not numbers")

    def bound(piece: dict[Any, Any]) -> Any:
        found = [tight_on(row, piece) for row in rows]
        if any(b is None for b in found):
            raise DomainError("the Hessian is not bounded on the box: the loss is not smooth there")
        return max(b[1] for b in found if b is not None)

    top = bound(pieces)
    heap, count, since = [(-top, 0, pieces)], 1, 0
    while count < _SMALL_PIECES and since <= 64 * len(region):
        _, _, worst = heapq.heappop(heap)
        halves = bisect(worst)
        if halves is None:
            heapq.heappush(heap, (-bound(worst), 0, worst))
            break
        for half in halves:
            count += 1
            heapq.heappush(heap, (-bound(half), count, half))
        lower = -heap[0][0]
        since = 0 if lower < top * (1 - mpmath.mpf(10) ** -3) else since + 1
        top = min(top, lower)
    return _round_up(max(-heap[0][0], mpmath.mpf(0)) * (1 + mpmath.mpf(10) ** -3))


_STALL = 8
"""Halvings without a 0.1 % lower bound after which the search for L stops."""


def _top(bound: NormBound, piece: Mapping[Any, Any]) -> Any:
    """An estimate of the Hessian's norm on ``piece`` (an mpf) that the kernel's check then
    proves: the row sums, or (if less) the norm of the midpoint matrix plus the radius
    matrix's, in floating point, raised by 10⁻⁹ relative; None where not bounded."""
    values = bound._values(piece)
    if values is None:
        return None
    rows = mpmath.mpf(bound._rows(values))
    ends = np.array([[libmp.to_float(lo), libmp.to_float(hi)] for lo, hi in values])
    if not np.all(np.isfinite(ends)):
        return rows
    middle = ((ends[:, 0] + ends[:, 1]) / 2).reshape(bound.n, bound.n)
    radius = ((ends[:, 1] - ends[:, 0]) / 2).reshape(bound.n, bound.n)
    estimate = np.max(np.abs(np.linalg.eigvalsh((middle + middle.T) / 2)))
    estimate += np.linalg.eigvalsh(np.maximum(radius, radius.T))[-1]
    return min(rows, mpmath.mpf(float(estimate)) * (1 + mpmath.mpf(10) ** -9))


def _search(bound: NormBound, box: Mapping[Any, Any], budget: int) -> Any:
    """The least bound found for the norm on ``box`` (see :func:`_top`): the piece with
    the largest bound is halved (as the kernel's check would) while ``budget`` pieces
    last; None if not bounded. Any c at or above it passes the check on the same pieces
    or fewer."""
    intervals = to_intervals({s: box[s] for s in sorted(box, key=str)})
    if intervals is None:
        return None
    top = _top(bound, intervals)
    if top is None:
        return None
    heap, count, since = [(-top, 0, intervals)], 1, 0
    while count + 2 <= min(budget, MAX_BOXES) and since < _STALL:
        worst_top, _, worst = heapq.heappop(heap)
        halves = bisect(worst)
        bounds: list[Any] = [_top(bound, h) for h in halves] if halves is not None else [None]
        if halves is None or any(b is None for b in bounds):
            heapq.heappush(heap, (worst_top, 0, worst))  # as it was
            break
        for half, b in zip(halves, bounds, strict=True):
            count += 1
            heapq.heappush(heap, (-b, count, half))
        lower = -heap[0][0]  # halving the worst pieces stopped helping: stop
        since = 0 if lower < top * (1 - mpmath.mpf(10) ** -3) else since + 1
        top = min(top, lower)
    return -heap[0][0]
