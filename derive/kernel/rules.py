"""The kernel's rules: one class each, holding its data, its side conditions and its check.

A rule proves a step only by an exact argument (algebra that reduces to zero, a
certificate, or a named inference with its side conditions checked); a check that does
not go through looks for a counterexample, and otherwise leaves the step unproved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import symengine as se
import sympy

from ..errors import VerificationError
from .algebra import (
    Context,
    _as_le,
    _fast_zero,
    _identical,
    _nonzero,
    _not_real,
    _prepare,
    _real,
    _refute,
    _sides,
    _sign,
    _slow_zero,
    _smooth,
    _symengine,
    _weaker,
    _witness,
    _zero,
)
from .terms import PROVED, Inner, Outcome, Rule, Step, exact, exact_fields

__all__ = [
    "AbsoluteValue",
    "Affine",
    "Assumption",
    "FromPremise",
    "Identity",
    "InnerProduct",
    "Instantiate",
    "Positivity",
    "Power",
    "QuadraticForm",
    "Sign",
    "Substitution",
    "SumOfSquares",
    "Transitivity",
    "Truncation",
]

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

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        if step.rel != "=":
            return Outcome("unproved", f"the identity rule proves '=', not {step.rel!r}")
        for side in (step.lhs, step.rhs):
            if not _real(side, ctx):
                return Outcome("unproved", _not_real(side))
        return _identical(step.lhs, step.rhs, ctx)


@dataclass(frozen=True)
class Assumption(Rule):
    """The step is one of the derivation's assumptions."""

    name: ClassVar[str] = "assumption"

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        target = _as_le(step)
        for k, f in enumerate(ctx.facts):
            if f.rel in ("!=", ">0") or f.scope == "definition":
                continue
            if _as_le(f) == target or (
                f.rel == "=" == step.rel and (f.rhs, f.lhs) == (step.lhs, step.rhs)
            ):
                ctx.used.add(k)
                return Outcome("assumed")
        return _refute(step, ctx, "the step is not one of the stated assumptions")


@dataclass(frozen=True)
class Sign(Rule):
    """``e > 0``, ``e ≥ 0`` (or ``e < 0``, ``e ≤ 0``) by structural sign rules over the
    assumptions."""

    name: ClassVar[str] = "sign rules"

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        lo, rel, hi = _as_le(step)
        if rel not in ("<=", "<") or (lo != 0 and hi != 0):
            return Outcome("unproved", "the sign rules prove e > 0, e ≥ 0, e < 0 or e ≤ 0")
        subject = hi if lo == 0 else -sympy.sympify(lo)
        need = 2 if rel == "<" else 1
        if _sign(subject, ctx) >= need:
            return PROVED
        return _refute(
            step, ctx, f"{subject} is not provably {'positive' if need == 2 else 'non-negative'}"
        )


@dataclass(frozen=True)
class SumOfSquares(Rule):
    """``lhs ≤ rhs`` because rhs − lhs = constant + Σ cₖ·qₖ² with every cₖ ≥ 0 (constant > 0 for <).

    ``terms`` holds (cₖ, qₖ) pairs; ``lagrange = (u, g)`` adds the Lagrange identity's
    squares Σ_{i<j} (uᵢgⱼ − uⱼgᵢ)², built directly in SymEngine for speed.
    """

    name: ClassVar[str] = "sum of squares"

    terms: tuple[tuple[Any, Any], ...] = ()
    constant: Any = _ZERO
    lagrange: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        terms = tuple((exact(c, "a coefficient"), exact(q, "a square")) for c, q in self.terms)
        object.__setattr__(self, "terms", terms)
        exact_fields(self, "constant")
        if self.lagrange is not None:
            u, g = self.lagrange
            if len(u) != len(g):
                raise VerificationError("Lagrange's identity needs two vectors of one length")
            pair = (tuple(exact(x) for x in u), tuple(exact(x) for x in g))
            object.__setattr__(self, "lagrange", pair)

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        lhs, rel, rhs = _as_le(step)
        if rel not in ("<=", "<"):
            return Outcome("unproved", f"a sum of squares proves '≤' or '<', not {step.rel!r}")
        for c, q in rule.terms:
            if _sign(c, ctx) == 0:
                return _refute(
                    step, ctx, f"certificate coefficient {c} is not provably non-negative"
                )
            if not _real(q, ctx):
                return Outcome(
                    "unproved", f"the square of {q} is ≥ 0 only for real values: " + _not_real(q)
                )
        if rule.lagrange is not None:
            for entry in (*rule.lagrange[0], *rule.lagrange[1]):
                if not _real(entry, ctx):
                    return Outcome("unproved", _not_real(entry))
        constant_sign = _sign(rule.constant, ctx)
        if constant_sign == 0 or (rel == "<" and constant_sign < 2):
            need = "positive" if rel == "<" else "non-negative"
            return _refute(
                step, ctx, f"the certificate's constant {rule.constant} is not provably {need}"
            )
        certificate = rule.constant + sympy.Add(*(c * q**2 for c, q in rule.terms))
        extra = None
        if rule.lagrange is not None:
            u, g = ([se.sympify(x) for x in side] for side in rule.lagrange)
            n = len(u)
            extra = -se.Add(
                *[(u[a] * g[b] - u[b] * g[a]) ** 2 for a in range(n) for b in range(a + 1, n)]
            )
        diff = _prepare(sympy.sympify(rhs) - sympy.sympify(lhs) - certificate)
        fast = _symengine(diff, extra)
        if not (_fast_zero(fast) or _slow_zero(diff, extra)):
            return _refute(step, ctx, "rhs − lhs is not the certificate's sum of squares")
        return _witness(diff, extra, ctx, fast)


