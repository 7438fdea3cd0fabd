r"""Gradient-descent iterates, exact where the arithmetic is rational, decimals otherwise.

.. math:: \theta_{k+1} = \theta_k - \eta\, \nabla_\theta \mathcal{L}(\theta_k)

An iterate is an exact rational while the gradient is rational at a rational point (a
polynomial loss, a rational learning rate) and its fractions stay below
:data:`MAX_EXACT_DIGITS` digits. From the first iterate where either fails, the rest are
decimals computed with mpmath at :data:`DIGITS` significant digits (plus guard digits),
and the result says where and why it switched. Nothing is guessed: no closed form is
ever fitted to a decimal.

An iterate outside the loss's domain (log of a non-positive number, a fractional power of
a negative number), a gradient that is undefined there (a kink, a division by zero) or a
diverging run stops with a :class:`DescentError` naming the iterate; it carries the
iterates computed so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import mpmath
import symengine as se
import sympy

from .errors import DataError, NumericError, OptionError
from .objective import Objective, exact_value
from .taylor import _hazard_inputs, _hazard_verdict, _kind

__all__ = [
    "DIGITS",
    "MAX_EXACT_DIGITS",
    "MAX_MAGNITUDE",
    "MAX_STEPS",
    "Descent",
    "DescentError",
    "Iterate",
    "descend",
]

MAX_STEPS = 10_000
"""Most iterations one run may take."""
DIGITS = 30
"""Significant digits of decimal iterates (computed with ``GUARD_DIGITS`` more)."""
GUARD_DIGITS = 10
MAX_EXACT_DIGITS = 2000
"""Work budget: exact fractions whose numerator or denominator passes this many digits are
rounded to decimals, and the rest of the run is decimal."""
MAX_MAGNITUDE = 10**100
"""An iterate beyond this in absolute value stops the run: it diverges."""

_BITS_PER_DIGIT = math.log2(10)


@dataclass(frozen=True)
class Iterate:
    """θ_k: exact rationals (``exact``), or decimals with ``digits`` significant digits."""

    k: int
    values: tuple[sympy.Expr, ...]
    exact: bool
    digits: int | None

    def floats(self) -> tuple[float, ...]:
        """The values as Python floats (for plotting or a quick look)."""
        return tuple(float(v) for v in self.values)


@dataclass(frozen=True)
class Descent:
    """A gradient-descent run: its iterates and how they were computed.

    ``switched`` is the first decimal iterate (None when every iterate is exact) and
    ``reason`` says why the exact arithmetic stopped there.
    """

    objective: Objective
    lr: sympy.Expr
    iterates: tuple[Iterate, ...]
    digits: int
    switched: int | None
    reason: str | None

    @property
    def exact(self) -> bool:
        """Whether every iterate is exact."""
        return self.switched is None

    def describe(self) -> str:
        """One line: which iterates are exact, which decimal, and why."""
        if self.switched is None:
            return "every iterate is exact (rational arithmetic)"
        decimals = f"decimals (mpmath, {self.digits} significant digits)"
        if self.switched == 0:
            return f"every iterate is in {decimals}: {self.reason}"
        last = self.switched - 1
        exact = "iterate 0 is exact" if last == 0 else f"iterates 0 to {last} are exact"
        return f"{exact}; from iterate {self.switched} on, {decimals}: {self.reason}"


class DescentError(NumericError):
    """A run stopped at an undefined value; ``partial`` holds the iterates up to that one."""

    def __init__(self, message: str, partial: Descent) -> None:
        super().__init__(message)
        self.partial = partial


def descend(
    obj: Objective,
    at: Mapping[str | sympy.Symbol, Any],
    lr: Any,
    steps: int,
    data: Mapping[str | sympy.Symbol, Any] | None = None,
    *,
    digits: int = DIGITS,
) -> Descent:
    """Run ``steps`` iterations of gradient descent on ``obj`` from ``at`` with rate ``lr``.

    Args:
        obj: the objective.
        at: parameter name or Symbol → the starting value (a finite real number).
        lr: the learning rate η > 0, exact (``"0.1"`` and ``0.1`` are 1/10).
        steps: how many iterations, 0 to :data:`MAX_STEPS`.
        data: a value for every data symbol of the loss, if it has any.
        digits: significant digits of decimal iterates, 5 to 1000.

    Raises:
        OptionError: ``obj`` not an Objective, or a bad ``steps``, ``digits`` or ``lr``.
        PointError: ``at`` misses or invents a parameter.
        InvalidValueError: a value of ``at``, ``lr`` or ``data`` that is not a finite real
            number.
        DataError: ``data`` misses a data symbol's value or names something else.
        DescentError: (a :class:`~derive.errors.NumericError`) an iterate outside the
            loss's domain, a gradient undefined at an iterate, or a run that diverges past
            :data:`MAX_MAGNITUDE`; its ``partial`` holds the iterates so far.

    >>> from derive.objective import Objective
    >>> run = descend(Objective("2*x**2", "x"), {"x": 1}, "0.1", 2)
    >>> [it.values for it in run.iterates], run.exact
    ([(1,), (3/5,), (9/25,)], True)
    >>> run = descend(Objective("exp(x)", "x"), {"x": 0}, "0.1", 2)
    >>> [(it.values[0], it.exact) for it in run.iterates]
    [(0, True), (-1/10, True), (-0.190483741803595957316424905945, False)]
    >>> run.describe()
    'iterates 0 to 1 are exact; from iterate 2 on, decimals (mpmath, 30 significant digits): the gradient at iterate 1 is not rational'
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"descend() needs an Objective, got {type(obj).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise OptionError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 5 <= digits <= 1000:
        raise OptionError(f"digits must be a whole number from 5 to 1000, got {digits!r}")
    rate = exact_value(lr, what="lr")
    if rate.is_positive is not True:
        raise OptionError(f"lr must be a positive number, got {lr!r}")
    start = obj.point(at, what="at")
    run = _Run(obj, _data_values(obj, data), rate, digits)
    return run.go(start, steps)


