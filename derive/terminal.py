"""Terminals that cannot show Unicode: derive's text is written in ASCII there instead of
failing (η is eta, ℒ is L, x² is x^2, ✓ is ok), and derivations are written flat (one
line a step: a 2-D fraction needs its box-drawing bar).

>>> ascii_text("✓  1. ℒ(θ + ηu) − ℒ ≤ ηuᵀg + O(η²)")
'ok  1. L(theta + eta u) - L <= eta u^T g + O(eta^2)'
"""

from __future__ import annotations

import codecs
import re
from typing import Any, TextIO

__all__ = ["ASCII", "ascii_text", "guard", "unicode_ok"]

_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "eps",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Δ": "Delta",
    "Θ": "Theta",
    "Σ": "Sigma",
}

ASCII = {
    **_GREEK,
    "ℒ": "L",
    "∇": "grad",
    "∂": "d",
    "−": "-",
    "·": "*",
    "⋅": "*",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "≈": "~",
    "≪": "<<",
    "≻": ">",
    "‖": "||",
    "ᵀ": "^T",
    "√": "sqrt",
    "½": "1/2",
    "✓": "ok",
    "✔": "ok",
    "✗": "x",
    "•": "*",
    "′": "'",
    "…": "...",
    "∞": "inf",
    "←": "<-",
    "→": "->",
    "⇒": "=>",
    "↳": "->",
    "∈": " in ",
    "ℝ": "R",
    "⟨": "<",
    "⟩": ">",
    "°": " deg",
    "“": '"',
    "”": '"',
    "’": "'",
    "–": "-",
    "—": "-",
    "─": "-",
    "⎛": "(",
    "⎝": "(",
    "⎜": "|",
    "⎞": ")",
    "⎠": ")",
    "⎟": "|",
    "⎡": "[",
    "⎣": "[",
    "⎢": "|",
    "⎤": "]",
    "⎦": "]",
    "⎥": "|",
    "ℯ": "e",
}
"""ASCII spellings of the characters derive prints (anything else becomes '?')."""

_LETTERS = {*_GREEK, "ℒ", "∇", "∂"}
"""Characters spelled as (or starting) a word: kept apart from a word before them."""

_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))
_SCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+|[₀₁₂₃₄₅₆₇₈₉]+")


def ascii_text(text: str, before: str = "", after: str = "") -> str:
    """``text`` with every non-ASCII character spelled in ASCII (see :data:`ASCII`); a
    spelled word is kept apart from the letters around it (ηu is 'eta u'), ``before``
    and ``after`` being the characters around ``text``."""
    text = _SCRIPTS.sub(
        lambda m: (
            ("^" if m.group()[0] in _SUPERSCRIPT else "_")
            + "".join(_SUPERSCRIPT.get(c) or _SUBSCRIPT[c] for c in m.group())
        ),
        text,
    )
    out: list[str] = []
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            out.append(ch)
            continue
        word = ASCII.get(ch, "?")
        left = out[-1][-1:] if out else before[-1:]
        right = text[i + 1 : i + 2] or after[:1]
        if len(word) > 1 and word[0].isalpha() and left.isalnum():
            word = " " + word
        if len(word) > 1 and word[-1].isalpha() and (right.isalnum() or right in _LETTERS):
            word += " "
        out.append(word)
    return "".join(out)


def _handler(error: UnicodeError) -> tuple[str, int]:
    """The 'derive-ascii' codec error handler: what cannot be encoded is spelled."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    whole, start, end = error.object, error.start, error.end
    return ascii_text(whole[start:end], whole[start - 1 : start], whole[end : end + 1]), end


codecs.register_error("derive-ascii", _handler)


def unicode_ok(stream: Any) -> bool:
    """Can ``stream`` show derive's characters (ℒ, η, ², the 2-D fraction bar)?"""
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # a text buffer (StringIO, a notebook): any character goes
        return True
    try:
        "ℒη²─⎛✓".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def guard(stream: TextIO) -> None:
    """Let ``stream`` write derive's text in ASCII when it cannot show Unicode, instead
    of failing with UnicodeEncodeError."""
    if not unicode_ok(stream) and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="derive-ascii")
