"""The algebra the rules share: the verification context (premises, definitions, signs),
exact zero tests with a high-precision witness, signs, realness and smoothness, and the
search for counterexamples. Every function here answers conservatively: "not shown"
whenever it is not sure.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import symengine as se
import sympy

from ..errors import VerificationError
from .terms import PROVED, Derivation, Fact, Inner, Outcome, Step

__all__ = ["Context"]

WITNESS_POINTS = 2


WITNESS_DIGITS = 40


SEARCH_POINTS = 12


_TINY = sympy.Float(10) ** -(WITNESS_DIGITS - 5)


class Context:
    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation
        self.facts = derivation.assumptions
        self.results: list[Outcome] = []
        self.remainders: dict[int, tuple[sympy.Symbol, int]] = {}
        """For each proved '=O' step: the variable and order of its O(varᵏ⁺¹)."""
        self.rng = random.Random(derivation.title)
        self.positive: dict[Any, int] = {}
        self.nonnegative: dict[Any, int] = {}
        self.nonzero: dict[Any, int] = {}
        """Expressions whose sign a standing premise gives, each with that premise's index."""
        self.real_cache: dict[Any, tuple[bool, frozenset[int]]] = {}
        self.masked: set[int] = set()
        """Premises set aside while finding which ones a proved step really needs."""
        self.probing = False
        self.used: set[int] = set()
        """The premises the current step relied on."""
        self.definitions: dict[Any, Any] = {}
        for k, f in enumerate(self.facts):
            if f.scope == "definition":
                self._define(f)
            elif not f.scope:
                for expr, kind in _fact_signs(f):
                    table = {"pos": self.positive, "nonneg": self.nonnegative}.get(
                        kind, self.nonzero
                    )
                    table.setdefault(expr, k)
        for f in self.facts:
            if f.scope != "definition" and not (f.lhs.free_symbols | f.rhs.free_symbols):
                _check_closed(f)
        for f in self.facts:  # each in terms of earlier ones, which are real by induction
            if f.scope == "definition" and not _real(f.rhs, self):
                raise VerificationError(f"the definition of {f.lhs}: " + _not_real(f.rhs))
        self.sampled = tuple(
            (_atomize(sympy.sympify(f.lhs) - sympy.sympify(f.rhs)), f.rel)
            for f in self.facts
            if not f.scope and f.rel != ">0" and not isinstance(f.lhs, sympy.MatrixBase)
        )
        _satisfiable(self)

    def _define(self, f: Fact) -> None:
        """A definition names an expression by a fresh symbol: once, and only in terms of
        earlier definitions (stored expanded), so definitions can never be circular."""
        name = f.lhs
        if f.rel != "=" or not isinstance(name, sympy.Symbol):
            raise VerificationError(
                f"a definition must read symbol = expression, got {f.lhs} {f.rel} {f.rhs}"
            )
        value = sympy.sympify(f.rhs).xreplace(self.definitions)
        if name in self.definitions or name in value.free_symbols:
            raise VerificationError(f"{name} is defined twice, or in terms of itself")
        if any(name in v.free_symbols for v in self.definitions.values()):
            raise VerificationError(f"{name} is used by an earlier definition; define it first")
        self.definitions[name] = value

    def known(self, table: dict[Any, int], expr: Any) -> bool:
        """Is ``expr`` in a table of premise signs? Records the premise as used."""
        k = table.get(expr)
        if k is None or k in self.masked:
            return False
        self.used.add(k)
        return True

    def expand_definitions(self, expr: Any) -> Any:
        return sympy.sympify(expr).xreplace(self.definitions) if self.definitions else expr

    def premise(self, ref: str | int, current: int) -> tuple[Step | None, Outcome | None]:
        try:
            i = self.derivation.index(ref)
        except VerificationError as exc:
            return None, Outcome("unproved", str(exc))
        if i >= current:
            return None, Outcome(
                "unproved", f"refers to step {i + 1}, which does not come before it"
            )
        if self.results[i].status not in ("proved", "assumed"):
            return None, Outcome("unproved", f"relies on step {i + 1}, which is not proved")
        return self.derivation.steps[i], None


_HOLDS = {
    "=": sympy.Eq,
    "<=": sympy.Le,
    "<": sympy.Lt,
    ">=": sympy.Ge,
    ">": sympy.Gt,
    "!=": sympy.Ne,
}


