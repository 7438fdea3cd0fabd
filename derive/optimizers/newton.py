r"""Damped Newton's method: θ ← θ − η (∇²L + λI)⁻¹ (∇L + λθ).

Weight decay λ is the L2 penalty λ‖θ‖²/2, which adds λθ to the gradient and λI to the
Hessian. The Hessian must be positive definite (checked by a Cholesky factorisation).

>>> NEWTON.hessian, [h.name for h in NEWTON.hypers]
(True, ['lr', 'weight_decay'])
"""

from __future__ import annotations

from .hypers import LAMBDA, coupled_weight_decay, lr, weight_decay
from .spec import G, Let, Solve, Spec, U, symbol

__all__ = ["NEWTON"]

_S = symbol("s")

NEWTON = Spec(
    name="newton",
    title="damped Newton",
    torch="",
    hypers=(lr(1.0), weight_decay()),
    buffers=(),
    body=(coupled_weight_decay(G), Solve(_S, G, LAMBDA), Let(U, -symbol("Lr") * _S)),
    doc="damped Newton's method: solve (∇²L + λI) s = g, θ ← θ − ηs",
    hessian=True,
)
