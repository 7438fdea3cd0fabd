"""Interval enclosures with outward rounding (mpmath.iv): the range of an expression over a
box of its symbols, refined by bisection. Strict about domains: an operation that may
leave the set where it is analytic (a logarithm or root of an interval reaching 0, a
quotient by an interval holding 0) gives no enclosure at all, so a bound proved here also
shows the expression is smooth on the box.

Expressions are compiled once (:class:`Program`) into a straight-line program of interval
operations in which each distinct subexpression is evaluated once, then run on as many
boxes as a bisection needs: no SymPy tree is walked per box."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy
from mpmath import iv, libmp
from mpmath.libmp import libmpi

__all__ = ["Box", "Program", "bisect", "compiled", "enclose", "positive_on", "tight", "tight_on"]
__all__ += ["NormBound", "norm_below", "positive_definite", "to_intervals"]

Box = Mapping[Any, tuple[Any, Any]]
DIGITS, MAX_BOXES, MEAN_VALUE_UP_TO = 30, 4096, 4
_WIDEN = mpmath.mpf(10) ** -(DIGITS - 5)  # functions mpmath.iv lacks: 40-digit values, widened
_FAIL = (ArithmeticError, ValueError, TypeError, KeyError, AttributeError)


class _Unsupported(Exception):
    """An operation with no sound enclosure here (an unknown function, a symbolic power)."""


def _ends(x: Any) -> tuple[Any, Any]:
    """The exact endpoints of an interval, as mpf numbers."""
    return mpmath.mpf(x._mpi_[0]), mpmath.mpf(x._mpi_[1])


def _point(f: Callable[[Any], Any], x: Any) -> tuple[Any, Any]:
    """An outward enclosure of f at one point (f evaluated at 40 digits, then widened)."""
    with mpmath.workdps(DIGITS + 10):
        v = f(mpmath.mpf(x))
    return v - abs(v) * _WIDEN - _WIDEN, v + abs(v) * _WIDEN + _WIDEN


def _monotone(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An increasing function's enclosure: from its value at each end."""
    return lambda x: iv.mpf([_point(f, _ends(x)[0])[0], _point(f, _ends(x)[1])[1]])


def _cosh(x: Any) -> Any:
    lo, hi = _ends(x)
    low = 0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    return iv.mpf([_point(mpmath.cosh, low)[0], max(_point(mpmath.cosh, e)[1] for e in (lo, hi))])


_PREC = libmp.dps_to_prec(DIGITS)
_NOT_FINITE = (libmp.finf, libmp.fninf, libmp.fnan)


