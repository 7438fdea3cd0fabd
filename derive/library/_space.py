"""The Cauchy–Schwarz core, written once for concrete ℝⁿ and for an abstract inner product.

A :class:`Space` knows how to write ⟨a, b⟩ for its vectors and which rule proves
expansions of it; :func:`cauchy_schwarz_steps` and :func:`steepest_steps` build the
steps of the steepest-descent lemma in either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from ..kernel import (
    AbsoluteValue,
    Affine,
    Assumption,
    Fact,
    Identity,
    Inner,
    InnerProduct,
    Instantiate,
    Positivity,
    Power,
    Rule,
    Sign,
    Step,
    Substitution,
    SumOfSquares,
    Transitivity,
    VectorSum,
)

__all__ = ["Space", "abstract_space", "block_space", "cauchy_schwarz_steps", "concrete_space"]
__all__ += ["display_names", "steepest_steps"]


@dataclass(frozen=True)
class Space:
    """Vectors u and g with their inner products; ``u`` and ``g`` are columns (ℝⁿ), symbols,
    or blocks (vector symbols of the given ``lengths``, None for a number)."""

    u: Any
    g: Any
    concrete: bool
    vectors: tuple[sympy.Symbol, ...] = ()
    lengths: tuple[int | None, ...] = ()

    def inner(self, a: Any, b: Any) -> Any:
        if self.lengths:
            return sympy.Add(
                *(
                    x * y if n is None else VectorSum(x * y, n)
                    for x, y, n in zip(a, b, self.lengths, strict=True)
                )
            )
        if self.concrete:
            return sympy.Add(*(x * y for x, y in zip(a, b, strict=True)))
        return Inner(a, b)

    def combine(self, a: Any, t: Any, b: Any) -> Any:
        """a + t·b."""
        return tuple(x + t * y for x, y in zip(a, b, strict=True)) if self.concrete else a + t * b

    def norm(self, a: Any) -> Any:
        return sympy.sqrt(self.inner(a, a))

    def expansion_rule(self) -> Rule:
        return Identity() if self.concrete else InnerProduct(self.vectors)

    @property
    def ug(self) -> Any:
        return self.inner(self.u, self.g)

    @property
    def nu(self) -> Any:
        return self.norm(self.u)

    @property
    def ng(self) -> Any:
        return self.norm(self.g)


def concrete_space(u: Any, g: Any) -> Space:
    """ℝⁿ with coordinates: ``u`` and ``g`` are sequences of expressions."""
    return Space(tuple(u), tuple(g), concrete=True)


def block_space(u: Any, g: Any, lengths: tuple[int | None, ...]) -> Space:
    """ℝⁿ¹ × ℝⁿ² × …, kept whole: each block a vector symbol (its length given) or a number;
    identities in it hold for every length, so its proofs are dimension-free."""
    return Space(tuple(u), tuple(g), concrete=True, lengths=tuple(lengths))


def abstract_space(u: sympy.Symbol, g: sympy.Symbol) -> Space:
    """A real inner-product space, any dimension: ``u`` and ``g`` are vector symbols."""
    return Space(u, g, concrete=False, vectors=(u, g))


def cauchy_schwarz_steps(space: Space) -> tuple[Step, ...]:
    """Steps ending in |⟨u, g⟩| ≤ ‖u‖‖g‖ (label 'cauchy-schwarz')."""
    ug, nu, ng = space.ug, space.nu, space.ng
    uu, gg = space.inner(space.u, space.u), space.inner(space.g, space.g)
    squared: tuple[Step, ...]
    if space.concrete and not space.lengths:
        squared = (
            Step(
                sympy.Pow(ug, 2, evaluate=False),  # (uᵀg)² as written, also in ℝ¹
                "<=",
                uu * gg,
                "Lagrange's identity: ‖u‖²‖g‖² − (uᵀg)² is the sum over i < j of "
                "(u_i g_j − u_j g_i)², a sum of squares",
                SumOfSquares(lagrange=(space.u, space.g)),
                "cauchy-schwarz-squared",
            ),
        )
    else:
        t = sympy.Symbol("t", real=True)
        u, g = space.u, space.g
        square = space.inner(space.combine(u, t, g), space.combine(u, t, g))
        quadratic = uu + 2 * t * ug + t**2 * gg
        squared = (
            Step(
                0,
                "<=",
                square,
                "positivity of the inner product, for every real t",
                Sign() if space.lengths else Positivity(),
                "positive",
            ),
            Step(
                square,
                "=",
                quadratic,
                "bilinearity and symmetry",
                space.expansion_rule(),
                "expand",
            ),
            Step(
                0,
                "<=",
                quadratic,
                "so the quadratic in t is never negative",
                Transitivity(("positive", "expand")),
                "quadratic",
            ),
            Step(
                0,
                "<=",
                uu - ug**2 / gg,
                "take t = −⟨u, g⟩/⟨g, g⟩ (allowed since ⟨g, g⟩ > 0)",
                Instantiate("quadratic", t, -ug / gg),
                "discriminant",
            ),
            Step(
                ug**2,
                "<=",
                uu * gg,
                "multiply by ⟨g, g⟩ > 0 and add ⟨u, g⟩²",
                Affine("discriminant", gg, ug**2),
                "cauchy-schwarz-squared",
            ),
        )
    root = Step(
        sympy.Abs(ug, evaluate=False),
        "<=",
        nu * ng,
        "square roots of non-negative sides (√ is increasing)",
        Power("cauchy-schwarz-squared", sympy.Rational(1, 2)),
        "cauchy-schwarz",
    )
    return (*squared, root)


def steepest_steps(
    space: Space, d: sympy.Symbol, gloss: Mapping[str, str] | None = None
) -> tuple[tuple[Step, ...], tuple[Fact, ...]]:
    """The lemma: ‖u‖ ≤ d and g ≠ 0 give ⟨u, g⟩ ≥ −d‖g‖, attained exactly at u* = −d g/‖g‖.
    ``gloss`` renames the premises' words for a caller whose u and g are other things
    (the disc: "g ≠ 0" is "∇L(a, b) ≠ 0")."""
    words = {"g ≠ 0": "g ≠ 0", "‖u‖ ≤ d": "‖u‖ ≤ d", **(gloss or {})}
    ug, nu, ng = space.ug, space.nu, space.ng
    uu, gg = space.inner(space.u, space.u), space.inner(space.g, space.g)
    facts = (
        Fact(d, ">", 0, "d > 0"),
        Fact(gg, ">", 0, words["g ≠ 0"]),
        Fact(nu, "<=", d, words["‖u‖ ≤ d"]),
        Fact(ug, "=", -d * ng, "equality case", scope="hypothesis"),
    )
    if space.concrete:  # also blocks
        ustar = tuple(-d * gi / ng for gi in space.g)
        gap = tuple(ui - si for ui, si in zip(space.u, ustar, strict=True))
    else:
        ustar = -d * space.g / ng
        gap = space.u - ustar
    expand = space.expansion_rule()
    steps = (
        *cauchy_schwarz_steps(space),
        Step(
            -nu * ng,
            "<=",
            ug,
            "the bound on the absolute value, |t| ≤ c, gives −c ≤ t",
            AbsoluteValue("cauchy-schwarz"),
            "lower",
        ),
        Step(nu, "<=", d, "the step stays within radius d", Assumption(), "radius"),
        Step(nu * ng, "<=", d * ng, "multiply by ‖g‖ ≥ 0", Affine("radius", ng), "scaled"),
        Step(-d * ng, "<=", -nu * ng, "multiply by −1", Affine("scaled", -1), "negated"),
        Step(
            ug, ">=", -d * ng, "chain the two bounds", Transitivity(("negated", "lower")), "bound"
        ),
        Step(
            space.inner(ustar, space.g),
            "=",
            -d * ng,
            "u* = −d g/‖g‖ attains the bound",
            expand,
            "attained",
        ),
        Step(
            (
                sympy.Add(*(sympy.Pow(c, 2, evaluate=False) for c in ustar), evaluate=False)
                if space.concrete and not space.lengths
                else space.inner(ustar, ustar)
            ),
            "=",
            d**2,
            "and ‖u*‖ = d, so u* is allowed",
            expand,
            "feasible",
        ),
        Step(
            space.inner(gap, gap),
            "=",
            uu + 2 * d * ug / ng + d**2,
            "expand ‖u − u*‖²",
            expand,
            "distance",
        ),
        Step(
            space.inner(gap, gap),
            "=",
            uu - d**2,
            "if u attains the bound, ⟨u, g⟩ = −d‖g‖",
            Substitution("equality case", "distance"),
            "distance-at-equality",
        ),
        Step(uu, "<=", d**2, "square ‖u‖ ≤ d", Power("radius", 2), "radius-squared"),
        Step(uu - d**2, "<=", 0, "subtract d²", Affine("radius-squared", 1, -(d**2)), "slack"),
        Step(
            space.inner(gap, gap),
            "<=",
            0,
            "so ‖u − u*‖² ≤ 0: u = u*, the minimiser is unique",
            Transitivity(("distance-at-equality", "slack")),
            "unique",
        ),
    )
    return steps, facts


def display_names(space: Space, d: Any = None) -> tuple[tuple[Any, str], ...]:
    """What a lecturer writes for the sums of a block space: uᵀg, ‖u‖, ‖g‖, ‖u + tg‖² (the
    Cauchy–Schwarz quadratic) and, with the radius d, u*ᵀg, ‖u*‖² and ‖u − u*‖². None for
    other spaces, whose expressions print as they are."""
    if not space.lengths:
        return ()
    u, g = space.u, space.g
    uu, gg = space.inner(u, u), space.inner(g, g)
    t = sympy.Symbol("t", real=True)  # as in cauchy_schwarz_steps
    moved = space.combine(u, t, g)
    names = [
        (space.ug, r"u^\top g"),
        (sympy.sqrt(uu), r"\|u\|"),
        (sympy.sqrt(gg), r"\|g\|"),
        (uu, r"\|u\|^2"),
        (gg, r"\|g\|^2"),
        (space.inner(moved, moved), r"\|u + t g\|^2"),
    ]
    if d is not None:
        ustar = tuple(-d * gi / sympy.sqrt(gg) for gi in g)
        gap = tuple(ui - si for ui, si in zip(u, ustar, strict=True))
        names += [
            (space.inner(ustar, g), r"u^{*\top} g"),
            (space.inner(ustar, ustar), r"\|u^*\|^2"),
            (space.inner(gap, gap), r"\|u - u^*\|^2"),
        ]
    return tuple(names)
