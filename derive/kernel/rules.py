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
from .interval import enclose, positive_on
from .sums import VectorSum, VectorSymbol, loose
from .terms import Failed, Inner, Rule, Step, Unproved, exact, need

_ZERO, _ONE, _HALF = sympy.Integer(0), sympy.Integer(1), sympy.Rational(1, 2)
_WORD = {"<": "positive", "<=": "non-negative"}


@dataclass(frozen=True)
class FromPremise(Rule):
    """A rule concluding from one earlier step, ``premise`` (a label or an index)."""

    premise: str | int
    refs: ClassVar[tuple[str, ...]] = ("premise",)


@dataclass(frozen=True)
class Identity(Rule):
    """``lhs = rhs`` identically (unevaluated derivatives are carried out first)."""

    name: ClassVar[str] = "identity"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        need(step.rel == "=", f"the identity rule proves '=', not {step.rel!r}")
        require_real(step.lhs, step.rhs, ctx=ctx)
        identical(step.lhs, step.rhs, ctx, strict=True)
        return "proved"


@dataclass(frozen=True)
class Assumption(Rule):
    """The step is one of the stated assumptions or case hypotheses."""

    name: ClassVar[str] = "assumption"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        for k, f in enumerate(ctx.facts):
            if f.rel in ("!=", ">0") or f.scope == "definition":
                continue
            swapped = f.rel == "=" == step.rel and (f.rhs, f.lhs) == (step.lhs, step.rhs)
            if as_le(f) == as_le(step) or swapped:
                ctx.used.add(k)
                return "assumed"
        raise Unproved("the step is not one of the stated assumptions")


@dataclass(frozen=True)
class Sign(Rule):
    """``e > 0``, ``e ≥ 0`` (or ``e < 0``, ``e ≤ 0``) by sign rules over the premises."""

    name: ClassVar[str] = "sign rules"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lo, rel, hi = as_le(step)
        need(rel in _WORD and 0 in (lo, hi), "the sign rules prove e > 0, e ≥ 0, e < 0 or e ≤ 0")
        subject = hi if lo == 0 else -lo
        need(sign(subject, ctx) >= 1 + (rel == "<"), "{} is not provably " + _WORD[rel], subject)
        return "proved"


@dataclass(frozen=True)
class SumOfSquares(Rule):
    """``lhs ≤ rhs`` because rhs − lhs = constant + Σ cₖ·qₖ² with every cₖ ≥ 0 (constant > 0
    for <). ``terms`` holds (cₖ, qₖ); ``lagrange = (u, g)`` adds the Lagrange identity's
    squares Σ_{i<j} (uᵢgⱼ − uⱼgᵢ)², built in SymEngine for speed."""

    name: ClassVar[str] = "sum of squares"
    exacts: ClassVar[tuple[str, ...]] = ("constant",)

    terms: tuple[tuple[Any, Any], ...] = ()
    constant: Any = _ZERO
    lagrange: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "terms", tuple((exact(c), exact(q)) for c, q in self.terms))
        if self.lagrange is not None:
            u, g = self.lagrange
            if len(u) != len(g):
                raise VerificationError("Lagrange's identity needs two vectors of one length")
            object.__setattr__(self, "lagrange", (tuple(map(exact, u)), tuple(map(exact, g))))

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lhs, rel, rhs = as_le(step)
        need(rel in _WORD, f"a sum of squares proves '≤' or '<', not {step.rel!r}")
        for c, q in self.terms:
            need(sign(c, ctx), "certificate coefficient {} is not provably non-negative", c)
            require_real(q, ctx=ctx, why="a square is ≥ 0 only for real values: ")
        require_real(*(self.lagrange[0] + self.lagrange[1] if self.lagrange else ()), ctx=ctx)
        strict = 1 + (rel == "<")
        need(sign(self.constant, ctx) >= strict, "the constant is not provably " + _WORD[rel])
        extra = None
        if self.lagrange is not None:
            u, g = ([se.sympify(x) for x in side] for side in self.lagrange)
            pairs = [(a, b) for a in range(len(u)) for b in range(a + 1, len(u))]
            extra = -se.Add(*[(u[a] * g[b] - u[b] * g[a]) ** 2 for a, b in pairs])
        squares = sympy.Add(*(c * q**2 for c, q in self.terms))
        diff = prepare(sympy.sympify(rhs) - sympy.sympify(lhs) - self.constant - squares)
        fast = symengine(diff, extra)
        need(fast_zero(fast) or slow_zero(diff, extra), "rhs − lhs is not the sum of squares")
        witness(diff, extra, ctx, fast)
        return "proved"


