"""The exact checks the rules share: zero tests with a high-precision witness, signs,
realness and smoothness under the premises, and sampling for counterexamples. Every
answer is conservative: "not shown" whenever it is not sure."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

import mpmath
import symengine as se
import sympy

from .sums import (
    GROUPS,
    Diag,
    Gradient,
    Hessian,
    Outer,
    VectorSum,
    VectorSymbol,
    canonical,
    instance,
    loose,
)
from .terms import Failed, Inner, Unproved

__all__ = ["identical", "nonzero", "real", "sign", "smooth", "witness", "zero"]

Context = Any  # the verification context (see .context), which imports this module
WITNESS_POINTS, WITNESS_DIGITS, SEARCH_POINTS = 2, 40, 12
_TINY = sympy.Float(10) ** -(WITNESS_DIGITS - 5)
_UNDEFINED = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)
_SE_ERRORS = (TypeError, ValueError, RuntimeError, NotImplementedError, ZeroDivisionError)
_SMOOTH: tuple[Any, ...] = (sympy.exp, sympy.sin, sympy.cos, sympy.atan, sympy.tanh, sympy.sinh)
_SMOOTH += (sympy.cosh, sympy.asinh, sympy.erf)
_REAL = (*_SMOOTH, sympy.Abs)
"""Functions real at every real argument (Abs too, though it is not smooth at 0)."""


_WHOLE = (VectorSum, Gradient, Hessian, Outer, Diag)


def cells(value: Any) -> list[Any]:
    return list(value) if isinstance(value, sympy.MatrixBase) else [value]


_ATOMS: dict[Any, Any] = {}
"""Each ⟨a, b⟩ met so far and the one symbol that stands for it (no name can clash)."""


def atomize(expr: Any) -> Any:
    """Replace each ⟨a, b⟩ by its own real symbol (non-negative when a = b), the same one
    every time, for checking and sampling."""
    if not isinstance(expr, sympy.Basic) or not expr.has(Inner):
        return expr
    for e in expr.atoms(Inner):
        if e not in _ATOMS:
            square = e.args[0] == e.args[1] or None
            _ATOMS[e] = sympy.Dummy(f"<{e.args[0]},{e.args[1]}>", real=True, nonnegative=square)
    return expr.xreplace({e: _ATOMS[e] for e in expr.atoms(Inner)})


def prepare(diff: Any) -> Any:
    diff = sympy.sympify(diff)
    return atomize(diff.doit() if diff.has(sympy.Derivative, sympy.Subs) else diff)


def symengine(diff: Any, extra: Any = None) -> Any:
    """diff (+ extra) as one SymEngine expression, or None where SymEngine cannot hold it."""
    if isinstance(diff, sympy.Basic) and diff.has(*_WHOLE):
        return None  # SymEngine would take these for functions it does not know
    try:
        return se.sympify(diff) + (extra if extra is not None else 0)
    except _SE_ERRORS:
        return None


def fast_zero(fast: Any) -> bool:
    """Exact, in SymEngine: polynomial expansion, then reduction of radicals and inverses."""
    try:
        return fast is not None and _radical_zero(se.expand(fast), depth=4)
    except _SE_ERRORS:
        return False


def _radical_zero(expr: Any, depth: int) -> bool:
    """Is ``expr`` zero? Write Bᵖᐟᵠ as rᵖᑫ'ᐟᵠ with r = B^(1/Q), clear r from denominators,
    reduce with r^Q = B and require every remaining power of r to have a zero coefficient:
    each step is exact, and zero coefficients are sufficient for zero."""
    if expr == 0:
        return True
    radicals = [
        p
        for p in expr.atoms(se.Pow)
        if not isinstance(p.args[0], se.Symbol) and not (p.args[1].is_integer and p.args[1] > 0)
    ]
    if depth == 0 or not radicals:
        return False
    base = radicals[0].args[0]
    exponents = {p: Fraction(str(p.args[1])) for p in radicals if p.args[0] == base}
    q = math.lcm(*(e.denominator for e in exponents.values()))
    r = se.Symbol(f"_radical_{depth}")
    by_power: dict[int, list[Any]] = {}
    expr = se.expand(expr.subs({p: r ** int(e * q) for p, e in exponents.items()}))
    for term in se.Add.make_args(expr):
        k = _degree(term, r)
        by_power.setdefault(k, []).append(term / r**k)
    shift = -((min(by_power) // q) * q) if min(by_power) < 0 else 0  # times r^shift = B^(shift/q)
    reduced: dict[int, Any] = {}
    for k, parts in by_power.items():
        reduced[(k + shift) % q] = reduced.get((k + shift) % q, 0) + se.Add(*parts) * base ** (
            (k + shift) // q
        )
    return all(_radical_zero(se.expand(c), depth - 1) for c in reduced.values())


def _degree(term: Any, r: Any) -> int:
    """The power of r in a single expanded term."""
    for factor in se.Mul.make_args(term):
        if factor == r:
            return 1
        if isinstance(factor, se.Pow) and factor.args[0] == r:
            return int(factor.args[1])
    return 0


def slow_zero(diff: Any, extra: Any = None) -> bool:
    """Exact, in SymPy: rational canonical form, then simplification as a last resort."""
    diff = diff + sympy.sympify(extra) if extra is not None else diff
    return (
        diff == 0
        or sympy.cancel(sympy.together(sympy.expand(diff))) == 0
        or sympy.simplify(diff) == 0
    )


def point(symbols: Any, ctx: Context) -> dict[Any, Any]:
    """A random rational point; a symbol a premise makes non-negative gets a positive value."""
    out = {}
    for s in symbols:
        value = sympy.Rational(ctx.rng.randint(1, 36), ctx.rng.randint(1, 9))
        sign = (
            1
            if s.is_nonnegative or ("pos", s) in ctx.signs or ("nonneg", s) in ctx.signs
            else ctx.rng.choice((-1, 1))
        )
        out[s] = sign * value
    return out


def holds(condition: Any, rel: str, at: Mapping[Any, Any], lenient: bool = False) -> bool:
    """Does ``condition rel 0`` (or the matrix ≻ 0) hold at ``at``? Decided at 30 digits:
    strictly (a margin of 1e-20, any doubt is 'no'), or leniently (rounding is forgiven)."""
    m = sympy.Float(10) ** -25 if lenient else -(sympy.Float(10) ** -20)
    try:
        if rel == ">0":
            values = [sympy.N(c.xreplace(at), 30) for c in condition]
            if not all(c.is_extended_real for c in values):
                return False
            n = condition.shape[0]
            with mpmath.workdps(30):
                matrix = mpmath.matrix(
                    [[mpmath.mpf(str(values[i * n + j])) for j in range(n)] for i in range(n)]
                )
                return all(
                    mpmath.det(matrix[:k, :k]) > mpmath.mpf(10) ** -20 for k in range(1, n + 1)
                )
        if rel == "=" and not lenient:  # exactly: a value below any margin is not 0
            exact = sympy.sympify(condition).xreplace(at)
            return bool(exact == 0 or exact.is_zero is True)
        v = sympy.N(condition.xreplace(at), 30)
        if not v.is_extended_real:
            return False
        tests = {"=": abs(v) < abs(m), "!=": abs(v) > abs(m), "<=": v <= m, "<": v < min(m, 0)}
        tests |= {">=": -v <= m, ">": -v < min(m, 0)}
        return bool(tests[rel])
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def _free(diff: Any, extra: Any) -> list[Any]:
    symbols = set(diff.free_symbols) if isinstance(diff, sympy.Basic) else set()
    symbols |= {sympy.Symbol(str(s)) for s in extra.free_symbols} if extra is not None else set()
    by_name: dict[str, Any] = {}
    for s in symbols:
        if s.name not in by_name or s.is_real:
            by_name[s.name] = s
    return [by_name[n] for n in sorted(by_name)]


def _se_symbol(s: Any) -> Any:
    """The SymEngine symbol a SymPy one becomes (a Dummy stays itself)."""
    return se.sympify(s) if isinstance(s, sympy.Dummy) else se.Symbol(s.name)


def evaluate(diff: Any, fast: Any, at: Mapping[Any, Any]) -> Any:
    """The value at a rational point: exact when rational, else 50 digits; None where
    undefined or not real. ``fast`` is diff in SymEngine (or None)."""
    try:
        value = fast.subs({_se_symbol(s): se.sympify(v) for s, v in at.items()})
        if not isinstance(value, se.Rational) and not value.free_symbols:
            number = value.n(prec=4 * (WITNESS_DIGITS + 10), real=True)  # MPFR, fast
            number = sympy.Float(str(number), WITNESS_DIGITS + 10)
            return number if number.is_finite else None
        value = sympy.sympify(value)
    except (*_SE_ERRORS, AttributeError):
        value = sympy.sympify(diff).xreplace(dict(at))
    if value.has(*_UNDEFINED):
        return None
    if value.is_Rational:
        return value
    number = sympy.N(value, WITNESS_DIGITS + 10)
    return None if number.has(*_UNDEFINED) or not number.is_extended_real else number


def shown(at: Mapping[Any, Any]) -> dict[str, str]:
    return {s.name: str(v) for s, v in at.items()}


def witness(diff: Any, extra: Any, ctx: Context, fast: Any = None) -> None:
    """Second witness for an identity the exact check accepted, at points where it is
    defined (an identity uses no premise, so any point is a fair test). Raises Failed on
    a disagreement (a CAS bug) and Unproved when no point is defined."""
    symbols, checked = _free(diff, extra), 0
    fast = fast if fast is not None else symengine(diff, extra)
    for _ in range(8 * WITNESS_POINTS):
        at = point(symbols, ctx)
        value = evaluate(diff, fast, at)
        if value is not None and abs(value) > _TINY:
            raise Failed(
                f"the exact check said zero but the value is {value} here (a CAS bug caught)",
                shown(at),
            )
        checked += value is not None
        if checked >= WITNESS_POINTS or (checked and not symbols):
            return
    if not checked:
        raise Unproved("no point was found where the expression is defined to witness the identity")


def samples(diff: Any, ctx: Context, within: Any = ()) -> Iterator[tuple[dict[Any, Any], Any]]:
    """(point, value) at random points where the standing premises (and the conditions
    ``within``) hold and the expression is defined: where a counterexample may be found."""
    symbols, fast = _free(diff, None), symengine(diff)
    conditions = (*ctx.sampled, *within)
    for _ in range(SEARCH_POINTS if symbols else 1):
        at = point(symbols, ctx)
        if all(holds(c, rel, at, True) for c, rel in conditions if c.free_symbols <= set(at)):
            value = evaluate(diff, fast, at)
            if value is not None:
                yield at, value


def zero(diff: Any, ctx: Context, strict: bool = False) -> bool:
    """Is ``diff ≡ 0``? Shown exactly, then witnessed; a quick numeric probe comes first, so
    a false identity is turned down before SymPy's slower canonical forms run. ``strict``:
    say why not by raising Failed (with a point) or Unproved."""
    diff = prepare(diff)
    if diff.has(VectorSum):
        return _vector_zero(diff, ctx, strict)
    fast = symengine(diff)
    if not fast_zero(fast):
        for at, value in samples(diff, ctx):
            if abs(value) > sympy.Float(10) ** -30:
                if strict:
                    raise Failed(f"not an identity: the difference is {value} here", shown(at))
                return False
        if not (slow_zero(diff) or _signed_zero(diff, ctx)):
            if strict:
                raise Unproved("could not show the difference is zero, nor find a point where not")
            return False
    witness(diff, None, ctx, fast)
    return True


def _signed_zero(diff: Any, ctx: Context) -> bool:
    """Zero once SymPy is told the signs the premises give its symbols (√(x²) = x for
    x ≥ 0, log(xy) = log x + log y for x, y > 0); only then are those premises used."""
    before, flags = set(ctx.used), {}
    powers = diff.atoms(sympy.Pow)
    if not (diff.has(sympy.Abs, sympy.log) or any(not p.exp.is_Integer for p in powers)):
        return False  # signs matter only to |·|, logarithms and roots
    for s in diff.free_symbols:
        if isinstance(s, sympy.Symbol) and not isinstance(s, VectorSymbol):
            known = sign(s, ctx)
            if known:
                flags[s] = sympy.Dummy(s.name, **{("nonnegative", "positive")[known - 1]: True})
    signed = sympy.expand_log(diff.xreplace(flags)) if flags else None
    if signed is not None and (signed == 0 or sympy.expand(signed) == 0):
        return True
    ctx.used = before
    return False


def _vector_zero(diff: Any, ctx: Context, strict: bool) -> bool:
    """Zero for every length: the canonical form (sums as independent atoms) is zero, and
    exact instances (each sum of its own length, its components taking three values)
    agree. Instances are tried first when the quick exact check fails: a non-zero one
    where the premises hold (for every component) refutes the identity."""
    canon = canonical(diff)
    atoms = {a: sympy.Dummy("sum", real=True) for a in canon.atoms(VectorSum)}
    flat = canon.xreplace(atoms)
    proved = fast_zero(symengine(flat))
    checked = 0
    for _ in range(SEARCH_POINTS):
        at = _instance_point(diff, ctx)
        within = proved or all(
            everywhere(c, r, at, True)
            for c, r in ctx.sampled
            if {s.name for s in c.free_symbols} <= set(at)
        )
        written = instance(diff, at)
        value = evaluate(written, symengine(written), {}) if within else None
        if value is None:
            continue
        checked += 1
        if abs(value) > _TINY and abs(value) > _TINY * _scale(written):  # relative: e^(wᵀx)
            if proved:
                raise Failed(f"the exact check said zero but an instance gives {value}")
            if strict:
                raise Failed(f"not an identity: the difference is {value} here", _shown(at))
            return False
        if checked >= WITNESS_POINTS and (proved or slow_zero(flat)):
            return True
    if strict:
        why = (
            "no point was found to witness it"
            if checked < WITNESS_POINTS
            else ("could not show it is zero")
        )
        raise Unproved(why + " (for vectors of every length)")
    return False


def everywhere(condition: Any, rel: str, at: Mapping[str, Any], lenient: bool = False) -> bool:
    """Does ``condition rel 0`` hold at the instance ``at``, for every component when it
    has a free index (a premise w > 0 on a vector is about every wᵢ)?"""
    indices = range(GROUPS) if loose(condition) else (0,)
    return all(holds(instance(condition, at, i), rel, {}, lenient) for i in indices)


def _scale(expr: Any) -> Any:
    """The largest magnitude among the terms of a sum (1 at least), at 50 digits."""
    sizes = [evaluate(t, symengine(t), {}) for t in sympy.Add.make_args(expr)]
    return max([sympy.Integer(1), *(abs(v) for v in sizes if v is not None)])


def _instance_point(expr: Any, ctx: Context) -> dict[str, Any]:
    """Random rational values: GROUPS component values for each vector symbol, one for a
    scalar."""
    symbols = sorted(expr.atoms(sympy.Symbol), key=lambda s: s.name)
    scalars = point([s for s in symbols if not isinstance(s, VectorSymbol)], ctx)
    at: dict[str, Any] = {s.name: v for s, v in scalars.items()}
    for s in symbols:
        if isinstance(s, VectorSymbol):
            at[s.name] = [
                sympy.Rational(ctx.rng.randint(-12, 12), ctx.rng.randint(1, 4))
                for _ in range(GROUPS)
            ]
    return at


def _shown(at: Mapping[str, Any]) -> dict[str, str]:
    """A point for people: a vector's values, the last one filling the rest of its length."""
    return {
        k: f"({', '.join(map(str, v))}, …)" if isinstance(v, list) else str(v)
        for k, v in at.items()
    }


