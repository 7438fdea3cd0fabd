r"""A lecture on the user's own loss, built like the seed lectures (:mod:`derive.lectures`):
the loss stated, its gradient, Taylor's theorem and the descent condition, the angle β,
the update equations, and — at a point θ₀ — a certified step size with the first
iterates; Newton's step and the stable step sizes when the loss is a quadratic. Figures
where the loss has one parameter (the curve with the iterates) or two (the contours with
the path, and the red circle of the certified radius).

>>> from derive.objective import Objective
>>> lec = user_lecture(Objective("x**4 + 3*y**2 + x*y", "x y"), at={"x": 1, "y": 1})
>>> lec.verify(), lec.name, [f.name for f in lec.figures]
(True, 'lecture-loss', ['path', 'circle'])
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy

from .derivation import Derivation
from .errors import DeriveError, DimensionError, DomainError, OptionError, PointError
from .lectures import Figure, Lecture, Section
from .library.certify import descent_radius
from .library.gradient import gradient_descent, partial_steps
from .library.newton import newton_step
from .library.stepsize import step_size
from .library.vector_calculus import vector_calculus
from .objective import Objective
from .printer import decimal, display_name, latex, superscript, unicode
from .taylor import fresh_symbol

__all__ = ["MAX_PARAMS", "user_lecture"]

MAX_PARAMS = 6
"""The most scalar parameters a lecture shows: each has its own partial derivative and
update equation on the page."""

_STEPS = 5
"""How many iterates the worked example lists."""

_POINT = "\ue000"
"""Stands for the starting point in prose until derive's letters are renamed (the point
names the user's parameters, which keep their names)."""


