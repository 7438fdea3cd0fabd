r"""Render derivations: LaTeX (fragments MathJax renders: prose between ``align*``
blocks; for pdflatex, one ``align*`` with the reasons in ``\intertext``), a standalone
document, Markdown with ``$$`` blocks, and one-line Unicode text for terminals.

Rendering reads a derivation and asks the kernel for its report (cached by content); it
never takes a report from the caller and never changes either.

>>> import sympy
>>> from derive.kernel import Derivation, Identity, Step
>>> x = sympy.Symbol("x", real=True)
>>> d = Derivation("square", (Step((x + 1)**2, "=", x**2 + 2*x + 1, "expand", Identity()),))
>>> print(latex(d))
Step 1 (identity, proved): expand
<BLANKLINE>
\begin{align*}
& \left(x + 1\right)^{2} = x^{2} + 2 x + 1 \quad \checkmark
\end{align*}
<BLANKLINE>
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sympy

from .errors import DeriveError
from .kernel import Derivation, Fact, Report, Step
from .kernel import verify as _kernel_verify
from .printer import GREEK, LatexPrinter, ordered_terms, unicode
from .written import arguments, call_form, functions, is_arguments, parameters, written_value

__all__ = [
    "TEXT_WIDTH",
    "WIDTH",
    "document",
    "document_sections",
    "html",
    "latex",
    "latex_expr",
    "markdown",
    "preamble",
    "tex_text",
    "text",
]

WIDTH = 62
"""Estimated visible characters of math that fit one line of a 10pt article."""

_RELATIONS = {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "=O": "="}
_TEXT_RELATIONS = {"=": "=", "<=": "≤", "<": "<", ">=": "≥", ">": ">", "=O": "="}
_MARKS = {
    "proved": r"\checkmark",
    "assumed": r"\text{(assumed)}",
    "vacuous": r"\text{(vacuous)}",
    "unproved": "?",
    "failed": r"\times",
}
_TEXT_MARKS = {"proved": "✓", "assumed": "•", "vacuous": "=", "unproved": "?", "failed": "✗"}

_UNICODE = {
    "°": r"$^\circ$",
    "²": r"$^2$",
    "³": r"$^3$",
    "¹": r"$^1$",
    "½": r"$\frac12$",
    "Σ": r"$\Sigma$",
    "β": r"$\beta$",
    "η": r"$\eta$",
    "θ": r"$\theta$",
    "λ": r"$\lambda$",
    "ᵀ": r"$^\top$",
    "–": "--",
    "‖": r"$\|$",
    "⁻": r"$^{-}$",
    "₀": r"$_0$",
    "₁": r"$_1$",
    "₂": r"$_2$",
    "ℝ": r"$\mathbb{R}$",
    "←": r"$\leftarrow$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "−": "$-$",
    "√": r"$\surd$",
    "≈": r"$\approx$",
    "≠": r"$\neq$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "≻": r"$\succ$",
    "⟨": r"$\langle$",
    "⟩": r"$\rangle$",
    "μ": r"$\mu$",
    "ε": r"$\varepsilon$",
    "α": r"$\alpha$",
    "σ": r"$\sigma$",
    "·": r"$\cdot$",
    "×": r"$\times$",
    "…": r"\ldots{}",
    "’": "'",
    "ᵏ": r"$^k$",
    "ʲ": r"$^j$",
    "δ": r"$\delta$",
    "τ": r"$\tau$",
    "γ": r"$\gamma$",
    "ρ": r"$\rho$",
    "⁺": r"$^+$",
    "ᵢ": r"$_i$",
    "ⱼ": r"$_j$",
    "ᵖ": r"$^p$",
    "ᐟ": "/",
    "ᵠ": r"$^q$",
    "∞": r"$\infty$",
    "≡": r"$\equiv$",
    "∈": r"$\in$",
    "⊤": r"$^\top$",
    "₃": r"$_3$",
    "ₖ": r"$_k$",
    "ᵐ": r"$^m$",
    "ⁿ": r"$^n$",
    "₊": r"$_+$",
    "ℒ": r"$\mathcal{L}$",
    "′": r"$'$",
    "⁰": r"$^0$",
    "⁴": r"$^4$",
    "⁵": r"$^5$",
    "⁶": r"$^6$",
    "⁷": r"$^7$",
    "⁸": r"$^8$",
    "⁹": r"$^9$",
    "₄": r"$_4$",
    "₅": r"$_5$",
    "₆": r"$_6$",
    "₇": r"$_7$",
    "₈": r"$_8$",
    "₉": r"$_9$",
    "π": r"$\pi$",
    "φ": r"$\varphi$",
    "ν": r"$\nu$",
    "κ": r"$\kappa$",
    "ω": r"$\omega$",
    "ξ": r"$\xi$",
    "ψ": r"$\psi$",
    "χ": r"$\chi$",
    "ζ": r"$\zeta$",
    "Δ": r"$\Delta$",
    "Θ": r"$\Theta$",
    "Γ": r"$\Gamma$",
    "Λ": r"$\Lambda$",
    "Π": r"$\Pi$",
    "Φ": r"$\Phi$",
    "Ψ": r"$\Psi$",
    "Ω": r"$\Omega$",
    "≪": r"$\ll$",
    "“": "``",
    "”": "''",
    "↦": r"$\mapsto$",
    "→": r"$\to$",
    "⇒": r"$\Rightarrow$",
}
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": "$<$",
    ">": "$>$",
    "|": r"$|$",
}
_SUBSCRIPTED = re.compile(r"(?<![\w])([A-Za-zα-ωΑ-Ω]+)_([A-Za-z0-9α-ω₀-₉]+)")
_GREEK = {
    letter: ("\\varepsilon " if name == "epsilon" else f"\\{name} ")
    for name, letter in reversed(GREEK.items())
    if name != "lamda"
}
"""Greek letters in an identifier's base or subscript (θ_new, Θ_new, g_η): LaTeX names."""

_SUB_TEX = {**{chr(0x2080 + k): str(k) for k in range(10)}, **_GREEK}


_LETTER = re.compile(
    r"(?<![A-Za-z'’\\$_{.])[b-zB-HJ-Z](?![A-Za-z'’_$}]|\.[A-Za-z])|(?<=\()a(?=, b\))"
)
"""A letter standing alone in prose (u, k, f(x); a only in the point (a, b)): a variable,
italic as in the equations (e.g. and i.e. stay upright)."""


_POWER = re.compile("[⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹]{2,}")
_INDEX = re.compile("[₀₁₂₃₄₅₆₇₈₉]{2,}")
_FROM_SUPERSCRIPT = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉", "-+01234567890123456789")


def tex_text(value: str) -> str:
    """Prose for LaTeX: specials escaped, the Unicode math the derivations use mapped.

    >>> tex_text("θ ← θ − η∇L, 50% done")
    '$\\\\theta$ $\\\\leftarrow$ $\\\\theta$ $-$ $\\\\eta \\\\nabla L$, 50\\\\% done'

    Raises:
        DeriveError: for a character with no LaTeX spelling in the table.
    """
    out = []
    pieces = _SUBSCRIPTED.split(value)  # identifiers like g_w become math: $g_{w}$
    if len(pieces) > 1:
        for k in range(0, len(pieces) - 1, 3):
            base = "".join(_GREEK.get(c, c) for c in pieces[k + 1])
            sub = "".join(_SUB_TEX.get(c, c) for c in pieces[k + 2]).strip()
            out.append(tex_text(pieces[k]) + f"${base}_{{{sub}}}$")
        return _joined("".join(out) + tex_text(pieces[-1]))
    letters = {m.start() for m in _LETTER.finditer(value)}
    powers = {m.start(): m.group() for m in _POWER.finditer(value)}
    powers |= {m.start(): m.group() for m in _INDEX.finditer(value)}
    skip = 0
    for k, ch in enumerate(value):
        if skip:
            skip -= 1
        elif k in powers:  # H⁻¹, H₁₁: one script, ^{-1} and _{11} (two are a TeX error)
            run = powers[k]
            mark = "_" if run[0] in "₀₁₂₃₄₅₆₇₈₉" else "^"
            out.append(f"${mark}{{{run.translate(_FROM_SUPERSCRIPT)}}}$")
            skip = len(run) - 1
        elif k in letters:  # a variable in prose is italic, as in the equations: $u$, $k$
            out.append(f"${ch}$")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        else:
            raise DeriveError(f"no LaTeX spelling for {ch!r} (U+{ord(ch):04X}) in {value!r}")
    return _joined("".join(out))


