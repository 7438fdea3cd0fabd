"""What an audit returns: immutable steps with their verdicts, and the JSON of them.

>>> step = AuditStep(3, "x + x = 2x", "proved")
>>> Audit((step,), "markdown").ok, Audit((step,), "markdown").json()["steps"][0]["line"]
(True, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GOOD", "STATUSES", "Audit", "AuditStep"]

STATUSES = ("proved", "assumed", "vacuous", "approximate", "unproved", "failed")
GOOD = ("proved", "assumed")
"""Statuses that do not stop a text from checking: proved steps, and the hypotheses an
implication states (each implication is a step of its own)."""


@dataclass(frozen=True)
class AuditStep:
    """One step of the text: its ``line`` (1-based), the ``claim`` as written, ``status``
    (see :data:`STATUSES`), ``reason`` (why not proved), ``counterexample`` (names →
    exact values where a failed claim is false), the kernel ``rule`` that decided and the
    ``premises`` (assumptions) it used; ``display`` indexes the document's maths."""

    line: int
    claim: str
    status: str
    reason: str = ""
    counterexample: Mapping[str, str] | None = None
    rule: str = ""
    premises: tuple[str, ...] = ()
    display: int = -1

    def json(self) -> dict[str, Any]:
        """The JSON object of this step."""
        return {
            "line": self.line,
            "claim": self.claim,
            "status": self.status,
            "counterexample": dict(self.counterexample) if self.counterexample else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Audit:
    """The steps of a text in order; ``ok`` when there is at least one and every step is
    proved (or a hypothesis of an implication). ``definitions`` and ``assumptions`` list
    (line, text) of what the text defined and assumed."""

    steps: tuple[AuditStep, ...]
    format: str
    definitions: tuple[tuple[int, str], ...] = ()
    assumptions: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.status in GOOD for s in self.steps)

    @property
    def failures(self) -> tuple[AuditStep, ...]:
        """The steps that are not proved (failed first, in order of lines)."""
        bad = [s for s in self.steps if s.status not in GOOD]
        return tuple(sorted(bad, key=lambda s: (s.status != "failed", s.line)))

    def count(self, status: str) -> int:
        """How many steps have this status."""
        return sum(s.status == status for s in self.steps)

    def summary(self) -> str:
        """One line: how many steps were proved, failed and left unproved."""
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        head = "checked" if self.ok else "NOT checked"
        n = len(self.steps)
        return f"{head}: {n} step{'s' * (n != 1)} ({counts or 'none'})"

    def json(self) -> dict[str, Any]:
        """``{"ok": bool, "steps": [{"line", "claim", "status", "counterexample", "reason"}]}``."""
        return {"ok": self.ok, "steps": [s.json() for s in self.steps]}

    def text(self) -> str:
        """A report for people: one line per step, then the summary."""
        marks = {"proved": "✓", "assumed": "·", "failed": "✗"}
        lines = []
        for s in self.steps:
            line = f"{s.line:>5}  {marks.get(s.status, '?')} {s.status:<11} {s.claim}"
            if s.counterexample:
                point = ", ".join(f"{k} = {v}" for k, v in s.counterexample.items())
                line += f"\n{'':>8}false at {point}"
            if s.reason and s.status not in GOOD:
                line += f"\n{'':>8}{s.reason}"
            lines.append(line)
        return "\n".join([*lines, self.summary()])
