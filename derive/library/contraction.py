r"""Gradient descent on a quadratic: the exact contraction factor and the steps it needs.

For L(θ) = ½θᵀHθ + bᵀθ + c with H ≻ 0, one step multiplies the error by I − ηH, whose
eigenvalues are 1 − ηλᵢ, so

.. math::
   \|\theta_{k+1} - \theta^*\| \le \rho\,\|\theta_k - \theta^*\|,\qquad
   \rho = \max_i |1 - \eta\lambda_i|,

with equality along the eigenvector where the maximum is reached: ρ is exact (both
directions proved). GD converges from every start iff ρ < 1, that is 0 < η < 2/λ_max.

>>> from derive import Objective
>>> c = contraction(Objective("x**2 + 3*y**2", "x y"), lr="1/4", tol="1/1000")
>>> c.rho, c.steps, c.derivation.verify().ok
(1/2, 10, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import DomainError, OptionError
from ..kernel import Affine, Fact, Identity, IntervalBound, Step, SumOfSquares, Transitivity
from ..objective import Objective, exact_value
from ..taylor import fresh_symbol
from .stepsize import _hessian, _largest_eigenvalue

__all__ = ["MAX_PROVED_STEPS", "Contraction", "contraction"]

MAX_PROVED_STEPS = 64
"""Up to this many steps the K-step bound is proved for (I − ηH)^K itself."""


@dataclass(frozen=True)
class Contraction:
    """ρ = max|1 − ηλᵢ| (exact) for gradient descent on a quadratic, with its derivation."""

    rho: sympy.Expr
    steps: int | None
    """The least K with ρᴷ ≤ tol (None without tol): from the worst start no fewer do."""
    derivation: Derivation


def _times(c: sympy.Expr, x: sympy.Expr) -> sympy.Expr:
    """c·x written as it reads (x alone when c = 1, 0 when c = 0), left unevaluated."""
    return x if c == 1 else sympy.Integer(0) if c == 0 else sympy.Mul(c, x, evaluate=False)


def _power(c: sympy.Expr, k: int) -> sympy.Expr:
    """cᵏ written as a power, left unevaluated (ρ²ᴷ reads better than its digits)."""
    return sympy.Pow(c, k, evaluate=False)


def _squares(vector: Any) -> sympy.Expr:
    """The sum of the squares of a vector's non-zero entries, left unevaluated."""
    return sympy.Add(*(sympy.Pow(x, 2, evaluate=False) for x in vector if x != 0), evaluate=False)


