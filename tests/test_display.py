"""Rich display in notebooks and short reprs: every object a user holds shows what it is
and the kernel's (or the numeric check's) verdict, in forms MathJax renders."""

from __future__ import annotations

import re

import pytest
import sympy

import derive as dv
from derive.kernel import Identity, Report, Step
from derive.lectures import lecture

PYTHON = re.compile(r"[\w)]\*\*[\w(]|Abs\(|sqrt\(|Matrix\(|[A-Za-z0-9)]\*[A-Za-z0-9(]")


def _gd() -> dv.Derivation:
    return dv.gradient_descent(dv.Objective("2*x**2", "x"))


def test_a_derivations_repr_is_one_line_with_the_kernels_verdict() -> None:
    shown = repr(_gd())
    assert shown.startswith("<Derivation 'Gradient descent for ℒ(x) = 2x²': ")
    assert "verified: " in shown and "\n" not in shown and len(shown) < 200


def test_a_derivations_html_shows_each_verdict_and_mathjax_displays() -> None:
    d = _gd()
    page = d._repr_html_()
    assert page.count("✓ proved") == sum(s.status == "proved" for s in d.verify().steps)
    assert page.count(r"\[") == len(d.steps)
    assert "assumed</span>" in page and "\\intertext" not in page
    assert "&lt; 0" in page  # relations escaped for HTML, read back by MathJax


def test_a_wrong_step_shows_as_failed_with_its_reason_in_every_display() -> None:
    x = sympy.Symbol("x", real=True)
    d = dv.Derivation("wrong", (Step((x + 1) ** 2, "=", x**2 + 1, "expand", Identity()),))
    assert "✗ failed" in d._repr_html_()
    assert "↳" in d._repr_html_()
    assert d.markdown().count("✗ **Step 1**") == 1
    report = d.verify()
    assert "NOT verified" in repr(report)
    assert "✗ failed" in report._repr_markdown_() and "✗ failed" in report._repr_html_()


def test_a_reports_reprs_list_every_step() -> None:
    report = _gd().verify()
    assert repr(report) == f"<Report 'Gradient descent for ℒ(x) = 2x²': {report.summary()}>"
    md = report._repr_markdown_()
    assert md.count("\n| ") == len(report.steps) + 1  # header and one row per step
    assert "| taylor | truncation | ✓ proved |" in md and "| assumed |" in md
    assert report._repr_html_().count("<tr>") == len(report.steps) + 1


def test_a_hand_built_report_is_not_shown_as_verified() -> None:
    forged = Report("forged", ())
    assert "NOT verified" in repr(forged) and "#cf222e" in forged._repr_html_()


@pytest.mark.parametrize("method", ["gd", "adam", "newton"])
def test_an_update_rules_displays_show_its_equations(method: str) -> None:
    rule = dv.emit(dv.Objective("(w - 1)**2 + 3*b**2", "w b"), method)
    assert repr(rule) == f"<UpdateRule {method} ({rule.spec.title}) for ℒ(w, b) = 3b² + (w − 1)²>"
    for shown in (rule._repr_latex_(), rule._repr_markdown_(), rule._repr_html_()):
        assert r"\begin{aligned}" in shown and r"\theta \leftarrow" in shown
        assert "\\intertext" not in shown
    assert PYTHON.search(repr(rule)) is None


def test_the_numeric_check_report_shows_each_comparison() -> None:
    report = dv.emit(dv.Objective("2*x**2", "x"), "gd").check(dps=30)
    assert repr(report).startswith("<NumericReport gd: checked at 30 digits")
    md = report._repr_markdown_()
    assert md.startswith("**checked**") and "| loss | ✓ passed |" in md
    assert report._repr_html_().count("<tr>") == len(report.items) + 1


def test_a_lectures_repr_is_short_and_its_markdown_renders_in_mathjax() -> None:
    lec = lecture(3)
    assert repr(lec) == "<Lecture 3: Gradient descent on f(x) = 2x² (3 sections, verified)>"
    md = lec._repr_markdown_()
    assert "\\intertext" not in md and "$$" in md and "✓ **Step" in md


@pytest.mark.parametrize(
    "make",
    [
        _gd,
        lambda: dv.newton_step(dv.Objective("(w - 1)**2 + 3*b**2 + w*b", "w b")),
        lambda: dv.steepest_descent(2),
    ],
)
def test_nothing_mathjax_renders_uses_intertext(make) -> None:  # type: ignore[no-untyped-def]
    d = make()
    for shown in (d._repr_latex_(), d._repr_markdown_(), d._repr_html_()):
        assert "\\intertext" not in shown


def test_the_tutorials_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "tutorial.rst").read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text)
    assert blocks
    for block in blocks:
        code = "\n".join(line[3:] for line in block.splitlines())
        exec(compile(code, "docs/tutorial.rst", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    assert "<Derivation \"Newton's step for ℒ(w, b)" in out and "<UpdateRule adam (Adam)" in out
    assert "<NumericReport adam: checked" in out


def test_an_objectives_html_shows_the_loss_and_its_data() -> None:
    obj = dv.Objective("(w*x - y)**2", "w", data="x y")
    assert obj._repr_html_() == (
        r"<p><b>Objective</b> \(\mathcal{L}(w) = \left(w x - y\right)^{2}\); "
        r"data: \(x\), \(y\).</p>"
    )
