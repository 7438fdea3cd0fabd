r"""Gradient descent for a given loss: the lectures' whole argument, checked step by step.

.. math::
   \mathcal{L}(\theta + \eta u) = \mathcal{L}(\theta) + \eta\, u^\top \nabla\mathcal{L}(\theta)
   + \tfrac{\eta^2}{2} u^\top \nabla^2\mathcal{L}(\theta) u + O(\eta^3),
   \qquad \theta_{\text{new}} = \theta - \eta \nabla\mathcal{L}(\theta)

>>> from derive.objective import Objective
>>> d = gradient_descent(Objective("w**2 + b**2", "w b"))
>>> d.verify().ok
True
>>> d.step("update-w").rhs
-2*eta*w + w
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sympy

from ..derivation import Derivation
from ..errors import DeclarationError, OptionError
from ..kernel import (
    Fact,
    Identity,
    Step,
    Substitution,
    Truncation,
)
from ..objective import MAX_PROOF_PARAMS, Objective
from ..printer import display_name, latex, unicode
from ..taylor import _fresh, fresh_symbol
from ._descent import against_gradient_steps, condition_facts, condition_steps
from ._space import concrete_space, steepest_steps
from .newton import hessian_symbols
from .steepest import angle_steps
from .vector_descent import vector_descent

__all__ = ["FORMS", "RATES", "gradient_descent", "partial_steps"]

FORMS = ("lecture", "vector", "disc")
RATES = ("eta", "alpha")
"""The learning rate's letter: η (seeds 000–002) or α (seed 003)."""


def gradient_descent(obj: Objective, *, form: str | None = None, rate: str = "eta") -> Derivation:
    """The derivation of gradient descent for ``obj``.

    Args:
        obj: the loss and its parameters θ.
        form: ``"lecture"`` (Taylor expansion of L(θ + ηu), the descent condition, the
            steepest direction by Cauchy–Schwarz and by the angle β, the update rule
            and the per-parameter update equations, every component written out),
            ``"vector"`` (the same argument with vector parameters kept whole: gradients
            and Hessian blocks in vector form, the dimension-free Cauchy–Schwarz proof,
            w ← w − η∇_wℒ; its size does not grow with the vectors' length), or
            ``"disc"`` (the linear model s + u(θ₁ − a) + v(θ₂ − b) minimised over a disc
            of radius d). The default is ``"vector"`` when a parameter is a vector
            (``params="w:100 b"``), else ``"lecture"``.
        rate: the learning rate's letter, ``"eta"`` (η) or ``"alpha"`` (α), in the
            lecture form.

    Raises:
        OptionError: for an unknown form or something that is not an Objective.
        DeclarationError: the disc form with a loss using one of its names (s, u, v, d,
            eta, epsilon).
        BudgetError: a loss too large to prove in reasonable time (see
            :meth:`derive.objective.Objective.check_budget`).
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"gradient_descent() needs an Objective, got {type(obj).__name__}")
    if form is None:
        form = "vector" if any(b.length is not None for b in obj.blocks) else "lecture"
    if form not in FORMS:
        raise OptionError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    if rate not in RATES:
        raise OptionError(f"rate must be one of {', '.join(RATES)}, got {rate!r}")
    if form == "vector":
        return vector_descent(obj, rate)
    obj.check_budget("a symbolic proof", max_params=MAX_PROOF_PARAMS)  # every surface
    return _lecture(obj, rate) if form == "lecture" else _disc(obj)


def _prose(letters: dict[str, str]) -> Callable[[str], str]:
    """Prose with derive's own letters as printed (η′ when the user's loss has an eta)."""
    changed = {k: v for k, v in letters.items() if k != v}

    def say(text: str) -> str:
        for letter, shown in changed.items():
            text = text.replace(letter, shown)
        return text

    return say


def _defines(g: sympy.Symbol, p: sympy.Symbol) -> str:
    """The words of a gradient component's definition: 'g_w = ∂L/∂w'."""
    return f"{unicode(g)} = ∂L/∂{display_name(p.name)}"


def partial_steps(
    obj: Objective, why: str = "differentiate the loss with respect to {p}"
) -> tuple[Step, ...]:
    """One identity step ∂ℒ/∂p = (its value) per parameter p (label 'partial-p'); ``why``
    may name the parameter as ``{p}`` (as written) or ``{name}`` (as printed)."""
    return tuple(
        Step(
            sympy.Derivative(obj.expr, p, evaluate=False),
            "=",
            g,
            why.format(p=p, name=display_name(p.name)),
            Identity(),
            f"partial-{p}",
        )
        for p, g in zip(obj.params, obj.gradient(), strict=True)
    )


