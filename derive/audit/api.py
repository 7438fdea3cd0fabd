"""``audit(text)``: every step of a text's maths judged by the kernel.

>>> a = audit(r"$$ (x+1)^2 = x^2 + 2x + 1 = x^2 + 1 $$", format="markdown")
>>> [(s.line, s.status) for s in a.steps], a.ok
([(1, 'proved'), (1, 'failed')], False)
>>> audit(r"$$\\sqrt{x}^2 = x$$", assume=["x >= 0"]).steps[0].status
'proved'
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy

from ..errors import ParseError
from .chains import Chains, Claim, Context, Relation, split
from .documents import FORMATS, read_document
from .judge import Verdict, judge_local, judge_relation
from .results import Audit, AuditStep

__all__ = ["audit"]


def audit(text: str, format: str = "markdown", assume: Iterable[str] | str = ()) -> Audit:
    """Judge every step of the maths in ``text`` (``format``: markdown, latex or rst).

    ``assume`` adds assumptions (``"x >= 0"``, ``"x_0 = 1"``; one string or several) to
    those the text states. A text that cannot be read at all (macros defined, files
    included, over the size caps) raises :class:`~derive.errors.ParseError`; maths
    outside what can be read becomes an unproved step saying why.
    """
    if format not in FORMATS:
        raise ParseError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    given = (assume,) if isinstance(assume, str) else tuple(assume)
    if not all(isinstance(a, str) for a in given):
        raise ParseError("assumptions are text, such as 'x >= 0'")
    document = read_document(text, format)
    chains = split(document, tuple((a, 0) for a in given))
    steps = []
    known: list[tuple[Claim, str]] = []  # earlier claims proved, and the case they need
    for claim in chains.claims:
        same = [(k.relation, case) for k, case in known if k.context is claim.context]
        step = _step(claim, chains, tuple(same[-MAX_KNOWN:]))
        steps.append(step)
        stated = claim.kind == "hypothesis"  # an implication's left side, or '(assumed)'
        if step.status in ("proved", "assumed") and not (claim.hypotheses or claim.local or stated):
            case = (
                step.reason[len("in the case ") :] if step.reason.startswith("in the case") else ""
            )
            known.append((claim, case))
    return Audit(
        tuple(steps),
        format,
        tuple((d.line, d.text) for d in chains.definitions),
        tuple((a.line, a.text) for a in chains.assumptions),
    )


MAX_KNOWN = 4
"""How many earlier proved claims of a section a claim may follow from."""


def _step(
    claim: Claim, chains: Chains, known: tuple[tuple[Relation | None, str], ...] = ()
) -> AuditStep:
    context = claim.context or Context()
    assumptions = (*chains.assumptions, *context.assumptions)
    definitions = (*chains.definitions, *context.definitions)
    if claim.kind == "unread" or claim.relation is None:
        verdict = Verdict("unproved", claim.reason)
    elif claim.kind == "hypothesis":
        verdict = Verdict("assumed", claim.reason or "the hypothesis of an implication")
    else:
        verdict = judge_relation(
            claim.relation,
            claim.hypotheses,
            assumptions,
            definitions,
            context.cases,
            chains.opaque,
            known,
        )
        if claim.local and verdict.status != "proved":
            local = judge_local(
                claim.relation, known, context.cases, assumptions, definitions, chains.opaque
            )
            verdict = local or verdict
        if claim.local and verdict.status != "proved":
            verdict = Verdict(
                "unproved",
                f"claimed {claim.local} only; not proved for every value either: {verdict.reason}",
                None,
                verdict.rule,
            )
        if claim.iff and verdict.status == "proved":
            verdict = _converse(claim, chains, verdict)
        verdict = _late(claim, chains, verdict)
    return AuditStep(
        claim.line,
        claim.text,
        verdict.status,
        verdict.reason,
        verdict.counterexample,
        verdict.rule,
        verdict.premises,
        claim.display,
    )


def _converse(claim: Claim, chains: Chains, forward: Verdict) -> Verdict:
    """⟺ needs the way back too: each relation on the left from the claim."""
    assert claim.relation is not None
    for h in claim.hypotheses:
        back = judge_relation(h, (claim.relation,), chains.assumptions, chains.definitions)
        if back.status != "proved":
            return Verdict(
                back.status if back.status == "failed" else "unproved",
                f"⟹ is proved, but not ⟸: {back.reason}",
                back.counterexample,
                back.rule,
            )
    return forward


def _late(claim: Claim, chains: Chains, verdict: Verdict) -> Verdict:
    """A claim refuted through a symbol the text gives a value only later is unproved."""
    if verdict.status != "failed" or claim.relation is None:
        return verdict
    used = set()
    for side in (claim.relation.lhs, claim.relation.rhs):
        if isinstance(side, sympy.Basic):
            used |= side.free_symbols
    for symbol, line in chains.late:
        if symbol in used and line >= claim.line:
            return Verdict(
                "unproved",
                f"{symbol} is used before it is defined (line {line}); "
                f"as an arbitrary value: {verdict.reason}",
                verdict.counterexample,
                verdict.rule,
            )
    return verdict
