"""Verification: every step checked by its rule, in order, into a sealed report.

Symbols are verified as their real-only twins (the kernel reads no SymPy assumption);
reports are cached by the derivation's content, so whoever asks again for the same
derivation gets the same sealed report.

>>> import sympy
>>> from derive.kernel import Derivation, Identity, Step
>>> x = sympy.Symbol("x")
>>> verify(Derivation("square", (Step((x + 1)**2, "=", x**2 + 2*x + 1, "", Identity()),))).ok
True
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import sympy

from ..errors import VerificationError
from .algebra import counterexample
from .context import Context
from .sums import VectorSymbol
from .terms import NUMBER_LIKE, Derivation, Fact, Failed, Rule, Step, is_kernel_rule
from .verdict import GOOD, Report, StepReport, issue

__all__ = ["verify"]

_CACHE: dict[Any, tuple[Report, Any]] = {}
_CACHE_SIZE = 256


def verify(d: Derivation, progress: Callable[[int, int], None] | None = None) -> Report:
    """The kernel's sealed report for exactly this derivation's content (cached: a report
    is reused only while the derivation's content, walked afresh, is what was verified,
    and the report is as the kernel issued it)."""
    if not isinstance(d, Derivation):
        raise VerificationError(f"only a Derivation can be verified, got {type(d).__name__}")
    key = (d.title, d.steps, d.assumptions, d.conclusions)
    try:
        cached = _CACHE.get(key)
    except TypeError:  # something unhashable smuggled in: verify without caching
        return _verify(d, progress)
    content = _shape(key, {})
    if cached is None or cached[1] != content or not cached[0].genuine:
        cached = _CACHE[key] = (_verify(d, progress), content)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return cached[0]


def _shape(value: Any, memo: dict[int, Any]) -> Any:
    """``value``'s content, walked afresh (SymPy caches hashes: an expression changed in
    place keeps its old one)."""
    if isinstance(value, sympy.Basic):
        known = memo.get(id(value))
        if known is None:
            parts = tuple(_shape(a, memo) for a in value.args) if value.args else str(value)
            known = memo[id(value)] = (type(value).__name__, parts)
        return known
    if isinstance(value, tuple):
        return tuple(_shape(v, memo) for v in value)
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return (type(value).__name__, tuple(_shape(getattr(value, f.name), memo) for f in fields))
    return value


def _real_only(d: Derivation) -> Derivation:
    """``d`` with every symbol replaced by its twin that is only real: the kernel reads no
    assumption (positive=True, …) from a symbol; premises are stated as facts."""
    twins: dict[str, sympy.Symbol] = {}
    memo: dict[int, tuple[Any, Any]] = {}

    def twin(value: Any) -> Any:
        if isinstance(value, sympy.Basic):
            seen = memo.get(id(value))
            if seen is None or seen[0] is not value:
                symbols = [s for s in value.atoms(sympy.Symbol) if not isinstance(s, sympy.Dummy)]
                fresh = {s: twins.setdefault(s.name, _twin(s)) for s in symbols}
                if any(type(t) is not type(s) for s, t in fresh.items()):
                    raise VerificationError("a name stands for both a vector and a number")
                if any(NUMBER_LIKE.match(s.name) for s in symbols):
                    raise VerificationError("a symbol's name reads as a number")
                fresh = {s: t for s, t in fresh.items() if s != t}
                with sympy.evaluate(False):  # a side undefined somewhere stays so
                    twin_ = value.xreplace(fresh) if fresh else value
                seen = memo[id(value)] = (value, twin_)
            return seen[1]
        if isinstance(value, tuple):
            twins_ = tuple(twin(v) for v in value)
            return value if all(a is b for a, b in zip(twins_, value, strict=True)) else twins_
        if isinstance(value, (Rule, Step, Fact)):
            changes = {f.name: twin(getattr(value, f.name)) for f in dataclasses.fields(value)}
            same = all(changes[name] is getattr(value, name) for name in changes)
            return value if same else dataclasses.replace(value, **changes)
        return value

    return Derivation(d.title, twin(d.steps), twin(d.assumptions), conclusions=d.conclusions)


def _twin(s: sympy.Symbol) -> sympy.Symbol:
    """The real-only twin: a vector symbol is real only already."""
    return s if isinstance(s, VectorSymbol) else sympy.Symbol(s.name, real=True)


def _verify(d: Derivation, progress: Callable[[int, int], None] | None) -> Report:
    start, given = time.perf_counter(), d
    try:
        for ref in d.conclusions:
            d.index(ref)
        d = _real_only(d)
        ctx = Context(d)
    except (VerificationError, RecursionError, ValueError, TypeError) as exc:
        none = [
            StepReport(i, s.label, "unproved", s.rule.name, str(exc)) for i, s in enumerate(d.steps)
        ]
        shown = tuple(f for f in d.assumptions if f.scope != "definition")
        return issue(Report(d.title, tuple(none), time.perf_counter() - start, shown, shown))
    reports: list[StepReport] = []
    used_anywhere: set[int] = set()
    cases: list[set[int]] = ctx.cases
    for i, step in enumerate(d.steps):
        if progress is not None:
            progress(i, len(d.steps))
        ctx.used = set()
        inherited = {k for ref in step.rule.premises for k in _cases(ref, cases, d)}
        within = [ctx.facts[k] for k in sorted(inherited)]
        status, reason, point = _check(step, given.steps[i], i, ctx, within)
        ctx.statuses.append(status)
        used = sorted(_needed(step, i, ctx)) if status in GOOD else []
        used_anywhere.update(used)
        remainder = ctx.remainders.get(i) if status in GOOD else None
        premises = tuple(given.assumptions[k] for k in used)
        local = ctx.local.get(i) if status in GOOD else None
        cases.append(inherited | {k for k in used if ctx.facts[k].scope == "hypothesis"})
        reports.append(
            StepReport(
                i,
                step.label,
                status,
                step.rule.name,
                reason,
                point,
                premises,
                remainder,
                local,
                tuple(given.assumptions[k] for k in sorted(cases[-1])),
            )
        )
    stated = [k for k, f in enumerate(ctx.facts) if f.scope != "definition"]
    return issue(
        Report(
            d.title,
            tuple(reports),
            time.perf_counter() - start,
            tuple(given.assumptions[k] for k in stated),
            tuple(given.assumptions[k] for k in stated if k not in used_anywhere),
        )
    )


def _check(step: Step, given: Step, i: int, ctx: Context, cases: Any) -> tuple[str, str, Any]:
    """(status, reason, counterexample) for one step; a check that breaks proves nothing."""
    if not is_kernel_rule(step.rule):
        return "unproved", "the rule is not one of the kernel's", None
    if given.rel in ("=", "<=", ">=", "=O") and _same(given.lhs, given.rhs):
        return "vacuous", "both sides are the same: there is nothing to prove", None
    try:
        return step.rule.check(step, i, ctx), "", None
    except Failed as no:
        return "failed", str(no), no.point
    except VerificationError as exc:
        reason = str(exc)
    except RecursionError:
        reason = "the expressions are nested too deeply to check"
    except Exception as exc:
        reason = f"the check could not be carried out ({type(exc).__name__}: {exc})"
    try:
        point = counterexample(step, ctx, cases)
    except Exception:
        point = None
    if point is None:
        return "unproved", reason, None
    return "failed", f"{reason}; the statement is false at this point", point


def _cases(ref: str | int, cases: list[set[int]], d: Derivation) -> set[int]:
    """The case hypotheses an earlier step rests on (none for a reference that fails)."""
    try:
        return cases[d.index(ref)]
    except (VerificationError, IndexError):
        return set()


def _needed(step: Step, i: int, ctx: Context) -> set[int]:
    """The premises a proved step needs: each one it consulted is set aside in turn, and
    stays aside when the step is proved without it."""
    needed = set(ctx.used)
    ctx.probing = True
    try:
        for k in sorted(ctx.used):
            if k not in needed:
                continue
            ctx.masked.add(k)
            ctx.used = set()
            try:
                again = step.rule.check(step, i, ctx) in GOOD
            except Exception:
                again = False
            if again:
                needed = set(ctx.used)
            else:
                ctx.masked.discard(k)
    finally:
        ctx.masked, ctx.probing = set(), False
    return needed


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except TypeError:
        return False
