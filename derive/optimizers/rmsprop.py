r"""RMSprop as ``torch.optim.RMSprop``: with momentum, and centered.

.. math::
   v \leftarrow \alpha v + (1 - \alpha) g^2,\quad
   \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{v} + \epsilon}

Centered: ḡ ← αḡ + (1 − α)g and √(v − ḡ²) in place of √v. With momentum μ > 0:
b ← μb + g/(√v + ε), θ ← θ − ηb.

>>> [h.name for h in RMSPROP.hypers]
['lr', 'alpha', 'eps', 'weight_decay', 'momentum', 'centered']
"""

from __future__ import annotations

import sympy

from .hypers import coupled_weight_decay, eps, flag, lr, weight_decay
from .spec import Buffer, Condition, G, Hyper, If, Let, Spec, U, symbol

__all__ = ["RMSPROP"]

_ALPHA, _MU, _LR, _EPS = symbol("Alpha"), symbol("Momentum"), symbol("Lr"), symbol("Eps")
_V, _GAVG, _B, _D = symbol("v"), symbol("g_avg"), symbol("b"), symbol("d")

RMSPROP = Spec(
    name="rmsprop",
    title="RMSprop",
    torch="torch.optim.RMSprop",
    hypers=(
        lr(1e-2),
        Hyper("alpha", (r"\alpha",), 0.99, "unit", (_ALPHA,), "the smoothing constant"),
        eps(1e-8),
        weight_decay(),
        Hyper("momentum", (r"\mu",), 0.0, "nonnegative", (_MU,), "the momentum factor"),
        flag("centered", "normalise by an estimate of the gradient's variance"),
    ),
    buffers=(
        Buffer("square_avg", _V, "v"),
        Buffer("momentum_buffer", _B, "b"),
        Buffer("grad_avg", _GAVG, r"\bar{g}"),
    ),
    body=(
        coupled_weight_decay(G),
        Let(_V, _ALPHA * _V + (1 - _ALPHA) * G**2, "the square average"),
        If(
            Condition("centered", "set"),
            (
                Let(_GAVG, _ALPHA * _GAVG + (1 - _ALPHA) * G),
                Let(_D, sympy.sqrt(_V - _GAVG**2) + _EPS),
            ),
            (Let(_D, sympy.sqrt(_V) + _EPS),),
        ),
        If(
            Condition("momentum", "nonzero"),
            (Let(_B, _MU * _B + G / _D), Let(U, -_LR * _B)),
            (Let(U, -_LR * G / _D),),
        ),
    ),
    doc="RMSprop: gradient steps scaled by a running root mean square of the gradient",
    latex_names={_D: "d"},
)
