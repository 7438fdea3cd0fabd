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
>>> from derive.printer import unicode
>>> [unicode(s.rhs) for s in d.steps]
['2x·wᵀx', '2b', '2xxᵀ', '0', '2']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import OptionError
from ..kernel import (
    Diag,
    Differentiation,
    Gradient,
    Hessian,
    Outer,
    Step,
    Truncation,
    VectorSum,
    VectorSymbol,
)
from ..kernel.sums import bilinear
from ..objective import Objective
from ..printer import display_name

__all__ = ["VectorTaylor", "block_gradient", "block_hessian", "fresh_namer", "vector_calculus"]
__all__ += ["vector_taylor"]


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


def _contract(block: Any, a: Any, b: Any, n: Any, m: Any) -> Any:
    """aᵀ H b for a Hessian block H between the blocks of the directions a (length n)
    and b (length m)."""
    if isinstance(a, VectorSymbol) and isinstance(b, VectorSymbol):
        return bilinear(block, a, b, n, m)
    if isinstance(a, VectorSymbol) or isinstance(b, VectorSymbol):
        vector, number, k = (a, b, n) if isinstance(a, VectorSymbol) else (b, a, m)
        return VectorSum(vector * block, k) * number
    return block * a * b


@dataclass(frozen=True)
class VectorTaylor:
    """The pieces of ℒ(θ + ηu) = ℒ + η uᵀ∇ℒ + (η²/2) uᵀ∇²ℒ u + O(η³) by blocks."""

    gradients: tuple[Any, ...]
    """∂ℒ/∂θₖ per block (elementwise for a vector block)."""
    derivatives: tuple[Step, ...]
    """The gradient and Hessian blocks, each a step the kernel proves."""
    expansion: Step
    """The expansion to order 2 (label 'taylor')."""
    first: Any
    """uᵀ∇ℒ as sums."""
    second: Any
    """uᵀ∇²ℒ u as sums."""


def vector_taylor(
    loss: Any,
    theta: list[Any],
    u: list[Any],
    eta: Any,
    lengths: tuple[int | None, ...],
    order: int = 2,
) -> VectorTaylor:
    """The expansion of ``loss`` along ``u`` (one direction block per parameter block,
    ``lengths`` theirs: None for a number) to ``order`` 1 or 2, with the derivative steps
    it rests on, all in vector form."""
    names = [display_name(w.name) for w in theta]
    grads = tuple(block_gradient(loss, w) for w in theta)
    pairs = [(i, j) for i in range(len(theta)) for j in range(i, len(theta))]
    hessian = {(i, j): block_hessian(loss, theta[i], theta[j]) for i, j in pairs}
    first = sympy.Add(
        *(
            VectorSum(ui * gi, n) if n is not None else ui * gi
            for ui, gi, n in zip(u, grads, lengths, strict=True)
        )
    )
    second = sympy.Add(
        *(
            (1 if i == j else 2) * _contract(hessian[i, j], u[i], u[j], lengths[i], lengths[j])
            for i, j in pairs
        )
    )
    derivatives = tuple(
        Step(
            Gradient(loss, w),
            "=",
            grads[k],
            f"the chain rule: ∂ℒ/∂{names[k]}",
            Differentiation(),
            f"gradient-{w.name}",
        )
        for k, w in enumerate(theta)
    )
    if order >= 2:
        derivatives += tuple(
            Step(
                Hessian(loss, theta[i], theta[j]),
                "=",
                hessian[i, j],
                f"the Hessian block ({names[i]}, {names[j]})",
                Differentiation(),
                f"hessian-{theta[i].name}-{theta[j].name}",
            )
            for i, j in pairs
        )
    shifted = loss.xreplace({w: w + eta * ui for w, ui in zip(theta, u, strict=True)})
    series = loss + eta * first + (eta**2 / 2 * second if order >= 2 else 0)
    v = display_name(eta.name)
    words = f"ℒ + {v} uᵀ∇ℒ" + (f" + ({v}²/2) uᵀ∇²ℒ u" if order >= 2 else "")
    expansion = Step(
        shifted,
        "=O",
        series,
        f"Taylor's theorem in {v}, block by block: {words} + O({v}{'³' if order >= 2 else '²'})",
        Truncation(eta, order),
        "taylor",
    )
    return VectorTaylor(grads, derivatives, expansion, first, second)


def fresh_namer(loss: Any) -> Callable[..., Any]:
    """A maker of real symbols (vector symbols with ``vector=True``) whose names neither
    the loss nor an earlier one uses: ``eta`` becomes ``eta_`` beside a user's eta."""
    taken = {s.name for s in loss.free_symbols}

    def fresh(name: str, vector: bool = False) -> Any:
        while name in taken:
            name += "_"
        taken.add(name)
        return VectorSymbol(name) if vector else sympy.Symbol(name, real=True)

    return fresh


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
