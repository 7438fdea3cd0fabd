"""Each claim judged by the kernel: only :func:`derive.kernel.verify` says *proved*.

A claim becomes a small kernel derivation under the stated assumptions and the
definitions it uses: an equality is an identity (or, with ``O(x^k)``, a truncation); an
inequality a ≤ b is proved from a sum-of-squares certificate (found by completing squares
when b − a is quadratic) or from 0 ≤ b − a by the sign rules, carried over by the
multiply/add rule; an implication states its left side as case hypotheses and derives
the right side from one of them (multiply/add, substitution) or outright. Functions the
text leaves undefined stand for arbitrary real values (``L(θ)`` is one number), so a
claim that fails only for an arbitrary function is left unproved, never called false.

>>> from derive.audit.chains import Relation
>>> import sympy
>>> x = sympy.Symbol("x")
>>> judge_relation(Relation(x**2 + 1, ">=", 2*x, "x^2 + 1 \\\\ge 2x", 1)).status
'proved'
>>> judge_relation(Relation((x + 1)**2, "=", x**2 + 1, "(x+1)^2 = x^2 + 1", 1)).status
'failed'
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from ..kernel import (
    Assumption,
    Derivation,
    Fact,
    FirstOrder,
    Identity,
    Sign,
    Step,
    Truncation,
    verify,
)
from .chains import Definition, Relation
from .latex import CALLABLE, OPAQUE, UNSTATED, BigO
from .tactics import (
    Refused,
    by_squares,
    certificate,
    chained,
    direct,
    expanded,
    from_hypothesis,
    meeting,
    positive_definite,
    replace_kept,
    split_o,
    squares_by_definitions,
    substituted,
)

__all__ = ["Verdict", "certificate", "judge_local", "judge_relation"]

_FLIP = {">=": "<=", ">": "<"}
MAX_DERIVATIONS = 60
MAX_CHAIN = 4
"""Earlier steps a claim may be chained from (transitivity), at most."""
"""Kernel derivations tried for one claim at most (the ways, cases and earlier steps it
may follow from); past that it is left unproved."""
_spent: contextvars.ContextVar[int] = contextvars.ContextVar("spent", default=0)


@dataclass(frozen=True)
class Verdict:
    """The kernel's answer on one claim: ``status`` 'proved', 'failed' (with a
    ``counterexample``), 'unproved' (``reason`` says why), 'vacuous', 'assumed' or
    'approximate'; ``rule`` the kernel rule that decided; ``premises`` the assumptions used."""

    status: str
    reason: str = ""
    counterexample: Mapping[str, str] | None = None
    rule: str = ""
    premises: tuple[str, ...] = ()


def judge_relation(
    claim: Relation,
    hypotheses: tuple[Relation, ...] = (),
    assumptions: tuple[Relation, ...] = (),
    definitions: tuple[Definition, ...] = (),
    cases: tuple[Relation, ...] = (),
    opaque: frozenset[Any] = frozenset(),
    known: tuple[tuple[Relation | None, str], ...] = (),
) -> Verdict:
    """The verdict on ``claim`` under the hypotheses (of an implication), the standing
    assumptions and the text's definitions of symbols. ``cases`` are hypotheses the text
    states for its section, each used only in its case: a claim not proved outright is
    tried under each one alone (and is then never called false). ``opaque`` symbols are
    names the text defines in words only: arbitrary values, never refuted through.
    ``known`` are earlier claims of the text the kernel proved, each with the text of the
    case it needed ('' for none): a claim may follow from one of them (scaled, shifted,
    squared, substituted), in that case only."""
    token = _spent.set(0)
    try:
        return _judge_all(claim, hypotheses, assumptions, definitions, cases, opaque, known)
    finally:
        _spent.reset(token)


def judge_local(
    claim: Relation,
    known: tuple[tuple[Relation | None, str], ...],
    cases: tuple[Relation, ...],
    assumptions: tuple[Relation, ...],
    definitions: tuple[Definition, ...],
    opaque_names: frozenset[Any] = frozenset(),
) -> Verdict | None:
    """``f < 0`` (or ``> 0``) for every small enough var > 0, from an earlier step
    ``f = c·var + O(var²)`` and c < 0 (a premise, a case hypothesis or the sign rules): the
    kernel's first-order rule, with the expansion checked again. None if it does not go.

    >>> from derive.audit.chains import Relation
    >>> e, c = sympy.symbols("eta c")
    >>> expansion = Relation(e * c + e**2, "=", e * c + BigO(e, 2), "…", 1)
    >>> judge_local(Relation(e * c + e**2, "<", 0, "…", 2), ((expansion, ""),), (),
    ...             (Relation(c, "<", 0, "c < 0", 0),), ()).status
    'proved'
    """
    _spent.set(0)  # a fresh budget for this claim, as judge_relation gives
    if claim.rel not in ("<", ">") or 0 not in (claim.lhs, claim.rhs):
        return None
    if claim.rhs == 0:
        f, rel = claim.lhs, claim.rel
    else:  # 0 < f is f > 0
        f, rel = claim.rhs, {"<": ">", ">": "<"}[claim.rel]
    for earlier, case in reversed(known):
        if earlier is None or earlier.rel != "=" or earlier.lhs != f:
            continue
        try:
            rest, order = split_o(earlier.rhs)
        except Refused:
            continue
        if order is None or order[1] != 2:
            continue
        var = order[0]
        c = sympy.cancel(rest / var)
        if var in c.free_symbols:
            continue
        for hypothesis in (None, *cases):
            if case and (hypothesis is None or hypothesis.text != case):
                continue
            verdict = _first_order(
                claim, f, rel, c, var, hypothesis, assumptions, definitions, opaque_names
            )
            if verdict is not None:
                return verdict
    return None


def _first_order(
    claim: Relation,
    f: Any,
    rel: str,
    c: Any,
    var: Any,
    hypothesis: Relation | None,
    assumptions: tuple[Relation, ...],
    definitions: tuple[Definition, ...],
    opaque_names: frozenset[Any],
) -> Verdict | None:
    opaque = _Opaque()
    hyps = () if hypothesis is None else (hypothesis,)
    relations = [claim, *hyps, *assumptions]
    used = _needed(definitions, relations, opaque)
    try:
        facts = used + tuple(_fact(opaque.relation(a)) for a in assumptions)
        facts += _norms(claim, hyps, used, assumptions)
        facts += tuple(_fact(opaque.relation(h), "hypothesis") for h in hyps)
    except Refused:
        return None
    given = tuple(
        Step(h.lhs, h.rel, h.rhs, "hypothesis", Assumption(), "h0") for h in hyps if h.rel != "!="
    )
    f, c = opaque(f), opaque(c)
    zero = sympy.Integer(0)
    expansion = Step(f, "=O", c * var, "the expansion", Truncation(var, 1), "expansion")
    signs = [Step(c, rel, zero, "its first-order coefficient", Sign(), "sign")]
    signs.append(Step(c, rel, zero, "its first-order coefficient", Assumption(), "sign"))
    for sign in signs:
        if _spent.get() >= MAX_DERIVATIONS:
            return None
        _spent.set(_spent.get() + 1)
        step = Step(f, rel, zero, claim.text, FirstOrder("expansion", sign="sign"))
        report = verify(Derivation(f"line {claim.line}", (*given, expansion, sign, step), facts))
        if report.steps[-1].status == "proved":
            where = f" in the case {hypothesis.text}" if hypothesis is not None else ""
            return Verdict(
                "proved",
                f"for every small enough {var} > 0 (the first-order term decides){where}",
                None,
                report.steps[-1].rule,
            )
    return None


def _judge_all(
    claim: Relation,
    hypotheses: tuple[Relation, ...],
    assumptions: tuple[Relation, ...],
    definitions: tuple[Definition, ...],
    cases: tuple[Relation, ...],
    opaque: frozenset[Any],
    known: tuple[tuple[Relation | None, str], ...],
) -> Verdict:
    verdict = _judge_relation(claim, hypotheses, assumptions, definitions, opaque)
    if verdict.status in ("proved", "vacuous", "approximate"):
        return verdict
    mentioned = _free(claim.lhs) | _free(claim.rhs)
    known = tuple(  # an earlier claim that shares no symbol with this one cannot help
        (r, case)
        for r, case in known
        if r is not None and (_free(r.lhs) | _free(r.rhs)) & mentioned
    )
    stated = tuple(  # the premises themselves: a claim may follow from one of them
        (a, "")
        for a in assumptions
        if (_free(a.lhs) | _free(a.rhs)) & mentioned and a.rel not in ("~", ">0")
    )
    outright = tuple(r for r, case in (*known, *stated) if r is not None and not case)
    if len(known) >= 2 and claim.rel in ("<", "<=", ">", ">="):
        steps = tuple(r for r, case in known if r is not None and not case)
        for pair in meeting(claim, steps[-MAX_CHAIN * 2 :]):
            after = _judge_relation(claim, (*hypotheses, *pair), assumptions, definitions, opaque)
            if after.status == "proved":
                return Verdict(
                    "proved",
                    f"by a chain of the steps at lines {pair[0].line} and {pair[1].line}",
                    None,
                    after.rule,
                    tuple(dict.fromkeys((*(r.text for r in pair), *after.premises))),
                )
    for earlier in outright:
        after = _judge_relation(claim, (*hypotheses, earlier), assumptions, definitions, opaque)
        if after.status == "proved":
            return Verdict(
                "proved",
                f"from line {earlier.line}",
                None,
                after.rule,
                tuple(dict.fromkeys((earlier.text, *after.premises))),
            )
    if not cases:
        return verdict
    for case in cases:
        if case.rel == "~" or any(case is h for h in hypotheses):
            continue
        within = _judge_relation(claim, (*hypotheses, case), assumptions, definitions, opaque)
        for earlier in (r for r, c in known if r is not None and c == case.text):
            if within.status == "proved":
                break
            within = _judge_relation(
                claim, (*hypotheses, case, earlier), assumptions, definitions, opaque
            )
        if within.status == "proved":
            return Verdict(
                "proved",
                f"in the case {case.text}",
                None,
                within.rule,
                tuple(dict.fromkeys((case.text, *within.premises))),
            )
    if verdict.status == "failed":
        shown = " or ".join(c.text for c in cases)
        point = ", ".join(f"{k} = {v}" for k, v in (verdict.counterexample or {}).items())
        where = f" (false at {point}, which may lie outside every case)" if point else ""
        return Verdict(  # unproved, so no counterexample: the point may break every case
            "unproved",
            f"not proved in any of the cases the text states ({shown}); without them{where}: "
            f"{verdict.reason}",
            None,
            verdict.rule,
        )
    return verdict


def _judge_relation(
    claim: Relation,
    hypotheses: tuple[Relation, ...],
    assumptions: tuple[Relation, ...],
    definitions: tuple[Definition, ...],
    opaque_names: frozenset[Any],
) -> Verdict:
    if claim.rel == "~":
        return Verdict(
            "approximate",
            "≈ is reported, never proved: write '= … + O(x^k)' to have a truncation checked",
        )
    if any(h.rel == "~" for h in hypotheses):
        return Verdict("unproved", "an approximate (≈) hypothesis implies nothing exactly")
    if claim.rel == ">0" or any(h.rel == ">0" for h in hypotheses):
        return Verdict("unproved", "≻ 0 (positive definite) is read as a premise only")
    parts = [claim.lhs, claim.rhs, *(h.lhs for h in hypotheses), *(h.rhs for h in hypotheses)]
    if any(isinstance(p, sympy.Basic) and p.has(UNSTATED) for p in parts):
        return Verdict("unproved", "'…' leaves terms unstated: write + O(x^k) to have it checked")
    opaque = _Opaque()
    claim = opaque.relation(claim)
    hypotheses = tuple(opaque.relation(h) for h in hypotheses)
    facts = tuple(_fact(opaque.relation(a)) for a in assumptions)
    used = _needed(definitions, [claim, *hypotheses, *assumptions], opaque)
    facts = used + facts + _norms(claim, hypotheses, used, assumptions)
    defined = {f.lhs for f in used}
    for r in (claim, *hypotheses):
        for symbol in _free(r.lhs) | _free(r.rhs):
            written = any(mark in symbol.name for mark in OPAQUE)
            if symbol not in defined and (written or symbol in opaque_names):
                opaque.names.add(symbol.name)
    try:
        verdict = _judge(claim, hypotheses, facts)
    except Refused as exc:
        return Verdict("unproved", str(exc))
    if verdict.status == "failed" and opaque.names:
        names = ", ".join(sorted(opaque.names))
        return Verdict(
            "unproved",
            f"it depends on {names}, which the text does not define; it fails for some "
            "arbitrary values of them, so it is neither proved nor refuted",
            None,
            verdict.rule,
        )
    if verdict.status == "unproved" and hypotheses:
        verdict = _refuted_by_solving(claim, hypotheses, facts, verdict)
    applied = _applied(claim.text)
    if verdict.status == "failed" and applied:
        return Verdict(
            "unproved",
            f"{', '.join(applied)} is read as a product; if {applied[0][0]} is a function the "
            "text does not define, the claim is neither proved nor refuted",
            None,
            verdict.rule,
        )
    if verdict.status == "failed" and claim.rel == "=" and not hypotheses:
        verdict = _condition(claim, facts, verdict)
    if (
        verdict.status in ("failed", "unproved")
        and not hypotheses
        and "true if" not in verdict.reason
    ):
        verdict = _holds_if(claim, facts, verdict)
    return verdict


MAX_SOLUTIONS = 8
"""Solutions of an implication's hypotheses tried as counterexamples, at most."""