def _lecture(obj: Objective, rate: str = "eta") -> Derivation:
    params, n = obj.params, len(obj.params)
    eta = fresh_symbol(obj, rate)
    d = fresh_symbol(obj, "d")
    u = _fresh(obj, "u")
    g = _fresh(obj, "g")
    h = hessian_symbols(obj)
    gradient, hessian = obj.gradient(), obj.hessian()
    definitions = tuple(
        Fact(g[i], "=", gradient[i], _defines(g[i], params[i]), "definition") for i in range(n)
    ) + tuple(
        Fact(
            h[i, j],
            "=",
            hessian[i, j],
            f"{unicode(h[i, j])} = ∂²L/∂{display_name(params[i].name)}"
            f"∂{display_name(params[j].name)}",
            "definition",
        )
        for (i, j) in h
    )
    loss = obj.expr
    shifted = loss.xreplace({p: p + eta * ui for p, ui in zip(params, u, strict=True)})
    first = sympy.Add(*(ui * gi for ui, gi in zip(u, g, strict=True)))
    second = sympy.Add(*(u[i] * u[j] * h[min(i, j), max(i, j)] for i in range(n) for j in range(n)))
    norm_sq = sympy.Add(*(gi**2 for gi in g))
    space = concrete_space(u, g)
    lemma, lemma_facts = steepest_steps(space, d)
    beta = fresh_symbol(obj, "beta")
    angle, angle_facts = angle_steps(space, beta)
    stepped = loss.xreplace({p: p - eta * gi for p, gi in zip(params, g, strict=True)})
    steps = (
        *partial_steps(obj),
        Step(
            shifted,
            "=O",
            loss + eta * first + eta**2 / 2 * second,
            "Taylor's theorem in η: L + η uᵀ∇L + (η²/2) uᵀ∇²L u + O(η³)",
            Truncation(eta, 2),
            "taylor",
        ),
        *condition_steps(loss, shifted, eta, first),
        *lemma,
        *angle,
        *against_gradient_steps(loss, stepped, eta, d, norm_sq),
        *(
            Step(
                p - eta * gi,
                "=",
                p - eta * gradient[i],
                f"the update equation: {display_name(p.name)} ← {display_name(p.name)} − "
                f"{unicode(eta)} ∂L/∂{display_name(p.name)}",
                Substitution(_defines(gi, p)),
                f"update-{p.name}",
            )
            for i, (p, gi) in enumerate(zip(params, g, strict=True))
        ),
    )
    eta_tex = latex(eta)
    theta_tex = r"\Theta" if any(display_name(p.name) == "θ" for p in params) else r"\theta"
    say = _prose({"η": unicode(eta), "β": unicode(beta), "θ": "Θ" if "Theta" in theta_tex else "θ"})
    steps = tuple(
        step if step.label.startswith("update-") else dataclasses.replace(step, why=say(step.why))
        for step in steps
    )
    return Derivation(
        f"Gradient descent for {obj.describe()}",
        steps,
        tuple(
            dict.fromkeys(  # the lemma and the angle argument share g ≠ 0: state it once
                (
                    *definitions,
                    Fact(eta, ">", 0, f"{unicode(eta)} > 0"),
                    *lemma_facts,
                    *angle_facts,
                    *condition_facts(first),
                )
            )
        ),
        say("θ_new = θ − η ∇L(θ): move against the gradient, with learning rate η > 0."),
        (
            (first, r"u^\top g"),
            (sympy.sqrt(norm_sq), r"\|g\|"),
            (sympy.sqrt(sympy.Add(*(ui**2 for ui in u))), r"\|u\|"),
            (norm_sq, r"\|g\|^2"),
            (sympy.Add(*(ui**2 for ui in u)), r"\|u\|^2"),
            (loss, r"\mathcal{L}"),
            (shifted, rf"\mathcal{{L}}({theta_tex} + {eta_tex} u)"),
            (
                stepped,
                rf"\mathcal{{L}}({theta_tex} - {eta_tex} g)",
            ),
            *_arguments(
                params,
                {
                    theta_tex: params,
                    f"{theta_tex} + {eta_tex} u": [
                        p + eta * ui for p, ui in zip(params, u, strict=True)
                    ],
                    f"{theta_tex} - {eta_tex} g": [
                        p - eta * gi for p, gi in zip(params, g, strict=True)
                    ],
                },
            ),
        ),
        ("decrease", "increase", "gd-decrease", *(f"update-{p.name}" for p in params)),
    )


