"""Steepest descent: the best first-order step within radius d is u* = −d·g/‖g‖.

.. math::
   \\|u\\| \\le d,\\ g \\ne 0 \\implies u^\\top g \\ge -d\\,\\|g\\|,
   \\text{ with equality exactly at } u^* = -d\\,\\frac{g}{\\|g\\|}

>>> steepest_descent(dim=3).verify().ok
True
"""

from __future__ import annotations

import sympy

from ..derivation import Derivation
from ..errors import OptionError
from ..kernel import (
    AbsoluteValue,
    Affine,
    Assumption,
    Fact,
    Step,
    Substitution,
    Transitivity,
    VectorSymbol,
)
from ._space import (
    Space,
    abstract_space,
    block_space,
    cauchy_schwarz_steps,
    concrete_space,
    display_names,
    steepest_steps,
)

__all__ = ["MAX_DIM", "angle_steps", "steepest_descent"]

MAX_DIM = 10**6
CONCRETE_DIM = 64
"""Up to this dimension ℝⁿ is proved with coordinates (Lagrange's identity, a sum of
squares over i < j, which grows like n²); above it the discriminant proof for any inner
product, with uᵀg the sum over the n coordinates kept whole."""
FORMS = ("bound", "angle")


def _space(dim: int | None, u: str = "u", g: str = "g") -> Space:
    if dim is None:
        return abstract_space(sympy.Symbol(u, real=True), sympy.Symbol(g, real=True))
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= MAX_DIM:
        raise OptionError(
            f"dim must be None (dimension-free) or a whole number from 1 to {MAX_DIM}, got {dim!r}"
        )
    if dim > CONCRETE_DIM:  # the dimension-free proof, its inner product the sum over ℝⁿ
        return block_space((VectorSymbol(u),), (VectorSymbol(g),), (dim,))
    return concrete_space(
        sympy.symbols(f"{u}_1:{dim + 1}", real=True), sympy.symbols(f"{g}_1:{dim + 1}", real=True)
    )


def angle_steps(
    space: Space, beta: sympy.Symbol | None = None
) -> tuple[tuple[Step, ...], tuple[Fact, ...]]:
    """The lectures' cos β argument: −k ≤ k cos β = uᵀg ≤ k, smallest at β = 180°
    (``beta``: the angle's symbol, fresh against a user's names)."""
    beta = sympy.Symbol("beta", real=True) if beta is None else beta
    ug, k = space.ug, space.nu * space.ng
    uu, gg = space.inner(space.u, space.u), space.inner(space.g, space.g)
    facts = (
        Fact(uu, ">", 0, "u ≠ 0"),
        Fact(gg, ">", 0, "g ≠ 0"),
        Fact(sympy.cos(beta), "=", ug / k, "β is the angle between u and g", scope="hypothesis"),
        Fact(sympy.cos(beta), "=", -1, "β = 180°", scope="hypothesis"),
        Fact(k * sympy.cos(beta), "=", -k, "k cos β reaches its least value −k", "hypothesis"),
    )
    steps = (
        Step(
            ug,
            "<=",
            k,
            "the bound on the absolute value, |t| ≤ c, gives t ≤ c",
            AbsoluteValue("cauchy-schwarz"),
            "angle-upper",
        ),
        Step(-k, "<=", ug, "and −c ≤ t", AbsoluteValue("cauchy-schwarz"), "angle-lower"),
        Step(
            k * sympy.cos(beta),
            "=",
            ug,
            "by the definition of β",
            Substitution("β is the angle between u and g"),
            "k-cos",
        ),
        Step(
            -k,
            "<=",
            k * sympy.cos(beta),
            "so −k ≤ k cos β",
            Transitivity(("angle-lower", "k-cos")),
            "k-lower",
        ),
        Step(
            k * sympy.cos(beta),
            "<=",
            k,
            "and k cos β ≤ k",
            Transitivity(("k-cos", "angle-upper")),
            "k-upper",
        ),
        Step(
            -1,
            "<=",
            sympy.cos(beta),
            "divide by k = ‖u‖‖g‖ > 0",
            Affine("k-lower", 1 / k),
            "cos-lower",
        ),
        Step(sympy.cos(beta), "<=", 1, "divide by k > 0", Affine("k-upper", 1 / k), "cos-upper"),
        Step(
            k * sympy.cos(beta),
            "=",
            -k,
            "at β = 180° (cos β = −1) the least value −k is reached",
            Substitution("β = 180°"),
            "angle-180",
        ),
        Step(
            k * sympy.cos(beta),
            "=",
            -k,
            "conversely, suppose k cos β reaches −k",
            Assumption(),
            "least-reached",
        ),
        Step(
            sympy.cos(beta),
            "=",
            -1,
            "divide by k > 0: cos β = −1, so only at β = 180°, u a negative multiple of g",
            Affine("least-reached", 1 / k),
            "only-180",
        ),
    )
    return steps, facts


def steepest_descent(dim: int | None = None, *, form: str = "bound") -> Derivation:
    """The steepest-descent lemma, proved by Cauchy–Schwarz.

    Args:
        dim: ``None`` for any real inner-product space (the discriminant argument from
            the axioms), or n for ℝⁿ: with coordinates (Lagrange's identity as the
            sum-of-squares certificate) up to n = 64, above that the discriminant
            argument with uᵀg = Σᵢ uᵢgᵢ kept whole (the same size for every n).
        form: ``"bound"`` (uᵀg ≥ −d‖g‖, attainment, uniqueness) or ``"angle"`` (the
            lectures' −k ≤ k cos β ≤ k, least at β = 180°).

    Raises:
        OptionError: for a bad dimension or form.

    >>> d = steepest_descent(dim=None)
    >>> d.verify().summary()
    'verified: 17 of 17 steps proved, 1 premise assumed'
    """
    if form not in FORMS:
        raise OptionError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    space = _space(dim)
    where = "ℝ^" + str(dim) if dim is not None else "any real inner-product space"
    if form == "angle":
        steps, facts = angle_steps(space)
        return Derivation(
            f"Steepest descent by the angle β ({where})",
            (*cauchy_schwarz_steps(space), *steps),
            facts,
            "uᵀg = k cos β is least, −k, when cos β = −1: u points opposite to g (β = 180°).",
            display_names(space),
            conclusions=("k-lower", "angle-180", "only-180"),
        )
    d = sympy.Symbol("d", real=True)
    steps, facts = steepest_steps(space, d)
    return Derivation(
        f"Steepest descent by Cauchy–Schwarz ({where})",
        steps,
        facts,
        "Within ‖u‖ ≤ d the first-order change uᵀg is least, −d‖g‖, exactly at u* = −d g/‖g‖.",
        display_names(space, d),
        conclusions=("bound", "attained", "unique"),
    )