@dataclass(frozen=True)
class Affine(FromPremise):
    """From ``a R b`` (step ``premise``) conclude ``c·a + s R c·b + s``; c ≥ 0 is checked
    (c > 0 for strict relations) and a provably non-positive c reverses the relation."""

    name: ClassVar[str] = "multiply/add"

    factor: Any = _ONE
    shift: Any = _ZERO

    def __post_init__(self) -> None:
        exact_fields(self, "factor", "shift")

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        premise, problem = ctx.premise(rule.premise, i)
        if premise is None:
            return problem or Outcome("unproved")
        a, rel, b = _as_le(premise)
        c, s = sympy.sympify(rule.factor), sympy.sympify(rule.shift)
        for value in (c, s):
            if not _real(value, ctx):
                return Outcome("unproved", _not_real(value))
        if rel == "=O":
            var, order = ctx.remainders[ctx.derivation.index(rule.premise)]
            if step.rel != "=O":
                return Outcome("unproved", f"the premise holds only up to O({var}^{order + 1})")
            if not _smooth(c, var, ctx):
                return Outcome(
                    "unproved",
                    f"the factor {c} must be smooth in {var} at 0 to keep O({var}^{order + 1})",
                )
            ctx.remainders[i] = (var, order)
        strict = rel == "<"
        need = 2 if strict else 1
        if rel in ("=", "=O") or _sign(c, ctx) >= need:
            lo, hi = c * a + s, c * b + s
        elif _sign(-c, ctx) >= need:
            lo, hi = c * b + s, c * a + s
        else:
            return _refute(
                step,
                ctx,
                f"the factor {c} is not provably {'positive' if strict else 'non-negative'}, "
                "nor its opposite",
            )
        target_lo, target_rel, target_hi = _as_le(step)
        if not _weaker(rel, target_rel):
            return _refute(
                step, ctx, f"multiplying a {rel!r} statement gives {rel!r}, not {step.rel!r}"
            )
        reason = f"the sides are not the premise's sides times {c} plus {s}"
        return _sides(((lo, target_lo), (hi, target_hi)), step, ctx, reason)


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

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        premise, problem = ctx.premise(rule.premise, i)
        if premise is None:
            return problem or Outcome("unproved")
        a, rel, b = _as_le(premise)
        lo, target_rel, hi = _as_le(step)
        if not _weaker(rel, target_rel) or rel == "=O":
            return _refute(step, ctx, f"a monotone power keeps the relation {rel!r}")
        p = sympy.Rational(rule.exponent)
        if p <= 0 or (p.q != 1 and p.p != 1):
            return Outcome(
                "unproved", "the exponent must be a positive whole number or its reciprocal"
            )
        sides = (lo, hi, a, b) if p.q == 1 else (lo, hi)
        for side in sides:
            if _sign(side, ctx) == 0:
                return _refute(step, ctx, f"{side} is not provably non-negative")
        pairs = ((lo, a**p), (hi, b**p)) if p.q == 1 else ((lo**p.q, a), (hi**p.q, b))
        return _sides(pairs, step, ctx, "the sides are not the premise's sides raised to the power")


