"""The allowlisted grammar of lecture-note LaTeX maths, and the caps checked before it runs.

One row of a display (an ``align`` row, or a whole ``$$…$$``) is scanned first: its
length, its nesting depth and every control sequence in it are checked against an
allowlist, so that macros, ``\\input``, ``\\def`` and absurd nesting are refused in
linear time, before Lark's LALR parser (also linear) builds a tree. Nothing is ever
evaluated: :mod:`.latex` walks the tree and builds SymPy objects itself.

>>> tree = parse_row(r"\\frac{x}{2} \\le x^2")
>>> [str(child.data) for child in tree.children[0].children]
['frac', 'conn', 'pow']
>>> parse_row(r"\\def\\x{1}")
Traceback (most recent call last):
...
derive.errors.ParseError: \\def is refused: derive check reads standard LaTeX maths only...
"""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Lark, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from ..errors import ParseError

__all__ = [
    "FUNCTIONS",
    "GREEK",
    "HOSTILE",
    "MAX_DEPTH",
    "MAX_ROW",
    "check_document",
    "parse_row",
]

MAX_ROW = 4000
"""Longest row of maths read, in characters."""
MAX_DEPTH = 40
"""Deepest nesting of braces, parentheses and \\left … \\right."""
MAX_DOCUMENT = 1_000_000
"""Longest document read, in characters."""

GREEK = {
    name: chr(code)
    for name, code in {
        "alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "epsilon": 0x3F5,
        "varepsilon": 0x3B5, "zeta": 0x3B6, "eta": 0x3B7, "theta": 0x3B8, "vartheta": 0x3D1,
        "iota": 0x3B9, "kappa": 0x3BA, "lambda": 0x3BB, "mu": 0x3BC, "nu": 0x3BD,
        "xi": 0x3BE, "rho": 0x3C1, "varrho": 0x3F1, "sigma": 0x3C3, "tau": 0x3C4,
        "upsilon": 0x3C5, "phi": 0x3D5, "varphi": 0x3C6, "chi": 0x3C7, "psi": 0x3C8,
        "omega": 0x3C9, "Gamma": 0x393, "Delta": 0x394, "Theta": 0x398, "Lambda": 0x39B,
        "Xi": 0x39E, "Sigma": 0x3A3, "Upsilon": 0x3A5, "Phi": 0x3A6, "Psi": 0x3A8,
        "Omega": 0x3A9,
    }.items()
}  # fmt: skip
"""Greek letters by their LaTeX names (π is the constant, not a letter)."""
FUNCTIONS: tuple[str, ...] = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos")
FUNCTIONS += ("arctan", "ln", "log", "exp")
RELATIONS = {
    "=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=",
    r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\ge": ">=", r"\geq": ">=",
    r"\geqslant": ">=", r"\ne": "!=", r"\neq": "!=", r"\approx": "~", r"\lt": "<",
    r"\gt": ">", r"\succ": ">0",
}  # fmt: skip
r"""Relation spellings → '=', '<', '<=', '>', '>=', '!=', '~' (≈, reported, never proved) or
'>0' (``H \succ 0``: a matrix positive definite, read as a premise)."""
ARROWS = {
    r"\implies": "=>", r"\Rightarrow": "=>", r"\Longrightarrow": "=>", r"\iff": "<=>",
    r"\Leftrightarrow": "<=>", r"\Longleftrightarrow": "<=>",
}  # fmt: skip
SPACING = ("quad", "qquad", "text", "mbox", "textrm", "textit", "emph", "mathrm", "operatorname")
"""Separators and wrappers: \\quad and \\text{…} separate statements; \\mathrm{d} is d."""
ALLOWED = frozenset(
    (
        *GREEK,
        *FUNCTIONS,
        *SPACING,
        *("frac", "dfrac", "tfrac", "sqrt", "cdot", "times", "left", "right", "partial", "pi"),
        *("mathcal", "ldots", "cdots", "dots", "big", "Big", "bigg", "Bigg", "bigl", "bigr"),
        *("Bigl", "Bigr", "displaystyle", "nonumber", "notag", "newline", "cr", "checkmark"),
        *("top", "intercal", "nabla", "sum", "ast", "star", "lVert", "rVert", "substack", "end"),
        *(a[1:] for a in ARROWS),
        *(r[1:] for r in RELATIONS if "\\" in r),
    )
)
"""Every control word the reader knows; any other is refused by name."""
HOSTILE = frozenset(
    (
        *("def", "edef", "gdef", "xdef", "let", "futurelet", "newcommand", "renewcommand"),
        *("providecommand", "DeclareMathOperator", "newenvironment", "renewenvironment"),
        *("input", "include", "includeonly", "InputIfFileExists", "write", "immediate"),
        *("openin", "openout", "read", "catcode", "csname", "expandafter", "directlua"),
        *("special", "loop", "makeatletter", "usepackage", "RequirePackage", "lowercase"),
        *("uppercase", "scantokens", "everymath", "everydisplay", "jobname", "ShellEscape"),
    )
)
"""Control words that define macros, read files or run code: a document containing one of
them anywhere is refused (derive check never follows or expands them)."""

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_HOSTILE_IN_DOCUMENT = re.compile(
    r"\\(" + "|".join(sorted(HOSTILE - {"usepackage"})) + r")(?![A-Za-z])"
)