def _data_values(
    obj: Objective, data: Mapping[str | sympy.Symbol, Any] | None
) -> dict[sympy.Symbol, Any]:
    by_name = {s.name: s for s in obj.data}
    if data is not None and not isinstance(data, Mapping):
        raise DataError(f"data must map data names to values, got {type(data).__name__}")
    given = {k.name if isinstance(k, sympy.Symbol) else str(k): v for k, v in (data or {}).items()}
    unknown = sorted(n for n in given if n not in by_name)
    if unknown:
        raise DataError(f"data names {unknown[0]!r}, which is not a data symbol of the loss")
    missing = sorted(n for n in by_name if n not in given)
    if missing:
        raise DataError(
            f"gradient descent needs a value for every data symbol of the loss; missing: "
            f"{', '.join(missing)} (pass data={{...}}, or write the numbers into the loss)"
        )
    return {by_name[n]: exact_value(v, what=f"data value for {n}") for n, v in given.items()}


@dataclass(frozen=True)
class _Guard:
    """A sub-expression defined only for some arguments, and the inputs that decide it."""

    atom: Any
    inputs: tuple[Any, ...]


class _Run:
    """One run: exact steps with SymEngine, then (if need be) decimal steps with mpmath."""

    def __init__(
        self, obj: Objective, data: Mapping[sympy.Symbol, Any], rate: sympy.Expr, digits: int
    ) -> None:
        self.obj = obj
        self.rate = rate
        self.digits = digits
        self.work = digits + GUARD_DIGITS
        loss = se.sympify(obj.expr.xreplace(data))
        self.gradient = [se.sympify(g.xreplace(data)) for g in obj.gradient()]
        self.weight = max(_weight(e) for e in (obj.expr.xreplace(data), *obj.gradient()))
        self.symbols = [se.Symbol(p.name) for p in obj.params]
        self.loss_guards = _guards([loss])
        self.gradient_guards = _guards(self.gradient)
        self.done: list[Iterate] = []
        self.switched: int | None = None
        self.reason: str | None = None

    def go(self, start: tuple[sympy.Expr, ...], steps: int) -> Descent:
        point: list[Any] = [se.sympify(v) for v in start]
        self._keep_exact(0, point)
        rate = se.sympify(self.rate)
        for k in range(steps + 1):
            if max(_bits(v) for v in point) * self.weight > 4 * MAX_EXACT_DIGITS * _BITS_PER_DIGIT:
                self.switched = k + 1  # exact powers would pass the budget: decimals from here
                self.reason = f"exact powers of iterate {k} would pass {MAX_EXACT_DIGITS} digits"
                return self._decimals(k, [self._mp(v) for v in point], steps)
            self._check_exact(k, point, self.loss_guards, _OUTSIDE)
            if k == steps:
                break
            self._check_exact(k, point, self.gradient_guards, _UNDEFINED)
            at = dict(zip(self.symbols, point, strict=True))
            g = [gi.subs(at) for gi in self.gradient]
            for gi in g:
                if _kind(gi) in ("undefined", "nonreal"):
                    self._stop(k, f"{_UNDEFINED} (its value is {gi})")
            why = _not_rational(k, self.rate, point, g)
            if why is not None:
                self.switched, self.reason = k + 1, why
                return self._decimals(k, [self._mp(v) for v in point], steps)
            point = [p - rate * gi for p, gi in zip(point, g, strict=True)]
            if max(_bits(v) for v in point) > MAX_EXACT_DIGITS * _BITS_PER_DIGIT:
                self.switched = k + 1
                self.reason = f"the exact fractions passed {MAX_EXACT_DIGITS} digits"
                decimal = [self._mp(v) for v in point]
                self._keep_decimal(k + 1, decimal)
                self._bounded(k + 1, decimal)
                return self._decimals(k + 1, decimal, steps)
            self._keep_exact(k + 1, point)
            self._bounded(k + 1, point)
        return self._result()

    def _check_exact(self, k: int, point: list[Any], guards: list[_Guard], what: str) -> None:
        at = dict(zip(self.symbols, point, strict=True))
        for guard in guards:
            reason = _hazard_verdict(guard.atom, tuple(_kind(e.subs(at)) for e in guard.inputs))
            if reason is not None:
                self._stop(k, f"{what} ({reason})")

    def _keep_exact(self, k: int, point: list[Any]) -> None:
        values = tuple(sympy.sympify(v) for v in point)
        self.done.append(Iterate(k=k, values=values, exact=True, digits=None))

    def _decimals(self, k: int, point: list[Any], steps: int) -> Descent:
        """Iterates k + 1 to ``steps`` from θ_k (mpmath numbers; iterate k is kept)."""
        n = len(self.gradient)
        loss_inputs = self._compile([e for guard in self.loss_guards for e in guard.inputs])
        step_inputs = self._compile(
            [*self.gradient, *(e for guard in self.gradient_guards for e in guard.inputs)]
        )
        with mpmath.workdps(self.work):
            rate = self._mp(self.rate)
            while True:
                kinds = [_mp_kind(v) for v in self._evaluate(k, loss_inputs, point)]
                self._check_decimal(k, self.loss_guards, kinds, _OUTSIDE)
                if k == steps:
                    break
                values = self._evaluate(k, step_inputs, point)
                kinds = [_mp_kind(v) for v in values[n:]]
                self._check_decimal(k, self.gradient_guards, kinds, _UNDEFINED)
                g = values[:n]
                for gi in g:
                    if _mp_kind(gi) in ("undefined", "nonreal"):
                        self._stop(k, f"{_UNDEFINED} (its value is {gi})")
                point = [p - rate * mpmath.re(gi) for p, gi in zip(point, g, strict=True)]
                k += 1
                self._keep_decimal(k, point)
                self._bounded(k, point)
        return self._result()

    def _evaluate(self, k: int, f: Callable[..., Any], point: list[Any]) -> list[Any]:
        try:
            return list(f(*point))
        except (ZeroDivisionError, ValueError, TypeError, NameError, OverflowError) as exc:
            self._stop(k, f"the loss or its gradient cannot be evaluated there ({exc})")

    def _check_decimal(self, k: int, guards: list[_Guard], kinds: list[str], what: str) -> None:
        position = 0
        for guard in guards:
            width = len(guard.inputs)
            reason = _hazard_verdict(guard.atom, tuple(kinds[position : position + width]))
            position += width
            if reason is not None:
                self._stop(k, f"{what} ({reason})")

    def _compile(self, outputs: list[Any]) -> Callable[..., Any]:
        """An mpmath function of the parameters returning the list ``outputs``."""
        args = [sympy.Symbol(s.name) for s in self.symbols]
        exprs = [sympy.sympify(e) for e in outputs]
        return sympy.lambdify(args, exprs, modules="mpmath", cse=True)

    def _keep_decimal(self, k: int, point: list[Any]) -> None:
        values = tuple(sympy.Float(v, self.digits) for v in point)
        self.done.append(Iterate(k=k, values=values, exact=False, digits=self.digits))

    def _mp(self, value: Any) -> Any:
        """An exact value as an mpmath number at the working precision."""
        with mpmath.workdps(self.work):
            if value.is_Rational:
                p, q = (int(x) for x in value.as_numer_denom())
                return mpmath.mpf(p) / q
            number = sympy.N(sympy.sympify(value), self.work + 5)
            return mpmath.mpf(number._to_mpmath(mpmath.mp.prec))

    def _bounded(self, k: int, point: list[Any]) -> None:
        for v in point:
            if isinstance(v, mpmath.mpf):
                if not mpmath.isfinite(v):
                    self._stop(k, "the iterate is not finite: the run diverges; try a smaller lr")
                big = abs(v) > MAX_MAGNITUDE
            else:
                p, q = (int(x) for x in v.as_numer_denom()) if v.is_Rational else (0, 1)
                big = abs(p) > MAX_MAGNITUDE * q
            if big:  # left out of the run: too large to print, and of no use
                if self.done and self.done[-1].k == k:
                    self.done.pop()
                self._stop(
                    k,
                    f"the iterate passed 10**100 in absolute value ({_brief(v)}): the run "
                    "diverges; try a smaller lr",
                )

    def _stop(self, k: int, reason: str) -> NoReturn:
        partial = self._result()
        shown = ""
        if partial.iterates and partial.iterates[-1].k == k:
            names = [p.name for p in self.obj.params]
            values = [_brief(v) for v in partial.iterates[-1].values]
            shown = ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True))
            shown = f" ({shown if len(shown) <= 120 else shown[:117] + '...'})"
        where = "the starting point" if k == 0 else f"iterate {k}"
        raise DescentError(f"gradient descent stopped at {where}{shown}: {reason}", partial)

    def _result(self) -> Descent:
        return Descent(
            objective=self.obj,
            lr=self.rate,
            iterates=tuple(self.done),
            digits=self.digits,
            switched=self.switched,
            reason=self.reason,
        )


