r"""Objective: a loss expression, the parameters it is minimised over, and its data symbols.

.. math:: \mathcal{L}(\theta),\quad \nabla_\theta \mathcal{L},\quad \nabla^2_\theta \mathcal{L}

>>> obj = Objective("(w*x + b - y)**2", params="w b")
>>> obj.params, obj.data
((w, b), (x, y))
>>> obj.gradient().T
Matrix([[2*x*(b + w*x - y), 2*b + 2*w*x - 2*y]])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import sympy
from sympy.core.function import AppliedUndef

from .errors import (
    BudgetError,
    DeclarationError,
    InvalidValueError,
    ObjectiveError,
    ParseError,
    PointError,
)
from .parse import check_name, parse
from .printer import display_name, unicode
from .printer import latex as latex_printer
from .vectors import expand_vectors, parse_spec

__all__ = [
    "MAX_EXPANDED_TERMS",
    "MAX_PROOF_PARAMS",
    "MAX_ROOT_TERMS",
    "Expansion",
    "Objective",
    "ParamSpec",
    "expansion_size",
]

MAX_EXPANDED_TERMS = 1_000
"""Work budget of a symbolic proof: the most terms the loss may have multiplied out.

A proof checks its identities by exact expansion, and multiplies expanded derivatives
together (‖∇L‖², uᵀ∇²L u), so its cost grows with the square of this count or faster:
``(w*x + b - y)**40`` (861 terms) verifies in about 2 s, ``(w*x + b - y)**70`` (2,556) in
about a minute, ``(a + b + c)**1000`` (501,501) in minutes. The estimate is an upper bound
and a function's argument counts too: ``exp((a + b)**2)`` has 3 terms."""

MAX_ROOT_TERMS = 20
"""Work budget of a symbolic proof: the most terms under one root or in one denominator.

The proof clears roots and denominators by multiplying with powers of their base, so
these cost far more: ``1/(1 + (w*x + b - y)**4)`` (16 terms in the denominator) verifies
in about 5 s, ``1/(1 + (w*x + b - y)**8)`` (46) in over a minute."""

MAX_PROOF_PARAMS = 24
"""Work budget of the gradient-descent proof: the most parameters. It states and checks all
n² second derivatives: logistic regression with 20 weights verifies in about 9 s, with
30 in over half a minute, with 100 not within 15 minutes."""

_CAP = 10**15  # estimates are clipped here: far past every budget, and cheap to compare

ParamSpec = str | Iterable[str | sympy.Symbol]
"""Parameters: ``"w b"`` (space or comma separated), or a sequence of names or Symbols."""


