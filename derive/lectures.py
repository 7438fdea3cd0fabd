r"""The seed lectures, generated and verified: each teaches what its note teaches, in the
note's notation, with every equation checked by the kernel.

===  ===============================================  =========================================
#    note                                             sections
===  ===============================================  =========================================
0    Learning parameters: gradient descent            the gradient of w² + b²; Taylor expansion
                                                      with the second-order term; the descent
                                                      condition; the cos β argument
1    The reason behind moving against the gradient    small steps (η² ≪ 1), the descent
                                                      condition, ±‖u‖‖∇ℒ‖, cos β = −1, the update
                                                      equations w ← w − η∂ℒ/∂w, b ← b − η∂ℒ/∂b
2    Gradient descent theory (two variables)          the linear model s + u(θ₁−a) + v(θ₂−b)
                                                      minimised over the red circle of radius d;
                                                      the second-order term: Newton's method
3    Gradient descent on f(x) = 2x²                   df/dx = 4x = 0 at x = 0; the iterates
                                                      0.6, 0.36, … from x₀ = 1 with α = 0.1;
                                                      the step size decides speed or oscillation;
                                                      exercises with checked solutions
===  ===============================================  =========================================

A lecture prints each section in a brief form (the steps the seed makes, under their own
numbers in the checked derivation); ``document(full=True)`` adds an appendix with every
step the kernel checked. Every section verifies in full either way.

>>> lecture(3).verify()
True
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy

from .derivation import Derivation
from .errors import InternalError, OptionError
from .examples import SIGMOID_NEURON, SIGMOID_NEURON_POINTS, SIGMOID_NEURON_TEXT
from .kernel import Affine, Assumption, Fact, Identity, Report, Sign, Step
from .library import build, learning_rate_bound
from .library.gradient import gradient_descent
from .library.newton import newton_step
from .library.stepsize import step_size
from .objective import Objective
from .printer import decimal
from .printer import latex as latex_math
from .render import latex, markdown, md_heading, tex_text

__all__ = ["LECTURES", "Exercise", "Figure", "Lecture", "Section", "lecture"]


@dataclass(frozen=True)
class Section:
    """A part of a lecture: our words, then a checked derivation in brief form.

    ``brief``: the labels of the steps shown (empty: every step); ``after``: words that
    follow the steps; ``figure``: the name of a figure placed after the section.
    """

    heading: str
    derivation: Derivation
    text: str = ""
    brief: tuple[str, ...] = ()
    after: str = ""
    figure: str = ""

    def shown(self) -> tuple[str, ...] | None:
        return self.brief or None


@dataclass(frozen=True)
class Figure:
    """A figure of the lecture: a name, a caption and how to draw it (a Matplotlib figure,
    from :mod:`derive.plot`)."""

    name: str
    caption: str
    draw: Callable[[], Any] = field(repr=False)
    width: float = 0.55
    """The figure's width as a fraction of the text's."""


@dataclass(frozen=True)
class Exercise:
    """A question and its solution, a derivation the kernel checks."""

    question: str
    solution: Derivation
    brief: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Lecture:
    """A lecture: its example stated, sections of checked derivations, figures, remarks,
    a worked table and exercises."""

    number: int
    title: str
    note: str
    parts: tuple[Section, ...]
    example: str = ""
    """The example's loss in LaTeX mathematics (stated before the sections)."""
    remarks: tuple[str, ...] = ()
    table: tuple[tuple[Any, ...], ...] = ()
    table_header: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    stem: str = ""
    """The files' name without suffix (default: lectureN)."""

    @property
    def name(self) -> str:
        """The files' name without suffix: ``lecture3``, or the stem given."""
        return self.stem or f"lecture{self.number}"

    @property
    def sections(self) -> tuple[tuple[str, Derivation], ...]:
        """(heading, derivation) for each section (exercises are in :attr:`exercises`)."""
        return tuple((p.heading, p.derivation) for p in self.parts)

    def derivations(self) -> tuple[Derivation, ...]:
        """Each distinct derivation once, the exercises' solutions included (two sections
        may show parts of one derivation)."""
        seen: dict[int, Derivation] = {}
        for d in (*(p.derivation for p in self.parts), *(e.solution for e in self.exercises)):
            seen.setdefault(id(d), d)
        return tuple(seen.values())

    def reports(self) -> tuple[Report, ...]:
        """The kernel's report on each distinct derivation, the exercises' included."""
        return tuple(d.verify() for d in self.derivations())

    def verify(self) -> bool:
        """Does every section verify (in full, not only the steps shown)?"""
        return all(r.ok for r in self.reports())

    def labels(self) -> set[str]:
        """The labels of the steps each section shows (what a reader of the brief sees)."""
        out: set[str] = set()
        for part in self.parts:
            steps = part.derivation.steps
            out |= {s.label for s in steps if not part.brief or s.label in part.brief}
        for e in self.exercises:
            out |= {s.label for s in e.solution.steps if not e.brief or s.label in e.brief}
        return out

    def document(self, *, full: bool = False, figures: Mapping[str, str] | None = None) -> str:
        """A standalone .tex document: the brief form; ``full`` adds every checked step in
        an appendix; ``figures`` maps a figure's name to its file (see :meth:`write`)."""
        parts = [
            r"\documentclass[10pt]{article}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\usepackage{amsmath,amssymb,graphicx}",
            r"\allowdisplaybreaks",
            r"\setlength{\emergencystretch}{3em}",
            r"\setlength{\parindent}{0pt}\setlength{\parskip}{3pt}",
            r"\AtBeginDocument{\setlength{\abovedisplayskip}{4pt}"
            r"\setlength{\belowdisplayskip}{4pt}\setlength{\jot}{2pt}}",
            r"\begin{document}",
            rf"{{\Large\bfseries {tex_text(self.title)}\par}}\smallskip",
            tex_text(self.note),
        ]
        if self.example:
            parts += [r"\begin{equation*}", self.example, r"\end{equation*}"]
        for part in self.parts:
            parts.append(rf"\subsection*{{{tex_text(part.heading)}}}")
            if part.text:
                parts.append(tex_text(part.text))
            parts.append(latex(part.derivation, fragment=False, only=part.shown()))
            checked = _checked(part.derivation, part.brief)
            if checked or part.after:
                parts.append(rf"{{\small {checked}}} {tex_text(part.after)}".strip())
            if part.figure and figures and part.figure in figures:
                parts += _figure_tex(self, part.figure, figures)
        if self.table:
            parts += _table_tex(self.table, self.table_header)
        if self.remarks:
            parts += [r"\subsection*{Remarks}", r"\begin{itemize}"]
            parts += [rf"\item {tex_text(r)}" for r in self.remarks]
            parts.append(r"\end{itemize}")
        if self.exercises:
            parts.append(r"\subsection*{Exercises}")
            parts.append(r"\begin{enumerate}")
            parts += [rf"\item {tex_text(e.question)}" for e in self.exercises]
            parts.append(r"\end{enumerate}")
            for k, e in enumerate(self.exercises):
                parts.append(rf"\paragraph{{Solution {k + 1}.}}")
                parts.append(latex(e.solution, fragment=False, only=e.brief or None))
        parts.append(rf"\par\smallskip{{\small\itshape {tex_text(self.verification())}}}")
        if full:
            parts.append(r"\appendix\section*{Appendix: every checked step}")
            for d in self.derivations():
                parts += [rf"\subsection*{{{tex_text(d.title)}}}", latex(d, fragment=False)]
        parts += [r"\end{document}", ""]
        return "\n".join(parts)

    def verification(self) -> str:
        """The kernel's verdict on every derivation of the lecture, in one sentence.

        >>> lecture(3).verification()
        'Verified by the kernel: 6 derivations, 78 steps (67 proved, 11 stated premises).'
        """
        reports = [d.verify() for d in self.derivations()]
        failed = [r.title for r in reports if not r.ok]
        if failed:
            return "NOT verified: " + "; ".join(r.summary() for r in reports if not r.ok) + "."
        steps = sum(len(r.steps) for r in reports)
        proved = sum(1 for r in reports for s in r.steps if s.status == "proved")
        assumed = sum(1 for r in reports for s in r.steps if s.status == "assumed")
        return (
            f"Verified by the kernel: {len(reports)} derivations, {steps} steps "
            f"({proved} proved, {assumed} stated premises)."
        )

    def markdown(self, *, full: bool = False, figures: Mapping[str, str] | None = None) -> str:
        """The lecture as MyST/Markdown (math in $…$ and $$…$$); ``figures`` maps a
        figure's name to its image file (see :meth:`write`)."""
        out = [f"# {md_heading(self.title)}", "", self.note, ""]
        if self.example:
            out += [f"$$ {self.example} $$", ""]
        for part in self.parts:
            out += [f"## {md_heading(part.heading)}", ""]
            if part.text:
                out += [part.text, ""]
            out.append(markdown(part.derivation, only=part.shown(), level=3))
            out += [_checked_text(part.derivation, part.brief), ""]
            if part.after:
                out += [part.after, ""]
            if part.figure and figures and part.figure in figures:
                caption = next(f.caption for f in self.figures if f.name == part.figure)
                out += [f"![{caption}]({figures[part.figure]})", "", f"*{caption}*", ""]
        if self.table:
            out += ["## Worked example", "", "| " + " | ".join(self.table_header) + " |"]
            out += ["|" + "---:|" * len(self.table_header)]
            out += ["| " + " | ".join(f"${_cell(c)}$" for c in row) + " |" for row in self.table]
            out.append("")
        if self.remarks:
            out += ["## Remarks", "", *(f"- {r}" for r in self.remarks), ""]
        for k, e in enumerate(self.exercises):
            out += [f"## Exercise {k + 1}", "", e.question, "", "**Solution.**", ""]
            out.append(markdown(e.solution, only=e.brief or None, level=3))
        out += ["## Verification", "", self.verification(), ""]
        if full:
            out += ["## Appendix: every checked step", ""]
            out += [markdown(d, level=3) for d in self.derivations()]
        return "\n".join(out) + "\n"

    def write(self, folder: str | Path, *, pdf: bool = False, full: bool = False) -> Path:
        """Write NAME.tex, NAME.md and the figures (PDF and PNG) into ``folder`` (NAME is
        :attr:`name`, e.g. lecture3); with ``pdf``, compile NAME.pdf there with pdflatex.
        Returns the .tex path."""
        from . import plot  # Matplotlib only when figures are drawn

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        files, images = {}, {}
        for figure in self.figures:  # PDF for pdflatex, PNG for Markdown viewers
            drawn = figure.draw()
            name = f"{self.name}-{figure.name}"
            plot.save(drawn, out / f"{name}.pdf")
            plot.save(drawn, out / f"{name}.png")
            files[figure.name], images[figure.name] = f"{name}.pdf", f"{name}.png"
        tex = out / f"{self.name}.tex"
        tex.write_text(self.document(full=full, figures=files))
        (out / f"{self.name}.md").write_text(self.markdown(full=full, figures=images))
        if pdf:
            done = subprocess.run(
                [
                    "pdflatex",
                    "-interaction=nonstopmode",
                    "-halt-on-error",
                    "-no-shell-escape",
                    tex.name,
                ],
                cwd=out,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0:
                first = next((ln for ln in done.stdout.splitlines() if ln.startswith("!")), "")
                raise InternalError(f"pdflatex could not compile {tex.name}: {first}".strip())
        return tex

    def __repr__(self) -> str:
        status = "verified" if self.verify() else "NOT verified"
        return f"<Lecture {self.number}: {self.title} ({len(self.parts)} sections, {status})>"

    def _repr_markdown_(self) -> str:
        return self.markdown()


def _checked(d: Derivation, brief: tuple[str, ...]) -> str:
    """A line saying how many steps the kernel checked beyond those shown."""
    return tex_text(_checked_text(d, brief)) if brief else ""


def _checked_text(d: Derivation, brief: tuple[str, ...]) -> str:
    if not brief:
        return ""
    report = d.verify()
    hidden = len(d.steps) - len(set(brief))
    verdict = "all proved or stated premises" if report.ok else "NOT verified"
    return (
        f"({len(set(brief))} of the {len(d.steps)} checked steps shown; the other {hidden}, "
        f"the bookkeeping in between, are checked all the same: {verdict}.)"
    )


def _cell(value: Any) -> str:
    return latex_math(sympy.sympify(value))


def _table_tex(rows: tuple[tuple[Any, ...], ...], header: tuple[str, ...]) -> list[str]:
    return [
        r"\subsection*{Worked example}",
        r"\begin{center}",
        rf"\begin{{tabular}}{{{'r' * len(header)}}}",
        " & ".join(tex_text(h) for h in header) + r" \\ \hline",
        *(" & ".join(f"${_cell(c)}$" for c in row) + r" \\[2pt]" for row in rows),
        r"\end{tabular}",
        r"\end{center}",
    ]


def _figure_tex(lec: Lecture, name: str, files: Mapping[str, str]) -> list[str]:
    figure = next(f for f in lec.figures if f.name == name)
    return [
        r"\begin{center}",
        rf"\includegraphics[width={figure.width}\textwidth]{{{files[name]}}}\\",
        rf"{{\small {tex_text(figure.caption)}}}",
        r"\end{center}",
    ]


# --- the examples -------------------------------------------------------------------------


def _neuron(w: str = "w", b: str = "b") -> tuple[Objective, str]:
    """The sigmoid neuron with parameters named ``w`` and ``b``, and its statement in LaTeX
    (checked: the stated form, with σ(z) = 1/(1 + e^{−z}), is exactly the loss)."""
    text = SIGMOID_NEURON_TEXT.replace("w", "\0").replace("b", b).replace("\0", w)
    obj = Objective(text, params=f"{w} {b}") if (w, b) != ("w", "b") else SIGMOID_NEURON
    pw, pb = obj.params
    sigma = sympy.Function("sigma")
    xs = [sympy.Rational(x) for x, _ in SIGMOID_NEURON_POINTS]
    ys = [sympy.Rational(y) for _, y in SIGMOID_NEURON_POINTS]
    stated = sum((sigma(pw * x + pb) - y) ** 2 / 2 for x, y in zip(xs, ys, strict=True))
    z = sympy.Symbol("z")
    expanded = stated.replace(sigma, sympy.Lambda(z, 1 / (1 + sympy.exp(-z))))
    if sympy.simplify(expanded - obj.expr) != 0:
        raise InternalError("the stated sigmoid neuron is not the loss")
    points = ", ".join(
        rf"(x_{k + 1}, y_{k + 1}) = ({x}, {y})" for k, (x, y) in enumerate(SIGMOID_NEURON_POINTS)
    )
    params = f"{latex_math(pw)}, {latex_math(pb)}"
    statement = (
        rf"\mathcal{{L}}({params}) = \frac12 \sum_{{i=1}}^{{2}} "
        rf"\bigl(\sigma({latex_math(pw)} x_i + {latex_math(pb)}) - y_i\bigr)^2,"
        rf"\quad \sigma(z) = \frac{{1}}{{1 + e^{{-z}}}},\quad {points}"
    )
    return obj, statement


def _sigmoid_named(d: Derivation, obj: Objective) -> Derivation:
    r"""``d`` with the neuron's subexpressions named as a lecturer writes them: zᵢ = w xᵢ + b,
    σ(zᵢ) = 1/(1 + e^{−zᵢ}) and σ'(zᵢ) = e^{−zᵢ}/(1 + e^{−zᵢ})², so a derivative reads
    (σ(z₁) − 0.2)σ'(z₁)/2 + … instead of exponentials (the kernel checks the same steps;
    the Names line defines each name)."""
    pw, pb = obj.params
    used = {s.name: s for step in d.steps for s in sympy.sympify(step.rhs).free_symbols}
    if "a" in used and "b" in used and pb.name != "b":  # at the point (a, b), as seed 002
        pw, pb = used["a"], used["b"]
    names: list[tuple[Any, str]] = []
    for i, (x, _) in enumerate(SIGMOID_NEURON_POINTS, 1):
        z = sympy.Rational(x) * pw + pb
        e = sympy.exp(-z)
        names += [
            (1 / (1 + e), rf"\sigma(z_{{{i}}})"),
            (e / (1 + e) ** 2, rf"\sigma'(z_{{{i}}})"),
            (z, f"z_{{{i}}}"),
        ]
    return dataclasses.replace(d, names=(*d.names, *names))


_NEURON_NOTE = (
    "Our example is a sigmoid neuron σ(wx + b) fitted by squared error to two points; "
    "its loss depends on θ = [w, b]:"
)


def _gradient_example() -> Derivation:
    """The notes' example: y = w² + b² has gradient [2w, 2b]."""
    obj = Objective("w**2 + b**2", "w b")
    w, b = obj.params
    return Derivation(
        "The gradient of y = w² + b²",
        tuple(
            Step(
                sympy.Derivative(obj.expr, p, evaluate=False),
                "=",
                2 * p,
                f"differentiate with respect to {p}, holding the other parameter fixed",
                Identity(),
                f"example-{p}",
            )
            for p in (w, b)
        ),
        (),
        "∇y = [2w, 2b]: one partial derivative per component of θ = [w, b].",
        conclusions=("example-w", "example-b"),
    )


def _calculus_minimum(obj: Objective) -> Derivation:
    """Setting the derivative to zero: f'(x) = 0 at the minimiser, and f'' > 0 there."""
    (x,) = obj.params
    first = sympy.diff(obj.expr, x)
    roots = sympy.solve(first, x)
    if len(roots) != 1:
        raise InternalError("the calculus example needs a single stationary point")
    root = roots[0]
    second = sympy.diff(obj.expr, x, 2)
    return Derivation(
        f"The minimum of {obj.describe()} by calculus",
        (
            Step(
                sympy.Derivative(obj.expr, x, evaluate=False),
                "=",
                first,
                "differentiate",
                Identity(),
                "derivative",
            ),
            Step(
                sympy.Subs(first, x, root),
                "=",
                0,
                f"the derivative vanishes at {x} = {root}",
                Identity(),
                "stationary",
            ),
            Step(
                sympy.Derivative(obj.expr, (x, 2), evaluate=False),
                "=",
                second,
                "differentiate again",
                Identity(),
                "second-derivative",
            ),
            Step(
                second, ">", 0, "the curvature is positive, so this is a minimum", Sign(), "convex"
            ),
        ),
        (),
        f"{x} = {root} minimises the loss.",
    )


def _iterates(
    obj: Objective, lr: str, start: dict[str, Any], steps: int
) -> tuple[tuple[Any, ...], ...]:
    x = obj.params[0]
    value, rate = sympy.Rational(start[x.name]), sympy.Rational(lr)

    def row(k: int, value: Any) -> tuple[Any, ...]:  # exact x_k; f(x_k) as a short decimal
        loss = obj.expr.xreplace({x: value})
        short = isinstance(loss, sympy.Integer) or decimal(loss) is not None
        return (k, value, loss if short else sympy.Float(loss, 6))

    rows = [row(0, value)]
    for k in range(1, steps + 1):
        value = value - rate * sympy.diff(obj.expr, x).xreplace({x: value})
        rows.append(row(k, value))
    return tuple(rows)


def _oscillation(obj: Objective) -> Derivation:
    """Exercise: gradient descent on 2x² multiplies x by 1 − 4α, negative exactly when α > 1/4."""
    (x,) = obj.params
    alpha = sympy.Symbol("alpha", real=True)
    quarter = sympy.Rational(1, 4)
    return Derivation(
        "When gradient descent on ℒ(x) = 2x² oscillates",
        (
            Step(
                x - alpha * sympy.diff(obj.expr, x),
                "=",
                (1 - 4 * alpha) * x,
                "one step multiplies x by 1 − 4α",
                Identity(),
                "factor",
            ),
            Step(alpha, ">", quarter, "take α > 1/4", Assumption(), "above-quarter"),
            Step(4 * alpha, ">", 1, "multiply by 4", Affine("above-quarter", 4), "four-alpha"),
            Step(
                1 - 4 * alpha,
                "<",
                0,
                "so the factor is negative: x changes sign every step, it oscillates",
                Affine("four-alpha", -1, 1),
                "oscillates",
            ),
            Step(alpha, "<", quarter, "take 0 < α < 1/4 instead", Assumption(), "below-quarter"),
            Step(
                1 - 4 * alpha,
                ">",
                0,
                "then the factor is positive: x keeps its sign and shrinks towards 0",
                Affine("below-quarter", -4, 1),
                "monotone",
            ),
        ),
        (
            Fact(alpha, ">", 0, "α > 0"),
            Fact(alpha, ">", quarter, "α above 1/4", "hypothesis"),
            Fact(alpha, "<", quarter, "α below 1/4", "hypothesis"),
        ),
        "Gradient descent on 2x² oscillates exactly for α > 1/4 (and diverges for α > 1/2).",
        conclusions=("factor", "oscillates", "monotone"),
    )


# --- the four lectures ----------------------------------------------------------------------


def _lecture_0() -> Lecture:
    _, statement = _neuron()
    gd = build("gradient-descent")
    return Lecture(
        0,
        "Learning parameters: gradient descent",
        "We look for w and b that make the loss small. Put them in one vector θ = [w, b] and "
        "move it to θ + ηu: a direction u and a small learning rate η > 0. Which u makes the "
        "loss smaller? Taylor's theorem answers. " + _NEURON_NOTE,
        (
            Section(
                "The gradient, by example",
                _gradient_example(),
                "The gradient ∇ℒ collects the partial derivatives, one per component of θ; "
                "the Hessian ∇²ℒ, the gradient of the gradient, is the matrix of second "
                "derivatives. For y = w² + b²:",
            ),
            Section(
                "Taylor's theorem and the descent condition",
                gd,
                "Write g = ∇ℒ(θ) (components g_w, g_b) and H = ∇²ℒ(θ) (entries H_ww, H_wb, H_bb). "
                "Taylor's theorem expands the loss after the step, the second-order term "
                "included; for small η the η term dominates what follows.",
                ("taylor", "first-order", "descent-condition", "decrease"),
                "So the step helps exactly when uᵀ∇ℒ < 0, and the more negative uᵀ∇ℒ, the "
                "larger the decrease.",
            ),
            Section(
                "The angle β: how negative can uᵀ∇ℒ be?",
                gd,
                "Let β be the angle between u and ∇ℒ, and k = ‖u‖‖∇ℒ‖. Then uᵀ∇ℒ = k cos β, "
                "and since −1 ≤ cos β ≤ 1:",
                ("k-cos", "k-lower", "k-upper", "cos-lower", "cos-upper", "angle-180", "only-180"),
                "The most negative value −k is reached at cos β = −1, β = 180°: u points "
                "opposite to the gradient.",
            ),
        ),
        statement,
        (
            "Move against the gradient: of all directions of a given length, −∇ℒ lowers the loss "
            "fastest, as long as the step is small.",
        ),
    )


def _lecture_1() -> Lecture:
    obj, statement = _neuron()
    gd = _sigmoid_named(build("gradient-descent"), obj)
    return Lecture(
        1,
        "Why gradient descent moves against the gradient",
        "The weights and biases θ = [w, b] ∈ ℝ² start at random values; we change them by "
        "Δθ = u, scaled down by a learning rate η < 1 so that we do not stride past the "
        "minimum: θ_new = θ + ηu. " + _NEURON_NOTE,
        (
            Section(
                "Small steps: only the first-order term counts",
                gd,
                "Since η is small, η² ≪ η and we may drop the higher-order terms of Taylor's "
                "series; what is left is exact up to O(η²):",
                ("first-order", "descent-condition", "decrease", "increase"),
                "A good u is one with uᵀ∇ℒ(θ) < 0; with uᵀ∇ℒ(θ) > 0 every small step goes uphill.",
            ),
            Section(
                "The range of uᵀ∇ℒ(θ)",
                gd,
                "By the Cauchy–Schwarz inequality uᵀ∇ℒ(θ) lies between −‖u‖‖∇ℒ(θ)‖ and "
                "‖u‖‖∇ℒ(θ)‖, and it is least when cos β = −1, u opposite to the gradient:",
                ("cauchy-schwarz", "angle-upper", "angle-lower", "angle-180"),
            ),
            Section(
                "The update equations",
                gd,
                "So step against the gradient, and a small enough step lowers the loss; in "
                "components these are the update equations, repeated until the loss is small:",
                ("gd-decrease", "update-w", "update-b"),
                figure="path",
            ),
        ),
        statement,
        figures=(
            Figure(
                "path",
                "Gradient descent on the sigmoid neuron's loss from (w, b) = (−2, 2) with "
                "η = 2: the path runs across the contours, against the gradient.",
                lambda: _contours(obj),
            ),
        ),
    )


def _contours(obj: Objective) -> Any:
    from . import plot

    figure, _ = plot.descent_figure(obj, [-2.0, 2.0], lr=2.0, steps=40)
    return figure


def _lecture_2() -> Lecture:
    obj, statement = _neuron("theta_1", "theta_2")
    eta0, d = _certified_circle(obj)
    return Lecture(
        2,
        "Gradient descent theory: two variables",
        "Suppose θ has two variables θ₁, θ₂. Given a point (a, b), we can find the point with "
        "the smallest loss nearby: inside a small red circle of radius d about (a, b) the loss "
        "is almost its linear model. Our example is the sigmoid neuron again, with θ₁ for the "
        "weight and θ₂ for the bias:",
        (
            Section(
                "Inside the red circle: the linear model",
                _disc(obj),
                "Let s = ℒ(a, b) be the loss at (a, b), and u = ∂ℒ(a, b)/∂θ₁ and "
                "v = ∂ℒ(a, b)/∂θ₂ its partial derivatives there. Taylor's theorem, "
                "scaled by ε towards (a, b), gives the linear model; on the circle "
                "(θ₁ − a)² + (θ₂ − b)² ≤ d² its smallest value is at the point opposite to "
                "(u, v):",
                (
                    "linear-model",
                    "bound",
                    "attained",
                    "unique",
                    "minimiser-theta_1",
                    "minimiser-theta_2",
                    "update-theta_1",
                    "update-theta_2",
                ),
                "This is gradient descent, with learning rate η = d/‖(u, v)‖.",
                figure="circle",
            ),
            Section(
                "When the circle is not small: Newton's method",
                _newton(obj),
                "If the red circle (the learning rate) is not small enough, keep the "
                "second-order term too. With g = ∇ℒ and the Hessian H = ∇²ℒ, the model of a "
                "step p is m(p) = ℒ + gᵀp + ½pᵀHp; where H is positive definite its minimiser "
                "is p* = −H⁻¹g:",
            ),
        ),
        statement,
        figures=(
            Figure(
                "circle",
                "Left: the loss along −∇ℒ beside its first- and second-order Taylor models. "
                f"Right: the contours, the red circle of radius d = η₀‖∇ℒ‖ ≈ {float(d):.2f} "
                "about (a, b) = (0, 0) and the linear model's minimiser on it. The radius is "
                f"certified: every step along −∇ℒ no longer than d decreases the loss (η₀ = "
                f"{eta0}, proved by Taylor's theorem with an interval bound on the curvature).",
                lambda: _circle(obj, d),
            ),
        ),
    )


def _disc(obj: Objective) -> Derivation:
    return _sigmoid_named(gradient_descent(obj, form="disc"), obj)


def _newton(obj: Objective) -> Derivation:
    return newton_step(obj)


def _certified_circle(obj: Objective) -> tuple[Any, Any]:
    """η₀ from descent_radius at (0, 0), verified, and the radius d = η₀‖∇ℒ‖ it covers."""
    from .library.certify import descent_radius

    at = {p: 0 for p in obj.params}
    certified = descent_radius(obj, at={p.name: 0 for p in obj.params})
    if not certified.derivation.verify().ok:
        raise InternalError("the lecture's certified step size did not verify")
    gradient = [sympy.sympify(g).xreplace(at) for g in obj.gradient()]
    return certified.eta, certified.eta * sympy.sqrt(sum(g**2 for g in gradient))


def _circle(obj: Objective, d: Any) -> Any:
    from . import plot

    return plot.taylor_models(obj, {"theta_1": 0, "theta_2": 0}, radius=float(d))


def _lecture_3() -> Lecture:
    obj = Objective("2*x**2", "x")
    bound = learning_rate_bound(obj)
    return Lecture(
        3,
        "Gradient descent on f(x) = 2x²",
        "Gradient descent adjusts a parameter against the gradient until the loss is small: "
        "w ← w − α dℒ/dw, where the learning rate α decides how far to move. We minimise f(x) = 2x², "
        "once directly and once step by step from x₀ = 1 with α = 0.1.",
        (
            Section("Setting the derivative to zero", _calculus_minimum(obj)),
            Section(
                "The update rule",
                _gd_alpha(obj),
                "Taylor's theorem says a small step against the derivative lowers f; for "
                "f(x) = 2x² the update is:",
                ("gd-decrease", "update-x"),
            ),
            Section(
                "Iterates and the step size",
                _step_size(obj, "0.1", 2),
                "From x₀ = 1 with α = 0.1 each step multiplies x by 1 − 4α = 0.6:",
                (
                    "iterate-1",
                    "iterate-2",
                    "iteration-matrix",
                    "no-overshoot",
                    "contracts",
                    "no-contraction",
                ),
                f"So α must stay below 2/λ_max = {bound}. A very small α creeps towards the "
                "minimum; a large one overshoots, and the iterates oscillate (α = 0.5) or "
                "grow (α = 0.6).",
                figure="steps",
            ),
        ),
        r"f(x) = 2x^{2},\qquad x_{n+1} = x_n - \alpha\, f'(x_n) = (1 - 4\alpha)\, x_n",
        (
            "Vanilla gradient descent is seldom used alone for neural networks: their loss "
            "surfaces have many minima, and optimizers (momentum, Adam) change the update to "
            "move faster and to escape poor local minima.",
        ),
        _iterates(obj, "0.1", {"x": 1}, 5),
        ("k", "x_k (exact)", "f(x_k)"),
        (
            Figure(
                "steps",
                "f(x) = 2x² with the iterates from x₀ = 1: α = 0.1 (1 → 0.6 → 0.36 → …), "
                "α = 0.5 (oscillating between 1 and −1) and α = 0.6 (diverging).",
                lambda: _steps_figure(obj),
                0.95,
            ),
        ),
        (
            Exercise(
                "With α = 0.2 and x₀ = 1, compute x₁ and x₂.",
                _step_size(obj, "0.2", 2),
                ("iterate-1", "iterate-2"),
            ),
            Exercise(
                "For which α does gradient descent on f(x) = 2x² oscillate (x changes sign "
                "every step)?",
                _oscillation(obj),
                ("factor", "four-alpha", "oscillates", "monotone"),
            ),
            Exercise(
                "Take one Newton step for ℒ(w, b) = (w − 1)² + 3b² + wb from any point. "
                "Where does it land?",
                _newton(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b")),
                ("update",),
            ),
        ),
    )


def _gd_alpha(obj: Objective) -> Derivation:
    return gradient_descent(obj, rate="alpha")


def _step_size(obj: Objective, lr: str, steps: int) -> Derivation:
    return step_size(obj, lr=lr, start={"x": 1}, steps=steps, rate="alpha")


def _steps_figure(obj: Objective) -> Any:
    from matplotlib.figure import Figure as MplFigure

    from . import plot

    figure = MplFigure(figsize=(9, 2.3), layout="constrained")
    axes = figure.subplots(1, 3)
    for ax, lr, steps in zip(axes, (0.1, 0.5, 0.6), (4, 4, 3), strict=True):
        single = plot.curve(obj, path=plot.iterates(obj, [1.0], lr=lr, steps=steps))
        source = single.axes[0]
        for line in source.get_lines():
            ax.plot(
                *line.get_data(),
                line.get_linestyle() if line.get_gid() != "path" else "",
                marker=line.get_marker(),
                color=line.get_color(),
            )
        ax.set_title(f"α = {lr:g}")
        ax.set_xlabel("x")
    return figure


LECTURES = {0: _lecture_0, 1: _lecture_1, 2: _lecture_2, 3: _lecture_3}
"""Builders of the four lectures, by number (the seed notes 000 … 003)."""


def lecture(number: int) -> Lecture:
    """The lecture generated from seed note ``number`` (0 to 3).

    Raises:
        OptionError: for another number.
    """
    if isinstance(number, bool) or number not in LECTURES:
        raise OptionError(f"lectures are numbered 0 to {len(LECTURES) - 1}, got {number!r}")
    return LECTURES[number]()
