"""The annotated copy: the source with ✓ or ✗ beside each display, in the same format.

A display whose steps are all proved gets ✓; otherwise ✗ with the first step that is
not proved, its line and why. LaTeX gets a ``%`` comment after the display, Markdown an
HTML comment, reST a comment paragraph (each is invisible once typeset, and beside the
display in the source).

>>> from derive.audit.api import audit
>>> text = "$$1 + 1 = 2$$\\n"
>>> print(annotate(text, audit(text)), end="")
$$1 + 1 = 2$$ <!-- ✓ derive check: 1 step proved -->
"""

from __future__ import annotations

from .documents import read_document
from .results import GOOD, Audit, AuditStep

__all__ = ["annotate"]


def annotate(text: str, result: Audit) -> str:
    """``text`` with a mark after each display that has steps (see the module docstring)."""
    document = read_document(text, result.format)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    by_display: dict[int, list[AuditStep]] = {}
    for step in result.steps:
        by_display.setdefault(step.display, []).append(step)
    inserts: list[tuple[int, str]] = []
    for index, display in enumerate(document.displays):
        steps = by_display.get(index)
        if not steps or display.inline:
            continue
        inserts.append((display.end, _mark(steps, result.format)))
    out = text
    for at, mark in sorted(inserts, reverse=True):
        if result.format == "rst":
            at = _end_of_block(out, at)
            out = out[:at] + mark + out[at:]
        else:
            eol = out.find("\n", at)
            eol = len(out) if eol < 0 else eol
            out = out[:eol] + mark + out[eol:]
    return out


def _mark(steps: list[AuditStep], format: str) -> str:
    bad = [s for s in steps if s.status not in GOOD]
    proved = sum(s.status == "proved" for s in steps)
    if not bad:
        note = f"✓ derive check: {proved} step{'s' * (proved != 1)} proved"
    else:
        first = sorted(bad, key=lambda s: (s.status != "failed", s.line))[0]
        note = f"✗ derive check: line {first.line} {first.status}"
        if first.counterexample:
            note += " at " + ", ".join(f"{k} = {v}" for k, v in first.counterexample.items())
        elif first.reason:
            note += ": " + first.reason.split(";")[0]
    note = " ".join(note.replace("--", "- -").split())
    if format == "latex":
        return f" % {note}"
    if format == "rst":
        return f"\n.. {note}\n"
    return f" <!-- {note} -->"


def _end_of_block(text: str, at: int) -> int:
    """The offset after the blank line that ends a reST block at ``at`` (or the end)."""
    return at if at >= len(text) or text[at - 1 : at] == "\n" else len(text)