def _joined(tex: str) -> str:
    """Adjacent inline maths as one: $u$$^\\top$ is $u ^\\top$ (Markdown reads $$ as a
    display)."""
    joined = re.sub(r"(?<!\\)\$\$", " ", tex)
    return re.sub(r"'\s*\^", "'{}^", joined)  # η′²: a prime then a power, not a double superscript


_TEX_WORDS = {
    r"\mathcal{L}": "ℒ",
    r"\nabla": "∇",
    r"\theta": "θ",
    r"\Theta": "Θ",
    "'": "′",
    r"\eta": "η",
    r"\alpha": "α",
    r"\beta": "β",
    r"\varepsilon": "ε",
    r"\epsilon": "ε",
    r"\delta": "δ",
    r"\tau": "τ",
    r"\sigma": "σ",
    r"^\top": "ᵀ",
    r"\top": "ᵀ",
    r"\|": "‖",
    r"\tfrac12": "½",
    r"\frac12": "½",
    r"\,": " ",
    "^*": "*",
    "^{*}": "*",
}


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _tex_to_text(tex: str) -> str:
    r"""A display name's Unicode spelling: ``\mathcal{L}(\theta + \eta u)`` → ℒ(θ + ηu).

    >>> _tex_to_text(r"s^*_{w}"), _tex_to_text(r"\sigma'(z_{2})")
    ('s*_w', 'σ′(z₂)')
    """
    for word, shown in _TEX_WORDS.items():
        tex = tex.replace(word, shown)
    tex = re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUBSCRIPTS), tex)
    tex = re.sub(r"_\{(\w+)\}", r"_\1", tex)
    tex = re.sub(r"(?<=[ℒθηαβεδτσ∇′Θᵀ]) (?=[A-Za-zθηαβεδτσℒ∇(])", "", tex)
    tex = re.sub(r"\^\{?(\d+)\}?", lambda m: m.group(1).translate(_SUPERSCRIPTS), tex)
    return tex.replace("{", "").replace("}", "").replace("\\", "").replace(" - ", " − ")


class _Shown(sympy.Symbol):
    """A symbol that prints as a given piece of LaTeX (a display name for a subexpression)."""

    def __new__(cls, name: str, tex: str, text: str | None = None) -> _Shown:
        obj = super().__new__(cls, name)
        obj._tex = tex
        obj._text = text if text is not None else _tex_to_text(tex)
        return obj

    def _latex(self, printer: Any) -> str:
        return self._tex


class _Printer(LatexPrinter):
    """The lectures' LaTeX printer (see :mod:`derive.printer`)."""


def latex_expr(expr: Any, names: Mapping[Any, str] | None = None) -> str:
    """LaTeX for an expression, with display names substituted for exact subexpressions.

    >>> import sympy
    >>> w = sympy.Symbol("w")
    >>> latex_expr(w*(w**2 + 1), {w**2 + 1: r"\\mathcal{L}"})
    'w \\\\mathcal{L}'
    """
    return _Printer().doprint(_named(expr, names))


def _named(expr: Any, names: Mapping[Any, str] | None) -> Any:
    """Substitute display names; a named sum also matches inside a larger sum (SymPy
    flattens L + ηuᵀg into one sum), as itself or negated."""
    if not names or not isinstance(expr, sympy.Basic):
        return expr
    # one symbol per display name (SymPy caches symbols by name: a name shared by two
    # display names would let one overwrite the other's LaTeX)
    table: dict[Any, Any] = {
        k: _Shown(f"_shown{i}:{v}", v)
        for i, (k, v) in enumerate(names.items())
        if not is_arguments(k)  # θ = (w, b) names no subexpression
    }
    for key, shown in list(table.items()):  # a named square root also names its reciprocal
        if isinstance(key, sympy.Pow) and key.exp == sympy.S.Half:
            table.setdefault(sympy.Pow(key.base, -sympy.S.Half), 1 / shown)
    for key, shown in table.items():
        if _same(key, expr) and type(key) is type(expr):
            return shown
    # one name at a time, the largest first: a named sum (ℒ) must be matched before a name
    # inside it (z₁ in its exponentials) changes its terms
    for key in sorted(table, key=sympy.count_ops, reverse=True):
        expr = _absorb(expr.xreplace({key: table[key]}), key, table[key])
    return expr


def _absorb(expr: Any, key: Any, shown: Any) -> Any:
    """``key`` named ``shown`` where it is part of a larger sum or product: a subset of a
    sum's terms (as itself or negated: SymPy flattens ℒ + ηuᵀg into one sum), a negated
    product or power among a sum's terms, a subset of a product's factors."""

    def in_sum(e: sympy.Basic) -> sympy.Basic:
        terms = list(e.args)
        if not isinstance(key, sympy.Add):
            if -key in terms:  # a named product or power, negated inside a sum
                terms[terms.index(-key)] = -shown
                return sympy.Add(*terms, evaluate=False)
            return e
        for sign in (1, -1):
            wanted = [sign * a for a in key.args]
            if all(w in terms for w in wanted):
                for w in wanted:
                    terms.remove(w)
                terms.append(sign * shown)
                break
        return sympy.Add(*terms, evaluate=False) if len(terms) != len(e.args) else e

    def in_product(e: sympy.Basic) -> sympy.Basic:
        factors = list(e.args)
        if not all(f in factors for f in key.args):
            return e
        for f in key.args:
            factors.remove(f)
        factors.append(shown)
        return sympy.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]

    if not isinstance(expr, sympy.Basic):
        return expr
    if isinstance(key, sympy.Mul):
        expr = expr.replace(lambda e: isinstance(e, sympy.Mul), in_product)
    return expr.replace(lambda e: isinstance(e, sympy.Add), in_sum)


def _estimate(expr: Any) -> float:
    """Visible width of an expression, in characters: fractions as wide as their wider
    part, exponents and subscripts smaller."""
    if isinstance(expr, _Shown):
        return len(expr._text)
    if isinstance(expr, sympy.Symbol):
        base, _, sub = expr.name.partition("_")
        return (1 if len(base) > 1 and base.isalpha() else len(base)) + 0.7 * len(sub)
    if isinstance(expr, sympy.Rational):
        return max(len(str(abs(expr.p))), len(str(expr.q))) + (1 if expr < 0 else 0)
    if isinstance(expr, sympy.Number) or not isinstance(expr, sympy.Basic) or not expr.args:
        return len(str(expr))
    if isinstance(expr, sympy.Add):
        return sum(_estimate(a) for a in expr.args) + 2.5 * (len(expr.args) - 1)
    if isinstance(expr, sympy.Mul):
        numerator, denominator = sympy.fraction(expr)
        if denominator != 1:
            return max(_estimate(numerator), _estimate(denominator)) + 1
        return sum(_estimate(a) + (2 if isinstance(a, sympy.Add) else 0.5) for a in expr.args)
    if isinstance(expr, sympy.Pow):
        base, exponent = expr.args
        if exponent == sympy.S.Half:  # the radical sign and the space the sum takes under it
            return _estimate(base) * 1.2 + 2.5
        if exponent.is_negative:
            return max(1, _estimate(base**-exponent)) + 1
        return (
            _estimate(base) + (2 if isinstance(base, sympy.Add) else 0) + 0.7 * _estimate(exponent)
        )
    if isinstance(expr, sympy.exp):
        return 1 + 0.7 * _estimate(expr.args[0])
    return len(type(expr).__name__) + sum(_estimate(a) for a in expr.args) + 2


