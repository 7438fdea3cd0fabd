r"""Vectors kept whole: Σᵢ over a vector's components, for any length.

Inside a :class:`VectorSum`, a :class:`VectorSymbol` ``w`` stands for the i-th component
wᵢ of a vector, so ``VectorSum(w*x, n)`` is wᵀx. Everything here is exact and holds for
every length n ≥ 1, which is what makes proofs about them dimension-free:

- :func:`canonical` pulls what does not depend on i out of each sum and splits sums of
  terms (Σ c·aᵢ + bᵢ = c Σ aᵢ + Σ bᵢ), so two sides that agree for every n meet;
- derivatives in a scalar pass into the sum (a finite sum);
- :func:`instance` writes a small concrete case out, component by component, for a
  witness and for counterexamples.

>>> w, x = VectorSymbol("w"), VectorSymbol("x")
>>> eta = sympy.Symbol("eta", real=True)
>>> canonical(VectorSum(eta * w * x + 2 * w * x, 5))
eta*VectorSum(w*x, 5) + 2*VectorSum(w*x, 5)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy

from ..errors import VerificationError

__all__ = ["Diag", "Gradient", "Hessian", "Outer", "VectorSum", "VectorSymbol", "bilinear"]
__all__ += ["GROUPS", "canonical", "groups", "instance", "loose", "sum_unicode"]


class VectorSymbol(sympy.Symbol):
    """A real vector, written by its name; inside a :class:`VectorSum` its i-th component."""

    def __new__(cls, name: str, **_: Any) -> VectorSymbol:
        return super().__new__(cls, name, real=True)

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.name,), {}


class VectorSum(sympy.Function):
    """Σᵢ₌₁ⁿ summand(components i): ``args = (summand, n)``."""

    nargs = 2
    is_extended_real = True
    is_real = True

    @classmethod
    def eval(cls, summand: Any, length: Any) -> None:
        if not (length.is_Integer and length >= 1):
            raise VerificationError(f"a sum's length is a whole number ≥ 1, not {length}")

    @property
    def summand(self) -> sympy.Expr:
        return self.args[0]

    @property
    def length(self) -> int:
        return int(self.args[1])

    def _eval_derivative(self, s: Any) -> Any:
        if isinstance(s, VectorSymbol):
            return None  # a derivative in a whole vector is not a scalar: leave it unevaluated
        return VectorSum(sympy.diff(self.summand, s), self.args[1])

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        kind, parts = _shape(self.summand)
        if kind in ("dot", "norm", "ones", "count"):
            return prettyForm(_UNICODE.get(kind, "n").format(*(p.name for p in parts)))
        inner = printer._print(parts[0])
        inner = prettyForm(*inner.parens()) if kind == "sum()" else inner
        return prettyForm(*inner.left("Σᵢ "))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        tex = _sum_latex(self.summand, printer)
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


_LATEX = {
    "dot": r"{0}^\top {1}",
    "norm": r"\|{0}\|^{{2}}",
    "ones": r"\mathbf{{1}}^\top {0}",
    "sum": r"\sum_{{i}} {0}",
    "sum()": r"\sum_{{i}} \left({0}\right)",
}
_UNICODE = {
    "dot": "{0}ᵀ{1}",
    "norm": "‖{0}‖²",
    "ones": "Σᵢ {0}",
    "sum": "Σᵢ {0}",
    "sum()": "Σᵢ ({0})",
}


def _shape(summand: Any) -> tuple[str, tuple[Any, ...]]:
    """How a sum reads: wᵀx ('dot'), ‖w‖² ('norm'), Σ wᵢ ('ones'), n ('count'), or Σᵢ
    over its summand with subscripts i ('sum', 'sum()' when it needs brackets)."""
    factors = sympy.Mul.make_args(summand)
    if len(factors) == 2 and all(isinstance(f, VectorSymbol) for f in factors):
        return "dot", factors
    if summand.is_Pow and isinstance(summand.base, VectorSymbol) and summand.exp == 2:
        return "norm", (summand.base,)
    if isinstance(summand, VectorSymbol):
        return "ones", (summand,)
    if summand == 1:
        return "count", ()
    indexed = summand.xreplace({v: _indexed(v) for v in loose(summand)})
    return ("sum()" if summand.is_Add else "sum"), (indexed,)


def _sum_latex(summand: Any, printer: Any) -> str:
    kind, parts = _shape(summand)
    return "n" if kind == "count" else _LATEX[kind].format(*map(printer._print, parts))


def sum_unicode(expr: VectorSum, printer: Any) -> str:
    """The sum in one line of Unicode: wᵀx, ‖w‖², Σᵢ wᵢ, or Σᵢ with subscripts i."""
    kind, parts = _shape(expr.summand)
    return "n" if kind == "count" else _UNICODE[kind].format(*map(printer._print, parts))


class Outer(sympy.Function):
    """The matrix a bᵀ of two vectors (elementwise expressions in vector symbols)."""

    nargs = 2

    def _latex(self, printer: Any, exp: Any = None) -> str:
        a, b = (printer.parenthesize(arg, 50) for arg in self.args)
        return rf"{a} {b}^\top"

    def _sympystr(self, printer: Any) -> str:
        a, b = (printer.parenthesize(arg, 50) for arg in self.args)
        return f"{a}{b}ᵀ"

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        a, b = (printer._print(arg) for arg in self.args)
        return prettyForm(*prettyForm(*a.right(b)).right("ᵀ"))


class Diag(sympy.Function):
    """The diagonal matrix with the vector d on its diagonal; Diag(1) is the identity I."""

    nargs = 1

    def _latex(self, printer: Any, exp: Any = None) -> str:
        d = self.args[0]
        return "I" if d == 1 else rf"\operatorname{{diag}}\left({printer._print(d)}\right)"

    def _sympystr(self, printer: Any) -> str:
        return "I" if self.args[0] == 1 else f"diag({printer._print(self.args[0])})"

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        if self.args[0] == 1:
            return prettyForm("I")
        return prettyForm(*prettyForm(*printer._print(self.args[0]).parens()).left("diag"))


class Gradient(sympy.Function):
    """∇_w f (a vector when w is one, else ∂f/∂w), unevaluated: the left side of a claim."""

    nargs = 2

    def _latex(self, printer: Any, exp: Any = None) -> str:
        f, w = self.args
        if not isinstance(w, VectorSymbol):
            return rf"\frac{{\partial {printer._print(f)}}}{{\partial {printer._print(w)}}}"
        return rf"\nabla_{{{printer._print(w)}}} {printer._print(f)}"

    def _sympystr(self, printer: Any) -> str:
        f, w = (printer._print(a) for a in self.args)
        return f"∇_{w} {f}" if isinstance(self.args[1], VectorSymbol) else f"∂{f}/∂{w}"

    def _pretty(self, printer: Any) -> Any:
        w = self.args[1].name
        return _prefixed(
            printer,
            f"∇_{w} " if isinstance(self.args[1], VectorSymbol) else f"∂/∂{w} ",
            self.args[0],
        )


class Hessian(sympy.Function):
    """The block ∂²f/∂a∂b of the Hessian (a matrix, a vector or a number), unevaluated."""

    nargs = 3

    def _latex(self, printer: Any, exp: Any = None) -> str:
        f, a, b = self.args
        if isinstance(a, VectorSymbol) or isinstance(b, VectorSymbol):
            blocks = printer._print(a) + printer._print(b)
            return rf"\nabla^2_{{{blocks}}} {printer._print(f)}"
        below = (
            rf"\partial {printer._print(a)}^{{2}}"
            if a == b
            else (rf"\partial {printer._print(a)} \partial {printer._print(b)}")
        )
        return rf"\frac{{\partial^2 {printer._print(f)}}}{{{below}}}"

    def _sympystr(self, printer: Any) -> str:
        f, a, b = (printer._print(x) for x in self.args)
        return f"∇²_{a}{b} {f}"

    def _pretty(self, printer: Any) -> Any:
        return _prefixed(printer, f"∇²_{self.args[1].name}{self.args[2].name} ", self.args[0])


def _prefixed(printer: Any, head: str, expr: Any) -> Any:
    from sympy.printing.pretty.stringpict import prettyForm

    return prettyForm(*printer._print(expr).left(head))


def _indexed(v: VectorSymbol) -> sympy.Symbol:
    """vᵢ for printing: w_i, and u_{w,i} for a name that has a subscript already."""
    return sympy.Symbol(f"{v.name},i" if "_" in v.name else f"{v.name}_i", real=True)


def loose(expr: Any) -> set[VectorSymbol]:
    """The vector symbols of ``expr`` outside every VectorSum: its free index."""
    if isinstance(expr, VectorSymbol):
        return {expr}
    if isinstance(expr, VectorSum) or not isinstance(expr, sympy.Basic):
        return set()
    return set().union(*(loose(a) for a in expr.args)) if expr.args else set()


def _split(summand: Any, n: Any) -> Any:
    """Σ over the terms of the expanded summand, each with its i-free factors outside."""
    total = []
    for term in sympy.Add.make_args(sympy.expand(summand)):
        inside = [f for f in sympy.Mul.make_args(term) if loose(f)]
        outside = [f for f in sympy.Mul.make_args(term) if not loose(f)]
        total.append(sympy.Mul(*outside) * VectorSum(sympy.Mul(*inside), n))
    return sympy.Add(*total)


def canonical(expr: Any) -> Any:
    """``expr`` with every sum split and its i-free factors outside (innermost first), then
    expanded: equal for every n when two sides are equal as polynomials in the sums."""
    expr = sympy.sympify(expr)
    if not expr.has(VectorSum):
        return expr
    done = expr.replace(lambda e: isinstance(e, VectorSum), lambda e: _split(e.summand, e.args[1]))
    return sympy.expand(done)


def bilinear(matrix: Any, left: Any, right: Any, n: Any, m: Any = None) -> Any:
    """leftᵀ M right for M (n × n) a sum of c·Outer(a, b) and c·Diag(d) (c free of the
    index), as sums: Σ c (leftᵀa)(bᵀright) + Σ c Σᵢ leftᵢ dᵢ rightᵢ. Raises ValueError otherwise."""
    m = n if m is None else m  # left has length n, right length m
    total = []
    for term in sympy.Add.make_args(sympy.expand(matrix)):
        if term == 0:
            continue
        blocks = [f for f in sympy.Mul.make_args(term) if isinstance(f, (Outer, Diag))]
        c = term / blocks[0] if len(blocks) == 1 else None
        if c is None or loose(c) or c.has(Outer, Diag):
            raise ValueError(f"not a sum of scaled outer products and diagonals: {term}")
        if isinstance(blocks[0], Outer):
            a, b = blocks[0].args
            total.append(c * VectorSum(left * a, n) * VectorSum(b * right, m))
        else:
            if n != m:
                raise ValueError("a diagonal block between vectors of different lengths")
            total.append(c * VectorSum(left * blocks[0].args[0] * right, n))
    return sympy.Add(*total)


GROUPS = 3
"""Distinct component values in an instance: a sum of length n has its first
``GROUPS − 1`` components and then one value repeated for the other n − GROUPS + 1."""


def groups(length: int) -> list[int]:
    """How many components share each value in an instance of a vector of ``length``."""
    k = min(length, GROUPS)
    return [1] * (k - 1) + [length - (k - 1)]


def instance(expr: Any, values: Mapping[str, Any], index: int = 0) -> Any:
    """``expr`` with every vector of its own length n written out exactly, in O(1) terms:
    ``values[name]`` gives a vector's ``GROUPS`` component values (see :func:`groups`: the
    last fills the rest of each sum), or a scalar's value; a loose vector symbol takes the
    value ``index``."""

    def expand(e: Any, i: int) -> Any:
        if isinstance(e, VectorSymbol):
            return values[e.name][i]
        if isinstance(e, VectorSum):
            counts = groups(e.length)
            return sympy.Add(*(m * expand(e.summand, j) for j, m in enumerate(counts)))
        if isinstance(e, sympy.Symbol):
            return values.get(e.name, e)
        if not e.args:
            return e
        return e.func(*(expand(a, i) for a in e.args))

    return expand(sympy.sympify(expr), index)