def identical(a: Any, b: Any, ctx: Context, strict: bool = False) -> bool:
    """Are ``a`` and ``b`` (scalars or matrices) identical, definitions carried out if need
    be? ``strict``: a difference found at a point raises Failed there."""
    if getattr(a, "shape", None) != getattr(b, "shape", None):
        if strict:
            raise Failed("the sides have different shapes")
        return False
    for x, y in zip(cells(a), cells(b), strict=True):
        diff = sympy.sympify(x) - sympy.sympify(y)
        if zero(diff, ctx, strict and not ctx.definitions):
            continue
        if not (
            ctx.definitions and (_unfolded_zero(diff, ctx) or zero(ctx.expand(diff), ctx, strict))
        ):
            return False
    return True


def _unfolded_zero(diff: Any, ctx: Context) -> bool:
    """Zero once the names are carried out a level at a time (‖g‖ by √(g_w² + g_b²), g_w
    kept), before the last level writes every name out: a claim about names rarely
    needs what the innermost ones stand for, and those expressions can be large."""
    for _ in range(len(ctx.direct) - 1):
        unfolded = diff.xreplace(ctx.direct)
        if unfolded == diff or not (unfolded.free_symbols & ctx.direct.keys()):
            return False  # nothing more to unfold, or only the full expansion is left
        diff = unfolded
        if zero(diff, ctx):
            return True
    return False


