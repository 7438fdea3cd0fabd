r"""Adam and AdamW as ``torch.optim.Adam`` and ``torch.optim.AdamW`` (with AMSGrad).

.. math::
   m \leftarrow \beta_1 m + (1 - \beta_1) g,\quad
   v \leftarrow \beta_2 v + (1 - \beta_2) g^2,\quad
   \theta \leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\,
   \frac{m}{\sqrt{v}/\sqrt{1 - \beta_2^t} + \epsilon}

Adam adds the weight decay to the gradient (g ← g + λθ); AdamW decays θ itself
(θ ← θ − ηλθ). AMSGrad keeps the running maximum of v, as torch does.

>>> ADAMW.hyper("weight_decay").default
0.01
"""

from __future__ import annotations

import sympy

from .hypers import LAMBDA, coupled_weight_decay, eps, flag, lr, weight_decay
from .spec import THETA, Buffer, Condition, G, Hyper, If, Let, Spec, Statement, T, U, symbol

__all__ = ["ADAM", "ADAMW"]

_B1, _B2 = symbol("Beta1"), symbol("Beta2")
_M, _V, _VMAX = symbol("m"), symbol("v"), symbol("v_max")
_C1, _C2, _D = symbol("c1"), symbol("c2"), symbol("d")
_LR, _EPS = symbol("Lr"), symbol("Eps")

_HYPERS = (
    Hyper(
        "betas",
        (r"\beta_1", r"\beta_2"),
        (0.9, 0.999),
        "unit",
        (_B1, _B2),
        "the decay rates of the first and second moment averages",
    ),
    eps(1e-8),
)
_BUFFERS = (
    Buffer("exp_avg", _M, "m"),
    Buffer("exp_avg_sq", _V, "v"),
    Buffer("max_exp_avg_sq", _VMAX, r"v^{\max}"),
)
_LATEX = {_C1: "c_1", _C2: "c_2", _D: "d"}


def _moments(decay: Statement | None, u: sympy.Expr) -> tuple[Statement, ...]:
    head = (decay,) if decay is not None else ()
    return (
        *head,
        Let(_M, _B1 * _M + (1 - _B1) * G, "the first moment"),
        Let(_V, _B2 * _V + (1 - _B2) * G**2, "the second moment"),
        Let(_C1, 1 - _B1**T, "bias corrections"),
        Let(_C2, 1 - _B2**T),
        If(
            Condition("amsgrad", "set"),
            (
                Let(_VMAX, sympy.Max(_VMAX, _V)),
                Let(_D, sympy.sqrt(_VMAX) / sympy.sqrt(_C2) + _EPS),
            ),
            (Let(_D, sympy.sqrt(_V) / sympy.sqrt(_C2) + _EPS),),
        ),
        Let(U, u),
    )


ADAM = Spec(
    name="adam",
    title="Adam",
    torch="torch.optim.Adam",
    hypers=(
        lr(1e-3),
        *_HYPERS,
        weight_decay(),
        flag("amsgrad", "the AMSGrad variant"),
    ),
    buffers=_BUFFERS,
    body=_moments(coupled_weight_decay(G), -_LR / _C1 * _M / _D),
    doc="Adam (adaptive moment estimation), weight decay as an L2 penalty",
    latex_names=_LATEX,
)

ADAMW = Spec(
    name="adamw",
    title="AdamW",
    torch="torch.optim.AdamW",
    hypers=(
        lr(1e-3),
        *_HYPERS,
        weight_decay(1e-2),
        flag("amsgrad", "the AMSGrad variant"),
    ),
    buffers=_BUFFERS,
    body=_moments(None, -_LR * LAMBDA * THETA - _LR / _C1 * _M / _D),
    doc="AdamW: Adam with decoupled weight decay",
    latex_names=_LATEX,
)
