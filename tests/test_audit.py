"""derive check: true derivations are proved, planted errors are caught at the first wrong
line, and the verdicts come from the kernel (sealed reports), never from the reader."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import derive as dv
from derive.audit import annotate
from derive.audit.command import run

# (name, format, text, assumptions, the line of the first step not proved or None, its status)
CORPUS: list[tuple[str, str, str, tuple[str, ...], int | None, str]] = [
    (
        "binomial expansion",
        "markdown",
        "Expand:\n\n$$ (a+b)^2 = (a+b)(a+b) = a^2 + 2ab + b^2 $$\n",
        (),
        None,
        "",
    ),
    (
        "sign error",
        "markdown",
        "$$ (a-b)^2 = a^2 - 2ab + b^2 $$\n\n$$ (a-b)(a+b) = a^2 + b^2 $$\n",
        (),
        3,
        "failed",
    ),
    (
        "dropped factor in an align",
        "latex",
        "\\begin{align}\n  (x+1)^3 &= (x+1)(x^2 + 2x + 1) \\\\\n"
        "  &= x^3 + 3x^2 + 3x + 1 \\\\\n  &= x^3 + 3x^2 + x + 1\n\\end{align}\n",
        (),
        4,
        "failed",
    ),
    (
        "derivatives right",
        "markdown",
        "$$ \\frac{d}{dx} \\left( x^3 + \\sin x \\right) = 3x^2 + \\cos x $$\n\n"
        "$$ \\frac{\\partial^2}{\\partial w \\partial b} (w^2 b^3) = 6 w b^2 $$\n",
        (),
        None,
        "",
    ),
    (
        "wrong derivative",
        "markdown",
        "Let $f(x) = x^2 e^{x}$.\n\n$$ f'(x) = 2x e^{x} + x^2 e^{x} $$\n\n"
        "$$ \\frac{df}{dx} = 2x e^{x} $$\n",
        (),
        5,
        "failed",
    ),
    (
        "Taylor right",
        "markdown",
        "$$ e^{x} = 1 + x + \\frac{x^2}{2} + \\frac{x^3}{6} + O(x^4) $$\n\n"
        "$$ \\ln(1 + x) = x - \\frac{x^2}{2} + O(x^3) $$\n",
        (),
        None,
        "",
    ),
    (
        "wrong Taylor coefficient",
        "rst",
        "Expansion\n=========\n\n.. math::\n\n   \\cos x = 1 - x^2 + O(x^4)\n",
        (),
        6,
        "failed",
    ),
    (
        "AM-GM and a reversed inequality",
        "markdown",
        "$$ 2ab \\le a^2 + b^2 $$\n\n$$ x^2 + 1 \\ge 2x $$\n\n$$ a^2 + b^2 < 2ab $$\n",
        (),
        5,
        "failed",
    ),
    (
        "a premise used",
        "markdown",
        "---\nassume: [x > 0]\n---\n$$ x + \\frac{1}{x} > 0 $$\n",
        (),
        None,
        "",
    ),
    (
        "a missing premise",
        "markdown",
        "$$ x + \\frac{1}{x} > 0 $$\n",
        (),
        1,
        "failed",
    ),
    (
        "gradient descent iterates",
        "latex",
        "% assume: x_0 = 1\nStarting at $x_0 = 1$ with $f(x) = 2x^2$:\n"
        "\\begin{align*}\n  x_1 &= x_0 - 0.1 \\cdot 4 x_0 = 0.6 \\\\\n"
        "  x_2 &= x_1 - 0.1 \\cdot 4 x_1 = 0.36\n\\end{align*}\n",
        (),
        None,
        "",
    ),
    (
        "a wrong iterate",
        "markdown",
        "$$ x_1 = x_0 - 0.1 \\cdot 4 x_0 = 0.6 $$\n\n$$ x_2 = x_1 - 0.1 \\cdot 4 x_1 = 0.24 $$\n",
        ("x_0 = 1",),
        3,
        "failed",
    ),
    (
        "an implication by solving",
        "latex",
        "\\begin{align}\n  4x - 8 &= 0 \\\\\n  \\implies x &= 2\n\\end{align}\n",
        (),
        None,
        "",
    ),
    (
        "a wrong implication",
        "markdown",
        "$$ 3x = 6 \\implies x = 3 $$\n",
        (),
        1,
        "failed",
    ),
]


def _first_bad(audit: dv.audit.Audit) -> tuple[int | None, str]:  # type: ignore[name-defined]
    bad = [s for s in audit.steps if s.status not in ("proved", "assumed")]
    return (bad[0].line, bad[0].status) if bad else (None, "")


@pytest.mark.parametrize(("name", "fmt", "text", "assume", "line", "status"), CORPUS)
def test_corpus_is_judged_right_at_the_first_wrong_line(
    name: str, fmt: str, text: str, assume: tuple[str, ...], line: int | None, status: str
) -> None:
    result = dv.audit(text, format=fmt, assume=assume)
    assert result.steps, name
    assert _first_bad(result) == (line, status), (name, result.text())
    assert result.ok is (line is None)


def test_a_refuted_step_comes_with_an_exact_point_where_it_is_false() -> None:
    step = dv.audit("$$ (a-b)(a+b) = a^2 + b^2 $$").steps[0]
    assert step.status == "failed" and step.counterexample
    a, b = (dv.parse(step.counterexample[n]) for n in ("a", "b"))
    assert (a - b) * (a + b) != a**2 + b**2


def test_a_wrong_taylor_coefficient_is_named() -> None:
    step = dv.audit("$$ e^{x} = 1 + x + x^2 + O(x^3) $$").steps[0]
    assert step.status == "failed" and "coefficient of x^2" in step.reason


def test_an_equality_true_at_one_value_says_which() -> None:
    step = dv.audit("$$ x_1 = x_0 - 0.4 x_0 = 0.6 $$").steps[0]
    assert step.status == "failed" and "true if x_0 = 1" in step.reason


def test_approximations_are_reported_never_proved() -> None:
    result = dv.audit(r"$$ \sin x \approx x $$")
    assert [s.status for s in result.steps] == ["approximate"] and not result.ok


def test_undefined_functions_are_arbitrary_never_refuted() -> None:
    result = dv.audit(r"$$ L(\theta) + L(\theta) = 2 L(\theta) $$" "\n\n" r"$$ L(\theta) \ge 0 $$")
    assert [s.status for s in result.steps] == ["proved", "unproved"]
    assert "does not define" in result.steps[1].reason


def test_a_symbol_used_before_it_is_defined_is_unproved_with_the_reason() -> None:
    result = dv.audit("$$ y + 1 = 3 $$\n\n$$ y = 2 $$")
    assert [s.status for s in result.steps] == ["unproved", "unproved"]
    assert "before it is defined (line 3)" in result.steps[0].reason


def test_definitions_from_the_text_are_used() -> None:
    text = "Let $g(t) = t^2 + 1$.\n\n$$ g(a + 1) = a^2 + 2a + 2 $$\n\n$$ s = a^2 $$\n\n$$ s + 1 = g(a) $$"
    result = dv.audit(text)
    assert [s.status for s in result.steps] == ["proved", "proved"]
    assert [line for line, _ in result.definitions] == [1, 5]


def test_iff_needs_both_directions() -> None:
    assert [s.status for s in dv.audit(r"$$ 2x = 4 \iff x = 2 $$").steps] == ["assumed", "proved"]
    result = dv.audit(r"$$ x = 2 \iff x^2 = 4 $$")
    assert result.steps[-1].status == "failed" and "not ⟸" in result.steps[-1].reason
    assert result.steps[-1].counterexample == {"x": "-2"}


def test_assumptions_from_every_source_count() -> None:
    text = r"$$ x^3 \ge 0 $$"
    assert not dv.audit(text).ok
    assert dv.audit(text, assume="x >= 0").ok
    assert dv.audit("<!-- assume: x >= 0 -->\n" + text).ok
    assert dv.audit("% assume: x \\ge 0\n" + text.replace("$$", "$$", 2), format="latex").ok
    assert dv.audit("---\nassume:\n  - x >= 0\n---\n" + text).ok


def test_reST_math_directive_and_role_with_lines() -> None:
    text = (
        "Title\n=====\n\nThe role :math:`h(x) = 3x` defines h.\n\n.. math::\n   :label: one\n\n"
        "   h(2) = 6\n\n   h(1) = 4\n"
    )
    result = dv.audit(text, format="rst")
    assert [(s.line, s.status) for s in result.steps] == [(9, "proved"), (11, "failed")]


def test_results_are_immutable_and_the_json_has_the_documented_shape() -> None:
    result = dv.audit("$$ 1 + 1 = 2 $$")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.steps[0].status = "failed"  # type: ignore[misc]
    assert result.json() == {
        "ok": True,
        "steps": [
            {
                "line": 1,
                "claim": "1 + 1 = 2",
                "status": "proved",
                "counterexample": None,
                "reason": "",
            }
        ],
    }


def test_the_annotated_copy_marks_each_display_in_its_format() -> None:
    text = "\\[ (x+1)^2 = x^2 + 2x + 1 \\]\nand\n\\[ (x+1)^2 = x^2 + 1 \\]\n"
    marked = annotate(text, dv.audit(text, format="latex"))
    lines = marked.splitlines()
    assert lines[0].endswith("% ✓ derive check: 1 step proved")
    assert "% ✗ derive check: line 3 failed at x = " in lines[2]
    assert lines[1] == "and"


def test_derive_check_command_exit_codes_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, hostile = tmp_path / "good.md", tmp_path / "bad.tex", tmp_path / "evil.tex"
    good.write_text("$$ (a+b)^2 = a^2 + 2ab + b^2 $$\n")
    bad.write_text("\\[ (a+b)^2 = a^2 + b^2 \\]\n")
    hostile.write_text("\\input{/etc/passwd}\n\\[ 1 = 1 \\]\n")
    assert run([str(good)]) == 0
    assert run([str(bad), "--json"]) == 1
    out = capsys.readouterr().out
    payload = json.loads(out[out.index("{") :])
    assert payload["ok"] is False and payload["steps"][0]["line"] == 1
    assert set(payload["steps"][0]) == {"line", "claim", "status", "counterexample", "reason"}
    assert run([str(hostile)]) == 2
    assert run([str(tmp_path / "missing.md")]) == 2
    assert run([str(bad), "--format", "markdown"]) == 1
    assert run([str(good), "--assume", "x >"]) == 2


def test_verdicts_come_from_sealed_kernel_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    from derive.audit import judge

    calls: list[bool] = []
    real = judge.verify

    def spy(d: dv.Derivation) -> dv.Report:
        report = real(d)
        calls.append(report.genuine)
        return report

    monkeypatch.setattr(judge, "verify", spy)
    assert dv.audit("$$ (x+2)^2 = x^2 + 4x + 4 $$").ok
    assert calls and all(calls)


@pytest.mark.parametrize(
    ("claim", "condition"),
    [
        (r"x^3 \ge 0", "true if x ≥ 0 (proved under it)"),
        (r"\frac{1}{x} > 0", "true if x > 0 (proved under it)"),
        (r"x \ge 2x", "true if x ≤ 0 (proved under it)"),
        (r"\frac{a}{b} > 0", "true if a > 0, b > 0 (proved under it)"),
    ],
)
def test_a_failed_step_that_holds_under_a_condition_names_it(claim: str, condition: str) -> None:
    step = dv.audit(f"$$ {claim} $$").steps[0]
    assert step.status == "failed" and step.counterexample
    assert step.reason.startswith(condition), step.reason


def test_no_condition_is_named_that_the_kernel_did_not_prove() -> None:
    for claim in (r"x^2 + 1 \le 0", r"\sin x \le x - 5"):
        step = dv.audit(f"$$ {claim} $$").steps[0]
        assert step.status == "failed" and "true if" not in step.reason, step.reason


def test_implications_are_refuted_at_a_solution_of_their_hypotheses() -> None:
    proved = dv.audit(r"$$ 2x + 1 = 5 \implies x = 2 $$").steps
    assert [s.status for s in proved] == ["assumed", "proved"]
    step = dv.audit(r"$$ x^2 = 4 \implies x = 2 $$").steps[-1]
    assert step.status == "failed" and step.counterexample == {"x": "-2"}
    assert step.reason.startswith("x = -2 satisfies x^2 = 4 but not the claim")


def test_solving_never_proves_an_implication() -> None:
    # true (the solutions are 1 and 2), but the kernel has no rule that shows it
    step = dv.audit(r"$$ x^2 - 3x + 2 = 0 \implies x \ge 1 $$").steps[-1]
    assert step.status == "unproved"


def test_premises_stated_in_words_are_kept_by_every_counterexample() -> None:
    text = (
        "## A\n\n**Assume:** $d > 0$; $\\|u\\| \\le d$.\n\n"
        "**Names:** $\\|u\\| = \\sqrt{u_{b}^{2} + u_{w}^{2}}$; $\\|u\\|^2 = u_{b}^{2} + u_{w}^{2}$.\n\n"
        "$$ \\|u\\|^2 \\le d^{2} $$\n\n$$ \\|u\\|^2 \\le d $$\n"
    )
    first, second = dv.audit(text).steps
    assert first.status == "proved" and "‖u‖ ≤ d" not in first.reason
    # false (d = 1/2, ‖u‖ = 1/2), but no point offered may break ‖u‖ ≤ d
    assert second.status in ("failed", "unproved")
    if second.counterexample:
        point = {k: dv.parse(v) for k, v in second.counterexample.items()}
        assert (point["u_b"] ** 2 + point["u_w"] ** 2) <= point["d"] ** 2


def test_a_local_claim_is_proved_by_the_first_order_term_of_an_earlier_expansion() -> None:
    expansion = r"$$ \sin(\eta) - 2\eta = -\eta + O(\eta^2) $$"
    local = r"$$ \sin(\eta) - 2\eta < 0 \quad \text{for every small enough } \eta > 0 $$"
    result = dv.audit(f"{expansion}\n\n{local}\n")
    assert [s.status for s in result.steps] == ["proved", "proved"]
    assert "first-order term" in result.steps[1].reason
    alone = dv.audit(f"{local}\n").steps[0]  # no expansion to rest on: not proved
    assert alone.status == "unproved" and "for every small enough" in alone.reason
    wrong = dv.audit(f"{expansion}\n\n{local.replace('< 0', '> 0')}\n").steps[1]
    assert wrong.status != "proved"


def test_functions_written_without_a_backslash_and_powers_of_calls_read_as_meant() -> None:
    for claim in (r"cos(x)^2 + sin(x)^2 = 1", r"\cos(x)^2 + \sin(x)^2 = 1", r"\cos x = cos x"):
        step = dv.audit(f"$$ {claim} $$").steps[0]
        assert step.status in ("proved", "vacuous"), (claim, step.reason)
    assert dv.audit(r"$$ -1 \le cos(\beta) $$").steps[0].status == "unproved"  # not c·o·s·β


def test_what_a_page_states_in_words_is_read_until_the_next_heading() -> None:
    text = (
        "## One\n\n**Assume:** $\\|g\\|^2 > 0$; $\\|u\\|^2 > 0$.\n\n"
        "**Case hypotheses** (each used only in its case): "
        "$\\cos{\\left(\\beta \\right)} = \\frac{u^\\top g}{\\|g\\| \\|u\\|}$; $\\cos \\beta = -1$.\n\n"
        "**Names:** $u^\\top g = g_{b} u_{b} + g_{w} u_{w}$; "
        "$\\|g\\| = \\sqrt{g_{b}^{2} + g_{w}^{2}}$; $\\|u\\| = \\sqrt{u_{b}^{2} + u_{w}^{2}}$.\n\n"
        "$$ - \\|g\\| \\|u\\| \\le u^\\top g $$\n\n"
        "$$ \\|g\\| \\|u\\| \\cos \\beta = u^\\top g $$\n\n"
        "## Two\n\n$$ \\|g\\| \\|u\\| \\cos \\beta = u^\\top g $$\n"
    )
    first, second, third = dv.audit(text).steps
    assert first.status == "proved"  # Cauchy–Schwarz, through the names
    assert second.status == "proved" and second.reason.startswith("in the case")
    assert third.status == "unproved"  # the case and the names ended with the section
    assert "neither proved nor refuted" in third.reason


def test_intertext_words_sums_tuples_matrices_and_evaluation_bars() -> None:
    text = (
        "\\begin{align*}\n"
        "\\intertext{Names: $z = w + 1$.}\n"
        "& \\sum_{i=1}^{3} x_i = x_1 + x_2 + x_3 \\\\\n"
        "& z^2 = w^2 + 2w + 1 \\\\\n"
        "& \\left. 4 x \\right|_{x=0} = 0 \\\\\n"
        "& \\begin{bmatrix} w + 1 \\\\ 2 \\end{bmatrix} = \\begin{bmatrix} z \\\\ 1 + 1 \\end{bmatrix}\n"
        "\\end{align*}\n"
    )
    assert [s.status for s in dv.audit(text, format="latex").steps] == ["proved"] * 4
    data = "$$ f(w) = \\sum_{i=1}^{2} (w x_i - y_i)^2,\\quad (x_1, y_1) = (1, 2), (x_2, y_2) = (2, 3) $$"
    result = dv.audit(data + "\n\n$$ f(0) = 13 $$\n")
    assert [s.status for s in result.steps] == ["proved"]


def test_qualifiers_written_after_a_statement() -> None:
    result = dv.audit(r"$$ 2x \ge 2 \quad \text{if } x \ge 1 $$")
    assert [(s.status, s.claim) for s in result.steps] == [("proved", "2x \\ge 2 if x \\ge 1")]
    wrong = dv.audit(r"$$ 2x \ge 3 \quad \text{if } x \ge 1 $$").steps
    assert [s.status for s in wrong] == ["failed"]
    stated = dv.audit(r"$$ u < 0 \quad \text{(assumed)} $$").steps
    assert [s.status for s in stated] == ["assumed"]


def test_the_left_side_of_an_implication_proves_nothing_after_it() -> None:
    text = "$$ x = 2 \\implies 2x = 4 $$\n\n$$ x^2 = 4 $$\n"
    assert [s.status for s in dv.audit(text).steps] == ["assumed", "proved", "failed"]
    cases = "$$ u < 0 \\quad \\text{(assumed)} $$\n\n$$ u > 0 \\quad \\text{(assumed)} $$\n\n$$ 1 < 0 $$\n"
    assert dv.audit(cases).steps[-1].status == "failed"


def test_a_function_defined_on_a_names_line_is_called_at_other_arguments() -> None:
    page = (
        "**Names:** $\\mathcal{L}(w, b) = (w + 2b)^2$; "
        "$\\mathcal{L}(\\theta + \\eta u) = \\mathcal{L}(w + \\eta u_w, b + \\eta u_b)$.\n\n"
        "$$ \\mathcal{L}(\\theta + \\eta u) - \\mathcal{L} = 2 \\eta (w + 2b)(u_w + 2u_b)"
        " + O(\\eta^2) $$\n\n"
        "$$ \\mathcal{L}(\\theta + \\eta u) - \\mathcal{L} = 3 \\eta (w + 2b)(u_w + 2u_b)"
        " + O(\\eta^2) $$\n"
    )
    statuses = [s.status for s in dv.audit(page).steps]
    assert statuses == ["proved", "failed"]


def test_markdown_write_lines_define_partial_derivatives_also_at_a_point() -> None:
    page = (
        "$$ f(x, y) = x^2 y $$\n\n"
        "Write $g_x = \\frac{\\partial f}{\\partial x}$; $u = \\frac{\\partial f}{\\partial y}(a, b)$.\n\n"
        "$$ g_x = 2xy $$\n\n$$ u = a^2 $$\n\n$$ u = b^2 $$\n"
    )
    statuses = [s.status for s in dv.audit(page).steps]
    assert statuses == ["proved", "proved", "failed"]


def test_a_function_of_a_vectors_components_is_taken_at_another_vector() -> None:
    page = (
        "**Names:** $q^*_a = 1$; $q^*_b = 2$; $m(q) = q_a^2 + q_b^2$.\n\n"
        "$$ m(q^*) = 5 $$\n\n$$ m(q^*) = 4 $$\n"
    )
    statuses = [s.status for s in dv.audit(page).steps]
    assert statuses[0] == "proved" and statuses[1] in ("failed", "unproved")


def test_a_quadratic_form_is_non_negative_under_a_positive_definite_premise() -> None:
    page = (
        "**Assume:** $\\left[\\begin{matrix}A & B\\\\B & C\\end{matrix}\\right] \\succ 0$.\n\n"
        "**Names:** $x^\\top H x = A x_1^2 + 2 B x_1 x_2 + C x_2^2$.\n\n"
        "$$ 0 \\le x^\\top H x $$\n"
    )
    assert [s.status for s in dv.audit(page).steps] == ["proved"]
    unassumed = page.split("\n\n", 1)[1]
    assert [s.status for s in dv.audit(unassumed).steps] != ["proved"]
