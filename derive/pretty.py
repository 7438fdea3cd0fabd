r"""2-D Unicode mathematics for terminals: SymPy's pretty printer with derive's display
names (ℒ, η, θ₁, g_w, a renamed internal symbol primed: η′), the lecturer's term order
(ℒ + η uᵀg + …, w − η g_w), true minus signs, and exact short decimals as the seeds write
them (0.6). Fractions stand over their bar and exponents sit raised; what prints on one
line anyway is left to :func:`derive.printer.unicode`.

>>> import sympy
>>> w, eta, b = sympy.symbols("w eta b", real=True)
>>> print(pretty(w - eta * (w + b) / (2 * w + 1)))
      η⋅(b + w)
w − ─────────
     2⋅w + 1
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.pretty.pretty import PrettyPrinter as _SympyPretty
from sympy.printing.pretty.stringpict import prettyForm, stringPict

from .printer import decimal, display_name, ordered_terms, unicode

__all__ = ["PrettyPrinter", "join", "pretty", "pretty_form"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class PrettyPrinter(_SympyPretty):
    """SymPy's 2-D printer with derive's names, term order and numbers."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__({"use_unicode": True, "wrap_line": False, **(settings or {})})

    def _print_Symbol(self, e: sympy.Symbol, bold_name: bool = False) -> prettyForm:
        shown = getattr(e, "_text", None)
        return prettyForm(shown if shown is not None else display_name(e.name))

    _print_Dummy = _print_Symbol

    _terms: list[Any] | None = None

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        if self._terms is not None:  # the terms _print_Add has put in order
            terms, self._terms = self._terms, None
            return terms
        if isinstance(expr, sympy.Add):
            return ordered_terms(expr)
        return list(super()._as_ordered_terms(expr, order=order))

    def _print_Add(self, expr: sympy.Add, order: Any = None) -> prettyForm:
        """SymPy writes a rational term as a fraction itself: a short decimal (0.9) is
        handed over as an atom instead, its sign in front."""
        terms = ordered_terms(expr)
        if not any(decimal(t) is not None for t in terms):
            return super()._print_Add(expr, order)
        shown = [_Decimal(t) if decimal(t) is not None else t for t in terms]
        self._terms = [
            sympy.Mul(-1, _Decimal(-t), evaluate=False) if decimal(t) is not None and t < 0 else s
            for t, s in zip(terms, shown, strict=True)
        ]
        return super()._print_Add(sympy.Add(*self._terms, evaluate=False), order)

    def _print_Rational(self, expr: sympy.Rational) -> prettyForm:
        shown = decimal(expr)
        if shown is None:
            return super()._print_Rational(expr)
        form = prettyForm(shown.lstrip("-"))
        return prettyForm(*stringPict.next("-", form)) if expr < 0 else form

    def _print_Pow(self, power: sympy.Pow) -> prettyForm:
        """x², η³ with superscript digits (one line, as people write them); anything else
        as SymPy draws it."""
        base, exponent = power.args
        if isinstance(base, sympy.Symbol) and exponent.is_Integer and 1 < exponent < 10:
            shown = self._print(base)
            if shown.height() == 1:
                return prettyForm(shown.picture[0] + str(exponent).translate(_SUPERSCRIPT))
        return super()._print_Pow(power)

    def _print_MatrixBase(self, e: Any, lparens: str = "[", rparens: str = "]") -> prettyForm:
        if e.shape == (1, 1):  # one parameter: the number itself
            return self._print(e[0, 0])
        return super()._print_MatrixBase(e, lparens, rparens)

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_Function(self, e: Any, sort: bool = False, func_name: str | None = None) -> Any:
        if type(e).__name__ in ("VectorSum", "Inner"):  # derive's own: one line reads best
            return prettyForm(unicode(e))
        return super()._print_Function(e, sort, func_name)


class _Decimal(sympy.Symbol):
    """A short decimal as an atom (SymPy's pretty printer would draw a fraction)."""

    def __new__(cls, value: sympy.Rational) -> _Decimal:
        obj = super().__new__(cls, f"_decimal_{value.p}_{value.q}")
        obj._text = decimal(value)
        return obj


def pretty_form(expr: Any) -> prettyForm:
    """``expr`` as a 2-D form (to place beside others with :func:`join`)."""
    return PrettyPrinter()._print(sympy.sympify(expr) if isinstance(expr, (int, float)) else expr)


def join(*parts: Any) -> str:
    """Forms and strings side by side on a common baseline, as text (minus signs as −)."""
    forms = [prettyForm(p) if isinstance(p, str) else p for p in parts]
    picture = prettyForm(*stringPict.next(*forms))
    lines = picture.render(wrap_line=False).split("\n")
    return "\n".join(line.rstrip().replace("-", "−") for line in lines)


def pretty(expr: Any) -> str:
    """``expr`` in 2-D Unicode (see the module's example)."""
    return join(pretty_form(expr))
