r"""Rich display for notebooks (HTML, Markdown, LaTeX) and short readable reprs, for the
objects that are not derivations: an emitted update rule and the numeric check report.
Mathematics goes to MathJax as ``\[ … \]`` (HTML) or ``$$ … $$`` (Markdown, LaTeX), in
``aligned`` blocks, never ``\intertext`` (MathJax has none).

These functions read the objects; they never change them.

>>> import derive as dv
>>> rule = dv.emit(dv.Objective("2*x**2", "x"), "gd")
>>> print(rule_repr(rule))
<UpdateRule gd (gradient descent) for ℒ(x) = 2x²>
"""

from __future__ import annotations

import html
from typing import Any

__all__ = [
    "check_html",
    "check_markdown",
    "check_repr",
    "objective_html",
    "rule_html",
    "rule_latex",
    "rule_markdown",
    "rule_repr",
]

_OK, _BAD = "#1a7f37", "#cf222e"


def _aligned(lines: str) -> str:
    r"""An optimizer's equations (lines joined by ``\\``) as one left-aligned block."""
    rows = [f"& {row.strip()}" for row in lines.split("\\\\") if row.strip()]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _title(rule: Any) -> str:
    return f"{rule.method} ({rule.spec.title})"


def rule_repr(rule: Any) -> str:
    """``<UpdateRule adam (Adam) for ℒ(w, b) = …>``: the method and the loss, no code."""
    return f"<UpdateRule {_title(rule)} for {rule.objective.describe()}>"


def rule_latex(rule: Any) -> str:
    r"""The update equations as a ``$$\begin{aligned} … \end{aligned}$$`` block.

    >>> import derive as dv
    >>> print(rule_latex(dv.emit(dv.Objective("2*x**2", "x"), "gd")).splitlines()[0])
    $$\begin{aligned}
    """
    return f"$${_aligned(rule.latex())}$$"


def rule_markdown(rule: Any) -> str:
    """The method, the loss, the update equations and the parameters' order."""
    params = ", ".join(f"${p}$" for p in _param_names(rule))
    return (
        f"**{rule.spec.title}** update rule for {rule.objective.describe()} "
        f"(θ = ({params}))\n\n{rule_latex(rule)}\n\n"
        "`rule.source()` is the generated module; `rule.check()` compares it with an "
        "mpmath reference.\n"
    )


def rule_html(rule: Any) -> str:
    """HTML: the method and the loss as a heading, then the update equations."""
    head = html.escape(f"{rule.spec.title} update rule for {rule.objective.describe()}")
    body = html.escape(f"\\[{_aligned(rule.latex())}\\]")
    return f'<div class="derive-rule"><p><b>{head}</b></p>\n<div>{body}</div></div>'


def _param_names(rule: Any) -> list[str]:
    from .printer import latex

    return [latex(p) for p in rule.objective.params]


def objective_html(obj: Any) -> str:
    r"""The loss, its parameters and its data, the maths as ``\( … \)``.

    >>> import derive as dv
    >>> print(objective_html(dv.Objective("2*x**2", "x")))
    <p><b>Objective</b> \(\mathcal{L}(x) = 2 x^{2}\); data: none.</p>
    """
    from .printer import latex

    loss = obj._repr_latex_().strip("$")
    data = ", ".join(f"\\({latex(s)}\\)" for s in obj.data) or "none"
    return f"<p><b>Objective</b> \\({html.escape(loss)}\\); data: {html.escape(data)}.</p>"


def check_repr(report: Any) -> str:
    """``<NumericReport adam: checked at 50 digits …>``: the method and the one-line summary."""
    return f"<NumericReport {report.method}: {report.summary()}>"


def _rows(report: Any) -> list[tuple[str, str, str, str]]:
    out = []
    for item in report.items:
        ulps = f"{item.max_ulps:.3g}" if item.max_ulps is not None else ""
        mark = {"passed": "✓ passed", "failed": "✗ failed"}.get(item.status, item.status)
        out.append((item.name, mark, ulps, item.detail))
    return out


def check_markdown(report: Any) -> str:
    """The verdict and a table: each comparison, its status, its largest error in ulps.

    >>> import derive as dv
    >>> md = check_markdown(dv.emit(dv.Objective("2*x**2", "x"), "gd").check(dps=30))
    >>> md.splitlines()[2]
    '| comparison | status | max error (ulps) | detail |'
    """
    verdict = "checked" if report.ok else "CHECK FAILED"
    rows = [
        f"**{verdict}**: {report.method} against an mpmath reference at {report.dps} digits",
        "",
        "| comparison | status | max error (ulps) | detail |",
        "|---|---|---:|---|",
    ]
    rows += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in _rows(report)]
    return "\n".join(rows) + "\n"


def check_html(report: Any) -> str:
    """The verdict in colour and a table of the comparisons (failed rows in red)."""
    verdict = "checked" if report.ok else "CHECK FAILED"
    colour = _OK if report.ok else _BAD
    out = [
        f'<p><b style="color:{colour}">{verdict}</b>: {html.escape(report.method)} against '
        f"an mpmath reference at {report.dps} digits</p>",
        "<table><tr><th>comparison</th><th>status</th><th>max error (ulps)</th>"
        "<th>detail</th></tr>",
    ]
    for row in _rows(report):
        style = f' style="color:{_BAD}"' if row[1].startswith("✗") else ""
        cells = [f"<td>{html.escape(c)}</td>" for c in row]
        cells[1] = f'<td style="white-space:nowrap">{html.escape(row[1])}</td>'  # ✓ passed
        out.append(f"<tr{style}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)
