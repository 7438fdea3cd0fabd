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

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import symengine as se
import sympy

from .errors import ObjectiveError
from .objective import Objective

__all__ = ["MAX_ORDER", "MAX_PARTIALS", "Directional", "Taylor", "directional", "taylor"]

MAX_ORDER = 20
MAX_PARTIALS = 200_000
"""Most distinct partial derivatives one expansion may need (C(n + k, k))."""

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
            raise ObjectiveError(
                f"no partial derivative {index} in an expansion of order {self.order}"
            )
        return _to_sympy(self._coefficients[key], self._symbols)

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
        return tuple(_to_sympy(term, self._symbols) for term in self._terms_se)

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
            raise ObjectiveError(
                f"form must be expanded, componentwise or structured, got {form!r}"
            )
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
        about: parameter name or Symbol → number, text or expression; ``None`` expands
            L(θ + Δθ) in displacement symbols ``Delta_<name>``.

    Raises:
        ObjectiveError: bad order, a point that misses or invents parameters, or an
            expansion needing more than ``MAX_PARTIALS`` partial derivatives.

    >>> from derive.objective import Objective
    >>> taylor(Objective("x*y", "x y"), 2).terms
    (x*y, Delta_x*y + Delta_y*x, Delta_x*Delta_y)
    """
    if not isinstance(obj, Objective):
        raise ObjectiveError(f"taylor() needs an Objective, got {type(obj).__name__}")
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
        raise ObjectiveError(f"order must be a whole number from 0 to {MAX_ORDER}, got {order!r}")
    n = len(obj.params)
    needed = math.comb(n + order, order)
    if needed > MAX_PARTIALS:
        raise ObjectiveError(
            f"an order-{order} expansion in {n} parameters needs {needed} partial derivatives "
            f"(at most {MAX_PARTIALS}); lower the order"
        )
    if about is None:
        point = obj.params
        displacement: tuple[sympy.Expr, ...] = _fresh(obj, "Delta")
    else:
        point = obj.point(about, what="about")
        if any(set(obj.params) & value.free_symbols for value in point):
            raise ObjectiveError("the expansion point must not depend on the parameters")
        displacement = tuple(p - a for p, a in zip(obj.params, point, strict=True))
    table, variables = _derivatives(obj, order)
    if about is not None:
        at = {v: se.sympify(a) for v, a in zip(variables, point, strict=True)}
        table = {index: d.subs(at) for index, d in table.items()}
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
    """
    rewritten = obj.expr.replace(sympy.Abs, lambda a: sympy.Pow(a**2, sympy.S.Half, evaluate=False))
    try:
        expr = se.sympify(rewritten)
    except (TypeError, ValueError, NotImplementedError, RuntimeError):
        expr = None
    if expr is not None:
        variables = [se.Symbol(p.name) for p in obj.params]
        table = _table(expr, variables, order)
        heads = {f.func for f in rewritten.atoms(sympy.Function)}
        if heads <= _CLOSED or not any(d.atoms(se.Derivative) for d in table.values()):
            return table, variables
    variables = list(obj.params)
    return {k: se.sympify(v) for k, v in _table(obj.expr, variables, order).items()}, [
        se.Symbol(p.name) for p in obj.params
    ]


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


def _table(expr: Any, variables: list[Any], order: int) -> dict[MultiIndex, Any]:
    table: dict[MultiIndex, Any] = {(): expr}
    frontier: list[MultiIndex] = [()]
    for _ in range(order):
        grown: list[MultiIndex] = []
        for index in frontier:
            parent = table[index]
            for i in range(index[-1] if index else 0, len(variables)):
                child = (*index, i)
                table[child] = parent.diff(variables[i])
                grown.append(child)
        frontier = grown
    return table


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
