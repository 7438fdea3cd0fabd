"""The Taylor expansion as a derivation the kernel checks: along every direction δ,

.. math:: \\mathcal{L}(a + \\tau\\delta) = \\sum_{j=0}^{k} \\tau^j T_j(\\delta) + O(\\tau^{k+1}),

with T_j the expansion's homogeneous term of degree j. The truncation rule proves it from
the coefficients (each a derivative at τ = 0, checked exactly) and the smoothness of the
loss at the point, so the printed expansion is the one the kernel checked.

>>> from derive.objective import Objective
>>> taylor_expansion(Objective("2*x**2", "x"), 2, at={"x": 1}).verify().summary()
'verified: 1 of 1 steps proved'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy

from ..derivation import Derivation
from ..kernel import Step, Truncation
from ..objective import Objective
from ..taylor import _fresh, fresh_symbol, taylor
from .vector_calculus import fresh_namer, vector_taylor

__all__ = ["taylor_expansion"]


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def taylor_expansion(
    obj: Objective, order: int = 2, at: Mapping[str | sympy.Symbol, Any] | None = None
) -> Derivation:
    """The order-``order`` expansion of ``obj`` about ``at`` (θ itself when None), as a
    one-step derivation along a direction δ; its display name is the usual form. With
    vector parameters, about θ and to order 1 or 2, the expansion is in vector form:
    ℒ(θ + τu) = ℒ + τ uᵀ∇ℒ + (τ²/2) uᵀ∇²ℒ u + O(τ³) with the blocks of θ kept whole,
    after the gradient and Hessian blocks it rests on."""
    if at is None and 1 <= order <= 2 and any(b.length for b in obj.blocks):
        return _vector_expansion(obj, order)
    t = taylor(obj, order, about=at)
    delta = _fresh(obj, "delta")
    tau = fresh_symbol(obj, "tau")
    moved = {p: a + tau * e for p, a, e in zip(obj.params, t.point, delta, strict=True)}
    if at is None:  # the terms are written in the displacement symbols Δ
        along = dict(zip(t.displacement, (tau * e for e in delta), strict=True))
    else:
        along = moved
    terms = [term.xreplace(along) for term in t.terms]
    where = (
        ", ".join(f"{p} = {a}" for p, a in zip(obj.params, t.point, strict=True))
        if at is not None
        else "θ"
    )
    step = Step(
        obj.expr.xreplace(moved),
        "=O",
        sympy.Add(*terms),
        f"Taylor's theorem about {where}, along any direction δ: the coefficient of τʲ is "
        "the expansion's term of degree j",
        Truncation(tau, order),
        "taylor",
    )
    return Derivation(
        f"Taylor expansion of {obj.describe()} to order {order}",
        (step,),
        remark=(
            f"The expansion to order {order} holds along every direction δ, so it holds as "
            f"printed, up to O(‖δ‖{str(order + 1).translate(_SUPERSCRIPTS)})."
        ),
    )


def _vector_expansion(obj: Objective, order: int) -> Derivation:
    loss = obj.structured
    fresh = fresh_namer(loss)

    tau = fresh("tau", False)
    theta = [b.representative for b in obj.blocks]
    u = [fresh(f"u_{b.name}", b.length is not None) for b in obj.blocks]
    pieces = vector_taylor(loss, theta, u, tau, tuple(b.length for b in obj.blocks), order)
    names = [(loss, r"\mathcal{L}"), (pieces.first, r"u^\top \nabla\mathcal{L}")]
    names += [(pieces.second, r"u^\top \nabla^2\mathcal{L}\, u")] if order >= 2 else []
    names += [(pieces.expansion.lhs, r"\mathcal{L}(\theta + \tau u)")]
    return Derivation(
        f"Taylor expansion of {obj.describe()} to order {order}, in vector form",
        (*pieces.derivatives, pieces.expansion),
        remark=(
            f"Along every direction u = [{', '.join(f'u_{b.name}' for b in obj.blocks)}], "
            "for vectors of every length."
        ),
        names=tuple(names),
        conclusions=("taylor",),
    )
