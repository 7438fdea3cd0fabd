r"""The two printers every surface uses: LaTeX (a :class:`sympy.printing.latex.LatexPrinter`
subclass) and one-line Unicode for terminals, plain text, titles and headings (a
:class:`sympy.printing.str.StrPrinter` subclass). Both

- write terms in the order a lecturer does: by degree in the small parameter (η, ε, τ),
  positive terms first within a degree (ℒ + η uᵀg + ½η² …, w − η g_w);
- print derive's own symbols that had to be renamed to avoid a user's name (a trailing
  underscore, see :func:`derive.taylor.fresh_symbol`) with a prime: a user's parameter
  ``eta`` prints η, derive's learning rate beside it η′;
- never print Python syntax (``**``, ``*``, ``Abs(``, ``sqrt(``, ``Matrix(``).

>>> import sympy
>>> w, x, eta, g = sympy.symbols("w x eta g_w", real=True)
>>> unicode(w - eta*g)
'w − η·g_w'
>>> unicode(2*x**2), unicode(sympy.sqrt(w**2 + 1)), unicode(sympy.Abs(w))
('2x²', '√(w² + 1)', '|w|')
>>> unicode(sympy.Symbol("eta_") * w)
'η′w'
>>> latex(w - eta*g)
'w - \\eta g_{w}'
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter as _SympyLatex
from sympy.printing.str import StrPrinter

from .kernel.sums import sum_unicode

__all__ = [
    "GREEK",
    "LatexPrinter",
    "UnicodePrinter",
    "decimal",
    "display_name",
    "latex",
    "ordered_terms",
    "superscript",
    "unicode",
]

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "lamda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Delta": "Δ",
    "Gamma": "Γ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
"""Names that print as Greek letters."""

SMALL = frozenset({"eta", "alpha", "epsilon", "tau", "t"})
"""Names of the small parameters whose powers order a sum's terms."""

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    """A whole number in superscript digits: ℝ + superscript(100) is ℝ¹⁰⁰.

    >>> superscript(-12)
    '⁻¹²'
    """
    return str(n).translate(_SUPERSCRIPT)


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


DECIMAL_PLACES = 6
"""The most decimal places a rational is written with as a decimal (0.6, 0.36, 0.0625)."""


def decimal(value: Any) -> str | None:
    """A rational's exact decimal spelling when it is short, as the seeds write numbers
    (3/5 is 0.6, 243/3125 is 0.07776); None for an integer, a rational whose decimal does not end
    (1/3) or runs past :data:`DECIMAL_PLACES` places, or anything else. The value stays
    exact: only its spelling changes.

    >>> decimal(sympy.Rational(9, 25)), decimal(sympy.Rational(-5, 2)), decimal(sympy.Rational(1, 3))
    ('0.36', '-2.5', None)
    """
    if not isinstance(value, sympy.Rational) or value.q == 1:
        return None
    q, twos, fives = int(value.q), 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    places = max(twos, fives)
    if q != 1 or places > DECIMAL_PLACES or abs(value.p) >= 10**12:
        return None
    scaled = abs(int(value.p)) * 10**places // int(value.q)
    whole, frac = divmod(scaled, 10**places)
    return f"{'-' if value < 0 else ''}{whole}.{str(frac).rjust(places, '0')}"


def _split(name: str) -> tuple[str, int]:
    """A symbol's name without its trailing underscores, and how many there were."""
    stripped = name.rstrip("_")
    return (stripped, len(name) - len(stripped)) if stripped else (name, 0)


def _degree(term: Any) -> int:
    """The total degree of ``term`` in the small parameters (0 when it has none)."""
    small = [s for s in term.free_symbols if _split(s.name)[0] in SMALL]
    if not small:
        return 0
    try:
        return int(sympy.Poly(term, *small).total_degree())
    except (sympy.PolynomialError, ValueError, TypeError):
        return 0


def negated(term: Any) -> Any:
    """−term, keeping a product written unevaluated (x₀ − α·(4x₀) stays a product)."""
    if isinstance(term, sympy.Mul) and term.args and term.args[0].is_Number:
        rest = term.args[1:]
        if term.args[0] == -1:
            return sympy.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
        return sympy.Mul(-term.args[0], *rest, evaluate=False)
    return -term