def _refuted_by_solving(
    claim: Relation, hypotheses: tuple[Relation, ...], facts: tuple[Fact, ...], verdict: Verdict
) -> Verdict:
    """An implication in one variable whose hypotheses SymPy solves (x² = 4 gives x = ±2):
    each solution is handed to the kernel as the value of x, with the hypotheses as
    premises; a solution where the kernel finds the claim false refutes the implication.
    Solving never proves one: SymPy's solution set is not checked to be complete."""
    sides = [claim.lhs, claim.rhs, *(h.lhs for h in hypotheses), *(h.rhs for h in hypotheses)]
    if not all(isinstance(v, sympy.Basic) for v in sides):
        return verdict
    free = set().union(*(v.free_symbols for v in sides))
    if len(free) != 1 or any(f.scope == "definition" and f.lhs in free for f in facts):
        return verdict
    (x,) = free
    real = sympy.Symbol(x.name, real=True)
    solutions: Any = sympy.S.Reals
    try:
        for h in hypotheses:
            if h.rel == "~" or sympy.count_ops(h.rhs - h.lhs) > MAX_CONDITION_OPS:
                return verdict
            a, b = h.lhs.xreplace({x: real}), h.rhs.xreplace({x: real})
            if h.rel == "=":
                found = sympy.solveset(sympy.Eq(a, b), real, sympy.S.Reals)
            elif h.rel == "!=":
                found = sympy.S.Reals - sympy.solveset(sympy.Eq(a, b), real, sympy.S.Reals)
            else:
                found = sympy.solve_univariate_inequality(
                    sympy.Rel(a, b, h.rel), real, relational=False
                )
            solutions = solutions.intersect(found)
    except Exception:  # SymPy gives up in many ways; then nothing is refuted
        return verdict
    if not isinstance(solutions, sympy.FiniteSet) or len(solutions) > MAX_SOLUTIONS:
        return verdict
    premises = tuple(_fact(h) for h in hypotheses if h.rel != "~")
    for value in sorted(solutions, key=sympy.default_sort_key):
        if not (value.is_real and value.is_number):
            continue
        given = (Fact(x, "=", value, f"{x} = {value}", "definition"), *premises, *facts)
        for steps in direct(claim):
            report = verify(Derivation(f"line {claim.line}", steps, given))
            last = report.steps[-1]
            if last.status == "failed":
                shown = ", ".join(h.text for h in hypotheses)
                return Verdict(
                    "failed",
                    f"{x} = {value} satisfies {shown} but not the claim; {last.reason}",
                    {x.name: sympy.sstr(value)},
                    last.rule,
                )
            if last.status == "proved":
                break
    return verdict