_OUTSIDE = "it is outside the loss's domain"
_UNDEFINED = "the gradient is undefined there"


def _not_rational(k: int, rate: sympy.Expr, point: list[Any], g: list[Any]) -> str | None:
    """Why θ_{k+1} = θ_k − η g is not exact rational arithmetic, or None."""
    if not rate.is_Rational:
        return "the learning rate is not rational"
    if not all(v.is_Rational for v in point):
        return f"iterate {k} is not rational"
    if not all(v.is_Rational for v in g):
        return f"the gradient at iterate {k} is not rational"
    return None


def _brief(value: sympy.Expr) -> str:
    """A value for a message: exact when short, else 12 significant digits; a decimal
    too large to print in full by its order of magnitude."""
    if isinstance(value, (mpmath.mpf, sympy.Float)):
        magnitude = mpmath.mag(mpmath.mpmathify(value))  # |value| < 2^magnitude, at once
        if magnitude > 400:
            digits = magnitude * 30103 // 100000
            sign = "-" if value < 0 else ""
            return f"about {sign}10^{digits}" if digits < 10**15 else f"{sign}over 10^(10^15)"
    text = str(value)
    if len(text) <= 40:
        return text
    return mpmath.nstr(value, 12) if isinstance(value, mpmath.mpf) else str(sympy.N(value, 12))


