"""The kernel's rules: one class each, holding its data, its side conditions and its check.

A rule proves a step only by an exact argument (algebra that reduces to zero, a
certificate, or a named inference with its side conditions checked); otherwise it raises
:class:`~.terms.Unproved`, and the verifier looks for a counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import symengine as se
import sympy

from ..errors import VerificationError
from .algebra import (
    as_le,
    fast_zero,
    identical,
    nonzero,
    prepare,
    require_real,
    sides,
    sign,
    slow_zero,
    smooth,
    symengine,
    weaker,
    witness,
    zero,
)
from .context import Context
from .terms import Failed, Inner, Rule, Step, Unproved, exact, exact_fields

_ZERO, _ONE, _HALF = sympy.Integer(0), sympy.Integer(1), sympy.Rational(1, 2)


@dataclass(frozen=True)
class FromPremise(Rule):
    """A rule concluding from one earlier step, ``premise`` (a label or an index)."""

    premise: str | int

    @property
    def premises(self) -> tuple[str | int, ...]:
        return (self.premise,)


@dataclass(frozen=True)
class Identity(Rule):
    """``lhs = rhs`` holds identically (unevaluated derivatives are carried out first)."""

    name: ClassVar[str] = "identity"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        if step.rel != "=":
            raise Unproved(f"the identity rule proves '=', not {step.rel!r}")
        require_real(step.lhs, step.rhs, ctx=ctx)
        identical(step.lhs, step.rhs, ctx, strict=True)
        return "proved"


@dataclass(frozen=True)
class Assumption(Rule):
    """The step is one of the derivation's stated assumptions (or case hypotheses)."""

    name: ClassVar[str] = "assumption"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        for k, f in enumerate(ctx.facts):
            if f.rel in ("!=", ">0") or f.scope == "definition":
                continue
            if as_le(f) == as_le(step) or (
                f.rel == "=" == step.rel and (f.rhs, f.lhs) == (step.lhs, step.rhs)
            ):
                ctx.used.add(k)
                return "assumed"
        raise Unproved("the step is not one of the stated assumptions")


@dataclass(frozen=True)
class Sign(Rule):
    """``e > 0``, ``e ≥ 0`` (or ``e < 0``, ``e ≤ 0``) by structural sign rules over the
    premises."""

    name: ClassVar[str] = "sign rules"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lo, rel, hi = as_le(step)
        if rel not in ("<=", "<") or (lo != 0 and hi != 0):
            raise Unproved("the sign rules prove e > 0, e ≥ 0, e < 0 or e ≤ 0")
        subject = hi if lo == 0 else -sympy.sympify(lo)
        if sign(subject, ctx) < (2 if rel == "<" else 1):
            raise Unproved(
                f"{subject} is not provably {'positive' if rel == '<' else 'non-negative'}"
            )
        return "proved"


@dataclass(frozen=True)
class SumOfSquares(Rule):
    """``lhs ≤ rhs`` because rhs − lhs = constant + Σ cₖ·qₖ² with every cₖ ≥ 0 (constant > 0
    for <). ``terms`` holds (cₖ, qₖ); ``lagrange = (u, g)`` adds the Lagrange identity's
    squares Σ_{i<j} (uᵢgⱼ − uⱼgᵢ)², built in SymEngine for speed."""

    name: ClassVar[str] = "sum of squares"

    terms: tuple[tuple[Any, Any], ...] = ()
    constant: Any = _ZERO
    lagrange: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple((exact(c), exact(q)) for c, q in self.terms))
        exact_fields(self, "constant")
        if self.lagrange is not None:
            u, g = self.lagrange
            if len(u) != len(g):
                raise VerificationError("Lagrange's identity needs two vectors of one length")
            object.__setattr__(self, "lagrange", (tuple(map(exact, u)), tuple(map(exact, g))))

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lhs, rel, rhs = as_le(step)
        if rel not in ("<=", "<"):
            raise Unproved(f"a sum of squares proves '≤' or '<', not {step.rel!r}")
        for c, q in self.terms:
            if sign(c, ctx) == 0:
                raise Unproved(f"certificate coefficient {c} is not provably non-negative")
            require_real(q, ctx=ctx, why=f"the square of {q} is ≥ 0 only for real values: ")
        require_real(*(self.lagrange[0] + self.lagrange[1] if self.lagrange else ()), ctx=ctx)
        if sign(self.constant, ctx) < (2 if rel == "<" else 1):
            raise Unproved(
                f"the certificate's constant {self.constant} is not provably {'positive' if rel == '<' else 'non-negative'}"
            )
        extra = None
        if self.lagrange is not None:
            u, g = ([se.sympify(x) for x in side] for side in self.lagrange)
            extra = -se.Add(
                *[
                    (u[a] * g[b] - u[b] * g[a]) ** 2
                    for a in range(len(u))
                    for b in range(a + 1, len(u))
                ]
            )
        certificate = self.constant + sympy.Add(*(c * q**2 for c, q in self.terms))
        diff = prepare(sympy.sympify(rhs) - sympy.sympify(lhs) - certificate)
        fast = symengine(diff, extra)
        if not (fast_zero(fast) or slow_zero(diff, extra)):
            raise Unproved("rhs − lhs is not the certificate's sum of squares")
        witness(diff, extra, ctx, fast)
        return "proved"