GRAMMAR = r"""
row: sep? [stmt (sep stmt)* sep?]
sep: (_SEP | TEXT)+
stmt: conn? expr (conn expr)*
conn: REL | ARROW

?expr: sum
?sum: product
    | sum PLUS product   -> add
    | sum MINUS product  -> sub
    | MINUS product      -> neg
    | PLUS product       -> pos
?product: factor
    | product MUL factor     -> mul
    | product DIV factor     -> div
    | product implicit       -> juxt
?implicit: power_nobar
?factor: power | abs_power
abs_power: abs | abs "^" sup -> pow_abs
abs: BAR expr BAR

?power_nobar: postfix
    | postfix "^" sup  -> pow
?power: power_nobar
?postfix: atom
    | atom BANG -> factorial
    | atom TRANSPOSE -> transpose
sup: SUPCHAR | name | group | NUMSUP
?atom: number | name | group | paren | frac | sqrt | func | PARTIAL -> partial
     | ELLIPSIS -> ellipsis | PI -> pi | LEFTBAR expr RIGHTBAR -> abs
     | NORM -> norm | NABLA -> nabla | sum_op | EVALOPEN expr EVALCLOSE -> evaluate
     | MATRIX -> matrix | LPAR MATRIX RPAR -> matrix
sum_op: SUM "_" SUBBRACED "^" sup
number: NUMBER
name: letter (sub | STAR)* PRIME*
letter: LETTER | GREEKCMD | UNIGREEK | MATHCAL SUBBRACED | MATHRM SUBBRACED
sub: "_" (SUBCHAR | SUBBRACED | GREEKCMD)
group: "{" expr "}"
paren: LPAR expr (_SEP expr)* RPAR
frac: FRAC "{" expr "}" "{" expr "}"
    | FRAC FRACDIGITS -> frac_digits
sqrt: SQRT ("[" expr "]")? "{" expr "}"
func: FUNC ("^" sup)? power_nobar

REL: "<=" | ">=" | "!=" | "=" | "<" | ">" | /\\(leqslant|geqslant|leq|geq|le|ge|neq|ne|approx|lt|gt|succ)(?![A-Za-z])/
ARROW: /\\(implies|Longrightarrow|Rightarrow|iff|Longleftrightarrow|Leftrightarrow)(?![A-Za-z])/
_SEP: "," | ";" | "." | /\\(qquad|quad)(?![A-Za-z])/
TEXT: /\\(text|mbox|textrm|textit|emph)\s*\{[^{}]*\}/
PLUS: "+"
MINUS: "-"
MUL: /\\(cdot|times)(?![A-Za-z])/ | "*"
DIV: "/"
BANG: "!"
BAR: "|"
LEFTBAR: /\\left\s*\|/
RIGHTBAR: /\\right\s*\|/
LPAR: /\\left\s*[(\[]/ | /\\[bB]igg?l?\s*[(\[]/ | "(" | "["
RPAR: /\\right\s*[)\]]/ | /\\[bB]igg?r?\s*[)\]]/ | ")" | "]"
FRAC: /\\[dt]?frac(?![A-Za-z])/
FRACDIGITS: /\s*[0-9][0-9]/
SQRT: /\\sqrt(?![A-Za-z])/
FUNC.2: /\\(sinh|cosh|tanh|sin|cos|tan|arcsin|arccos|arctan|ln|log|exp)(?![A-Za-z])/ | /(?<![A-Za-z\\])(sinh|cosh|tanh|sin|cos|tan|exp|log|ln)(?=\s*[({\\A-Za-z0-9])/
PARTIAL: /\\partial(?![A-Za-z])/
ELLIPSIS: /\\(ldots|cdots|dots)(?![A-Za-z])/ | "..."
PI: /\\pi(?![A-Za-z])/
GREEKCMD: /\\(varepsilon|epsilon|vartheta|varrho|varphi|upsilon|Upsilon|alpha|beta|gamma|delta|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|rho|sigma|tau|phi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Sigma|Phi|Psi|Omega)(?![A-Za-z])/
UNIGREEK: /[\u0391-\u03a9\u03b1-\u03c9\u03d1\u03d5\u03f1\u03f5]/
MATHCAL: /\\mathcal(?![A-Za-z])\s*/
MATHRM: /\\mathrm(?![A-Za-z])\s*/
LETTER: /[A-Za-z]/
PRIME: "'"
STAR.2: /\^\s*(\*|\{\s*\*\s*\}|\\ast(?![A-Za-z])|\\star(?![A-Za-z])|\{\s*\\(ast|star)\s*\})/
TRANSPOSE.2: /\^\s*(\\top(?![A-Za-z])|\\intercal(?![A-Za-z])|T(?![A-Za-z0-9])|\{\s*(\\top|\\intercal|T)\s*\})/
NORM: /\\\|(?:[^\\|]|\\(?!\|))*?\\\|/ | /\\lVert(?:(?!\\rVert).)*?\\rVert/ | /\\left\s*\\\|(?:(?!\\right).)*?\\right\s*\\\|/
NABLA: /\\nabla(?![A-Za-z])(\s*_\s*(\{[^{}]*\}|[A-Za-z]))?(\s*\^\s*(\{\s*2\s*\}|2))?/
SUM: /\\sum(?![A-Za-z])/
EVALOPEN: /\\left\s*\./
EVALCLOSE.3: /\\right\s*\|\s*_\s*(\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z0-9])/
MATRIX: /\\begin\{([pbvBV]?matrix)\}(?:(?!\\(begin|end)\{).)*\\end\{[pbvBV]?matrix\}/s
NUMBER: /[0-9]+(\.[0-9]+)?/
NUMSUP: /[0-9]/
SUPCHAR: /[A-Za-z]/
SUBCHAR: /[A-Za-z0-9]/
SUBBRACED: /\{(?:[^{}]|\{[^{}]*\})*\}/

IGNORED: /\s+/ | /\\[,;:! ]/ | /\\(displaystyle|nonumber|notag|checkmark)(?![A-Za-z])/ | "&" | "~"
%ignore IGNORED
"""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, start="row", parser="lalr", lexer="contextual", propagate_positions=True)