@dataclass(frozen=True)
class Affine(FromPremise):
    """From ``a R b`` (step ``premise``) conclude ``c·a + s R c·b + s``; c ≥ 0 is checked
    (c > 0 for strict relations) and a provably non-positive c reverses the relation."""

    name: ClassVar[str] = "multiply/add"
    exacts: ClassVar[tuple[str, ...]] = ("factor", "shift")

    factor: Any = _ONE
    shift: Any = _ZERO

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        c, s = self.factor, self.shift
        require_real(c, s, ctx=ctx)
        if rel == "=O":
            var, k = ctx.remainders[ctx.derivation.index(self.premise)]
            need(step.rel == "=O", f"the premise holds only up to O({var}^{k + 1})")
            need(smooth(c, var, ctx), "the factor {} is not smooth in {} at 0", c, var)
            ctx.remainders[i] = (var, k)
        if rel in ("=", "=O") or sign(c, ctx) >= 1 + (rel == "<"):
            lo, hi = c * a + s, c * b + s
        else:
            why = "the factor {} is not provably " + _WORD.get(rel, "") + ", nor its opposite"
            need(sign(-c, ctx) >= 1 + (rel == "<"), why, c)
            lo, hi = c * b + s, c * a + s
        to_lo, to_rel, to_hi = as_le(step)
        need(
            weaker(rel, to_rel), f"multiplying a {rel!r} statement gives {rel!r}, not {step.rel!r}"
        )
        return sides(((lo, to_lo), (hi, to_hi)), "the sides are not the premise's, scaled", ctx)


@dataclass(frozen=True)
class Power(FromPremise):
    """Monotone powers on non-negatives: from ``a R b`` with a, b ≥ 0 conclude ``aᵖ R bᵖ``
    (p a whole number, or its reciprocal: then the step's sides to the power 1/p must be
    the premise's)."""

    name: ClassVar[str] = "monotone power"
    exacts: ClassVar[tuple[str, ...]] = ("exponent",)

    exponent: Any = _HALF

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.exponent.is_Rational:
            raise VerificationError(f"a monotone power's exponent is a number, got {self.exponent}")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        lo, to_rel, hi = as_le(step)
        p = self.exponent
        need(weaker(rel, to_rel) and rel != "=O", f"a monotone power keeps the relation {rel!r}")
        need(p > 0 and 1 in (p.p, p.q), "the exponent is a positive whole number or its reciprocal")
        for side in (lo, hi, a, b) if p.q == 1 else (lo, hi):
            need(sign(side, ctx), "{} is not provably non-negative", side)
        pairs = ((lo, a**p), (hi, b**p)) if p.q == 1 else ((lo**p.q, a), (hi**p.q, b))
        return sides(pairs, "the sides are not the premise's sides raised to the power", ctx)


@dataclass(frozen=True)
class AbsoluteValue(FromPremise):
    """From ``|a| ≤ b`` conclude ``−b ≤ a`` or ``a ≤ b``."""

    name: ClassVar[str] = "absolute value"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        a, rel, b = as_le(ctx.premise(self.premise, i))
        lo, to_rel, hi = as_le(step)
        ok = isinstance(a, sympy.Abs) and rel in _WORD and weaker(rel, to_rel)
        need(ok, "the premise must read |a| ≤ b, and the step keep its relation")
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
    refs: ClassVar[tuple[str, ...]] = ("chain",)

    chain: tuple[str | int, ...]

    def check(self, step: Step, i: int, ctx: Context) -> str:
        links = [as_le(ctx.premise(ref, i)) for ref in self.chain]
        ok = len(links) >= 2 and all(rel != "=O" for _, rel, _ in links)
        need(ok, "a chain needs two links or more, and no truncated equality")
        if links[0][1] == "=" and not identical(links[0][2], links[1][0], ctx):
            links[0] = (links[0][2], "=", links[0][0])
        relation = links[0][1]
        for k in range(1, len(links)):
            c, r2, e = links[k]
            if not identical(links[k - 1][2], c, ctx):
                need(r2 == "=" and identical(links[k - 1][2], e, ctx), "the links do not meet")
                links[k] = (e, "=", c)
            relation = "<" if "<" in (relation, r2) else "<=" if "<=" in (relation, r2) else "="
        lo, to_rel, hi = as_le(step)
        need(weaker(relation, to_rel), f"the chain gives {relation!r}, not {step.rel!r}")
        ends = ((lo, links[0][0]), (hi, links[-1][2]))
        return sides(ends, "the step's sides are not the chain's ends", ctx)


