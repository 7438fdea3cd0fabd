"""An optimizer spec evaluated in mpmath: the reference trajectory ``check`` compares with.

It interprets the same program the code is printed from, at the working precision, one
component at a time; the gradient (and Hessian, for Newton) come from the caller.

>>> import mpmath
>>> from derive.optimizers import SPECS
>>> ref = Reference(SPECS["momentum"], {"lr": 0.1, "momentum": 0.9, "dampening": 0.0,
...                                     "weight_decay": 0.0})
>>> state = ref.init(1)
>>> u, state = ref.update([mpmath.mpf(2)], state, [mpmath.mpf(1)])
>>> u, state["momentum_buffer"]
([mpf('-0.20000000000000001')], [mpf('2.0')])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import sympy

from ..errors import InternalError
from .spec import THETA, G, If, Let, Solve, Spec, Statement, T, U

__all__ = ["Reference", "Undefined", "finite_real"]


class Undefined(ArithmeticError):
    """The update has no finite real value here (a singular Hessian, a complex root)."""


class Reference:
    """The spec's update in mpmath, for given hyper-parameter values (floats, exactly)."""

    def __init__(self, spec: Spec, hypers: Mapping[str, Any]) -> None:
        self.spec = spec
        self.program = spec.program()
        self.flags = dict(spec.fixed)
        self.scalars: dict[sympy.Symbol, Any] = {}
        for h in spec.hypers:
            value = hypers.get(h.name, spec.fixed.get(h.name, h.default))
            self.flags[h.name] = value
            values = value if isinstance(value, tuple) else (value,)
            for s, v in zip(h.symbols, values, strict=False):
                self.scalars[s] = mpmath.mpf(float(v))
        self._compiled: dict[sympy.Expr, tuple[list[sympy.Symbol], Callable[..., Any]]] = {}

    def init(self, n: int) -> dict[str, Any]:
        """The starting state for n parameters."""
        state: dict[str, Any] = {"step": 0}
        for b in self.spec.used_buffers():
            value = self._evaluate(sympy.sympify(b.initial), dict(self.scalars), n)
            state[b.key] = value if isinstance(value, list) else [value] * n
        return state

    def update(
        self,
        grads: Sequence[Any],
        state: Mapping[str, Any],
        theta: Sequence[Any],
        hessian: Sequence[Sequence[Any]] | None = None,
        lr: Any = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """(updates, state) for this step; ``lr`` overrides the learning rate (a schedule's)."""
        n = len(theta)
        env: dict[sympy.Symbol, Any] = dict(self.scalars)
        if lr is not None:
            env[self.spec.hyper("lr").symbols[0]] = mpmath.mpf(lr)
        t = state["step"] + 1
        env.update({T: mpmath.mpf(t), THETA: list(theta), G: list(grads)})
        for b in self.spec.used_buffers():
            env[b.symbol] = list(state[b.key])
        self._run(self.program, env, n, t, hessian)
        out = {"step": t, **{b.key: env[b.symbol] for b in self.spec.used_buffers()}}
        return env[U], out

    def _run(
        self,
        body: tuple[Statement, ...],
        env: dict[sympy.Symbol, Any],
        n: int,
        t: int,
        hessian: Sequence[Sequence[Any]] | None,
    ) -> None:
        for s in body:
            if isinstance(s, If):
                taken = s.then if s.condition.holds(self.flags, t) else s.otherwise
                self._run(taken, env, n, t, hessian)
            elif isinstance(s, Let):
                env[s.target] = self._evaluate(sympy.sympify(s.expr), env, n)
            else:
                env[s.target] = self._solve(s, env, n, hessian)

    def _solve(
        self,
        s: Solve,
        env: dict[sympy.Symbol, Any],
        n: int,
        hessian: Sequence[Sequence[Any]] | None,
    ) -> list[Any]:
        if hessian is None:
            raise InternalError("the reference Newton update was given no Hessian")
        shift = self._evaluate(sympy.sympify(s.shift), env, n)
        matrix = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                matrix[i, j] = hessian[i][j] + (shift if i == j else 0)
        try:
            solution = mpmath.lu_solve(matrix, env[s.rhs])
        except ZeroDivisionError:
            raise Undefined(
                "the Hessian is numerically singular at this precision, so Newton's step "
                "cannot be computed"
            ) from None
        return [solution[i] for i in range(n)]

    def _evaluate(self, expr: sympy.Expr, env: Mapping[sympy.Symbol, Any], n: int) -> Any:
        """``expr`` elementwise: a list where it involves a vector, else a number."""
        if expr not in self._compiled:
            args = sorted(expr.free_symbols, key=lambda s: s.name)
            self._compiled[expr] = (args, sympy.lambdify(args, expr, "mpmath"))
        args, f = self._compiled[expr]
        values = [env[a] for a in args]
        if not any(isinstance(v, list) for v in values):
            return finite_real(f(*values))
        return [
            finite_real(f(*(v[i] if isinstance(v, list) else v for v in values))) for i in range(n)
        ]


def finite_real(value: Any, what: str = "the update") -> Any:
    """``value`` as a finite real mpf, else :class:`Undefined` naming ``what``.

    >>> finite_real(2), finite_real(mpmath.mpc(3, 0))
    (mpf('2.0'), mpf('3.0'))
    """
    try:
        number = mpmath.mpmathify(value)
    except (TypeError, ValueError):
        raise Undefined(f"{what} is {value!r}, not a number") from None
    if isinstance(number, mpmath.mpc):
        if number.imag != 0:
            raise Undefined(f"{what} is {mpmath.nstr(number, 6)}, not a real number")
        number = number.real
    if not mpmath.isfinite(number):
        raise Undefined(f"{what} is {number}")
    return number
