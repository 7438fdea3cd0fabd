"""Safe text → SymPy: a whitelisted walk over Python's syntax tree, never ``eval``.

The grammar is numbers, names, ``+ - * / **`` (``^`` is a power too), unary minus,
parentheses and calls of the functions in :data:`FUNCTIONS`. Anything else is a
:class:`~derive.errors.ParseError` naming what was found and the column. Decimal
literals become exact rationals (``0.1`` is ``1/10``). Length, nesting, literal size and
exponents are capped before anything is built, so hostile text fails fast.

>>> parse("(w*x + b - y)^2 / 2")
(b + w*x - y)**2/2
>>> parse("0.1*x")
x/10
"""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Callable, Mapping

import sympy

from .errors import ParseError
from .symbols import NAME_PATTERN, check_name
from .vectors import VectorSum, VectorSymbol

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_LENGTH", "NAME_PATTERN", "check_name", "parse"]

MAX_LENGTH = 10_000
"""Longest loss text accepted, in characters."""
MAX_DEPTH = 100
"""Deepest nesting of calls, powers and unary signs (long flat sums and products are fine)."""
MAX_NODES = 20_000
MAX_LITERAL_CHARS = 100
MAX_EXPONENT = 1000
"""Largest magnitude (and denominator) of a numeric exponent."""
MAX_POWER_DIGITS = 2000
"""Largest number of digits a power of two numbers may produce."""

_LONG_NUMBER = re.compile(rf"[0-9_.]{{{MAX_LITERAL_CHARS + 1},}}")
_ALLOWED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-*/^(), \t\n\r"
    # not part of the grammar, but kept so the syntax tree can name them precisely
    "%@<>=!&|~[]{}:"
)
"""Every character loss text may contain. No comment (#), string quote, backslash, semicolon or
non-ASCII character (Python folds some to ASCII letters) can reach the syntax tree, so every
character of an accepted text is accounted for by a node of that tree."""


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


def _log(*args: sympy.Expr) -> sympy.Expr:
    return sympy.log(args[0]) if len(args) == 1 else sympy.log(args[0]) / sympy.log(args[1])


FUNCTIONS: Mapping[str, tuple[tuple[int, ...], Callable[..., sympy.Expr]]] = {
    "abs": ((1,), sympy.Abs),
    "acos": ((1,), sympy.acos),
    "asin": ((1,), sympy.asin),
    "asinh": ((1,), sympy.asinh),
    "atan": ((1,), sympy.atan),
    "cos": ((1,), sympy.cos),
    "cosh": ((1,), sympy.cosh),
    "erf": ((1,), sympy.erf),
    "exp": ((1,), sympy.exp),
    "expm1": ((1,), lambda z: sympy.exp(z) - 1),
    "ln": ((1,), sympy.log),
    "log": ((1, 2), _log),
    "log1p": ((1,), lambda z: sympy.log(1 + z)),
    "sigmoid": ((1,), _sigmoid),
    "sin": ((1,), sympy.sin),
    "sinh": ((1,), sympy.sinh),
    "softplus": ((1,), lambda z: sympy.log(1 + sympy.exp(z))),
    "sqrt": ((1,), sympy.sqrt),
    "tan": ((1,), sympy.tan),
    "tanh": ((1,), sympy.tanh),
}
"""Callable names: arities accepted and the SymPy builder (sigmoid, softplus expand)."""

CONSTANTS: Mapping[str, sympy.Expr] = {"pi": sympy.pi}
VECTOR_FUNCTIONS = ("dot", "norm", "sum")
"""Reductions over declared vectors: dot(a, b) = Σ aᵢbᵢ, sum(a) = Σ aᵢ, norm(a) = √Σ aᵢ²."""

_DESCRIPTIONS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Starred: "starred expression",
    ast.JoinedStr: "string",
    ast.NamedExpr: "assignment expression",
    ast.Await: "await",
}
_FAMILY = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}