@dataclass(frozen=True)
class Substitution(Rule):
    """From the equality ``x = v`` (a step, or an assumption named by its text) and the
    statement ``into``, conclude that statement with v for x (or x for v). Without
    ``into``, the step itself must become an identity once x is replaced by v."""

    name: ClassVar[str] = "substitution"
    refs: ClassVar[tuple[str, ...]] = ("equality", "into")

    equality: str | int
    into: str | int | None = None

    def check(self, step: Step, i: int, ctx: Context) -> str:
        x, v = self._equality(i, ctx)
        need(bool(loose(x)) == bool(loose(v)), "a number and a vector's components are not equal")
        into = None if self.into is None else ctx.premise(self.into, i)
        need(step.rel == (into.rel if into else "="), "substitution keeps the relation")
        if into is None:  # the step itself becomes an identity: its sides must be defined
            require_real(step.lhs, step.rhs, ctx=ctx)
        if into is not None and into.rel == "=O" and self.into is not None:
            var, k = ctx.remainders[ctx.derivation.index(self.into)]
            moved = sympy.sympify(x).free_symbols | sympy.sympify(v).free_symbols
            need(var not in moved, f"substituting for {var} changes O({var}^{k + 1})")
            ctx.remainders[i] = (var, k)
        for old, new in ((x, v),) if into is None else ((x, v), (v, x)):
            for subs in (False, True):  # exact subtrees first (fast), then also inside sums

                def put(e: Any, old: Any = old, new: Any = new, subs: bool = subs) -> Any:
                    return e.subs(old, new) if subs else e.xreplace({old: new})

                pairs = [(put(step.lhs), put(step.rhs))]
                if into is not None:
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
        need(premise.rel == "=", "substitution needs an equality")
        return premise.lhs, premise.rhs


@dataclass(frozen=True)
class Instantiate(FromPremise):
    """A statement proved for every real ``symbol`` (unconstrained by any assumption)
    holds at ``value``, whose denominator must be provably non-zero."""

    name: ClassVar[str] = "instantiation"
    exacts: ClassVar[tuple[str, ...]] = ("value",)

    symbol: sympy.Symbol
    value: Any

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.symbol, sympy.Symbol):
            raise VerificationError("instantiation names a symbol")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        premise, t, value = ctx.premise(self.premise, i), self.symbol, self.value
        free = any(t in f.lhs.free_symbols | f.rhs.free_symbols for f in ctx.facts)
        need(not free, f"{t} is constrained by an assumption, so it cannot be instantiated")
        require_real(value, ctx=ctx, why=f"{t} ranges over the reals: ")
        need(isinstance(t, VectorSymbol) or not loose(value), f"{t} is a number, not a vector")
        denominator = sympy.fraction(sympy.together(value))[1]
        need(nonzero(denominator, ctx), "the denominator {} is not provably non-zero", denominator)
        need(step.rel == premise.rel, "instantiation keeps the relation")
        if premise.rel == "=O":
            var, k = ctx.remainders[ctx.derivation.index(self.premise)]
            need(t != var and var not in value.free_symbols, f"O({var}^{k + 1}) is about {var}")
            ctx.remainders[i] = (var, k)
        at = [
            (step.lhs, premise.lhs.xreplace({t: value})),
            (step.rhs, premise.rhs.xreplace({t: value})),
        ]
        return sides(at, f"the step is not the premise at {t} = {value}", ctx)


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
        need(step.rel == "=O", "truncation proves '= … + O(varᵏ⁺¹)' steps")
        difference = ctx.expand(sympy.sympify(step.lhs) - sympy.sympify(step.rhs))
        need(
            smooth(difference, self.var, ctx),
            f"Taylor's theorem needs lhs − rhs smooth in {self.var} at 0, and that is not shown "
            "(an absolute value, a root or a quotient that may vanish there?)",
        )
        ctx.remainders[i] = (self.var, self.order)
        own = {s.name: s for s in difference.free_symbols}
        vector = difference.has(VectorSum)  # SymPy passes derivatives into the sums
        v = self.var if vector else se.Symbol(self.var.name)
        current = difference if vector else se.sympify(difference)
        for j in range(self.order + 1):
            coefficient = sympy.sympify(current.subs({v: 0}))
            coefficient = coefficient.xreplace(
                {s: own.get(s.name, s) for s in coefficient.free_symbols}
            )
            try:
                zero(coefficient, ctx, strict=True)
            except Failed as no:
                why = f"the coefficient of {self.var}^{j} in lhs − rhs is not zero: {no}"
                raise Failed(why, no.point) from None
            current = current.diff(v)
        return "proved"


@dataclass(frozen=True)
class FirstOrder(FromPremise):
    """The first-order term decides: from ``f = c·var + O(var²)`` (step ``premise``) and
    ``c < 0`` (step ``sign``; or ``c > 0``), with c free of var, conclude ``f < 0`` (or
    ``f > 0``) for every var in some interval (0, var₀). The step holds only there, so
    no later step may use it as a premise for every var."""

    name: ClassVar[str] = "first-order term decides"
    refs: ClassVar[tuple[str, ...]] = ("premise", "sign")

    sign: str | int = ""

    def check(self, step: Step, i: int, ctx: Context) -> str:
        expansion, given = ctx.premise(self.premise, i), ctx.premise(self.sign, i)
        need(expansion.rel == "=O", "the first premise must read f = c·var + O(var²)")
        var, order = ctx.remainders[ctx.derivation.index(self.premise)]
        c = sympy.cancel(expansion.rhs / var)
        free = var not in ctx.expand(c).free_symbols  # a defined symbol may hide var
        ok = order >= 1 and free and identical(c * var, expansion.rhs, ctx)
        need(ok, f"the expansion must read f = c·{var} + O({var}²) with c free of {var}")
        lo, rel, hi = as_le(given)
        negative = rel == "<" and hi == 0 and identical(lo, c, ctx)
        need(negative or (rel == "<" and lo == 0 and identical(hi, c, ctx)), "c < 0 or c > 0?")
        want = (expansion.lhs, _ZERO) if negative else (_ZERO, expansion.lhs)
        lo, rel, hi = as_le(step)
        ok = rel == "<" and identical(lo, want[0], ctx) and identical(hi, want[1], ctx)
        need(ok, f"the step must read f {'<' if negative else '>'} 0 for the expansion's f")
        ctx.local[i] = var
        return "proved"


