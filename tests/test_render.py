"""Rendering: golden LaTeX, escaping, line breaking, Markdown, terminal text, and pdflatex."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sympy

import derive as dv
from derive import Derivation
from derive.errors import DeriveError
from derive.examples import SIGMOID_NEURON
from derive.lectures import LECTURES, lecture
from derive.render import latex, markdown, tex_text, text

GOLDEN = Path(__file__).parent / "golden"

SMALL: dict[str, Callable[[], Derivation]] = {
    "steepest_descent_r1": lambda: dv.steepest_descent(1),
    "step_size_2x2": lambda: dv.step_size(
        dv.Objective("2*x**2", "x"), lr="0.1", start={"x": 1}, steps=2
    ),
    "newton_quadratic": lambda: dv.newton_step(dv.Objective("(w - 1)**2 + 3*b**2 + w*b", "w b")),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_latex_matches_the_reviewed_golden_file(name: str) -> None:
    d = SMALL[name]()
    got = latex(d)
    path = GOLDEN / f"{name}.tex"
    if os.environ.get("DERIVE_REGOLD"):
        path.write_text(got)
    assert got == path.read_text()


def test_tex_text_escapes_specials_and_maps_unicode() -> None:
    assert tex_text("50% & $x_1$") == r"50\% \& \$$x_{1}$\$"
    assert tex_text("‖u‖ ≤ d, g ≠ 0") == r"$\| u \|$ $\le$ $d$, $g$ $\neq$ 0"
    assert tex_text("e.g. f(x) at (a, b)") == r"e.g. $f$($x$) at ($a$, $b$)"
    assert tex_text("θ_1") == r"$\theta _{1}$"
    with pytest.raises(DeriveError, match="no LaTeX spelling for '☃'"):
        tex_text("☃")


def test_every_library_text_has_a_latex_spelling() -> None:
    for build in (
        *SMALL.values(),
        lambda: dv.gradient_descent(SIGMOID_NEURON),
        lambda: dv.steepest_descent(None),
    ):
        d = build()
        for piece in (
            d.title,
            d.conclusion,
            *(s.why for s in d.steps),
            *(f.text for f in d.assumptions),
        ):
            tex_text(piece)


def test_long_sums_break_across_lines() -> None:
    x = sympy.symbols("x1:30", real=True)
    d = Derivation(
        "long", (dv.Step(sympy.Add(*x) ** 1, "=", sympy.Add(*x), "", dv.kernel.Identity()),)
    )
    rows = [r for r in latex(d).splitlines() if r.startswith("&")]
    assert len(rows) >= 3


def test_markdown_has_math_blocks_and_the_verdicts() -> None:
    d = dv.steepest_descent(2)
    md = markdown(d)
    assert md.startswith("## Steepest descent")
    assert md.count("$$") == 2 * len(d.steps)
    assert "**Step 1** (sum of squares, proved)" in md
    assert md.rstrip().endswith("*verified: 13 of 13 steps proved, 1 premise assumed*")
    assert d._repr_markdown_() == markdown(d)
    fragment = d._repr_latex_()
    assert r"\begin{align*}" in fragment and r"\intertext" not in fragment  # MathJax renders it
    assert fragment.count(r"\begin{align*}") == len(d.steps)


def test_terminal_text_marks_each_step() -> None:
    d = dv.steepest_descent(2)
    shown = text(d)
    assert shown.count("✓") == len(d.steps) - 1 and shown.count("•") == 1  # one assumption
    broken = d.replace_step(
        "bound", dv.Step(d.step("bound").lhs, ">=", 0, "wrong", dv.kernel.Identity())
    )
    shown = text(broken)
    assert "✗" in shown or "?" in shown
    assert "NOT verified" in shown


def _pdflatex() -> str | None:
    found = shutil.which("pdflatex")
    if found is None and os.environ.get("CI"):
        pytest.fail("pdflatex is missing in CI: .ci/run must install texlive-latex-base")
    if found is None:
        pytest.skip("pdflatex not installed (apt-get install texlive-latex-base)")
    return found


def _compile(tex: str, workdir: Path, name: str) -> str:
    engine = _pdflatex()
    (workdir / f"{name}.tex").write_text(tex)
    done = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"{name}.tex"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = (workdir / f"{name}.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert (workdir / f"{name}.pdf").stat().st_size > 1000
    return log


def _overfull(log: str) -> list[float]:
    return [
        float(w)
        for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
        if float(w) > 10
    ]


LIBRARY: dict[str, Callable[[], Derivation]] = {
    "steepest_free": lambda: dv.steepest_descent(None),
    "steepest_r3": lambda: dv.steepest_descent(3),
    "steepest_angle": lambda: dv.steepest_descent(2, form="angle"),
    "gd_neuron": lambda: dv.gradient_descent(SIGMOID_NEURON),
    "gd_disc": lambda: dv.gradient_descent(dv.Objective("w**2 + 3*b**2", "w b"), form="disc"),
    "gd_logistic": lambda: dv.gradient_descent(dv.Objective("log(1 + exp(-y*(w*x + b)))", "w b")),
    "newton_symbolic": lambda: dv.newton_step(dv.Objective("exp(w) + b**2", "w b")),
    "newton_concrete": lambda: dv.newton_step(SIGMOID_NEURON, {"w": 0, "b": 0}),
    "step_size": lambda: dv.step_size(dv.Objective("2*x**2", "x"), lr="0.1", start={"x": 1}),
}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_library_document_compiles_without_overfull_lines(name: str, tmp_path: Path) -> None:
    d = LIBRARY[name]()
    log = _compile(d.document(), tmp_path, name)
    assert _overfull(log) == []


@pytest.mark.parametrize("number", sorted(LECTURES))
def test_every_lecture_verifies_and_compiles(number: int, tmp_path: Path) -> None:
    lec = lecture(number)
    assert lec.verify()
    log = _compile(lec.document(), tmp_path, f"lecture{number}")
    assert _overfull(log) == []


def test_taylor_forms_compile(tmp_path: Path) -> None:
    t = dv.taylor(SIGMOID_NEURON, 2, about={"w": 0, "b": 0})
    body = "\n".join(
        [
            r"\documentclass[10pt]{article}",
            r"\usepackage{amsmath,amssymb}",
            r"\begin{document}",
            r"\[ " + t.latex("componentwise") + r" \]",
            r"\[ " + t.latex("structured") + r" \]",
            r"\end{document}",
        ]
    )
    _compile(body, tmp_path, "taylor_forms")