def _check_closed(f: Fact) -> None:
    """A premise without symbols is a fact about numbers: it is checked, never assumed."""
    if f.rel == ">0":
        matrix = sympy.Matrix(f.lhs)
        holds = matrix.is_symmetric() and matrix.is_positive_definite
    else:
        holds = _HOLDS[f.rel](f.lhs, f.rhs)
    if holds is not True and holds is not sympy.true:
        shown = f"{f.lhs} ≻ 0" if f.rel == ">0" else f"{f.lhs} {f.rel} {f.rhs}"
        raise VerificationError(f"the premise {shown} is about numbers only, and it does not hold")


def _fact_signs(f: Fact) -> list[tuple[Any, str]]:
    lhs, rel, rhs = f.lhs, f.rel, f.rhs
    if rel == ">0" and isinstance(lhs, sympy.MatrixBase):
        # Sylvester: H ≻ 0 makes every leading principal minor and diagonal entry positive
        n = lhs.shape[0]
        minors = [lhs[:k, :k].det() for k in range(1, n + 1)]
        diagonal = [lhs[k, k] for k in range(n)]
        signs = {*minors, *(sympy.expand(m) for m in minors), *diagonal}
        return [(m, "pos") for m in signs]
    if rel in (">", ">=") and rhs == 0:
        return [(lhs, "pos" if rel == ">" else "nonneg")]
    if rel in ("<", "<=") and lhs == 0:
        return [(rhs, "pos" if rel == "<" else "nonneg")]
    if rel == "!=" and rhs == 0:
        return [(lhs, "nonzero")]
    return []


def _cells(value: Any) -> list[Any]:
    return list(value) if isinstance(value, sympy.MatrixBase) else [value]


def _shape(value: Any) -> tuple[int, int]:
    return value.shape if isinstance(value, sympy.MatrixBase) else (1, 1)


def _atomize(expr: Any) -> Any:
    """Replace each ⟨a, b⟩ by a real symbol (non-negative when a = b) for checking and sampling."""
    if not isinstance(expr, sympy.Basic) or not expr.has(Inner):
        return expr
    atoms = {}
    for e in expr.atoms(Inner):
        a, b = (str(arg).replace(" ", "") for arg in e.args)
        same = e.args[0] == e.args[1]
        atoms[e] = sympy.Symbol(f"<{a},{b}>", real=True, nonnegative=True if same else None)
    return expr.xreplace(atoms)


def _prepare(diff: Any) -> Any:
    diff = sympy.sympify(diff)
    if not diff.has(sympy.Derivative, sympy.Subs, Inner):
        return diff
    return _atomize(diff.doit() if diff.has(sympy.Derivative, sympy.Subs) else diff)


def _fast_zero(fast: Any) -> bool:
    """Exact, in SymEngine: polynomial expansion, then reduction of radicals and inverses."""
    if fast is None:
        return False
    try:
        return _radical_zero(se.expand(fast), depth=4)
    except (TypeError, ValueError, RuntimeError, NotImplementedError):
        return False