def parse(
    text: str,
    symbols: Mapping[str, sympy.Symbol] | None = None,
    vectors: Mapping[str, int] | None = None,
) -> sympy.Expr:
    """Parse loss text into a SymPy expression without evaluating any code.

    Args:
        text: the loss, e.g. ``"log(1 + exp(-y*(w*x + b)))"``.
        symbols: symbols to use for given names; other names become real Symbols.
        vectors: names of vectors and their lengths; they may appear only inside
            ``dot(a, b)``, ``sum(a)`` and ``norm(a)``, which become VectorSum atoms.

    Returns:
        The expression; every name is a real ``Symbol``, every literal exact.

    Raises:
        ParseError: for unsupported syntax, unknown functions, bad names, oversized
            input, values that are not finite real numbers.

    >>> parse("sigmoid(z)")
    1/(1 + exp(-z))
    >>> parse("x.__class__")
    Traceback (most recent call last):
    ...
    derive.errors.ParseError: unsupported syntax: attribute access at column 2 ...
    """
    if not isinstance(text, str):
        raise ParseError(f"loss text must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"loss text is too long: {len(text)} characters (at most {MAX_LENGTH})")
    flat = " ".join(text.splitlines()).strip()
    if not flat:
        raise ParseError("loss text is empty: write an expression such as '(w*x + b - y)**2'")
    for index, char in enumerate(flat):
        if char not in _ALLOWED:
            raise ParseError(
                f"character {char!r} is not allowed in a loss at column {index + 1} ({_why(char)})",
                text=flat,
                column=index + 1,
            )
    long_number = _LONG_NUMBER.search(flat)
    if long_number:
        raise ParseError(
            f"numeric literal is too long (over {MAX_LITERAL_CHARS} characters)",
            text=flat,
            column=long_number.start() + 1,
        )
    # '^' is a power: rewrite it before parsing, as Python's '^' binds looser than '*' and '/'.
    source = _Source(flat)
    try:
        tree = ast.parse(source.python, mode="eval")
    except SyntaxError as exc:
        column = source.column(exc.offset - 1) if exc.offset else None
        raise ParseError(f"invalid syntax: {exc.msg}", text=flat, column=column) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError(
            "loss text is nested too deeply or too long for the parser; "
            "simplify it or use fewer terms"
        ) from None
    _check_size(tree.body, source)
    expr = _Builder(source, symbols or {}, vectors or {}).build(tree.body)
    _check_real(expr, flat)
    return expr


class _Source:
    """The user's text and its Python spelling ('^' → '**'), with a column map between them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.python = text.replace("^", "**")
        self._original = [i for i, ch in enumerate(text) for _ in range(2 if ch == "^" else 1)]

    def column(self, index: int) -> int:
        """1-based column in the user's text of a 0-based character index in ``python``."""
        index = min(max(index, 0), len(self._original) - 1)
        return self._original[index] + 1

    def node_column(self, node: ast.AST) -> int:
        if isinstance(node, ast.Attribute):  # point at the dot, not at the object
            offset = getattr(node.value, "end_col_offset", 0)
        else:
            offset = getattr(node, "col_offset", 0)
        return self.column(len(self.python.encode("utf-8")[:offset].decode("utf-8", "replace")))

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.python, node) or ""


def _why(char: str) -> str:
    if char == "#":
        return "comments are not part of a loss"
    if char in "'\"`":
        return "strings are not part of a loss"
    if char in "\\;":
        return "a loss is one expression"
    if not char.isascii():
        return "write names and operators in ASCII: theta, not θ"
    return "use numbers, names, + - * / ** ^, parentheses and function calls"


def _check_size(root: ast.expr, source: _Source) -> None:
    """Reject trees that are too deep (ignoring flat chains of sums/products) or too big."""
    stack: list[tuple[ast.AST, int, str | None]] = [(root, 1, None)]
    nodes = 0
    while stack:
        node, depth, family = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ParseError(f"loss text is too large: more than {MAX_NODES} syntax nodes")
        own = _FAMILY.get(type(node.op)) if isinstance(node, ast.BinOp) else None
        if own is None or own != family:
            depth += 1
        if depth > MAX_DEPTH:
            raise ParseError(
                f"loss text is nested too deeply (more than {MAX_DEPTH} levels of calls, "
                "powers or signs)",
                text=source.text,
                column=source.node_column(node),
            )
        stack.extend((child, depth, own) for child in ast.iter_child_nodes(node))


def _check_real(expr: sympy.Expr, text: str) -> None:
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError(f"loss is undefined (a division by zero or log(0)?): {text!r}")
    if expr.has(sympy.I):
        raise ParseError(f"loss is not real-valued (root or log of a negative number?): {text!r}")
    for sub in sympy.preorder_traversal(expr):
        if (
            isinstance(sub, sympy.Function)
            and not sub.free_symbols
            and sub.is_extended_real is False
        ):
            raise ParseError(f"loss is not real-valued: {sub} has no real value")