def sign(expr: Any, ctx: Context) -> int:
    """2: provably > 0, 1: provably ≥ 0, 0: unknown. Structural rules over the premises; a
    symbol's own SymPy assumptions are never read."""
    expr = sympy.sympify(expr)
    if ctx.known("pos", expr):
        return 2
    if ctx.known("nonneg", expr):
        return 1
    if expr.is_Rational:
        return 2 if expr > 0 else int(expr == 0)
    if expr in (sympy.pi, sympy.E):
        return 2
    if isinstance(expr, sympy.exp):
        return 2 * real(expr.args[0], ctx)
    if isinstance(expr, sympy.Abs):
        return (1 + nonzero(expr.args[0], ctx)) if real(expr.args[0], ctx) else 0
    if isinstance(expr, Inner):
        return int(expr.args[0] == expr.args[1] and real(expr, ctx))
    if isinstance(expr, VectorSum):  # n ≥ 1 terms, each of the summand's sign
        summand = expr.summand  # as written, or factored: v² − 2vw + w² is (v − w)²
        return sign(summand, ctx) or (sign(sympy.factor(summand), ctx) if summand.is_Add else 0)
    if expr.is_Pow and real(expr, ctx):
        base, exponent = expr.args
        if exponent.is_Integer and exponent % 2 == 0:
            return 1 + nonzero(base, ctx)
        b = sign(base, ctx)
        return 2 if b == 2 else int(bool(b == 1 and exponent.is_Rational and exponent > 0))
    if expr.is_Mul or expr.is_Add:
        signs = [sign(a, ctx) for a in expr.args]
        return 0 if min(signs) == 0 else (min(signs) if expr.is_Mul else max(signs))
    return 0


