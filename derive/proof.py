r"""The proof kernel: steps, derivations, the rules that check them, and reports.

A :class:`Step` states ``lhs rel rhs`` with a human justification and a machine
:class:`Rule`. :meth:`Derivation.verify` runs every rule here, in this module, and only
here can a step become ``"proved"``:

* an exact check succeeded (polynomial/rational canonical form, SymPy simplification
  only as a fallback; never floating point), and
* every identity the check relied on agreed with a second witness at random points
  (exact rational arithmetic where the value is rational, mpmath at 40 digits
  otherwise). A disagreement marks the step ``"failed"``: a CAS bug caught.

A step whose check does not go through is ``"failed"`` when a counterexample to it turns
up (exact, or evaluated to 50 digits), else ``"unproved"``.

>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> good = Step((x + 1)**2, "=", x**2 + 2*x + 1, "expand", Identity())
>>> Derivation("square", steps=(good,)).verify().ok
True
>>> bad = Step((x + 1)**2, "=", x**2 + 1, "expand", Identity())
>>> Derivation("square", steps=(bad,)).verify().steps[0].status
'failed'
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import symengine as se
import sympy

from .errors import VerificationError

__all__ = [
    "RELATIONS",
    "AbsoluteValue",
    "Affine",
    "Assumption",
    "Derivation",
    "Fact",
    "Identity",
    "Inner",
    "InnerProduct",
    "Instantiate",
    "Positivity",
    "Power",
    "QuadraticForm",
    "Report",
    "Rule",
    "Sign",
    "Step",
    "StepReport",
    "Substitution",
    "SumOfSquares",
    "Transitivity",
    "Truncation",
]

RELATIONS = ("=", "<=", "<", ">=", ">", "=O")
"""Relations of steps; '=O' is equality up to O(varᵏ⁺¹) (see :class:`Truncation`)."""
FACT_RELATIONS = ("=", "<=", "<", ">=", ">", "!=", ">0")
"""Relations of assumptions; '>0' states that a matrix is positive definite."""

WITNESS_POINTS = 2
WITNESS_DIGITS = 40
SEARCH_POINTS = 12
_TINY = sympy.Float(10) ** -(WITNESS_DIGITS - 5)
_ZERO, _ONE, _HALF = sympy.Integer(0), sympy.Integer(1), sympy.Rational(1, 2)


class Inner(sympy.Function):
    """An abstract real inner product ⟨a, b⟩, for dimension-free arguments."""

    nargs = 2
    is_extended_real = True
    is_real = True
    is_finite = True

    def _latex(self, printer: Any, exp: Any = None) -> str:
        a, b = (printer._print(arg) for arg in self.args)
        tex = rf"\left\langle {a}, {b} \right\rangle"
        return tex if exp is None else f"{{{tex}}}^{{{exp}}}"


# ----------------------------------------------------------------------------- values


def exact(value: Any, what: str = "a value") -> Any:
    """``value`` as an exact SymPy object: SymPy expressions and immutable matrices, Python
    ints and Fractions. Text, floats and anything else are refused: a statement is never
    parsed or evaluated here, and floating-point numbers prove nothing.

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
    return value


def _exact_fields(obj: Any, *names: str) -> None:
    for name in names:
        object.__setattr__(obj, name, exact(getattr(obj, name), f"{type(obj).__name__}.{name}"))


@dataclass(frozen=True)
class Fact:
    """An assumption ``lhs rel rhs`` (d > 0, ‖u‖ ≤ d, H ≻ 0 written with rel '>0').

    ``scope`` is '' for a standing assumption, 'definition' for a fresh symbol naming an
    expression (g_w = ∂L/∂w), 'hypothesis' for a case assumption. Definitions and
    hypotheses are left out when sampling witness points.
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
        _exact_fields(self, "lhs", "rhs")
        if not isinstance(self.text, str) or self.scope not in ("", "definition", "hypothesis"):
            raise VerificationError(
                "an assumption's text is a string; its scope '', 'definition' or 'hypothesis'"
            )


@dataclass(frozen=True)
class Rule:
    """A machine rule; subclasses carry the data the kernel checks."""

    @property
    def name(self) -> str:
        return _RULE_NAMES[type(self).__name__]

    @property
    def premises(self) -> tuple[str | int, ...]:
        return ()


@dataclass(frozen=True)
class _FromPremise(Rule):
    """A rule concluding from one earlier step, ``premise`` (a label or an index)."""

    premise: str | int

    @property
    def premises(self) -> tuple[str | int, ...]:
        return (self.premise,)


@dataclass(frozen=True)
class Identity(Rule):
    """``lhs = rhs`` holds identically (unevaluated derivatives are carried out first)."""


@dataclass(frozen=True)
class Assumption(Rule):
    """The step is one of the derivation's assumptions."""


@dataclass(frozen=True)
class Sign(Rule):
    """``e > 0``, ``e ≥ 0`` (or ``e < 0``, ``e ≤ 0``) by structural sign rules over the
    assumptions."""


@dataclass(frozen=True)
class SumOfSquares(Rule):
    """``lhs ≤ rhs`` because rhs − lhs = constant + Σ cₖ·qₖ² with every cₖ ≥ 0 (constant > 0 for <).

    ``terms`` holds (cₖ, qₖ) pairs; ``lagrange = (u, g)`` adds the Lagrange identity's
    squares Σ_{i<j} (uᵢgⱼ − uⱼgᵢ)², built directly in SymEngine for speed.
    """

    terms: tuple[tuple[Any, Any], ...] = ()
    constant: Any = _ZERO
    lagrange: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        terms = tuple((exact(c, "a coefficient"), exact(q, "a square")) for c, q in self.terms)
        object.__setattr__(self, "terms", terms)
        _exact_fields(self, "constant")
        if self.lagrange is not None:
            u, g = self.lagrange
            if len(u) != len(g):
                raise VerificationError("Lagrange's identity needs two vectors of one length")
            pair = (tuple(exact(x) for x in u), tuple(exact(x) for x in g))
            object.__setattr__(self, "lagrange", pair)


@dataclass(frozen=True)
class Affine(_FromPremise):
    """From ``a R b`` (step ``premise``) conclude ``c·a + s R c·b + s``; c ≥ 0 is checked
    (c > 0 for strict relations) and a provably non-positive c reverses the relation."""

    factor: Any = _ONE
    shift: Any = _ZERO

    def __post_init__(self) -> None:
        _exact_fields(self, "factor", "shift")


@dataclass(frozen=True)
class Power(_FromPremise):
    """Monotone powers on non-negatives: from ``a R b`` with a, b ≥ 0 conclude ``aᵖ R bᵖ``
    (p a whole number, or its reciprocal: then the conclusion's sides to the power 1/p
    must be the premise's)."""

    exponent: Any = _HALF

    def __post_init__(self) -> None:
        _exact_fields(self, "exponent")
        if not self.exponent.is_Rational:
            raise VerificationError(f"a monotone power's exponent is a number, got {self.exponent}")


@dataclass(frozen=True)
class AbsoluteValue(_FromPremise):
    """From ``|a| ≤ b`` conclude ``−b ≤ a`` or ``a ≤ b``."""


@dataclass(frozen=True)
class Transitivity(Rule):
    """Chain ``a R₁ b``, ``b R₂ c``, … into ``a R c`` (strict if any link is; an
    equality may be used either way round)."""

    chain: tuple[str | int, ...]

    @property
    def premises(self) -> tuple[str | int, ...]:
        return self.chain