def _lines(expr: Any, width: float, names: Mapping[Any, str] | None) -> list[str]:
    r"""LaTeX for expr, broken into lines of about ``width``: sums between their terms,
    products between their factors, and only then inside a factor's parentheses, which
    are always kept (``\Big(`` … ``\Big)``). Never inside a fraction."""
    shown = _named(expr, names)
    tex = _Printer().doprint(shown)
    if not isinstance(shown, sympy.Basic) or _estimate(shown) <= width:
        return [tex]
    if isinstance(shown, sympy.Add):
        lines, current, current_width = [], "", 0.0
        for k, term in enumerate(ordered_terms(shown)):
            negative = term.could_extract_minus_sign()
            magnitude = -term if negative else term
            pieces = _lines(magnitude, width, None)
            if isinstance(magnitude, sympy.Add):  # a − (b + c), written as such
                pieces = _group(pieces)
            joiner = (" - " if negative else " + ") if k else ("-" if negative else "")
            first = joiner + pieces[0]
            if current and current_width + _estimate(term) + 2.5 > width:
                lines.append(current)
                current, current_width = first, _estimate(term)
            else:
                current += first
                current_width += _estimate(term) + 2.5
            for piece in pieces[1:]:
                lines.append(current)
                current, current_width = piece, width * 0.8
        lines.append(current)
        return lines
    if isinstance(shown, sympy.Mul) and sympy.fraction(shown)[1] == 1:
        sign = "-" if shown.could_extract_minus_sign() else ""
        factors = list((-shown if sign else shown).as_ordered_factors())
        if any(_estimate(f) > width - 4 for f in factors):
            widest = max(factors, key=_estimate)
            if not isinstance(widest, sympy.Add):
                return [tex]
            rest = [f for f in factors if f is not widest]
            prefix = sign + " ".join(_factor_tex(f) for f in rest)
            inner = _lines(widest, width - 4, None)
            if len(inner) == 1:
                return [tex]
            return [f"{prefix} \\Big({inner[0]}", *inner[1:-1], f"{inner[-1]}\\Big)"]
        lines, current, current_width = [], sign, 0.0
        for factor in factors:
            piece = _factor_tex(factor)
            if current.strip("-") and current_width + _estimate(factor) > width:
                lines.append(current + r" \cdot")
                current, current_width = piece, _estimate(factor)
            else:
                current = f"{current} {piece}" if current.strip("-") else current + piece
                current_width += _estimate(factor) + 1
        lines.append(current)
        return lines
    return [tex]


def _factor_tex(factor: Any) -> str:
    """One factor of a product, in parentheses when it is a sum."""
    tex = _Printer().doprint(factor)
    return rf"\left({tex}\right)" if isinstance(factor, sympy.Add) else tex


def _group(lines: list[str]) -> list[str]:
    """Lines of a sum wrapped in one pair of parentheses that may span them."""
    if len(lines) == 1:
        return [rf"\left({lines[0]}\right)"]
    return [rf"\Big({lines[0]}", *lines[1:-1], rf"{lines[-1]}\Big)"]


def _remainder(step: Step, report: Report | None, i: int) -> tuple[Any, int] | None:
    """The O(varᵏ⁺¹) of an '=O' step: as the kernel proved it, else as the rule states it."""
    if step.rel != "=O":
        return None
    if report is not None and report.steps[i].remainder is not None:
        return report.steps[i].remainder
    var, order = getattr(step.rule, "var", None), getattr(step.rule, "order", None)
    return (var, order) if var is not None and order is not None else None


def _relation(step: Step, report: Report | None = None, i: int = 0) -> tuple[str, str]:
    rel = _RELATIONS[step.rel]
    suffix = ""
    remainder = _remainder(step, report, i)
    if remainder is not None:
        var, order = remainder
        suffix = rf" + O\!\left({_Printer().doprint(var)}^{{{order + 1}}}\right)"
    elif step.rel == "=O":
        suffix = r" + O(\dots)"
    local = report.steps[i].local if report is not None else None
    if local is not None:
        var = _Printer().doprint(local)
        suffix += rf" \quad \text{{for every small enough }} {var} > 0"
    return rel, suffix


def _status(report: Report, i: int) -> tuple[str, str]:
    entry = report.steps[i]
    return entry.status, _MARKS[entry.status]


_FACT_RELATIONS = {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "!=": r"\neq"}


def fact_latex(f: Fact, names: Mapping[Any, str] | None = None) -> str:
    r"""A premise's statement in LaTeX (what the kernel uses, whatever its text says).

    >>> import sympy
    >>> print(fact_latex(Fact(sympy.Symbol("eta"), ">", 0, "η > 0")))
    \eta > 0
    """
    if f.rel == ">0":
        return rf"{latex_expr(f.lhs, names)} \succ 0"
    return f"{latex_expr(f.lhs, names)} {_FACT_RELATIONS[f.rel]} {latex_expr(f.rhs, names)}"


_SHOWN_RELATIONS = {**_TEXT_RELATIONS, "!=": "≠"}


def _core(f: Fact) -> str:
    if f.rel == ">0":
        return f"{_plain(f.lhs)} ≻ 0"
    return f"{_plain(f.lhs)} {_SHOWN_RELATIONS[f.rel]} {_plain(f.rhs)}"


def gloss(f: Fact) -> str:
    """A premise's text when it adds a name to its statement ('g ≠ 0'), else ''."""
    return say(f.text) if f.text and f.text != _core(f) else ""


_LOSS_CALLED = re.compile(r"(?<=[∇∂²])L(?![\w′])|(?<![\w′])L(?=′*\()")
_INDEXED = re.compile(r"(?<![\w′])([A-Za-zα-ω])_(\d+)(?!\w)")
"""x_1 in prose: written x₁, as the equations print it."""

_LOSS_ALONE = re.compile(r"(?<![\w′])L(?=\s*[-+−<>≤≥=),.;:]|$)")


def say(prose: str, d: Derivation | None = None) -> str:
    """Prose with the loss written ℒ, as the equations write it: L(…), ∇L, ∂L, ∇²L; and,
    in a derivation whose equations name the loss ℒ, every L standing alone (elsewhere a
    lone L may be a bound, as in a smoothness proof: ‖∇²ℒ‖ ≤ L).

    >>> say("L(θ + ηu) < L(θ) when uᵀ∇L < 0; ‖∇²L‖₂ ≤ L; x_1 = x_0 − α·L′(x_0)")
    'ℒ(θ + ηu) < ℒ(θ) when uᵀ∇ℒ < 0; ‖∇²ℒ‖₂ ≤ L; x₁ = x₀ − α·ℒ′(x₀)'

    A factor L of a product (H = L D Lᵀ) is never the loss.
    """
    prose = _LOSS_CALLED.sub("ℒ", prose)
    prose = _INDEXED.sub(lambda m: m.group(1) + m.group(2).translate(_SUBSCRIPTS), prose)
    if d is not None and any(tex == r"\mathcal{L}" for _, tex in d.names):
        prose = _LOSS_ALONE.sub("ℒ", prose)
    return prose