def _arguments(params: Any, points: dict[str, Any]) -> tuple[tuple[sympy.Tuple, str], ...]:
    """Argument lists for the display names (see :mod:`derive.written`): θ by its
    components and each point the loss is taken at, so that a page can write
    ℒ(θ + ηu) = ℒ(w + ηu_w, b + ηu_b). One parameter needs none (ℒ(x) is written as is)."""
    if len(params) < 2:
        return ()
    return tuple((sympy.Tuple(*point), tex) for tex, point in points.items())


def _disc(obj: Objective) -> Derivation:
    params, n = obj.params, len(obj.params)
    taken = {s.name for s in obj.expr.free_symbols}
    a = (  # the seeds' point (a, b) when the loss leaves those names free
        tuple(sympy.Symbol(x, real=True) for x in "ab")
        if n == 2 and not taken & {"a", "b"}
        else _fresh(obj, "a")
    )
    names = ("u", "v") if n == 2 else tuple(f"c_{p.name}" for p in params)
    if taken & {*names, "s", "d", "eta", "epsilon"}:
        raise DeclarationError(
            "the disc form names its quantities s, u, v, d, eta and epsilon; "
            "rename the loss's symbols"
        )
    c = tuple(sympy.Symbol(name, real=True) for name in names)
    s = sympy.Symbol("s", real=True)
    eta = sympy.Symbol("eta", real=True)
    eps = sympy.Symbol("epsilon", real=True)
    d = sympy.Symbol("d", real=True)
    at = dict(zip(params, a, strict=True))
    partials = [gi.xreplace(at) for gi in obj.gradient()]
    norm = sympy.sqrt(sympy.Add(*(ci**2 for ci in c)))
    definitions = (
        Fact(s, "=", obj.expr.xreplace(at), "s = L(a)", "definition"),
        *(
            Fact(ci, "=", pi, f"{ci} = ∂L/∂{display_name(p.name)}(a)", "definition")
            for ci, pi, p in zip(c, partials, params, strict=True)
        ),
        Fact(eta, "=", d / norm, "η = d/‖∇L(a)‖", "definition"),
    )
    offset = tuple(p - ai for p, ai in zip(params, a, strict=True))
    lemma, facts = steepest_steps(
        concrete_space(offset, c),
        d,
        {"g ≠ 0": "∇L(a) ≠ 0", "‖u‖ ≤ d": "θ lies in the red circle of radius d about a"},
    )
    linear = s + sympy.Add(*(ci * oi for ci, oi in zip(c, offset, strict=True)))
    near = obj.expr.xreplace({p: ai + eps * (p - ai) for p, ai in zip(params, a, strict=True)})
    steps = (
        Step(
            near,
            "=O",
            linear.xreplace({p: ai + eps * (p - ai) for p, ai in zip(params, a, strict=True)}),
            "Taylor: in a small circle, L(θ) ≈ s + u(θ₁ − a) + v(θ₂ − b)",
            Truncation(eps, 1),
            "linear-model",
        ),
        *lemma,
        *(
            Step(
                ai - d * ci / norm,
                "=",
                ai - eta * ci,
                "the minimiser in the circle, with η = d/‖(u, v)‖",
                Substitution("η = d/‖∇L(a)‖"),
                f"minimiser-{p.name}",
            )
            for p, ai, ci in zip(params, a, c, strict=True)
        ),
        *(
            Step(
                ai - eta * ci,
                "=",
                ai - eta * pi,
                "this is gradient descent",
                Substitution(f"{ci} = ∂L/∂{display_name(p.name)}(a)"),
                f"update-{p.name}",
            )
            for p, ai, ci, pi in zip(params, a, c, partials, strict=True)
        ),
    )
    return Derivation(
        f"Gradient descent on a disc of radius d for {obj.describe()}",
        steps,
        (*definitions, *facts),
        "(θ₁, θ₂) = (a, b) − η (u, v): the smallest value of the linear model in the circle.",
        (
            (obj.expr, r"\mathcal{L}"),
            (near, r"\mathcal{L}(a + \varepsilon(\theta - a))"),
            *_arguments(
                params,
                {
                    r"\theta": params,
                    "a": a,
                    r"a + \varepsilon(\theta - a)": [
                        ai + eps * (p - ai) for p, ai in zip(params, a, strict=True)
                    ],
                },
            ),
        ),
        tuple(s.label for s in steps if s.label.startswith(("minimiser-", "update-"))),
    )