def check_document(text: str) -> None:
    """Refuse, before any reading, a document that is too long or that defines macros,
    reads files or runs code (``\\def``, ``\\newcommand``, ``\\input``, ``\\write`` …).

    >>> check_document(r"Let $x > 0$.")
    >>> check_document(r"\\input{/etc/passwd}")
    Traceback (most recent call last):
    ...
    derive.errors.ParseError: \\input at line 1 is refused: derive check reads standard LaTeX ...
    """
    if not isinstance(text, str):
        raise ParseError(f"a document is text, not {type(text).__name__}")
    if len(text) > MAX_DOCUMENT:
        raise ParseError(f"the document has {len(text)} characters, over the cap of {MAX_DOCUMENT}")
    found = _HOSTILE_IN_DOCUMENT.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise ParseError(
            f"\\{found.group(1)} at line {line} is refused: derive check reads standard LaTeX "
            "maths only, and never defines, expands or follows macros or files"
        )


def prescan(text: str) -> None:
    """The caps and the allowlist for one row, in one linear pass (no parsing yet)."""
    if len(text) > MAX_ROW:
        raise ParseError(f"a row of maths has {len(text)} characters, over the cap of {MAX_ROW}")
    depth = deepest = 0
    for match in re.finditer(r"\\left\b|\\right\b|[{}()\[\]]", text):
        token = match.group()
        opening = token in ("{", "(", "[", r"\left")
        if token in ("(", "[", ")", "]") and text[max(0, match.start() - 5) : match.start()] in (
            r"\left",
            "right",
        ):
            continue  # the bracket of \left( counts once, with \left
        depth += 1 if opening else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise ParseError(f"the maths is nested more than {MAX_DEPTH} deep: refused")
    for match in _COMMAND.finditer(text):
        word = match.group(1)
        if word in HOSTILE:
            raise ParseError(
                f"\\{word} is refused: derive check reads standard LaTeX maths only, and never "
                "defines, expands or follows macros or files"
            )
        if word == "begin":
            env = re.match(r"\s*\{([^{}]*)\}", text[match.end() :])
            if env and re.fullmatch(r"[pbvBV]?matrix", env.group(1)):
                continue
            raise ParseError(
                f"\\begin{{{env.group(1) if env else ''}}} (matrices, cases, arrays) is outside "
                "the maths derive check reads"
            )
        if word.isalpha() and word not in ALLOWED:
            raise ParseError(
                f"\\{word} is not in the maths derive check reads (numbers, letters, Greek, "
                "\\frac, \\sqrt, powers, \\sin … \\exp, derivatives, O(…) and relations)"
            )


def parse_row(text: str) -> Tree:
    """The syntax tree of one row of maths (statements separated by ',', \\quad or \\text).

    Raises :class:`~derive.errors.ParseError` naming what was refused and where.
    """
    prescan(text)
    try:
        return _parser().parse(text)
    except UnexpectedCharacters as exc:
        raise ParseError(
            f"unexpected {text[exc.pos_in_stream or 0 :][:12]!r} at column {exc.column}",
            text=text,
            column=exc.column,
        ) from None
    except UnexpectedInput as exc:
        column = getattr(exc, "column", None)
        token = getattr(exc, "token", None)
        where = f" at column {column}" if isinstance(column, int) and column > 0 else ""
        found = (
            "the end of the maths" if token is None or token.type == "$END" else repr(str(token))
        )
        raise ParseError(
            f"cannot read {found}{where}", text=text, column=column if where else None
        ) from None
    except (LarkError, RecursionError) as exc:
        raise ParseError(f"cannot read the maths: {type(exc).__name__}") from None