def statement(f: Fact) -> str:
    """A premise as it is shown: its statement, and its text when that adds a name.

    >>> statement(Fact(sympy.Symbol("eta"), ">", 0, "η > 0"))
    'η > 0'
    >>> statement(Fact(sympy.Symbol("g"), "!=", 0, "not yet at a minimum"))
    'g ≠ 0 (not yet at a minimum)'
    """
    return f"{_core(f)} ({gloss(f)})" if gloss(f) else _core(f)


def conclusion(d: Derivation) -> str:
    """What ``d`` concludes, as plain text: its concluding steps (what the kernel checked),
    then its remark for people.

    >>> from derive.kernel import Sign
    >>> x = sympy.Symbol("x")
    >>> conclusion(Derivation("t", (Step(x**2 + 1, ">", 0, "", Sign()),), remark="so it is positive"))
    'x² + 1 > 0 (step 1). so it is positive'
    """
    report = verify(d)
    names = dict(d.names)
    shown = "; ".join(
        f"{_case_text(report, i)}{_statement_text(d.steps[i], names)} (step {i + 1})"
        for i in _concluded(d)
    )
    return f"{shown}. {say(d.remark, d)}" if d.remark else shown


def _concluded(d: Derivation) -> tuple[int, ...]:
    """The concluding steps; a reference to no step (the report says so) is left out."""
    try:
        return d.concluded()
    except DeriveError:
        return ()


def _concludes(d: Derivation) -> bool:
    """Is there a conclusion to state (not just the one step shown right above it)?"""
    return len(d.steps) > 1 or bool(d.remark) or bool(d.conclusions)


def _case_text(report: Report, i: int) -> str:
    cases = report.steps[i].cases if i < len(report.steps) else ()
    return f"if {' and '.join(_core(f) for f in cases)}: " if cases else ""


def _plain_fact(f: Fact, names: Mapping[Any, str]) -> str:
    return f"{_plain(_named(f.lhs, names))} = {_plain(_named(f.rhs, names))}"


def _statement_text(step: Step, names: Mapping[Any, str] | None = None) -> str:
    suffix = " + O(…)" if step.rel == "=O" else ""
    lhs, rhs = _plain(_named(step.lhs, names)), _plain(_named(step.rhs, names))
    return f"{lhs} {_TEXT_RELATIONS[step.rel]} {rhs}{suffix}"


def _conclusion_tex(
    d: Derivation,
    names: Mapping[Any, str],
    report: Report,
    shown: Collection[int] | None = None,
    remark: bool = True,
) -> str:
    """The concluding steps inline when short (else named by number), then the remark;
    in a brief form only the concluding steps it shows."""
    parts: list[str] = []
    refs: list[int] = []
    for i in _concluded(d):
        if shown is not None and i not in shown:
            continue
        step = d.steps[i]
        rel, suffix = _relation(step, report, i)
        tex = f"{latex_expr(step.lhs, names)} {rel} {latex_expr(step.rhs, names)}{suffix}"
        cases = report.steps[i].cases if i < len(report.steps) else ()
        long_case = any(
            _estimate(_named(f.lhs, names)) + _estimate(_named(f.rhs, names)) > 30 for f in cases
        )
        case = " and ".join(f"${fact_latex(f, names)}$" for f in cases)
        case = ("in its case, " if long_case else f"if {case}: ") if case else ""
        visible = _estimate(_named(step.lhs, names)) + _estimate(_named(step.rhs, names))
        if len(tex) <= 70 and visible <= 30:  # short enough to sit inline in a sentence
            parts.append(f"{case}${tex}$ (step {i + 1})")
        elif case:
            parts.append(f"{case}step {i + 1}")
        else:
            refs.append(i + 1)
    if refs:  # long statements, shown above: named by number, together
        parts.append(f"step {refs[0]}" if len(refs) == 1 else f"steps {_listed(refs)}")
    listed = "; ".join(parts)
    listed = listed[:1].upper() + listed[1:]
    said = say(d.remark, d) if remark and (shown is None or len(d.steps) - 1 in shown) else ""
    if not listed:
        return tex_text(said)
    return f"{listed}. {tex_text(said)}" if said else f"{listed}."


def _listed(numbers: Sequence[int]) -> str:
    """1, 2 and 3."""
    shown = [str(n) for n in numbers]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _premise_groups(
    d: Derivation, report: Report | None = None, shown: Collection[int] | None = None
) -> tuple[list[Fact], list[Fact], list[Fact]]:
    """Standing premises, case hypotheses and definitions, in the derivation's order; with
    ``shown`` steps, only the premises and hypotheses those steps rest on."""
    used: set[Fact] | None = None
    if report is not None and shown is not None and len(shown) < len(d.steps):
        used = set()
        for i in _rests_on(d, shown):
            used |= set(report.steps[i].premises) | set(report.steps[i].cases)
    groups: dict[str, list[Fact]] = {"": [], "hypothesis": [], "definition": []}
    for f in d.assumptions:
        if used is None or f.scope == "definition" or f in used:
            groups[f.scope].append(f)
    return groups[""], groups["hypothesis"], groups["definition"]


def _rests_on(d: Derivation, shown: Collection[int]) -> set[int]:
    """The steps shown and every earlier step they cite, and those cite, …: a step shown
    in a brief form rests on the premises of the hidden steps it follows from too."""
    out: set[int] = set()
    todo = list(shown)
    while todo:
        i = todo.pop()
        if i in out or not 0 <= i < len(d.steps):
            continue
        out.add(i)
        for ref in d.steps[i].rule.premises:
            try:
                todo.append(d.index(ref))
            except DeriveError:
                continue
    return out


def _shown(d: Derivation, only: Collection[str | int] | None) -> list[int]:
    """The indices of the steps to show: all, or those named by label or index."""
    if only is None:
        return list(range(len(d.steps)))
    return sorted({d.index(ref) for ref in only})


def _fact_tex(f: Fact, names: Mapping[Any, str]) -> str:
    core = f"${fact_latex(f, names)}$"
    return f"{core} ({tex_text(gloss(f))})" if gloss(f) else core