@dataclass(frozen=True)
class IntervalBound(Rule):
    """``lo ≤ hi`` (or ``<``) at every point of the box the premises give its symbols
    (numeric bounds a ≤ s ≤ b), shown by interval enclosures with outward rounding
    (mpmath.iv) on a bisection of the box."""

    name: ClassVar[str] = "interval bound"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lo, rel, hi = as_le(step)
        need(rel in _WORD, f"an interval bound proves '≤' or '<', not {step.rel!r}")
        difference = ctx.expand(sympy.sympify(hi) - sympy.sympify(lo))
        box = ctx.box(difference.free_symbols)
        if box is None:
            raise Unproved("every symbol needs numeric bounds a ≤ s ≤ b among the premises")
        shown = positive_on(difference, box, strict=rel == "<")
        need(shown, "interval enclosures on a bisection of the box do not show it")
        return "proved"


@dataclass(frozen=True)
class TaylorBound(FromPremise):
    """Taylor's theorem with Lagrange's remainder: from ``f''(var) ≤ M`` (step ``premise``,
    resting on no case hypothesis) where the premises confine var to (0, c] or [0, c] and
    mention it nowhere else, conclude ``f(var) ≤ f(0) + f'(0)·var + M·var²/2``. f and f''
    must be smooth on the interval: shown by interval enclosures."""

    name: ClassVar[str] = "Taylor bound"

    var: sympy.Symbol

    def check(self, step: Step, i: int, ctx: Context) -> str:
        premise, t, f = ctx.premise(self.premise, i), self.var, step.lhs
        need(not ctx.cases[ctx.derivation.index(self.premise)], "the bound rests on a case")
        d2, rel, m = as_le(premise)
        need(
            rel in _WORD and t not in m.free_symbols,
            f"the premise must read f'' ≤ M, M free of {t}",
        )
        need(
            identical(d2, sympy.diff(f, t, 2, simplify=False), ctx),
            f"the premise must bound f'' in {t}",
        )
        f1 = sympy.diff(f, t).xreplace({t: 0})
        expected = f.xreplace({t: 0}) + f1 * t + m * t**2 / 2
        need(
            step.rel == "<=" and identical(step.rhs, expected, ctx),
            "the step must read f ≤ f(0) + f'(0)t + Mt²/2",
        )
        others = [f_ for f_ in ctx.facts if t in f_.lhs.free_symbols | f_.rhs.free_symbols]
        box = ctx.box(f.free_symbols | {t})
        if box is None or box[t][0] != 0:
            raise Unproved(f"the premises must confine {t} to an interval from 0")
        ends = {box[t][0], box[t][1], t}
        simple = all(not f_.scope and {f_.lhs, f_.rhs} <= ends for f_ in others)
        need(simple, f"a premise other than its bounds mentions {t}")
        smooth_on = enclose(f, box) is not None and enclose(d2, box) is not None
        need(smooth_on, "f and f'' are not shown smooth on the interval")
        return "proved"


@dataclass(frozen=True)
class RowSums(Rule):
    """Gershgorin's theorem: for a symmetric matrix H whose rows have Σⱼ |Hᵢⱼ| ≤ c (steps
    ``rows``, one per row), every eigenvalue lies in [−c, c], so vᵀHv ≤ c·vᵀv and
    −c·vᵀv ≤ vᵀHv for every real vector v."""

    name: ClassVar[str] = "row sums (Gershgorin)"
    refs: ClassVar[tuple[str, ...]] = ("rows",)
    exacts: ClassVar[tuple[str, ...]] = ("matrix", "vector")

    rows: tuple[str | int, ...]
    matrix: Any
    vector: Any

    def check(self, step: Step, i: int, ctx: Context) -> str:
        h, v = sympy.ImmutableMatrix(self.matrix), sympy.ImmutableMatrix(self.vector)
        n = h.shape[0]
        ok = h.shape == (n, n) and v.shape == (n, 1) and len(self.rows) == n
        ok = ok and all(identical(h[a, b], h[b, a], ctx) for a in range(n) for b in range(a))
        need(ok, "H must be symmetric, v a column of its size, and one step bound each row")
        bounds = []
        for k, ref in enumerate(self.rows):
            total, rel, c = as_le(ctx.premise(ref, i))
            row = sympy.Add(*(sympy.Abs(x) for x in h.row(k)))
            need(
                rel in _WORD and identical(total, row, ctx),
                f"step {ref} must bound Σ|Hᵢⱼ| of row {k + 1}",
            )
            bounds.append(c)
        need(all(identical(c, bounds[0], ctx) for c in bounds), "every row needs the same bound c")
        c, form, norm = bounds[0], (v.T * h * v)[0, 0], (v.T * v)[0, 0]
        lo, rel, hi = as_le(step)
        upper = identical(lo, form, ctx) and identical(hi, c * norm, ctx)
        need(
            rel == "<=" and (upper or (identical(lo, -c * norm, ctx) and identical(hi, form, ctx))),
            "the step must read vᵀHv ≤ c·vᵀv or −c·vᵀv ≤ vᵀHv",
        )
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
        need(step.rel == "=", "the inner-product axioms prove equalities")
        require_real(step.lhs, step.rhs, ctx=ctx, why="a real inner product takes real scalars: ")
        zero(_bilinear(step.lhs - step.rhs, self.vectors), ctx, strict=True)
        return "proved"


