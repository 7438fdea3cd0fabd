"""Syntax trees of lecture-note maths → SymPy objects, built node by node (never ``eval``).

:func:`read_row` turns one row into statements: sequences of terms and connectives
(relations, ⟹, ⟺). Names are kept readable (``x_1``, ``θ_new``, ``ℒ``); decimals are
exact; ``\\frac{d}{dx}``, ``\\frac{\\partial^2 f}{\\partial w \\partial b}`` and ``f'(x)``
are derivatives; ``O(x^k)`` is an inert :class:`BigO` term; ``f(x)`` calls a function the
text defined, or stays an undefined function (which the judge treats as an arbitrary one).
Exponents, factorials and polynomial degrees are capped before SymPy computes anything.

>>> [[str(p.value) for p in s.pieces] for s in read_row(r"\\frac{1}{2}x^2 \\le 0.5 x^{2}")]
[['x**2/2', '<=', 'x**2/2']]
>>> read_row(r"\\frac{d}{dx} x^3 = 3x^2")[0].pieces[0].value
Derivative(x**3, x)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy
from lark import Token, Tree

from ..errors import ParseError
from .grammar import ARROWS, GREEK, RELATIONS, parse_row

__all__ = ["CALLABLE", "OPAQUE", "UNSTATED", "BigO", "Piece", "Scope", "Statement", "label"]
__all__ += ["pretty", "read_row", "words"]

CALLABLE = frozenset("fghFGHLJℒ")
"""Letters read as functions when a parenthesis follows (``L(θ)``); any other letter
multiplies (``u(θ_1 - a)``) unless the text defined it as a function or the parenthesis
holds several arguments."""
MAX_EXPONENT = 1000
MAX_DEGREE = 200
"""Largest polynomial degree an expression may reach (``(x+1)^{200}`` is fine)."""
MAX_BITS = 20_000
"""Largest size, in bits, of a number computed from a power of numbers."""
MAX_DIGITS = 40
UNSTATED = sympy.Symbol("…")
"""The value of ``\\ldots``: terms the author left out (nothing can be proved with it)."""


class BigO(sympy.Function):
    """An inert ``O(var^k)``: args (var, k). The judge turns ``= … + O(x^k)`` into a
    truncation step; SymPy's own ``Order`` would silently absorb terms."""

    nargs = 2

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return rf"O\left({printer._print(self.args[0] ** self.args[1])}\right)"


@dataclass(frozen=True)
class Scope:
    """What earlier text defined: functions (name → parameters, body) and symbols
    (symbol → value), used to read calls and derivatives of later rows."""

    functions: Mapping[str, tuple[tuple[sympy.Symbol, ...], Any]] = field(default_factory=dict)
    values: Mapping[sympy.Symbol, Any] = field(default_factory=dict)
    labels: Mapping[str, sympy.Symbol] = field(default_factory=dict)
    """Written forms (normalised by :func:`label`) that name one symbol: ``\\|g\\|^2``,
    ``\\mathcal{L}(\\theta + \\eta u)`` once the text gave them a value."""
    declared: frozenset[str] = frozenset()
    """Functions a row defines (``\\sigma(z) = …``), callable before their definition."""

    def define_function(self, name: str, params: tuple[sympy.Symbol, ...], body: Any) -> Scope:
        """A new scope where ``name(params) = body`` (earlier definitions that called the
        still undefined ``name`` now call this one)."""

        def resolve(value: Any) -> Any:
            if not isinstance(value, sympy.Basic):
                return value
            return value.replace(
                lambda e: (
                    isinstance(e, sympy.core.function.AppliedUndef)
                    and str(e.func) == name
                    and len(e.args) == len(params)
                ),
                lambda e: body.xreplace(dict(zip(params, e.args, strict=True))),
            )

        functions = {k: (p, resolve(b)) for k, (p, b) in self.functions.items()}
        values = {k: resolve(v) for k, v in self.values.items()}
        return Scope(
            {**functions, name: (params, body)}, values, self.labels, self.declared | {name}
        )

    def define_value(self, symbol: sympy.Symbol, value: Any) -> Scope:
        """A new scope where ``symbol = value``."""
        return Scope(self.functions, {**self.values, symbol: value}, self.labels, self.declared)

    def define_label(self, written: str, symbol: sympy.Symbol, value: Any) -> Scope:
        """A new scope where the written form ``written`` is ``symbol``, equal to ``value``."""
        return Scope(
            self.functions,
            {**self.values, symbol: value},
            {**self.labels, label(written): symbol},
            self.declared,
        )

    def declare(self, names: frozenset[str]) -> Scope:
        """A new scope where ``names`` are read as functions when a parenthesis follows."""
        return Scope(self.functions, self.values, self.labels, self.declared | names)


