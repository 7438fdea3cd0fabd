"""Single-step corruptions of a derivation, for the soundness tests and the benchmark."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import sympy

from derive import Derivation
from derive.kernel import Step, SumOfSquares

FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "=": "<", "=O": "="}


def _bump_exponent(expr: sympy.Expr) -> sympy.Expr | None:
    """Raise the exponent of the first integer power found, in that one place only."""
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer:
        return sympy.Pow(expr.base, expr.exp + 1)
    for k, arg in enumerate(expr.args):
        changed = _bump_exponent(arg)
        if changed is not None:
            return expr.func(*expr.args[:k], changed, *expr.args[k + 1 :])
    return None


def _side_mutants(name: str, value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, sympy.MatrixBase):
        changed = sympy.Matrix(value)
        changed[0] = changed[0] + 1
        yield f"{name}+1", changed
        return
    value = sympy.sympify(value)
    yield f"{name}+1", value + 1
    if value != 0:
        yield f"-{name}", -value
        yield f"2*{name}", 2 * value
    bumped = _bump_exponent(value)
    if bumped is not None and bumped != value:
        yield f"exponent of {name}", bumped


def mutants(step: Step) -> Iterator[tuple[str, Step]]:
    """Every corruption of one step: sides shifted, negated, doubled, an exponent raised,
    the relation flipped, a certificate square dropped."""
    for side in ("lhs", "rhs"):
        for kind, value in _side_mutants(side, getattr(step, side)):
            yield kind, dataclasses.replace(step, **{side: value})
    yield "relation", dataclasses.replace(step, rel=FLIP[step.rel])
    rule = step.rule
    if isinstance(rule, SumOfSquares):
        if rule.terms:
            yield (
                "certificate",
                dataclasses.replace(step, rule=dataclasses.replace(rule, terms=rule.terms[1:])),
            )
        if rule.lagrange is not None:
            u, g = rule.lagrange
            shorter = dataclasses.replace(rule, lagrange=(u[1:], g[1:]))
            yield "certificate", dataclasses.replace(step, rule=shorter)


@dataclasses.dataclass
class MutationCounts:
    tried: int = 0
    at_step: int = 0
    downstream: int = 0
    escaped: list[str] = dataclasses.field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.at_step + self.downstream


def run_mutations(derivation: Derivation) -> MutationCounts:
    """Corrupt each step in turn. A mutant is rejected *at its step* when the kernel does
    not prove it; a mutant that is still a valid consequence of its premises (and so is
    proved) must make the whole derivation fail further on (*downstream*)."""
    counts = MutationCounts()
    for i, step in enumerate(derivation.steps):
        prefix = Derivation(derivation.title, derivation.steps[: i + 1], derivation.assumptions)
        for kind, mutant in mutants(step):
            if mutant == step:
                continue
            counts.tried += 1
            if prefix.replace_step(i, mutant).verify().steps[i].status != "proved":
                counts.at_step += 1
            elif not derivation.replace_step(i, mutant).verify().ok:
                counts.downstream += 1
            else:
                counts.escaped.append(f"step {i + 1} ({step.label}): {kind}")
    return counts