@dataclass(frozen=True)
class Positivity(Rule):
    """``0 ≤ ⟨a, a⟩``: the positivity axiom of an inner product."""

    name: ClassVar[str] = "positivity axiom"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        lo, rel, hi = as_le(step)
        ok = rel == "<=" and lo == 0 and isinstance(hi, Inner) and hi.args[0] == hi.args[1]
        need(ok, "the positivity axiom reads 0 ≤ ⟨a, a⟩")
        require_real(hi.args[0], ctx=ctx, why="⟨a, a⟩ ≥ 0 for a real vector a: ")
        return "proved"


@dataclass(frozen=True)
class QuadraticForm(Rule):
    """``0 ≤ vᵀHv`` for a matrix H assumed positive definite (``0 < vᵀHv`` needs v ≠ 0)."""

    name: ClassVar[str] = "positive definite form"
    exacts: ClassVar[tuple[str, ...]] = ("matrix", "vector")

    matrix: Any
    vector: Any

    def check(self, step: Step, i: int, ctx: Context) -> str:
        h, v = sympy.ImmutableMatrix(self.matrix), sympy.ImmutableMatrix(self.vector)
        given = [k for k, f in enumerate(ctx.facts) if f.rel == ">0" and not f.scope and f.lhs == h]
        need(given, "the matrix is not assumed positive definite")
        ctx.used.add(given[0])
        lo, rel, hi = as_le(step)
        need(lo == 0 and rel in _WORD, "the rule proves 0 ≤ vᵀHv")
        need(rel == "<=" or any(nonzero(c, ctx) for c in v), "0 < vᵀHv needs v ≠ 0")
        return sides(((hi, (v.T * h * v)[0, 0]),), "the step's side is not vᵀHv", ctx)


def _bilinear(expr: Any, vectors: tuple[sympy.Symbol, ...]) -> Any:
    """``expr`` with each ⟨a, b⟩ expanded over the vectors, in a canonical argument order."""
    order = {v: k for k, v in enumerate(vectors)}

    def linear(a: Any) -> dict[sympy.Symbol, Any]:
        scalars = {e: sympy.Dummy() for e in a.atoms(Inner)}  # ⟨·,·⟩ values are scalars
        expanded = sympy.expand(a.xreplace(scalars))
        parts = {v: expanded.coeff(v) for v in vectors}
        rest = sympy.expand(expanded - sum(c * v for v, c in parts.items()))
        need(rest == 0 and not any(c.has(*vectors) for c in parts.values()), "not linear: {}", a)
        return {v: c.xreplace({d: e for e, d in scalars.items()}) for v, c in parts.items()}

    def expand_one(a: Any, b: Any) -> Any:
        pairs = [(v, cv, w, cw) for v, cv in linear(a).items() for w, cw in linear(b).items()]
        return sympy.Add(
            *(cv * cw * Inner(*sorted((v, w), key=order.__getitem__)) for v, cv, w, cw in pairs)
        )

    return expr.replace(lambda e: isinstance(e, Inner), lambda e: expand_one(*e.args))