MAX_CONDITION_OPS = 60
"""Largest difference (in SymPy operations) whose sign is solved for a condition."""


def _holds_if(claim: Relation, facts: tuple[Fact, ...], verdict: Verdict) -> Verdict:
    """Where a claim that is not proved holds: for one variable, the set where it is true
    (solved by SymPy, piece by piece re-proved by the kernel); else every variable
    positive. Named only when the kernel proved the claim under it ("true if x ≥ 0")."""
    defined = {f.lhs: f.rhs for f in facts if f.scope == "definition"}
    sides = [expanded(claim.lhs, defined), expanded(claim.rhs, defined)]
    if not all(isinstance(v, sympy.Basic) for v in sides):
        return verdict
    free = sorted(set().union(*(v.free_symbols for v in sides)), key=lambda s: s.name)
    if not free or len(free) > 3 or any(f.lhs in free for f in facts if f.scope != "definition"):
        return verdict
    if any(v.has(sympy.core.function.AppliedUndef, BigO, sympy.Derivative) for v in sides):
        return verdict
    pieces: list[tuple[Relation, ...]] = []
    if len(free) == 1:
        pieces = _solved(claim, sides, free[0])
    if not pieces:
        zero = sympy.Integer(0)
        pieces = [tuple(Relation(x, ">", zero, f"{x} > 0", claim.line) for x in free)]

    def holds(piece: tuple[Relation, ...]) -> bool:
        given = facts + tuple(_fact(r, "") for r in piece)
        try:  # as premises (for the sign rules), or also as hypotheses (scaled, substituted)
            if _judge(claim, (), given).status == "proved":
                return True
            return _judge(claim, piece, given).status == "proved"
        except Refused:
            return False

    proved = [p for p in pieces if holds(p)]
    if not proved:
        return verdict
    shown = " or ".join(", ".join(_pretty(r) for r in p) for p in proved)
    return Verdict(
        verdict.status,
        f"true if {shown} (proved under it), which the text does not state; {verdict.reason}",
        verdict.counterexample,
        verdict.rule,
    )