def _radical_zero(expr: Any, depth: int) -> bool:
    """Is ``expr`` zero? Write Bᵖᐟᵠ as rᵖᑫ'ᐟᵠ with r = B^(1/Q), clear r from denominators,
    reduce with r^Q = B and require every remaining power of r to have a zero coefficient.

    Each step is exact (substitution, multiplication by a non-zero factor, the relation
    r^Q = B), and zero coefficients are sufficient for zero.
    """
    if expr == 0:
        return True
    if depth == 0:
        return False
    radicals = [
        p
        for p in expr.atoms(se.Pow)
        if not isinstance(p.args[0], se.Symbol) and not (p.args[1].is_integer and p.args[1] > 0)
    ]
    if not radicals:
        return False
    base = radicals[0].args[0]
    exponents = {p: Fraction(str(p.args[1])) for p in radicals if p.args[0] == base}
    q = math.lcm(*(e.denominator for e in exponents.values()))
    r = se.Symbol(f"_radical_{depth}")
    expr = se.expand(expr.subs({p: r ** int(e * q) for p, e in exponents.items()}))
    terms = se.Add.make_args(expr)
    by_power: dict[int, list[Any]] = {}
    for term in terms:
        k = _degree(term, r)
        by_power.setdefault(k, []).append(term / r**k if k else term)
    lowest = min(by_power)
    shift = -((lowest // q) * q) if lowest < 0 else 0  # multiply by r^shift = B^(shift/q)
    reduced: dict[int, Any] = {}
    for k, parts in by_power.items():
        k2 = k + shift
        reduced[k2 % q] = reduced.get(k2 % q, 0) + se.Add(*parts) * base ** (k2 // q)
    return all(_radical_zero(se.expand(c), depth - 1) for c in reduced.values())


def _degree(term: Any, r: Any) -> int:
    """The power of r in a single expanded term."""
    for factor in se.Mul.make_args(term):
        if factor == r:
            return 1
        if isinstance(factor, se.Pow) and factor.args[0] == r:
            return int(factor.args[1])
    return 0


def _slow_zero(diff: Any, extra_se: Any = None) -> bool:
    """Exact, in SymPy: rational canonical form, then simplification as a last resort."""
    if extra_se is not None:
        diff = diff + sympy.sympify(extra_se)
    if diff == 0 or sympy.cancel(sympy.together(sympy.expand(diff))) == 0:
        return True
    return bool(sympy.simplify(diff) == 0)


def _point(symbols: Sequence[Any], ctx: Context) -> dict[Any, Any]:
    point = {}
    for s in symbols:
        value = sympy.Rational(ctx.rng.randint(1, 36), ctx.rng.randint(1, 9))
        if not (s.is_nonnegative or s in ctx.positive or s in ctx.nonnegative):
            value *= ctx.rng.choice((-1, 1))
        point[s] = value
    return point


def _admissible(point: Mapping[Any, Any], ctx: Context) -> bool:
    """Do the standing assumptions that involve only assigned symbols hold at the point?"""
    for difference, rel in ctx.sampled:
        if not difference.free_symbols <= set(point):
            continue
        value = sympy.N(difference.xreplace(point), 30)
        if not value.is_extended_real:
            return False
        tolerance = sympy.Float(10) ** -25
        holds = {
            "=": abs(value) < tolerance,
            "<=": value <= tolerance,
            "<": value < 0,
            ">=": value >= -tolerance,
            ">": value > 0,
            "!=": abs(value) > tolerance,
        }[rel]
        if not holds:
            return False
    return True


SATISFY_POINTS = 24


def _satisfiable(ctx: Context) -> None:
    """Find a point where every standing premise holds (definitions carried out), or refuse:
    from premises that contradict each other anything follows, so nothing is proved."""
    standing = [f for f in ctx.facts if not f.scope]
    conditions = []
    for f in standing:
        if f.rel == ">0":
            conditions.append((sympy.ImmutableMatrix(f.lhs).xreplace(ctx.definitions), ">0"))
        else:
            conditions.append((_atomize(ctx.expand_definitions(f.lhs - f.rhs)), f.rel))
    symbols = sorted({s for c, _ in conditions for s in c.free_symbols}, key=lambda s: s.name)
    if not symbols:
        return
    for _ in range(SATISFY_POINTS):
        point = _point(symbols, ctx)
        for scale in (1, sympy.Rational(1, 100), sympy.Rational(1, 10**4)):
            # shrink what no premise makes positive: ‖u‖ ≤ d in ℝⁿ is found at small u
            tried = {x: v if x in ctx.positive else v * scale for x, v in point.items()}
            if all(_holds(c, rel, tried) for c, rel in conditions):
                return
    shown = "; ".join(f.text or f"{f.lhs} {f.rel} {f.rhs}" for f in standing)
    raise VerificationError(
        f"the premises ({shown}) hold at none of {SATISFY_POINTS} points tried: they may "
        "contradict each other, and from contradictory premises anything follows"
    )


def _holds(condition: Any, rel: str, point: Mapping[Any, Any]) -> bool:
    """Does ``condition rel 0`` (or the matrix ≻ 0) hold at ``point``? Decided at 30 digits
    with a margin; any doubt counts as 'does not hold' (the search only needs one point)."""
    margin = sympy.Float(10) ** -20
    try:
        if rel == ">0":
            cells = [sympy.N(c.xreplace(point), 30) for c in condition]
            if not all(c.is_extended_real for c in cells):
                return False
            n = condition.shape[0]
            with mpmath.workdps(30):
                m = mpmath.matrix(n, n)
                for k, c in enumerate(cells):
                    m[k // n, k % n] = mpmath.mpf(str(c))
                minors = [mpmath.det(m[:k, :k]) for k in range(1, n + 1)]
                return all(v > mpmath.mpf(10) ** -20 for v in minors)
        value = sympy.N(condition.xreplace(point), 30)
        if not value.is_extended_real:
            return False
        return bool(
            {
                "=": abs(value) < margin,
                "<=": value < -margin,
                "<": value < -margin,
                ">=": value > margin,
                ">": value > margin,
                "!=": abs(value) > margin,
            }[rel]
        )
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def _free(diff: Any, extra_se: Any) -> list[Any]:
    symbols = set(diff.free_symbols) if isinstance(diff, sympy.Basic) else set()
    if extra_se is not None:
        symbols |= {sympy.Symbol(str(s)) for s in extra_se.free_symbols}
    by_name: dict[str, Any] = {}
    for s in symbols:
        if s.name not in by_name or s.is_real:
            by_name[s.name] = s
    return [by_name[n] for n in sorted(by_name)]


def _symengine(diff: Any, extra_se: Any) -> Any:
    """diff (+ extra) as one SymEngine expression, or None where SymEngine cannot hold it."""
    try:
        total = se.sympify(diff)
        return total + extra_se if extra_se is not None else total
    except (TypeError, ValueError, RuntimeError, NotImplementedError):
        return None


def _evaluate(diff: Any, fast: Any, point: Mapping[Any, Any]) -> Any:
    """The value at a rational point: exact when rational, else 40 digits (mpmath); None if
    undefined there. ``fast`` is diff in SymEngine (or None)."""
    try:
        if fast is None:
            raise TypeError
        value = fast.subs({se.Symbol(s.name): se.sympify(v) for s, v in point.items()})
        exact = sympy.sympify(value)
    except (TypeError, ValueError, RuntimeError, NotImplementedError, ZeroDivisionError):
        exact = sympy.sympify(diff).xreplace(point)
    if exact.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    if exact.is_Rational:
        return exact
    number = sympy.N(exact, WITNESS_DIGITS + 10)
    if number.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or not number.is_extended_real:
        return None
    return number


def _shown(point: Mapping[Any, Any]) -> dict[str, str]:
    return {s.name: str(v) for s, v in point.items()}


def _witness(diff: Any, extra_se: Any, ctx: Context, fast: Any = None) -> Outcome:
    """Second witness for an identity the exact check accepted.

    An identity is exact algebra that uses no assumption (only the symbols' own signs),
    so any point respecting those signs is a fair test; points where the expression is
    undefined are skipped.
    """
    symbols = _free(diff, extra_se)
    fast = fast if fast is not None else _symengine(diff, extra_se)
    checked = 0
    for _ in range(8 * WITNESS_POINTS):
        point = _point(symbols, ctx)
        value = _evaluate(diff, fast, point)
        if value is None:
            continue
        if abs(value) > _TINY:
            reason = f"the exact check said zero but the value is {value} here (a CAS bug caught)"
            return Outcome("failed", reason, _shown(point))
        checked += 1
        if checked >= WITNESS_POINTS or not symbols:
            return PROVED
    if checked:
        return PROVED
    return Outcome(
        "unproved", "no point was found where the expression is defined to witness the identity"
    )


def _samples(diff: Any, extra_se: Any, ctx: Context) -> Iterator[tuple[dict[Any, Any], Any]]:
    """(point, value) at random points that satisfy the standing assumptions and where
    the expression is defined: the places a counterexample may be found."""
    symbols = _free(diff, extra_se)
    fast = _symengine(diff, extra_se)
    for _ in range(SEARCH_POINTS if symbols else 1):
        point = _point(symbols, ctx)
        if not _admissible(point, ctx):
            continue
        value = _evaluate(diff, fast, point)
        if value is not None:
            yield point, value


def _counterexample(diff: Any, extra_se: Any, ctx: Context) -> tuple[Mapping[str, str] | None, Any]:
    for point, value in _samples(diff, extra_se, ctx):
        if abs(value) > sympy.Float(10) ** -30:
            return _shown(point), value
    return None, None


def _zero(diff: Any, ctx: Context) -> Outcome:
    """Decide ``diff ≡ 0``: proved (and witnessed), failed (counterexample) or unproved.

    The fast exact check runs first; a cheap numeric probe for a counterexample comes
    before SymPy's slower canonical forms, so a false identity is refuted quickly.
    """
    diff = _prepare(diff)
    fast = _symengine(diff, None)
    if not _fast_zero(fast):
        point, value = _counterexample(diff, None, ctx)
        if point is not None:
            return Outcome(
                "failed", f"not an identity: the difference is {value} at this point", point
            )
        if not _slow_zero(diff):
            return Outcome(
                "unproved", "could not show the difference is zero, and found no counterexample"
            )
    return _witness(diff, None, ctx, fast)


def _identical(a: Any, b: Any, ctx: Context) -> Outcome:
    if _shape(a) != _shape(b):
        return Outcome("failed", f"the sides have different shapes {_shape(a)} and {_shape(b)}")
    for x, y in zip(_cells(a), _cells(b), strict=True):
        diff = sympy.sympify(x) - sympy.sympify(y)
        outcome = _zero(diff, ctx)
        if outcome.status == "unproved" and ctx.definitions:
            outcome = _zero(ctx.expand_definitions(diff), ctx)
        if outcome.status != "proved":
            return outcome
    return PROVED


def _sign(expr: Any, ctx: Context) -> int:
    """2: provably > 0, 1: provably ≥ 0, 0: unknown. Structural rules over the assumptions."""
    expr = sympy.sympify(expr)
    if ctx.known(ctx.positive, expr):
        return 2
    if ctx.known(ctx.nonnegative, expr):
        return 1
    if expr.is_Rational:
        return 2 if expr > 0 else (1 if expr == 0 else 0)
    if expr in (sympy.pi, sympy.E):
        return 2
    if expr.is_Symbol:
        return 0  # a symbol's own assumptions are never read: its sign is a stated premise
    if isinstance(expr, sympy.exp):
        return 2 if _real(expr.args[0], ctx) else 0
    if isinstance(expr, sympy.Abs):
        if not _real(expr.args[0], ctx):
            return 0
        return 2 if _nonzero(expr.args[0], ctx) else 1
    if isinstance(expr, Inner):
        return 1 if expr.args[0] == expr.args[1] else 0
    if expr.is_Pow:
        base, exponent = expr.args
        if not _real(expr, ctx):
            return 0
        if exponent.is_Integer and exponent % 2 == 0:
            return 2 if _nonzero(base, ctx) else 1
        b = _sign(base, ctx)
        if b == 2:
            return 2
        return 1 if b == 1 and exponent.is_Rational and exponent > 0 else 0
    if expr.is_Mul or expr.is_Add:
        signs = [_sign(a, ctx) for a in expr.args]
        if min(signs) == 0:
            return 0
        return min(signs) if expr.is_Mul else max(signs)
    return 0


def _real(expr: Any, ctx: Context) -> bool:
    """Is ``expr`` defined and real for every value of its symbols the premises allow?
    Structural: symbols are real; powers, logarithms and quotients need their side
    conditions (a non-zero denominator, a positive logarithm's argument, …) proved."""
    if ctx.probing:
        return _real_uncached(expr, ctx)
    known = ctx.real_cache.get(expr)  # memoised with the premises the answer relied on
    if known is None:
        outer, ctx.used = ctx.used, set()
        known = ctx.real_cache[expr] = (_real_uncached(expr, ctx), frozenset(ctx.used))
        ctx.used = outer
    ctx.used |= known[1]
    return known[0]


def _real_uncached(expr: Any, ctx: Context) -> bool:
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.MatrixBase):
        return all(_real(c, ctx) for c in expr)
    if expr.is_Rational or expr in (sympy.pi, sympy.E) or isinstance(expr, (sympy.Symbol, Inner)):
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_real(a, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if not (_real(base, ctx) and _real(exponent, ctx)):
            return False
        if exponent.is_Integer:
            return bool(exponent >= 0) or _nonzero(base, ctx)
        if exponent.is_Rational and exponent.q % 2 == 1:  # odd roots are real everywhere
            return bool(exponent > 0) or _nonzero(base, ctx)
        need = 1 if exponent.is_Rational and exponent > 0 else 2
        return _sign(base, ctx) >= need
    if isinstance(expr, _REAL_FUNCTIONS):
        return all(_real(a, ctx) for a in expr.args)
    if isinstance(expr, sympy.log):
        return len(expr.args) == 1 and _real(expr.args[0], ctx) and _sign(expr.args[0], ctx) == 2
    if isinstance(expr, (sympy.Derivative, sympy.Subs)):
        return _real(expr.doit(), ctx)
    if type(expr).__name__ == "VectorSum":
        return _real(expr.args[0], ctx)
    return False


def _nonzero(expr: Any, ctx: Context) -> bool:
    expr = sympy.sympify(expr)
    if (
        ctx.known(ctx.nonzero, expr)
        or ctx.known(ctx.positive, expr**2)
        or _sign(expr, ctx) == 2
        or _sign(-expr, ctx) == 2
    ):
        return True
    if expr.is_Rational:
        return bool(expr != 0)
    if expr.is_Mul:
        return all(_nonzero(a, ctx) for a in expr.args)
    if expr.is_Pow:
        return _nonzero(expr.args[0], ctx)
    return False


def _not_real(expr: Any) -> str:
    return (
        f"{_brief(expr)} is not provably defined and real for every admissible value: state "
        "the premise it needs (a positive base, a non-zero denominator)"
    )


def _brief(expr: Any, limit: int = 120) -> str:
    """``expr`` as text when it is small; a large one is named by its size (printing a huge
    expression costs more than checking it)."""
    for nodes, _ in enumerate(sympy.preorder_traversal(expr)):
        if nodes >= limit:
            return f"an expression of over {limit} terms"
    return str(expr)


_SMOOTH_FUNCTIONS = (
    sympy.exp,
    sympy.sin,
    sympy.cos,
    sympy.atan,
    sympy.tanh,
    sympy.sinh,
    sympy.cosh,
    sympy.asinh,
    sympy.erf,
)
_REAL_FUNCTIONS = (*_SMOOTH_FUNCTIONS, sympy.Abs)
"""Functions real at every real argument (Abs too, though it is not smooth at 0)."""


def _smooth(expr: Any, var: sympy.Symbol, ctx: Context) -> bool:
    """Is ``expr`` infinitely differentiable in ``var`` near var = 0, for every admissible
    value of the other symbols? Structural: polynomials, exp, sin, …; a power, logarithm or
    quotient only where its base is provably non-zero (positive) at var = 0."""
    expr = sympy.sympify(expr)
    if var not in expr.free_symbols:
        return _real(expr, ctx)
    if expr == var:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_smooth(a, var, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if var in exponent.free_symbols or not _smooth(base, var, ctx):
            return False
        if exponent.is_Integer and exponent >= 0:
            return True
        at_zero = base.xreplace({var: 0})
        if exponent.is_Integer:
            return _nonzero(at_zero, ctx)
        return _sign(at_zero, ctx) == 2
    if isinstance(expr, _SMOOTH_FUNCTIONS):
        return _smooth(expr.args[0], var, ctx)
    if isinstance(expr, sympy.log) and len(expr.args) == 1:
        return _smooth(expr.args[0], var, ctx) and _sign(expr.args[0].xreplace({var: 0}), ctx) == 2
    if isinstance(expr, (sympy.Derivative, sympy.Subs)):
        return _smooth(expr.doit(), var, ctx)
    return False


_SWAP = {">=": "<=", ">": "<"}


def _as_le(statement: Any) -> tuple[Any, str, Any]:
    """Normalise ≥ and > to ≤ and < by swapping sides."""
    lhs, rel, rhs = statement.lhs, statement.rel, statement.rhs
    if rel in _SWAP:
        return rhs, _SWAP[rel], lhs
    return lhs, rel, rhs


def _refute(step: Step, ctx: Context, reason: str) -> Outcome:
    """The rule did not go through: look for a counterexample to the step's statement."""
    lhs, rel, rhs = _as_le(step)
    if ctx.probing:
        return Outcome("unproved", reason)
    if isinstance(lhs, sympy.MatrixBase) or isinstance(rhs, sympy.MatrixBase) or rel == "=O":
        return Outcome("unproved", reason)
    diff = _prepare(ctx.expand_definitions(sympy.sympify(rhs) - sympy.sympify(lhs)))
    for point, value in _samples(diff, None, ctx):
        big = abs(value) > sympy.Float(10) ** -30
        if (
            (rel == "=" and big)
            or (rel in ("<=", "<") and value < 0 and big)
            or (rel == "<" and value == 0)
        ):
            return Outcome(
                "failed", f"{reason}; the statement is false at this point", _shown(point)
            )
    return Outcome("unproved", reason)


def _sides(pairs: Sequence[tuple[Any, Any]], step: Step, ctx: Context, reason: str) -> Outcome:
    """Every pair identical; else a CAS bug propagates, or a counterexample is sought."""
    for mine, theirs in pairs:
        outcome = _identical(mine, theirs, ctx)
        if outcome.status == "proved":
            continue
        if "CAS bug" in outcome.reason:
            return outcome
        return _refute(step, ctx, reason)
    return PROVED


def _weaker(given: str, claimed: str) -> bool:
    """Does a ``given`` relation justify the ``claimed`` one (equal, or '<' for '<=')?"""
    return given == claimed or (given == "<" and claimed == "<=")
