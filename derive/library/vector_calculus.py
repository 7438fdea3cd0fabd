r"""Gradients and Hessians in vector form, for every length: ∇_w ℒ = −y σ x, ∇²_ww ℒ = c x xᵀ + λI.

A loss with vector parameters is F(S₁, …, S_K, scalars) with Sₖ = Σᵢ φₖ(wᵢ, xᵢ, …) (the
``dot``, ``sum`` and ``norm`` of its text). The chain rule gives, written once for every n,

.. math::
   \nabla_w \mathcal{L} = \sum_k \frac{\partial F}{\partial S_k}\, \varphi_k'(w),\qquad
   \nabla^2_{ww} \mathcal{L} = \sum_{k,l} \frac{\partial^2 F}{\partial S_k \partial S_l}\,
   \varphi_k' \varphi_l'^\top + \sum_k \frac{\partial F}{\partial S_k}\,
   \mathrm{diag}(\varphi_k'')

These are computed here (outside the kernel) and each is proved by the kernel's
differentiation rule, which never trusts them.

>>> from derive.objective import Objective
>>> d = vector_calculus(Objective("dot(w, x)**2 + b**2", params="w:1000 b", data="x:1000"))
>>> d.verify().ok
True
>>> [str(s.rhs) for s in d.steps][:2]
['2*x*(b**2*0 + VectorSum(w*x, 1000))', '2*b']
"""

from __future__ import annotations

from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import OptionError
from ..kernel import Diag, Differentiation, Gradient, Hessian, Outer, Step, VectorSum, VectorSymbol
from ..objective import Objective

__all__ = ["block_gradient", "block_hessian", "vector_calculus"]


def _sums(loss: Any, *vectors: Any) -> list[Any]:
    """The sums of ``loss`` whose summand holds one of ``vectors``, in a fixed order."""
    found = [s for s in loss.atoms(VectorSum) if any(v in s.summand.free_symbols for v in vectors)]
    return sorted(found, key=sympy.default_sort_key)


def _tidy(expr: Any) -> Any:
    """A short form of a coefficient (one fraction, common factors out); it never grows
    with the length, and the kernel proves whatever form is printed."""
    if sympy.count_ops(expr) > 400:
        return expr
    tidy = sympy.factor_terms(sympy.together(expr))
    return tidy if sympy.count_ops(tidy) <= sympy.count_ops(expr) else expr


def block_gradient(loss: Any, w: Any) -> Any:
    """∂ℒ/∂w: a number for a scalar w, else the vector, elementwise (its i-th component)."""
    if not isinstance(w, VectorSymbol):
        return _tidy(sympy.diff(loss, w))
    sums = _sums(loss, w)
    names = [sympy.Dummy(f"S{k}", real=True) for k in range(len(sums))]
    outer = loss.xreplace(dict(zip(sums, names, strict=True)))
    back = dict(zip(names, sums, strict=True))
    return sympy.Add(
        *(
            _tidy(sympy.diff(outer, s).xreplace(back)) * sympy.diff(v.summand, w)
            for s, v in zip(names, sums, strict=True)
        )
    )


def block_hessian(loss: Any, a: Any, b: Any) -> Any:
    """The Hessian block ∂²ℒ/∂a∂b: a number, a vector (elementwise) when one of a, b is a
    vector, or a sum of c·Outer(p, q) and c·Diag(d) when both are."""
    vectors = [v for v in (a, b) if isinstance(v, VectorSymbol)]
    if len(vectors) < 2:
        first, second = (a, b) if isinstance(a, VectorSymbol) or not vectors else (b, a)
        return _tidy(sympy.diff(block_gradient(loss, first), second))
    sums = _sums(loss, a, b)
    names = [sympy.Dummy(f"S{k}", real=True) for k in range(len(sums))]
    outer = loss.xreplace(dict(zip(sums, names, strict=True)))
    back = dict(zip(names, sums, strict=True))
    total = []
    for s, p in zip(names, sums, strict=True):
        da = sympy.diff(p.summand, a)
        for t, q in zip(names, sums, strict=True):
            db = sympy.diff(q.summand, b)
            c = sympy.diff(outer, s, t)
            if da != 0 and db != 0 and c != 0:
                total.append(_tidy(c.xreplace(back)) * Outer(da, db))
        d = sympy.diff(p.summand, a, b)
        if d != 0:
            scale = _tidy(sympy.diff(outer, s).xreplace(back))
            total.append(scale * (d * Diag(1) if not _indexed(d) else Diag(d)))
    return sympy.Add(*total)


def _indexed(expr: Any) -> bool:
    return any(isinstance(s, VectorSymbol) for s in sympy.sympify(expr).free_symbols)


def vector_calculus(obj: Objective) -> Derivation:
    """The gradient and the Hessian of ``obj``'s loss by blocks, in vector form, each step
    proved by the kernel for every length of the vectors.

    Raises:
        OptionError: for something that is not an Objective.
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"vector_calculus() needs an Objective, got {type(obj).__name__}")
    loss = obj.structured
    blocks = [b.representative for b in obj.blocks]
    steps = [
        Step(
            Gradient(loss, w),
            "=",
            block_gradient(loss, w),
            "the chain rule, block by block",
            Differentiation(),
            f"gradient-{w.name}",
        )
        for w in blocks
    ]
    steps += [
        Step(
            Hessian(loss, a, b),
            "=",
            block_hessian(loss, a, b),
            "differentiate the gradient block again",
            Differentiation(),
            f"hessian-{a.name}-{b.name}",
        )
        for i, a in enumerate(blocks)
        for b in blocks[i:]
    ]
    return Derivation(
        f"Gradient and Hessian of {obj.describe()}",
        tuple(steps),
        (),
        "Each block in vector form, proved for vectors of every length.",
        ((loss, r"\mathcal{L}"),),
        conclusions=tuple(s.label for s in steps),
    )