def _pretty(r: Relation) -> str:
    word = {"<=": "≤", ">=": "≥", "!=": "≠"}.get(r.rel, r.rel)
    return f"{sympy.sstr(r.lhs)} {word} {sympy.sstr(r.rhs)}"


def _solved(claim: Relation, sides: list[Any], x: Any) -> list[tuple[Relation, ...]]:
    """The pieces (intervals) of the reals where the claim holds, as relations on x."""
    lhs, rhs = sides
    difference = rhs - lhs
    if sympy.count_ops(difference) > MAX_CONDITION_OPS:
        return []
    real = sympy.Symbol(x.name, real=True)
    put = {x: real}
    try:
        if claim.rel == "=":
            found = sympy.solveset(
                sympy.Eq(lhs.xreplace(put), rhs.xreplace(put)), real, sympy.S.Reals
            )
        elif claim.rel in ("<", "<=", ">", ">="):
            relation = sympy.Rel(lhs.xreplace(put), rhs.xreplace(put), claim.rel)
            found = sympy.solve_univariate_inequality(relation, real, relational=False)
        else:
            return []
    except Exception:  # SymPy gives up in many ways; then no condition is named
        return []
    parts = found.args if isinstance(found, sympy.Union) else (found,)
    out: list[tuple[Relation, ...]] = []
    for part in parts:
        if isinstance(part, sympy.Interval):
            rels = []
            if part.start.is_finite:
                rel = ">" if part.left_open else ">="
                rels.append(Relation(x, rel, part.start, f"{x} {rel} {part.start}", claim.line))
            if part.end.is_finite:
                rel = "<" if part.right_open else "<="
                rels.append(Relation(x, rel, part.end, f"{x} {rel} {part.end}", claim.line))
            if not rels or not all(r.rhs.is_Rational for r in rels):
                return []
            out.append(tuple(rels))
        else:
            return []  # single points are named by _condition; other sets are not
    return out if len(out) <= 3 else []