def user_lecture(
    obj: Objective,
    at: Mapping[str, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> Lecture:
    r"""The lecture on ``obj``: the seed lectures' argument for this loss, every step
    checked by the kernel.

    Args:
        obj: the loss (at most :data:`MAX_PARAMS` scalar parameters; with vector
            parameters the lecture is in vector form, without a worked example).
        at: a starting point θ₀ (every parameter); with it, a section proves a step
            size η₀ at θ₀ (every 0 < η ≤ η₀ decreases the loss) and lists the first
            iterates with η₀, and the figures start there. Default: θ₀ = 1 in every
            coordinate for the figures and the certified step (where the gradient
            vanishes there, only the symbolic sections are written).
        data: a value for every data symbol (the symbolic sections keep the data as
            symbols; the worked example and the figures need numbers).

    Raises:
        OptionError: ``obj`` is not an Objective.
        DimensionError: more than :data:`MAX_PARAMS` scalar parameters.
        PointError: ``at`` or ``data`` with vector parameters.
        PointError: ``at`` misses or invents a parameter.
        DomainError: the gradient vanishes at the given ``at`` (no step decreases the
            loss there), or the loss is not smooth along the step.

    >>> from derive.objective import Objective
    >>> lec = user_lecture(Objective("(x - 3)**2", "x"), at={"x": 0})
    >>> print(lec.parts[-1].heading)
    Newton's method
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"user_lecture() needs an Objective, got {type(obj).__name__}")
    if any(b.length is not None for b in obj.blocks):
        if at is not None or data is not None:
            raise PointError(
                "a lecture with vector parameters is written in vector form, for every "
                "length: a starting point or data values apply to scalar parameters only"
            )
        return _vector_lecture(obj)
    params = obj.params
    if len(params) > MAX_PARAMS:
        raise DimensionError(
            f"a lecture shows every partial derivative and update equation: at most "
            f"{MAX_PARAMS} parameters, this loss has {len(params)} (derive prove "
            "gradient-descent writes the derivation for any number)"
        )
    if data is not None and obj.data:
        missing = sorted(s.name for s in obj.data if s.name not in data)
        unknown = sorted(set(data) - {s.name for s in obj.data})
        if missing or unknown:
            raise PointError(
                f"data values: give one for every data symbol of the loss "
                f"({', '.join(s.name for s in obj.data)}); "
                + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}")
            )
    given = at is not None
    start = obj.point(at if at is not None else {p.name: 1 for p in params}, what="--at")
    point = dict(zip(params, start, strict=True))
    numeric = not obj.data or data is not None
    names = ", ".join(latex(p) for p in params)
    statement = rf"\mathcal{{L}}({names}) = {latex(obj.expr)}"
    named = sigmoid_names(obj)
    gd = _with_names(gradient_descent(obj), named)
    parts = [
        Section(
            "The gradient",
            _with_names(_partials(obj), named),
            "The gradient ∇ℒ collects the partial derivatives of the loss, one per "
            "parameter; it points where the loss rises fastest.",
        ),
        Section(
            "Taylor's theorem and the descent condition",
            gd,
            "Move θ to θ + ηu: a direction u and a small learning rate η > 0. Write g = ∇ℒ(θ) "
            "and H = ∇²ℒ(θ) (the Hessian). Taylor's theorem expands the loss after the step; "
            "for small η the η term decides the sign of the change:",
            ("taylor", "first-order", "descent-condition", "decrease"),
            "So the step helps exactly when uᵀ∇ℒ < 0, and the more negative uᵀ∇ℒ, the "
            "larger the decrease.",
        ),
        Section(
            "The angle β: the best direction",
            gd,
            "Let β be the angle between u and ∇ℒ and k = ‖u‖‖∇ℒ‖; then uᵀ∇ℒ = k cos β "
            "with −1 ≤ cos β ≤ 1:",
            ("k-cos", "k-lower", "k-upper", "angle-180", "only-180"),
            "The least value −k is reached at cos β = −1: u points against the gradient.",
        ),
        Section(
            "The update equations",
            gd,
            "So step against the gradient; in components, repeated until the loss is small:",
            ("gd-decrease", *(f"update-{p.name}" for p in params)),
            figure="path",
        ),
    ]
    figures: list[Figure] = []
    remarks: list[str] = []
    table: tuple[tuple[Any, ...], ...] = ()
    header: tuple[str, ...] = ()
    certified = None
    if numeric:
        try:
            certified = descent_radius(obj, at={p.name: v for p, v in point.items()}, data=data)
        except DomainError as exc:
            if given:
                raise DomainError(_refused(obj, point, data, exc)) from None
            remarks.append(
                f"At θ₀ = ({_values(start)}) no step size is certified ({exc}); give another "
                "starting point with --at for a worked example."
            )
    where = ", ".join(f"{display_name(p.name)} = {unicode(v)}" for p, v in point.items())
    lr = 0.1
    if certified is not None:
        eta0 = certified.eta
        lr = float(eta0)
        parts.append(
            Section(
                "A certified step size at θ₀",
                certified.derivation,
                f"How small must the step be? At θ₀ ({_POINT}) the kernel proves, by Taylor's "
                "theorem with an interval bound on the curvature along the step, that every "
                f"0 < η ≤ η₀ = {unicode(eta0)} along −∇ℒ decreases the loss:",
                ("slope", "decrease"),
                "This is the seeds' red circle made exact: its radius is d = η₀‖∇ℒ(θ₀)‖.",
                figure="circle",
            )
        )
        table, header = (
            _iterates(obj, point, eta0, data),
            (
                "k",
                *(f"{display_name(p.name)}_k" for p in params),
                "ℒ(θ_k)",
            ),
        )
        remarks.append(
            f"The table lists gradient descent from θ₀ with η = η₀ = {unicode(eta0)}, the "
            "certified step; the loss decreases at the first step, as proved."
        )
    hessian = obj.hessian()
    if not obj.data and not hessian.free_symbols:  # a quadratic: Newton and 2/λ_max
        try:
            stable = step_size(obj)
            parts.append(
                Section(
                    "Which step sizes converge",
                    stable,
                    "The loss is a quadratic: its Hessian H is one matrix, and each step of "
                    "gradient descent multiplies the error by I − ηH:",
                )
            )
        except DeriveError as exc:  # singular or not convex: no stable step size
            remarks.append(f"No step size makes gradient descent converge here: {exc}.")
        try:
            parts.append(
                Section(
                    "Newton's method",
                    newton_step(obj),
                    "Keeping the second-order term too: the model m(p) = ℒ + gᵀp + ½pᵀHp of a "
                    "step p is least at p* = −H⁻¹g, where H is positive definite:",
                )
            )
        except DeriveError as exc:
            remarks.append(f"Newton's step has no minimiser to move to: {exc}.")
    remarks.append(
        "Far from θ₀ the certified step may be too small or too large: the loss surface can "
        "have several minima, and optimizers (momentum, Adam) change the update to move "
        "faster and to escape poor local minima."
        if certified is not None
        else "A very small η creeps towards a minimum; a large one overshoots, and the "
        "iterates oscillate or grow."
    )
    drawable = numeric and len(params) <= 2
    if drawable:
        from .emit import emit

        try:  # the figures run the emitted update rule
            emit(obj, "gd")
        except DeriveError as exc:
            drawable = False
            remarks.append(f"No figures: the update rule cannot be run as code ({exc}).")
    if drawable:
        figures.append(
            Figure(
                "path",
                f"Gradient descent from θ₀ ({_POINT}) with η = {lr:.3g}"
                + (" (the certified step η₀)" if certified is not None else "")
                + ": "
                + (
                    "the iterates on the curve."
                    if len(params) == 1
                    else "the path on the contours, against the gradient."
                ),
                lambda: _path_figure(obj, start, lr, data),
                0.5,
            )
        )
        if certified is not None and len(params) == 2:
            radius = certified.eta * sympy.sqrt(
                sum(
                    sympy.sympify(g).xreplace(point).xreplace(_data(obj, data)) ** 2
                    for g in obj.gradient()
                )
            )
            figures.append(
                Figure(
                    "circle",
                    "Left: the loss along −∇ℒ beside its first- and second-order Taylor "
                    f"models. Right: the red circle of the certified radius d ≈ "
                    f"{float(radius):.3g} about θ₀ and the linear model's minimiser on it.",
                    lambda: _circle_figure(obj, point, float(radius), data),
                    0.9,
                )
            )
    intro = (
        "This lecture derives gradient descent for your loss, the way the seed lectures do, "
        "and the kernel checks every step. The loss"
        + (f" (data: {', '.join(display_name(s.name) for s in obj.data)})" if obj.data else "")
        + ":"
    )
    letters = _letters(obj)

    def say(text: str) -> str:  # derive's letters renamed, the user's point left as given
        return letters(text).replace(_POINT, where)

    return Lecture(
        0,
        f"Gradient descent for {obj.describe()}",
        intro,
        tuple(
            dataclasses.replace(p, heading=say(p.heading), text=say(p.text), after=say(p.after))
            for p in parts
        ),
        statement,
        tuple(say(r) for r in remarks),
        table,
        header,
        tuple(dataclasses.replace(f, caption=say(f.caption)) for f in figures),
        stem="lecture-loss",
    )


def _vector_lecture(obj: Objective) -> Lecture:
    """The lecture for vector parameters: the same argument with θ = [w, b] in blocks
    (gradient and Hessian blocks, Taylor by blocks, Cauchy–Schwarz without coordinates,
    w ← w − η∇_wℒ), the same size for every length; no worked example (it would need
    every component)."""
    gd = gradient_descent(obj)  # vector form for vector parameters
    blocks = [b.representative for b in obj.blocks]
    names = ", ".join(latex(b) for b in blocks)
    sizes = ", ".join(
        f"{display_name(b.name)} ∈ ℝ{superscript(b.length)}"
        for b in obj.blocks
        if b.length is not None
    )
    parts = [
        Section(
            "The gradient and the Hessian, by blocks",
            vector_calculus(obj),
            f"The parameters are kept whole ({sizes}): each block of the gradient is a vector "
            "or a number, each block of the Hessian a matrix, a vector or a number, written "
            "once for every length:",
        ),
        Section(
            "Taylor's theorem and the descent condition",
            gd,
            "Move θ to θ + ηu, u = [u_w, …] in the same blocks, with a small learning rate "
            "η > 0. Taylor's theorem expands the loss after the step; for small η the η term "
            "decides the sign of the change:",
            ("taylor", "first-order", "descent-condition", "decrease"),
            "So the step helps exactly when uᵀ∇ℒ < 0.",
        ),
        Section(
            "Cauchy–Schwarz: the best direction",
            gd,
            "Without coordinates: ‖u + tg‖² ≥ 0 for every real t gives |uᵀg| ≤ ‖u‖‖g‖, so "
            "within ‖u‖ ≤ d the change uᵀg is least, −d‖g‖, exactly at u* = −d g/‖g‖:",
            ("cauchy-schwarz", "bound", "attained", "unique"),
        ),
        Section(
            "The update equations",
            gd,
            "So step against the gradient, block by block:",
            ("gd-decrease", *(f"update-{b.name}" for b in blocks)),
        ),
    ]
    letters = _letters(obj)
    return Lecture(
        0,
        f"Gradient descent for {obj.describe()}",
        "This lecture derives gradient descent for your loss in vector form, the way the "
        "seed lectures do, and the kernel checks every step for vectors of every length. "
        "The loss"
        + (
            f" (data: {', '.join(display_name(b.name) for b in obj.data_blocks)})"
            if obj.data
            else ""
        )
        + ":",
        tuple(
            dataclasses.replace(
                p, heading=letters(p.heading), text=letters(p.text), after=letters(p.after)
            )
            for p in parts
        ),
        rf"\mathcal{{L}}({names}) = {latex(obj.structured)}",
        (
            "A worked example with numbers, a certified step size and figures need every "
            "component: they are written for scalar parameters.",
        ),
        (),
        (),
        (),
        stem="lecture-loss",
    )


def _letters(obj: Objective) -> Callable[[str], str]:
    """Our prose with derive's letters as the derivations print them: where the loss has
    a parameter η (or β, θ, u, g, d), derive's learning rate prints η′, and so must the
    words."""
    table = {}
    for name in ("eta", "beta", "u", "g", "d"):
        shown = display_name(fresh_symbol(obj, name).name)
        if shown != display_name(name):
            table[display_name(name)] = shown
    if any(display_name(p.name) == "θ" for p in obj.params):  # the library writes Θ then
        table["θ"] = "Θ"
    if not table:
        return lambda text: text

    def alone(letter: str) -> str:  # not inside a word of its own script: ηu is η and u
        script = "α-ω" if "α" <= letter <= "ω" else "A-Za-z"
        return f"(?<![{script}′]){re.escape(letter)}(?![{script}′_])"

    found = re.compile("|".join(f"({alone(letter)})" for letter in table))
    return lambda text: found.sub(lambda m: table[m.group(0)], text)


_LETTERS = ("z", "a", "s", "t", "r")
"""Candidate names for the argument of a sigmoid, the first one the loss does not use."""


def sigmoid_names(obj: Objective) -> tuple[tuple[Any, str], ...]:
    r"""Display names for the logistic subexpressions of the loss's derivatives, as a
    lecturer writes them: z for each exponent's argument (z = y(wx + b)), σ(z) for
    1/(1 + e^{−z}) and e^{z}/(1 + e^{z}), σ(−z) for e^{−z}/(1 + e^{−z}) and 1/(1 + e^{z}),
    σ′(z) for e^{−z}/(1 + e^{−z})². Display only: the kernel checks the same steps, and a
    Names line defines each name printed.

    >>> from derive.objective import Objective
    >>> obj = Objective("log(1 + exp(-y*(w*x + b)))", "w b", data="x y")
    >>> [tex for _, tex in sigmoid_names(obj)]
    ['z', '\\sigma(z)', '\\sigma(-z)']
    """
    found: list[Any] = []
    for e in (obj.expr, *obj.gradient()):
        for power in sorted(sympy.sympify(e).atoms(sympy.exp), key=sympy.default_sort_key):
            z = power.args[0]
            z = -z if z.could_extract_minus_sign() else z
            if not z.is_Symbol and not z.is_Number and z not in found:
                found.append(z)
    taken = {display_name(s.name) for s in (*obj.params, *obj.data)}
    letter = next((c for c in _LETTERS if c not in taken), None)
    if letter is None or not found:
        return ()
    derivatives = (obj.expr, *obj.gradient())
    names: list[tuple[Any, str]] = []
    for k, z in enumerate(found, 1):
        tex = letter if len(found) == 1 else f"{letter}_{{{k}}}"
        down, up = sympy.exp(-z), sympy.exp(z)
        names += [
            (z, tex),
            (1 / (1 + down), rf"\sigma({tex})"),
            (up / (1 + up), rf"\sigma({tex})"),
            (down / (1 + down), rf"\sigma(-{tex})"),
            (1 / (1 + up), rf"\sigma(-{tex})"),
            (down / (1 + down) ** 2, rf"\sigma'({tex})"),
            (up / (1 + up) ** 2, rf"\sigma'({tex})"),
        ]
    shown = [(key, tex) for key, tex in names[1:] if _occurs(key, derivatives)]
    # each z that a σ name uses is named too (its exponent may print it negated)
    used = {z for z, tex in names if any(f"({tex})" in s or f"(-{tex})" in s for _, s in shown)}
    return tuple((key, tex) for key, tex in names if key in used or (key, tex) in shown)


def _occurs(key: Any, exprs: Any) -> bool:
    """Is ``key`` a subexpression of one of ``exprs``, or (a product) some of the factors
    of one of their products?"""
    factors = set(sympy.Mul.make_args(key))
    for e in map(sympy.sympify, exprs):
        if e.has(key) or any(factors <= set(m.args) for m in e.atoms(sympy.Mul)):
            return True
    return False


def _with_names(d: Derivation, names: tuple[tuple[Any, str], ...]) -> Derivation:
    return dataclasses.replace(d, names=(*d.names, *names)) if names else d


def _partials(obj: Objective) -> Derivation:
    steps = partial_steps(obj, "differentiate with respect to {name}, holding the others fixed")
    return Derivation(
        f"The gradient of {obj.describe()}",
        steps,
        (),
        "∇ℒ: one partial derivative per parameter.",
        conclusions=tuple(s.label for s in steps),
    )


def _refused(obj: Objective, point: dict[Any, Any], data: Any, exc: DomainError) -> str:
    """Why no step size is certified at the given point, in the user's terms."""
    where = ", ".join(f"{p.name} = {unicode(v)}" for p, v in point.items())
    values = _data(obj, data)
    gradient = [sympy.sympify(g).xreplace(values).xreplace(point) for g in obj.gradient()]
    if all(sympy.simplify(g) == 0 for g in gradient):
        return (
            f"the gradient vanishes at {where} (a stationary point): no step decreases the "
            "loss there; start the worked example elsewhere (--at)"
        )
    return f"no step size is certified at {where}: {exc}"


def _values(values: Any) -> str:
    return ", ".join(unicode(v) for v in values)


def _data(obj: Objective, data: Mapping[str, Any] | None) -> dict[Any, Any]:
    if not data:
        return {}
    return {s: sympy.Rational(str(data[s.name])) for s in obj.data}


def _iterates(
    obj: Objective, point: dict[Any, Any], eta: Any, data: Mapping[str, Any] | None
) -> tuple[tuple[Any, ...], ...]:
    """The first iterates of gradient descent with step ``eta`` from ``point``: exact where
    the values stay short rationals, else 15 significant digits (30-digit arithmetic)."""
    values = _data(obj, data)
    loss = obj.expr.xreplace(values)
    gradient = [sympy.sympify(g).xreplace(values) for g in obj.gradient()]
    current = dict(point)
    rows = []
    for k in range(_STEPS + 1):
        rows.append((k, *(_shown(current[p]) for p in obj.params), _shown(loss.xreplace(current))))
        if k == _STEPS:
            break
        step = [g.xreplace(current) for g in gradient]
        current = {p: _tidy(current[p] - eta * s) for p, s in zip(obj.params, step, strict=True)}
    return tuple(rows)


def _tidy(value: Any) -> Any:
    """An exact rational while it is short, else a 30-digit float."""
    value = sympy.nsimplify(value) if isinstance(value, sympy.Float) else value
    if isinstance(value, sympy.Rational) and len(str(value)) <= 24:
        return value
    return sympy.Float(sympy.N(value, 30), 30)


def _shown(value: Any) -> Any:
    """A table cell: an integer or a short exact decimal as it is (0.36), anything else to
    6 significant digits, so a column reads in one style."""
    value = _tidy(value)
    if isinstance(value, sympy.Integer) or decimal(value) is not None:
        return value
    return sympy.Float(mpmath.nstr(sympy.Float(value, 30)._to_mpmath(100), 6), 6)


def _path_figure(obj: Objective, start: Any, lr: float, data: Any) -> Any:
    from . import plot

    if data:  # the data's values in the loss: the figure's title shows the loss drawn
        obj = Objective(obj.expr.xreplace(_data(obj, data)), obj.params)
    steps = _STEPS if len(obj.params) == 1 else 12  # the table's iterates, labelled on the curve
    path = plot.iterates(obj, [float(v) for v in start], lr=lr, steps=steps)
    if len(obj.params) == 1:
        return plot.curve(obj, path, label=f"gd, η = {lr:.3g}")
    return plot.contours(obj, path, label=f"gd, η = {lr:.3g}")


def _circle_figure(obj: Objective, point: dict[Any, Any], radius: float, data: Any) -> Any:
    from . import plot

    if data:
        obj = Objective(obj.expr.xreplace(_data(obj, data)), obj.params)
    return plot.taylor_models(obj, {p.name: float(v) for p, v in point.items()}, radius=radius)
