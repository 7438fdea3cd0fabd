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


_ISSUED: weakref.WeakValueDictionary[int, Report] = weakref.WeakValueDictionary()


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
        """Did the kernel issue this report (not a copy, not a hand-built one)?"""
        return _ISSUED.get(id(self)) is self

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


def issue(report: Report) -> Report:
    """Seal ``report`` as the kernel's own (called by the verifier only)."""
    _ISSUED[id(report)] = report
    return report