@dataclass(frozen=True)
class Affine(FromPremise):
    """From ``a R b`` (step ``premise``) conclude ``c·a + s R c·b + s``; c ≥ 0 is checked
    (c > 0 for strict relations) and a provably non-positive c reverses the relation."""

    name: ClassVar[str] = "multiply/add"

    factor: Any = _ONE
    shift: Any = _ZERO

    def __post_init__(self) -> None:
        exact_fields(self, "factor", "shift")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        c, s = self.factor, self.shift
        require_real(c, s, ctx=ctx)
        if rel == "=O":
            var, order = ctx.remainders[ctx.derivation.index(self.premise)]
            if step.rel != "=O":
                raise Unproved(f"the premise holds only up to O({var}^{order + 1})")
            if not smooth(c, var, ctx):
                raise Unproved(
                    f"the factor {c} must be smooth in {var} at 0 to keep O({var}^{order + 1})"
                )
            ctx.remainders[i] = (var, order)
        need = 2 if rel == "<" else 1
        if rel in ("=", "=O") or sign(c, ctx) >= need:
            lo, hi = c * a + s, c * b + s
        elif sign(-c, ctx) >= need:
            lo, hi = c * b + s, c * a + s
        else:
            raise Unproved(
                f"the factor {c} is not provably {'positive' if need == 2 else 'non-negative'}, nor its opposite"
            )
        target_lo, target_rel, target_hi = as_le(step)
        if not weaker(rel, target_rel):
            raise Unproved(f"multiplying a {rel!r} statement gives {rel!r}, not {step.rel!r}")
        return sides(
            ((lo, target_lo), (hi, target_hi)),
            f"the sides are not the premise's sides times {c} plus {s}",
            ctx,
        )


@dataclass(frozen=True)
class Power(FromPremise):
    """Monotone powers on non-negatives: from ``a R b`` with a, b ≥ 0 conclude ``aᵖ R bᵖ``
    (p a whole number, or its reciprocal: then the conclusion's sides to the power 1/p
    must be the premise's)."""

    name: ClassVar[str] = "monotone power"

    exponent: Any = _HALF

    def __post_init__(self) -> None:
        exact_fields(self, "exponent")
        if not self.exponent.is_Rational:
            raise VerificationError(f"a monotone power's exponent is a number, got {self.exponent}")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        lo, target_rel, hi = as_le(step)
        p = self.exponent
        if not weaker(rel, target_rel) or rel == "=O":
            raise Unproved(f"a monotone power keeps the relation {rel!r}")
        if p <= 0 or (p.q != 1 and p.p != 1):
            raise Unproved("the exponent must be a positive whole number or its reciprocal")
        for side in (lo, hi, a, b) if p.q == 1 else (lo, hi):
            if sign(side, ctx) == 0:
                raise Unproved(f"{side} is not provably non-negative")
        pairs = ((lo, a**p), (hi, b**p)) if p.q == 1 else ((lo**p.q, a), (hi**p.q, b))
        return sides(pairs, "the sides are not the premise's sides raised to the power", ctx)


@dataclass(frozen=True)
class AbsoluteValue(FromPremise):
    """From ``|a| ≤ b`` conclude ``−b ≤ a`` or ``a ≤ b``."""

    name: ClassVar[str] = "absolute value"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        lo, target_rel, hi = as_le(step)
        if not isinstance(a, sympy.Abs) or rel not in ("<=", "<") or not weaker(rel, target_rel):
            raise Unproved("the premise must read |a| ≤ b, and the step keep its relation")
        for x in (a.args[0], -a.args[0]):  # |a| = |−a|: SymPy may have moved a sign inside
            for pairs in (((lo, x), (hi, b)), ((lo, -b), (hi, x))):
                if all(identical(p, q, ctx) for p, q in pairs):
                    return "proved"
        raise Unproved("the step is neither −b ≤ a nor a ≤ b for the premise |a| ≤ b")