@dataclass(frozen=True)
class Substitution(Rule):
    """From the equality ``x = v`` (a step, or an assumption named by its text) and the
    statement ``into``, conclude that statement with v for x (or x for v). Without
    ``into``, the step itself must become an identity once x is replaced by v."""

    equality: str | int
    into: str | int | None = None

    @property
    def premises(self) -> tuple[str | int, ...]:
        return (self.equality,) if self.into is None else (self.equality, self.into)


@dataclass(frozen=True)
class Instantiate(_FromPremise):
    """A statement proved for every real ``symbol`` (unconstrained by any assumption)
    holds at ``value``, whose denominator must be provably non-zero."""

    symbol: sympy.Symbol
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, sympy.Symbol):
            raise VerificationError("instantiation names a symbol")
        _exact_fields(self, "value")


@dataclass(frozen=True)
class Truncation(Rule):
    """``lhs = rhs + O(varᵏ⁺¹)``: the coefficients of var⁰ … varᵏ in lhs − rhs are exactly
    zero; each is a derivative at var = 0, checked as an identity."""

    var: sympy.Symbol
    order: int

    def __post_init__(self) -> None:
        if not isinstance(self.var, sympy.Symbol):
            raise VerificationError("truncation names its variable, a symbol")
        if isinstance(self.order, bool) or not isinstance(self.order, int) or self.order < 0:
            raise VerificationError(
                f"a truncation's order is a whole number ≥ 0, got {self.order!r}"
            )


@dataclass(frozen=True)
class InnerProduct(Rule):
    """``lhs = rhs`` by bilinearity and symmetry of ⟨·,·⟩ over the given vector symbols."""

    vectors: tuple[sympy.Symbol, ...]

    def __post_init__(self) -> None:
        if not all(isinstance(v, sympy.Symbol) for v in self.vectors):
            raise VerificationError("the inner-product rule names its vectors, symbols")


@dataclass(frozen=True)
class Positivity(Rule):
    """``0 ≤ ⟨a, a⟩``: the positivity axiom of an inner product."""


@dataclass(frozen=True)
class QuadraticForm(Rule):
    """``0 ≤ vᵀHv`` for a matrix H assumed positive definite (``0 < vᵀHv`` needs v ≠ 0)."""

    matrix: Any
    vector: Any

    def __post_init__(self) -> None:
        _exact_fields(self, "matrix", "vector")


_RULE_NAMES = {
    "Identity": "identity",
    "Assumption": "assumption",
    "Sign": "sign rules",
    "SumOfSquares": "sum of squares",
    "Affine": "multiply/add",
    "Power": "monotone power",
    "AbsoluteValue": "absolute value",
    "Transitivity": "transitivity",
    "Substitution": "substitution",
    "Instantiate": "instantiation",
    "Truncation": "truncation",
    "InnerProduct": "inner-product axioms",
    "Positivity": "positivity axiom",
    "QuadraticForm": "positive definite form",
}


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
        if not isinstance(self.rule, Rule) or type(self.rule) not in _CHECKS:
            raise VerificationError(
                f"a step's rule must be one of the kernel's rules, got {self.rule!r}"
            )
        _exact_fields(self, "lhs", "rhs")


@dataclass(frozen=True)
class StepReport:
    """The kernel's verdict on one step.

    ``status`` is 'proved', 'assumed' (a stated premise), 'vacuous' (two identical sides:
    nothing to prove, never counted as proof), 'unproved' or 'failed'. ``premises`` are
    the stated assumptions the check relied on; ``remainder`` is (var, k) for a step
    proved up to O(varᵏ⁺¹).
    """

    index: int
    label: str
    status: str
    rule: str
    reason: str = ""
    counterexample: Mapping[str, str] | None = None
    premises: tuple[str, ...] = ()
    remainder: tuple[Any, int] | None = None


_ISSUED: weakref.WeakValueDictionary[int, Report] = weakref.WeakValueDictionary()
"""Every report the kernel issued, by identity: only these can say 'verified'."""


@dataclass(frozen=True)
class Report:
    """The verdicts on every step; ``ok`` only when the kernel issued this very report and
    every step is proved or a stated premise. A report built by hand, or copied with
    ``dataclasses.replace``, is never ``ok``."""

    title: str
    steps: tuple[StepReport, ...]
    seconds: float = 0.0
    premises: tuple[str, ...] = ()
    """The stated premises (standing ones, then case hypotheses), as shown."""
    unused: tuple[str, ...] = ()
    """Stated premises that no step relied on."""

    @property
    def genuine(self) -> bool:
        """Did the kernel issue this report (not a copy, not a hand-built one)?"""
        return _ISSUED.get(id(self)) is self

    @property
    def ok(self) -> bool:
        return (
            self.genuine
            and bool(self.steps)
            and all(s.status in ("proved", "assumed") for s in self.steps)
        )

    @property
    def failures(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status not in ("proved", "assumed"))

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
        first = self.failures[0] if self.failures else None
        where = ""
        if first is not None:
            name = first.label or first.rule
            where = f"; step {first.index + 1} ({name}) {first.status}: {first.reason}"
        return f"NOT verified: {counted}{where}"


def _issue(report: Report) -> Report:
    _ISSUED[id(report)] = report
    return report


@dataclass(frozen=True, eq=False)
class Derivation:
    """A titled sequence of checked steps under stated assumptions."""

    title: str
    steps: tuple[Step, ...]
    assumptions: tuple[Fact, ...] = ()
    conclusion: str = ""
    names: tuple[tuple[Any, str], ...] = ()
    """Display names (subexpression, LaTeX) for rendering; the kernel ignores them."""

    def step(self, ref: str | int) -> Step:
        """A step by label or 0-based index."""
        return self.steps[self.index(ref)]

    def index(self, ref: str | int) -> int:
        """The 0-based position of a step given by label or index."""
        if isinstance(ref, int):
            if 0 <= ref < len(self.steps):
                return ref
            raise VerificationError(f"{self.title}: no step {ref}")
        for i, s in enumerate(self.steps):
            if s.label == ref:
                return i
        raise VerificationError(f"{self.title}: no step labelled {ref!r}")

    def verify(self, progress: Callable[[int, int], None] | None = None) -> Report:
        """The kernel's verdict on every step; ``progress(i, n)`` is called before step i.

        Verdicts are cached by the derivation's content (title, steps, premises), so
        renderers asking again for the same derivation get the same sealed report.
        """
        return verdict(self, progress)

    def replace_step(self, ref: str | int, step: Step) -> Derivation:
        """A copy with one step replaced (for mutation tests and experiments)."""
        i = self.index(ref)
        steps = (*self.steps[:i], step, *self.steps[i + 1 :])
        return Derivation(self.title, steps, self.assumptions, self.conclusion, self.names)

    def latex(self) -> str:
        """An align* block of the steps with the kernel's verdicts (see :mod:`derive.render`)."""
        from .render import latex

        return latex(self)

    def markdown(self) -> str:
        """MyST/Markdown with ``$$`` blocks and the kernel's verdicts."""
        from .render import markdown

        return markdown(self)

    def text(self) -> str:
        """Plain Unicode text for a terminal, with the kernel's verdicts."""
        from .render import text

        return text(self)

    def document(self, **options: Any) -> str:
        """A standalone .tex document, verified (see :func:`derive.render.document`)."""
        from .render import document

        return document(self, **options)

    def _repr_latex_(self) -> str:
        return self.latex()

    def _repr_markdown_(self) -> str:
        return self.markdown()