class Objective:
    """A real-valued loss of some parameters; every other free symbol is data.

    Args:
        expr: loss text (parsed safely, decimals exact) or a SymPy expression (kept as is).
        params: the parameters θ, in order: ``"w b"``, ``["w", "b"]`` or Symbols; a vector
            parameter is declared with its length, ``"w:100 b"``.
        data: optional declarations of data symbols, needed for vectors: ``"x:100 y"``.
            Vectors appear in the text only inside ``dot``, ``sum`` and ``norm``; the
            objective expands them to components w_1 … w_m, in declaration order.

    Raises:
        ParseError: the text is not a supported expression.
        DeclarationError: a parameter or data symbol is missing from the loss, repeated
            or badly named.
        ObjectiveError: the loss is not a real scalar expression.

    >>> Objective("2*x**2", params="x").hessian()
    Matrix([[4]])
    """

    _components: dict[sympy.Symbol, tuple[sympy.Symbol, ...]]
    _source: str | None
    _params: tuple[sympy.Symbol, ...]
    _data: tuple[sympy.Symbol, ...]
    _structured: sympy.Expr
    _blocks: tuple[Block, ...]
    _data_blocks: tuple[Block, ...]

    def __init__(
        self, expr: str | sympy.Expr, params: ParamSpec, data: ParamSpec | None = None
    ) -> None:
        param_spec = parse_spec(params, what="parameter")
        data_spec = parse_spec(data, what="data symbol") if data is not None else []
        lengths = {name: size for name, size in (*param_spec, *data_spec) if size is not None}
        seen = [name for name, _ in (*param_spec, *data_spec)]
        repeated = sorted({n for n in seen if seen.count(n) > 1})
        if repeated:
            raise DeclarationError(f"parameter {repeated[0]!r} is given twice")
        if isinstance(expr, str):
            source: str | None = expr
            value = parse(expr, vectors=lengths)
        elif lengths:
            raise DeclarationError("vector declarations (name:length) need the loss as text")
        elif isinstance(expr, sympy.Expr):
            source = None
            value = _check_expr(expr)
        elif isinstance(expr, (int, float)) and not isinstance(expr, bool):
            raise ObjectiveError("the loss is a constant: it must depend on the parameters")
        else:
            raise ObjectiveError(
                f"the loss must be text or a SymPy expression, got {type(expr).__name__}"
            )
        structured = value
        blocks, data_blocks, components = _blocks(
            structured, param_spec, data_spec, lengths, params
        )
        resolved = tuple(s for b in blocks for s in b.symbols)
        for name, field in (
            ("_components", components),
            ("_source", source),
            ("_params", resolved),
            ("_data", tuple(s for b in data_blocks for s in b.symbols)),
            ("_structured", structured),
            ("_blocks", blocks),
            ("_data_blocks", data_blocks),
        ):
            object.__setattr__(self, name, field)

    @property
    def structured(self) -> sympy.Expr:
        """The loss with vectors kept whole (VectorSum atoms over representative components)."""
        return self._structured

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The parameters as declared: (name, length or None, component symbols)."""
        return self._blocks

    @property
    def data_blocks(self) -> tuple[Block, ...]:
        """The data symbols as blocks: declared vectors and scalars, by name."""
        return self._data_blocks

    @functools.cached_property
    def _expr(self) -> sympy.Expr:
        """The loss with vectors written out (on first use: n = 10⁴ takes seconds)."""
        if not self._components:
            return self._structured
        return expand_vectors(self._structured, self._components)

    @property
    def expr(self) -> sympy.Expr:
        """The loss as a SymPy expression, vectors written out component by component."""
        return self._expr

    @property
    def params(self) -> tuple[sympy.Symbol, ...]:
        """The parameters θ, in the order given."""
        return self._params

    @property
    def data(self) -> tuple[sympy.Symbol, ...]:
        """The other free symbols (data), sorted by name."""
        return self._data

    @property
    def source(self) -> str | None:
        """The loss text this objective was parsed from, or ``None``."""
        return self._source

    @functools.cached_property
    def _gradient(self) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix([sympy.diff(self._expr, p) for p in self._params])

    @functools.cached_property
    def _hessian(self) -> sympy.ImmutableMatrix:
        g = self._gradient
        n = len(self._params)
        rows = [[sympy.diff(g[i], self._params[j]) for j in range(n)] for i in range(n)]
        return sympy.ImmutableMatrix(rows)

    def gradient(self) -> sympy.Matrix:
        """∇L as an n×1 matrix, in parameter order."""
        return sympy.Matrix(self._gradient)

    def hessian(self) -> sympy.Matrix:
        """∇²L as an n×n matrix, in parameter order."""
        return sympy.Matrix(self._hessian)

    @functools.cached_property
    def expansion(self) -> Expansion:
        """Upper bounds on the loss's size multiplied out; see :func:`expansion_size`.

        >>> Objective("(a + b + c)**1000", "a b c").expansion
        Expansion(terms=501501, root_terms=0)
        """
        return expansion_size(self._expr)

    def check_budget(
        self, what: str = "a symbolic proof", *, max_params: int | None = None
    ) -> None:
        """Refuse at once a loss too large for ``what``, a proof that multiplies it out.

        The size is estimated without expanding (:attr:`expansion`); ``max_params``, when
        given, also bounds the number of parameters.

        Raises:
            BudgetError: the loss multiplied out has more than ``MAX_EXPANDED_TERMS``
                terms, more than ``MAX_ROOT_TERMS`` under one root or in one denominator,
                or more than ``max_params`` parameters.

        >>> Objective("(a + b + c)**1000", "a b c").check_budget()
        Traceback (most recent call last):
        ...
        derive.errors.BudgetError: the loss is too large for a symbolic proof: multiplied out, it has up to 501,501 terms, over the budget of 1,000 (MAX_EXPANDED_TERMS); lower the powers or use fewer variables
        """
        n = len(self._params)
        if max_params is not None and n > max_params:
            raise BudgetError(
                f"the loss has too many parameters for {what}: {n}, over the budget of "
                f"{max_params} (it states all n² second derivatives); emit the update rule "
                "instead (derive emit), or prove a smaller instance"
            )
        size = self.expansion
        if size.terms > MAX_EXPANDED_TERMS:
            raise BudgetError(
                f"the loss is too large for {what}: multiplied out, it has "
                f"{_count(size.terms)} terms, over the budget of {MAX_EXPANDED_TERMS:,} "
                "(MAX_EXPANDED_TERMS); lower the powers or use fewer variables"
            )
        if size.root_terms > MAX_ROOT_TERMS:
            raise BudgetError(
                f"the loss is too large for {what}: a root or denominator holds "
                f"{_count(size.root_terms)} terms multiplied out, over the budget of "
                f"{MAX_ROOT_TERMS:,} (MAX_ROOT_TERMS); lower the powers inside it"
            )

    def point(
        self, values: Mapping[str | sympy.Symbol, Any], *, what: str = "point"
    ) -> tuple[sympy.Expr, ...]:
        """Exact coordinates for ``values`` (name or Symbol → number, text or expression).

        Every parameter needs a value; floats are taken as their shortest decimal
        (``0.1`` is ``1/10``); text is parsed safely.

        Raises:
            PointError: ``values`` is not a mapping, names something that is not a
                parameter, or misses one.
            InvalidValueError: a value is not a finite real number.

        >>> Objective("w*b", "w b").point({"w": 0.5, "b": "1/3"})
        (1/2, 1/3)
        """
        if not isinstance(values, Mapping):
            raise PointError(
                f"{what} must map parameter names to values, got {type(values).__name__}"
            )
        by_name = {p.name: p for p in self._params}
        given: dict[sympy.Symbol, sympy.Expr] = {}
        for key, raw in values.items():
            name = key.name if isinstance(key, sympy.Symbol) else key
            if name not in by_name:
                raise PointError(
                    f"{what} names {name!r}, which is not a parameter (parameters: "
                    f"{', '.join(by_name)})"
                )
            given[by_name[name]] = exact_value(raw, what=f"{what} value for {name}")
        missing = [p.name for p in self._params if p not in given]
        if missing:
            raise PointError(f"{what} is missing a value for {', '.join(missing)}")
        return tuple(given[p] for p in self._params)

    def describe(self, limit: int = 40) -> str:
        """'ℒ(w, b) = <loss>' in Unicode mathematics when the loss is short, else 'ℒ(w, b)'
        (for titles and headings; no Python syntax).

        >>> Objective("2*x**2", "x").describe()
        'ℒ(x) = 2x²'
        """
        names = ", ".join(display_name(b.name) for b in self._blocks)
        text = unicode(self._structured)
        return f"ℒ({names}) = {text}" if len(text) <= limit else f"ℒ({names})"

    def latex(self) -> str:
        """The loss in LaTeX."""
        return sympy.latex(self._expr)

    def _repr_latex_(self) -> str:
        """Notebooks: ℒ(params) = the loss, in LaTeX (MathJax renders it)."""
        names = ", ".join(latex_printer(sympy.Symbol(b.name)) for b in self._blocks)
        return rf"$\mathcal{{L}}({names}) = {latex_printer(self._structured)}$"

    def _repr_markdown_(self) -> str:
        """Notebooks: the loss, its parameters and its data in Markdown with math."""
        data = ", ".join(f"${latex_printer(s)}$" for s in self.data) or "none"
        return f"**Objective** {self._repr_latex_()}; data: {data}."

    def _repr_html_(self) -> str:
        """Notebooks: the Markdown form as HTML, its maths as MathJax's \\( … \\)."""
        from .display import objective_html

        return objective_html(self)

    def __repr__(self) -> str:
        names = " ".join(
            b.name if b.length is None else f"{b.name}:{b.length}" for b in self._blocks
        )
        return f"Objective({str(self._structured)!r}, params={names!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Objective):
            return NotImplemented
        return (self._structured, self._params, self._data) == (
            other._structured,
            other._params,
            other._data,
        )

    def __hash__(self) -> int:
        return hash((self._structured, self._params))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Objective is immutable; cannot set {name!r}")


