r"""Multivariate Taylor expansion from derivative tensors over unique multi-indices.

.. math::
   \mathcal{L}(a + \delta) = \sum_{j=0}^{k} \sum_{|\alpha| = j}
   \frac{\partial^\alpha \mathcal{L}(a)}{\alpha!}\, \delta^\alpha + O(\|\delta\|^{k+1})

A term of order j in n variables needs C(n+j−1, j) distinct partial derivatives, not nʲ;
each is computed once, from its parent multi-index, by SymEngine. The terms are converted
to SymPy lazily, on first access.

>>> from derive.objective import Objective
>>> t = taylor(Objective("2*x**2", "x"), order=2, about={"x": 1})
>>> t.terms
(2, 4*x - 4, 2*(x - 1)**2)
>>> t.polynomial.expand()
2*x**2
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import symengine as se
import sympy

from .errors import BudgetError, DomainError, OptionError
from .objective import Objective

__all__ = [
    "MAX_DIGITS",
    "MAX_OPS",
    "MAX_ORDER",
    "MAX_PARTIALS",
    "Directional",
    "Taylor",
    "directional",
    "taylor",
]

MAX_ORDER = 20
MAX_PARTIALS = 200_000
"""Most distinct partial derivatives one expansion may need (C(n + k, k))."""
MAX_OPS = 500_000
"""Work budget: the most operations (SymEngine's count) all derivatives of one expansion may
hold together. Derivatives of towers such as x**x**x grow about threefold per order; the
budget stops them early instead of running for minutes."""
MAX_DIGITS = 4000
"""Work budget: the most digits of any integer in a coefficient at a point."""
MAX_KINKS = 6
"""Most distinct |a| with a = 0 at the point whose one-sided values are compared (2^k sides)."""

MultiIndex = tuple[int, ...]
"""A multi-index as a non-decreasing tuple of parameter positions: (0, 0, 1) is ∂w∂w∂b."""


@dataclass(frozen=True, eq=False)
class Taylor:
    """The Taylor expansion of an objective to ``order`` about ``point``.

    ``terms[j]`` is homogeneous of degree j in ``displacement`` (θ − a for a given point,
    the symbols Δθ for a symbolic one); ``polynomial`` is their sum.
    """

    objective: Objective
    order: int
    point: tuple[sympy.Expr, ...]
    displacement: tuple[sympy.Expr, ...]
    _coefficients: Mapping[MultiIndex, Any] = field(repr=False)
    _displacement_se: tuple[Any, ...] = field(repr=False)

    def partial(self, index: MultiIndex) -> sympy.Expr:
        """∂^α L at the point, for a multi-index of parameter positions.

        >>> from derive.objective import Objective
        >>> taylor(Objective("w**2*b", "w b"), 3, about={"w": 1, "b": 2}).partial((0, 0, 1))
        2
        """
        key = tuple(sorted(index))
        if key not in self._coefficients:
            raise OptionError(
                f"no partial derivative {index} in an expansion of order {self.order}"
            )
        return self._checked(_to_sympy(self._coefficients[key], self._symbols))

    def _checked(self, value: sympy.Expr) -> sympy.Expr:
        """``value`` if it is defined: no zoo, nan, ±oo, AccumBounds (or I at a numeric point)."""
        bad: tuple[Any, ...] = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.AccumBounds)
        if self.point != self.objective.params:
            bad += (sympy.I,)
        if value.has(*bad):
            raise DomainError(
                f"the Taylor expansion about {_describe_point(self)} is undefined: "
                f"a term is {_short(value)}"
            )
        return value

    @functools.cached_property
    def _terms_se(self) -> tuple[Any, ...]:
        by_degree: list[list[Any]] = [[] for _ in range(self.order + 1)]
        for index, coefficient in self._coefficients.items():
            counts = _counts(index)
            monomial = se.Integer(1)
            for position, power in counts.items():
                monomial *= self._displacement_se[position] ** power
            denominator = math.prod(math.factorial(c) for c in counts.values())
            by_degree[len(index)].append(coefficient * monomial / denominator)
        return tuple(se.Add(*parts) if parts else se.Integer(0) for parts in by_degree)

    @functools.cached_property
    def terms(self) -> tuple[sympy.Expr, ...]:
        """The homogeneous terms, ``terms[j]`` of degree j in the displacement."""
        return tuple(self._checked(_to_sympy(term, self._symbols)) for term in self._terms_se)

    @functools.cached_property
    def _symbols(self) -> tuple[sympy.Symbol, ...]:
        found = set(self.objective.expr.free_symbols)
        for value in (*self.point, *self.displacement):
            found |= value.free_symbols
        return tuple(found)

    @functools.cached_property
    def polynomial(self) -> sympy.Expr:
        """The Taylor polynomial: the sum of the terms."""
        return sympy.Add(*self.terms)

    def gradient(self) -> sympy.Matrix:
        """∇L at the point."""
        n = len(self.objective.params)
        return sympy.Matrix([self.partial((i,)) for i in range(n)])

    def hessian(self) -> sympy.Matrix:
        """∇²L at the point."""
        n = len(self.objective.params)
        return sympy.Matrix(n, n, lambda i, j: self.partial((i, j)))

    def latex(self, form: str = "expanded") -> str:
        r"""The expansion in LaTeX, in one of three forms.

        * ``"expanded"``: ``\mathcal{L}(θ) = T_0 + T_1 + … + O(‖θ − a‖^{k+1})`` with the
          terms' values;
        * ``"componentwise"`` (the lectures' two-variable form): each term as a partial
          derivative at the point times the displacements, e.g.
          ``\frac{\partial \mathcal{L}}{\partial w}\big|_a (w - a_w)``;
        * ``"structured"``: ``\mathcal{L}(\theta) + \Delta\theta^\top \nabla\mathcal{L}
          + \tfrac12 \Delta\theta^\top \nabla^2\mathcal{L}\,\Delta\theta + …`` with the
          gradient and Hessian at the point.

        >>> from derive.objective import Objective
        >>> print(taylor(Objective("2*x**2", "x"), 1, about={"x": 1}).latex())
        \mathcal{L}\left(x\right) = 2 + \left(4 x - 4\right)
        + O\!\left(\left\|x - 1\right\|^{2}\right)
        """
        if form == "componentwise":
            return self._latex_componentwise()
        if form == "structured":
            return self._latex_structured()
        if form != "expanded":
            raise OptionError(f"form must be expanded, componentwise or structured, got {form!r}")
        shown = [t for t in self.terms if t != 0] or [sympy.Integer(0)]
        parts = [
            rf"\left({sympy.latex(t)}\right)" if i and isinstance(t, sympy.Add) else sympy.latex(t)
            for i, t in enumerate(shown)
        ]
        symbolic = self.point == self.objective.params
        if symbolic:
            shifted = (p + d for p, d in zip(self.point, self.displacement, strict=True))
            arguments = ", ".join(sympy.latex(a) for a in shifted)
        else:
            arguments = ", ".join(sympy.latex(p) for p in self.objective.params)
        if len(self.displacement) == 1:
            norm = sympy.latex(self.displacement[0])
        else:
            norm = r"\Delta\theta" if symbolic else r"\theta - a"
        remainder = rf"O\!\left(\left\|{norm}\right\|^{{{self.order + 1}}}\right)"
        return rf"\mathcal{{L}}\left({arguments}\right) = {' + '.join(parts)} + {remainder}"

    def _head_and_remainder(self) -> tuple[str, str]:
        symbolic = self.point == self.objective.params
        if symbolic:
            shifted = (p + d for p, d in zip(self.point, self.displacement, strict=True))
            head = ", ".join(sympy.latex(a) for a in shifted)
        else:
            head = ", ".join(sympy.latex(p) for p in self.objective.params)
        norm = r"\Delta\theta" if symbolic else r"\theta - a"
        if len(self.displacement) == 1:
            norm = sympy.latex(self.displacement[0])
        return (
            rf"\mathcal{{L}}\left({head}\right)",
            rf"O\!\left(\left\|{norm}\right\|^{{{self.order + 1}}}\right)",
        )

    def _at(self) -> str:
        if self.point == self.objective.params:
            return ""
        pairs = ", ".join(
            f"{sympy.latex(p)}={sympy.latex(a)}"
            for p, a in zip(self.objective.params, self.point, strict=True)
        )
        return rf"\Big|_{{{pairs}}}"

    def _latex_componentwise(self) -> str:
        head, remainder = self._head_and_remainder()
        params = self.objective.params
        pieces = [r"\mathcal{L}" + self._at()]
        for index in sorted(self._coefficients, key=lambda k: (len(k), k)):
            if not index or self.partial(index) == 0:
                continue
            counts = _counts(index)
            order = len(index)
            denominator = "".join(
                rf"\partial {sympy.latex(params[i])}" + (f"^{{{c}}}" if c > 1 else "")
                for i, c in counts.items()
            )
            numerator = r"\partial" + (f"^{{{order}}}" if order > 1 else "") + r" \mathcal{L}"
            factorial = math.prod(math.factorial(c) for c in counts.values())
            scale = rf"\frac{{1}}{{{factorial}}} " if factorial > 1 else ""
            shifts = " ".join(_power(self.displacement[i], c) for i, c in counts.items())
            pieces.append(rf"{scale}\frac{{{numerator}}}{{{denominator}}}{self._at()} {shifts}")
        return f"{head} = {' + '.join(pieces)} + {remainder}"

    def _latex_structured(self) -> str:
        head, remainder = self._head_and_remainder()
        at = self._at()
        pieces = [r"\mathcal{L}" + at]
        if self.order >= 1:
            pieces.append(r"\Delta\theta^{\top} \nabla_{\theta} \mathcal{L}" + at)
        if self.order >= 2:
            pieces.append(
                r"\frac{1}{2!} \Delta\theta^{\top} \nabla^{2}_{\theta} \mathcal{L}"
                + at
                + r" \, \Delta\theta"
            )
        for j in range(3, self.order + 1):
            pieces.append(rf"\frac{{1}}{{{j}!}} D^{{{j}}}\mathcal{{L}}{at}[\Delta\theta]^{{{j}}}")
        lines = [f"{head} &= {' + '.join(pieces)} + {remainder}"]
        delta = sympy.latex(sympy.Matrix(self.displacement))
        lines.append(rf"\Delta\theta &= {delta}")
        if self.order >= 1:
            lines.append(rf"\nabla_{{\theta}} \mathcal{{L}}{at} &= {sympy.latex(self.gradient())}")
        if self.order >= 2:
            lines.append(
                rf"\nabla^{{2}}_{{\theta}} \mathcal{{L}}{at} &= {sympy.latex(self.hessian())}"
            )
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


@dataclass(frozen=True, eq=False)
class Directional:
    """The seeds' form L(θ + ηu) = L(θ) + η uᵀ∇L(θ) + (η²/2) uᵀ∇²L(θ) u + ….

    ``terms[j]`` is ηʲ/j! times the j-th directional derivative of L at θ along u.
    """

    objective: Objective
    order: int
    eta: sympy.Symbol
    u: tuple[sympy.Symbol, ...]
    terms: tuple[sympy.Expr, ...]

    @property
    def shifted(self) -> sympy.Expr:
        """L(θ + ηu) itself, exactly."""
        return self.objective.expr.xreplace(
            {p: p + self.eta * ui for p, ui in zip(self.objective.params, self.u, strict=True)}
        )

    @property
    def polynomial(self) -> sympy.Expr:
        """The sum of the terms: the Taylor polynomial of L(θ + ηu) in η."""
        return sympy.Add(*self.terms)

    def direction(self) -> sympy.Matrix:
        """u as a column."""
        return sympy.Matrix(self.u)

    def structured(self) -> tuple[sympy.Expr, ...]:
        """The first terms as matrix products: L, η uᵀ∇L, (η²/2) uᵀ∇²L u (up to ``order``)."""
        u = self.direction()
        pieces = [self.objective.expr]
        if self.order >= 1:
            pieces.append(self.eta * (u.T * self.objective.gradient())[0, 0])
        if self.order >= 2:
            pieces.append(self.eta**2 / 2 * (u.T * self.objective.hessian() * u)[0, 0])
        return tuple(pieces)


def taylor(
    obj: Objective, order: int, about: Mapping[str | sympy.Symbol, Any] | None = None
) -> Taylor:
    """Expand ``obj`` to ``order`` about a point (``None``: the symbolic point θ, step Δθ).

    Args:
        obj: the objective.
        order: highest degree kept, 0 ≤ order ≤ 20.
        about: parameter name or Symbol → a finite real number (number, text or
            expression without symbols); ``None`` expands L(θ + Δθ) in displacement
            symbols ``Delta_<name>``, the symbolic expansion.

    Raises:
        OptionError: not an Objective, or a bad order.
        PointError: a point that is not a mapping, or misses or invents parameters.
        InvalidValueError: a coordinate that is not a finite real number.
        DomainError: a derivative up to ``order`` is undefined at the point (a
            singularity such as log(x) or 1/x at 0, a point outside the domain such as
            sqrt(x) at −1, a kink such as abs(x) at 0, or a non-real value); the message
            names the point and the lowest undefined order.
        BudgetError: an expansion needing more than ``MAX_PARTIALS`` partial
            derivatives, derivatives growing past ``MAX_OPS`` operations, or a value at
            the point past ``MAX_DIGITS`` digits (reduce the order).

    >>> from derive.objective import Objective
    >>> taylor(Objective("x*y", "x y"), 2).terms
    (x*y, Delta_x*y + Delta_y*x, Delta_x*Delta_y)
    """
    if not isinstance(obj, Objective):
        raise OptionError(f"taylor() needs an Objective, got {type(obj).__name__}")
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
        raise OptionError(f"order must be a whole number from 0 to {MAX_ORDER}, got {order!r}")
    n = len(obj.params)
    needed = math.comb(n + order, order)
    if needed > MAX_PARTIALS:
        raise BudgetError(
            f"an order-{order} expansion in {n} parameters needs {needed} partial derivatives "
            f"(at most {MAX_PARTIALS}); lower the order"
        )
    if about is None:
        point = obj.params
        displacement: tuple[sympy.Expr, ...] = _fresh(obj, "Delta")
    else:
        point = obj.point(about, what="about")  # finite real numbers only
        displacement = tuple(p - a for p, a in zip(obj.params, point, strict=True))
    table, variables = _derivatives(obj, order)
    if about is not None:
        at = {v: se.sympify(a) for v, a in zip(variables, point, strict=True)}
        table = _at_point(table, at, obj, point)
    return Taylor(
        objective=obj,
        order=order,
        point=tuple(point),
        displacement=displacement,
        _coefficients=table,
        _displacement_se=tuple(se.sympify(d) for d in displacement),
    )


def directional(
    obj: Objective, order: int = 2, eta: str = "eta", direction: str = "u"
) -> Directional:
    """The expansion of L(θ + ηu) in powers of η, as the lectures write it.

    >>> from derive.objective import Objective
    >>> d = directional(Objective("w**2 + b**2", "w b"), order=2)
    >>> d.terms
    (b**2 + w**2, eta*(2*b*u_b + 2*u_w*w), eta**2*(u_b**2 + u_w**2))
    """
    expansion = taylor(obj, order)
    u = _fresh(obj, direction)
    to_u = {se.sympify(d): se.sympify(ui) for d, ui in zip(expansion.displacement, u, strict=True)}
    eta_symbol = sympy.Symbol(eta, positive=True)
    # term j is homogeneous of degree j, so its value at ηu is ηʲ times its value at u.
    terms = tuple(
        eta_symbol**j * _to_sympy(term.subs(to_u), expansion._symbols + u)
        for j, term in enumerate(expansion._terms_se)
    )
    return Directional(objective=obj, order=order, eta=eta_symbol, u=u, terms=terms)


def _derivatives(obj: Objective, order: int) -> tuple[dict[MultiIndex, Any], list[Any]]:
    """Every partial derivative up to ``order`` over non-decreasing multi-indices.

    SymEngine differentiates; |a| is handed to it as √(a²), which it can differentiate.
    Where SymEngine still leaves a derivative unevaluated, SymPy does the whole table.
    Either way the table is held to the work budget ``MAX_OPS``.
    """
    rewritten = obj.expr.replace(sympy.Abs, lambda a: sympy.Pow(a**2, sympy.S.Half, evaluate=False))
    try:
        expr = _without_abs(se.sympify(rewritten))
    except (TypeError, ValueError, NotImplementedError, RuntimeError):
        expr = None
    if expr is not None:
        variables = [se.Symbol(p.name) for p in obj.params]
        table = _table(expr, variables, order, se.count_ops)
        heads = {f.func for f in rewritten.atoms(sympy.Function)}
        if heads <= _CLOSED or not any(d.atoms(se.Derivative) for d in table.values()):
            return table, variables
    variables = list(obj.params)
    return {k: se.sympify(v) for k, v in _table(obj.expr, variables, order, _nodes).items()}, [
        se.Symbol(p.name) for p in obj.params
    ]


def _without_abs(expr: Any) -> Any:
    """|a| as √(a²) in a SymEngine expression (SymPy may have turned √(a²)·a² back into |a|·a²).

    SymEngine differentiates |a| to sign(a), which is 0 at a = 0: a wrong derivative at a
    kink. √(a²) differentiates to a/√(a²), which stays visibly undefined there.
    """
    while True:
        found = [a for a in expr.atoms(se.Abs) if not a.args[0].atoms(se.Abs)]
        if not found:
            return expr
        expr = expr.xreplace({a: se.Pow(a.args[0] ** 2, se.Rational(1, 2)) for a in found})


def _nodes(*exprs: sympy.Expr) -> int:
    """The size of SymPy expressions: their nodes, counted as SymPy walks them."""
    return sum(1 for expr in exprs for _ in sympy.preorder_traversal(expr))


_CLOSED = {
    sympy.exp,
    sympy.log,
    sympy.sin,
    sympy.cos,
    sympy.tan,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.asin,
    sympy.acos,
    sympy.atan,
    sympy.asinh,
    sympy.erf,
}
"""Functions whose derivatives SymEngine always evaluates, into this same set (with powers)."""


def _table(
    expr: Any, variables: list[Any], order: int, size: Callable[..., int]
) -> dict[MultiIndex, Any]:
    """The derivatives, each from its parent; ``size(*exprs)`` (their total operation count)
    is held to ``MAX_OPS`` after every parent's children, so growth stops early."""
    table: dict[MultiIndex, Any] = {(): expr}
    total = size(expr)
    frontier: list[MultiIndex] = [()]
    for j in range(1, order + 1):
        grown: list[MultiIndex] = []
        for index in frontier:
            parent = table[index]
            children = [(*index, i) for i in range(index[-1] if index else 0, len(variables))]
            for child in children:
                table[child] = parent.diff(variables[child[-1]])
            grown += children
            total += size(*(table[child] for child in children))
            if total > MAX_OPS:
                fits = f"order {j - 1} fits" if j > 1 else "only order 0 fits"
                raise BudgetError(
                    f"Taylor expansion too large: its derivatives pass {MAX_OPS:,} "
                    f"operations at order {j} of {order}; reduce --order ({fits})"
                )
        frontier = grown
    return table


def _at_point(
    table: Mapping[MultiIndex, Any],
    at: Mapping[Any, Any],
    obj: Objective,
    point: Iterable[sympy.Expr],
) -> dict[MultiIndex, Any]:
    """The derivatives' values at the point, each checked to be a defined real number.

    Lowest order first, so the error names the first order that does not exist. When
    every sub-expression of the loss is analytic around the point (log of a positive
    number, a power of a positive base, …) so are all derivatives, and each value only
    needs checking; otherwise every derivative is inspected sub-expression by
    sub-expression (:func:`_value_at`).
    """
    where = _point_text(obj, point)
    cache: dict[Any, str | None] = {}
    values: dict[MultiIndex, Any] = {}
    try:
        smooth = all(_analytic(atom, at) for atom in table[()].atoms(se.Pow, se.Function))
        for index in sorted(table, key=lambda k: (len(k), k)):
            if smooth:
                value = table[index].subs(at)
                reason = _value_reason(value)
            else:
                value, reason = _value_at(table[index], at, cache)
            if reason is not None:
                what = (
                    "the loss itself is undefined"
                    if not index
                    else f"{_derivative_name(obj, index)} does not exist"
                )
                raise DomainError(
                    f"the Taylor expansion about {where} is undefined at order "
                    f"{len(index)}: {what} there ({reason})"
                )
            if len(str(value)) > MAX_DIGITS and any(
                abs(int(n)).bit_length() > MAX_DIGITS * 3.33 for n in value.atoms(se.Integer)
            ):
                raise BudgetError(
                    f"Taylor expansion too large: an order-{len(index)} coefficient at {where} "
                    f"has a number of over {MAX_DIGITS} digits; reduce --order or choose "
                    "another point"
                )
            values[index] = value
    except RuntimeError as exc:  # SymEngine: a power too large to compute exactly
        raise BudgetError(
            f"Taylor expansion too large: a value at {where} cannot be computed exactly "
            f"({exc}); reduce --order or choose another point"
        ) from None
    return {index: values[index] for index in table}


_ENTIRE = frozenset({"sin", "cos", "tan", "sinh", "cosh", "tanh", "atan", "asinh", "erf"})
"""SymEngine heads analytic wherever their value is finite (tan: away from its poles)."""


def _analytic(atom: Any, at: Mapping[Any, Any]) -> bool:
    """Whether ``atom`` is analytic around the point, so its derivatives are all defined.

    A value that still has symbols (data without values) cannot be decided and counts
    as analytic; the values themselves are still checked.
    """
    if isinstance(atom, se.Pow):
        exponent = atom.exp
        if (exponent.is_Integer and exponent > 0) or atom.base == se.E:
            return True
        base = _kind(atom.base.subs(at))
        if base in ("positive", "unknown"):
            return True
        return base == "negative" and bool(exponent.is_Integer)
    head = _head(atom)
    argument = _kind(atom.args[0].subs(at)) if atom.args else "unknown"
    if argument == "unknown":
        return True
    if head in _ENTIRE:
        return _kind(atom.subs(at)) in ("positive", "negative", "zero")
    if head == "log":
        return argument == "positive"
    if head in ("sign", "Heaviside", "DiracDelta", "Abs"):
        return argument in ("positive", "negative")
    if head in ("asin", "acos"):
        inside = atom.args[0].subs(at)
        return _kind(inside - 1) == "negative" and _kind(inside + 1) == "positive"
    return False


def _value_reason(value: Any) -> str | None:
    """Why a derivative's value at the point is not a defined real number, or None."""
    kind = _kind(value)
    if kind == "undefined":
        return f"its value is {_short(value)}"
    if kind == "nonreal":
        return f"its value {_short(value)} is not real"
    return None


def _value_at(
    expr: Any, at: Mapping[Any, Any], cache: dict[Any, str | None]
) -> tuple[Any, str | None]:
    """(value at the point, None), or (None, why it is undefined there).

    A sub-expression that is undefined at the point (log 0, 1/0, a fractional power of a
    negative number, sign or a step at 0) makes the whole derivative undefined. A kink
    √(a²) with a = 0 is decided by its one-sided values: the derivative exists when every
    side (√(a²) read as +a and as −a) gives the same defined value.
    """
    atoms = expr.atoms(se.Pow, se.Function)
    kinks: dict[Any, list[Any]] = {}
    for atom in atoms:
        if _is_kink(atom) and _kind(atom.base.base.subs(at)) == "zero":
            kinks.setdefault(atom.base.base, []).append(atom)
    if kinks:
        if len(kinks) > MAX_KINKS:
            return None, f"it has {len(kinks)} kinks |a| with a = 0 there"
        inners = list(kinks)
        sides: list[Any] = []
        for signs in itertools.product((1, -1), repeat=len(inners)):
            replaced = expr.xreplace(
                {
                    atom: (sign * inner) ** int(2 * atom.exp)
                    for sign, inner in zip(signs, inners, strict=True)
                    for atom in kinks[inner]
                }
            )
            value, reason = _value_at(replaced, at, cache)
            if reason is not None:
                return None, reason
            sides.append(value)
        for other in sides[1:]:
            if not _same(sides[0], other):
                shown = ", ".join(f"abs({_short(a)})" for a in inners)
                return None, (
                    f"its one-sided values differ, {_short(sides[0])} and {_short(other)}: "
                    f"{shown} has a kink there"
                )
        return sides[0], None
    for atom in atoms:
        if atom not in cache:
            cache[atom] = _hazard(atom, at)
        if cache[atom] is not None:
            return None, cache[atom]
    value = expr.subs(at)
    reason = _value_reason(value)
    return (None, reason) if reason is not None else (value, None)


def _hazard(atom: Any, at: Mapping[Any, Any]) -> str | None:
    """Why the sub-expression ``atom`` is undefined at the point, or None."""
    inputs = _hazard_inputs(atom)
    if inputs is None:
        return None
    return _hazard_verdict(atom, tuple(_kind(e.subs(at)) for e in inputs))


_GUARDED = frozenset({"log", "sign", "Heaviside", "DiracDelta", "asin", "acos"})


def _head(atom: Any) -> str:
    return str(atom.get_name()) if isinstance(atom, se.FunctionSymbol) else type(atom).__name__


def _hazard_inputs(atom: Any) -> tuple[Any, ...] | None:
    """The SymEngine sub-expressions whose signs decide whether ``atom`` is defined.

    None when ``atom`` is defined wherever its arguments are (exp, sin, a positive whole
    power, …). A power gives (base, exponent); log, sign and steps their argument a;
    asin and acos (a − 1, a + 1).
    """
    if isinstance(atom, se.Pow):
        exponent = atom.exp
        if (exponent.is_Integer and exponent > 0) or atom.base == se.E:
            return None
        return (atom.base, exponent)
    head = _head(atom)
    if head not in _GUARDED or not atom.args:
        return None
    if head in ("asin", "acos"):
        return (atom.args[0] - 1, atom.args[0] + 1)
    return (atom.args[0],)


def _hazard_verdict(atom: Any, kinds: tuple[str, ...]) -> str | None:
    """Why ``atom`` is undefined, given the kinds (see :func:`_kind`) of its inputs, or None."""
    if isinstance(atom, se.Pow):
        base, power = kinds
        exponent = atom.exp
        integer = bool(exponent.is_Integer or (not exponent.free_symbols and exponent.is_integer))
        if base == "zero" and power in ("negative", "zero"):
            why = "divides by zero" if power == "negative" else "is 0**0"
            return f"{_short(atom)} {why}"
        if base == "negative" and not integer:
            return f"{_short(atom)} is a fractional power of a negative number, not real"
        if base in ("nonreal", "undefined"):
            return f"{_short(atom)} is not a real number"
        return None
    head = _head(atom)
    if head in ("asin", "acos"):
        below, above = kinds
        if below == "positive" or above == "negative":
            return f"{_short(atom)} is outside [-1, 1], not real"
        return None
    (kind,) = kinds
    if head == "log" and kind in ("zero", "negative", "nonreal"):
        of = {"zero": "zero", "negative": "a negative number", "nonreal": "a non-real number"}
        return f"{_short(atom)} is the log of {of[kind]}"
    if head in ("sign", "Heaviside", "DiracDelta") and kind == "zero":
        return f"{_short(atom)} jumps at 0: there is a kink or step there"
    return None


def _kind(value: Any) -> str:
    """zero, negative, positive, nonreal, undefined, or unknown (it still has symbols)."""
    if value.free_symbols:
        if value.has(se.zoo) or value.has(se.nan) or value.has(se.oo) or value.has(-se.oo):
            return "undefined"
        return "nonreal" if value.has(se.I) else "unknown"
    if value == 0:
        return "zero"
    if value.is_Rational:
        return "negative" if value.is_negative else "positive"
    try:
        number = value.n(64, real=False)
        real, imaginary = number.real_part(), number.imaginary_part()
    except (RuntimeError, TypeError, ValueError, NotImplementedError, AttributeError):
        return _kind_by_sympy(value)
    if not imaginary.is_zero:
        return "nonreal"
    if real.is_zero:
        return "zero"
    return "negative" if real.is_negative else "positive" if real.is_positive else "undefined"


def _kind_by_sympy(value: Any) -> str:
    """The verdict of SymPy for values SymEngine cannot evaluate (zoo, nan, ±oo, PyFunctions)."""
    try:
        expr = sympy.sympify(value)
    except (TypeError, ValueError, sympy.SympifyError):
        return "undefined"
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.AccumBounds):
        return "undefined"
    try:
        number = sympy.N(expr, 20)
    except (TypeError, ValueError, ArithmeticError):
        return "undefined"
    if not number.is_Number:
        imaginary = number.as_real_imag()[1]
        if imaginary.is_Number and imaginary != 0:
            return "nonreal"
        return "undefined"
    if not number.is_finite:
        return "undefined"
    return "zero" if number == 0 else "negative" if number < 0 else "positive"


def _same(a: Any, b: Any) -> bool:
    """Equal values: exactly, or to 50 bits relative (a jump is never that small)."""
    if a == b:
        return True
    difference = _kind(a - b)
    if difference == "zero":
        return True
    try:
        gap = abs(complex((a - b).n(64, real=False)))
        scale = max(abs(complex(a.n(64, real=False))), abs(complex(b.n(64, real=False))))
    except (RuntimeError, TypeError, ValueError, OverflowError):
        return False
    return gap <= scale * 2.0**-50


def _is_kink(atom: Any) -> bool:
    """√(a²) and its odd powers (a²)^(k/2): |a|^k, the form |a| is differentiated in."""
    return (
        isinstance(atom, se.Pow)
        and isinstance(atom.base, se.Pow)
        and atom.base.exp == 2
        and atom.exp.is_Rational
        and not atom.exp.is_integer
        and atom.exp.as_numer_denom()[1] == 2
    )


def _short(value: Any, limit: int = 60) -> str:
    """A short text of a SymEngine or SymPy value for a message, printed as SymPy does."""
    text = str(value)
    if len(text) <= 4 * limit and not isinstance(value, sympy.Basic):
        with contextlib.suppress(TypeError, ValueError, sympy.SympifyError):
            text = str(sympy.sympify(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _point_text(obj: Objective, point: Iterable[sympy.Expr]) -> str:
    return ", ".join(f"{p}={v}" for p, v in zip(obj.params, point, strict=True))


def _describe_point(t: Taylor) -> str:
    if t.point == t.objective.params:
        return "the symbolic point"
    return _point_text(t.objective, t.point)


def _derivative_name(obj: Objective, index: MultiIndex) -> str:
    """d^2L/dw db for the multi-index (0, 1) of parameters (w, b)."""
    counts = _counts(index)
    top = f"d^{len(index)}L" if len(index) > 1 else "dL"
    parts = [f"d{obj.params[i]}" + (f"^{c}" if c > 1 else "") for i, c in counts.items()]
    return f"{top}/{' '.join(parts)}"


def _power(base: sympy.Expr, exponent: int) -> str:
    tex = sympy.latex(base)
    if not base.is_Symbol:
        tex = rf"\left({tex}\right)"
    return tex + (f"^{{{exponent}}}" if exponent > 1 else "")


def _counts(index: MultiIndex) -> dict[int, int]:
    counts: dict[int, int] = {}
    for position in index:
        counts[position] = counts.get(position, 0) + 1
    return counts


def fresh_symbol(obj: Objective, name: str) -> sympy.Symbol:
    """A real symbol named ``name`` (underscores appended) that no symbol of the loss uses:
    a data symbol called eta is never merged with the learning rate.

    >>> fresh_symbol(Objective("eta*w**2", "w"), "eta")
    eta_
    """
    taken = {s.name for s in obj.expr.free_symbols}
    while name in taken:
        name += "_"
    return sympy.Symbol(name, real=True)


def _fresh(obj: Objective, prefix: str) -> tuple[sympy.Symbol, ...]:
    """Real symbols ``<prefix>_<param>`` that do not clash with the objective's symbols."""
    taken = {s.name for s in obj.expr.free_symbols}
    names = []
    for p in obj.params:
        name = f"{prefix}_{p.name}"
        while name in taken:
            name += "_"
        names.append(name)
    return tuple(sympy.Symbol(name, real=True) for name in names)


def _to_sympy(value: Any, symbols: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    """Convert from SymEngine, restoring our own (real) symbols by name."""
    expr = sympy.sympify(value)
    known = {s.name: s for s in symbols}
    expr = expr.xreplace(
        {s: known[s.name] for s in expr.free_symbols if s.name in known and s is not known[s.name]}
    )
    if expr.has(sympy.Derivative, sympy.Subs):
        expr = expr.doit()
    return expr