_APPLIED = re.compile(r"(?<![\\A-Za-z_^])([A-Za-z])\s*(?:\\left)?\(([^()]*)\)")


def _applied(text: str) -> list[str]:
    """Letters written like functions, ``m(p)``: before a parenthesis and nowhere else in
    the claim (``x(x + 1)`` multiplies, since x stands alone too)."""
    out = []
    for m in _APPLIED.finditer(text):
        letter = m.group(1)
        if letter in CALLABLE or letter == "O":
            continue  # read as functions already
        alone = re.search(rf"(?<![\\A-Za-z_^]){letter}(?![A-Za-z]|\s*(\\left)?\()", text)
        if alone is None and f"{letter}(…)" not in out:
            out.append(f"{letter}(…)")
    return out


def _condition(claim: Relation, facts: tuple[Fact, ...], verdict: Verdict) -> Verdict:
    """A failed equality in one free symbol that holds at one value: name the value, once
    the kernel has proved the claim with it ("true if x_0 = 1")."""
    defined = {f.lhs: f.rhs for f in facts if f.scope == "definition"}
    difference = sympy.sympify(claim.lhs - claim.rhs)
    for _ in range(len(defined) + 1):
        difference = difference.xreplace(defined)
    free = sorted(difference.free_symbols, key=lambda s: s.name)
    if len(free) != 1 or any(f.lhs == free[0] for f in facts):
        return verdict
    try:
        roots = sympy.Poly(sympy.expand(difference.doit()), free[0]).real_roots()
    except (sympy.PolynomialError, ValueError, TypeError, NotImplementedError):
        return verdict
    roots = [r for r in dict.fromkeys(roots) if r.is_Rational]
    if len(roots) != 1:
        return verdict
    given = Fact(free[0], "=", roots[0], f"{free[0]} = {roots[0]}", "definition")
    step = Step(claim.lhs, "=", claim.rhs, claim.text, Identity())
    if verify(Derivation(f"line {claim.line}", (step,), (given, *facts))).ok:
        hint = f"true if {free[0]} = {roots[0]}, which the text does not state"
        return Verdict("failed", f"{hint}; {verdict.reason}", verdict.counterexample, verdict.rule)
    return verdict