# ----------------------------------------------------------------------------- kernel


@dataclass(frozen=True)
class _Outcome:
    status: str
    reason: str = ""
    point: Mapping[str, str] | None = None


_PROVED = _Outcome("proved")


class _Context:
    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation
        self.facts = derivation.assumptions
        self.results: list[_Outcome] = []
        self.remainders: dict[int, tuple[sympy.Symbol, int]] = {}
        """For each proved '=O' step: the variable and order of its O(varᵏ⁺¹)."""
        self.rng = random.Random(derivation.title)
        self.positive: dict[Any, int] = {}
        self.nonnegative: dict[Any, int] = {}
        self.nonzero: dict[Any, int] = {}
        """Expressions whose sign a standing premise gives, each with that premise's index."""
        self.used: set[int] = set()
        """The premises the current step relied on."""
        self.definitions: dict[Any, Any] = {}
        for k, f in enumerate(self.facts):
            if f.scope == "definition":
                self._define(f)
            elif not f.scope:
                for expr, kind in _fact_signs(f):
                    table = {"pos": self.positive, "nonneg": self.nonnegative}.get(
                        kind, self.nonzero
                    )
                    table.setdefault(expr, k)
        for f in self.facts:
            if f.scope != "definition" and not (f.lhs.free_symbols | f.rhs.free_symbols):
                _check_closed(f)
        for f in self.facts:  # each in terms of earlier ones, which are real by induction
            if f.scope == "definition" and not _real(f.rhs, self):
                raise VerificationError(f"the definition of {f.lhs}: " + _not_real(f.rhs))
        self.sampled = tuple(
            (_atomize(sympy.sympify(f.lhs) - sympy.sympify(f.rhs)), f.rel)
            for f in self.facts
            if not f.scope and f.rel != ">0" and not isinstance(f.lhs, sympy.MatrixBase)
        )

    def _define(self, f: Fact) -> None:
        """A definition names an expression by a fresh symbol: once, and only in terms of
        earlier definitions (stored expanded), so definitions can never be circular."""
        name = f.lhs
        if f.rel != "=" or not isinstance(name, sympy.Symbol):
            raise VerificationError(
                f"a definition must read symbol = expression, got {f.lhs} {f.rel} {f.rhs}"
            )
        value = sympy.sympify(f.rhs).xreplace(self.definitions)
        if name in self.definitions or name in value.free_symbols:
            raise VerificationError(f"{name} is defined twice, or in terms of itself")
        if any(name in v.free_symbols for v in self.definitions.values()):
            raise VerificationError(f"{name} is used by an earlier definition; define it first")
        self.definitions[name] = value

    def known(self, table: dict[Any, int], expr: Any) -> bool:
        """Is ``expr`` in a table of premise signs? Records the premise as used."""
        k = table.get(expr)
        if k is None:
            return False
        self.used.add(k)
        return True

    def expand_definitions(self, expr: Any) -> Any:
        return sympy.sympify(expr).xreplace(self.definitions) if self.definitions else expr

    def premise(self, ref: str | int, current: int) -> tuple[Step | None, _Outcome | None]:
        try:
            i = self.derivation.index(ref)
        except VerificationError as exc:
            return None, _Outcome("unproved", str(exc))
        if i >= current:
            return None, _Outcome(
                "unproved", f"refers to step {i + 1}, which does not come before it"
            )
        if self.results[i].status not in ("proved", "assumed"):
            return None, _Outcome("unproved", f"relies on step {i + 1}, which is not proved")
        return self.derivation.steps[i], None


_HOLDS = {
    "=": sympy.Eq,
    "<=": sympy.Le,
    "<": sympy.Lt,
    ">=": sympy.Ge,
    ">": sympy.Gt,
    "!=": sympy.Ne,
}


def _check_closed(f: Fact) -> None:
    """A premise without symbols is a fact about numbers: it is checked, never assumed."""
    if f.rel == ">0":
        matrix = sympy.Matrix(f.lhs)
        holds = matrix.is_symmetric() and matrix.is_positive_definite
    else:
        holds = _HOLDS[f.rel](f.lhs, f.rhs)
    if holds is not True and holds is not sympy.true:
        shown = f"{f.lhs} ≻ 0" if f.rel == ">0" else f"{f.lhs} {f.rel} {f.rhs}"
        raise VerificationError(f"the premise {shown} is about numbers only, and it does not hold")


def _fact_signs(f: Fact) -> list[tuple[Any, str]]:
    lhs, rel, rhs = f.lhs, f.rel, f.rhs
    if rel == ">0" and isinstance(lhs, sympy.MatrixBase):
        # Sylvester: H ≻ 0 makes every leading principal minor and diagonal entry positive
        n = lhs.shape[0]
        minors = [lhs[:k, :k].det() for k in range(1, n + 1)]
        diagonal = [lhs[k, k] for k in range(n)]
        signs = {*minors, *(sympy.expand(m) for m in minors), *diagonal}
        return [(m, "pos") for m in signs]
    if rel in (">", ">=") and rhs == 0:
        return [(lhs, "pos" if rel == ">" else "nonneg")]
    if rel in ("<", "<=") and lhs == 0:
        return [(rhs, "pos" if rel == "<" else "nonneg")]
    if rel == "!=" and rhs == 0:
        return [(lhs, "nonzero")]
    return []


def _real_twin(value: Any, table: dict[Any, Any]) -> Any:
    """``value`` with every symbol replaced by its twin that is only real: the kernel reads
    no assumption (positive=True, …) from a symbol; premises are stated as facts."""
    if isinstance(value, sympy.Basic):
        fresh = {
            s: table.setdefault(s.name, sympy.Symbol(s.name, real=True))
            for s in value.atoms(sympy.Symbol)
            if not isinstance(s, sympy.Dummy)
        }
        return value.xreplace(fresh) if fresh else value
    if isinstance(value, tuple):
        return tuple(_real_twin(v, table) for v in value)
    if isinstance(value, (Rule, Step, Fact)):
        changes = {
            f.name: _real_twin(getattr(value, f.name), table) for f in dataclasses.fields(value)
        }
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


def verdict(d: Derivation, progress: Callable[[int, int], None] | None = None) -> Report:
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
        ctx = _Context(d)
    except VerificationError as exc:
        reports = [
            StepReport(i, s.label, "unproved", s.rule.name, str(exc)) for i, s in enumerate(d.steps)
        ]
        shown = tuple(statement(f) for f in d.assumptions if f.scope != "definition")
        return _issue(Report(title, tuple(reports), time.perf_counter() - start, shown, shown))
    reports = []
    used_anywhere: set[int] = set()
    for i, step in enumerate(d.steps):
        if progress is not None:
            progress(i, len(d.steps))
        ctx.used = set()
        try:
            if _vacuous(given[i]):
                outcome = _Outcome("vacuous", "both sides are the same: there is nothing to prove")
            else:
                outcome = _CHECKS[type(step.rule)](step, i, ctx)
        except VerificationError as exc:
            outcome = _Outcome("unproved", str(exc))
        except (
            TypeError,
            ValueError,
            ZeroDivisionError,
            AttributeError,
            NotImplementedError,
        ) as exc:
            outcome = _Outcome("unproved", f"the check could not be carried out: {exc}")
        ctx.results.append(outcome)
        good = outcome.status in ("proved", "assumed")
        used = sorted(ctx.used) if good else []
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
    return _issue(
        Report(
            title,
            tuple(reports),
            time.perf_counter() - start,
            tuple(statement(ctx.facts[k]) for k in stated),
            tuple(statement(ctx.facts[k]) for k in stated if k not in used_anywhere),
        )
    )


