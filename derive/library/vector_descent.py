r"""Gradient descent in vector form: the lecture's argument once for every length of w.

θ = [w, b] stays in blocks: ℒ(θ + ηu) = ℒ + η uᵀ∇ℒ + (η²/2) uᵀ∇²ℒ u + O(η³) with
uᵀ∇ℒ = u_wᵀ∇_wℒ + u_b ∂ℒ/∂b, the dimension-free Cauchy–Schwarz proof, and the updates
w ← w − η∇_wℒ, b ← b − η ∂ℒ/∂b. Every sum stays a sum, so the derivation, its proof and
its LaTeX are the same size for n = 10 and n = 10⁴.

>>> from derive.objective import Objective
>>> obj = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:10000 b", data="x:10000 y")
>>> vector_descent(obj).verify().ok
True
"""

from __future__ import annotations

from ..derivation import Derivation
from ..kernel import (
    Fact,
    Step,
    Substitution,
    Truncation,
)
from ..objective import Objective
from ..printer import display_name, latex, superscript, unicode
from ._descent import against_gradient_steps, condition_steps
from ._space import block_space, display_names, steepest_steps
from .steepest import angle_steps
from .vector_calculus import fresh_namer, vector_taylor

__all__ = ["vector_descent"]


def vector_descent(obj: Objective, rate: str = "eta") -> Derivation:
    """The derivation of gradient descent for ``obj`` with its vector parameters kept whole
    (see :func:`derive.gradient_descent`, which chooses it for vector parameters)."""
    loss = obj.structured
    fresh = fresh_namer(loss)

    eta, d, beta = fresh(rate), fresh("d"), fresh("beta")
    blocks = obj.blocks
    theta = [b.representative for b in blocks]
    lengths = tuple(b.length for b in blocks)
    u = [fresh(f"u_{b.name}", b.length is not None) for b in blocks]
    g = [fresh(f"g_{b.name}", b.length is not None) for b in blocks]
    expansion = vector_taylor(loss, theta, u, eta, lengths)
    grads = expansion.gradients
    space = block_space(u, g, lengths)
    first, norm_sq = space.inner(u, g), space.inner(g, g)
    second = expansion.second
    shifted = expansion.expansion.lhs
    stepped = loss.xreplace({w: w - eta * gi for w, gi in zip(theta, g, strict=True)})
    names = [display_name(w.name) for w in theta]
    definitions = tuple(
        Fact(gi, "=", grads[k], f"{unicode(gi)} = ∂ℒ/∂{names[k]}", "definition")
        for k, gi in enumerate(g)
    )
    lemma, lemma_facts = steepest_steps(space, d)
    angle, angle_facts = angle_steps(space, beta)
    steps = (
        *expansion.derivatives,
        Step(
            shifted,
            "=O",
            loss + eta * first + eta**2 / 2 * second,
            expansion.expansion.why,
            Truncation(eta, 2),
            "taylor",
        ),
        *condition_steps(loss, shifted, eta, first),
        *lemma,
        *angle,
        *against_gradient_steps(loss, stepped, eta, d, norm_sq),
        *(
            Step(
                w - eta * gi,
                "=",
                w - eta * grads[k],
                f"the update: {names[k]} ← {names[k]} − {unicode(eta)} ∂ℒ/∂{names[k]}",
                Substitution(f"{unicode(gi)} = ∂ℒ/∂{names[k]}"),
                f"update-{w.name}",
            )
            for k, (w, gi) in enumerate(zip(theta, g, strict=True))
        ),
    )
    eta_tex = latex(eta)
    sizes = ", ".join(
        f"{names[k]} ∈ ℝ{superscript(b.length)}"
        for k, b in enumerate(blocks)
        if b.length is not None
    )
    return Derivation(
        f"Gradient descent for {obj.describe()} in vector form",
        steps,
        tuple(
            dict.fromkeys(
                (
                    *definitions,
                    Fact(eta, ">", 0, f"{unicode(eta)} > 0"),
                    *lemma_facts,
                    *angle_facts,
                    Fact(first, "<", 0, "descent condition", "hypothesis"),
                    Fact(first, ">", 0, "ascent condition", "hypothesis"),
                )
            )
        ),
        f"θ = [{', '.join(names)}] in blocks ({sizes}); each block steps against its gradient "
        "block with learning rate η > 0. Every step holds for vectors of every length.",
        (
            *display_names(space, d),
            (second, r"u^\top \nabla^2\mathcal{L}\, u"),
            (loss, r"\mathcal{L}"),
            (shifted, rf"\mathcal{{L}}(\theta + {eta_tex} u)"),
            (stepped, rf"\mathcal{{L}}(\theta - {eta_tex} g)"),
        ),
        ("decrease", "increase", "gd-decrease", *(f"update-{w.name}" for w in theta)),
    )