class _Opaque:
    """Undefined functions (and what cannot be differentiated) → fresh real symbols, one per
    distinct application, named as written: ``L(a, b)`` is one arbitrary number."""

    def __init__(self) -> None:
        self.symbols: dict[Any, sympy.Symbol] = {}
        self.names: set[str] = set()

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, sympy.Basic):
            return value
        calls = value.atoms(sympy.core.function.AppliedUndef)
        derived = {
            s for s in value.free_symbols if s.name.startswith("∂(") or s.name.startswith("d(")
        }
        for s in derived:
            self.names.add(s.name)
        if not calls:
            return value
        for call in calls:
            if call not in self.symbols:
                self.symbols[call] = sympy.Symbol(str(call))
                self.names.add(str(call.func))
        return replace_kept(value, self.symbols)

    def relation(self, r: Relation) -> Relation:
        return Relation(self(r.lhs), r.rel, self(r.rhs), r.text, r.line)


def _norms(
    claim: Relation,
    hypotheses: tuple[Relation, ...],
    used: tuple[Fact, ...],
    assumed: tuple[Relation, ...] = (),
) -> tuple[Fact, ...]:
    """‖x‖ ≥ 0 for every norm the claim (or a definition it uses) writes; ‖x‖ > 0 where
    the text assumes ‖x‖² > 0 (x ≠ 0)."""
    positive = set()
    for a in assumed:
        lhs, rel, rhs = (a.rhs, "<", a.lhs) if a.rel == ">" else (a.lhs, a.rel, a.rhs)
        if rel == "<" and lhs == 0 and isinstance(rhs, sympy.Basic):
            if rhs.is_Pow and rhs.exp == 2 and isinstance(rhs.base, sympy.Symbol):
                positive.add(rhs.base.name)
            elif isinstance(rhs, sympy.Symbol) and rhs.name.endswith("‖^2"):
                positive.add(rhs.name[:-2])
    symbols: set[Any] = set()
    for value in (claim.lhs, claim.rhs, *(h.lhs for h in hypotheses), *(h.rhs for h in hypotheses)):
        symbols |= _free(value)
    for f in used:
        symbols |= _free(f.rhs) | _free(f.lhs)
    norms = sorted(
        (
            s
            for s in symbols
            if len(s.name) > 2 and s.name[0] == "‖" and s.name.removesuffix("^2")[-1] == "‖"
        ),
        key=lambda s: s.name,
    )  # ‖x‖ and ‖x‖^2 (a squared norm the text names)
    return tuple(
        Fact(s, ">", sympy.Integer(0), f"{s.name} > 0 (a norm, and its square > 0)")
        if s.name.removesuffix("^2") in positive
        else Fact(s, ">=", sympy.Integer(0), f"{s.name} ≥ 0 (a norm)")
        for s in norms
    )