class _Builder:
    """Builds SymPy objects directly from whitelisted syntax nodes."""

    def __init__(
        self, source: _Source, symbols: Mapping[str, sympy.Symbol], vectors: Mapping[str, int]
    ) -> None:
        self.source = source
        self.symbols = dict(symbols)
        self.vectors = dict(vectors)
        self.inside_vector_call = 0

    def fail(self, message: str, node: ast.AST) -> ParseError:
        column = self.source.node_column(node)
        return ParseError(f"{message} at column {column}", text=self.source.text, column=column)

    def build(self, node: ast.expr) -> sympy.Expr:
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.build(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand)
            raise self.fail(f"unsupported operator {_op_text(node.op)!r}", node)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _DESCRIPTIONS.get(type(node), type(node).__name__)
        raise self.fail(f"unsupported syntax: {what}", node)

    def _binop(self, node: ast.BinOp) -> sympy.Expr:
        family = _FAMILY.get(type(node.op))
        if family is None:
            return self._power(node)
        # Walk the left spine of a flat chain (a + b - c + ...) without recursion.
        chain: list[tuple[ast.operator, ast.expr]] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp) and _FAMILY.get(type(left.op)) == family:
            chain.append((left.op, left.right))
            left = left.left
        terms = [self.build(left)]
        for op, right in reversed(chain):
            value = self.build(right)
            if isinstance(op, ast.Sub):
                value = -value
            elif isinstance(op, ast.Div):
                if value == 0:
                    raise self.fail("division by zero", right)
                value = 1 / value
            terms.append(value)
        return sympy.Add(*terms) if family == "sum" else sympy.Mul(*terms)

    def _power(self, node: ast.BinOp) -> sympy.Expr:
        if not isinstance(node.op, (ast.Pow, ast.BitXor)):
            raise self.fail(f"unsupported operator {_op_text(node.op)!r}", node)
        base, exponent = self.build(node.left), self.build(node.right)
        if exponent.is_Number:
            rational = sympy.Rational(exponent)
            if abs(rational) > MAX_EXPONENT or rational.q > MAX_EXPONENT:
                raise self.fail(
                    f"exponent {exponent} is too large (at most {MAX_EXPONENT} in magnitude "
                    "and denominator)",
                    node.right,
                )
            if base.is_Rational and base != 0:
                size = max(len(str(abs(base.p))), len(str(base.q)))
                if abs(rational) * size > MAX_POWER_DIGITS:
                    raise self.fail(
                        f"power of a number is too large (over {MAX_POWER_DIGITS} digits)",
                        node,
                    )
            if base == 0 and rational < 0:
                raise self.fail("division by zero (0 to a negative power)", node)
        return sympy.Pow(base, exponent)

    def _number(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"unsupported literal {value!r}", node)
        literal = self.source.segment(node) or repr(value)
        if len(literal) > MAX_LITERAL_CHARS:
            raise self.fail(
                f"numeric literal is too long (over {MAX_LITERAL_CHARS} characters)", node
            )
        if isinstance(value, int):
            return sympy.Integer(value)
        try:
            exact = decimal.Decimal(literal.replace("_", ""))
        except decimal.InvalidOperation:
            raise self.fail(f"unsupported literal {literal!r}", node) from None
        exponent = exact.as_tuple().exponent
        if (
            not exact.is_finite()
            or not isinstance(exponent, int)
            or abs(exponent) > 2 * MAX_LITERAL_CHARS
        ):
            raise self.fail(f"numeric literal {literal!r} is out of range", node)
        numerator, denominator = exact.as_integer_ratio()
        return sympy.Rational(numerator, denominator)

    def _name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise self.fail(f"{name!r} is a function: call it as {name}(...)", node)
        if not NAME_PATTERN.match(name) or "__" in name:
            raise self.fail(
                f"name {name!r} is not allowed: use ASCII letters, digits and single "
                "underscores (for example 'theta')",
                node,
            )
        if name in self.vectors and not self.inside_vector_call:
            raise self.fail(
                f"{name!r} is a vector of length {self.vectors[name]}: use it inside dot(), "
                "sum() or norm()",
                node,
            )
        if name not in self.symbols:
            kind = VectorSymbol if name in self.vectors else sympy.Symbol
            self.symbols[name] = kind(name, real=True)
        return self.symbols[name]

    def _vector_call(self, node: ast.Call, name: str) -> sympy.Expr:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"{name}() takes plain arguments", node)
        expected = 2 if name == "dot" else 1
        if len(node.args) != expected:
            raise self.fail(f"{name}() takes {expected} argument(s), got {len(node.args)}", node)
        self.inside_vector_call += 1
        try:
            if self.inside_vector_call > 1:
                raise self.fail(f"{name}() cannot be nested inside another dot, sum or norm", node)
            args = [self.build(a) for a in node.args]
        finally:
            self.inside_vector_call -= 1
        summand = (
            args[0] * args[1] if name == "dot" else args[0] ** 2 if name == "norm" else args[0]
        )
        used = {s.name for s in summand.free_symbols if s.name in self.vectors}
        if not used:
            raise self.fail(f"{name}() needs a declared vector (for example params='w:10')", node)
        lengths = {self.vectors[n] for n in used}
        if len(lengths) > 1:
            shown = ", ".join(f"{n}:{self.vectors[n]}" for n in sorted(used))
            raise self.fail(f"{name}() mixes vectors of different lengths ({shown})", node)
        total = VectorSum(summand, lengths.pop())
        return sympy.sqrt(total) if name == "norm" else total

    def _call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            what = _DESCRIPTIONS.get(type(node.func), "expression")
            raise self.fail(f"unsupported syntax: call of a {what}", node)
        name = node.func.id
        if name in VECTOR_FUNCTIONS:
            return self._vector_call(node, name)
        if name not in FUNCTIONS:
            known = ", ".join(sorted((*FUNCTIONS, *VECTOR_FUNCTIONS)))
            raise self.fail(f"unknown function {name!r} (supported: {known})", node)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node)
        arities, builder = FUNCTIONS[name]
        if len(node.args) not in arities or any(isinstance(a, ast.Starred) for a in node.args):
            expected = " or ".join(str(a) for a in arities)
            raise self.fail(f"{name}() takes {expected} argument(s), got {len(node.args)}", node)
        return builder(*(self.build(arg) for arg in node.args))


def _op_text(op: ast.AST) -> str:
    return {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.Invert: "~",
        ast.Not: "not",
    }.get(type(op), type(op).__name__)