def _vacuous(step: Step) -> bool:
    """Two identical sides under '=', '≤' or '≥' state nothing (never counted as proof)."""
    return step.rel in ("=", "<=", ">=", "=O") and _same_value(step.lhs, step.rhs)


def _same_value(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except TypeError:
        return False


_SHOWN_RELATIONS = {"=": "=", "<=": "≤", "<": "<", ">=": "≥", ">": ">", "!=": "≠"}


def _core(f: Fact) -> str:
    if f.rel == ">0":
        core = f"{sympy.sstr(f.lhs)} ≻ 0"
    else:
        core = f"{sympy.sstr(f.lhs)} {_SHOWN_RELATIONS[f.rel]} {sympy.sstr(f.rhs)}"
    return core.replace("**", "^")


def gloss(f: Fact) -> str:
    """A premise's text when it adds a name to its statement ('g ≠ 0'), else ''."""
    return f.text if f.text and f.text != _core(f) else ""


def statement(f: Fact) -> str:
    """A premise as it is shown: its statement, and its text when that adds a name.

    >>> statement(Fact(sympy.Symbol("eta"), ">", 0, "η > 0"))
    'eta > 0 (η > 0)'
    """
    core = _core(f)
    hypothesis = " [case hypothesis]" if f.scope == "hypothesis" else ""
    return (f"{core} ({f.text})" if f.text and f.text != core else core) + hypothesis


# ---- identities


def _cells(value: Any) -> list[Any]:
    return list(value) if isinstance(value, sympy.MatrixBase) else [value]


def _shape(value: Any) -> tuple[int, int]:
    return value.shape if isinstance(value, sympy.MatrixBase) else (1, 1)


def _atomize(expr: Any) -> Any:
    """Replace each ⟨a, b⟩ by a real symbol (non-negative when a = b) for checking and sampling."""
    if not isinstance(expr, sympy.Basic) or not expr.has(Inner):
        return expr
    atoms = {}
    for e in expr.atoms(Inner):
        a, b = (str(arg).replace(" ", "") for arg in e.args)
        same = e.args[0] == e.args[1]
        atoms[e] = sympy.Symbol(f"<{a},{b}>", real=True, nonnegative=True if same else None)
    return expr.xreplace(atoms)


def _prepare(diff: Any) -> Any:
    diff = sympy.sympify(diff)
    if not diff.has(sympy.Derivative, sympy.Subs, Inner):
        return diff
    return _atomize(diff.doit() if diff.has(sympy.Derivative, sympy.Subs) else diff)


def _fast_zero(fast: Any) -> bool:
    """Exact, in SymEngine: polynomial expansion, then reduction of radicals and inverses."""
    if fast is None:
        return False
    try:
        return _radical_zero(se.expand(fast), depth=4)
    except (TypeError, ValueError, RuntimeError, NotImplementedError):
        return False


def _radical_zero(expr: Any, depth: int) -> bool:
    """Is ``expr`` zero? Write Bᵖᐟᵠ as rᵖᑫ'ᐟᵠ with r = B^(1/Q), clear r from denominators,
    reduce with r^Q = B and require every remaining power of r to have a zero coefficient.

    Each step is exact (substitution, multiplication by a non-zero factor, the relation
    r^Q = B), and zero coefficients are sufficient for zero.
    """
    if expr == 0:
        return True
    if depth == 0:
        return False
    radicals = [
        p
        for p in expr.atoms(se.Pow)
        if not isinstance(p.args[0], se.Symbol) and not (p.args[1].is_integer and p.args[1] > 0)
    ]
    if not radicals:
        return False
    base = radicals[0].args[0]
    exponents = {p: Fraction(str(p.args[1])) for p in radicals if p.args[0] == base}
    q = math.lcm(*(e.denominator for e in exponents.values()))
    r = se.Symbol(f"_radical_{depth}")
    expr = se.expand(expr.subs({p: r ** int(e * q) for p, e in exponents.items()}))
    terms = se.Add.make_args(expr)
    by_power: dict[int, list[Any]] = {}
    for term in terms:
        k = _degree(term, r)
        by_power.setdefault(k, []).append(term / r**k if k else term)
    lowest = min(by_power)
    shift = -((lowest // q) * q) if lowest < 0 else 0  # multiply by r^shift = B^(shift/q)
    reduced: dict[int, Any] = {}
    for k, parts in by_power.items():
        k2 = k + shift
        reduced[k2 % q] = reduced.get(k2 % q, 0) + se.Add(*parts) * base ** (k2 // q)
    return all(_radical_zero(se.expand(c), depth - 1) for c in reduced.values())


def _degree(term: Any, r: Any) -> int:
    """The power of r in a single expanded term."""
    for factor in se.Mul.make_args(term):
        if factor == r:
            return 1
        if isinstance(factor, se.Pow) and factor.args[0] == r:
            return int(factor.args[1])
    return 0


def _slow_zero(diff: Any, extra_se: Any = None) -> bool:
    """Exact, in SymPy: rational canonical form, then simplification as a last resort."""
    if extra_se is not None:
        diff = diff + sympy.sympify(extra_se)
    if diff == 0 or sympy.cancel(sympy.together(sympy.expand(diff))) == 0:
        return True
    return bool(sympy.simplify(diff) == 0)


def _point(symbols: Sequence[Any], ctx: _Context) -> dict[Any, Any]:
    point = {}
    for s in symbols:
        value = sympy.Rational(ctx.rng.randint(1, 36), ctx.rng.randint(1, 9))
        if not (s.is_nonnegative or s in ctx.positive or s in ctx.nonnegative):
            value *= ctx.rng.choice((-1, 1))
        point[s] = value
    return point


def _admissible(point: Mapping[Any, Any], ctx: _Context) -> bool:
    """Do the standing assumptions that involve only assigned symbols hold at the point?"""
    for difference, rel in ctx.sampled:
        if not difference.free_symbols <= set(point):
            continue
        value = sympy.N(difference.xreplace(point), 30)
        if not value.is_extended_real:
            return False
        tolerance = sympy.Float(10) ** -25
        holds = {
            "=": abs(value) < tolerance,
            "<=": value <= tolerance,
            "<": value < 0,
            ">=": value >= -tolerance,
            ">": value > 0,
            "!=": abs(value) > tolerance,
        }[rel]
        if not holds:
            return False
    return True


def _free(diff: Any, extra_se: Any) -> list[Any]:
    symbols = set(diff.free_symbols) if isinstance(diff, sympy.Basic) else set()
    if extra_se is not None:
        symbols |= {sympy.Symbol(str(s)) for s in extra_se.free_symbols}
    by_name: dict[str, Any] = {}
    for s in symbols:
        if s.name not in by_name or s.is_real:
            by_name[s.name] = s
    return [by_name[n] for n in sorted(by_name)]


def _symengine(diff: Any, extra_se: Any) -> Any:
    """diff (+ extra) as one SymEngine expression, or None where SymEngine cannot hold it."""
    try:
        total = se.sympify(diff)
        return total + extra_se if extra_se is not None else total
    except (TypeError, ValueError, RuntimeError, NotImplementedError):
        return None


def _evaluate(diff: Any, fast: Any, point: Mapping[Any, Any]) -> Any:
    """The value at a rational point: exact when rational, else 40 digits (mpmath); None if
    undefined there. ``fast`` is diff in SymEngine (or None)."""
    try:
        if fast is None:
            raise TypeError
        value = fast.subs({se.Symbol(s.name): se.sympify(v) for s, v in point.items()})
        exact = sympy.sympify(value)
    except (TypeError, ValueError, RuntimeError, NotImplementedError, ZeroDivisionError):
        exact = sympy.sympify(diff).xreplace(point)
    if exact.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    if exact.is_Rational:
        return exact
    number = sympy.N(exact, WITNESS_DIGITS + 10)
    if number.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or not number.is_extended_real:
        return None
    return number


def _shown(point: Mapping[Any, Any]) -> dict[str, str]:
    return {s.name: str(v) for s, v in point.items()}


def _witness(diff: Any, extra_se: Any, ctx: _Context, fast: Any = None) -> _Outcome:
    """Second witness for an identity the exact check accepted.

    An identity is exact algebra that uses no assumption (only the symbols' own signs),
    so any point respecting those signs is a fair test; points where the expression is
    undefined are skipped.
    """
    symbols = _free(diff, extra_se)
    fast = fast if fast is not None else _symengine(diff, extra_se)
    checked = 0
    for _ in range(8 * WITNESS_POINTS):
        point = _point(symbols, ctx)
        value = _evaluate(diff, fast, point)
        if value is None:
            continue
        if abs(value) > _TINY:
            reason = f"the exact check said zero but the value is {value} here (a CAS bug caught)"
            return _Outcome("failed", reason, _shown(point))
        checked += 1
        if checked >= WITNESS_POINTS or not symbols:
            return _PROVED
    if checked:
        return _PROVED
    return _Outcome(
        "unproved", "no point was found where the expression is defined to witness the identity"
    )


def _samples(diff: Any, extra_se: Any, ctx: _Context) -> Iterator[tuple[dict[Any, Any], Any]]:
    """(point, value) at random points that satisfy the standing assumptions and where
    the expression is defined: the places a counterexample may be found."""
    symbols = _free(diff, extra_se)
    fast = _symengine(diff, extra_se)
    for _ in range(SEARCH_POINTS if symbols else 1):
        point = _point(symbols, ctx)
        if not _admissible(point, ctx):
            continue
        value = _evaluate(diff, fast, point)
        if value is not None:
            yield point, value


def _counterexample(
    diff: Any, extra_se: Any, ctx: _Context
) -> tuple[Mapping[str, str] | None, Any]:
    for point, value in _samples(diff, extra_se, ctx):
        if abs(value) > sympy.Float(10) ** -30:
            return _shown(point), value
    return None, None


def _zero(diff: Any, ctx: _Context) -> _Outcome:
    """Decide ``diff ≡ 0``: proved (and witnessed), failed (counterexample) or unproved.

    The fast exact check runs first; a cheap numeric probe for a counterexample comes
    before SymPy's slower canonical forms, so a false identity is refuted quickly.
    """
    diff = _prepare(diff)
    fast = _symengine(diff, None)
    if not _fast_zero(fast):
        point, value = _counterexample(diff, None, ctx)
        if point is not None:
            return _Outcome(
                "failed", f"not an identity: the difference is {value} at this point", point
            )
        if not _slow_zero(diff):
            return _Outcome(
                "unproved", "could not show the difference is zero, and found no counterexample"
            )
    return _witness(diff, None, ctx, fast)


def _identical(a: Any, b: Any, ctx: _Context) -> _Outcome:
    if _shape(a) != _shape(b):
        return _Outcome("failed", f"the sides have different shapes {_shape(a)} and {_shape(b)}")
    for x, y in zip(_cells(a), _cells(b), strict=True):
        diff = sympy.sympify(x) - sympy.sympify(y)
        outcome = _zero(diff, ctx)
        if outcome.status == "unproved" and ctx.definitions:
            outcome = _zero(ctx.expand_definitions(diff), ctx)
        if outcome.status != "proved":
            return outcome
    return _PROVED


# ---- signs


def _sign(expr: Any, ctx: _Context) -> int:
    """2: provably > 0, 1: provably ≥ 0, 0: unknown. Structural rules over the assumptions."""
    expr = sympy.sympify(expr)
    if ctx.known(ctx.positive, expr):
        return 2
    if ctx.known(ctx.nonnegative, expr):
        return 1
    if expr.is_Rational:
        return 2 if expr > 0 else (1 if expr == 0 else 0)
    if expr in (sympy.pi, sympy.E):
        return 2
    if expr.is_Symbol:
        return 0  # a symbol's own assumptions are never read: its sign is a stated premise
    if isinstance(expr, sympy.exp):
        return 2 if _real(expr.args[0], ctx) else 0
    if isinstance(expr, sympy.Abs):
        if not _real(expr.args[0], ctx):
            return 0
        return 2 if _nonzero(expr.args[0], ctx) else 1
    if isinstance(expr, Inner):
        return 1 if expr.args[0] == expr.args[1] else 0
    if expr.is_Pow:
        base, exponent = expr.args
        if not _real(expr, ctx):
            return 0
        if exponent.is_Integer and exponent % 2 == 0:
            return 2 if _nonzero(base, ctx) else 1
        b = _sign(base, ctx)
        if b == 2:
            return 2
        return 1 if b == 1 and exponent.is_Rational and exponent > 0 else 0
    if expr.is_Mul or expr.is_Add:
        signs = [_sign(a, ctx) for a in expr.args]
        if min(signs) == 0:
            return 0
        return min(signs) if expr.is_Mul else max(signs)
    return 0


_REAL_FUNCTIONS = (
    sympy.exp,
    sympy.sin,
    sympy.cos,
    sympy.atan,
    sympy.tanh,
    sympy.sinh,
    sympy.cosh,
    sympy.asinh,
    sympy.erf,
    sympy.Abs,
)


def _real(expr: Any, ctx: _Context) -> bool:
    """Is ``expr`` defined and real for every value of its symbols the premises allow?
    Structural: symbols are real; powers, logarithms and quotients need their side
    conditions (a non-zero denominator, a positive logarithm's argument, …) proved."""
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.MatrixBase):
        return all(_real(c, ctx) for c in expr)
    if expr.is_Rational or expr in (sympy.pi, sympy.E) or isinstance(expr, (sympy.Symbol, Inner)):
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_real(a, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if not (_real(base, ctx) and _real(exponent, ctx)):
            return False
        if exponent.is_Integer:
            return bool(exponent >= 0) or _nonzero(base, ctx)
        if exponent.is_Rational and exponent.q % 2 == 1:  # odd roots are real everywhere
            return bool(exponent > 0) or _nonzero(base, ctx)
        need = 1 if exponent.is_Rational and exponent > 0 else 2
        return _sign(base, ctx) >= need
    if isinstance(expr, _REAL_FUNCTIONS):
        return all(_real(a, ctx) for a in expr.args)
    if isinstance(expr, sympy.log):
        return len(expr.args) == 1 and _real(expr.args[0], ctx) and _sign(expr.args[0], ctx) == 2
    if isinstance(expr, (sympy.Derivative, sympy.Subs)):
        return _real(expr.doit(), ctx)
    if type(expr).__name__ == "VectorSum":
        return _real(expr.args[0], ctx)
    return False


def _nonzero(expr: Any, ctx: _Context) -> bool:
    expr = sympy.sympify(expr)
    if (
        ctx.known(ctx.nonzero, expr)
        or ctx.known(ctx.positive, expr**2)
        or _sign(expr, ctx) == 2
        or _sign(-expr, ctx) == 2
    ):
        return True
    if expr.is_Rational:
        return bool(expr != 0)
    if expr.is_Mul:
        return all(_nonzero(a, ctx) for a in expr.args)
    if expr.is_Pow:
        return _nonzero(expr.args[0], ctx)
    return False


# ---- relations


_SWAP = {">=": "<=", ">": "<"}


def _as_le(statement: Any) -> tuple[Any, str, Any]:
    """Normalise ≥ and > to ≤ and < by swapping sides."""
    lhs, rel, rhs = statement.lhs, statement.rel, statement.rhs
    if rel in _SWAP:
        return rhs, _SWAP[rel], lhs
    return lhs, rel, rhs


def _refute(step: Step, ctx: _Context, reason: str) -> _Outcome:
    """The rule did not go through: look for a counterexample to the step's statement."""
    lhs, rel, rhs = _as_le(step)
    if isinstance(lhs, sympy.MatrixBase) or isinstance(rhs, sympy.MatrixBase) or rel == "=O":
        return _Outcome("unproved", reason)
    diff = _prepare(ctx.expand_definitions(sympy.sympify(rhs) - sympy.sympify(lhs)))
    for point, value in _samples(diff, None, ctx):
        big = abs(value) > sympy.Float(10) ** -30
        if (
            (rel == "=" and big)
            or (rel in ("<=", "<") and value < 0 and big)
            or (rel == "<" and value == 0)
        ):
            return _Outcome(
                "failed", f"{reason}; the statement is false at this point", _shown(point)
            )
    return _Outcome("unproved", reason)


def _sides(pairs: Sequence[tuple[Any, Any]], step: Step, ctx: _Context, reason: str) -> _Outcome:
    """Every pair identical; else a CAS bug propagates, or a counterexample is sought."""
    for mine, theirs in pairs:
        outcome = _identical(mine, theirs, ctx)
        if outcome.status == "proved":
            continue
        if "CAS bug" in outcome.reason:
            return outcome
        return _refute(step, ctx, reason)
    return _PROVED


def _weaker(given: str, claimed: str) -> bool:
    """Does a ``given`` relation justify the ``claimed`` one (equal, or '<' for '<=')?"""
    return given == claimed or (given == "<" and claimed == "<=")


# ---- the rules


def _check_identity(step: Step, i: int, ctx: _Context) -> _Outcome:
    if step.rel != "=":
        return _Outcome("unproved", f"the identity rule proves '=', not {step.rel!r}")
    for side in (step.lhs, step.rhs):
        if not _real(side, ctx):
            return _Outcome("unproved", _not_real(side))
    return _identical(step.lhs, step.rhs, ctx)


def _not_real(expr: Any) -> str:
    return (
        f"{expr} is not provably defined and real for every admissible value: state the "
        "premise it needs (a positive base, a non-zero denominator)"
    )


def _check_assumption(step: Step, i: int, ctx: _Context) -> _Outcome:
    target = _as_le(step)
    for k, f in enumerate(ctx.facts):
        if f.rel in ("!=", ">0") or f.scope == "definition":
            continue
        if _as_le(f) == target or (
            f.rel == "=" == step.rel and (f.rhs, f.lhs) == (step.lhs, step.rhs)
        ):
            ctx.used.add(k)
            return _Outcome("assumed")
    return _refute(step, ctx, "the step is not one of the stated assumptions")


def _check_sign(step: Step, i: int, ctx: _Context) -> _Outcome:
    lo, rel, hi = _as_le(step)
    if rel not in ("<=", "<") or (lo != 0 and hi != 0):
        return _Outcome("unproved", "the sign rules prove e > 0, e ≥ 0, e < 0 or e ≤ 0")
    subject = hi if lo == 0 else -sympy.sympify(lo)
    need = 2 if rel == "<" else 1
    if _sign(subject, ctx) >= need:
        return _PROVED
    return _refute(
        step, ctx, f"{subject} is not provably {'positive' if need == 2 else 'non-negative'}"
    )


def _check_sos(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, SumOfSquares)
    lhs, rel, rhs = _as_le(step)
    if rel not in ("<=", "<"):
        return _Outcome("unproved", f"a sum of squares proves '≤' or '<', not {step.rel!r}")
    for c, q in rule.terms:
        if _sign(c, ctx) == 0:
            return _refute(step, ctx, f"certificate coefficient {c} is not provably non-negative")
        if not _real(q, ctx):
            return _Outcome(
                "unproved", f"the square of {q} is ≥ 0 only for real values: " + _not_real(q)
            )
    if rule.lagrange is not None:
        for entry in (*rule.lagrange[0], *rule.lagrange[1]):
            if not _real(entry, ctx):
                return _Outcome("unproved", _not_real(entry))
    constant_sign = _sign(rule.constant, ctx)
    if constant_sign == 0 or (rel == "<" and constant_sign < 2):
        need = "positive" if rel == "<" else "non-negative"
        return _refute(
            step, ctx, f"the certificate's constant {rule.constant} is not provably {need}"
        )
    certificate = rule.constant + sympy.Add(*(c * q**2 for c, q in rule.terms))
    extra = None
    if rule.lagrange is not None:
        u, g = ([se.sympify(x) for x in side] for side in rule.lagrange)
        n = len(u)
        extra = -se.Add(
            *[(u[a] * g[b] - u[b] * g[a]) ** 2 for a in range(n) for b in range(a + 1, n)]
        )
    diff = _prepare(sympy.sympify(rhs) - sympy.sympify(lhs) - certificate)
    fast = _symengine(diff, extra)
    if not (_fast_zero(fast) or _slow_zero(diff, extra)):
        return _refute(step, ctx, "rhs − lhs is not the certificate's sum of squares")
    return _witness(diff, extra, ctx, fast)


def _check_affine(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Affine)
    premise, problem = ctx.premise(rule.premise, i)
    if premise is None:
        return problem or _Outcome("unproved")
    a, rel, b = _as_le(premise)
    c, s = sympy.sympify(rule.factor), sympy.sympify(rule.shift)
    for value in (c, s):
        if not _real(value, ctx):
            return _Outcome("unproved", _not_real(value))
    if rel == "=O":
        var, order = ctx.remainders[ctx.derivation.index(rule.premise)]
        if step.rel != "=O":
            return _Outcome("unproved", f"the premise holds only up to O({var}^{order + 1})")
        if not _smooth(c, var, ctx):
            return _Outcome(
                "unproved",
                f"the factor {c} must be smooth in {var} at 0 to keep O({var}^{order + 1})",
            )
        ctx.remainders[i] = (var, order)
    strict = rel == "<"
    need = 2 if strict else 1
    if rel in ("=", "=O") or _sign(c, ctx) >= need:
        lo, hi = c * a + s, c * b + s
    elif _sign(-c, ctx) >= need:
        lo, hi = c * b + s, c * a + s
    else:
        return _refute(
            step,
            ctx,
            f"the factor {c} is not provably {'positive' if strict else 'non-negative'}, "
            "nor its opposite",
        )
    target_lo, target_rel, target_hi = _as_le(step)
    if not _weaker(rel, target_rel):
        return _refute(
            step, ctx, f"multiplying a {rel!r} statement gives {rel!r}, not {step.rel!r}"
        )
    reason = f"the sides are not the premise's sides times {c} plus {s}"
    return _sides(((lo, target_lo), (hi, target_hi)), step, ctx, reason)


def _check_power(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Power)
    premise, problem = ctx.premise(rule.premise, i)
    if premise is None:
        return problem or _Outcome("unproved")
    a, rel, b = _as_le(premise)
    lo, target_rel, hi = _as_le(step)
    if not _weaker(rel, target_rel) or rel == "=O":
        return _refute(step, ctx, f"a monotone power keeps the relation {rel!r}")
    p = sympy.Rational(rule.exponent)
    if p <= 0 or (p.q != 1 and p.p != 1):
        return _Outcome(
            "unproved", "the exponent must be a positive whole number or its reciprocal"
        )
    sides = (lo, hi, a, b) if p.q == 1 else (lo, hi)
    for side in sides:
        if _sign(side, ctx) == 0:
            return _refute(step, ctx, f"{side} is not provably non-negative")
    pairs = ((lo, a**p), (hi, b**p)) if p.q == 1 else ((lo**p.q, a), (hi**p.q, b))
    return _sides(pairs, step, ctx, "the sides are not the premise's sides raised to the power")


def _check_absolute(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, AbsoluteValue)
    premise, problem = ctx.premise(rule.premise, i)
    if premise is None:
        return problem or _Outcome("unproved")
    a, rel, b = _as_le(premise)
    if not isinstance(a, sympy.Abs) or rel not in ("<=", "<"):
        return _Outcome("unproved", "the premise must read |a| ≤ b")
    inner = a.args[0]
    lo, target_rel, hi = _as_le(step)
    if not _weaker(rel, target_rel):
        return _refute(step, ctx, "the relation must be the premise's")
    for a_ in (inner, -inner):  # |a| = |−a|: SymPy may have moved a sign inside
        for pairs in (((lo, a_), (hi, b)), ((lo, -b), (hi, a_))):
            if all(_identical(x, y, ctx).status == "proved" for x, y in pairs):
                return _PROVED
    return _refute(step, ctx, "the step is neither −b ≤ a nor a ≤ b for the premise |a| ≤ b")


def _combine(first: str, second: str) -> str:
    """The relation of a chain: strict if any link is, '=' only if every link is."""
    if "<" in (first, second):
        return "<"
    return "<=" if "<=" in (first, second) else "="


def _check_transitivity(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Transitivity)
    links = []
    for ref in rule.chain:
        premise, problem = ctx.premise(ref, i)
        if premise is None:
            return problem or _Outcome("unproved")
        if premise.rel == "=O":
            return _Outcome("unproved", "a truncated equality cannot be chained")
        links.append(_as_le(premise))
    if len(links) < 2:
        return _Outcome("unproved", "a chain needs two links or more")

    def meets(x: Any, y: Any) -> bool:
        return _identical(x, y, ctx).status == "proved"

    if (
        links[0][1] == "="
        and not meets(links[0][2], links[1][0])
        and meets(links[0][0], links[1][0])
    ):
        links[0] = (links[0][2], "=", links[0][0])
    relation = links[0][1]
    for k in range(1, len(links)):
        c, r2, e = links[k]
        if not meets(links[k - 1][2], c):
            if r2 == "=" and meets(links[k - 1][2], e):
                links[k] = (e, "=", c)
            else:
                return _refute(
                    step,
                    ctx,
                    "the chain's links do not meet (a right side is not the next left side)",
                )
        relation = _combine(relation, r2)
    lo, target_rel, hi = _as_le(step)
    if not _weaker(relation, target_rel):
        return _refute(step, ctx, f"the chain gives {relation!r}, not {step.rel!r}")
    return _sides(
        ((lo, links[0][0]), (hi, links[-1][2])),
        step,
        ctx,
        "the step's sides are not the chain's ends",
    )


def _equality(
    ref: str | int, i: int, ctx: _Context
) -> tuple[tuple[Any, Any] | None, _Outcome | None]:
    """An equality x = v from a proved step, or from an assumption named by its text."""
    if isinstance(ref, str):
        for k, f in enumerate(ctx.facts):
            if f.text == ref and f.rel == "=":
                if f.scope != "definition":
                    ctx.used.add(k)
                return (f.lhs, f.rhs), None
    premise, problem = ctx.premise(ref, i)
    if premise is None:
        return None, problem
    if premise.rel != "=":
        return None, _Outcome("unproved", "substitution needs an equality")
    return (premise.lhs, premise.rhs), None


_REPLACERS: tuple[Callable[[Any, Any, Any], Any], ...] = (
    lambda e, old, new: sympy.sympify(e).xreplace({old: new}),  # exact subtrees: fast
    lambda e, old, new: sympy.sympify(e).subs(old, new),  # also inside sums: slower
)


def _check_substitution(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Substitution)
    pair, problem = _equality(rule.equality, i, ctx)
    if pair is None:
        return problem or _Outcome("unproved")
    x, v = pair
    if rule.into is None:
        if step.rel != "=":
            return _Outcome("unproved", "substitution without a premise proves equalities")
        for replace in _REPLACERS:
            pairs = [(replace(step.lhs, x, v), replace(step.rhs, x, v))]
            if all(_identical(a, b, ctx).status == "proved" for a, b in pairs):
                return _PROVED
        return _sides(pairs, step, ctx, f"the sides differ even with {x} replaced by {v}")
    into, problem = ctx.premise(rule.into, i)
    if into is None:
        return problem or _Outcome("unproved")
    if step.rel != into.rel:
        return _refute(step, ctx, f"substitution keeps the relation {into.rel!r}")
    if into.rel == "=O":
        var, order = ctx.remainders[ctx.derivation.index(rule.into)]
        if var in sympy.sympify(x).free_symbols | sympy.sympify(v).free_symbols:
            return _Outcome(
                "unproved", f"substituting for {var} changes what O({var}^{order + 1}) means"
            )
        ctx.remainders[i] = (var, order)
    for replace in _REPLACERS:
        for old, new in ((x, v), (v, x)):
            pairs = [
                (mine, replace(theirs, old, new))
                for mine, theirs in ((step.lhs, into.lhs), (step.rhs, into.rhs))
            ]
            if all(_identical(a, b, ctx).status == "proved" for a, b in pairs):
                return _PROVED
    return _refute(step, ctx, f"the step is not the premise with {x} replaced by {v} (or back)")


def _check_instantiate(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Instantiate)
    premise, problem = ctx.premise(rule.premise, i)
    if premise is None:
        return problem or _Outcome("unproved")
    t = rule.symbol
    for f in ctx.facts:
        if t in f.lhs.free_symbols | f.rhs.free_symbols:
            return _Outcome(
                "unproved", f"{t} is constrained by an assumption, so it cannot be instantiated"
            )
    value = sympy.sympify(rule.value)
    if not _real(value, ctx):
        return _Outcome("unproved", f"{t} ranges over the reals: " + _not_real(value))
    _, denominator = sympy.fraction(sympy.together(value))
    if not _nonzero(denominator, ctx):
        return _Outcome(
            "unproved", f"the value's denominator {denominator} is not provably non-zero"
        )
    if step.rel != premise.rel:
        return _refute(step, ctx, "instantiation keeps the relation")
    pairs = [
        (mine, sympy.sympify(theirs).xreplace({t: value}))
        for mine, theirs in ((step.lhs, premise.lhs), (step.rhs, premise.rhs))
    ]
    return _sides(pairs, step, ctx, f"the step is not the premise at {t} = {value}")


def _check_truncation(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, Truncation)
    if step.rel != "=O":
        return _Outcome("unproved", "truncation proves '= … + O(varᵏ⁺¹)' steps")
    difference = ctx.expand_definitions(sympy.sympify(step.lhs) - sympy.sympify(step.rhs))
    if not _smooth(difference, rule.var, ctx):
        return _Outcome(
            "unproved",
            f"Taylor's theorem needs lhs − rhs smooth in {rule.var} at {rule.var} = 0, and that "
            "is not shown (an absolute value, a root or a quotient that may vanish there?)",
        )
    ctx.remainders[i] = (rule.var, rule.order)
    own = {s.name: s for s in difference.free_symbols}
    v = se.Symbol(rule.var.name)
    current = se.sympify(difference)
    for j in range(rule.order + 1):
        coefficient = sympy.sympify(current.subs({v: 0}))
        coefficient = coefficient.xreplace(
            {s: own.get(s.name, s) for s in coefficient.free_symbols}
        )
        outcome = _zero(coefficient, ctx)
        if outcome.status != "proved":
            reason = f"the coefficient of {rule.var}^{j} in lhs − rhs is not zero: {outcome.reason}"
            return _Outcome(outcome.status, reason, outcome.point)
        current = current.diff(v)
    return _PROVED


_SMOOTH_FUNCTIONS = (
    sympy.exp,
    sympy.sin,
    sympy.cos,
    sympy.atan,
    sympy.tanh,
    sympy.sinh,
    sympy.cosh,
    sympy.asinh,
    sympy.erf,
)


def _smooth(expr: Any, var: sympy.Symbol, ctx: _Context) -> bool:
    """Is ``expr`` infinitely differentiable in ``var`` near var = 0, for every admissible
    value of the other symbols? Structural: polynomials, exp, sin, …; a power, logarithm or
    quotient only where its base is provably non-zero (positive) at var = 0."""
    expr = sympy.sympify(expr)
    if var not in expr.free_symbols:
        return _real(expr, ctx)
    if expr == var:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_smooth(a, var, ctx) for a in expr.args)
    if expr.is_Pow:
        base, exponent = expr.args
        if var in exponent.free_symbols or not _smooth(base, var, ctx):
            return False
        if exponent.is_Integer and exponent >= 0:
            return True
        at_zero = base.xreplace({var: 0})
        if exponent.is_Integer:
            return _nonzero(at_zero, ctx)
        return _sign(at_zero, ctx) == 2
    if isinstance(expr, _SMOOTH_FUNCTIONS):
        return _smooth(expr.args[0], var, ctx)
    if isinstance(expr, sympy.log) and len(expr.args) == 1:
        return _smooth(expr.args[0], var, ctx) and _sign(expr.args[0].xreplace({var: 0}), ctx) == 2
    if isinstance(expr, (sympy.Derivative, sympy.Subs)):
        return _smooth(expr.doit(), var, ctx)
    return False


def _linear(a: Any, vectors: Sequence[sympy.Symbol]) -> dict[sympy.Symbol, Any]:
    """Coefficients of a linear combination of the vectors (⟨·,·⟩ values are scalars)."""
    scalars = {e: sympy.Dummy() for e in sympy.sympify(a).atoms(Inner)}
    expanded = sympy.expand(sympy.sympify(a).xreplace(scalars))
    parts = {v: expanded.coeff(v) for v in vectors}
    rest = sympy.expand(expanded - sum(c * v for v, c in parts.items()))
    if any(c.has(*vectors) for c in parts.values()) or rest != 0:
        raise VerificationError(
            f"{a} is not a linear combination of {', '.join(map(str, vectors))}"
        )
    back = {d: e for e, d in scalars.items()}
    return {v: c.xreplace(back) for v, c in parts.items()}


def _bilinear(expr: Any, vectors: Sequence[sympy.Symbol]) -> Any:
    order = {v: k for k, v in enumerate(vectors)}

    def expand_one(a: Any, b: Any) -> Any:
        total = sympy.Integer(0)
        for v, cv in _linear(a, vectors).items():
            for w, cw in _linear(b, vectors).items():
                total += cv * cw * Inner(*sorted((v, w), key=order.__getitem__))
        return total

    return sympy.sympify(expr).replace(
        lambda e: isinstance(e, Inner), lambda e: expand_one(*e.args)
    )


def _check_inner(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, InnerProduct)
    if step.rel != "=":
        return _Outcome("unproved", "the inner-product axioms prove equalities")
    for side in (step.lhs, step.rhs):
        if not _real(side, ctx):
            return _Outcome(
                "unproved", "a real inner product takes real scalars: " + _not_real(side)
            )
    expanded = _bilinear(step.lhs, rule.vectors) - _bilinear(step.rhs, rule.vectors)
    outcome = _zero(expanded, ctx)
    if outcome.status == "proved":
        return outcome
    return _Outcome(
        outcome.status,
        f"the sides differ after expanding ⟨·,·⟩ bilinearly: {outcome.reason}",
        outcome.point,
    )


def _check_positivity(step: Step, i: int, ctx: _Context) -> _Outcome:
    lo, rel, hi = _as_le(step)
    if rel == "<=" and lo == 0 and isinstance(hi, Inner) and hi.args[0] == hi.args[1]:
        return _PROVED
    return _Outcome("unproved", "the positivity axiom reads 0 ≤ ⟨a, a⟩")


def _check_quadratic_form(step: Step, i: int, ctx: _Context) -> _Outcome:
    rule = step.rule
    assert isinstance(rule, QuadraticForm)
    matrix, vector = sympy.ImmutableMatrix(rule.matrix), sympy.ImmutableMatrix(rule.vector)
    given = [
        k
        for k, f in enumerate(ctx.facts)
        if f.rel == ">0" and not f.scope and sympy.ImmutableMatrix(f.lhs) == matrix
    ]
    if not given:
        return _Outcome("unproved", "the matrix is not assumed positive definite")
    ctx.used.add(given[0])
    lo, rel, hi = _as_le(step)
    if lo != 0 or rel not in ("<=", "<"):
        return _Outcome("unproved", "the rule proves 0 ≤ vᵀHv")
    if rel == "<" and not any(_nonzero(c, ctx) for c in vector):
        return _Outcome("unproved", "0 < vᵀHv needs v ≠ 0")
    return _sides(
        ((hi, (vector.T * matrix * vector)[0, 0]),), step, ctx, "the step's side is not vᵀHv"
    )


_CHECKS: dict[type, Callable[[Step, int, _Context], _Outcome]] = {
    Identity: _check_identity,
    Assumption: _check_assumption,
    Sign: _check_sign,
    SumOfSquares: _check_sos,
    Affine: _check_affine,
    Power: _check_power,
    AbsoluteValue: _check_absolute,
    Transitivity: _check_transitivity,
    Substitution: _check_substitution,
    Instantiate: _check_instantiate,
    Truncation: _check_truncation,
    InnerProduct: _check_inner,
    Positivity: _check_positivity,
    QuadraticForm: _check_quadratic_form,
}
