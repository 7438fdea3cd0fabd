r"""Stochastic gradient descent as ``torch.optim.SGD``: gradient descent, momentum and Nesterov.

.. math::
   g \leftarrow g + \lambda\theta,\quad
   b \leftarrow \mu b + (1 - \tau) g \;(b = g \text{ at first}),\quad
   \theta \leftarrow \theta - \eta b \;(\text{Nesterov: } \theta - \eta(g + \mu b))

>>> [m.name for m in (GD, MOMENTUM, NESTEROV)]
['gd', 'momentum', 'nesterov']
>>> [h.name for h in GD.free]
['lr', 'weight_decay']
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from .hypers import coupled_weight_decay, flag, lr, weight_decay
from .spec import Buffer, Condition, G, Hyper, If, Let, Spec, U, symbol

__all__ = ["GD", "MOMENTUM", "NESTEROV", "SGD"]

_MU, _TAU = symbol("Momentum"), symbol("Dampening")
_B = symbol("b")
_LR = symbol("Lr")

SGD = Spec(
    name="sgd",
    title="SGD",
    torch="torch.optim.SGD",
    hypers=(
        lr(1e-3),
        Hyper("momentum", (r"\mu",), 0.0, "nonnegative", (_MU,), "the momentum factor"),
        Hyper("dampening", (r"\tau",), 0.0, "nonnegative", (_TAU,), "dampening for momentum"),
        weight_decay(),
        flag("nesterov", "Nesterov momentum"),
    ),
    buffers=(Buffer("momentum_buffer", _B, "b"),),
    body=(
        coupled_weight_decay(G),
        If(
            Condition("momentum", "nonzero"),
            (
                If(
                    Condition("", "first"),
                    (Let(_B, G),),
                    (Let(_B, _MU * _B + (1 - _TAU) * G),),
                ),
                If(Condition("nesterov", "set"), (Let(G, G + _MU * _B),), (Let(G, _B),)),
            ),
        ),
        Let(U, -_LR * G),
    ),
    doc="stochastic gradient descent, with momentum, dampening and Nesterov momentum",
)

GD = replace(
    SGD,
    name="gd",
    title="gradient descent",
    fixed=MappingProxyType({"momentum": 0.0, "dampening": 0.0, "nesterov": False}),
    doc="gradient descent: θ ← θ − η∇L",
)

MOMENTUM = replace(
    SGD,
    name="momentum",
    title="momentum",
    fixed=MappingProxyType({"nesterov": False}),
    positive=MappingProxyType({"momentum": "momentum=0.9"}),
    doc="gradient descent with (heavy-ball) momentum, as torch.optim.SGD(momentum=μ)",
)

NESTEROV = replace(
    SGD,
    name="nesterov",
    title="Nesterov momentum",
    fixed=MappingProxyType({"nesterov": True, "dampening": 0.0}),
    positive=MappingProxyType({"momentum": "momentum=0.9"}),
    doc="Nesterov momentum, as torch.optim.SGD(momentum=μ, nesterov=True)",
)