def latex(
    d: Derivation,
    *,
    width: float = WIDTH,
    fragment: bool = True,
    only: Collection[str | int] | None = None,
) -> str:
    r"""The derivation in LaTeX: premises first, each step with its reason and the kernel's
    verdict, the conclusion last. The verdict is the kernel's own for exactly this
    derivation: no caller can hand one in.

    ``fragment=True`` (the default) gives what MathJax renders (Sphinx pages, notebooks):
    prose paragraphs between ``align*`` blocks, no ``\intertext``. ``fragment=False`` gives
    one ``align*`` with the prose in ``\intertext`` rows, for pdflatex documents.

    ``only`` (labels or indices): a brief form showing those steps, under their own
    numbers, with the premises they use; the others are checked all the same.
    """
    report = verify(d)
    names = dict(d.names)
    items: list[tuple[str, str]] = []  # ("text", prose) or ("math", align rows)
    visible = _shown(d, only)
    standing, hypotheses, definitions = _premise_groups(d, report, visible)
    if standing:
        items.append(("text", "Assume: " + "; ".join(_fact_tex(f, names) for f in standing) + "."))
    if hypotheses:
        listed = "; ".join(_fact_tex(f, names) for f in hypotheses)
        items.append(("text", f"Case hypotheses, each used only in its case: {listed}."))
    if only is not None:  # the brief form defines only what its steps use
        used = _used(d, visible, names)
        definitions = [f for f in definitions if f.lhs in used]
    if definitions:
        shown = "; ".join(_definition_tex(f, d, names) for f in definitions)
        items.append(("text", f"Write {shown}."))
    where = _where_tex(d, names, _used(d, visible, names) if only is not None else None)
    if where:
        items.append(("text", f"Names: {where}."))
    previous = None
    for i, step in enumerate(d.steps):
        if i not in visible:
            previous = None
            continue
        status, mark = _status(report, i)
        verdict = f", {status}" if status else ""
        items.append(
            (
                "text",
                f"Step {i + 1} ({tex_text(step.rule.name)}{verdict}): {tex_text(say(step.why, d))}",
            )
        )
        rel, suffix = _relation(step, report, i)
        items.append(
            ("math", " \\\\\n".join(_step_rows(step, rel, suffix, mark, previous, width, names)))
        )
        previous = step.rhs
    concluded = _conclusion_tex(d, names, report, visible) if _concludes(d) else ""
    if concluded:
        items.append(("text", rf"\textbf{{Conclusion.}} {concluded}"))
    if fragment:
        blocks = [
            "\n".join((r"\begin{align*}", body, r"\end{align*}"))
            if kind == "math"
            else body.replace(r"\textbf{Conclusion.}", "Conclusion.")
            for kind, body in items
        ]
        return "\n\n".join(blocks) + "\n"
    rows = [r"\begin{align*}"]
    last_math = max((k for k, (kind, _) in enumerate(items) if kind == "math"), default=-1)
    for k, (kind, body) in enumerate(items):
        if kind == "math":
            rows.append(body + (r" \\" if k < last_math or _concludes(d) else ""))
        else:
            rows.append(rf"\intertext{{\small {body}}}")
    rows.append(r"\end{align*}")
    return "\n".join(rows)


def _used(d: Derivation, visible: Collection[int], names: Mapping[Any, str]) -> set[Any]:
    """The symbols and display names (their LaTeX) the visible steps print."""
    used: set[Any] = set()
    for i in visible:
        for side in (d.steps[i].lhs, d.steps[i].rhs):
            shown = _named(side, names)
            if isinstance(shown, sympy.Basic):
                for s in shown.free_symbols:
                    used.add(s._tex if isinstance(s, _Shown) else s)
                    if isinstance(s, _Shown):  # what a name stands for is printed too
                        used |= _used_in_name(s._tex, names)
    return used


def _used_in_name(tex: str, names: Mapping[Any, str]) -> set[Any]:
    """The symbols and the display names (their LaTeX) that the definition of the name
    ``tex`` prints: σ(z₁) = 1/(1 + e^{−z₁}) uses z₁, whose definition is printed too."""
    key = next((k for k, v in names.items() if v == tex), None)
    if not isinstance(key, sympy.Basic):
        return set()
    if call_form(key, tex, tuple(names.items())) is not None:  # ℒ(w + ηu_w, …): its arguments
        return {s for a, _ in arguments(tuple(names.items())) for s in a.free_symbols}
    used: set[Any] = set(key.free_symbols)
    listed = tuple(names.items())
    loss = any(k is key for k, _ in functions(listed))  # a long loss is stated in the text
    if not _defined(key, names) or (loss and not _defined(key)):  # its definition not printed
        return used
    rest = {k: v for k, v in _others(key, names).items() if v != tex}  # as printed
    for s in sympy.sympify(_named(key, rest)).free_symbols:
        if isinstance(s, _Shown) and s._tex != tex:
            used |= {s._tex, *_used_in_name(s._tex, names)}
    return used


def name_definitions(d: Derivation, only: Collection[str | int] | None = None) -> list[str]:
    r"""Each display name the steps print (with ``only``: the steps shown) that stands for a
    short expression, as a LaTeX equation: what a Names line says.

    >>> import sympy
    >>> from derive.kernel import Derivation, Identity, Step
    >>> x = sympy.Symbol("x")
    >>> d = Derivation("t", (Step(x**2 + 1, "=", 1 + x**2, "", Identity()),), names=((x**2 + 1, "q"),))
    >>> name_definitions(d)
    ['q = x^{2} + 1']
    """
    names = dict(d.names)
    used = _used(d, _shown(d, only), names) if only is not None else None
    found = _where_tex(d, names, used)
    return [item.strip("$") for item in found.split("; ")] if found else []


NAMED_WIDTH = WIDTH * 2.5
"""The widest value a Names line spells out (inline maths breaks at + and −, so a long
one runs over two lines of the paragraph)."""


def _defined(key: Any, names: Mapping[Any, str] | None = None, width: float = WIDTH * 0.75) -> bool:
    """Is the name of ``key`` defined on a Names line (short as printed with the other
    names, not a matrix)?"""
    if isinstance(key, sympy.MatrixBase) or is_arguments(key):
        return False
    return _estimate(_named(key, _others(key, names or {}))) <= width


_FACTOR = re.compile(r"^\\[dt]?frac\s*\{?\d+\}?\s*\{?\d+\}?\s*")


_CALL = re.compile(r"^([A-Za-z])\((.+)\)$")


def _at_another_point(tex: str, names: Mapping[Any, str]) -> bool:
    """Is ``tex`` a one-letter function at a point, m(p*), when m(p) is named before it?
    The reader takes m(p*) from m(p) (by components); it is not spelled out again."""
    call = _CALL.match(tex.replace(" ", ""))
    if call is None:
        return False
    texts = list(names.values())
    earlier = (_CALL.match(v.replace(" ", "")) for v in texts[: texts.index(tex)])
    return any(o is not None and o.group(1) == call.group(1) for o in earlier)


def _scaled_copy(tex: str, names: Mapping[Any, str]) -> bool:
    """Is ``tex`` a number times another name (½(p − p*)ᵀH(p − p*))? Its value is then
    read from that name's, and not spelled out again."""
    rest = _FACTOR.sub("", tex)
    return rest != tex and rest in names.values()


def _others(key: Any, names: Mapping[Any, str]) -> dict[Any, str]:
    """The names that may print ``key``'s value: not its own, nor one whose expression is a
    whole part of it (‖g‖ = √(g_w² + g_b²), not √‖g‖²); a name for some of the terms of a
    sum may (m(p) = ℒ + gᵀp + ½pᵀHp)."""
    if not isinstance(key, sympy.Basic):
        return dict(names)
    parts = set(sympy.preorder_traversal(key))
    return {k: v for k, v in names.items() if k is not key and k not in parts}


def _name_tex(key: Any, tex: str, d: Derivation, names: Mapping[Any, str]) -> str | None:
    """What a Names line says of one name: ``ℒ(θ + ηu) = ℒ(w + ηu_w, b + ηu_b)`` (a call
    of a named function, checked), ``ℒ(w, b) = …`` for a function of the parameters,
    ``tex = value`` for a short value; None when it is not printed."""
    called = call_form(key, tex, d.names)
    if called is not None:
        return f"{tex} = {called}"
    if _scaled_copy(tex, names) or _at_another_point(tex, names):
        return None
    if not _defined(key, names, NAMED_WIDTH):
        return None
    value = latex_expr(key, _others(key, names))
    params = parameters(d.names)
    if params is not None and any(k is key for k, _ in functions(d.names)):
        if not _defined(key):  # a long loss is stated in the text, not spelled out here
            return None
        listed = ", ".join(latex_expr(p) for p in params)
        return f"{tex}({listed}) = {value}"
    return f"{tex} = {value}"