def exact_value(raw: Any, *, what: str = "value") -> sympy.Expr:
    """An exact SymPy number for a user-supplied value: a finite real number, nothing else.

    Text is parsed safely and must name no symbol, so ``nan``, ``inf``, ``oo`` or a name
    such as ``c`` is an :class:`~derive.errors.InvalidValueError`, as is a float that is
    not finite or an expression that is infinite, undefined or not real.

    >>> exact_value(0.1), exact_value("2/3"), exact_value(3), exact_value("sqrt(2)/2")
    (1/10, 2/3, 3, sqrt(2)/2)
    >>> exact_value("nan", what="--at value for x")
    Traceback (most recent call last):
    ...
    derive.errors.InvalidValueError: --at value for x must be finite and real, got 'nan' (a name, not a number)
    """

    def refuse(why: str = "") -> InvalidValueError:
        shown = raw if isinstance(raw, (str, int, float)) else str(raw)
        return InvalidValueError(f"{what} must be finite and real, got {shown!r}{why}")

    if isinstance(raw, bool):
        raise InvalidValueError(f"{what} must be a number, got {raw!r}")
    if isinstance(raw, int):
        return _sized(sympy.Integer(raw), what)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise refuse()
        return sympy.Rational(repr(raw))
    if isinstance(raw, str):
        try:
            value = parse(raw)
        except ParseError as exc:
            raise InvalidValueError(f"{what}: {exc}") from None
    elif isinstance(raw, sympy.Expr):
        value = raw
    else:
        try:
            import numpy as np

            if isinstance(raw, np.generic):
                return exact_value(raw.item(), what=what)
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        raise InvalidValueError(
            f"{what} must be a number, text or SymPy expression, got {type(raw).__name__}"
        )
    if isinstance(value, sympy.MatrixExpr) or not value.is_commutative:
        raise refuse()
    names = sorted(s.name if isinstance(s, sympy.Symbol) else str(s) for s in value.free_symbols)
    if names:
        listed = ", ".join(repr(n) for n in names)
        if isinstance(raw, str) and raw.strip() in names:
            raise refuse(" (a name, not a number)")
        which = "which is not a number" if len(names) == 1 else "which are not numbers"
        raise refuse(f" (it names {listed}, {which})")
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.AccumBounds):
        raise refuse(" (it is infinite or undefined)")
    if value.is_extended_real is False:
        raise refuse(" (it is not real)")
    if value.is_finite is not True or value.is_extended_real is not True:
        # assumptions could not decide: evaluate, and keep only a finite real number
        try:
            number = sympy.N(value, 30)
        except (TypeError, ValueError, ArithmeticError):
            raise refuse(" (it cannot be evaluated)") from None
        if not (number.is_Number and number.is_finite):
            imaginary = number.as_real_imag()[1]
            complex_number = imaginary.is_Number and imaginary != 0
            raise refuse(" (it is not real)" if complex_number else " (it is not a number)")
    return _sized(value, what)