@dataclass(frozen=True)
class DescentLemma(Rule):
    r"""The descent lemma on a box B, with the iterates kept in B. For θ ∈ B with f(θ) ≤ f₀
    (the case hypothesis) and g = ∇f(θ), conclude f(θ − ηg) ≤ f(θ) − (η/2)‖g‖², or
    loᵢ ≤ θᵢ − ηgᵢ, or θᵢ − ηgᵢ ≤ hiᵢ (the step stays in B, so in {f ≤ f₀} ∩ B again).

    Side conditions, all checked: the standing premises give B by numeric bounds loᵢ < hiᵢ
    and say nothing else about θ; f and ∇²f have enclosures on B (f is smooth there);
    ``smooth`` is a proved step vᵀHv ≤ c·vᵀv by Gershgorin's rule, resting on no case, with
    H = ∇²f and v free of every premise (so uᵀ∇²f u ≤ c‖u‖² on B for every u); the premises
    give 0 < η ≤ r with r·c ≤ 1; ``faces`` are proved steps f₀ < f on each of B's 2n faces
    (θᵢ = loᵢ and θᵢ = hiᵢ), resting on no case, with f₀ a number.

    Why: f(θ) ≤ f₀ < f on ∂B puts θ inside B. Let T be the last t ≤ η with θ − sg ∈ B for all
    s ≤ t. On [0, T], φ(t) = f(θ − tg) has φ'' = gᵀ∇²f g ≤ c‖g‖², so by Taylor's theorem
    φ(t) ≤ φ(0) − t‖g‖²(1 − ct/2) ≤ φ(0) ≤ f₀ (ct ≤ cη ≤ 1). If T < η, θ − Tg lies on ∂B
    where f > f₀: a contradiction. So the whole step stays in B, and at t = η,
    1 − cη/2 ≥ 1/2 gives the decrease.
    """

    name: ClassVar[str] = "descent lemma"
    refs: ClassVar[tuple[str, ...]] = ("smooth", "faces")
    exacts: ClassVar[tuple[str, ...]] = ("loss",)

    loss: Any
    params: tuple[sympy.Symbol, ...]
    rate: sympy.Symbol
    smooth: str | int
    faces: tuple[str | int, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        symbols = (*self.params, self.rate)
        if not all(isinstance(s, sympy.Symbol) for s in symbols) or len(set(symbols)) < len(
            symbols
        ):
            raise VerificationError("the descent lemma names distinct symbols: θ's and η")

    def check(self, step: Step, i: int, ctx: Context) -> str:
        f, theta, eta = self.loss, self.params, self.rate
        need(not ctx.definitions, "the descent lemma takes no definitions")
        need(f.free_symbols <= set(theta), "the loss may depend only on the parameters θ")
        box = ctx.box(theta)
        need(
            box is not None, "every parameter needs numeric bounds lo ≤ θᵢ ≤ hi among the premises"
        )
        assert box is not None
        need(all(lo < hi for lo, hi in box.values()), "the box must have lo < hi on every side")
        rates = ctx.box([eta])
        need(rates is not None and sign(eta, ctx) == 2, "the premises must give 0 < η ≤ r")
        assert rates is not None
        f0, level = self._level(ctx)
        c = self._curvature(i, ctx)
        need(c > 0 and rates[eta][1] * c <= 1, f"η ≤ {rates[eta][1]} is not ≤ 1/L = 1/{c}")
        self._only_bounds(ctx, set(theta) | {eta}, level)
        g = [sympy.diff(f, p) for p in theta]
        self._faces(i, ctx, f0, box)
        self._smooth_on(box, g)
        lo, rel, hi = as_le(step)
        moved = [p - eta * gp for p, gp in zip(theta, g, strict=True)]
        ends = [(box[p][0], m) for p, m in zip(theta, moved, strict=True)]
        ends += [(m, box[p][1]) for p, m in zip(theta, moved, strict=True)]
        if rel == "<=" and any(lo == a and hi == b for a, b in ends):
            return "proved"
        if rel == "<=" and any(identical(lo, a, ctx) and identical(hi, b, ctx) for a, b in ends):
            return "proved"
        decrease = f - eta * sympy.Add(*(gp**2 for gp in g)) / 2
        after = f.xreplace(dict(zip(theta, moved, strict=True)))
        need(
            rel == "<=" and identical(lo, after, ctx) and identical(hi, decrease, ctx),
            "the step must read f(θ − η∇f) ≤ f(θ) − (η/2)‖∇f‖², or lo ≤ θᵢ − η∂ᵢf, or "
            "θᵢ − η∂ᵢf ≤ hi",
        )
        return "proved"

    def _level(self, ctx: Context) -> tuple[Any, int]:
        """f₀ of the case hypothesis f(θ) ≤ f₀ (recorded as used)."""
        for k, fact in enumerate(ctx.facts):
            if fact.scope != "hypothesis" or k in ctx.masked or fact.rel != "<=":
                continue
            if fact.lhs == self.loss and not fact.rhs.free_symbols:
                ctx.used.add(k)
                return fact.rhs, k
        raise Unproved("the case hypothesis f(θ) ≤ f₀ (f₀ a number) is not among the premises")

    def _curvature(self, i: int, ctx: Context) -> Any:
        """c of the proved step vᵀ∇²f v ≤ c·vᵀv (by Gershgorin's rule, on no case, v free)."""
        premise, index = ctx.premise(self.smooth, i), ctx.derivation.index(self.smooth)
        rule = ctx.derivation.steps[index].rule
        need(not ctx.cases[index], "the smoothness premise rests on a case")
        n = len(self.params)
        if isinstance(rule, HessianBound):  # its rule checked H = ∇²f of its loss
            same = rule.loss == self.loss and tuple(rule.params) == tuple(self.params)
            same = same and rule.side == 1
            need(same, "the smoothness premise bounds another loss's Hessian")
        else:
            need(isinstance(rule, RowSums), "the smoothness premise must come by Gershgorin")
        h = sympy.ImmutableMatrix(rule.matrix)  # type: ignore[attr-defined]
        v = sympy.ImmutableMatrix(rule.vector)  # type: ignore[attr-defined]
        need(h.shape == (n, n) and v.shape == (n, 1), "the smoothness premise is not n×n")
        free = [s for fact in ctx.facts for s in fact.lhs.free_symbols | fact.rhs.free_symbols]
        taken = set(self.params) | {self.rate} | set(free)
        need(
            all(isinstance(x, sympy.Symbol) and x not in taken for x in v) and len(set(v)) == n,
            "the smoothness premise's vector must be n symbols free of every premise",
        )
        lo, rel, hi = as_le(premise)
        norm = sympy.Add(*(x**2 for x in v))
        c = sympy.cancel(hi / norm)
        form = quadratic_form(h, v)
        need(
            rel in _WORD and c.is_Rational and (lo == form or identical(lo, form, ctx)),
            "the smoothness premise must read vᵀHv ≤ c·vᵀv with c a number",
        )
        if isinstance(rule, RowSums):
            for a, p in enumerate(self.params):
                first = sympy.diff(self.loss, p)
                for b in range(a, n):
                    second = sympy.diff(first, self.params[b])
                    need(
                        h[a, b] == second or identical(h[a, b], second, ctx),
                        f"the smoothness premise's matrix is not ∇²f (entry {a + 1}, {b + 1})",
                    )
        return c

    def _only_bounds(self, ctx: Context, symbols: set[Any], level: int) -> None:
        """No premise but numeric bounds (and the level hypothesis) mentions θ or η."""
        for k, fact in enumerate(ctx.facts):
            mentioned = (fact.lhs.free_symbols | fact.rhs.free_symbols) & symbols
            if not mentioned or k == level:
                continue
            simple = fact.lhs in symbols and fact.rhs.is_Rational
            simple |= fact.rhs in symbols and fact.lhs.is_Rational
            need(
                not fact.scope and fact.rel in ("<", "<=", ">", ">=") and simple,
                "a premise other than numeric bounds mentions θ or η: {}",
                fact.text or f"{fact.lhs} {fact.rel} {fact.rhs}",
            )

    def _faces(self, i: int, ctx: Context, f0: Any, box: dict[Any, tuple[Any, Any]]) -> None:
        """A proved step f₀ < f on every face θᵢ = loᵢ and θᵢ = hiᵢ, on no case."""
        shown = []
        for ref in self.faces:
            lo, rel, hi = as_le(ctx.premise(ref, i))
            need(not ctx.cases[ctx.derivation.index(ref)], "a face's bound rests on a case")
            if rel == "<" and identical(lo, f0, ctx):
                shown.append(hi)
        for p in self.params:
            for end in box[p]:
                on_face = self.loss.xreplace({p: end})
                need(
                    any(s == on_face for s in shown)
                    or any(identical(s, on_face, ctx) for s in shown),
                    f"no step shows f > f₀ on the face {p} = {end}",
                )

    def _smooth_on(self, box: dict[Any, tuple[Any, Any]], g: list[Any]) -> None:
        """f, ∇f and ∇²f have enclosures on the box: f is smooth on it."""
        from .interval import compiled

        n = len(self.params)
        second = [sympy.diff(g[a], self.params[b]) for a in range(n) for b in range(a, n)]
        values = compiled((self.loss, *g, *second)).run(box)
        need(None not in values, "f and its derivatives are not shown smooth on the box")


@dataclass(frozen=True)
class HessianBound(Rule):
    """A bound of f's Hessian on a box: ``vᵀHv ≤ c·vᵀv`` (``side`` 1) or ``−vᵀHv ≤ c·vᵀv``
    (``side`` −1), c the rule's ``bound``, for every real v and every θ in the box the
    premises give (numeric bounds on each parameter). On each piece of a bisection of the
    box, interval enclosures of the entries (outward rounding; no enclosure unless f is
    smooth) show either that every row has Σⱼ |Hᵢⱼ| ≤ c (Gershgorin) or, with H within
    M ± R there, that (c − b)I ∓ M ≻ 0 and ρ(R) ≤ b, in exact rational arithmetic
    (:func:`~.interval.norm_below`). ``matrix`` is H = ∇²f written out, checked entry by
    entry against SymEngine's derivatives (then at random points); v must be free of every
    premise."""

    name: ClassVar[str] = "Hessian bound on a box (Gershgorin or exact eigenvalues)"
    exacts: ClassVar[tuple[str, ...]] = ("loss", "matrix", "vector", "bound")

    loss: Any
    params: tuple[sympy.Symbol, ...]
    matrix: Any
    vector: Any
    bound: Any
    side: int = 1

    def check(self, step: Step, i: int, ctx: Context) -> str:
        from .interval import NormBound

        h, v = sympy.ImmutableMatrix(self.matrix), sympy.ImmutableMatrix(self.vector)
        n, theta = len(self.params), self.params
        taken = {s for fact in ctx.facts for s in fact.lhs.free_symbols | fact.rhs.free_symbols}
        ok = h.shape == (n, n) and v.shape == (n, 1) and len(set(v)) == n
        ok = ok and all(isinstance(x, sympy.Symbol) and x not in taken for x in v)
        need(ok, "H must be n×n for n parameters, v n symbols free of every premise")
        box = ctx.box(theta)
        need(
            box is not None, "every parameter needs numeric bounds lo ≤ θᵢ ≤ hi among the premises"
        )
        assert box is not None
        lo, rel, hi = as_le(step)
        norm, c = sympy.Add(*(x**2 for x in v)), self.bound
        form = quadratic_form(h, v) if self.side == 1 else -quadratic_form(h, v)
        sided = lo == form or identical(lo, form, ctx)
        need(
            rel == "<=" and c.is_Rational and self.side in (1, -1) and sided,
            "the step must read vᵀHv ≤ c·vᵀv (side 1) or −vᵀHv ≤ c·vᵀv (side −1), c a number",
        )
        need(hi == c * norm or identical(hi, c * norm, ctx), f"the bound must be {c}·vᵀv")
        self._hessian(h, ctx)
        shown = NormBound(h.tolist()).below(box, c)
        need(shown, "interval enclosures on a bisection of the box do not bound H by c")
        return "proved"

    def _hessian(self, h: Any, ctx: Context) -> None:
        """H = ∇²f: symmetric, and each entry minus SymEngine's derivative expands to 0
        (else SymPy's identity check decides), then witnessed at random points."""
        n, theta = len(self.params), self.params
        for a in range(n):
            for b in range(a + 1, n):
                need(h[a, b] == h[b, a] or identical(h[a, b], h[b, a], ctx), "H is not symmetric")
        f, p = se.sympify(self.loss), [se.sympify(x) for x in theta]

        def off(a: int, b: int) -> bool:  # the entry minus ∂²f at a random point, 90 digits
            at = {x: se.Rational(ctx.rng.randint(-9, 9), ctx.rng.randint(1, 9)) for x in p}
            difference = se.sympify(h[a, b]) - f.diff(p[a]).diff(p[b])
            try:
                return abs(float(difference.subs(at).n(300, real=True))) > 1e-30
            except _SE_ERRORS:
                return False  # undefined there

        for a, b in _derivatives_agree(self.loss, tuple(theta), h):
            second = sympy.diff(self.loss, theta[a], theta[b])
            wrong = off(a, b) or not identical(h[a, b], second, ctx)  # a wrong entry fails fast
            need(not wrong, f"H's entry ({a + 1}, {b + 1}) is not ∂²f")
        pick = [(ctx.rng.randrange(n), ctx.rng.randrange(n)) for _ in range(min(n * n, 8))]
        for a, b in pick:  # a second witness
            if off(a, b):
                raise Failed(f"the exact check said H = ∇²f but entry ({a + 1}, {b + 1}) is off")


_FORMS: dict[Any, Any] = {}
_AGREE: dict[Any, tuple[tuple[int, int], ...]] = {}


def quadratic_form(h: Any, v: Any) -> Any:
    """vᵀHv written as Σ Hᵢⱼvᵢvⱼ (one sum: faster than the matrix product for large H);
    ``h`` and ``v`` immutable matrices (the last few are remembered)."""
    key = (h, v)
    if key not in _FORMS:
        n = len(v)
        if len(_FORMS) > 8:
            _FORMS.clear()
        _FORMS[key] = sympy.Add(*(h[a, b] * v[a] * v[b] for a in range(n) for b in range(n)))
    return _FORMS[key]


def _derivatives_agree(loss: Any, params: tuple[Any, ...], h: Any) -> tuple[tuple[int, int], ...]:
    """The entries (a, b), a ≤ b, of ``h`` that SymEngine does not expand to ∂²loss/∂θa∂θb
    (computed once for the upper and the lower Gershgorin step)."""
    key = (loss, params, h)
    if key not in _AGREE:
        f, p = se.sympify(loss), [se.sympify(x) for x in params]
        differ = []
        for a in range(len(p)):
            first = f.diff(p[a])
            for b in range(a, len(p)):
                if se.expand(se.sympify(h[a, b]) - first.diff(p[b])) != 0:
                    differ.append((a, b))
        if len(_AGREE) > 8:
            _AGREE.clear()
        _AGREE[key] = tuple(differ)
    return _AGREE[key]


_SE_ERRORS = (RuntimeError, ValueError, TypeError, ZeroDivisionError, NotImplementedError)


__all__ = [rule.__name__ for rule in Rule.registry if rule.__module__ == __name__]
