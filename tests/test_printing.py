"""What users read: no Python syntax in any format, parentheses kept across line breaks,
the lecturer's term order, and a user's names never printed like derive's own symbols."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
import sympy

import derive as dv
from derive import Derivation
from derive.examples import SIGMOID_NEURON
from derive.kernel import Identity, Step
from derive.lectures import LECTURES, lecture
from derive.library import build
from derive.printer import latex as latex_math
from derive.printer import ordered_terms, unicode
from derive.render import _lines, latex, markdown, text

PYTHON = re.compile(
    r"[\w)]\*\*[\w(]|Abs\(|sqrt\(|Matrix\(|Derivative\(|Subs\(|[A-Za-z0-9)]\*[A-Za-z0-9(]"
    r"|\bh_\w_\w\b|\beta_\b"
)

LIBRARY: dict[str, Callable[[], Derivation]] = {
    "steepest_free": lambda: dv.steepest_descent(None),
    "steepest_r3": lambda: dv.steepest_descent(3),
    "steepest_angle": lambda: dv.steepest_descent(2, form="angle"),
    "gd_neuron": lambda: dv.gradient_descent(SIGMOID_NEURON),
    "gd_linear": lambda: dv.gradient_descent(dv.Objective("(w*x + b - y)**2", "w b")),
    "gd_disc": lambda: dv.gradient_descent(dv.Objective("w**2 + 3*b**2", "w b"), form="disc"),
    "gd_alpha": lambda: dv.gradient_descent(dv.Objective("2*x**2", "x"), rate="alpha"),
    "newton_symbolic": lambda: dv.newton_step(dv.Objective("exp(w) + b**2", "w b")),
    "newton_quadratic": lambda: dv.newton_step(dv.Objective("(w - 1)**2 + 3*b**2 + w*b", "w b")),
    "newton_concrete": lambda: dv.newton_step(SIGMOID_NEURON, {"w": 0, "b": 0}),
    "step_size": lambda: dv.step_size(dv.Objective("2*x**2", "x"), lr="0.1", start={"x": 1}),
    "taylor": lambda: build("taylor", {"loss": "sqrt(1 + w**2) + exp(-b)/3", "params": "w b"}),
}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_no_python_syntax_in_text_or_markdown(name: str) -> None:
    d = LIBRARY[name]()
    assert d.verify().ok
    shown_forms = (text(d), text(d, flat=True), markdown(d), d.html(), repr(d), d.title)
    for shown in (*shown_forms, d.conclusion, repr(d.verify())):
        found = PYTHON.search(shown)
        assert found is None, (found.group(0), shown[max(0, found.start() - 60) : found.end() + 60])


@pytest.mark.parametrize("number", sorted(LECTURES))
def test_no_python_syntax_in_lectures(number: int) -> None:
    lec = lecture(number)
    for shown in (lec.markdown(full=True), lec.title, repr(lec)):
        found = PYTHON.search(shown)
        assert found is None, (found.group(0), shown[max(0, found.start() - 60) : found.end() + 60])


def test_unicode_printer_writes_mathematics() -> None:
    w, x, eta, g = sympy.symbols("w x eta g_w", real=True)
    assert unicode(2 * x**2) == "2x²"
    assert unicode(w - eta * g) == "w − η·g_w"
    assert unicode(sympy.sqrt(w**2 + 1)) == "√(w² + 1)"
    assert unicode(sympy.Abs(w - 1)) == "|w − 1|"
    assert unicode(sympy.Matrix([[4 * x]])) == "4x"
    assert unicode(sympy.Matrix([1, w])) == "(1, w)"
    assert unicode(sympy.cos(sympy.Symbol("beta"))) == "cos(β)"
    assert unicode(sympy.Symbol("theta")) == "θ" and unicode(sympy.Symbol("thetas")) == "thetas"
    assert unicode(1 / (x + 1)) == "1/(x + 1)"
    assert unicode(x / (w * (w + 1))) == "x/(w(w + 1))"


def test_terms_in_a_lecturers_order() -> None:
    L, eta, g, h = sympy.symbols("L eta g h", real=True)
    assert ordered_terms(eta**2 * h / 2 + eta * g + L) == [L, eta * g, eta**2 * h / 2]
    w, gw = sympy.symbols("w g_w", real=True)
    assert latex_math(w - eta * gw) == r"w - \eta g_{w}"
    assert unicode(-g + h) == "h − g"


def test_users_eta_and_deriving_eta_print_apart() -> None:
    obj = dv.Objective("(eta - 1)**2 + (beta - 2)**2 + eta*beta", "eta beta")
    d = dv.gradient_descent(obj)
    assert d.verify().ok
    shown = text(d)
    assert "η′" in shown and "β′" in shown  # derive's learning rate and angle, renamed
    update = d.step("update-eta")
    assert unicode(update.lhs) == "η − η′·g_η"
    assert r"\eta'" in latex(d)


@pytest.mark.parametrize("names", ["d u", "g s", "theta w", "beta eta"])
def test_user_parameters_with_derives_letters_verify_and_print_distinctly(names: str) -> None:
    first, second = names.split()
    obj = dv.Objective(f"({first} - 1)**2 + 3*({second} + 1)**2 + {first}*{second}", names)
    for d in (dv.gradient_descent(obj), dv.newton_step(obj)):
        assert d.verify().ok
        symbols = set()
        for step in d.steps:
            for side in (step.lhs, step.rhs):
                if isinstance(side, sympy.Basic):
                    symbols |= side.free_symbols
        printed: dict[str, str] = {}
        for s in symbols:
            shown = unicode(s)
            assert printed.setdefault(shown, s.name) == s.name, (shown, s.name)


def test_a_broken_product_keeps_its_parentheses() -> None:
    x = sympy.symbols("x1:12", real=True)
    s_b, big_x = sympy.symbols("s_b X", real=True)
    product = (s_b - big_x) * sympy.Add(*x) * sympy.Add(*(xi**2 for xi in x))
    lines = _lines(product, 40, None)
    assert len(lines) > 1
    joined = " ".join(lines)
    assert joined.startswith(r"\left(- X + s_{b}\right)") or r"\left(s_{b} - X\right)" in joined
    depth = 0
    for line in lines:  # every line's brackets balance once the \Big pairs are counted
        depth += line.count(r"\left(") + line.count(r"\Big(")
        depth -= line.count(r"\right)") + line.count(r"\Big)")
        assert depth >= 0
    assert depth == 0


def test_a_negated_sum_keeps_its_parentheses_when_broken() -> None:
    x = sympy.symbols("x1:20", real=True)
    a = sympy.Symbol("a", real=True)
    written = sympy.Add(a, sympy.Mul(-1, sympy.Add(*x), evaluate=False), evaluate=False)
    lines = _lines(written, 30, None)
    assert len(lines) > 1
    assert lines[0] == "a" and lines[1].startswith(" - \\Big(") and lines[-1].endswith("\\Big)")


def test_newton_names_the_hessian_as_printed() -> None:
    d = dv.newton_step(dv.Objective("exp(w) + b**2 + w*b", "w b"))
    definitions = [f.text for f in d.assumptions if f.scope == "definition"]
    assert "H_ww = ∂²L/∂w∂w" in definitions and "H_wb = ∂²L/∂w∂b" in definitions
    assert not any("h_0" in t or "h_1" in t for t in definitions)
    tex = latex(d)
    assert r"\begin{matrix}H_{ww} & H_{wb}\\H_{wb} & H_{bb}\end{matrix}" in tex
    assert "the Hessian" in tex


def test_fragments_have_no_intertext_and_documents_do() -> None:
    d = dv.newton_step(dv.Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))
    assert r"\intertext" not in latex(d)
    assert r"\intertext" in latex(d, fragment=False)
    assert r"\intertext" in d.document()


def test_objective_and_lecture_have_rich_displays() -> None:
    obj = dv.Objective("2*x**2", "x")
    assert obj._repr_latex_() == r"$\mathcal{L}(x) = 2 x^{2}$"
    assert obj.describe() == "ℒ(x) = 2x²"
    lec = lecture(3)
    assert repr(lec) == "<Lecture 3: Gradient descent on f(x) = 2x² (3 sections, verified)>"
    assert len(repr(lec)) < 100
    assert lec._repr_markdown_().startswith("# Gradient descent on $f(x) = 2x^2$")


def test_terminal_text_draws_compound_fractions_in_2d_and_flat_on_request() -> None:
    x = sympy.Symbol("x", real=True)
    step = Step(x / (x**2 + 1) + 1 / (x**2 + 1), "=", (x + 1) / (x**2 + 1), "add", Identity())
    d = Derivation("add", (step,))
    drawn = text(d).splitlines()
    assert drawn[2:5] == [
        "        x        1      x + 1",
        "✓  1. ────── + ────── = ──────",
        "      x² + 1   x² + 1   x² + 1",
    ]
    assert text(d, flat=True).splitlines()[2] == "✓  1. x/(x² + 1) + 1/(x² + 1) = (x + 1)/(x² + 1)"
    assert d.text(flat=True) == text(d, flat=True)


def test_2d_text_keeps_display_names_order_and_decimals() -> None:
    from derive.pretty import pretty

    w, b, eta = sympy.symbols("w b eta", real=True)
    shown = pretty(w - eta * (w + b) / (2 * w + 1) - sympy.Rational(9, 10))
    assert shown.splitlines()[1].startswith("w − 0.9 − ") and "η" in shown and "eta" not in shown
    assert pretty(sympy.Symbol("eta_") * w**2) == "η′⋅w²"


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_2d_text_has_no_python_syntax_and_fits_100_columns(name: str) -> None:
    shown = text(LIBRARY[name]())
    assert PYTHON.search(shown) is None
    steps = [line for line in shown.splitlines() if not line.startswith(("Conclusion", "       "))]
    assert all(len(line) <= 100 for line in steps if "─" in line or "⎛" in line)


def _sides(d: Derivation) -> list[sympy.Expr]:
    """The sides of the steps that are plain expressions (the reader of derive check takes
    no Derivative, Subs, matrix or vector sum as a whole)."""
    out = []
    for step in d.steps:
        for side in (step.lhs, step.rhs):
            if isinstance(side, sympy.MatrixBase) or not isinstance(side, sympy.Expr):
                continue
            if side.has(sympy.Derivative, sympy.Subs):
                continue
            if any(type(f).__name__ in ("VectorSum", "Inner") for f in side.atoms(sympy.Function)):
                continue
            out.append(side)
    return out


def _reads_back(side: sympy.Expr) -> bool:
    """Does the LaTeX printed for ``side`` read back (through derive check's reader) to the
    same expression? Equal at random rational points to 30 digits, symbols matched by
    their printed names."""
    from derive.audit.latex import read_row

    (statement,) = read_row(latex_math(side))
    got = sympy.sympify(statement.pieces[0].value)
    rename = {s: read_row(latex_math(s))[0].pieces[0].value for s in side.free_symbols}
    want = side.xreplace(rename)
    symbols = sorted(got.free_symbols | want.free_symbols, key=str)
    rng = random.Random(12)
    for _ in range(2):
        at = {s: sympy.Rational(rng.randint(1, 9), rng.randint(2, 7)) for s in symbols}
        a, b = sympy.N(got.xreplace(at), 30), sympy.N(want.xreplace(at), 30)
        if abs(a - b) > sympy.Float("1e-20", 30) * (1 + abs(b)):
            return False
    return True


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_printed_latex_reads_back_to_the_checked_expression(name: str) -> None:
    sides = _sides(LIBRARY[name]())
    wrong = [latex_math(s) for s in sides if not _reads_back(s)]
    assert wrong == []


@pytest.mark.parametrize("number", sorted(LECTURES))
def test_a_lectures_printed_latex_reads_back_to_the_checked_expressions(number: int) -> None:
    sides = [s for d in lecture(number).derivations() for s in _sides(d)]
    assert len(sides) >= 10
    wrong = [latex_math(s) for s in sides if not _reads_back(s)]
    assert wrong == []