@dataclass(frozen=True)
class Transitivity(Rule):
    """Chain ``a R₁ b``, ``b R₂ c``, … into ``a R c`` (strict if any link is; an
    equality may be used either way round)."""

    name: ClassVar[str] = "transitivity"

    chain: tuple[str | int, ...]

    @property
    def premises(self) -> tuple[str | int, ...]:
        return self.chain

    def check(self, step: Step, i: int, ctx: Context) -> str:
        links = [as_le(ctx.premise(ref, i)) for ref in self.chain]
        if len(links) < 2 or any(rel == "=O" for _, rel, _ in links):
            raise Unproved("a chain needs two links or more, and no truncated equality")
        if links[0][1] == "=" and not identical(links[0][2], links[1][0], ctx):
            links[0] = (links[0][2], "=", links[0][0])
        relation = links[0][1]
        for k in range(1, len(links)):
            c, r2, e = links[k]
            if not identical(links[k - 1][2], c, ctx):
                if not (r2 == "=" and identical(links[k - 1][2], e, ctx)):
                    raise Unproved(
                        "the chain's links do not meet (a right side is not the next left side)"
                    )
                links[k] = (e, "=", c)
            relation = "<" if "<" in (relation, r2) else "<=" if "<=" in (relation, r2) else "="
        lo, target_rel, hi = as_le(step)
        if not weaker(relation, target_rel):
            raise Unproved(f"the chain gives {relation!r}, not {step.rel!r}")
        return sides(
            ((lo, links[0][0]), (hi, links[-1][2])),
            "the step's sides are not the chain's ends",
            ctx,
        )


@dataclass(frozen=True)
class Substitution(Rule):
    """From the equality ``x = v`` (a step, or an assumption named by its text) and the
    statement ``into``, conclude that statement with v for x (or x for v). Without
    ``into``, the step itself must become an identity once x is replaced by v."""

    name: ClassVar[str] = "substitution"

    equality: str | int
    into: str | int | None = None

    @property
    def premises(self) -> tuple[str | int, ...]:
        return (self.equality,) if self.into is None else (self.equality, self.into)

    def check(self, step: Step, i: int, ctx: Context) -> str:
        x, v = self._equality(i, ctx)
        into = None if self.into is None else ctx.premise(self.into, i)
        if into is None and step.rel != "=":
            raise Unproved("substitution without a premise proves equalities")
        if into is not None and step.rel != into.rel:
            raise Unproved(f"substitution keeps the relation {into.rel!r}")
        if into is not None and into.rel == "=O" and self.into is not None:
            var, order = ctx.remainders[ctx.derivation.index(self.into)]
            if var in sympy.sympify(x).free_symbols | sympy.sympify(v).free_symbols:
                raise Unproved(f"substituting for {var} changes what O({var}^{order + 1}) means")
            ctx.remainders[i] = (var, order)
        for old, new in ((x, v),) if into is None else ((x, v), (v, x)):
            for subs in (False, True):  # exact subtrees first (fast), then also inside sums

                def put(e: Any, old: Any = old, new: Any = new, subs: bool = subs) -> Any:
                    return e.subs(old, new) if subs else e.xreplace({old: new})

                if into is None:
                    pairs = [(put(step.lhs), put(step.rhs))]
                else:
                    pairs = [(step.lhs, put(into.lhs)), (step.rhs, put(into.rhs))]
                if all(identical(a, b, ctx) for a, b in pairs):
                    return "proved"
        raise Unproved(f"the step is not the statement with {x} replaced by {v} (or back)")

    def _equality(self, i: int, ctx: Context) -> tuple[Any, Any]:
        """x = v from a proved step, or from an assumption named by its text."""
        for k, f in enumerate(ctx.facts):
            if isinstance(self.equality, str) and f.text == self.equality and f.rel == "=":
                ctx.used |= {k} if f.scope != "definition" else set()
                return f.lhs, f.rhs
        premise = ctx.premise(self.equality, i)
        if premise.rel != "=":
            raise Unproved("substitution needs an equality")
        return premise.lhs, premise.rhs


