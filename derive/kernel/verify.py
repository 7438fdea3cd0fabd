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
from .algebra import Context
from .terms import Derivation, Fact, Outcome, Rule, Step
from .verdict import Report, StepReport, issue, statement

__all__ = ["verify"]


def _real_twin(value: Any, table: dict[Any, Any]) -> Any:
    """``value`` with every symbol replaced by its twin that is only real: the kernel reads
    no assumption (positive=True, …) from a symbol; premises are stated as facts."""
    if isinstance(value, sympy.Basic):
        seen = table.get(("seen", id(value)))
        if seen is not None and seen[0] is value:  # the same object met in another step
            return seen[1]
        fresh = {}
        for s in value.atoms(sympy.Symbol):
            if isinstance(s, sympy.Dummy):
                continue
            twin = table.setdefault(s.name, sympy.Symbol(s.name, real=True))
            if twin is not s and twin != s:
                fresh[s] = twin
        twin_value = value.xreplace(fresh) if fresh else value
        table[("seen", id(value))] = (value, twin_value)
        return twin_value
    if isinstance(value, tuple):
        twins = tuple(_real_twin(v, table) for v in value)
        return value if all(a is b for a, b in zip(twins, value, strict=True)) else twins
    if isinstance(value, (Rule, Step, Fact)):
        changes = {
            f.name: _real_twin(getattr(value, f.name), table) for f in dataclasses.fields(value)
        }
        if all(changes[name] is getattr(value, name) for name in changes):
            return value
        return dataclasses.replace(value, **changes)
    return value


def _real_only(d: Derivation) -> Derivation:
    table: dict[str, sympy.Symbol] = {}
    return Derivation(
        d.title, _real_twin(d.steps, table), _real_twin(d.assumptions, table), d.conclusion
    )


_CACHE: dict[Any, Report] = {}


_CACHE_SIZE = 256


def _content(d: Derivation) -> Any:
    return (d.title, d.steps, d.assumptions)


def verify(d: Derivation, progress: Callable[[int, int], None] | None = None) -> Report:
    """The kernel's sealed report for exactly this derivation's content (cached)."""
    if not isinstance(d, Derivation):
        raise VerificationError(f"only a Derivation can be verified, got {type(d).__name__}")
    try:
        key = _content(d)
        hash(key)
    except TypeError:  # something unhashable smuggled in: verify without caching
        return _verify(d, progress)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    report = _verify(d, progress)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = report
    return report


def _verify(d: Derivation, progress: Callable[[int, int], None] | None = None) -> Report:
    start = time.perf_counter()
    title, given = d.title, d.steps
    try:
        d = _real_only(d)
        ctx = Context(d)
    except (VerificationError, RecursionError, ValueError, TypeError) as exc:
        reports = [
            StepReport(i, s.label, "unproved", s.rule.name, str(exc)) for i, s in enumerate(d.steps)
        ]
        shown = tuple(statement(f) for f in d.assumptions if f.scope != "definition")
        return issue(Report(title, tuple(reports), time.perf_counter() - start, shown, shown))
    reports = []
    used_anywhere: set[int] = set()
    for i, step in enumerate(d.steps):
        if progress is not None:
            progress(i, len(d.steps))
        ctx.used = set()
        try:
            if _vacuous(given[i]):
                outcome = Outcome("vacuous", "both sides are the same: there is nothing to prove")
            else:
                outcome = step.rule.check(step, i, ctx)
        except VerificationError as exc:
            outcome = Outcome("unproved", str(exc))
        except RecursionError:
            outcome = Outcome("unproved", "the expressions are nested too deeply to check")
        except Exception as exc:  # a check that breaks proves nothing: unproved, and why
            outcome = Outcome(
                "unproved", f"the check could not be carried out ({type(exc).__name__}: {exc})"
            )
        ctx.results.append(outcome)
        good = outcome.status in ("proved", "assumed")
        used = sorted(_needed(step, i, ctx)) if good else []
        used_anywhere.update(used)
        reports.append(
            StepReport(
                i,
                step.label,
                outcome.status,
                step.rule.name,
                outcome.reason,
                outcome.point,
                tuple(statement(ctx.facts[k]) for k in used),
                ctx.remainders.get(i) if good else None,
            )
        )
    stated = [k for k, f in enumerate(ctx.facts) if f.scope != "definition"]
    return issue(
        Report(
            title,
            tuple(reports),
            time.perf_counter() - start,
            tuple(statement(ctx.facts[k]) for k in stated),
            tuple(statement(ctx.facts[k]) for k in stated if k not in used_anywhere),
        )
    )


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
                again = step.rule.check(step, i, ctx).status in ("proved", "assumed")
            except Exception:
                again = False
            if again:
                needed = set(ctx.used)
            else:
                ctx.masked.discard(k)
    finally:
        ctx.masked, ctx.probing = set(), False
    return needed


def _vacuous(step: Step) -> bool:
    """Two identical sides under '=', '≤' or '≥' state nothing (never counted as proof)."""
    return step.rel in ("=", "<=", ">=", "=O") and _same_value(step.lhs, step.rhs)


def _same_value(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except TypeError:
        return False
