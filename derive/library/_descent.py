"""The parts of the gradient-descent argument that do not depend on how θ is written
(component by component, or in vector blocks): the descent condition decides the sign of
the change to first order, and a step against the gradient decreases the loss."""

from __future__ import annotations

from typing import Any

import sympy

from ..kernel import Affine, Assumption, Fact, FirstOrder, Sign, Step, Truncation

__all__ = ["against_gradient_steps", "condition_facts", "condition_steps"]


def condition_facts(first: Any) -> tuple[Fact, Fact]:
    """The two case hypotheses uᵀ∇L < 0 and uᵀ∇L > 0 (``first`` is uᵀ∇L)."""
    return (
        Fact(first, "<", 0, "descent condition", "hypothesis"),
        Fact(first, ">", 0, "ascent condition", "hypothesis"),
    )


def condition_steps(loss: Any, shifted: Any, eta: Any, first: Any) -> tuple[Step, ...]:
    """L(θ + ηu) − L = η uᵀ∇L + O(η²); uᵀ∇L < 0 makes every small step decrease the loss
    and uᵀ∇L > 0 every small step increase it (labels 'first-order' … 'increase')."""
    return (
        Step(
            shifted - loss,
            "=O",
            eta * first,
            "so the change in loss is η uᵀ∇L to first order in η",
            Truncation(eta, 1),
            "first-order",
        ),
        Step(
            first, "<", 0, "suppose u points downhill: uᵀ∇L < 0", Assumption(), "descent-condition"
        ),
        Step(
            shifted - loss,
            "<",
            0,
            "then the first-order term decides: L(θ + ηu) < L(θ) for every small enough η > 0",
            FirstOrder("first-order", "descent-condition"),
            "decrease",
        ),
        Step(first, ">", 0, "conversely, suppose uᵀ∇L > 0", Assumption(), "ascent-condition"),
        Step(
            shifted - loss,
            ">",
            0,
            "then every small enough step increases the loss: a decrease needs uᵀ∇L ≤ 0",
            FirstOrder("first-order", "ascent-condition"),
            "increase",
        ),
    )


def against_gradient_steps(
    loss: Any, stepped: Any, eta: Any, d: Any, norm_sq: Any
) -> tuple[Step, ...]:
    """u* = (d/‖∇L‖)(−∇L) is a positive multiple of −∇L, and L(θ − η∇L) < L(θ) for every
    small enough η > 0 when ∇L ≠ 0 (``stepped`` is L(θ − η∇L), ``norm_sq`` ‖∇L‖²)."""
    return (
        Step(
            d / sympy.sqrt(norm_sq),
            ">",
            0,
            "u* = (d/‖∇L‖)(−∇L): a positive multiple of −∇L",
            Sign(),
            "direction",
        ),
        Step(
            0,
            "<",
            eta * d / sympy.sqrt(norm_sq),
            "so θ + ηu* = θ − (ηd/‖∇L‖)∇L: a step against the gradient with a positive rate",
            Affine("direction", eta),
            "positive-rate",
        ),
        Step(norm_sq, ">", 0, "∇L ≠ 0", Assumption(), "gradient-nonzero"),
        Step(
            stepped,
            "=O",
            loss - eta * norm_sq,
            "stepping along −∇L changes the loss by −η‖∇L‖² to first order",
            Truncation(eta, 1),
            "gd-first-order",
        ),
        Step(
            stepped - loss,
            "=O",
            -eta * norm_sq,
            "so the change in loss is −η‖∇L‖² to first order",
            Affine("gd-first-order", 1, -loss),
            "gd-change",
        ),
        Step(-norm_sq, "<", 0, "and −‖∇L‖² < 0", Affine("gradient-nonzero", -1), "gd-slope"),
        Step(
            stepped - loss,
            "<",
            0,
            "so a small enough step against the gradient decreases the loss",
            FirstOrder("gd-change", "gd-slope"),
            "gd-decrease",
        ),
    )
