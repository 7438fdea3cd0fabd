"""Sealed verdicts: only the kernel issues a :class:`Report` that can say "verified"."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .terms import Fact

__all__ = ["Report", "StepReport", "issue"]

GOOD = ("proved", "assumed")


@dataclass(frozen=True)
class StepReport:
    """The kernel's verdict on one step.

    ``status`` is 'proved', 'assumed' (a stated premise), 'vacuous' (two identical sides:
    nothing to prove, never counted as proof), 'unproved' or 'failed'. ``premises`` are
    the stated assumptions the check relied on; ``remainder`` is (var, k) for a step
    proved up to O(varᵏ⁺¹); ``local`` is var for a step that holds for every var in some
    interval (0, var₀).
    """

    index: int
    label: str
    status: str
    rule: str
    reason: str = ""
    counterexample: Mapping[str, str] | None = None
    premises: tuple[Fact, ...] = ()
    remainder: tuple[Any, int] | None = None
    local: Any = None
    cases: tuple[Fact, ...] = ()
    """The case hypotheses the step rests on, directly or through the steps it cites."""


_MARKS = {"proved": "✓ proved", "unproved": "✗ unproved", "failed": "✗ failed"}


def _verdict(step: StepReport) -> str:
    """A step's verdict as shown: ✓ proved, assumed, ✗ failed or unproved with the reason."""
    shown = _MARKS.get(step.status, step.status)
    return f"{shown}: {step.reason}" if step.status not in GOOD and step.reason else shown


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ISSUED: dict[int, tuple[Any, tuple[Any, ...]]] = {}
"""id → (a weak reference to the report the kernel issued, its content then)."""


@dataclass(frozen=True)
class Report:
    """The verdicts on every step; ``ok`` only when the kernel issued this very report and
    every step is proved or a stated premise. A report built by hand, or copied with
    ``dataclasses.replace``, is never ``ok``."""

    title: str
    steps: tuple[StepReport, ...]
    seconds: float = 0.0
    premises: tuple[Fact, ...] = ()
    """The stated premises (standing ones, then case hypotheses)."""
    unused: tuple[Fact, ...] = ()
    """Stated premises that no step relied on."""

    @property
    def genuine(self) -> bool:
        """Did the kernel issue this report, as it is now (not a copy, not a hand-built
        one, not one changed in place since)?"""
        issued = _ISSUED.get(id(self))
        return issued is not None and issued[0]() is self and issued[1] == _content(self)

    @property
    def ok(self) -> bool:
        return self.genuine and bool(self.steps) and not self.failures

    @property
    def failures(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status not in GOOD)

    def summary(self) -> str:
        """One line: 'verified: 12 of 12 steps proved', or the first step that is not."""
        proved = sum(s.status == "proved" for s in self.steps)
        assumed = sum(s.status == "assumed" for s in self.steps)
        counted = f"{proved} of {len(self.steps) - assumed} steps proved" + (
            f", {assumed} premise{'s' if assumed > 1 else ''} assumed" if assumed else ""
        )
        if self.ok:
            return f"verified: {counted}"
        if not self.genuine:
            return "NOT verified: this report was not issued by the kernel"
        where = ""
        if self.failures:
            first = self.failures[0]
            where = f"; step {first.index + 1} ({first.label or first.rule}) {first.status}: "
            where += first.reason
        return f"NOT verified: {counted}{where}"

    def __repr__(self) -> str:
        return f"<Report {self.title!r}: {self.summary()}>"

    def _repr_markdown_(self) -> str:
        """Notebooks: the summary and a table of every step's verdict."""
        rows = [f"**{self.title}** — {self.summary()}", "", "| step | label | rule | verdict |"]
        rows.append("|---:|---|---|---|")
        for s in self.steps:
            cells = (str(s.index + 1), s.label, s.rule, _verdict(s))
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(rows) + "\n"

    def _repr_html_(self) -> str:
        """Notebooks: the summary and a table of every step's verdict (✗ rows in red)."""
        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = [
            f"<p><b>{_escape(self.title)}</b> — "
            f'<span style="color:{colour}">{_escape(self.summary())}</span></p>',
            "<table><tr><th>step</th><th>label</th><th>rule</th><th>verdict</th></tr>",
        ]
        for s in self.steps:
            style = "" if s.status in GOOD else ' style="color:#cf222e"'
            cells = (str(s.index + 1), s.label, s.rule, _verdict(s))
            rows.append(f"<tr{style}>" + "".join(f"<td>{_escape(c)}</td>" for c in cells) + "</tr>")
        return "\n".join([*rows, "</table>"])


def _content(report: Report) -> tuple[Any, ...]:
    """Everything a report says, field by field, each verdict's too."""
    fields = (report.title, report.seconds, report.premises, report.unused)
    return (*fields, tuple(tuple(vars(s).values()) for s in report.steps))


def issue(report: Report) -> Report:
    """Seal ``report`` as the kernel's own (called by the verifier only)."""
    key = id(report)
    _ISSUED[key] = (weakref.ref(report, lambda _: _ISSUED.pop(key, None)), _content(report))
    return report