def ordered_terms(expr: sympy.Add) -> list[Any]:
    """The terms of a sum in a lecturer's order: ascending degree in η (ε, τ), then the
    positive terms before the negative ones, then SymPy's order.

    >>> eta, L, g = sympy.symbols("eta L g", real=True)
    >>> ordered_terms(eta**2*g/2 + L + eta*g)
    [L, eta*g, eta**2*g/2]
    """
    terms = list(expr.as_ordered_terms())
    position = {id(t): k for k, t in enumerate(terms)}
    return sorted(
        terms,
        key=lambda t: (_degree(t), t.could_extract_minus_sign(), position[id(t)]),
    )


class LatexPrinter(_SympyLatex):
    """SymPy's LaTeX printer with the lectures' notation and term order."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "mul_symbol": None,
                "inv_trig_style": "full",
                "ln_notation": False,
                "fold_func_brackets": True,  # cos β, as the seeds write it
                **(settings or {}),
            }
        )

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        name, primes = _split(expr.name)
        if name == "epsilon" or name.startswith("epsilon_"):  # one ε everywhere: \varepsilon
            return (
                r"\varepsilon" + super()._print_Symbol(sympy.Symbol(name), style)[8:] + "'" * primes
            )
        if not primes:
            return super()._print_Symbol(expr, style)
        return super()._print_Symbol(sympy.Symbol(name), style) + "'" * primes

    def parenthesize_super(self, s: str) -> str:
        """A base with a prime is braced before a power: {η'}^{2} (η'^{2} is a double
        superscript to TeX)."""
        if s.endswith("'") and "^" not in s:
            return "{" + s + "}"
        return str(super().parenthesize_super(s))

    def _print_Add(self, expr: sympy.Add, order: Any = None) -> str:
        tex = ""
        for k, term in enumerate(ordered_terms(expr)):
            if k == 0:
                tex += self._print(term) if not term.could_extract_minus_sign() else ""
                if term.could_extract_minus_sign():
                    tex += "- " + self._bracket(negated(term))
                continue
            if term.could_extract_minus_sign():
                tex += " - " + self._bracket(negated(term))
            else:
                tex += " + " + self._bracket(term)
        return tex

    _fractions = 0  # > 0 while printing an exponent: x^{3/2}, never x^{1.5}

    def _print_Rational(self, expr: sympy.Rational) -> str:
        shown = None if self._fractions else decimal(expr)
        return shown if shown is not None else super()._print_Rational(expr)

    def _print_Pow(self, expr: sympy.Pow) -> str:
        if not expr.exp.is_Rational or expr.exp.is_Integer:
            return super()._print_Pow(expr)
        self._fractions += 1
        try:
            return super()._print_Pow(expr)
        finally:
            self._fractions -= 1

    def _print_MatrixBase(self, expr: Any) -> str:
        if expr.shape == (1, 1):  # one parameter: the number itself, as the seeds write it
            return self._print(expr[0, 0])
        return str(super()._print_MatrixBase(expr))

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _bracket(self, term: Any) -> str:
        shown = self._print(term)
        return rf"\left({shown}\right)" if isinstance(term, sympy.Add) else shown

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        ((var, count),) = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        if var is not None and count == 1:
            inner = self._print(expr.expr)
            if getattr(expr.expr, "_tex", None) is not None:
                return rf"\frac{{\partial {inner}}}{{\partial {self._print(var)}}}"
            return rf"\frac{{\partial}}{{\partial {self._print(var)}}} \left[{inner}\right]"
        return super()._print_Derivative(expr)


def latex(expr: Any) -> str:
    """LaTeX for ``expr`` with :class:`LatexPrinter`."""
    return LatexPrinter().doprint(expr)


def display_name(name: str) -> str:
    """``eta`` → η, ``theta_1`` → θ₁, ``g_w`` → g_w, ``eta_`` → η′."""
    name, primes = _split(name)
    base, sep, sub = name.partition("_")
    base = GREEK.get(base, base)
    if sep:
        sub = "".join(GREEK.get(part, part) for part in re.split(r"(_)", sub) if part != "_")
        sub = sub.translate(_SUBSCRIPT) if sub.isdigit() else "_" + sub
    return base + sub + "′" * primes


def _atomic(text: str) -> bool:
    """Is ``text`` one visual unit (needs no parentheses as a factor or a base)?"""
    if re.fullmatch(r"[\w′.]+|[\w′]+[²³⁴⁵⁶⁷⁸⁹¹⁰⁻]+", text):
        return True
    depth = 0
    for k, ch in enumerate(text):  # f(…), |…|, √(…), ⟨…⟩ or (…) as a whole
        depth += (ch in "([⟨" and 1) or 0
        depth -= (ch in ")]⟩" and 1) or 0
        if depth == 0 and ch in " +−-/·" and k > 0:
            return False
    return not text.startswith(("−", "-"))


def _spaced(text: str) -> bool:
    """Does ``text`` have a + or − outside every bracket (a sum, or a leading minus)?"""
    depth = 0
    for k, ch in enumerate(text):
        depth += (ch in "([⟨" and 1) or 0
        depth -= (ch in ")]⟩" and 1) or 0
        if depth == 0 and (ch == " " or (ch in "−-" and k == 0)):
            return True
    return False


class UnicodePrinter(StrPrinter):
    """One-line Unicode mathematics: η, x², √(…), |…|, w·x, (a, b) for vectors."""

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        shown = getattr(expr, "_text", None)
        return shown if shown is not None else display_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Add(self, expr: sympy.Add, order: Any = None) -> str:
        out = ""
        for k, term in enumerate(ordered_terms(expr)):
            negative = term.could_extract_minus_sign()
            shown = self._print(negated(term) if negative else term)
            if isinstance(negated(term) if negative else term, sympy.Add):
                shown = f"({shown})"
            if k == 0:
                out = f"−{shown}" if negative else shown
            else:
                out += f" − {shown}" if negative else f" + {shown}"
        return out

    def _factor(self, factor: Any) -> str:
        shown = self._print(factor)
        if isinstance(factor, sympy.Add) or (
            isinstance(factor, sympy.Rational)
            and not factor.is_Integer
            and (decimal(factor) is None or factor < 0)
        ):
            return f"({shown})"
        return shown

    def _join(self, factors: list[Any]) -> str:
        """Factors side by side: a number or a one-letter factor before a letter or a
        bracket is juxtaposed (2x, αx, 2(x + 1)), anything else is joined by a dot."""
        out, last = "", ""
        previous: Any = None
        for factor in factors:
            shown = self._factor(factor)
            letter = len(shown.rstrip("′²³⁴⁵⁶⁷⁸⁹")) == 1 and shown[0].isalpha()
            if previous is None:
                out = shown
            elif (
                (previous.is_Number and not shown[0].isdigit())
                or (len(last.rstrip("′²³⁴⁵⁶⁷⁸⁹")) == 1 and last[0].isalpha() and letter)
                or (shown.startswith("(") and not previous.is_Number)
            ):
                out += shown
            else:
                out += "·" + shown
            previous, last = factor, shown
        return out

    def _print_Mul(self, expr: sympy.Mul) -> str:
        if expr.could_extract_minus_sign():
            inner = -expr
            shown = self._print(inner)
            return f"−({shown})" if isinstance(inner, sympy.Add) else f"−{shown}"
        if sum(1 for a in expr.args if a.is_Number) > 1:  # written unevaluated: (1/10)·4
            return self._join(list(expr.args))
        numerator, denominator = sympy.fraction(expr, exact=True)
        if denominator != 1:
            top = self._print(numerator)
            bottom = self._print(denominator)
            top = f"({top})" if _spaced(top) else top
            simple = not isinstance(denominator, sympy.Mul) and _atomic(bottom)
            bottom = bottom if simple else f"({bottom})"
            return f"{top}/{bottom}"
        factors = list(expr.as_ordered_factors())
        return self._join(factors)

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == sympy.S.Half:
            inner = self._print(base)
            return f"√{inner}" if _atomic(inner) and not inner.startswith("(") else f"√({inner})"
        if exponent.is_Rational and exponent.is_negative:
            shown = self._print(
                base if exponent == -1 else sympy.Pow(base, -exponent, evaluate=False)
            )
            return f"1/{shown}" if _atomic(shown) else f"1/({shown})"
        shown = self._print(base)
        if not _atomic(shown) or (
            isinstance(base, (sympy.Pow, sympy.Rational)) and not (isinstance(base, sympy.Integer))
        ):
            shown = f"({shown})"
        if exponent.is_Integer:
            return shown + str(exponent).translate(_SUPERSCRIPT)
        power = (
            f"{exponent.p}/{exponent.q}".replace("-", "−")
            if exponent.is_Rational
            else self._print(exponent)
        )
        return f"{shown}^{power}" if _atomic(power) else f"{shown}^({power})"

    def _print_Rational(self, expr: sympy.Rational) -> str:
        shown = decimal(expr)
        if shown is not None:
            return shown.replace("-", "−")
        return (
            str(expr.p).replace("-", "−") if expr.q == 1 else f"{expr.p}/{expr.q}".replace("-", "−")
        )

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return str(expr.p).replace("-", "−")

    def _print_Float(self, expr: sympy.Float) -> str:
        return super()._print_Float(expr).replace("-", "−")

    def _print_Abs(self, expr: sympy.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Function(self, expr: Any) -> str:
        name = type(expr).__name__
        if name == "VectorSum":
            return sum_unicode(expr, self)
        if name == "Inner":
            a, b = (self._print(arg) for arg in expr.args)
            return f"⟨{a}, {b}⟩"
        return f"{GREEK.get(name, name)}({', '.join(self._print(a) for a in expr.args)})"

    def _print_exp(self, expr: Any) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        variables = "".join(
            f"∂{self._print(v)}" + (str(c).translate(_SUPERSCRIPT) if c > 1 else "")
            for v, c in expr.variable_count
        )
        order = sum(c for _, c in expr.variable_count)
        top = "∂" + (str(order).translate(_SUPERSCRIPT) if order > 1 else "")
        inner = self._print(expr.expr)
        if getattr(expr.expr, "_text", None) is not None or isinstance(expr.expr, sympy.Symbol):
            return f"{top}{inner}/{variables}"
        return f"{top}/{variables} [{inner}]"

    def _print_Subs(self, expr: sympy.Subs) -> str:
        body, old, new = expr.args
        at = ", ".join(
            f"{self._print(o)} = {self._print(n)}" for o, n in zip(old, new, strict=True)
        )
        return f"[{self._print(body)}] at {at}"

    def _print_MatrixBase(self, expr: Any) -> str:
        if expr.shape == (1, 1):  # one parameter: the number itself
            return self._print(expr[0, 0])
        if expr.cols == 1:
            return "(" + ", ".join(self._print(e) for e in expr) + ")"
        rows = ("  ".join(self._print(e) for e in expr.row(i)) for i in range(expr.rows))
        return "[" + "; ".join(rows) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
    _print_ImmutableMatrix = _print_MatrixBase
    _print_Matrix = _print_MatrixBase

    def _print_Order(self, expr: Any) -> str:
        return f"O({self._print(expr.expr)})"

    def _print_Infinity(self, expr: Any) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "−∞"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Relational(self, expr: Any) -> str:
        rel = {"==": "=", "<=": "≤", ">=": "≥", "<": "<", ">": ">", "!=": "≠"}[expr.rel_op]
        return f"{self._print(expr.lhs)} {rel} {self._print(expr.rhs)}"

    def _print_Tuple(self, expr: Any) -> str:
        return "(" + ", ".join(self._print(e) for e in expr) + ")"

    _print_tuple = _print_Tuple


def unicode(expr: Any) -> str:
    """One-line Unicode for ``expr`` with :class:`UnicodePrinter`."""
    return UnicodePrinter().doprint(expr)