def _guards(exprs: list[Any]) -> list[_Guard]:
    found: dict[Any, _Guard] = {}
    for expr in exprs:
        for atom in expr.atoms(se.Pow, se.Function):
            inputs = _hazard_inputs(atom)
            if inputs is not None and atom not in found:
                found[atom] = _Guard(atom, inputs)
    return list(found.values())


def _weight(expr: Any) -> int:
    """How many times a value's digits can multiply in ``expr``: the largest total power
    (x³·y² weighs 5, (x²)¹⁰ weighs 20), an upper bound on how exact arithmetic grows."""
    expr = sympy.sympify(expr)
    if expr.is_Symbol:
        return 1
    if not expr.args:
        return 0
    if expr.is_Pow and expr.exp.is_Integer:
        return abs(int(expr.exp)) * _weight(expr.base)
    parts = [_weight(a) for a in expr.args]
    return sum(parts) if expr.is_Mul else max(parts)


def _bits(value: Any) -> int:
    """The larger bit length of an exact rational's numerator and denominator (0 otherwise)."""
    if not value.is_Rational:
        return 0
    p, q = value.as_numer_denom()
    return max(abs(int(p)).bit_length(), int(q).bit_length())


def _mp_kind(value: Any) -> str:
    """:func:`derive.taylor._kind` for an mpmath number."""
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            return "nonreal"
        value = value.real
    if not isinstance(value, mpmath.mpf):
        value = mpmath.mpmathify(value)
    if not mpmath.isfinite(value):
        return "undefined"
    return "zero" if value == 0 else "negative" if value < 0 else "positive"