def _fact(r: Relation, scope: str = "") -> Fact:
    if r.rel == ">0" and isinstance(r.lhs, sympy.MatrixBase) and r.rhs == 0 and not scope:
        return Fact(sympy.ImmutableMatrix(r.lhs), ">0", 0, r.text)  # H ≻ 0, a premise
    if r.rel not in ("=", "<", "<=", ">", ">=", "!="):
        raise Refused(f"the assumption {r.text} is not a relation the kernel takes")
    return Fact(r.lhs, r.rel, r.rhs, r.text, scope)


def _needed(
    definitions: tuple[Definition, ...], relations: list[Relation], opaque: _Opaque
) -> tuple[Fact, ...]:
    """Definition facts for the defined symbols the relations use, transitively, in order."""
    by_symbol = {d.symbol: d for d in definitions if d.symbol is not None}
    wanted: set[Any] = set()
    todo = [s for r in relations for side in (r.lhs, r.rhs) for s in _free(side)]
    while todo:
        s = todo.pop()
        if s in by_symbol and s not in wanted:
            wanted.add(s)
            todo += list(_free(opaque(by_symbol[s].value)))
    chosen = {d.symbol: d for d in definitions if d.symbol in wanted}  # the last one counts
    ordered: list[Definition] = []

    def visit(d: Definition, path: frozenset[Any]) -> None:
        if d in ordered or d.symbol in path:
            return
        for s in sorted(_free(d.value), key=str):
            if s in chosen and s != d.symbol:
                visit(chosen[s], path | {d.symbol})
        ordered.append(d)

    for d in chosen.values():
        visit(d, frozenset())
    return tuple(Fact(d.symbol, "=", opaque(d.value), d.text, "definition") for d in ordered)


def _free(value: Any) -> set[Any]:
    return set(value.free_symbols) if isinstance(value, sympy.Basic) else set()