MAX_DIGITS = 4000
"""The most digits of a number a user may give (Python prints no integer over 4,300)."""


def _sized(value: sympy.Expr, what: str) -> sympy.Expr:
    for atom in value.atoms(sympy.Rational):
        if max(abs(atom.p), atom.q).bit_length() > MAX_DIGITS * 3.33:
            raise InvalidValueError(f"{what} has a number of over {MAX_DIGITS} digits")
    return value


class Expansion(NamedTuple):
    """Upper bounds on the size of an expression multiplied out (:func:`expansion_size`)."""

    terms: int
    """Terms of the whole expression, or of a function's argument, multiplied out."""
    root_terms: int
    """The most terms under one root, fractional power or denominator (0 when none)."""


def expansion_size(expr: sympy.Expr) -> Expansion:
    """Cheap upper bounds on how large ``expr`` becomes multiplied out, without expanding it.

    A sum adds its children's terms, a product multiplies them, and a power
    (s₁ + … + s_m)ᵏ has at most C(m + k − 1, k) terms, and no more than there are
    monomials of its degree in its variables. A function such as exp(…) is a single
    term; its argument is estimated too (derivatives bring it out). Estimates stop
    growing at 10¹⁵, far past every budget.

    >>> expansion_size(sympy.sympify("(w*x + b - y)**2"))
    Expansion(terms=6, root_terms=0)
    >>> expansion_size(sympy.sympify("sqrt(1 + (a + b)**2) + exp(x*(y + 1))"))
    Expansion(terms=4, root_terms=4)
    """
    sizes: dict[Any, tuple[int, int, int, int]] = {}  # terms, degree, root terms, most terms
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:  # post-order without recursion: any depth is fine
        node, ready = stack.pop()
        if node in sizes:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args if arg not in sizes)
            continue
        sizes[node] = _node_size(node, sizes)
    terms, _, roots, most = sizes[expr]
    return Expansion(max(terms, most), roots)


