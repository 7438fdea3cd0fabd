"""What verification knows while it runs: the premises and the signs they give, the
definitions, the verdicts so far, and which premises the current step relied on."""

from __future__ import annotations

import random
from typing import Any

import sympy

from ..errors import VerificationError
from .algebra import as_le, everywhere, holds, not_real, point, prepare, real
from .sums import GROUPS, VectorSymbol, loose
from .terms import Derivation, Fact, Step, Unproved

__all__ = ["Context"]

SATISFY_POINTS = 24
_HOLDS = {"=": sympy.Eq, "<=": sympy.Le, "<": sympy.Lt, ">=": sympy.Ge, ">": sympy.Gt}
_HOLDS["!="] = sympy.Ne


class Context:
    def __init__(self, derivation: Derivation) -> None:
        self.derivation, self.facts = derivation, derivation.assumptions
        self.statuses: list[str] = []
        self.remainders: dict[int, tuple[sympy.Symbol, int]] = {}
        """For each proved '=O' step: the variable and order of its O(varᵏ⁺¹)."""
        self.cases: list[set[int]] = []
        """For each step checked so far: the case hypotheses it rests on."""
        self.local: dict[int, sympy.Symbol] = {}
        """Steps that hold only for every var in some interval (0, var₀)."""
        self.rng = random.Random(derivation.title)
        self.signs: dict[tuple[str, Any], int] = {}
        """(kind, expr) → the standing premise that gives it: 'pos', 'nonneg' or 'nonzero'."""
        self.real_cache: dict[Any, tuple[bool, frozenset[int]]] = {}
        self.masked: set[int] = set()
        """Premises set aside while finding which ones a proved step really needs."""
        self.probing = False
        self.used: set[int] = set()
        """The premises the current step relied on."""
        self.definitions: dict[Any, Any] = {}
        self.direct: dict[Any, Any] = {}
        """Each definition as stated (in terms of earlier names), for unfolding a level at a time."""
        for k, f in enumerate(self.facts):
            if f.scope == "definition":
                self._define(f)
                continue
            for key in _signs(f) if not f.scope else ():
                self.signs.setdefault(key, k)
            if not (f.lhs.free_symbols | f.rhs.free_symbols):
                _check_closed(f)
        for f in self.facts:  # each in terms of earlier ones, which are real by induction
            if f.scope == "definition" and not real(f.rhs, self):
                raise VerificationError(f"the definition of {f.lhs}: " + not_real(f.rhs))
        standing = [f for f in self.facts if not f.scope]
        self.sampled = tuple(
            (prepare(self.expand(f.lhs - f.rhs)), f.rel)  # defined names carried out
            for f in standing
            if f.rel != ">0" and not isinstance(f.lhs, sympy.MatrixBase)
        )
        self._satisfiable(standing)
        for f in self.facts:  # each case is possible under the standing premises
            if f.scope == "hypothesis" and f.rel in ("<", "<=", ">", ">=", "!="):
                self._satisfiable([*standing, f])

    def _define(self, f: Fact) -> None:
        """A definition names an expression by a fresh symbol: once, and only in terms of
        earlier definitions (stored expanded), so definitions can never be circular."""
        name = f.lhs
        if f.rel != "=" or not isinstance(name, sympy.Symbol):
            raise VerificationError(
                f"a definition reads symbol = expression, not {f.lhs} {f.rel} {f.rhs}"
            )
        value = sympy.sympify(f.rhs).xreplace(self.definitions)
        if loose(value) and not isinstance(name, VectorSymbol):
            raise VerificationError(f"{name} is a number: it cannot name a vector's component")
        if name in self.definitions or name in value.free_symbols:
            raise VerificationError(f"{name} is defined twice, or in terms of itself")
        if any(name in v.free_symbols for v in self.definitions.values()):
            raise VerificationError(f"{name} is used by an earlier definition; define it first")
        self.definitions[name] = value
        self.direct[name] = sympy.sympify(f.rhs)

    def _satisfiable(self, standing: list[Fact]) -> None:
        """Find a point where every standing premise holds (definitions carried out), or
        refuse: from premises that contradict each other anything follows."""
        conditions = [
            (sympy.ImmutableMatrix(f.lhs).xreplace(self.definitions), ">0")
            if f.rel == ">0"
            else (prepare(self.expand(f.lhs - f.rhs)), f.rel)
            for f in standing
        ]
        symbols = sorted({s for c, _ in conditions for s in c.free_symbols}, key=lambda s: s.name)
        boxed = {s: b for s in symbols if (b := self.box([s])) is not None}
        self.used = set()
        for _ in range(SATISFY_POINTS if symbols else 0):
            at = point(symbols, self)
            for s, bounds in boxed.items():  # a symbol with numeric bounds: inside them
                lo, hi = bounds[s]
                at[s] = lo + (hi - lo) * sympy.Rational(self.rng.randint(1, 99), 100)
            for v in at:  # a vector: GROUPS values, the last filling each sum's length
                if isinstance(v, VectorSymbol):
                    at[v] = [
                        at[v] * sympy.Rational(self.rng.randint(1, 9), 5) for _ in range(GROUPS)
                    ]
            for scale, every in _SCALES:
                # shrink what no premise makes positive: ‖u‖ ≤ d in ℝⁿ is found at small u;
                # then everything: 0 < η < 1/4 is found at small η
                tried = {
                    x: v if ("pos", x) in self.signs and not every else _scaled(v, scale)
                    for x, v in at.items()
                }
                if all(_holds(c, rel, tried) for c, rel in conditions):
                    return
        if symbols:
            shown = "; ".join(f.text or f"{f.lhs} {f.rel} {f.rhs}" for f in standing)
            raise VerificationError(
                f"the premises ({shown}) hold at none of {SATISFY_POINTS} points tried: they "
                "may contradict each other, and from contradictory premises anything follows"
            )

    def known(self, kind: str, expr: Any) -> bool:
        """Does a standing premise give ``expr`` this sign? Records the premise as used."""
        k = self.signs.get((kind, expr))
        if k is None or k in self.masked:
            return False
        self.used.add(k)
        return True

    def box(self, symbols: Any) -> dict[Any, tuple[Any, Any]] | None:
        """Numeric bounds a ≤ s ≤ b for every symbol, from the standing premises (s > a,
        s ≤ b, …; a strict bound gives the closed interval, a superset); None when a symbol
        has no bound on either side. Records the premises used."""
        found: dict[Any, list[Any]] = {s: [None, None] for s in symbols}
        used = set()
        for k, f in enumerate(self.facts):
            if f.scope or f.rel not in ("<", "<=", ">", ">=") or k in self.masked:
                continue
            lo, _, hi = as_le(f)
            for end, s, bound in ((1, lo, hi), (0, hi, lo)):
                if s in found and bound.is_Rational:
                    old = found[s][end]
                    found[s][end] = bound if old is None else (min if end else max)(old, bound)
                    used.add(k)
        if any(lo is None or hi is None or lo > hi for lo, hi in found.values()):
            return None
        self.used |= used
        return {s: (lo, hi) for s, (lo, hi) in found.items()}

    def expand(self, expr: Any) -> Any:
        """``expr`` with every defined symbol replaced by what it names."""
        return sympy.sympify(expr).xreplace(self.definitions) if self.definitions else expr

    def premise(self, ref: str | int, current: int) -> Step:
        """An earlier step, proved, that the current one relies on."""
        i = self.derivation.index(ref)
        if i >= current:
            raise Unproved(f"refers to step {i + 1}, which does not come before it")
        if self.statuses[i] not in ("proved", "assumed"):
            raise Unproved(f"relies on step {i + 1}, which is not proved")
        if i in self.local:
            raise Unproved(f"step {i + 1} holds only for small {self.local[i]} > 0")
        return self.derivation.steps[i]