def _where_tex(d: Derivation, names: Mapping[Any, str], used: set[Any] | None = None) -> str:
    """The display names that stand for short expressions, each with what it stands for
    (long expressions are named in the text, not expanded; a call of a named function is
    written by its arguments); with ``used``, only the names printed. Functions of the
    parameters (the loss) come first: the other names may call them."""
    shown = []
    called = {id(k) for k, _ in functions(d.names)}
    ordered = sorted(d.names, key=lambda item: id(item[0]) not in called)
    for key, tex in ordered:
        if is_arguments(key) or (used is not None and tex not in used):
            continue
        said = _name_tex(key, tex, d, names)
        if said is not None:
            shown.append(f"${said}$")
    return "; ".join(shown)


def _definition_tex(f: Fact, d: Derivation, names: Mapping[Any, str]) -> str:
    """A definition as maths: ``g_w = ∂ℒ/∂w`` when its value is that derivative of a named
    function (checked), ``name = value`` when the value is short, else its words."""
    written = written_value(f.rhs, d.names)
    if written is not None:
        return f"${latex_expr(f.lhs, names)} = {written}$"
    if _estimate(_named(f.rhs, names)) <= WIDTH * 0.75:
        return f"${fact_latex(f, names)}$"
    return tex_text(say(f.text, d)) if f.text else f"${fact_latex(f, names)}$"


def _step_rows(
    step: Step,
    rel: str,
    suffix: str,
    mark: str,
    previous: Any,
    width: float,
    names: Mapping[Any, str],
) -> list[str]:
    """One step as rows of a single-column alignment: each row's width is its own. Every
    step shows its left side (with its reason between, a row "≤ 1" continuing the last
    step would stand alone); a leading minus is unary (after the alignment point LaTeX
    would space it as binary: "− 1 < 1 − 4α")."""
    tail = suffix + (rf" \quad {mark}" if mark else "")
    lhs = _matrix_or_lines(step.lhs, width, names)
    named_lhs = _named(step.lhs, names)
    lhs_width = (
        _estimate(named_lhs)
        if len(lhs) == 1 and not isinstance(named_lhs, sympy.MatrixBase)
        else width
    )
    room = width - lhs_width - 3
    rhs = _matrix_or_lines(step.rhs, room, names) if lhs_width + 12 < width else []
    unbroken = len(rhs) == 1 and not isinstance(step.rhs, sympy.MatrixBase)
    if rhs and not (unbroken and _estimate(_named(step.rhs, names)) > room):
        rows = [rf"& {lhs[0]} {rel} {rhs[0]}"]
    else:
        rows = [rf"& {lhs[0]}", *(rf"&\quad {line}" for line in lhs[1:])]
        rhs = _matrix_or_lines(step.rhs, width - 4, names)
        rows.append(rf"&\qquad {rel} {rhs[0]}")
    rows += [rf"&\qquad {line}" for line in rhs[1:]]
    rows[-1] += tail
    return rows


def _matrix_or_lines(value: Any, width: float, names: Mapping[Any, str]) -> list[str]:
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):  # one parameter: a number
        return _lines(value[0, 0], width, names)
    if isinstance(value, sympy.MatrixBase):
        return [_Printer().doprint(_named(sympy.ImmutableMatrix(value), names))]
    return _lines(value, width, names)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except TypeError:
        return False


def verify(d: Derivation) -> Report:
    """The kernel's report for exactly ``d`` (cached by content)."""
    return _kernel_verify(d)


def _md_fact(f: Fact, names: Mapping[Any, str]) -> str:
    core = f"${fact_latex(f, names)}$"
    return f"{core} ({gloss(f)})" if gloss(f) else core


_MATH_CHARS = re.compile(r"[^\x00-\x7F’—–…]|[=+<>*/^_\d]|^-$")
_EDGE = re.compile(r"^([(\[]*)(.*?)([:;,.?!]*)$")
_ARTICLES = ("a", "A", "I")


def _mathish(word: str) -> bool:
    """Is this word (its edge punctuation aside) maths rather than prose?"""
    core = _EDGE.match(word).group(2).rstrip(")]")  # type: ignore[union-attr]
    if core.isdigit():
        return False  # "Exercise 1"
    called = re.search(r"[A-Za-z]\(", core) is not None  # f(x
    return bool(core) and (bool(_MATH_CHARS.search(core)) or len(core) == 1 or called)


def md_heading(text: str) -> str:
    r"""A title or heading for Markdown (MyST) with its maths in ``$…$``: each run of
    mathematical words becomes one inline formula (words of prose stay words).

    >>> md_heading("Gradient descent for ℒ(w, b) = (b + wx − y)²")
    'Gradient descent for $\\mathcal{L}(w, b) = (b + wx - y)^2$'
    >>> md_heading("The angle β: how negative can uᵀ∇ℒ be?")
    'The angle $\\beta$: how negative can $u^\\top \\nabla \\mathcal{L}$ be?'
    >>> md_heading("Gradient descent on a disc of radius d")
    'Gradient descent on a disc of radius $d$'
    """
    words = text.split(" ")
    marks = [_mathish(w) for w in words]
    for k, w in enumerate(words):  # an article is prose; a short word between maths is not
        between = 0 < k < len(words) - 1 and marks[k - 1] and marks[k + 1]
        if marks[k] and w in _ARTICLES and not between:
            marks[k] = False
        elif not marks[k] and between and w.isalpha() and not set(w) & set("aeiou"):
            marks[k] = True  # wx in b + wx − y
        elif not marks[k] and k > 0 and marks[k - 1] and _EDGE.match(w).group(2).isdigit():  # type: ignore[union-attr]
            marks[k] = True  # the 1 of w = 1
    out: list[str] = []
    k = 0
    while k < len(words):
        if not marks[k]:
            out.append(words[k])
            k += 1
            continue
        j = k
        while j + 1 < len(words) and marks[j + 1]:
            so_far = " ".join(words[k : j + 1])
            inside = so_far.count("(") > so_far.count(")")  # ℒ(w, b): one formula
            if _EDGE.match(words[j]).group(3) and not inside:  # type: ignore[union-attr]
                break
            j += 1
        run = " ".join(words[k : j + 1])
        lead, core, tail = _EDGE.match(run).groups()  # type: ignore[union-attr]
        if lead and ")" not in core and "]" not in core:
            core, lead = lead + core, ""
        tex = re.sub(r"\$", "", tex_text(lead + core))
        tex = re.sub(r" (?=[\^_])|(?<=[\^_]) ", "", tex)
        out.append(f"${tex}${tail}")
        k = j + 1
    return " ".join(out)


def markdown(d: Derivation, *, only: Collection[str | int] | None = None, level: int = 2) -> str:
    """MyST/Markdown: the title, premises, and each step as a reason and a ``$$`` block,
    with the kernel's own verdicts (``only``: the brief form, as in :func:`latex`)."""
    report = verify(d)
    names = dict(d.names)
    out = [f"{'#' * level} {md_heading(d.title)}", ""]
    shown = _shown(d, only)
    standing, hypotheses, definitions = _premise_groups(d, report, shown)
    if standing:
        out += ["**Assume:** " + "; ".join(_md_fact(f, names) for f in standing) + ".", ""]
    if hypotheses:
        listed = "; ".join(_md_fact(f, names) for f in hypotheses)
        out += [f"**Case hypotheses** (each used only in its case): {listed}.", ""]
    if only is not None:  # as in latex(): the brief form defines only what its steps use
        used = _used(d, shown, names)
        definitions = [f for f in definitions if f.lhs in used]
    if definitions:  # the same words as latex()'s, whose inline maths Markdown reads too
        written = "; ".join(_definition_tex(f, d, names) for f in definitions)
        out += [f"Write {written}.", ""]
    where = _where_tex(d, names, _used(d, shown, names) if only is not None else None)
    if where:
        out += [f"**Names:** {where}.", ""]
    for i, step in enumerate(d.steps):
        if i not in shown:
            continue
        status = f", {report.steps[i].status}"
        rel, suffix = _relation(step, report, i)
        lhs = " ".join(_matrix_or_lines(step.lhs, float("inf"), names))
        rhs = " ".join(_matrix_or_lines(step.rhs, float("inf"), names))
        mark = _VERDICT_MARKS.get(report.steps[i].status, "")
        out += [
            f"{mark + ' ' if mark else ''}**Step {i + 1}** ({step.rule.name}{status}): "
            f"{say(step.why, d)}",
            "",
            f"$$ {lhs} {rel} {rhs}{suffix} $$",
            "",
        ]
    concluded = _conclusion_tex(d, names, report, shown, remark=False) if _concludes(d) else ""
    said = say(d.remark, d) if only is None or len(d.steps) - 1 in shown else ""
    if concluded or said:  # the remark in plain words (tex_text's escapes are not Markdown)
        out += [f"**Conclusion.** {' '.join(p for p in (_untex(concluded), said) if p)}", ""]
    out += [f"*{report.summary()}*", ""]
    return "\n".join(out)