@dataclass(frozen=True)
class Piece:
    """A term (``kind`` 'term', ``value`` a SymPy expression) or a connective (``kind``
    'rel' with value '=', '<', '<=', '>', '>=', '!=', '~'; or 'arrow' with '=>', '<=>'),
    with its text and its 0-based offsets in the row."""

    kind: str
    value: Any
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    """Pieces of one statement, in order (a statement may start with a connective, which
    continues the previous row's chain). ``note`` is the text (``\\text{…}``) written
    just before it, ``after`` the text just after it."""

    pieces: tuple[Piece, ...]
    note: str = ""
    after: str = ""


_WORDS = re.compile(r"\\[A-Za-z]+\s*\{([^{}]*)\}")


def words(text: str) -> str:
    """The words of ``\\text{…}`` pieces (``\\text{for every } x`` → 'for every')."""
    return " ".join(" ".join(m.group(1) for m in _WORDS.finditer(text)).split())


def label(written: str) -> str:
    """A written form normalised for comparison: no spaces, braces, sizes or spacing.

    >>> label(r"\\left\\| g \\right\\|^{2}") == label(r"\\|g\\|^2")
    True
    """
    text = re.sub(r"\\(left|right|[bB]igg?[lr]?)(?![A-Za-z])|\\[,;:!]", "", written)
    text = text.replace(r"\lVert", r"\|").replace(r"\rVert", r"\|")
    return re.sub(r"[\s{}]", "", text)


def pretty(written: str) -> str:
    """A readable name for a written form: ``u^\\top g`` → 'uᵀg', ``\\|g\\|`` → '‖g‖'."""
    text = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), "\\" + m.group(1)), written)
    text = label(text)
    for spelled, shown in (
        (r"^\top", "ᵀ"), (r"^\intercal", "ᵀ"), (r"\|", "‖"), (r"\nabla", "∇"),
        (r"\cdot", "·"), (r"^*", "*"), (r"\partial", "∂"),
    ):  # fmt: skip
        text = text.replace(spelled, shown)
    text = re.sub(r"\\mathcal([A-Za-z])", lambda m: _script(m.group(1)), text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), m.group(1)), text)
    return text


OPAQUE = ("‖", "ᵀ", "∇", "(")
"""Characters that mark a symbol standing for a written form (a norm, a product with a
transpose, a gradient, a call the text named): it is an arbitrary value unless defined."""


def read_row(text: str, scope: Scope | None = None) -> tuple[Statement, ...]:
    """The statements of one row of maths (see the module docstring)."""
    tree = parse_row(text)
    reader = _Reader(text, scope or Scope())
    out: list[Statement] = []
    note = ""
    for stmt in tree.children:
        if isinstance(stmt, Tree) and stmt.data == "sep":
            shown = " ".join(str(t) for t in stmt.children if isinstance(t, Token))
            if out and not out[-1].after:
                last = out[-1]
                out[-1] = Statement(last.pieces, last.note, words(shown))
            note = words(shown)
            continue
        if not isinstance(stmt, Tree):
            continue
        pieces = []
        for child in stmt.children:
            if isinstance(child, Tree) and child.data == "conn":
                token = child.children[0]
                assert isinstance(token, Token)
                spelled = str(token).strip()
                kind = "arrow" if token.type == "ARROW" else "rel"
                value = ARROWS[spelled] if kind == "arrow" else RELATIONS[spelled]
                pieces.append(Piece(kind, value, spelled, token.start_pos or 0, token.end_pos or 0))
            else:
                start, end = _span(child)
                value = reader.term(child)
                pieces.append(Piece("term", value, text[start:end].strip(), start, end))
        out.append(Statement(tuple(pieces), note))
        note = ""
    return tuple(out)


def _span(node: Any) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.start_pos or 0, node.end_pos or 0
    return node.meta.start_pos, node.meta.end_pos


def _script(letter: str) -> str:
    for prefix in ("MATHEMATICAL SCRIPT CAPITAL ", "SCRIPT CAPITAL "):
        try:
            return unicodedata.lookup(prefix + letter)
        except KeyError:
            continue
    return f"𝓈{letter}"


class _Derivative:
    """A derivative operator ``d/dx`` waiting for its operand (the factors after it)."""

    def __init__(self, variables: list[tuple[sympy.Symbol, int]]) -> None:
        self.variables = variables