def real(expr: Any, ctx: Context) -> bool:
    """Is ``expr`` defined and real for every value of its symbols the premises allow?
    Symbols are real; powers, logarithms and quotients need their side conditions (a
    non-zero denominator, a positive logarithm's argument) proved. Memoised with the
    premises each answer relied on."""
    if ctx.probing:
        return _real(expr, ctx)
    known = ctx.real_cache.get(expr)
    if known is None:
        outer, ctx.used = ctx.used, set()
        known = ctx.real_cache[expr] = (_real(expr, ctx), frozenset(ctx.used))
        ctx.used = outer
    ctx.used |= known[1]
    return known[0]


def _real(expr: Any, ctx: Context) -> bool:
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.MatrixBase) or expr.is_Add or expr.is_Mul or isinstance(expr, _REAL):
        return all(
            real(a, ctx) for a in (expr if isinstance(expr, sympy.MatrixBase) else expr.args)
        )
    if expr.is_Rational or expr in (sympy.pi, sympy.E) or isinstance(expr, sympy.Symbol):
        return True
    if isinstance(expr, Inner):  # ⟨a, b⟩ of real vectors a, b
        return all(real(a, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if not (real(base, ctx) and real(exponent, ctx)):
            return False
        if exponent.is_Integer or (exponent.is_Rational and exponent.q % 2 == 1):  # odd roots
            return bool(exponent >= 0) or nonzero(base, ctx)
        return sign(base, ctx) >= (1 if exponent.is_Rational and exponent > 0 else 2)
    if isinstance(expr, sympy.log):
        return len(expr.args) == 1 and real(expr.args[0], ctx) and sign(expr.args[0], ctx) == 2
    if isinstance(expr, (sympy.Derivative, sympy.Subs)):
        return real(expr.doit(), ctx)
    return isinstance(expr, (VectorSum, Outer, Diag)) and all(real(a, ctx) for a in expr.args)


def nonzero(expr: Any, ctx: Context) -> bool:
    expr = sympy.sympify(expr)
    if (
        ctx.known("nonzero", expr)
        or ctx.known("pos", expr**2)
        or 2 in (sign(expr, ctx), sign(-expr, ctx))
    ):
        return True
    if expr.is_Rational:
        return bool(expr != 0)
    if expr.is_Mul:
        return all(nonzero(a, ctx) for a in expr.args)
    return bool(expr.is_Pow) and nonzero(expr.args[0], ctx)


def smooth(expr: Any, var: sympy.Symbol, ctx: Context) -> bool:
    """Is ``expr`` infinitely differentiable in ``var`` near var = 0, for every admissible
    value of the other symbols? Polynomials, exp, sin, …; a power, logarithm or quotient
    only where its base is provably non-zero (positive) at var = 0."""
    expr = sympy.sympify(expr)
    if var not in expr.free_symbols:
        return real(expr, ctx)
    if expr == var:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(smooth(a, var, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if var in exponent.free_symbols or not smooth(base, var, ctx):
            return False
        at_zero = base.xreplace({var: 0})
        if exponent.is_Integer:
            return bool(exponent >= 0) or nonzero(at_zero, ctx)
        return sign(at_zero, ctx) == 2
    if isinstance(expr, _SMOOTH):
        return smooth(expr.args[0], var, ctx)
    if isinstance(expr, sympy.log) and len(expr.args) == 1:
        return smooth(expr.args[0], var, ctx) and sign(expr.args[0].xreplace({var: 0}), ctx) == 2
    if isinstance(expr, VectorSum):
        return smooth(expr.summand, var, ctx)
    return isinstance(expr, (sympy.Derivative, sympy.Subs)) and smooth(expr.doit(), var, ctx)


def not_real(expr: Any, limit: int = 120) -> str:
    """Why ``expr`` is refused (a large expression is named by its size, not printed)."""
    big = any(n >= limit for n, _ in enumerate(sympy.preorder_traversal(expr)))
    return (
        f"{f'an expression of over {limit} terms' if big else expr} is not provably defined "
        "and real for every admissible value: state the premise it needs (a positive base, "
        "a non-zero denominator)"
    )


def require_real(*exprs: Any, ctx: Context, why: str = "") -> None:
    for e in exprs:
        if not real(e, ctx):
            raise Unproved(why + not_real(e))


def as_le(statement: Any) -> tuple[Any, str, Any]:
    """``lhs rel rhs`` with ≥ and > turned into ≤ and < by swapping sides."""
    lhs, rel, rhs = statement.lhs, statement.rel, statement.rhs
    swap = {">=": "<=", ">": "<"}
    return (rhs, swap[rel], lhs) if rel in swap else (lhs, rel, rhs)


def counterexample(step: Any, ctx: Context, cases: Any = ()) -> dict[str, str] | None:
    """A point where the standing premises and the step's case hypotheses hold and the
    step's statement is false."""
    lhs, rel, rhs = as_le(step)
    if isinstance(lhs, sympy.MatrixBase) or isinstance(rhs, sympy.MatrixBase) or rel == "=O":
        return None
    diff = prepare(ctx.expand(sympy.sympify(rhs) - sympy.sympify(lhs)))
    if diff.has(*_WHOLE):
        return None  # vector statements are refuted on instances, by the zero test
    within = [(prepare(ctx.expand(f.lhs - f.rhs)), f.rel) for f in cases if f.rel != ">0"]
    for at, value in samples(diff, ctx, within):
        big = abs(value) > sympy.Float(10) ** -30
        if (big and (rel == "=" or value < 0)) or (rel == "<" and value == 0):
            return shown(at)
    return None


def sides(pairs: Any, reason: str, ctx: Context) -> str:
    """'proved' when every pair is identical, else Unproved(reason)."""
    if all(identical(a, b, ctx) for a, b in pairs):
        return "proved"
    raise Unproved(reason)


def weaker(given: str, claimed: str) -> bool:
    """Does a ``given`` relation justify the ``claimed`` one (equal, or '<' for '<=')?"""
    return given == claimed or (given == "<" and claimed == "<=")