@dataclass(frozen=True)
class Instantiate(FromPremise):
    """A statement proved for every real ``symbol`` (unconstrained by any assumption)
    holds at ``value``, whose denominator must be provably non-zero."""

    name: ClassVar[str] = "instantiation"

    symbol: sympy.Symbol
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, sympy.Symbol):
            raise VerificationError("instantiation names a symbol")
        exact_fields(self, "value")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        premise, t, value = ctx.premise(self.premise, i), self.symbol, self.value
        if any(t in f.lhs.free_symbols | f.rhs.free_symbols for f in ctx.facts):
            raise Unproved(f"{t} is constrained by an assumption, so it cannot be instantiated")
        require_real(value, ctx=ctx, why=f"{t} ranges over the reals: ")
        denominator = sympy.fraction(sympy.together(value))[1]
        if not nonzero(denominator, ctx):
            raise Unproved(f"the value's denominator {denominator} is not provably non-zero")
        if step.rel != premise.rel:
            raise Unproved("instantiation keeps the relation")
        pairs = [
            (step.lhs, premise.lhs.xreplace({t: value})),
            (step.rhs, premise.rhs.xreplace({t: value})),
        ]
        return sides(pairs, f"the step is not the premise at {t} = {value}", ctx)


@dataclass(frozen=True)
class Truncation(Rule):
    """``lhs = rhs + O(varᵏ⁺¹)``: lhs − rhs is smooth in var at 0 and the coefficients of
    var⁰ … varᵏ are exactly zero; each is a derivative at var = 0, checked as an identity."""

    name: ClassVar[str] = "truncation"

    var: sympy.Symbol
    order: int

    def __post_init__(self) -> None:
        if not isinstance(self.var, sympy.Symbol):
            raise VerificationError("truncation names its variable, a symbol")
        if isinstance(self.order, bool) or not isinstance(self.order, int) or self.order < 0:
            raise VerificationError(
                f"a truncation's order is a whole number ≥ 0, got {self.order!r}"
            )

    def check(self, step: Step, i: int, ctx: Context) -> str:
        if step.rel != "=O":
            raise Unproved("truncation proves '= … + O(varᵏ⁺¹)' steps")
        difference = ctx.expand(sympy.sympify(step.lhs) - sympy.sympify(step.rhs))
        if not smooth(difference, self.var, ctx):
            raise Unproved(
                f"Taylor's theorem needs lhs − rhs smooth in {self.var} at {self.var} = 0, and that "
                "is not shown (an absolute value, a root or a quotient that may vanish there?)"
            )
        ctx.remainders[i] = (self.var, self.order)
        own = {s.name: s for s in difference.free_symbols}
        v, current = se.Symbol(self.var.name), se.sympify(difference)
        for j in range(self.order + 1):
            coefficient = sympy.sympify(current.subs({v: 0}))
            coefficient = coefficient.xreplace(
                {s: own.get(s.name, s) for s in coefficient.free_symbols}
            )
            try:
                zero(coefficient, ctx, strict=True)
            except Failed as no:
                raise Failed(
                    f"the coefficient of {self.var}^{j} in lhs − rhs is not zero: {no}", no.point
                ) from None
            current = current.diff(v)
        return "proved"


@dataclass(frozen=True)
class FirstOrder(FromPremise):
    """The first-order term decides: from ``f = c·var + O(var²)`` (step ``premise``) and
    ``c < 0`` (step ``sign``; or ``c > 0``), with c free of var, conclude ``f < 0`` (or
    ``f > 0``) for every var in some interval (0, var₀). The step holds only there, so
    no later step may use it as a premise for every var."""

    name: ClassVar[str] = "first-order term decides"

    sign: str | int = ""

    @property
    def premises(self) -> tuple[str | int, ...]:
        return (self.premise, self.sign)

    def check(self, step: Step, i: int, ctx: Context) -> str:
        expansion, given = ctx.premise(self.premise, i), ctx.premise(self.sign, i)
        if expansion.rel != "=O":
            raise Unproved("the first premise must be a truncated expansion f = c·var + O(var²)")
        var, order = ctx.remainders[ctx.derivation.index(self.premise)]
        c = sympy.cancel(expansion.rhs / var)
        if order < 1 or var in c.free_symbols or not identical(c * var, expansion.rhs, ctx):
            raise Unproved(f"the expansion must read f = c·{var} + O({var}²) with c free of {var}")
        lo, rel, hi = as_le(given)
        negative = rel == "<" and hi == 0 and identical(lo, c, ctx)
        if not (negative or (rel == "<" and lo == 0 and identical(hi, c, ctx))):
            raise Unproved(f"the second premise must state {c} < 0 or {c} > 0")
        want = (expansion.lhs, "<", _ZERO) if negative else (_ZERO, "<", expansion.lhs)
        lo, rel, hi = as_le(step)
        if rel != "<" or not (identical(lo, want[0], ctx) and identical(hi, want[2], ctx)):
            raise Unproved(
                f"the step must read f {'<' if negative else '>'} 0 for the expansion's f"
            )
        ctx.local[i] = var
        return "proved"