def _raw(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enclosure on iv intervals as one on raw (lo, hi) pairs of mpf values."""
    return lambda x: f(iv.make_mpf(x))._mpi_


def _positive(x: Any) -> bool:
    return libmp.mpf_sign(x[0]) > 0 and x[0] not in _NOT_FINITE


def _log(x: Any) -> Any:
    if not _positive(x):
        raise ValueError("the logarithm of an interval reaching 0")
    return libmpi.mpi_log(x, _PREC)


_FUNCTIONS: dict[Any, Callable[[Any], Any]] = {
    sympy.exp: lambda x: libmpi.mpi_exp(x, _PREC),
    sympy.sin: lambda x: libmpi.mpi_sin(x, _PREC),
    sympy.cos: lambda x: libmpi.mpi_cos(x, _PREC),
    sympy.atan: lambda x: libmpi.mpi_atan(x, _PREC),
    sympy.sinh: lambda x: libmpi.mpi_cosh_sinh(x, _PREC)[1],
    sympy.tanh: _raw(_monotone(mpmath.tanh)),
    sympy.asinh: _raw(_monotone(mpmath.asinh)),
    sympy.erf: _raw(_monotone(mpmath.erf)),
    sympy.cosh: _raw(_cosh),
    sympy.log: _log,
}


def _add(*xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = libmpi.mpi_add(total, x, _PREC)
    return total


def _mul(*xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = libmpi.mpi_mul(total, x, _PREC)
    return total


def _power(k: int) -> Callable[[Any], Any]:
    return lambda x: libmpi.mpi_pow_int(x, k, _PREC)


def _inverse_power(k: int) -> Callable[[Any], Any]:
    def inverse(x: Any) -> Any:
        if libmp.mpf_sign(x[0]) <= 0 <= libmp.mpf_sign(x[1]):
            raise ZeroDivisionError("a denominator that may vanish")
        return libmpi.mpi_div(libmpi.mpi_one, libmpi.mpi_pow_int(x, k, _PREC), _PREC)

    return inverse


def _root(p: int, q: int) -> Callable[[Any], Any]:
    exponent = libmpi.mpi_div((libmp.from_int(p),) * 2, (libmp.from_int(q),) * 2, _PREC)

    def root(x: Any) -> Any:
        if not _positive(x):  # roots only of positive intervals
            raise ValueError("a root of an interval reaching 0")
        return libmpi.mpi_exp(libmpi.mpi_mul(libmpi.mpi_log(x, _PREC), exponent, _PREC), _PREC)

    return root


def _rational(value: Any) -> Any:
    """A raw interval holding the rational ``value``."""
    p, q = (libmp.from_int(int(k)) for k in (value.p, value.q))
    return libmpi.mpi_div((p, p), (q, q), _PREC)


_LOAD = object()  # the instruction that reads a symbol's interval
_DEPTH, _SLACK = 10, 8  # halvings of a piece of g(z)'s argument z, 2^−8 (see Program._refine)


class Program:
    """``exprs`` compiled into one straight-line program of interval operations over their
    symbols; equal subexpressions (SymPy's structural equality) are computed once.

    Each register has a carrier: the one register all its dependence on the symbols passes
    through (a symbol, or a sum or product of several such as a sigmoid's argument z). A sum
    or product whose terms pass through one carrier z is one function g(z), and where it is
    used with others (with more than MEAN_VALUE_UP_TO symbols) its enclosure is refined on
    pieces of z's interval (:meth:`_refine`): this repairs the dependency that loosens
    e^z/(1+e^z) − e^{2z}/(1+e^z)², which bisecting a box of many symbols cannot.

    >>> x, y = sympy.symbols("x y")
    >>> program = Program((sympy.exp(x) + y, sympy.exp(x) * y))
    >>> [str(v) for v in program.run({x: (0, 0), y: (1, 2)})]
    ['[2.0, 3.0]', '[1.0, 2.0]']
    """

    def __init__(self, exprs: Sequence[Any], smooth: bool = True) -> None:
        self.smooth = smooth
        self.symbols: list[Any] = []
        self.code: list[tuple[Any, tuple[int, ...]]] = []
        self.carrier: list[int | None] = []  # see _op
        self.exprs: dict[int, Any] = {}
        self.candidates: list[int] = []  # registers g(z) that may be refined (see _emit)
        self.scaled: set[int] = set()  # c·g(z) for a rational c (see _grouped)
        self._memo: dict[Any, int] = {}
        outputs: list[int | None] = []
        for e in exprs:
            try:
                outputs.append(self._emit(sympy.sympify(e)))
            except (_Unsupported, *_FAIL):
                outputs.append(None)
        self.outputs = tuple(outputs)
        self.size = len(self.code)  # the derivatives below are run only on pieces
        self.refined: dict[int, tuple[int, int]] = {}  # register → (z, g'(z)'s register)
        if len(self.symbols) > MEAN_VALUE_UP_TO:  # with few, bisecting the box repairs it
            self._derivatives()
        del self._memo

    def _op(self, op: Any, args: tuple[int, ...]) -> int:
        """A new register; its carrier: the carrier all its non-constant arguments share,
        else itself (a symbol, or an operation on several carriers); None for a constant."""
        k = len(self.code)
        found = set() if op is _LOAD else {self.carrier[a] for a in args} - {None}
        self.carrier.append(k if op is _LOAD or len(found) > 1 else (found or {None}).pop())
        self.code.append((op, args))
        return k

    def _emit(self, e: Any, candidate: bool = True) -> int:
        known = self._memo.get(e)
        if known is not None:
            return known
        register = self._compile(e)
        self.exprs[register] = e
        if candidate and (e.is_Add or e.is_Mul) and self.carrier[register] not in (None, register):
            self.candidates.append(register)
        self._memo[e] = register
        return register

    def _compile(self, e: Any) -> int:
        if e.is_Rational:
            value = _rational(e)
            return self._op(lambda v=value: v, ())
        if e in (sympy.pi, sympy.E):
            value = libmpi.mpi_pi(_PREC) if e == sympy.pi else libmpi.mpi_exp(libmpi.mpi_one, _PREC)
            return self._op(lambda v=value: v, ())
        if e.is_Symbol:
            self.symbols.append(e)
            return self._op(_LOAD, (len(self.symbols) - 1,))
        if e.is_Add or e.is_Mul:
            return self._op(_add if e.is_Add else _mul, self._grouped(e))
        if e.is_Pow:
            base, exponent = self._emit(e.args[0]), e.args[1]
            if exponent.is_Integer and exponent > 0:
                return self._op(_power(int(exponent)), (base,))
            if exponent.is_Integer:
                return self._op(_inverse_power(int(-exponent)), (base,))
            if exponent.is_Rational:
                return self._op(_root(int(exponent.p), int(exponent.q)), (base,))
            raise _Unsupported(e)
        if isinstance(e, sympy.Abs) and not self.smooth:
            return self._op(libmpi.mpi_abs, (self._emit(e.args[0]),))
        f = _FUNCTIONS.get(type(e))
        if f is None or len(e.args) != 1:
            raise _Unsupported(e)
        return self._op(f, (self._argument(e.args[0]),))

    def _grouped(self, e: Any) -> tuple[int, ...]:
        """The registers of a sum's (product's) terms, those through one carrier z first
        summed (multiplied) into one g(z) — with its rational content taken out — when the
        terms pass through several carriers."""
        groups: dict[Any, list[tuple[Any, int]]] = {}
        for a in e.args:
            r = self._emit(a)
            groups.setdefault(
                self.carrier[r] if self.carrier[r] is not None else -1 - r, []
            ).append((a, r))
        if len(groups) == 1:
            return tuple(r for _, r in next(iter(groups.values())))
        registers = []
        for group in groups.values():
            if len(group) == 1:
                registers.append(group[0][1])
                continue
            content, part = e.func(*(a for a, _ in group)).as_content_primitive()
            if part.could_extract_minus_sign():
                content, part = -content, -part
            inner = self._emit(part)
            if content != 1:
                self.scaled.add(inner := self._op(_mul, (self._emit(content), inner)))
            registers.append(inner)
        return tuple(registers)

    def _argument(self, arg: Any) -> int:
        """A function's argument; a sum c·(primitive sum) shares the primitive sum with the
        other multiples of it (exp(−z) and exp(−2z) then depend on one register z)."""
        if not arg.is_Add:
            return self._emit(arg)
        content, primitive = arg.as_content_primitive()
        if primitive.is_Add and primitive.as_ordered_terms()[0].could_extract_minus_sign():
            content, primitive = -content, -primitive
        if content == 1 or not primitive.is_Add:
            return self._emit(arg)
        return self._op(_mul, (self._emit(content), self._emit(primitive)))

    def _derivatives(self) -> None:
        """g'(z) compiled for each candidate g(z) used with other carriers (or an output)
        whose z reappears in it (the dependency to repair), z's expression known and of
        constant slope a in a symbol s. g' = (∂g/∂s)/a, written in t = z by putting
        s = (t − (z − a·s))/a, factored (SymPy), and read with z's register for t."""
        ends = set(k for k in self.outputs if k is not None)
        for k, (_, args) in enumerate(self.code):
            ends |= {a for a in args if self.carrier[a] != self.carrier[k] or k in self.scaled}
        for r in self.candidates:
            z = self.carrier[r]
            if r not in ends or z not in self.exprs or not self._repeats(r, z):
                continue
            carrier, t = self.exprs[z], sympy.Dummy("t")
            slopes = [(s, sympy.diff(carrier, s)) for s in sorted(carrier.free_symbols, key=str)]
            slopes = [(s, a) for s, a in slopes if a.is_Rational and a != 0]
            if not slopes:
                continue
            (s, a), self._memo[t] = slopes[0], z
            try:
                d = sympy.diff(self.exprs[r], s).subs(s, (t - (carrier - a * s)) / a) / a
                if d.free_symbols == {t}:
                    self.refined[r] = (z, self._emit(sympy.factor(d), False))
            except (_Unsupported, *_FAIL):
                continue

    def _repeats(self, r: int, z: int) -> bool:
        """Does some register between z and r use another (or z) twice?"""
        seen, stack, uses = set(), [r], []
        while stack:
            k = stack.pop()
            if k != z and k not in seen and self.carrier[k] == z:
                seen.add(k)
                args = self.code[k][1]
                uses += [a for a in args if self.carrier[a] == z]
                stack += args
        return len(uses) > len(set(uses))

    def run(self, box: Mapping[Any, Any]) -> list[Any]:
        """The enclosure of each expression on ``box`` (symbol → an mpmath.iv interval, or
        (lo, hi) with exact ends), None where one is not shown defined and finite."""
        values = [_interval(box.get(s)) for s in self.symbols]
        registers: list[Any] = []
        append = registers.append
        for k in range(self.size):
            op, args = self.code[k]
            if op is _LOAD:
                value = values[args[0]]
                append(None if value is None else value._mpi_)
                continue
            xs = [registers[a] for a in args]
            if any(x is None for x in xs):
                append(None)
                continue
            try:
                value = op(*xs)
            except _FAIL:
                value = None
            if value is not None and (value[0] in _NOT_FINITE or value[1] in _NOT_FINITE):
                value = None
            if value is not None and k in self.refined:
                value = self._refine(value, k, registers)
            append(value)
        return [None if k is None else _finite(registers[k]) for k in self.outputs]

    def _at(self, r: int, z: int, piece: Any, registers: list[Any], cache: dict[int, Any]) -> Any:
        """Register r (a function of z alone) evaluated with z's interval ``piece``."""
        if r == z:
            return piece
        if r < len(registers) and self.carrier[r] != z:
            return registers[r]
        if r not in cache:
            op, args = self.code[r]
            value = op(*(self._at(a, z, piece, registers, cache) for a in args))
            if value[0] in _NOT_FINITE or value[1] in _NOT_FINITE:
                raise ValueError("not finite")
            cache[r] = value
        return cache[r]

    def _refine(self, value: Any, r: int, registers: list[Any]) -> Any:
        """``value`` (of g(z), register r) intersected with the hull of g's values at the
        ends and middles m of pieces of z's interval and of the mean-value forms
        g(m) + g'(piece)·(piece − m) of the pieces: a piece whose form leaves the hull so
        far is halved, up to _DEPTH times. Every z lies in a piece whose form is in the
        hull, so g's range does."""
        (z, d), g = self.refined[r], r
        lo, hi = registers[z]
        try:
            ends = [self._at(g, z, (x, x), registers, {}) for x in (lo, hi)]
            union, pending = _hull(*ends), [(lo, hi, 0)]
            while pending:
                a, b, depth = pending.pop()
                m = libmp.mpf_shift(libmp.mpf_add(a, b), -1)
                centre = self._at(g, z, (m, m), registers, {})
                union = _hull(union, centre)
                offset = libmpi.mpi_sub((a, b), (m, m), _PREC)
                slope = self._at(d, z, (a, b), registers, {})
                part = libmpi.mpi_add(centre, libmpi.mpi_mul(slope, offset, _PREC), _PREC)
                width = libmp.mpf_sub(union[1], union[0], _PREC)
                if depth < _DEPTH and not _within(part, union, libmp.mpf_shift(width, -_SLACK)):
                    pending += [(a, m, depth + 1), (m, b, depth + 1)]
                else:
                    union = _hull(union, part)
        except _FAIL:
            return value
        low, high = _high(value[0], union[0]), _low(value[1], union[1])
        return (low, high) if libmp.mpf_le(low, high) else value


def _within(x: Any, y: Any, slack: Any) -> bool:
    """Is x inside y widened by ``slack`` on each side?"""
    return libmp.mpf_le(libmp.mpf_sub(y[0], slack, _PREC), x[0]) and libmp.mpf_le(
        x[1], libmp.mpf_add(y[1], slack, _PREC)
    )


def _hull(x: Any, y: Any) -> Any:
    return _low(x[0], y[0]), _high(x[1], y[1])


def _low(a: Any, b: Any) -> Any:
    return a if libmp.mpf_le(a, b) else b


def _high(a: Any, b: Any) -> Any:
    return b if libmp.mpf_le(a, b) else a


def _interval(bounds: Any) -> Any:
    """An iv interval holding [lo, hi] (exact ends rounded outward), or None."""
    if bounds is None or isinstance(bounds, iv.mpf):
        return bounds
    lo, hi = (_constant(end) for end in bounds)
    if lo is None or hi is None:
        return None
    return iv.make_mpf((lo._mpi_[0], hi._mpi_[1]))


def _constant(value: Any) -> Any:
    if isinstance(value, mpmath.mpf):
        return iv.make_mpf((value._mpf_, value._mpf_))
    value = sympy.sympify(value)
    if value.is_Rational:
        return iv.make_mpf(_rational(value))
    return _compiled((value,), True).run({})[0]


def _finite(value: Any) -> Any:
    if value is None or value[0] in _NOT_FINITE or value[1] in _NOT_FINITE:
        return None
    return iv.make_mpf(value)


@functools.lru_cache(maxsize=1024)
def _compiled(exprs: tuple[Any, ...], smooth: bool) -> Program:
    return Program(exprs, smooth)


def compiled(exprs: Sequence[Any], smooth: bool = True) -> Program:
    """The :class:`Program` of ``exprs`` (cached: compiled once per expressions)."""
    return _compiled(tuple(sympy.sympify(e) for e in exprs), smooth)


def enclose(expr: Any, box: Box, smooth: bool = True) -> Any:
    """An interval holding every value of ``expr`` on ``box`` (symbol → (lo, hi)), or None
    where the expression may be undefined or not smooth there (``smooth=False`` admits
    absolute values, which are continuous but not smooth).

    >>> x = sympy.Symbol("x")
    >>> print(enclose(x**2 - x, {x: (0, 1)}))
    [-1.0, 1.0]
    >>> enclose(sympy.log(x), {x: (0, 1)}) is None  # log reaches 0: no enclosure
    True
    """
    return compiled((expr,), smooth).run(box)[0]


@functools.lru_cache(maxsize=512)
def _gradient(expr: Any, symbols: tuple[Any, ...]) -> Program:
    return Program(tuple(sympy.diff(expr, s) for s in symbols))


def to_intervals(box: Box) -> dict[Any, Any] | None:
    """``box`` with each (lo, hi) as an iv interval holding it; None if an end is not a number."""
    precision, iv.dps = iv.prec, DIGITS
    try:
        intervals = {s: _interval(bounds) for s, bounds in box.items()}
    finally:
        iv.prec = precision
    return None if any(v is None for v in intervals.values()) else intervals


def tight(expr: Any, box: Box) -> tuple[Any, Any] | None:
    """Bounds (lo, hi) of ``expr`` on ``box``: the natural enclosure intersected with the
    mean-value form f(m) + Σ ∂f/∂xᵢ(box)·(xᵢ − mᵢ) about the centre m (valid where f is
    smooth, which the enclosures show; up to MEAN_VALUE_UP_TO symbols); a sum is bounded
    term by term and |g| from g's bounds, so absolute values keep the tighter form. None
    where not shown defined.

    >>> x = sympy.Symbol("x")
    >>> [float(b) for b in tight(x**2 - x, {x: (0, 1)})]
    [-0.75, 0.25]
    """
    intervals = to_intervals(box)
    return None if intervals is None else tight_on(sympy.sympify(expr), intervals)


def tight_on(expr: Any, box: dict[Any, Any]) -> tuple[Any, Any] | None:
    """:func:`tight` on a box of intervals (see :func:`to_intervals`)."""
    small = len(box) <= MEAN_VALUE_UP_TO
    if small and expr.has(sympy.Abs) and (expr.is_Add or expr.is_Mul or _is_abs(expr)):
        return _tight_abs(expr, box)
    value = enclose(expr, box, smooth=False)
    if value is None or not small or expr.has(sympy.Abs):  # the natural enclosure only
        return None if value is None else _ends(value)
    symbols = tuple(box)
    precision, iv.dps = iv.prec, DIGITS
    try:
        with mpmath.workprec(4 * iv.prec):  # the centre exactly: the mean of two ends
            middle = {s: iv.mpf(sum(_ends(box[s])) / 2) for s in symbols}
        (centre,) = compiled((expr,)).run(middle)
        slopes = _gradient(expr, symbols).run(box)
        if centre is None or None in slopes:
            return _ends(value)
        form = centre
        for g, s in zip(slopes, symbols, strict=True):
            form = form + g * (box[s] - middle[s])
    finally:
        iv.prec = precision
    (a, b), (c, d) = _ends(value), _ends(form)
    return max(a, c), min(b, d)


def _is_abs(expr: Any) -> bool:
    return isinstance(expr, sympy.Abs)


def _tight_abs(expr: Any, box: dict[Any, Any]) -> tuple[Any, Any] | None:
    """Bounds of a sum of (multiples of) absolute values, term by term; |g| from g's bounds."""
    if _is_abs(expr):
        inner = tight_on(expr.args[0], box)
        if inner is None:
            return None
        low = 0 if inner[0] <= 0 <= inner[1] else min(abs(inner[0]), abs(inner[1]))
        return low, max(abs(inner[0]), abs(inner[1]))
    parts: list[tuple[Any, Any]] = []
    if expr.is_Mul and _is_abs(expr.as_coeff_Mul()[1]):
        coefficient, rest = expr.as_coeff_Mul()
        parts = [(coefficient, tight_on(rest, box))]
    elif expr.is_Add:
        parts = [(sympy.Integer(1), tight_on(term, box)) for term in expr.args]
    if not parts:
        value = enclose(expr, box, smooth=False)
        return None if value is None else _ends(value)
    if any(bounds is None for _, bounds in parts) or not all(c.is_Rational for c, _ in parts):
        return None
    precision, iv.dps = iv.prec, DIGITS
    try:  # outward rounded: c·[lo, hi] summed
        total = sum((iv.mpf(c.p) / c.q * iv.mpf(list(b)) for c, b in parts), iv.mpf(0))
    finally:
        iv.prec = precision
    return _ends(total)


def positive_on(expr: Any, box: Box, strict: bool) -> bool:
    """Is ``expr`` ≥ 0 (> 0 when strict) at every point of ``box``? Shown by enclosures on
    a bisection of the box (at most MAX_BOXES pieces; the widest side is halved, ties to
    the first symbol by name); False when not shown.

    >>> x = sympy.Symbol("x")
    >>> positive_on(x**2 - x + sympy.Rational(1, 4) + sympy.Rational(1, 10**6), {x: (-3, 3)}, True)
    True
    """
    expr = sympy.sympify(expr)
    intervals = to_intervals({s: box[s] for s in sorted(box, key=str)})
    if intervals is None:
        return False
    pending = [intervals]
    for _ in range(MAX_BOXES):
        if not pending:
            return True
        piece = pending.pop()
        bounds = tight_on(expr, piece)
        if bounds is not None and (bounds[0] > 0 or (not strict and bounds[0] >= 0)):
            continue
        if bounds is not None and bounds[1] < 0:
            return False  # negative on the whole piece: no refinement helps
        halves = bisect(piece)
        if halves is None:
            return False
        pending += halves
    return False


def bisect(piece: dict[Any, Any]) -> list[dict[Any, Any]] | None:
    """The two halves of ``piece`` across its widest side (the first such symbol in the
    piece's order), or None when every side is narrower than 10⁻¹²."""
    widths = {s: _ends(v)[1] - _ends(v)[0] for s, v in piece.items()}
    widest = max(widths, key=widths.__getitem__, default=None)
    if widest is None or widths[widest] < mpmath.mpf(10) ** -12:
        return None
    lo, hi = piece[widest]._mpi_
    middle = libmp.mpf_shift(libmp.mpf_add(lo, hi), -1)  # exact: no precision given
    return [
        {**piece, widest: iv.make_mpf((lo, middle))},
        {**piece, widest: iv.make_mpf((middle, hi))},
    ]


@functools.lru_cache(maxsize=64)
def _below(bound: NormBound, box: tuple[tuple[Any, tuple[Any, Any]], ...], c: Any) -> bool:
    """:meth:`NormBound.below`, once per matrix, box and bound (the same question asked by
    the upper and the lower step gets the same answer)."""
    return bound._below(dict(box), c)


def _fraction(x: Any) -> Fraction:
    """A finite raw mpf as the exact rational it is."""
    sign, man, exp, _ = x
    value = Fraction(man * 2 ** max(exp, 0), 2 ** max(-exp, 0))
    return -value if sign else value


def positive_definite(a: Sequence[Sequence[int]]) -> bool:
    """Is the symmetric integer matrix ``a`` positive definite? Sylvester's criterion: every
    leading principal minor is positive, each minor being the pivot of fraction-free
    (Bareiss) elimination, in exact integer arithmetic.

    >>> positive_definite([[2, -1], [-1, 2]]), positive_definite([[1, 2], [2, 1]])
    (True, False)
    """
    rows, previous = [list(row) for row in a], 1
    for k, row in enumerate(rows):
        pivot = row[k]
        if pivot <= 0:
            return False
        for i in range(k + 1, len(rows)):
            other = rows[i]
            for j in range(k + 1, len(rows)):
                other[j] = (other[j] * pivot - other[k] * row[j]) // previous
        previous = pivot
    return True


def _midpoint_radius(
    values: Sequence[Any], n: int, bits: int
) -> tuple[list[list[int]], list[list[int]], int]:
    """An interval matrix (raw intervals, row by row) as integers M and R ≥ 0 with every
    symmetric H in it within (M ± R)/2^e entrywise (each (i, j) and (j, i) from the hull of
    both enclosures, M rounded to ``bits`` bits of the largest entry, the rounding put in R)."""
    hulls = [[_hull(values[i * n + j], values[j * n + i]) for j in range(n)] for i in range(n)]
    ends = [[(_fraction(lo), _fraction(hi)) for lo, hi in row] for row in hulls]
    largest = max((max(abs(lo), abs(hi)) for row in ends for lo, hi in row), default=Fraction(0))
    e = bits - (largest.numerator.bit_length() - largest.denominator.bit_length())
    scale = Fraction(2) ** e
    middle = [[round((lo + hi) / 2 * scale) for lo, hi in row] for row in ends]
    radius = [
        [
            math.ceil(max(hi * scale - m, m - lo * scale))
            for (lo, hi), m in zip(row, mrow, strict=True)
        ]
        for row, mrow in zip(ends, middle, strict=True)
    ]
    return middle, radius, e


def _at_most(x: Any, c: Any) -> bool:
    """Is the raw mpf ``x`` at most the rational ``c``, compared exactly (c as an mpf
    could round up: 1/10 does at 53 bits)?"""
    if x in _NOT_FINITE:
        return False
    sign, man, exp, _ = x
    bound = sympy.Rational(c)
    return (-1) ** sign * Fraction(man) * Fraction(2) ** exp <= Fraction(int(bound.p), int(bound.q))


def _perron(r: list[list[float]], rounds: int = 60) -> list[float]:
    """An approximate Perron vector of a non-negative matrix (power iteration): any
    positive vector gives a valid bound below, a good one a tight bound."""
    u = [1.0] * len(r)
    for _ in range(rounds):
        w = [sum(a * b for a, b in zip(row, u, strict=True)) for row in r]
        top = max(w)
        if top <= 0:
            return u
        u = [x / top for x in w]
    return u


def norm_below(values: Sequence[Any], n: int, c: Any) -> bool:
    """Is |vᵀHv| ≤ c·vᵀv for every v and every H in the interval matrix ``values`` (raw
    intervals of an n×n matrix's entries, row by row; H symmetric, or its symmetric part)?
    With H within (M ± R)/2^e: |vᵀHv|·2^e ≤ |vᵀMv| + |v|ᵀR|v| ≤ (a + b)‖v‖², where
    b ≥ ρ(R) by Collatz–Wielandt (b = maxᵢ (Ru)ᵢ/uᵢ for a positive u, R ≥ 0 symmetric) and
    aI ∓ M ≻ 0 by :func:`positive_definite`, a = c·2^e − b; u (R's Perron vector) is
    found in floating point, every check is exact."""
    middle, radius, e = _midpoint_radius(values, n, 30)
    rho = _perron([[float(r) for r in row] for row in radius])
    top = max(rho) or 1.0
    u = [int(max(x / top, 1e-3) * 2**20) for x in rho]
    b = max(
        Fraction(sum(r * w for r, w in zip(row, u, strict=True)), ui)
        for row, ui in zip(radius, u, strict=True)
    )
    bound = sympy.Rational(c)
    a = Fraction(int(bound.p), int(bound.q)) * Fraction(2) ** e - b
    if a <= 0:
        return False
    p, q = a.numerator, a.denominator
    return all(
        positive_definite(
            [
                [p * (i == j) - side * q * m for j, m in enumerate(row)]
                for i, row in enumerate(middle)
            ]
        )
        for side in (1, -1)
    )


class NormBound:
    """Upper bounds of a symmetric matrix's norm max_v |vᵀHv|/vᵀv on boxes, from one
    compiled program of its entries (enclosures demand smoothness: no absolute value inside
    an entry): on each piece of a bisection either Gershgorin's absolute row sums
    max_i Σ_j |H_ij| (upward rounding) or the interval matrix's exact eigenvalue bound
    (:func:`norm_below`)."""

    def __init__(self, matrix: Sequence[Sequence[Any]]) -> None:
        self.n = len(matrix)
        self.entries = tuple(sympy.sympify(e) for row in matrix for e in row)
        self.program = compiled(self.entries)

    def __hash__(self) -> int:
        return hash(self.entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NormBound) and other.entries == self.entries

    def _values(self, piece: Mapping[Any, Any]) -> list[Any] | None:
        values = self.program.run(piece)
        return None if any(v is None for v in values) else [v._mpi_ for v in values]

    def _rows(self, values: list[Any]) -> Any:
        """max_i Σ_j |H_ij| from above (a raw mpf)."""
        best = libmp.fzero
        for i in range(self.n):
            total = libmp.fzero
            for v in values[i * self.n : (i + 1) * self.n]:
                total = libmp.mpf_add(total, libmpi.mpi_abs(v)[1], _PREC, libmp.round_ceiling)
            best = _high(best, total)
        return best

    def below(self, box: Box, c: Any) -> bool:
        return _below(self, tuple(sorted(box.items(), key=lambda item: str(item[0]))), c)

    def _below(self, box: Box, c: Any) -> bool:
        """Is |vᵀHv| ≤ c·vᵀv on ``box``? Bisection (the widest side first, as
        :func:`positive_on`) of every piece where neither the row sums nor
        :func:`norm_below` show it, at most MAX_BOXES pieces."""
        intervals = to_intervals({s: box[s] for s in sorted(box, key=str)})
        if intervals is None:
            return False
        pending = [intervals]
        for _ in range(MAX_BOXES):
            if not pending:
                return True
            piece = pending.pop()
            values = self._values(piece)
            if values is None:
                return False
            if _at_most(self._rows(values), c) or norm_below(values, self.n, c):
                continue
            halves = bisect(piece)
            if halves is None:
                return False
            pending += halves
        return False
