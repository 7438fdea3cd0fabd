r"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` names and computes them (in closed
form): the rate of update k + 1 (k = 0, 1, …) from the base rate η₀.

Each schedule is one SymPy expression in η₀ and k, from which come the float rates, the
mpmath reference rates and the LaTeX.

>>> StepLR(step_size=2, gamma=0.5).rates(1.0, 5)
[1.0, 1.0, 0.5, 0.5, 0.25]
>>> [round(r, 3) for r in CosineAnnealingLR(T_max=4).rates(0.1, 5)]
[0.1, 0.085, 0.05, 0.015, 0.0]
>>> LinearLR(start_factor=0.25, total_iters=3).rates(1.0, 5)
[0.25, 0.5, 0.75, 1.0, 1.0]
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import OptionError
from .spec import symbol

__all__ = ["SCHEDULES", "CosineAnnealingLR", "LinearLR", "Schedule", "StepLR"]

LR0 = symbol("Lr")
"""η₀, the base learning rate."""
K = symbol("k")
"""k, the number of updates made before this one."""


def _whole(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"{owner}: {name} must be a whole number ≥ 1, got {value!r}")
    return value


def _number(owner: str, name: str, value: Any, low: float, high: float, *, open_low: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"{owner}: {name} must be a number, got {type(value).__name__}")
    number = float(value)
    below = number <= low if open_low else number < low
    if not math.isfinite(number) or below or number > high:
        where = f"({low:g}, {high:g}]" if open_low else f"[{low:g}, {high:g}]"
        raise OptionError(f"{owner}: {name} must be in {where}, got {value!r}")
    return number


class Schedule(ABC):
    """A learning-rate schedule: ``expr`` in η₀ (``LR0``) and k (``K``)."""

    @property
    @abstractmethod
    def expr(self) -> sympy.Expr:
        """η_k as an expression in η₀ and k."""

    def rate(self, lr: float, k: int) -> float:
        """The float64 rate of update k + 1 from base rate ``lr``."""
        return float(_floats(self.expr)(float(lr), int(k)))

    def rates(self, lr: float, steps: int) -> list[float]:
        """The float64 rates of ``steps`` updates from base rate ``lr``."""
        return [self.rate(lr, k) for k in range(steps)]

    def reference(self, lr: Any, k: int) -> Any:
        """The rate of update k + 1 in mpmath (at the working precision)."""
        import mpmath

        f = sympy.lambdify((LR0, K), self.expr, "mpmath")
        return mpmath.mpf(f(mpmath.mpf(lr), k))

    def latex(self) -> str:
        r"""The schedule as LaTeX: ``\eta_k = …``."""
        names = {LR0: r"\eta_0", K: "k"}
        return rf"\eta_k = {sympy.latex(self.expr, symbol_names=names)}"


@functools.lru_cache(maxsize=64)
def _floats(expr: sympy.Expr) -> Any:
    return sympy.lambdify((LR0, K), expr, "math")


def _exact(x: float) -> sympy.Rational:
    return sympy.Rational(x)  # the float's exact binary value


@dataclass(frozen=True)
class StepLR(Schedule):
    """η₀·γ^⌊k / step_size⌋, as ``torch.optim.lr_scheduler.StepLR``."""

    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _whole("StepLR", "step_size", self.step_size)
        _number("StepLR", "gamma", self.gamma, 0.0, math.inf, open_low=True)

    @property
    def expr(self) -> sympy.Expr:
        return LR0 * _exact(self.gamma) ** sympy.floor(K / self.step_size)


@dataclass(frozen=True)
class CosineAnnealingLR(Schedule):
    """η_min + (η₀ − η_min)(1 + cos(πk/T_max))/2, as ``lr_scheduler.CosineAnnealingLR``."""

    T_max: int
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        _whole("CosineAnnealingLR", "T_max", self.T_max)
        _number("CosineAnnealingLR", "eta_min", self.eta_min, 0.0, math.inf, open_low=False)

    @property
    def expr(self) -> sympy.Expr:
        low = _exact(self.eta_min)
        return low + (LR0 - low) * (1 + sympy.cos(sympy.pi * K / self.T_max)) / 2


@dataclass(frozen=True)
class LinearLR(Schedule):
    """η₀·(s + (e − s)·min(k, n)/n), as ``lr_scheduler.LinearLR``: a linear warm-up."""

    start_factor: float = 1.0 / 3
    end_factor: float = 1.0
    total_iters: int = 5

    def __post_init__(self) -> None:
        _number("LinearLR", "start_factor", self.start_factor, 0.0, 1.0, open_low=True)
        _number("LinearLR", "end_factor", self.end_factor, 0.0, 1.0, open_low=False)
        _whole("LinearLR", "total_iters", self.total_iters)

    @property
    def expr(self) -> sympy.Expr:
        s, e, n = _exact(self.start_factor), _exact(self.end_factor), self.total_iters
        return LR0 * (s + (e - s) * sympy.Min(K, n) / n)


SCHEDULES = {"step": StepLR, "cosine": CosineAnnealingLR, "linear": LinearLR}
"""Short names of the schedules."""