@dataclass(frozen=True)
class InnerProduct(Rule):
    """``lhs = rhs`` by bilinearity and symmetry of ⟨·,·⟩ over the given vector symbols."""

    name: ClassVar[str] = "inner-product axioms"

    vectors: tuple[sympy.Symbol, ...]

    def __post_init__(self) -> None:
        if not all(isinstance(v, sympy.Symbol) for v in self.vectors):
            raise VerificationError("the inner-product rule names its vectors, symbols")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        if step.rel != "=":
            raise Unproved("the inner-product axioms prove equalities")
        require_real(step.lhs, step.rhs, ctx=ctx, why="a real inner product takes real scalars: ")
        zero(
            _bilinear(step.lhs, self.vectors) - _bilinear(step.rhs, self.vectors), ctx, strict=True
        )
        return "proved"


@dataclass(frozen=True)
class Positivity(Rule):
    """``0 ≤ ⟨a, a⟩``: the positivity axiom of an inner product."""

    name: ClassVar[str] = "positivity axiom"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lo, rel, hi = as_le(step)
        if rel == "<=" and lo == 0 and isinstance(hi, Inner) and hi.args[0] == hi.args[1]:
            return "proved"
        raise Unproved("the positivity axiom reads 0 ≤ ⟨a, a⟩")


@dataclass(frozen=True)
class QuadraticForm(Rule):
    """``0 ≤ vᵀHv`` for a matrix H assumed positive definite (``0 < vᵀHv`` needs v ≠ 0)."""

    name: ClassVar[str] = "positive definite form"

    matrix: Any
    vector: Any

    def __post_init__(self) -> None:
        exact_fields(self, "matrix", "vector")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        matrix, vector = sympy.ImmutableMatrix(self.matrix), sympy.ImmutableMatrix(self.vector)
        given = [
            k
            for k, f in enumerate(ctx.facts)
            if f.rel == ">0" and not f.scope and sympy.ImmutableMatrix(f.lhs) == matrix
        ]
        if not given:
            raise Unproved("the matrix is not assumed positive definite")
        ctx.used.add(given[0])
        lo, rel, hi = as_le(step)
        if lo != 0 or rel not in ("<=", "<"):
            raise Unproved("the rule proves 0 ≤ vᵀHv")
        if rel == "<" and not any(nonzero(c, ctx) for c in vector):
            raise Unproved("0 < vᵀHv needs v ≠ 0")
        return sides(
            ((hi, (vector.T * matrix * vector)[0, 0]),), "the step's side is not vᵀHv", ctx
        )


def _linear(a: Any, vectors: tuple[sympy.Symbol, ...]) -> dict[sympy.Symbol, Any]:
    """Coefficients of a linear combination of the vectors (⟨·,·⟩ values are scalars)."""
    scalars = {e: sympy.Dummy() for e in sympy.sympify(a).atoms(Inner)}
    expanded = sympy.expand(sympy.sympify(a).xreplace(scalars))
    parts = {v: expanded.coeff(v) for v in vectors}
    if (
        any(c.has(*vectors) for c in parts.values())
        or sympy.expand(expanded - sum(c * v for v, c in parts.items())) != 0
    ):
        raise Unproved(f"{a} is not a linear combination of {', '.join(map(str, vectors))}")
    back = {d: e for e, d in scalars.items()}
    return {v: c.xreplace(back) for v, c in parts.items()}


def _bilinear(expr: Any, vectors: tuple[sympy.Symbol, ...]) -> Any:
    """``expr`` with each ⟨a, b⟩ expanded over the vectors, in a canonical argument order."""
    order = {v: k for k, v in enumerate(vectors)}

    def expand_one(a: Any, b: Any) -> Any:
        return sympy.Add(
            *(
                cv * cw * Inner(*sorted((v, w), key=order.__getitem__))
                for v, cv in _linear(a, vectors).items()
                for w, cw in _linear(b, vectors).items()
            )
        )

    return sympy.sympify(expr).replace(
        lambda e: isinstance(e, Inner), lambda e: expand_one(*e.args)
    )


__all__ = [rule.__name__ for rule in Rule.registry]
