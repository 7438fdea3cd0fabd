"""What the kernel reads: exact values, premises (:class:`Fact`), steps, derivations, and
the two ways a check says no (:class:`Unproved`, :class:`Failed`). Plain data only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import sympy

from ..errors import VerificationError

__all__ = ["Derivation", "Fact", "Failed", "Inner", "Rule", "Step", "Unproved", "exact", "need"]

RELATIONS = ("=", "<=", "<", ">=", ">", "=O")
"""Relations of steps; '=O' is equality up to O(varᵏ⁺¹) (see the truncation rule)."""
FACT_RELATIONS = ("=", "<=", "<", ">=", ">", "!=", ">0")
"""Relations of premises; '>0' states that a matrix is positive definite."""
SCOPES = ("", "definition", "hypothesis")
_ZERO = sympy.Integer(0)
_DIGITS = 4000
_BITS = int(_DIGITS * 3.33)
NUMBER_LIKE = re.compile(r"\s*[-+.\d]")
"""A symbol name that would print as a number (-1, 2, .5)."""
_NOT_A_NAME = re.compile(r"^\s*[-+.\d]|[=<>≤≥≠]|\\(?:le|ge|ne|leq|geq|neq|lt|gt)(?![a-zA-Z])")
"""A display name that would print as a number or a relation (0, -1, a = b, x \\le y)."""


class Unproved(VerificationError):
    """A check did not go through: the step stays unproved (unless refuted)."""


class Failed(Unproved):
    """The step is false: ``point`` is where (None for a disagreement of the kernel's checks)."""

    def __init__(self, reason: str, point: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.point = point


class Inner(sympy.Function):
    """An abstract real inner product ⟨a, b⟩, for dimension-free arguments."""

    nargs = 2
    is_extended_real = is_real = is_finite = True

    def _latex(self, printer: Any, exp: Any = None) -> str:
        a, b = (printer._print(arg) for arg in self.args)
        tex = rf"\left\langle {a}, {b} \right\rangle"
        return tex if exp is None else f"{{{tex}}}^{{{exp}}}"


def exact(value: Any, what: str = "a value") -> Any:
    """``value`` as an exact SymPy object: expressions, immutable matrices, ints, Fractions.
    Text is never parsed and floats prove nothing, so both are refused.

    >>> exact(3), exact(Fraction(1, 3))
    (3, 1/3)
    """
    if isinstance(value, bool):
        raise VerificationError(f"{what} must be exact: got {value!r}")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, sympy.MatrixBase):
        value = sympy.ImmutableMatrix(value)
    if not isinstance(value, sympy.Basic):
        raise VerificationError(
            f"{what} must be a SymPy expression or an exact number, got {type(value).__name__}"
        )
    if value.has(sympy.Float):
        raise VerificationError(f"{what} holds a floating-point number ({value}): use exact ones")
    if value.has(sympy.I, sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise VerificationError(f"{what} is not a finite real expression: {value}")
    for atom in value.atoms(sympy.Symbol, sympy.Rational):
        if isinstance(atom, sympy.Symbol) and NUMBER_LIKE.match(atom.name):
            raise VerificationError(f"{what} has a symbol whose name reads as a number")
        if isinstance(atom, sympy.Rational) and max(abs(atom.p), atom.q).bit_length() > _BITS:
            raise VerificationError(f"{what} holds a number of over {_DIGITS} digits")
    return value


def exact_fields(obj: Any, *names: str) -> None:
    """Replace the named fields of a frozen dataclass by their :func:`exact` values."""
    for name in names:
        object.__setattr__(obj, name, exact(getattr(obj, name), f"{type(obj).__name__}.{name}"))


def _symmetric(h: Any) -> bool:
    if not isinstance(h, sympy.MatrixBase) or h.shape[0] != h.shape[1]:
        return False
    n = h.shape[0]
    return all(sympy.expand(h[a, b] - h[b, a]) == 0 for a in range(n) for b in range(a))


@dataclass(frozen=True)
class Fact:
    """A premise ``lhs rel rhs`` (d > 0, ‖u‖ ≤ d; H ≻ 0 is written with rel '>0').

    ``scope``: '' a standing premise, 'definition' a fresh symbol naming an expression
    (g_w = ∂L/∂w), 'hypothesis' a case hypothesis, used only by the steps that cite it.
    """

    lhs: Any
    rel: str
    rhs: Any = _ZERO
    text: str = ""
    scope: str = ""

    def __post_init__(self) -> None:
        if self.rel not in FACT_RELATIONS:
            raise VerificationError(
                f"an assumption's relation must be one of {', '.join(FACT_RELATIONS)}; "
                f"got {self.rel!r}"
            )
        exact_fields(self, "lhs", "rhs")
        if self.rel == ">0" and not _symmetric(self.lhs):
            raise VerificationError("H ≻ 0 is stated of a symmetric square matrix H")
        if not isinstance(self.text, str) or self.scope not in SCOPES:
            raise VerificationError(
                "an assumption's text is a string; its scope '', 'definition' or 'hypothesis'"
            )


@dataclass(frozen=True)
class Rule:
    """A machine rule: its data and ``check``. Only the kernel's own subclasses count.

    ``check(step, i, ctx)`` returns 'proved' or 'assumed', or raises :class:`Unproved`.
    ``refs`` names the fields that cite earlier steps; ``exacts`` those holding values.
    """

    name: ClassVar[str] = "rule"
    registry: ClassVar[Any] = []
    """The kernel's rules: filled while the kernel's modules load, then sealed as a tuple
    (see :func:`seal`); a class made later, whatever it claims, is not among them."""
    refs: ClassVar[tuple[str, ...]] = ()
    exacts: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        home = cls.__module__ in ("derive.kernel.rules", "derive.kernel.calculus")
        if isinstance(Rule.registry, list) and home and "check" in cls.__dict__:
            Rule.registry.append(cls)

    def __post_init__(self) -> None:
        exact_fields(self, *self.exacts)

    @property
    def premises(self) -> tuple[str | int, ...]:
        """The earlier steps (labels or indices) this rule cites."""
        cited = (getattr(self, field) for field in self.refs)
        return tuple(
            r for c in cited for r in (c if isinstance(c, tuple) else (c,)) if r is not None
        )

    def check(self, step: Step, i: int, ctx: Any) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def seal() -> tuple[type[Rule], ...]:
    """Close the list of the kernel's rules (once its modules are loaded)."""
    if isinstance(Rule.registry, list):
        Rule.registry = tuple(Rule.registry)
    return Rule.registry


def is_kernel_rule(rule: Any) -> bool:
    """Is ``rule`` an instance of exactly one of the kernel's own rules?"""
    return isinstance(Rule.registry, tuple) and type(rule) in Rule.registry


def need(ok: Any, why: str, *shown: Any) -> None:
    """Raise :class:`Unproved` unless ``ok``; ``why`` is formatted with ``shown`` only then
    (printing a large expression costs more than checking it)."""
    if not ok:
        raise Unproved(why.format(*shown) if shown else why)


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs rel rhs``, why (for people) and a rule (for the kernel)."""

    lhs: Any
    rel: str
    rhs: Any
    why: str
    rule: Rule
    label: str = ""

    def __post_init__(self) -> None:
        if self.rel not in RELATIONS:
            raise VerificationError(
                f"a step's relation must be one of {', '.join(RELATIONS)}; got {self.rel!r}"
            )
        if not is_kernel_rule(self.rule):
            raise VerificationError(
                f"a step's rule must be one of the kernel's rules, got {self.rule!r}"
            )
        exact_fields(self, "lhs", "rhs")


@dataclass(frozen=True, eq=False)
class Derivation:
    """A titled sequence of steps under stated premises (what the kernel verifies).

    ``conclusions`` names the steps (labels or indices) that state what was derived; by
    default the last step. ``remark`` is a gloss for people that the kernel never reads.
    """

    title: str
    steps: tuple[Step, ...]
    assumptions: tuple[Fact, ...] = ()
    remark: str = ""
    names: tuple[tuple[Any, str], ...] = ()
    """Display names (subexpression, LaTeX) for rendering; the kernel ignores them."""
    conclusions: tuple[str | int, ...] = ()

    def __post_init__(self) -> None:
        # plain tuples, read once: what the kernel checks is what every renderer shows
        for name, kind in (("steps", Step), ("assumptions", Fact)):
            items = tuple(getattr(self, name))
            if not all(isinstance(item, kind) for item in items):
                raise VerificationError(f"a derivation's {name} must all be {kind.__name__}s")
            object.__setattr__(self, name, tuple.__new__(tuple, items))
        object.__setattr__(self, "conclusions", tuple(self.conclusions))
        object.__setattr__(self, "names", tuple(tuple(pair) for pair in self.names))
        for _, tex in self.names:
            if not isinstance(tex, str) or _NOT_A_NAME.search(tex):
                raise VerificationError(f"{tex!r} reads as a number or a statement, not a name")

    def step(self, ref: str | int) -> Step:
        """A step by label or 0-based index."""
        return self.steps[self.index(ref)]

    def index(self, ref: str | int) -> int:
        """The 0-based position of a step given by label or index."""
        if isinstance(ref, int) and 0 <= ref < len(self.steps):
            return ref
        for i, s in enumerate(self.steps):
            if isinstance(ref, str) and s.label == ref:
                return i
        raise VerificationError(f"{self.title}: no step {ref!r}")

    def concluded(self) -> tuple[int, ...]:
        """The indices of the concluding steps (the last one unless named)."""
        return tuple(self.index(r) for r in self.conclusions) or (len(self.steps) - 1,)