def contraction(
    obj: Objective, lr: Any, tol: Any = None, data: Mapping[str, Any] | None = None
) -> Contraction:
    """The exact contraction factor ρ = max_i |1 − ηλᵢ| of gradient descent with step
    size ``lr`` on a quadratic loss, proved both ways (‖(I − ηH)e‖ ≤ ρ‖e‖ for every e, with
    equality along an eigenvector), and with ``tol`` the least K with
    ‖θ_K − θ*‖ ≤ tol·‖θ₀ − θ*‖ from every start.

    Raises:
        PointError: the loss is not quadratic (see :func:`~.certify.smoothness_bound` and
            :func:`~.lemma.descent_lemma` for other losses).
        DomainError: H is not positive definite (no contraction for any step size), or
            ρ ≥ 1 with ``tol`` (the error never shrinks along the worst eigenvector).
        OptionError: ``lr`` not a positive number, ``tol`` not in (0, 1).
    """
    work, hessian = _hessian(obj, None, data)
    _largest_eigenvalue(hessian)  # refuses a Hessian with a negative or no positive eigenvalue
    eta = exact_value(lr, what="lr")
    if not (eta.is_Rational and eta > 0):
        raise OptionError(f"lr must be a positive number, got {lr!r}")
    if any(sympy.N(e, 50) <= 0 for e in hessian.eigenvals()):
        raise DomainError("the Hessian is singular: the loss has no unique minimiser")
    n = len(work.params)
    pairs = []  # (eigenvalue, eigenvector), the eigenvectors orthogonal
    for value, _, vectors in hessian.eigenvects():
        for v in sympy.GramSchmidt(vectors) if len(vectors) > 1 else vectors:
            pairs.append((sympy.nsimplify(value), sympy.Matrix(v)))
    factors = [sympy.radsimp(1 - eta * value) for value, _ in pairs]
    worst = max(range(len(pairs)), key=lambda k: sympy.N(abs(factors[k]), 50))
    rho = sympy.radsimp(abs(factors[worst]))
    e = sympy.Matrix([fresh_symbol(work, f"e_{p.name}") for p in work.params])
    step = sympy.eye(n) - eta * hessian

    signs: list[Fact] = []  # a coefficient with radicals: its sign, a checked fact about numbers

    def bound(matrix: sympy.Matrix, power: int, label: str, why: str) -> Step:
        image = matrix * e
        terms = []
        for (_, v), factor in zip(pairs, factors, strict=True):
            c = sympy.radsimp(
                sympy.expand((rho ** (2 * power) - factor ** (2 * power)) / (v.T * v)[0, 0])
            )
            if not c.is_Rational and all(f.lhs != c for f in signs):
                signs.append(Fact(c, ">=", 0, f"{c} ≥ 0"))
            if c != 0:  # a zero coefficient's square adds nothing to the certificate
                terms.append((c, (v.T * e)[0, 0]))
        equal = not terms  # every |1 − ηλᵢ| is ρ: the bound is an identity
        return Step(  # written unevaluated: ‖Me‖² may equal ρ²‖e‖² term by term
            sympy.Add(*(sympy.Pow(x, 2, evaluate=False) for x in image), evaluate=False),
            "=" if equal else "<=",
            _times(rho ** (2 * power), (e.T * e)[0, 0]),
            why.replace("≤", "=") if equal else why,
            Identity() if equal else SumOfSquares(tuple(terms)),
            label,
        )

    v_star = pairs[worst][1]
    t = fresh_symbol(work, "t")
    along = step * v_star * t  # (I − ηH)(t·v)
    steps = [
        bound(step, 1, "contracts", f"‖(I − ηH)e‖² ≤ ρ²‖e‖² for every e, ρ = {rho}"),
    ]
    if rho != 0:  # ρ = 0 needs no witness: a norm is never below 0
        steps.append(
            Step(  # the lower bound: every e = t·v on the eigenvector's line reaches ρ
                _squares(along),
                "=",
                _times(rho**2, _squares(t * v_star)),
                f"and for e = t·v along the eigenvector v = ({', '.join(map(str, v_star))}) (factor "
                f"{factors[worst]}): ‖(I − ηH)e‖² = ρ²‖e‖², so ρ is exact".replace("-", "−"),
                Identity(),
                "attained",
            )
        )
    k_steps = None
    if tol is not None:
        epsilon = exact_value(tol, what="tol")
        if not (epsilon.is_Rational and 0 < epsilon < 1):
            raise OptionError(f"tol must be a number between 0 and 1, got {tol!r}")
        if not sympy.N(rho, 50) < 1:
            raise DomainError(
                f"ρ = {rho} ≥ 1: along its eigenvector the error never shrinks, so no number "
                f"of steps reaches tol (take 0 < lr < {2 / max(v for v, _ in pairs)})"
            )
        k_steps = 1 if rho == 0 else int(sympy.ceiling(sympy.log(epsilon) / sympy.log(rho)))
        while k_steps > 1 and sympy.N(rho ** (k_steps - 1), 60) <= epsilon:
            k_steps -= 1
        while sympy.N(rho**k_steps, 60) > epsilon:
            k_steps += 1
        norm_e = (e.T * e)[0, 0]
        plural, reach = ("", "reaches") if k_steps == 1 else ("s", "reach")
        steps.append(
            Step(
                _power(rho, 2 * k_steps),
                "<=",
                _power(epsilon, 2),
                f"ρ²ᴷ ≤ tol² for K = {k_steps}",
                IntervalBound(),
                "tolerance",
            )
        )
        if k_steps <= MAX_PROVED_STEPS:
            k_bound = bound(
                step**k_steps,
                k_steps,
                "k-steps",
                f"after K = {k_steps} step{plural}: ‖(I − ηH)ᴷe‖² ≤ ρ²ᴷ‖e‖²",
            )
            steps += [
                k_bound,
                Step(
                    k_bound.rhs,
                    "<=",
                    epsilon**2 * norm_e,
                    "times ‖e‖² ≥ 0",
                    Affine("tolerance", norm_e),
                    "scaled",
                ),
                Step(
                    k_bound.lhs,
                    "<=",
                    epsilon**2 * norm_e,
                    f"so K = {k_steps} step{plural} {reach} tol from every start",
                    Transitivity(("k-steps", "scaled")),
                    "reached",
                ),
            ]
        if k_steps > 1:
            worst = (step ** (k_steps - 1)) * v_star
            length = (v_star.T * v_star)[0, 0]
            steps += [
                Step(
                    _power(epsilon, 2),
                    "<",
                    _power(rho, 2 * k_steps - 2),
                    "but ρ²⁽ᴷ⁻¹⁾ > tol²",
                    IntervalBound(),
                    "not-sooner",
                ),
                Step(
                    _times(length, _power(epsilon, 2)),
                    "<",
                    _times(length, _power(rho, 2 * k_steps - 2)),
                    f"times ‖v‖² = {length} for the eigenvector v",
                    Affine("not-sooner", length),
                    "not-sooner-scaled",
                ),
                Step(
                    _times(length, _power(rho, 2 * k_steps - 2)),
                    "=",
                    _squares(worst),
                    "and ‖(I − ηH)ᴷ⁻¹v‖² = ρ²⁽ᴷ⁻¹⁾‖v‖² along it",
                    Identity(),
                    "worst-start",
                ),
                Step(
                    _times(length, _power(epsilon, 2)),
                    "<",
                    _squares(worst),
                    "so from θ₀ − θ* = v, K − 1 steps do not reach tol",
                    Transitivity(("not-sooner-scaled", "worst-start")),
                    "too-few",
                ),
            ]
    facts = tuple(signs)
    converges = "converges from every start" if sympy.N(rho, 50) < 1 else "does not converge"
    remark = (
        f"With η = {eta} each step multiplies ‖θ − θ*‖ by at most ρ = {rho}, exactly (reached "
        f"along an eigenvector): gradient descent {converges}"
        + (
            f"; {k_steps} step{plural} {reach} tol = {tol} from every start, and from the worst start no "
            "fewer do."
            if k_steps is not None
            else "."
        )
    )
    title = f"The contraction factor of gradient descent on {work.describe()}"
    shown = ("contracts", "attained", "reached", "tolerance", "too-few")
    conclusions = tuple(s.label for s in steps if s.label in shown)
    return Contraction(
        rho, k_steps, Derivation(title, tuple(steps), facts, remark, conclusions=conclusions)
    )