def _node_size(node: Any, sizes: dict[Any, tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    children = [sizes[arg] for arg in node.args]
    roots = max((c[2] for c in children), default=0)
    most = max((c[3] for c in children), default=1)
    if not children:  # a symbol (degree 1) or a number (degree 0)
        return 1, int(isinstance(node, sympy.Symbol)), 0, 1
    if isinstance(node, sympy.Add):
        terms = min(sum(c[0] for c in children), _CAP)
        return terms, max(c[1] for c in children), roots, max(most, terms)
    if isinstance(node, sympy.Mul):
        terms = 1
        for c in children:
            terms = min(terms * c[0], _CAP)
        return terms, min(sum(c[1] for c in children), _CAP), roots, max(most, terms)
    if isinstance(node, sympy.Pow) and node.exp.is_Rational:
        base_terms, degree = children[0][0], children[0][1]
        whole = abs(int(node.exp.p // node.exp.q)) if node.exp.q == 1 else 0
        power = _power_terms(node.base, base_terms, degree, max(whole, 1))
        if node.exp.is_Integer and node.exp > 0:
            return power, min(degree * whole, _CAP), roots, max(most, power)
        # a root or a denominator: one term whose base is multiplied out inside it
        inner = power if node.exp.is_Integer else base_terms
        return 1, 1, max(roots, inner), max(most, inner)
    return 1, 1, roots, most  # a function or a symbolic power: a single term


def _power_terms(base: Any, terms: int, degree: int, k: int) -> int:
    """Terms of baseᵏ multiplied out: multisets of k of its terms, at most the monomials of
    degree ≤ k·degree in its variables."""
    if terms <= 1 or k == 1:
        return terms
    variables = len(base.free_symbols) + len(base.atoms(sympy.Function))
    return min(_choose(terms + k - 1, k), _choose(variables + min(degree * k, _CAP), variables))


def _choose(n: int, k: int) -> int:
    """C(n, k), clipped at the cap (computed upwards, so it stops as soon as it passes)."""
    k = min(k, n - k)
    if k < 0:
        return 0
    value = 1
    for i in range(1, k + 1):
        value = value * (n - k + i) // i
        if value >= _CAP:
            return _CAP
    return value


def _count(n: int) -> str:
    return f"over {n:,}" if n >= _CAP else f"up to {n:,}"


def _check_expr(expr: sympy.Expr) -> sympy.Expr:
    if isinstance(expr, sympy.MatrixExpr) or not expr.is_commutative:
        raise ObjectiveError(f"the loss must be a scalar expression, got {type(expr).__name__}")
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ObjectiveError(f"the loss is undefined or infinite: {expr}")
    if expr.has(sympy.I) or expr.is_extended_real is False:
        raise ObjectiveError(f"the loss is not real-valued: {expr}")
    undefined = sorted(str(f.func) for f in expr.atoms(AppliedUndef))
    if undefined or expr.has(sympy.Derivative, sympy.Integral, sympy.Subs):
        what = f"undefined function {undefined[0]!r}" if undefined else "an unevaluated operation"
        raise ObjectiveError(
            f"the loss uses {what}; write it out explicitly (for example exp(w) instead of f(w))"
        )
    if not all(isinstance(s, sympy.Symbol) for s in expr.free_symbols):
        raise ObjectiveError("the loss's free symbols must be plain Symbols")
    for symbol in expr.free_symbols:
        try:
            check_name(symbol.name, what="symbol name")
        except ParseError as exc:
            raise ObjectiveError(str(exc)) from None
    return expr


_SEPARATORS = re.compile(r"[\s,]+")


class Block(NamedTuple):
    """A declared name: a scalar (length None, one symbol) or a vector and its components."""

    name: str
    length: int | None
    symbols: tuple[sympy.Symbol, ...]
    representative: sympy.Symbol


def _blocks(
    structured: sympy.Expr,
    param_spec: list[tuple[str, int | None]],
    data_spec: list[tuple[str, int | None]],
    lengths: dict[str, int],
    raw_params: Any,
) -> tuple[tuple[Block, ...], tuple[Block, ...], dict[sympy.Symbol, tuple[sympy.Symbol, ...]]]:
    """Resolve declared names against the loss; name each vector's components."""
    if not param_spec:
        raise DeclarationError("no parameters given: name them, e.g. params='w b'")
    free = {s.name: s for s in structured.free_symbols}
    given = {}
    if not isinstance(raw_params, str):
        try:
            given = {p.name: p for p in raw_params if isinstance(p, sympy.Symbol)}
        except TypeError:
            given = {}
    components: dict[sympy.Symbol, tuple[sympy.Symbol, ...]] = {}
    taken = set(free)
    for name, size in (*param_spec, *data_spec):
        if size is None or name not in free:
            continue
        names = [f"{name}_{i}" for i in range(1, size + 1)]
        clash = sorted(taken & set(names))
        if clash:
            raise DeclarationError(
                f"vector {name!r} has a component {clash[0]!r} that is also a symbol of the loss"
            )
        components[free[name]] = tuple(sympy.Symbol(n, real=True) for n in names)

    def block(name: str, size: int | None) -> Block:
        rep = free[name]
        return Block(name, size, components.get(rep, (rep,)), rep)

    params = []
    for name, size in param_spec:
        if name not in free:
            present = ", ".join(sorted(free)) or "none"
            raise DeclarationError(
                f"parameter {name!r} does not occur in the loss (its symbols: {present})"
            )
        if name in given and given[name] is not free[name] and size is None:
            pass  # a Symbol given by name resolves to the loss's own symbol of that name
        params.append(block(name, size))
    param_names = {n for n, _ in param_spec}
    declared = [
        block(name, size) for name, size in data_spec if name in free and name not in param_names
    ]
    for name, _ in data_spec:
        if name not in free:
            raise DeclarationError(f"data {name!r} does not occur in the loss")
    rest = sorted(
        (
            s
            for s in structured.free_symbols
            if s.name not in param_names and s.name not in {b.name for b in declared}
        ),
        key=lambda s: s.name,
    )
    data_blocks = sorted(
        (*declared, *(Block(s.name, None, (s,), s) for s in rest)), key=lambda b: b.name
    )
    return tuple(params), tuple(data_blocks), components