def _judge(claim: Relation, hypotheses: tuple[Relation, ...], facts: tuple[Fact, ...]) -> Verdict:
    hyps = tuple(_fact(h, "hypothesis") for h in hypotheses)
    given = tuple(
        Step(h.lhs, h.rel, h.rhs, "hypothesis", Assumption(), f"h{k}")
        for k, h in enumerate(hyps)
        if h.rel != "!="
    )
    facts = facts + hyps
    attempts: list[tuple[tuple[Step, ...], bool]] = []
    for k, h in enumerate(hypotheses):
        if h.rel != "!=":
            attempts += [(s, True) for s in from_hypothesis(claim, h, f"h{k}")]
    refutes = not hypotheses
    attempts += [(s, refutes) for s in direct(claim)]
    attempts += [(s, False) for s in by_squares(claim, facts)]
    attempts += [(s, False) for s in squares_by_definitions(claim, facts)]
    attempts += [(s, False) for s in positive_definite(claim, facts)]
    for k, h in enumerate(hypotheses):
        attempts += [(s, False) for s in substituted(claim, h, f"h{k}", hypotheses, facts)]
    attempts += [(s, True) for s in chained(claim, hypotheses)]
    best: Verdict | None = None
    reasons: list[str] = []
    for steps, can_refute in attempts:
        if _spent.get() >= MAX_DERIVATIONS:
            reasons.append(f"gave up after {MAX_DERIVATIONS} kernel derivations")
            break
        _spent.set(_spent.get() + 1)
        report = verify(Derivation(f"line {claim.line}", given + steps, facts))
        last = report.steps[-1]
        if last.status in ("proved", "vacuous", "assumed"):
            premises = tuple(
                f.text for s in report.steps[len(given) :] for f in s.premises if f.text
            )
            return Verdict(
                last.status, last.reason, None, last.rule, tuple(dict.fromkeys(premises))
            )
        helper = report.steps[len(given)]
        reason = helper.reason if helper is not last and helper.status != "proved" else last.reason
        reason = reason.split("; the statement is false at this point")[0]
        broken = _broken_premise(last.counterexample, facts) if last.status == "failed" else ""
        if broken:  # the kernel's point breaks a premise: it refutes nothing
            reason = f"a point offered as a counterexample breaks the premise {broken}"
        elif last.status == "failed" and can_refute and best is None:
            why = (
                last.reason
                if helper is last
                else f"{reason}; the claim is false at the point given"
            )
            best = Verdict("failed", why, dict(last.counterexample or {}) or None, last.rule)
        if hypotheses and can_refute:
            continue  # the reasons of derivations from a hypothesis are summed up below
        if reason and reason not in reasons and "one of the stated assumptions" not in reason:
            reasons.append(reason)
    if best is not None:
        return best
    if hypotheses:
        shown = ", ".join(h.text for h in hypotheses)
        reasons.insert(
            0,
            f"it does not follow from {shown} by scaling and shifting (multiply/add) or "
            "substitution, and it is not provable on its own",
        )
    return Verdict("unproved", "; ".join(reasons[:2]) or "no rule applies")


def _broken_premise(point: Mapping[str, str] | None, facts: tuple[Fact, ...]) -> str:
    """The text of a premise that ``point`` (a counterexample) makes false, with every
    definition put in, or ''. A counterexample is only taken when it keeps every premise
    the text states (checked at 40 digits; undecided counts as kept)."""
    if not point:
        return ""
    defined = {f.lhs: f.rhs for f in facts if f.scope == "definition"}
    symbols = {s.name: s for f in facts for s in _free(f.lhs) | _free(f.rhs)}
    symbols |= {s.name: s for v in defined.values() for s in _free(v)}
    try:
        at = {symbols[n]: sympy.Rational(v) for n, v in point.items() if n in symbols}
    except (TypeError, ValueError):
        return ""
    for f in facts:
        if f.scope == "definition" or f.rel not in ("=", "<", "<=", ">", ">=", "!="):
            continue
        try:
            gap = expanded(sympy.sympify(f.rhs) - sympy.sympify(f.lhs), defined)
            value = sympy.sympify(gap).doit().xreplace(at)
            if value.free_symbols:
                continue
            number = sympy.N(value, 40)
        except Exception:  # undecided: counts as kept
            continue
        if not number.is_real:
            continue
        tolerance = sympy.Float("1e-30")
        kept = {
            "=": abs(number) < tolerance,
            "!=": abs(number) > tolerance,
            "<": number > tolerance,
            "<=": number > -tolerance,
            ">": number < -tolerance,
            ">=": number < tolerance,
        }[f.rel]
        if not kept:
            return f.text or f"{f.lhs} {f.rel} {f.rhs}"
    return ""
