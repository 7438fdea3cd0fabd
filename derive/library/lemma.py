r"""The descent lemma, certified on a box: gradient descent with 0 < η ≤ 1/L decreases the
loss by at least (η/2)‖∇L‖² per step, and its iterates never leave the box.

.. math::
   \mathcal{L}(\theta - \eta\nabla\mathcal{L}) \le \mathcal{L}(\theta)
   - \tfrac{\eta}{2}\|\nabla\mathcal{L}(\theta)\|^2
   \qquad (\theta \in B,\ \mathcal{L}(\theta) \le \mathcal{L}_0,\ 0 < \eta \le 1/L)

L is a proved bound of ‖∇²L‖₂ on the box B (:func:`~.certify.smoothness_bound`); the
iterates stay in B because the loss is proved above L₀ ≥ L(θ₀) on each face of B (interval
arithmetic), while along each step it stays at or below L(θ) until the step would leave B.

>>> from derive import Objective
>>> g = descent_lemma(Objective("x**2 + y**2/2", "x y"), box={"x": (-2, 2), "y": (-2, 2)},
...                   at={"x": 1, "y": 1})
>>> g.L, g.eta, g.derivation.verify().ok
(2003/1000, 1000/2003, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy

from ..derivation import Derivation
from ..errors import DomainError, PointError
from ..kernel import Affine, Assumption, Fact, IntervalBound, Sign, Step, Transitivity
from ..kernel.interval import positive_on
from ..kernel.rules import DescentLemma
from ..objective import Objective
from ..taylor import fresh_symbol
from .certify import _work, read_box, smoothness_bound

__all__ = ["DescentGuarantee", "descent_lemma"]


@dataclass(frozen=True)
class DescentGuarantee:
    """L and η = 1/L with the derivation that every gradient step of size 0 < η ≤ 1/L
    from θ₀ stays in the box and lowers the loss by at least (η/2)‖∇L‖²."""

    L: sympy.Rational
    eta: sympy.Rational
    level: sympy.Rational
    """L₀ ≥ L(θ₀): the loss stays at or below it along the whole run."""
    derivation: Derivation


def descent_lemma(
    obj: Objective,
    box: Mapping[str, tuple[Any, Any]],
    at: Mapping[str | sympy.Symbol, Any],
    data: Mapping[str, Any] | None = None,
) -> DescentGuarantee:
    """The descent lemma for ``obj`` on ``box`` from the start ``at``: a proved smoothness
    bound L on the box, and the derivation that every step of gradient descent with
    0 < η ≤ 1/L keeps θ in the box and gives L(θ − η∇L) ≤ L(θ) − (η/2)‖∇L(θ)‖².

    Raises:
        PointError: a bad box or start, or a start outside the box.
        DomainError: the loss is not smooth on the box, or it is not shown above L(θ₀) on
            every face of the box (then the run might leave it: take a larger box, or a
            start with a lower loss).
    """
    work = _work(obj, data)
    region = read_box(work, box)
    start = dict(zip(work.params, work.point(at, what="at"), strict=True))
    outside = [p.name for p, (lo, hi) in region.items() if not lo <= start[p] <= hi]
    if outside:
        raise PointError(f"the start lies outside the box (in {', '.join(outside)})")
    name_box = {p.name: ends for p, ends in region.items()}
    smooth = smoothness_bound(work, name_box)
    c, f, theta = smooth.L, work.expr, tuple(work.params)
    if c <= 0:
        raise DomainError("the loss has no positive curvature bound on the box to take η = 1/L")
    f0 = _level(f.xreplace(start))
    eta = fresh_symbol(work, "eta")
    faces: list[Step] = []
    for p in theta:
        for end, side in zip(region[p], ("lo", "hi"), strict=True):
            face = f.xreplace({p: end})
            if any(s.rhs == face for s in faces):
                continue  # the same loss on another face (a symmetric loss): shown once
            others = {q: region[q] for q in theta if q != p}
            if not positive_on(face - f0, others, strict=True):
                raise DomainError(
                    f"on the face {p} = {end} of the box the loss is not shown above "
                    f"L(θ₀) ≤ {f0}: the run might leave the box; take a larger box or a start "
                    "with a lower loss"
                )
            faces.append(
                Step(
                    f0,
                    "<",
                    face,
                    f"on the face {p} = {end} the loss exceeds L₀ (interval arithmetic)",
                    IntervalBound(),
                    f"face-{p.name}-{side}",
                )
            )
    g = [sympy.diff(f, p) for p in theta]
    moved = {p: p - eta * gp for p, gp in zip(theta, g, strict=True)}
    rule = DescentLemma(f, theta, eta, "upper", tuple(s.label for s in faces))
    square = sympy.Add(*(gp**2 for gp in g))
    decrease = f - eta * square / 2
    stays = [
        Step(lo, "<=", moved[p], f"the step keeps {p} ≥ {lo}", rule, f"in-{p.name}-lo")
        for p, (lo, _) in region.items()
    ] + [
        Step(moved[p], "<=", hi, f"and {p} ≤ {hi}", rule, f"in-{p.name}-hi")
        for p, (_, hi) in region.items()
    ]
    steps = (
        *smooth.derivation.steps,
        *faces,
        Step(f, "<=", f0, "take θ in the box with L(θ) ≤ L₀", Assumption(), "level"),
        Step(
            f.xreplace(moved),
            "<=",
            decrease,
            "the descent lemma: the step stays in the box and L(θ − η∇L) ≤ L(θ) − (η/2)‖∇L‖²",
            rule,
            "decrease",
        ),
        *stays,
        Step(0, "<=", eta * square / 2, "(η/2)‖∇L‖² ≥ 0", Sign(), "gain"),
        Step(decrease, "<=", f, "so the loss does not rise", Affine("gain", -1, f), "drop"),
        Step(
            f.xreplace(moved),
            "<=",
            f0,
            "and the new point is again in the box with loss ≤ L₀: by induction every iterate",
            Transitivity(("decrease", "drop", "level")),
            "below-level",
        ),
    )
    facts = (
        *smooth.derivation.assumptions,
        Fact(eta, ">", 0, "η > 0"),
        Fact(eta, "<=", 1 / c, f"η ≤ 1/L = {1 / c}"),
        Fact(f, "<=", f0, f"L(θ) ≤ L₀ = {f0}", "hypothesis"),
        Fact(
            f.xreplace(start), "<=", f0, "L(θ₀) ≤ L₀: the start is in {L ≤ L₀} (numbers, checked)"
        ),
    )
    where = ", ".join(f"{p} = {v}" for p, v in start.items())
    title = f"The descent lemma for {work.describe()} on a box, from {where}"
    remark = (
        f"On the box ‖∇²L‖₂ ≤ L = {c}. Gradient descent from {where} with 0 < η ≤ {1 / c} "
        f"never leaves the box, and each step lowers the loss by at least (η/2)‖∇L‖²."
    )
    conclusions = ("decrease", "below-level", *(s.label for s in stays))
    derivation = Derivation(title, steps, facts, remark, conclusions=conclusions)
    return DescentGuarantee(c, 1 / c, f0, derivation)


def _level(value: Any) -> sympy.Rational:
    """A short rational a little above the number ``value`` (L₀ ≥ L(θ₀))."""
    x = mpmath.mpf(sympy.N(value, 30))
    if not mpmath.isfinite(x):
        raise DomainError(f"the loss is not defined at the start (it is {value})")
    scale = 10 ** max(0, 6 - int(mpmath.floor(mpmath.log10(abs(x) + 1))))
    return sympy.Rational(math.floor(x * scale) + 1, scale)
