r"""Adagrad as ``torch.optim.Adagrad``.

.. math::
   s \leftarrow s + g^2,\quad
   \theta \leftarrow \theta - \frac{\eta}{1 + (t - 1)\,\delta}\, \frac{g}{\sqrt{s} + \epsilon}

with δ the learning-rate decay and s starting at ``initial_accumulator_value``.

>>> ADAGRAD.hyper("eps").default
1e-10
"""

from __future__ import annotations

import sympy

from .hypers import coupled_weight_decay, eps, lr, weight_decay
from .spec import Buffer, G, Hyper, Let, Spec, T, U, symbol

__all__ = ["ADAGRAD"]

_LR, _DECAY, _INITIAL, _EPS = (
    symbol("Lr"),
    symbol("Lr_decay"),
    symbol("Initial_accumulator_value"),
    symbol("Eps"),
)
_S, _CLR = symbol("s"), symbol("clr")

ADAGRAD = Spec(
    name="adagrad",
    title="Adagrad",
    torch="torch.optim.Adagrad",
    hypers=(
        lr(1e-2),
        Hyper("lr_decay", (r"\delta",), 0.0, "nonnegative", (_DECAY,), "learning-rate decay"),
        weight_decay(),
        Hyper(
            "initial_accumulator_value",
            ("s_0",),
            0.0,
            "nonnegative",
            (_INITIAL,),
            "the starting value of the sum of squares",
        ),
        eps(1e-10),
    ),
    buffers=(Buffer("sum", _S, "s", _INITIAL),),
    body=(
        coupled_weight_decay(G),
        Let(_CLR, _LR / (1 + (T - 1) * _DECAY), "the decayed learning rate"),
        Let(_S, _S + G**2, "the sum of squared gradients"),
        Let(U, -_CLR * G / (sympy.sqrt(_S) + _EPS)),
    ),
    doc="Adagrad: steps scaled by the root of the summed squared gradients",
    latex_names={_CLR: r"\tilde{\eta}"},
)