_SCALES = [(sympy.Rational(1, 10**k), False) for k in (0, 2, 4)]
_SCALES += [(sympy.Rational(1, 10**k), True) for k in (2, 4)]


def _scaled(value: Any, scale: Any) -> Any:
    return [v * scale for v in value] if isinstance(value, list) else value * scale


def _holds(condition: Any, rel: str, at: dict[Any, Any]) -> bool:
    """:func:`holds`, with vectors written out (every component) where ``at`` has them."""
    if not any(isinstance(v, list) for v in at.values()):
        return holds(condition, rel, at)
    return everywhere(condition, rel, {s.name: v for s, v in at.items()})


def _check_closed(f: Fact) -> None:
    """A premise without symbols is a fact about numbers: it is checked, never assumed."""
    if f.rel == ">0":
        matrix = sympy.Matrix(f.lhs)
        ok = matrix.is_symmetric() and matrix.is_positive_definite
    else:
        ok = _HOLDS[f.rel](f.lhs, f.rhs)
    if ok is not True and ok is not sympy.true:
        shown = f"{f.lhs} ≻ 0" if f.rel == ">0" else f"{f.lhs} {f.rel} {f.rhs}"
        raise VerificationError(f"the premise {shown} is about numbers only, and it does not hold")


def _signs(f: Fact) -> list[tuple[str, Any]]:
    """The signs a standing premise gives: H ≻ 0 makes every leading principal minor and
    diagonal entry positive (Sylvester); e > 0, e ≥ 0, e ≠ 0 give e's."""
    lhs, rel, rhs = f.lhs, f.rel, f.rhs
    if rel == ">0" and isinstance(lhs, sympy.MatrixBase):
        minors = [lhs[:k, :k].det() for k in range(1, lhs.shape[0] + 1)]
        diagonal = [lhs[k, k] for k in range(lhs.shape[0])]
        return [("pos", m) for m in {*minors, *(sympy.expand(m) for m in minors), *diagonal}]
    if rel in (">", ">=") and rhs == 0:
        return [("pos" if rel == ">" else "nonneg", lhs)]
    if rel in ("<", "<=") and lhs == 0:
        return [("pos" if rel == "<" else "nonneg", rhs)]
    # w ≠ 0 for a vector says the vector is not zero, not that every wᵢ is
    return [("nonzero", lhs)] if rel == "!=" and rhs == 0 and not loose(lhs) else []
