"""The hyper-parameters optimizers share, named and defaulted as torch.optim does.

>>> lr(1e-3).latex, lr(1e-3).default
(('\\\\eta',), 0.001)
"""

from __future__ import annotations

import sympy

from .spec import THETA, Condition, Hyper, If, Let, symbol

__all__ = ["LAMBDA", "coupled_weight_decay", "eps", "flag", "lr", "weight_decay"]

LAMBDA = symbol("Weight_decay")
"""λ, the weight decay."""


def lr(default: float) -> Hyper:
    """η, the learning rate (torch's default differs per optimizer)."""
    return Hyper("lr", (r"\eta",), default, "positive", (symbol("Lr"),), "the learning rate")


def weight_decay(default: float = 0.0) -> Hyper:
    """λ, the weight decay."""
    return Hyper(
        "weight_decay", (r"\lambda",), default, "nonnegative", (LAMBDA,), "the weight decay"
    )


def eps(default: float) -> Hyper:
    """ε, added to the denominator for numerical stability."""
    return Hyper(
        "eps", (r"\epsilon",), default, "nonnegative", (symbol("Eps"),), "added to the denominator"
    )


def flag(name: str, doc: str) -> Hyper:
    """A True/False option (default False)."""
    return Hyper(name, (), False, "flag", (), doc)


def coupled_weight_decay(g: sympy.Symbol) -> If:
    """g ← g + λθ where λ ≠ 0: weight decay as an L2 penalty on the gradient."""
    return If(Condition("weight_decay", "nonzero"), (Let(g, g + LAMBDA * THETA),))