class _Reader:
    def __init__(self, text: str, scope: Scope) -> None:
        self.text, self.scope = text, scope

    def fail(self, node: Any, message: str) -> ParseError:
        start, _ = _span(node) if node is not None else (0, 0)
        return ParseError(message, text=self.text, column=start + 1)

    # ---- expressions ------------------------------------------------------------------
    def expr(self, node: Any) -> Any:
        value = self.value(node)
        if isinstance(value, _Derivative):
            raise self.fail(node, "a derivative operator needs something to differentiate")
        if isinstance(value, tuple):
            raise self.fail(
                node, "a list in parentheses is not a value (only a function's arguments)"
            )
        if isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan, sympy.oo):
            raise self.fail(node, "division by zero")
        return value

    def term(self, node: Any) -> Any:
        """A term of a statement: a value, or a tuple of values (``(x_1, y_1)``)."""
        value = self.value(node)
        if isinstance(value, tuple):
            return tuple(self.expr(c) for c in node.children if isinstance(c, Tree))
        return self.expr(node)

    def labelled(self, node: Any) -> Any:
        """The symbol the text named by exactly this written form, or None."""
        if not self.scope.labels or isinstance(node, Token):
            return None
        start, end = _span(node)
        return self.scope.labels.get(label(self.text[start:end]))

    def value(self, node: Any) -> Any:
        if isinstance(node, Token):
            raise self.fail(node, f"unexpected {str(node)!r}")
        named = self.labelled(node)
        if named is not None:
            return named
        method = getattr(self, "_" + node.data, None)
        if method is None:
            raise self.fail(node, f"{node.data} is not supported here")
        return method(node)

    def _number(self, node: Tree) -> Any:
        token = str(node.children[0])
        if len(token) > MAX_DIGITS:
            raise self.fail(node, f"a number of over {MAX_DIGITS} digits is refused")
        f = Fraction(token)
        return sympy.Rational(f.numerator, f.denominator)

    def name(self, node: Tree) -> str:
        letter, *rest = node.children
        assert isinstance(letter, Tree)
        token = letter.children[0]
        assert isinstance(token, Token)
        spelled = str(token).strip()
        if token.type == "GREEKCMD":
            base = GREEK[spelled[1:]]
        elif token.type in ("MATHCAL", "MATHRM"):
            inner = str(letter.children[1])[1:-1].strip()
            if token.type == "MATHCAL":
                if len(inner) != 1 or not inner.isalpha():
                    raise self.fail(node, r"\mathcal takes one letter")
                base = _script(inner)
            else:
                if not inner.isalpha():
                    raise self.fail(node, r"\mathrm takes letters")
                base = inner
        else:
            base = spelled
        primes = ""
        for part in rest:
            if isinstance(part, Token) and part.type == "PRIME":
                primes += "'"
            elif isinstance(part, Token) and part.type == "STAR":
                base += "*"
            elif isinstance(part, Tree) and part.data == "sub":
                base += "_" + self._subscript(part)
        return base + primes

    def _subscript(self, node: Tree) -> str:
        token = node.children[0]
        assert isinstance(token, Token)
        spelled = str(token).strip()
        if token.type == "GREEKCMD":
            return GREEK[spelled[1:]]
        if token.type == "SUBCHAR":
            return spelled
        inner = spelled[1:-1]
        for wrapper in (r"\text", r"\mathrm", r"\textrm", r"\mbox"):
            inner = inner.replace(wrapper, "")
        for command, letter in GREEK.items():
            inner = inner.replace("\\" + command, letter)
        inner = "".join(inner.replace("{", "").replace("}", "").split())
        if "\\" in inner:
            raise self.fail(node, f"the subscript {spelled} is not plain letters and digits")
        return inner if len(inner) == 1 or inner.isalpha() else "{" + inner + "}"

    def _name(self, node: Tree) -> Any:
        name = self.name(node)
        if sympy.Symbol(name) in self.scope.values:
            return sympy.Symbol(name)
        if name in self.scope.functions:  # ℒ alone is ℒ at its own parameters
            return self.scope.functions[name][1]
        if name.rstrip("'") in self.scope.functions:
            raise self.fail(node, f"{name} is a function: it needs its argument, {name}(x)")
        return sympy.Symbol(name)

    def _written(self, node: Any, start: int | None = None, end: int | None = None) -> Any:
        """The symbol standing for a written form (a norm, a transposed product, a gradient):
        the one the text defined, else an arbitrary value named as written."""
        a, b = _span(node)
        written = self.text[a if start is None else start : b if end is None else end]
        named = self.scope.labels.get(label(written))
        return named if named is not None else sympy.Symbol(pretty(written))

    def _norm(self, node: Tree) -> Any:
        return self._written(node)

    def _nabla(self, node: Tree) -> Any:
        raise self.fail(node, "\\nabla is read before what it applies to (\\nabla f(x))")

    def _transpose(self, node: Tree) -> Any:
        return self._written(node)

    def _sum_op(self, node: Tree) -> Any:
        raise self.fail(node, "\\sum needs the terms it adds")

    def _evaluate(self, node: Tree) -> Any:
        inner = self.expr(node.children[1])
        bar = str(node.children[2])
        at = re.fullmatch(r"\\right\s*\|\s*_\s*\{?\s*(?:\\substack\s*\{)?(.*?)\}*\s*", bar, re.S)
        spelled = at.group(1) if at else ""
        pieces = read_row(spelled, self.scope)[0].pieces if "=" in spelled else ()
        ok = (
            len(pieces) == 3
            and pieces[1].value == "="
            and isinstance(pieces[0].value, sympy.Symbol)
        )
        if not ok:
            raise self.fail(node, "\\left. … \\right|_{x=a} is read for one variable x = a")
        return sympy.Subs(inner, pieces[0].value, pieces[2].value)

    def _matrix(self, node: Tree) -> Any:
        token = next(t for t in node.children if isinstance(t, Token) and t.type == "MATRIX")
        body = re.sub(r"^\\begin\{[a-zA-Z]*\}|\\end\{[a-zA-Z]*\}$", "", str(token))
        rows = [r for r in re.split(r"\\\\", body) if r.strip()]
        entries = [[self._entry(node, e) for e in r.split("&")] for r in rows]
        if (
            not entries
            or len({len(r) for r in entries}) != 1
            or len(entries) * len(entries[0]) > 64
        ):
            raise self.fail(node, "a matrix has rows of one length and at most 64 entries")
        return sympy.ImmutableMatrix(entries)

    def _entry(self, node: Any, text: str) -> Any:
        statements = read_row(text, self.scope)
        if len(statements) != 1 or len(statements[0].pieces) != 1:
            raise self.fail(node, f"a matrix entry is one value, not {text.strip()!r}")
        return statements[0].pieces[0].value

    def _group(self, node: Tree) -> Any:
        return self.value(node.children[0])

    def _paren(self, node: Tree) -> Any:
        items = [c for c in node.children if isinstance(c, Tree)]
        values = tuple(self.expr(c) for c in items)
        return values[0] if len(values) == 1 else values

    def _pi(self, node: Tree) -> Any:
        return sympy.pi

    def _ellipsis(self, node: Tree) -> Any:
        return UNSTATED

    def _partial(self, node: Tree) -> Any:
        raise self.fail(node, r"\partial is read only inside \frac{\partial …}{\partial …}")

    def _add(self, node: Tree) -> Any:
        return _plus(self.expr(node.children[0]), self.expr(node.children[2]))

    def _sub(self, node: Tree) -> Any:
        return _plus(self.expr(node.children[0]), _minus(self.expr(node.children[2])))

    def _neg(self, node: Tree) -> Any:
        return _minus(self.expr(node.children[1]))

    def _pos(self, node: Tree) -> Any:
        return self.expr(node.children[1])

    def _mul(self, node: Tree) -> Any:
        return self._capped(node, _times(self.expr(node.children[0]), self.expr(node.children[2])))

    def _div(self, node: Tree) -> Any:
        denominator = self.expr(node.children[2])
        if denominator == 0:
            raise self.fail(node, "division by zero")
        return _over(self.expr(node.children[0]), denominator)

    def _abs(self, node: Tree) -> Any:
        return sympy.Abs(self.expr(next(c for c in node.children if isinstance(c, Tree))))

    def _abs_power(self, node: Tree) -> Any:
        return self.value(node.children[0])

    def _pow_abs(self, node: Tree) -> Any:
        return self._power(node, self.value(node.children[0]), node.children[1])

    def _factorial(self, node: Tree) -> Any:
        n = self.expr(node.children[0])
        if not (n.is_Integer and 0 <= n <= 100):
            raise self.fail(node, "a factorial is read for whole numbers 0 … 100 only")
        return sympy.factorial(n)

    def _frac(self, node: Tree) -> Any:
        num, den = (c for c in node.children if isinstance(c, Tree))
        derivative = self._derivative(node, num, den)
        if derivative is not None:
            return derivative
        denominator = self.expr(den)
        if denominator == 0:
            raise self.fail(node, "division by zero")
        return _over(self.expr(num), denominator)

    def _frac_digits(self, node: Tree) -> Any:
        digits = str(node.children[1]).strip()
        if digits[1] == "0":
            raise self.fail(node, "division by zero")
        return _over(sympy.Integer(int(digits[0])), sympy.Integer(int(digits[1])))

    def _sqrt(self, node: Tree) -> Any:
        parts = [c for c in node.children if isinstance(c, Tree)]
        radicand = self.expr(parts[-1])
        if len(parts) == 1:
            return sympy.sqrt(radicand)
        index = self.expr(parts[0])
        if not (index.is_Integer and 2 <= index <= 100):
            raise self.fail(node, "a root's index is a whole number 2 … 100")
        return sympy.root(radicand, index)

    def _func(self, node: Tree) -> Any:
        token, *rest = node.children
        name = str(token).strip().lstrip("\\")  # \cos, or cos written plainly
        operand = rest[-1]
        if (  # \cos(x)^2 is (cos x)², as people mean it
            isinstance(operand, Tree)
            and operand.data == "pow"
            and isinstance(operand.children[0], Tree)
            and operand.children[0].data == "paren"
            and len(rest) == 1
        ):
            inner = Tree("func", [token, operand.children[0]], meta=node.meta)
            return self._power(node, self._func(inner), operand.children[1])
        argument = self.expr(rest[-1])
        function = {
            "ln": sympy.log,
            "log": sympy.log,
            "arcsin": sympy.asin,
            "arccos": sympy.acos,
            "arctan": sympy.atan,
        }.get(name) or getattr(sympy, name)
        value = function(argument)
        if len(rest) == 2:
            exponent = self._sup(rest[0])
            if not (exponent.is_Integer and exponent > 0):
                raise self.fail(node, rf"\{name}^{{…}} is read for positive whole powers only")
            return self._power(node, value, None, exponent)
        return value

    def _sup(self, node: Tree) -> Any:
        child = node.children[0]
        if isinstance(child, Token):
            return sympy.Integer(int(child)) if child.type == "NUMSUP" else sympy.Symbol(str(child))
        return self.expr(child)

    def _pow(self, node: Tree) -> Any:
        base_node = node.children[0]
        if isinstance(base_node, Tree) and base_node.data == "name" and self.name(base_node) == "e":
            return sympy.exp(self._sup(node.children[1]))
        return self._power(node, self.value(base_node), node.children[1])

    def _power(self, node: Tree, base: Any, sup: Any, exponent: Any = None) -> Any:
        if isinstance(base, (_Derivative, tuple)):
            raise self.fail(node, "this cannot be raised to a power")
        exponent = self._sup(sup) if exponent is None else exponent
        if isinstance(exponent, sympy.Pow) and exponent.is_number:  # 10^{10}: its value
            exponent = exponent.doit()
        if exponent in (sympy.Symbol("T"), sympy.Symbol("⊤")) and not base.is_number:
            raise self.fail(
                node, "transposes (vectors, matrices) are outside what derive check reads"
            )
        if exponent.is_Rational:
            if abs(exponent.p) > MAX_EXPONENT or exponent.q > MAX_EXPONENT:
                raise self.fail(node, f"an exponent over {MAX_EXPONENT} is refused")
            if base.is_Rational and base != 0:
                size = max(abs(base.p), base.q).bit_length() * abs(exponent)
                if size > MAX_BITS:
                    raise self.fail(node, f"a power of about {int(size)} bits is refused")
        elif base.is_number and exponent.is_number:
            raise self.fail(
                node, "a number raised to a power that is not a plain fraction is refused"
            )
        if base == 0 and exponent.is_number and exponent <= 0:
            raise self.fail(node, "division by zero")
        return self._capped(node, sympy.Pow(base, exponent, evaluate=False))

    def _capped(self, node: Tree, value: Any) -> Any:
        if _degree(value) > MAX_DEGREE:
            raise self.fail(node, f"a polynomial degree over {MAX_DEGREE} is refused")
        if _bits(value) > MAX_BITS:
            raise self.fail(node, f"a number of over {MAX_BITS} bits is refused")
        return value

    # ---- implicit products, calls and derivatives ------------------------------------
    def _juxt(self, node: Tree) -> Any:
        factors: list[Any] = []
        current = node
        while isinstance(current, Tree) and current.data == "juxt":
            factors.insert(0, current.children[1])
            current = current.children[0]
        factors.insert(0, current)
        return self._product(factors, node)

    def _product(self, factors: list[Any], node: Tree) -> Any:
        out: Any = None
        k = 0
        while k < len(factors):
            f = factors[k]
            nxt = factors[k + 1] if k + 1 < len(factors) else None
            kind = f.data if isinstance(f, Tree) else ""
            if kind == "transpose":  # uᵀ g, (p − p*)ᵀ H (p − p*): one value, as written
                value = self._written(f, end=_span(factors[-1])[1])
                return self._capped(node, _times(out, value))
            if kind == "nabla":  # ∇f(x), ∇²ℒ: what follows up to its argument
                if nxt is None:
                    raise self.fail(f, "\\nabla needs what it applies to")
                after = factors[k + 2] if k + 2 < len(factors) else None
                called = isinstance(after, Tree) and after.data == "paren"
                last = k + 2 if called and isinstance(nxt, Tree) and nxt.data == "name" else k + 1
                value = self._written(f, end=_span(factors[last])[1])
                out = self._capped(node, _times(out, value))
                k = last + 1
                continue
            if kind == "sum_op":
                rest = factors[k + 1 :]
                if not rest:
                    raise self.fail(f, "\\sum needs the terms it adds")
                return _times(out, self._sum(f, self._product(rest, node)))
            if nxt is not None and self._increment(f, nxt):  # Δθ_1: the increment of θ_1
                value = sympy.Symbol(self.name(f) + self.name(nxt))
                out = _times(out, value)
                k += 2
                continue
            call = self._call(f, nxt) if nxt is not None else None
            if call is None and nxt is not None:
                call = self._derivative_at(f, nxt)
            if call is not None:
                out = self._capped(node, _times(out, call))
                k += 2
                continue
            value = self.value(f)
            if isinstance(value, _Derivative):
                rest = factors[k + 1 :]
                if not rest:
                    raise self.fail(f, "a derivative operator needs something to differentiate")
                operand = self._product(rest, node)
                return _times(out, self._differentiate(operand, value.variables, f))
            if isinstance(value, tuple):
                raise self.fail(f, "a list in parentheses is not a value")
            out = self._capped(node, _times(out, value))
            k += 1
        return out

    def _sum(self, node: Tree, body: Any) -> Any:
        """Σ_{i=a}^{b} body, for whole numbers a ≤ b (at most 100 terms), written out: the
        index replaces i, and subscripts _i become _a … _b."""
        bounds = re.fullmatch(r"\{\s*([A-Za-z])\s*=\s*(-?[0-9]+)\s*\}", str(node.children[1]))
        top = self._sup(node.children[2])
        if bounds is None or not top.is_Integer:
            raise self.fail(node, "\\sum is read as \\sum_{i=a}^{b} with whole numbers a ≤ b")
        index, low, high = bounds.group(1), int(bounds.group(2)), int(top)
        if not 0 <= high - low < 100:
            raise self.fail(node, "\\sum is read for 1 to 100 terms")
        terms = []
        symbols = body.free_symbols if isinstance(body, sympy.Basic) else set()
        for n in range(low, high + 1):
            rename: dict[Any, Any] = {sympy.Symbol(index): sympy.Integer(n)}
            for s in symbols:
                if s.name.endswith("_" + index):
                    rename[s] = sympy.Symbol(s.name[: -len(index)] + str(n))
            terms.append(body.xreplace(rename))
        return sympy.Add(*terms, evaluate=False)

    def _increment(self, f: Any, nxt: Any) -> bool:
        names = [n for n in (f, nxt) if isinstance(n, Tree) and n.data == "name"]
        return len(names) == 2 and self.name(f) in ("Δ", "δ")

    def _call(self, f: Any, nxt: Any) -> Any:
        """``name(args)`` (or ``name(args)^k``) as a call, or None when it multiplies."""
        if not (isinstance(f, Tree) and f.data == "name"):
            return None
        if self.scope.labels and isinstance(nxt, Tree) and nxt.data == "paren":
            named = self.scope.labels.get(label(self.text[_span(f)[0] : _span(nxt)[1]]))
            if named is not None:  # σ(z_1), which the text named
                return named
        power = None
        paren = nxt
        if isinstance(nxt, Tree) and nxt.data == "pow" and isinstance(nxt.children[0], Tree):
            paren, power = nxt.children[0], nxt.children[1]
        if not (isinstance(paren, Tree) and paren.data == "paren"):
            return None
        name = self.name(f)
        args = self.value(paren)
        args = args if isinstance(args, tuple) else (args,)
        base = name.rstrip("'")
        several = len(args) > 1
        known = base in self.scope.functions or base in self.scope.declared
        if not (known or base in CALLABLE or base in ("O", "𝒪") or several):
            return None
        if base in ("O", "𝒪"):
            value = self._big_o(f, args)
        elif base in self.scope.functions:
            params, body = self.scope.functions[base]
            at = _components(params, args, self.scope) if len(params) != len(args) else None
            if at is not None:  # m(p^*) for m of p's components p_w, p_b: at p*_w, p*_b
                value = body.xreplace(at)
                return value if power is None else self._power(nxt, value, power)
            if len(params) != len(args):  # ℒ(θ + ηu) for ℒ(w, b): a value as written
                return self._written(f, end=_span(nxt)[1])
            order = len(name) - len(base)
            if order:
                if len(params) != 1:
                    raise self.fail(f, f"{name}: primes are read for functions of one variable")
                derivative = sympy.Derivative(body, (params[0], order))
                arg = args[0]
                if isinstance(arg, sympy.Symbol):
                    value = derivative.xreplace({params[0]: arg})
                else:
                    value = sympy.Subs(derivative, params[0], arg)
            elif tuple(args) == tuple(params):
                value = body
            else:  # kept unevaluated: f(2) = 6 is a step to check, not two identical sides
                value = sympy.Subs(body, params, args)
        else:
            value = sympy.Function(name)(*args)
        return value if power is None else self._power(nxt, value, power)

    def _derivative_at(self, f: Any, nxt: Any) -> Any:
        """``\\frac{\\partial f}{\\partial x}(a, b)``: a partial derivative of a function
        the text defined (of two or more variables), taken at the point in parentheses;
        None when it is not that."""
        if not (isinstance(f, Tree) and f.data == "frac" and isinstance(nxt, Tree)):
            return None
        if nxt.data != "paren":
            return None
        num, den = (c for c in f.children if isinstance(c, Tree))
        top = self._flat(num)
        if len(top) != 2 or not (isinstance(top[1], Tree) and top[1].data == "name"):
            return None
        name = self.name(top[1])
        if name not in self.scope.functions:
            return None
        params, _ = self.scope.functions[name]
        args = self.value(nxt)
        args = args if isinstance(args, tuple) else (args,)
        if len(params) < 2 or len(args) != len(params):
            return None
        derivative = self._derivative(f, num, den)
        if not isinstance(derivative, sympy.Derivative):
            return None
        return sympy.Subs(derivative, params, args)

    def _big_o(self, node: Any, args: tuple[Any, ...]) -> Any:
        if len(args) == 1:
            arg = args[0]
            if isinstance(arg, sympy.Symbol):
                return BigO(arg, sympy.Integer(1))
            is_power = arg.is_Pow and isinstance(arg.base, sympy.Symbol) and arg.exp.is_Integer
            if is_power and 1 <= arg.exp <= 50:
                return BigO(arg.base, arg.exp)
        raise self.fail(node, "O(…) is read as O(x^k) for a variable x and a whole k from 1 to 50")

    def _derivative(self, node: Tree, num: Any, den: Any) -> Any:
        """``\\frac{d^k f}{dx^k}`` and partials, or None when the fraction is a quotient."""
        top = self._flat(num)
        order = self._operator(top[0]) if top else None
        if order is None:
            return None
        bottom = self._flat(den)
        variables: list[tuple[sympy.Symbol, int]] = []
        k = 0
        while k < len(bottom):
            if self._operator(bottom[k]) != 1 or k + 1 >= len(bottom):
                return None
            var = bottom[k + 1]
            power = 1
            if isinstance(var, Tree) and var.data == "pow":
                exponent = self._sup(var.children[1])
                if not (exponent.is_Integer and 1 <= exponent <= 10):
                    return None
                var, power = var.children[0], int(exponent)
            if not (isinstance(var, Tree) and var.data == "name"):
                return None
            variables.append((sympy.Symbol(self.name(var)), power))
            k += 2
        if not variables or sum(p for _, p in variables) != order:
            return None
        if len(top) == 1:
            return _Derivative(variables)
        rest = top[1:]
        if len(rest) == 1 and isinstance(rest[0], Tree) and rest[0].data == "name":
            name = self.name(rest[0])
            if name in self.scope.functions:
                params, body = self.scope.functions[name]
                if len(params) == 1 and len(variables) == 1:
                    body = body.xreplace({params[0]: variables[0][0]})
                return self._differentiate(body, variables, node)
            symbol = sympy.Symbol(name)
            if symbol in self.scope.values:
                return self._differentiate(self.scope.values[symbol], variables, node)
        operand = self._product(rest, node)
        return self._differentiate(
            operand, variables, node, self.text[_span(num)[0] : _span(den)[1]]
        )

    def _operator(self, node: Any) -> int | None:
        """The order of d, ∂, d^k or ∂^k at the head of a derivative, else None."""
        if isinstance(node, Tree) and node.data == "partial":
            return 1
        if isinstance(node, Tree) and node.data == "name" and self.name(node) == "d":
            return 1
        if isinstance(node, Tree) and node.data == "pow" and self._operator(node.children[0]) == 1:
            exponent = self._sup(node.children[1])
            if exponent.is_Integer and 1 <= exponent <= 10:
                return int(exponent)
        return None

    def _flat(self, node: Any) -> list[Any]:
        """The factors of an implicit product (one factor otherwise)."""
        if isinstance(node, Tree) and node.data == "group":
            return self._flat(node.children[0])
        if isinstance(node, Tree) and node.data == "juxt":
            return [*self._flat(node.children[0]), node.children[1]]
        return [node]

    def _differentiate(
        self, operand: Any, variables: list[tuple[sympy.Symbol, int]], node: Any, shown: str = ""
    ) -> Any:
        """d/dx of a read expression. An undefined function (or a letter that names no
        value) cannot be differentiated: the result is an undefined function of its own."""
        if isinstance(operand, sympy.Basic) and _opaque(operand, variables):
            label = (
                "∂("
                + _label(operand, shown)
                + ")/"
                + "".join(f"∂{v}" + (f"^{p}" if p > 1 else "") for v, p in variables)
            )
            calls = list(operand.atoms(sympy.core.function.AppliedUndef))
            if len(calls) == 1 and operand == calls[0]:
                return sympy.Function(label)(*calls[0].args)
            return sympy.Symbol(label)
        return sympy.Derivative(operand, *variables)


