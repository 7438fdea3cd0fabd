"""Derivatives in vector form, checked for every length: a claimed gradient or Hessian
block is contracted with fresh directions and compared, as sums, with the directional
derivatives of the loss (which pass into the sums exactly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import sympy

from .algebra import require_real, smooth, zero
from .context import Context
from .sums import Gradient, Hessian, VectorSum, VectorSymbol, bilinear, loose
from .terms import Rule, Step, need

__all__ = ["Differentiation"]


@dataclass(frozen=True)
class Differentiation(Rule):
    """``Gradient(f, w) = v`` (v read at component i when w is a vector) or
    ``Hessian(f, a, b) = M`` (M a sum of c·Outer(p, q) and c·Diag(d) when a and b are
    vectors, a vector when one is): for fresh directions t, s, the derivative
    ∂/∂ε ∂/∂δ f(a + εt, b + δs) at 0 equals tᵀ M s, as an identity in sums; f must be
    smooth in ε and δ. Both sides determine the derivative, so this proves the claim."""

    name: ClassVar[str] = "differentiation"

    def check(self, step: Step, i: int, ctx: Context) -> str:
        need(step.rel == "=", "a derivative is claimed with '='")
        lhs = step.lhs
        need(isinstance(lhs, (Gradient, Hessian)), "the left side must be a Gradient or Hessian")
        f, *wrt = lhs.args
        need(all(isinstance(w, sympy.Symbol) for w in wrt), "derivatives in symbols only")
        need(not any(w in ctx.definitions for w in wrt), "a defined symbol is not a variable")
        f, rhs = ctx.expand(f), ctx.expand(step.rhs)
        require_real(rhs, ctx=ctx, why="the claimed derivative must be defined: ")
        taken = {s.name for s in sympy.sympify(f).free_symbols | rhs.free_symbols}
        moved, contracted, small = f, rhs, []
        for k, w in enumerate(wrt):
            eps = sympy.Dummy(f"eps{k}", real=True)
            name = f"_dir{k}"
            need(name not in taken, "fresh directions clash with the step's symbols")
            t = VectorSymbol(name) if isinstance(w, VectorSymbol) else sympy.Symbol(name, real=True)
            moved = moved.xreplace({w: w + eps * t})
            small.append((eps, t, w))
        vectors = [(t, _length(f, w)) for _, t, w in small if isinstance(w, VectorSymbol)]
        if len(vectors) == 2:
            (t, n), (s, m) = vectors
            try:
                contracted = bilinear(rhs, t, s, n, m)
            except ValueError as no:
                need(False, str(no))
        elif vectors:
            need(not rhs.has(sympy.MatrixBase), "a vector block is written elementwise")
            contracted = VectorSum(vectors[0][0] * rhs, vectors[0][1])
        else:
            need(not loose(rhs), "a scalar derivative has no free index")
        for _, t, _ in small:
            if not isinstance(t, VectorSymbol):
                contracted = contracted * t
        derivative = moved
        for eps, _, _ in small:
            need(smooth(derivative, eps, ctx), f"the loss must be smooth in its parameters ({eps})")
            derivative = sympy.diff(derivative, eps)
        derivative = derivative.subs({eps: 0 for eps, _, _ in small})
        zero(derivative - contracted, ctx, strict=True)
        return "proved"


def _length(f: Any, w: Any) -> Any:
    """The length of the vector w: that of every sum of f it appears in."""
    lengths = {s.args[1] for s in sympy.sympify(f).atoms(VectorSum) if w in s.summand.free_symbols}
    need(len(lengths) == 1, f"{w} must appear in sums of one length")
    return lengths.pop()