@dataclass(frozen=True)
class AbsoluteValue(FromPremise):
    """From ``|a| ≤ b`` conclude ``−b ≤ a`` or ``a ≤ b``."""

    name: ClassVar[str] = "absolute value"

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        premise, problem = ctx.premise(rule.premise, i)
        if premise is None:
            return problem or Outcome("unproved")
        a, rel, b = _as_le(premise)
        if not isinstance(a, sympy.Abs) or rel not in ("<=", "<"):
            return Outcome("unproved", "the premise must read |a| ≤ b")
        inner = a.args[0]
        lo, target_rel, hi = _as_le(step)
        if not _weaker(rel, target_rel):
            return _refute(step, ctx, "the relation must be the premise's")
        for a_ in (inner, -inner):  # |a| = |−a|: SymPy may have moved a sign inside
            for pairs in (((lo, a_), (hi, b)), ((lo, -b), (hi, a_))):
                if all(_identical(x, y, ctx).status == "proved" for x, y in pairs):
                    return PROVED
        return _refute(step, ctx, "the step is neither −b ≤ a nor a ≤ b for the premise |a| ≤ b")


@dataclass(frozen=True)
class Transitivity(Rule):
    """Chain ``a R₁ b``, ``b R₂ c``, … into ``a R c`` (strict if any link is; an
    equality may be used either way round)."""

    name: ClassVar[str] = "transitivity"

    chain: tuple[str | int, ...]

    @property
    def premises(self) -> tuple[str | int, ...]:
        return self.chain

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        links = []
        for ref in rule.chain:
            premise, problem = ctx.premise(ref, i)
            if premise is None:
                return problem or Outcome("unproved")
            if premise.rel == "=O":
                return Outcome("unproved", "a truncated equality cannot be chained")
            links.append(_as_le(premise))
        if len(links) < 2:
            return Outcome("unproved", "a chain needs two links or more")

        def meets(x: Any, y: Any) -> bool:
            return _identical(x, y, ctx).status == "proved"

        if (
            links[0][1] == "="
            and not meets(links[0][2], links[1][0])
            and meets(links[0][0], links[1][0])
        ):
            links[0] = (links[0][2], "=", links[0][0])
        relation = links[0][1]
        for k in range(1, len(links)):
            c, r2, e = links[k]
            if not meets(links[k - 1][2], c):
                if r2 == "=" and meets(links[k - 1][2], e):
                    links[k] = (e, "=", c)
                else:
                    return _refute(
                        step,
                        ctx,
                        "the chain's links do not meet (a right side is not the next left side)",
                    )
            relation = _combine(relation, r2)
        lo, target_rel, hi = _as_le(step)
        if not _weaker(relation, target_rel):
            return _refute(step, ctx, f"the chain gives {relation!r}, not {step.rel!r}")
        return _sides(
            ((lo, links[0][0]), (hi, links[-1][2])),
            step,
            ctx,
            "the step's sides are not the chain's ends",
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

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        pair, problem = _equality(rule.equality, i, ctx)
        if pair is None:
            return problem or Outcome("unproved")
        x, v = pair
        if rule.into is None:
            if step.rel != "=":
                return Outcome("unproved", "substitution without a premise proves equalities")
            for replace in _REPLACERS:
                pairs = [(replace(step.lhs, x, v), replace(step.rhs, x, v))]
                if all(_identical(a, b, ctx).status == "proved" for a, b in pairs):
                    return PROVED
            return _sides(pairs, step, ctx, f"the sides differ even with {x} replaced by {v}")
        into, problem = ctx.premise(rule.into, i)
        if into is None:
            return problem or Outcome("unproved")
        if step.rel != into.rel:
            return _refute(step, ctx, f"substitution keeps the relation {into.rel!r}")
        if into.rel == "=O":
            var, order = ctx.remainders[ctx.derivation.index(rule.into)]
            if var in sympy.sympify(x).free_symbols | sympy.sympify(v).free_symbols:
                return Outcome(
                    "unproved", f"substituting for {var} changes what O({var}^{order + 1}) means"
                )
            ctx.remainders[i] = (var, order)
        for replace in _REPLACERS:
            for old, new in ((x, v), (v, x)):
                pairs = [
                    (mine, replace(theirs, old, new))
                    for mine, theirs in ((step.lhs, into.lhs), (step.rhs, into.rhs))
                ]
                if all(_identical(a, b, ctx).status == "proved" for a, b in pairs):
                    return PROVED
        return _refute(step, ctx, f"the step is not the premise with {x} replaced by {v} (or back)")


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

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        premise, problem = ctx.premise(rule.premise, i)
        if premise is None:
            return problem or Outcome("unproved")
        t = rule.symbol
        for f in ctx.facts:
            if t in f.lhs.free_symbols | f.rhs.free_symbols:
                return Outcome(
                    "unproved", f"{t} is constrained by an assumption, so it cannot be instantiated"
                )
        value = sympy.sympify(rule.value)
        if not _real(value, ctx):
            return Outcome("unproved", f"{t} ranges over the reals: " + _not_real(value))
        _, denominator = sympy.fraction(sympy.together(value))
        if not _nonzero(denominator, ctx):
            return Outcome(
                "unproved", f"the value's denominator {denominator} is not provably non-zero"
            )
        if step.rel != premise.rel:
            return _refute(step, ctx, "instantiation keeps the relation")
        pairs = [
            (mine, sympy.sympify(theirs).xreplace({t: value}))
            for mine, theirs in ((step.lhs, premise.lhs), (step.rhs, premise.rhs))
        ]
        return _sides(pairs, step, ctx, f"the step is not the premise at {t} = {value}")


@dataclass(frozen=True)
class Truncation(Rule):
    """``lhs = rhs + O(varᵏ⁺¹)``: the coefficients of var⁰ … varᵏ in lhs − rhs are exactly
    zero; each is a derivative at var = 0, checked as an identity."""

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

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        if step.rel != "=O":
            return Outcome("unproved", "truncation proves '= … + O(varᵏ⁺¹)' steps")
        difference = ctx.expand_definitions(sympy.sympify(step.lhs) - sympy.sympify(step.rhs))
        if not _smooth(difference, rule.var, ctx):
            return Outcome(
                "unproved",
                f"Taylor's theorem needs lhs − rhs smooth in {rule.var} at {rule.var} = 0, and that "
                "is not shown (an absolute value, a root or a quotient that may vanish there?)",
            )
        ctx.remainders[i] = (rule.var, rule.order)
        own = {s.name: s for s in difference.free_symbols}
        v = se.Symbol(rule.var.name)
        current = se.sympify(difference)
        for j in range(rule.order + 1):
            coefficient = sympy.sympify(current.subs({v: 0}))
            coefficient = coefficient.xreplace(
                {s: own.get(s.name, s) for s in coefficient.free_symbols}
            )
            outcome = _zero(coefficient, ctx)
            if outcome.status != "proved":
                reason = (
                    f"the coefficient of {rule.var}^{j} in lhs − rhs is not zero: {outcome.reason}"
                )
                return Outcome(outcome.status, reason, outcome.point)
            current = current.diff(v)
        return PROVED


@dataclass(frozen=True)
class InnerProduct(Rule):
    """``lhs = rhs`` by bilinearity and symmetry of ⟨·,·⟩ over the given vector symbols."""

    name: ClassVar[str] = "inner-product axioms"

    vectors: tuple[sympy.Symbol, ...]

    def __post_init__(self) -> None:
        if not all(isinstance(v, sympy.Symbol) for v in self.vectors):
            raise VerificationError("the inner-product rule names its vectors, symbols")

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        if step.rel != "=":
            return Outcome("unproved", "the inner-product axioms prove equalities")
        for side in (step.lhs, step.rhs):
            if not _real(side, ctx):
                return Outcome(
                    "unproved", "a real inner product takes real scalars: " + _not_real(side)
                )
        expanded = _bilinear(step.lhs, rule.vectors) - _bilinear(step.rhs, rule.vectors)
        outcome = _zero(expanded, ctx)
        if outcome.status == "proved":
            return outcome
        return Outcome(
            outcome.status,
            f"the sides differ after expanding ⟨·,·⟩ bilinearly: {outcome.reason}",
            outcome.point,
        )


@dataclass(frozen=True)
class Positivity(Rule):
    """``0 ≤ ⟨a, a⟩``: the positivity axiom of an inner product."""

    name: ClassVar[str] = "positivity axiom"

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        lo, rel, hi = _as_le(step)
        if rel == "<=" and lo == 0 and isinstance(hi, Inner) and hi.args[0] == hi.args[1]:
            return PROVED
        return Outcome("unproved", "the positivity axiom reads 0 ≤ ⟨a, a⟩")


@dataclass(frozen=True)
class QuadraticForm(Rule):
    """``0 ≤ vᵀHv`` for a matrix H assumed positive definite (``0 < vᵀHv`` needs v ≠ 0)."""

    name: ClassVar[str] = "positive definite form"

    matrix: Any
    vector: Any

    def __post_init__(self) -> None:
        exact_fields(self, "matrix", "vector")

    def check(self, step: Step, i: int, ctx: Context) -> Outcome:
        rule = self
        matrix, vector = sympy.ImmutableMatrix(rule.matrix), sympy.ImmutableMatrix(rule.vector)
        given = [
            k
            for k, f in enumerate(ctx.facts)
            if f.rel == ">0" and not f.scope and sympy.ImmutableMatrix(f.lhs) == matrix
        ]
        if not given:
            return Outcome("unproved", "the matrix is not assumed positive definite")
        ctx.used.add(given[0])
        lo, rel, hi = _as_le(step)
        if lo != 0 or rel not in ("<=", "<"):
            return Outcome("unproved", "the rule proves 0 ≤ vᵀHv")
        if rel == "<" and not any(_nonzero(c, ctx) for c in vector):
            return Outcome("unproved", "0 < vᵀHv needs v ≠ 0")
        return _sides(
            ((hi, (vector.T * matrix * vector)[0, 0]),), step, ctx, "the step's side is not vᵀHv"
        )


def _combine(first: str, second: str) -> str:
    """The relation of a chain: strict if any link is, '=' only if every link is."""
    if "<" in (first, second):
        return "<"
    return "<=" if "<=" in (first, second) else "="


def _equality(
    ref: str | int, i: int, ctx: Context
) -> tuple[tuple[Any, Any] | None, Outcome | None]:
    """An equality x = v from a proved step, or from an assumption named by its text."""
    if isinstance(ref, str):
        for k, f in enumerate(ctx.facts):
            if f.text == ref and f.rel == "=":
                if f.scope != "definition":
                    ctx.used.add(k)
                return (f.lhs, f.rhs), None
    premise, problem = ctx.premise(ref, i)
    if premise is None:
        return None, problem
    if premise.rel != "=":
        return None, Outcome("unproved", "substitution needs an equality")
    return (premise.lhs, premise.rhs), None


_REPLACERS: tuple[Callable[[Any, Any, Any], Any], ...] = (
    lambda e, old, new: sympy.sympify(e).xreplace({old: new}),  # exact subtrees: fast
    lambda e, old, new: sympy.sympify(e).subs(old, new),  # also inside sums: slower
)


def _linear(a: Any, vectors: Sequence[sympy.Symbol]) -> dict[sympy.Symbol, Any]:
    """Coefficients of a linear combination of the vectors (⟨·,·⟩ values are scalars)."""
    scalars = {e: sympy.Dummy() for e in sympy.sympify(a).atoms(Inner)}
    expanded = sympy.expand(sympy.sympify(a).xreplace(scalars))
    parts = {v: expanded.coeff(v) for v in vectors}
    rest = sympy.expand(expanded - sum(c * v for v, c in parts.items()))
    if any(c.has(*vectors) for c in parts.values()) or rest != 0:
        raise VerificationError(
            f"{a} is not a linear combination of {', '.join(map(str, vectors))}"
        )
    back = {d: e for e, d in scalars.items()}
    return {v: c.xreplace(back) for v, c in parts.items()}


def _bilinear(expr: Any, vectors: Sequence[sympy.Symbol]) -> Any:
    order = {v: k for k, v in enumerate(vectors)}

    def expand_one(a: Any, b: Any) -> Any:
        total = sympy.Integer(0)
        for v, cv in _linear(a, vectors).items():
            for w, cw in _linear(b, vectors).items():
                total += cv * cw * Inner(*sorted((v, w), key=order.__getitem__))
        return total

    return sympy.sympify(expr).replace(
        lambda e: isinstance(e, Inner), lambda e: expand_one(*e.args)
    )