def _components(
    params: tuple[Any, ...], args: tuple[Any, ...], scope: Scope
) -> dict[Any, Any] | None:
    """For a function of a vector's components (p_w, p_b) called at one vector q: each
    component of p → that of q (q_w, q_b), when the text gave each of them a value (or q is
    p itself); None otherwise."""
    if len(args) != 1 or not isinstance(args[0], sympy.Symbol):
        return None
    names = [p.name.rpartition("_") for p in params]
    vectors = {head for head, _, _ in names}
    if len(vectors) != 1 or any(not tail for _, _, tail in names):
        return None
    (vector,) = vectors
    target = args[0].name
    at = {
        p: sympy.Symbol(f"{target}_{tail}") for p, (_, _, tail) in zip(params, names, strict=True)
    }
    if target != vector and not all(v in scope.values for v in at.values()):
        return None
    return at


def _plus(a: Any, b: Any) -> Any:
    """a + b as written: SymPy's automatic simplification would make a step such as
    2x + 3x = 5x look vacuous (two identical sides) before the kernel sees it."""
    return sympy.Add(a, b, evaluate=False)


def _minus(a: Any) -> Any:
    if isinstance(a, sympy.Number):
        return -a
    return sympy.Mul(sympy.Integer(-1), a, evaluate=False)