_VERDICT_MARKS = {"proved": "✓", "unproved": "✗", "failed": "✗"}
"""The mark before a step in Markdown and HTML: ✓ proved, ✗ not (a premise: no mark)."""

_HTML_STYLE = {
    "proved": "color:#1a7f37",
    "assumed": "color:#57606a",
    "vacuous": "color:#9a6700",
    "unproved": "color:#cf222e",
    "failed": "color:#cf222e;font-weight:bold",
}


def html(d: Derivation, *, only: Collection[str | int] | None = None) -> str:
    r"""HTML for notebooks and web pages: the title, the premises, each step with the
    kernel's verdict (✓ proved, assumed, ✗ failed or unproved, with the reason) and its
    equation as ``\[ … \]`` for MathJax (no ``\intertext``), the conclusion and the summary.

    >>> import sympy
    >>> from derive.kernel import Derivation, Identity, Step
    >>> x = sympy.Symbol("x", real=True)
    >>> d = Derivation("square", (Step((x + 1)**2, "=", x**2 + 2*x + 1, "expand", Identity()),))
    >>> shown = html(d)
    >>> "✓ proved" in shown and r"\[ \left(x + 1\right)^{2} = x^{2} + 2 x + 1 \]" in shown
    True
    """
    import html as _html

    esc = _html.escape
    report = verify(d)
    names = dict(d.names)
    shown = _shown(d, only)
    summary_style = _HTML_STYLE["proved" if report.ok else "failed"]
    out = ['<div class="derive-derivation">', f"<h3>{esc(d.title)}</h3>"]
    standing, hypotheses, _ = _premise_groups(d, report, shown)
    if standing:
        facts = "; ".join(esc(_html_fact(f, names)) for f in standing)
        out.append(f"<p><b>Assume:</b> {facts}.</p>")
    if hypotheses:
        facts = "; ".join(esc(_html_fact(f, names)) for f in hypotheses)
        out.append(f"<p><b>Case hypotheses</b> (each used only in its case): {facts}.</p>")
    where = _where_tex(d, names, _used(d, shown, names) if only is not None else None)
    if where:
        out.append(f"<p><b>Names:</b> {esc(_inline(where))}.</p>")
    for i, step in enumerate(d.steps):
        if i not in shown:
            continue
        entry = report.steps[i]
        mark = _VERDICT_MARKS.get(entry.status, "")
        verdict = f'<span style="{_HTML_STYLE.get(entry.status, "")}">{mark} {entry.status}</span>'
        rel, suffix = _relation(step, report, i)
        lhs = " ".join(_matrix_or_lines(step.lhs, float("inf"), names))
        rhs = " ".join(_matrix_or_lines(step.rhs, float("inf"), names))
        out.append(
            f"<p><b>Step {i + 1}</b> ({esc(step.rule.name)}, {verdict}): "
            f"{esc(say(step.why, d))}</p>"
        )
        if entry.status not in ("proved", "assumed") and entry.reason:
            out.append(f'<p style="{_HTML_STYLE["failed"]}">↳ {esc(entry.reason)}</p>')
        display = rf"\[ {lhs} {rel} {rhs}{suffix} \]"
        out.append(f"<div>{esc(display)}</div>")
    concluded = _conclusion_tex(d, names, report, shown, remark=False) if _concludes(d) else ""
    said = say(d.remark, d) if only is None or len(d.steps) - 1 in shown else ""
    if concluded or said:
        listed = esc(_inline(_untex(concluded)))
        out.append(f"<p><b>Conclusion.</b> {' '.join(p for p in (listed, esc(said)) if p)}</p>")
    out.append(f'<p style="{summary_style}"><i>{esc(report.summary())}</i></p>')
    out.append("</div>")
    return "\n".join(out)


def _html_fact(f: Fact, names: Mapping[Any, str]) -> str:
    core = rf"\({fact_latex(f, names)}\)"
    return f"{core} ({gloss(f)})" if gloss(f) else core


def _inline(tex: str) -> str:
    r"""``$…$`` inline math as ``\(…\)`` (MathJax's default inline delimiters)."""
    return re.sub(r"\$([^$]+)\$", lambda m: rf"\({m.group(1)}\)", tex)


def _untex(prose: str) -> str:
    """Prose from :func:`tex_text` back to Unicode outside its math (for HTML)."""
    out = prose.replace("\\ldots{}", "…").replace("\\%", "%").replace("\\&", "&")
    return out.replace("\\_", "_").replace("\\#", "#")


def _plain(expr: Any) -> str:
    """One-line Unicode mathematics for terminals and prose (see :mod:`derive.printer`)."""
    return unicode(expr)


TEXT_WIDTH = 100
"""The terminal width text() writes for."""


def text(d: Derivation, *, flat: bool | None = None) -> str:
    """Unicode for a terminal: each numbered step with the kernel's verdict, its reason
    below. A step with a fraction or a raised exponent is drawn in 2-D (the fraction over
    its bar) when that fits :data:`TEXT_WIDTH` columns; ``flat=True`` writes every step
    on one line (``a/b``), wrapped before a top-level + or −. By default (``flat=None``)
    it is flat where standard output cannot show the 2-D box drawing (a non-UTF-8
    terminal, see :mod:`derive.terminal`).

    >>> import sympy
    >>> from derive.kernel import Derivation, Identity, Step
    >>> x = sympy.Symbol("x", real=True)
    >>> step = Step(x / (x**2 + 1) + 1 / (x**2 + 1), "=", (x + 1) / (x**2 + 1), "", Identity())
    >>> d = Derivation("add", (step,))
    >>> print(text(d).splitlines()[2:5])
    ['        x        1      x + 1', '✓  1. ────── + ────── = ──────', '      x² + 1   x² + 1   x² + 1']
    >>> print(text(d, flat=True).splitlines()[2])
    ✓  1. x/(x² + 1) + 1/(x² + 1) = (x + 1)/(x² + 1)
    """
    if flat is None:
        import sys

        from .terminal import unicode_ok

        flat = not unicode_ok(sys.stdout)
    report = verify(d)
    names = dict(d.names)
    out = [d.title, "=" * min(len(d.title), 78)]
    standing, hypotheses, definitions = _premise_groups(d)
    if standing:
        out.append("Assume: " + "; ".join(statement(f) for f in standing))
    if hypotheses:
        listed = "; ".join(statement(f).replace(" [case hypothesis]", "") for f in hypotheses)
        out.append("Case hypotheses (each used only in its case): " + listed)
    if definitions:  # what the steps' names stand for, as Markdown and LaTeX say it
        out.append("Write " + "; ".join(_plain_fact(f, names) for f in definitions))
    for i, step in enumerate(d.steps):
        status = report.steps[i].status
        mark = _TEXT_MARKS.get(status, " ")
        rel = _TEXT_RELATIONS[step.rel]
        suffix = ""
        remainder = _remainder(step, report, i)
        if remainder is not None:
            var, order = remainder
            suffix = f" + O({_plain(var)}{_superscript(order + 1)})"
        elif step.rel == "=O":
            suffix = " + O(…)"
        if report.steps[i].local is not None:
            suffix += f"  (for every small enough {_plain(report.steps[i].local)} > 0)"
        lhs, rhs = _plain(_named(step.lhs, names)), _plain(_named(step.rhs, names))
        head = f"{mark} {i + 1:>2}. {lhs} {rel} "
        drawn = None if flat else _drawn(step, names, f"{mark} {i + 1:>2}. ", rel, suffix)
        out += [drawn] if drawn else _wrap(f"{head}{rhs}{suffix}", TEXT_WIDTH, " " * 9, len(head))
        case = _case_text(report, i)
        case = f"; {case[:-2]}" if case else ""
        out.append(
            f"       {say(step.why, d)}  [{step.rule.name}{', ' + status if status else ''}{case}]"
        )
        if report.steps[i].status not in ("proved", "assumed") and report.steps[i].reason:
            out.append(f"       ↳ {report.steps[i].reason}")
    if _concludes(d):
        out.append(f"Conclusion: {conclusion(d)}")
    out.append(report.summary())
    return "\n".join(out)


