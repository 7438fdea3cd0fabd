"""Interval enclosures with outward rounding (mpmath.iv): the range of an expression over a
box of its symbols, refined by bisection. Strict about domains: an operation that may
leave the set where it is analytic (a logarithm or root of an interval reaching 0, a
quotient by an interval holding 0) gives no enclosure at all, so a bound proved here also
shows the expression is smooth on the box."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy
from mpmath import iv

__all__ = ["Box", "enclose", "positive_on", "tight"]

Box = Mapping[Any, tuple[Any, Any]]
DIGITS, MAX_BOXES, MEAN_VALUE_UP_TO = 30, 4096, 10
_WIDEN = mpmath.mpf(10) ** -(DIGITS - 5)  # functions mpmath.iv lacks: 40-digit values, widened


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


_FUNCTIONS: dict[Any, Callable[[Any], Any]] = {
    sympy.exp: iv.exp,
    sympy.sin: iv.sin,
    sympy.cos: iv.cos,
    sympy.tanh: _monotone(mpmath.tanh),
    sympy.atan: _monotone(mpmath.atan),
    sympy.sinh: _monotone(mpmath.sinh),
    sympy.asinh: _monotone(mpmath.asinh),
    sympy.erf: _monotone(mpmath.erf),
    sympy.cosh: _cosh,
}


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
    precision, iv.dps = iv.prec, DIGITS
    try:
        value = _enclose(sympy.sympify(expr), box, smooth)
    except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError):
        return None
    finally:
        iv.prec = precision
    if value is None or not all(mpmath.isfinite(e) for e in _ends(value)):
        return None
    return value


def _enclose(e: Any, box: Box, smooth: bool = True) -> Any:
    if e.is_Rational:
        return iv.mpf(e.p) / e.q
    if e in (sympy.pi, sympy.E):
        return iv.pi if e == sympy.pi else iv.e
    if e.is_Symbol:
        lo, hi = (_enclose(sympy.sympify(end), box, smooth) for end in box[e])
        return iv.mpf([_ends(lo)[0], _ends(hi)[1]])
    if e.is_Add or e.is_Mul:
        parts = [_enclose(a, box, smooth) for a in e.args]
        total = parts[0]
        for p in parts[1:]:
            total = total + p if e.is_Add else total * p
        return total
    if e.is_Pow:
        base, exponent = _enclose(e.args[0], box, smooth), e.args[1]
        if exponent.is_Integer and exponent > 0:
            return base ** int(exponent)
        lo, hi = _ends(base)
        if exponent.is_Integer:  # a quotient: its denominator must keep away from 0
            return None if lo <= 0 <= hi else 1 / base ** int(-exponent)
        if not exponent.is_Rational or lo <= 0:  # roots only of positive intervals
            return None
        return iv.exp(iv.log(base) * (iv.mpf(exponent.p) / exponent.q))
    if isinstance(e, sympy.log) and len(e.args) == 1:
        inner = _enclose(e.args[0], box, smooth)
        return None if _ends(inner)[0] <= 0 else iv.log(inner)
    if isinstance(e, sympy.Abs) and not smooth:
        return abs(_enclose(e.args[0], box, smooth))
    f = _FUNCTIONS.get(type(e))
    return f(_enclose(e.args[0], box, smooth)) if f is not None and len(e.args) == 1 else None


@functools.lru_cache(maxsize=512)
def _gradient(expr: Any, symbols: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sympy.diff(expr, s) for s in symbols)


def tight(expr: Any, box: Box) -> tuple[Any, Any] | None:
    """Bounds (lo, hi) of ``expr`` on ``box``: the natural enclosure intersected with the
    mean-value form f(m) + Σ ∂f/∂xᵢ(box)·(xᵢ − mᵢ) about the centre m (valid where f is
    smooth, which the enclosures show); a sum is bounded term by term and |g| from g's
    bounds, so absolute values keep the tighter form. None where not shown defined."""
    expr = sympy.sympify(expr)
    if expr.has(sympy.Abs) and (expr.is_Add or isinstance(expr, sympy.Abs) or expr.is_Mul):
        if isinstance(expr, sympy.Abs):
            inner = tight(expr.args[0], box)
            if inner is None:
                return None
            low = 0 if inner[0] <= 0 <= inner[1] else min(abs(inner[0]), abs(inner[1]))
            return low, max(abs(inner[0]), abs(inner[1]))
        parts: list[Any] = []
        if expr.is_Mul and isinstance(expr.as_coeff_Mul()[1], sympy.Abs):
            coefficient, rest = expr.as_coeff_Mul()
            parts = [(coefficient, tight(rest, box))]
        elif expr.is_Add:
            parts = [(sympy.Integer(1), tight(term, box)) for term in expr.args]
        if parts:
            if any(bounds is None for _, bounds in parts) or not all(
                c.is_Rational for c, _ in parts
            ):
                return None
            precision, iv.dps = iv.prec, DIGITS
            try:  # outward rounded: c·[lo, hi] summed
                total = sum((iv.mpf(c.p) / c.q * iv.mpf(list(b)) for c, b in parts), iv.mpf(0))
            finally:
                iv.prec = precision
            return _ends(total)
    value = enclose(expr, box, smooth=False)
    if value is None:
        return None
    if expr.has(sympy.Abs) or len(box) > MEAN_VALUE_UP_TO:  # the natural enclosure only
        return _ends(value)
    box = {s: (sympy.Rational(lo), sympy.Rational(hi)) for s, (lo, hi) in box.items()}
    middle = {s: (lo + hi) / 2 for s, (lo, hi) in box.items()}
    centre = enclose(expr, {s: (m, m) for s, m in middle.items()})
    slopes = [enclose(g, box) for g in _gradient(expr, tuple(box))]
    if centre is None or any(g is None for g in slopes):
        return _ends(value)
    precision, iv.dps = iv.prec, DIGITS
    try:
        form = centre
        for g, (s, (lo, hi)) in zip(slopes, box.items(), strict=True):
            below, above = _enclose(lo - middle[s], {}), _enclose(hi - middle[s], {})
            form = form + g * iv.mpf([_ends(below)[0], _ends(above)[1]])
    finally:
        iv.prec = precision
    (a, b), (c, d) = _ends(value), _ends(form)
    return max(a, c), min(b, d)


def positive_on(expr: Any, box: Box, strict: bool) -> bool:
    """Is ``expr`` ≥ 0 (> 0 when strict) at every point of ``box``? Shown by enclosures on
    a bisection of the box (at most MAX_BOXES pieces); False when not shown.

    >>> x = sympy.Symbol("x")
    >>> positive_on(x**2 - x + sympy.Rational(1, 4) + sympy.Rational(1, 10**6), {x: (-3, 3)}, True)
    True
    """
    expr = sympy.sympify(expr)
    pending = [dict(box)]
    for _ in range(MAX_BOXES):
        if not pending:
            return True
        piece = pending.pop()
        bounds = tight(expr, piece)
        if bounds is not None and (bounds[0] > 0 or (not strict and bounds[0] >= 0)):
            continue
        if bounds is not None and bounds[1] < 0:
            return False  # negative on the whole piece: no refinement helps
        widest = max(piece, key=lambda s: piece[s][1] - piece[s][0], default=None)
        if widest is None or piece[widest][1] - piece[widest][0] < sympy.Rational(1, 10**12):
            return False
        lo, hi = piece[widest]
        middle = (sympy.Rational(lo) + sympy.Rational(hi)) / 2
        pending += [{**piece, widest: (lo, middle)}, {**piece, widest: (middle, hi)}]
    return False