def _times(a: Any, b: Any) -> Any:
    if a is None:
        return b
    return sympy.Mul(a, b, evaluate=False)


def _over(a: Any, b: Any) -> Any:
    if a == 1:
        return sympy.Pow(b, -1, evaluate=False)
    return sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)


def _label(operand: Any, shown: str) -> str:
    if isinstance(operand, sympy.core.function.AppliedUndef):
        return str(operand.func)
    return str(operand)


def _opaque(operand: Any, variables: list[tuple[sympy.Symbol, int]]) -> bool:
    """Is this a derivative the text gives no way to compute?"""
    if operand.atoms(sympy.core.function.AppliedUndef):
        return True
    names = {v for v, _ in variables}
    return isinstance(operand, sympy.Symbol) and operand not in names


def _bits(value: Any) -> float:
    """An upper bound on the size in bits of the numbers ``value`` computes."""
    if isinstance(value, sympy.Rational):
        return max(abs(value.p), value.q).bit_length()
    if not isinstance(value, sympy.Basic) or not value.args:
        return 1
    if value.is_Pow and value.exp.is_Rational:
        return _bits(value.base) * float(abs(value.exp)) + _bits(value.exp)
    return sum(_bits(a) for a in value.args) + 1


def _degree(value: Any) -> float:
    """An upper bound on the polynomial degree ``value`` expands to (caps expansion)."""
    if not isinstance(value, sympy.Basic) or not value.free_symbols:
        return 0
    if isinstance(value, sympy.Symbol):
        return 1
    if value.is_Pow:
        exponent = value.exp
        scale = abs(exponent) if exponent.is_Rational else 1
        return _degree(value.base) * float(scale)
    if value.is_Mul:
        return sum(_degree(a) for a in value.args)
    return max((_degree(a) for a in value.args), default=0)