_COMPOUND = re.compile(r"\)/|/\(|\^\(")
"""A fraction with a sum above or below its bar, or a compound exponent: worth 2-D."""


def _drawn(step: Step, names: Mapping[Any, str], head: str, rel: str, suffix: str) -> str | None:
    """A step in 2-D when it has a fraction or an exponent to draw and fits the width;
    else None (the caller writes it flat)."""
    from .pretty import join, pretty_form

    lhs, rhs = _named(step.lhs, names), _named(step.rhs, names)
    if not any(_COMPOUND.search(_plain(side)) for side in (lhs, rhs)):
        return None  # x/2, x²: one line reads as well
    drawn = join(head, pretty_form(lhs), f" {rel} ", pretty_form(rhs), suffix)
    lines = drawn.split("\n")
    if max(len(line) for line in lines) > TEXT_WIDTH or len(lines) > 12:
        return None
    return drawn


def _wrap(line: str, width: int, indent: str, keep: int = 0) -> list[str]:
    """``line`` broken before a top-level + or − (outside every bracket, after the first
    ``keep`` characters) once it is wider than ``width``; nothing is ever cut off.

    >>> _wrap("a + (b + c) + d", 8, "  ")
    ['a', '  + (b + c)', '  + d']
    """
    pieces, depth, start = [], 0, 0
    for k, ch in enumerate(line):
        if k < keep:
            continue
        depth += (ch in "([⟨" and 1) or 0
        depth -= (ch in ")]⟩" and 1) or 0
        if depth == 0 and line[k : k + 3] in (" + ", " − ") and k > start:
            pieces.append(line[start:k])
            start = k + 1
    pieces.append(line[start:])
    lines = [pieces[0]]
    for piece in pieces[1:]:
        if len(lines[-1]) + 1 + len(piece) > width:
            lines.append(indent + piece)
        else:
            lines[-1] += " " + piece
    return lines


def _superscript(k: int) -> str:
    """k as Unicode superscript digits, written only when k > 1 (η, η², η³)."""
    return "" if k == 1 else str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def document(
    d: Derivation,
    *,
    objective: Any = None,
    table: Sequence[tuple[Any, ...]] = (),
    table_header: Sequence[str] = (),
) -> str:
    """A standalone .tex file (article, amsmath, amssymb): title, objective, derivation,
    the verification summary and, when given, a table (e.g. the worked iterates)."""
    return document_sections(
        d.title,
        [("Derivation", d)],
        objective=objective,
        table=table,
        table_header=table_header,
    )


def preamble(title: str) -> list[str]:
    r"""The opening lines of every standalone document derive writes (amsmath only).

    >>> preamble("Notes")[4]
    '\\title{Notes}'
    """
    return [
        r"\documentclass[10pt]{article}",
        r"\usepackage{amsmath,amssymb}",
        r"\allowdisplaybreaks",
        r"\setlength{\emergencystretch}{3em}",  # a long Names line: loose, never over the margin
        rf"\title{{{tex_text(title)}}}",
        r"\author{derive}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
    ]


def document_sections(
    title: str,
    sections: Sequence[tuple[str, Derivation]],
    *,
    intro: str = "",
    objective: Any = None,
    remarks: Sequence[str] = (),
    table: Sequence[tuple[Any, ...]] = (),
    table_header: Sequence[str] = (),
) -> str:
    """A standalone .tex file of several verified derivations, one section each."""
    parts = preamble(title)
    if intro:
        parts.append(tex_text(intro))
    if objective is not None:
        lines = _lines(objective.expr, WIDTH, None)
        parts += [
            r"\section*{Objective}",
            r"\begin{align*}",
            r"& \mathcal{L} = " + " \\\\\n&\\qquad ".join(lines),
            r"\end{align*}",
        ]
    for heading, d in sections:
        parts += [rf"\section*{{{tex_text(heading)}}}", latex(d, fragment=False)]
    if table:
        parts += [
            r"\section*{Worked example}",
            r"\begin{center}",
            rf"\begin{{tabular}}{{{'r' * len(table_header)}}}",
        ]
        parts.append(" & ".join(tex_text(h) for h in table_header) + r" \\ \hline")
        parts += [
            " & ".join(f"${_Printer().doprint(sympy.sympify(c))}$" for c in row) + r" \\"
            for row in table
        ]
        parts += [r"\end{tabular}", r"\end{center}"]
    if remarks:
        parts += [
            r"\section*{Remarks}",
            r"\begin{itemize}",
            *(rf"\item {tex_text(r)}" for r in remarks),
            r"\end{itemize}",
        ]
    parts.append(r"\section*{Verification}")
    for heading, d in sections:
        report = verify(d)
        parts += [
            rf"\paragraph{{{tex_text(heading)}.}} {tex_text(report.summary())}.",
            r"\begin{center}",
            r"\begin{tabular}{rll}",
            r"step & rule & status \\ \hline",
            *(
                f"{s.index + 1} & {tex_text(s.rule)} & {tex_text(s.status)} \\\\"
                for s in report.steps
            ),
            r"\end{tabular}",
            r"\end{center}",
        ]
    parts += [r"\end{document}", ""]
    return "\n".join(parts)


def step_latex(
    step: Step,
    names: Mapping[Any, str] | None = None,
    remainder: tuple[Any, int] | None = None,
    *,
    local: Any = None,
) -> str:
    """One step as a single LaTeX equation: ``lhs rel rhs`` (with O(·) for truncations).

    >>> import sympy
    >>> from derive.kernel import Identity, Step
    >>> x = sympy.Symbol("x")
    >>> step_latex(Step(x**2, "<=", x**2 + 1, "", Identity()))
    'x^{2} \\\\le x^{2} + 1'
    """
    rel, suffix = _relation(step)
    if remainder is not None:
        var, order = remainder
        suffix = rf" + O\!\left({_Printer().doprint(var)}^{{{order + 1}}}\right)"
    if local is not None:  # the kernel proved it for every small enough var only
        suffix += rf" \quad \text{{for every small enough }} {_Printer().doprint(local)} > 0"
    return f"{latex_expr(step.lhs, names)} {rel} {latex_expr(step.rhs, names)}{suffix}"
