"""Chains of relations → the steps a text claims.

Rows are read in order, so that a definition (``f(x) = 2x^2``, or ``s = L(a,b)`` naming a
symbol not used before) serves every later row. ``a = b = c`` claims ``a = b`` and
``b = c``; a row (or a display) that starts with a relation or ``\\implies`` continues the
chain before it. Around ``\\implies``, the relations before the arrow are hypotheses and
each relation after it is claimed under them (``\\iff``: both ways).

>>> from derive.audit.documents import read_document
>>> doc = read_document("$$f(x) = x^2$$\\n$$f(2) = 4 = 2^2$$", "markdown")
>>> [(c.kind, c.text, c.line) for c in split(doc).claims]
[('claim', 'f(2) = 4', 2), ('claim', '4 = 2^2', 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import ParseError
from .documents import Document
from .latex import OPAQUE, BigO, Piece, Scope, pretty, read_row

__all__ = ["Chains", "Claim", "Context", "Definition", "Relation", "read_assumption", "split"]

MAX_CLAIMS = 400


@dataclass(frozen=True)
class Relation:
    """``lhs rel rhs`` as written (rel '=', '<', '<=', '>', '>=', '!=' or '~')."""

    lhs: Any
    rel: str
    rhs: Any
    text: str
    line: int


@dataclass(frozen=True)
class Claim:
    """A step of the text: ``kind`` 'claim' (to prove), 'hypothesis' (the left of ⟹),
    or 'unread' (``reason`` says why); ``display`` indexes the document's displays."""

    kind: str
    text: str
    line: int
    display: int
    relation: Relation | None = None
    hypotheses: tuple[Relation, ...] = ()
    iff: bool = False
    reason: str = ""
    context: Context | None = None
    """What the text stated in words before this claim, in its section."""
    local: str = ""
    """A qualifier such as 'for every small enough η > 0': the claim is local."""


@dataclass(frozen=True)
class Definition:
    """``name`` = ``value`` (a symbol), or ``name(params)`` = ``value`` (a function)."""

    name: str
    value: Any
    text: str
    line: int
    symbol: Any = None
    params: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Context:
    """What the text states in words for its section: assumptions (``Assume: …``), case
    hypotheses (each used only in its case), and names (``Names: …``, ``Write …``)."""

    assumptions: tuple[Relation, ...] = ()
    cases: tuple[Relation, ...] = ()
    definitions: tuple[Definition, ...] = ()


@dataclass(frozen=True)
class Chains:
    """What a document claims, defines and assumes, in order. ``late`` lists (symbol,
    line) for a symbol given a value only after it was used; ``opaque`` the names the text
    defines in words only (arbitrary values: nothing is refuted through them)."""

    claims: tuple[Claim, ...]
    definitions: tuple[Definition, ...]
    assumptions: tuple[Relation, ...]
    late: tuple[tuple[Any, int], ...]
    opaque: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class _Term:
    piece: Piece
    line: int
    display: int
    row: str
    context: Context | None = None


@dataclass(frozen=True)
class _Conn:
    piece: Piece
    line: int


def read_assumption(text: str, line: int = 0, scope: Scope | None = None) -> tuple[Relation, ...]:
    """The relations of an assumption (``x >= 0``, ``0 < \\eta \\le 1``, ``x_0 = 1``).

    >>> [(r.lhs, r.rel, r.rhs) for r in read_assumption("0 < x <= 1")]
    [(0, '<', x), (x, '<=', 1)]
    """
    if not isinstance(text, str):
        raise ParseError(f"an assumption is text such as 'x >= 0', not {type(text).__name__}")
    out: list[Relation] = []
    for stmt in read_row(text, scope):
        pieces = stmt.pieces
        if len(pieces) < 3 or pieces[0].kind != "term" or any(p.kind == "arrow" for p in pieces):
            raise ParseError(f"an assumption is a relation such as 'x >= 0', not {text!r}")
        for k in range(1, len(pieces) - 1, 2):
            rel = pieces[k].value
            if rel == "~":
                raise ParseError(f"an assumption cannot be approximate (≈): {text!r}")
            a, b = pieces[k - 1], pieces[k + 1]
            out.append(Relation(a.value, rel, b.value, f"{a.text} {pieces[k].text} {b.text}", line))
    return tuple(out)


def split(document: Document, assume: tuple[tuple[str, int], ...] = ()) -> Chains:
    """The claims of ``document`` (its own assumptions and ``assume`` stated first)."""
    scope = Scope()
    definitions: list[Definition] = []
    assumptions: list[Relation] = []
    seen: set[Any] = set()
    for text, line in (*document.assumptions, *assume):
        for r in read_assumption(text, line, scope):
            if r.rel == "=" and isinstance(r.lhs, sympy.Symbol) and r.lhs not in r.rhs.free_symbols:
                if r.lhs in scope.values:
                    raise ParseError(f"{r.lhs} is given a value twice in the assumptions")
                scope = scope.define_value(r.lhs, r.rhs)
                definitions.append(Definition(str(r.lhs), r.rhs, r.text, line, symbol=r.lhs))
            else:
                assumptions.append(r)
    state = _State(scope, Context(), definitions)
    opaque = _named_in_words(document)
    headings = list(document.headings)
    stream: list[Any] = []
    late: list[tuple[Any, int]] = []
    for index, display in enumerate(document.displays):
        while headings and headings[0] <= display.line:  # a new section: forget its words
            headings.pop(0)
            state.section()
        if display.inline:
            _inline(display, state)
        for row in display.rows:
            if row.prose:
                _prose_row(row, state)
                continue
            try:
                statements = read_row(row.text, state.scope.declare(_declared(row.text)))
            except ParseError as exc:
                if not display.inline:
                    stream += [None, _unread(row.text, row.line, index, exc)]
                continue
            previous: list[Any] = []
            done = 0
            while done < len(statements):
                stmt = statements[done]
                done += 1
                pieces = list(stmt.pieces)

                def line_of(p: Piece, row: Any = row) -> int:
                    return int(row.line + row.text.count("\n", 0, p.start))

                qualifier = _qualifier(stmt.note)
                if qualifier and previous and not display.inline:
                    rels = _relations_of(pieces, line_of)
                    stream.append(_Qual(qualifier, tuple(rels), stmt.note))
                    continue
                if any(isinstance(p.value, tuple) for p in pieces):
                    if _tuples(pieces, state, line_of, seen) or display.inline:
                        continue
                    stream += [
                        None,
                        _unread(
                            row.text,
                            row.line,
                            index,
                            ParseError(
                                "a list in parentheses is not a value (only a function's arguments)"
                            ),
                        ),
                    ]
                    continue
                found = _definition(pieces, state.scope, seen, functions_only=display.inline)
                if found is not None and found[1][3] is not None and done < len(statements):
                    try:  # f(x) = 2x², x₁ = x₀ − α f'(x₀): the rest read knowing f
                        again = read_row(row.text, found[0].declare(_declared(row.text)))
                        if len(again) == len(statements):
                            statements = again
                    except ParseError:
                        pass
                if found is not None:
                    state.define(
                        found[0],
                        Definition(
                            found[1][0],
                            found[1][1],
                            f"{pieces[0].text} = {pieces[2].text}",
                            line_of(pieces[0]),
                            *found[1][2:],
                        ),
                    )
                    pieces = pieces[2:]
                elif not display.inline and _late(pieces, seen, state.scope):
                    late.append((pieces[0].value, line_of(pieces[0])))
                if display.inline:
                    continue
                if pieces and pieces[0].kind == "term":
                    stream.append(None)  # a new chain
                for p in pieces:
                    if p.kind == "term":
                        seen |= _symbols(p.value)
                        stream.append(_Term(p, line_of(p), index, row.text, state.current()))
                    else:
                        stream.append(_Conn(p, line_of(p)))
                if stmt.after.strip("() ").lower() in ("assumed", "assumption", "given"):
                    stream.append(_Qual("assumed", (), stmt.after))
                previous = pieces
    claims = _stitch(stream)
    if len(claims) > MAX_CLAIMS:
        raise ParseError(f"the document makes {len(claims)} claims, over the cap of {MAX_CLAIMS}")
    return Chains(tuple(claims), tuple(state.definitions), tuple(assumptions), tuple(late), opaque)


class _State:
    """The scope and the section's context while a document is read."""

    def __init__(self, scope: Scope, context: Context, definitions: list[Definition]) -> None:
        self.scope, self.base, self.context = scope, scope, context
        self.definitions = definitions
        self.stated: list[tuple[str, str, int]] = []
        self.cached: Context | None = None

    def state(self, keyword: str, text: str, line: int) -> None:
        """An assumption or case hypothesis stated in words (read when a claim needs it,
        with every name the section defines, also those defined after it)."""
        self.stated.append((keyword, text, line))
        self.cached = None

    def current(self) -> Context:
        """The section's context, its statements read with the names known now."""
        if self.cached is None:
            found: dict[str, list[Relation]] = {"assume": [], "case hypotheses": []}
            written: list[Definition] = []  # 'Write g_x = ∂ℒ/∂x' with ℒ as named later
            calls = sympy.core.function.AppliedUndef
            for keyword, text, line in self.stated:
                try:
                    if keyword == "write":
                        named = _named(text, line, self.scope)
                        written += [named[0]] if named is not None else []
                        continue
                    relations = read_assumption(text, line, self.scope)
                except ParseError:
                    continue
                found[keyword] += [r for r in relations if not isinstance(r.lhs, calls)]
            self.cached = Context(
                tuple(found["assume"]),
                tuple(found["case hypotheses"]),
                (*self.context.definitions, *written),
            )
        return self.cached

    def define(self, scope: Scope, definition: Definition, section: bool = False) -> None:
        self.scope, self.cached = scope, None
        if section:
            self.context = Context(
                self.context.assumptions,
                self.context.cases,
                (*self.context.definitions, definition),
            )
            return
        self.definitions.append(definition)
        if self.context == Context():
            self.base = scope

    def section(self) -> None:
        """A heading: what the last section stated in words no longer holds."""
        if self.context != Context() or self.stated:
            self.scope, self.cached = self.base, None
            self.context, self.stated = Context(), []


_QUALIFIERS: tuple[str, ...] = ("for every", "for all", "for each", "for any", "if", "when")
_QUALIFIERS += ("for small", "whenever", "provided", "assuming", "for")


def _qualifier(note: str) -> str:
    """'local' for 'for every small enough …', 'if' for a condition, '' otherwise."""
    words = note.lower().strip()
    if not words:
        return ""
    if "small enough" in words or "sufficiently small" in words or "near" in words.split():
        return "local"
    return "if" if any(words.startswith(q) for q in _QUALIFIERS) else ""


@dataclass(frozen=True)
class _Qual:
    """A qualifier written after a statement: 'local', 'if' (relations) or 'assumed'."""

    kind: str
    relations: tuple[Relation, ...]
    text: str


def _relations_of(pieces: list[Piece], line_of: Any) -> list[Relation]:
    out = []
    for k in range(1, len(pieces) - 1, 2):
        a, c, b = pieces[k - 1], pieces[k], pieces[k + 1]
        if a.kind == b.kind == "term" and c.kind == "rel":
            text = f"{a.text} {c.text} {b.text}"
            out.append(Relation(a.value, c.value, b.value, text, line_of(c)))
    return out


_DECLARED = re.compile(
    r"(?:^|,|;|\\q?quad|\\text\{[^{}]*\})\s*(\\mathcal\s*\{[A-Za-z]\}|\\[A-Za-z]+|[A-Za-z])"
    r"\s*(?:\\left)?\(\s*[A-Za-z\\_{}, ]*(?:\\right)?\)\s*="
)


def _declared(text: str) -> frozenset[str]:
    """Functions the row defines (``\\sigma(z) = …``): callable anywhere in it."""
    return frozenset(pretty(m.group(1)) for m in _DECLARED.finditer(text))


def _tuples(pieces: list[Piece], state: _State, line_of: Any, seen: set[Any]) -> bool:
    """``(x_1, y_1) = (0.5, 0.2)``: each name given its value; False if it is not that."""
    if len(pieces) != 3 or pieces[1].value != "=":
        return False
    names, values = pieces[0].value, pieces[2].value
    ok = isinstance(names, tuple) and isinstance(values, tuple) and len(names) == len(values)
    if not ok or not all(isinstance(n, sympy.Symbol) for n in names):
        return False
    if any(n in state.scope.values for n in names):
        return False
    for n, v in zip(names, values, strict=True):
        state.define(
            state.scope.define_value(n, v),
            Definition(str(n), v, f"{n} = {v}", line_of(pieces[0]), symbol=n),
        )
    return True


_KEYWORD = re.compile(
    r"^[\s*_]*(?:\\small\s*)?(?:\\textbf\{)?\s*"
    r"(Assume|Assuming|Case hypotheses|Names|Write|Where|where)\b"
)


def _keyword(lead: str) -> str:
    found = _KEYWORD.match(lead)
    if not found:
        return ""
    word = found.group(1).lower()
    return {"assuming": "assume", "where": "names", "write": "names"}.get(word, word)


def _inline(display: Any, state: _State) -> None:
    """Inline maths after 'Assume:', 'Case hypotheses', 'Names:' in its paragraph; after
    'Write', also read again with the names the section defines later (as
    :func:`_prose_row` does)."""
    keyword = _keyword(display.lead)
    if not keyword or not display.rows:
        return
    _stated(keyword, display.rows[0].text, display.line, state)
    if keyword == "names" and re.match(r"[\s*_]*Write\b", display.lead):
        state.state("write", display.rows[0].text, display.line)


def _stated(keyword: str, text: str, line: int, state: _State) -> None:
    if keyword == "names":
        try:
            _name(text, line, state)
        except ParseError:
            return
    else:
        state.state(keyword, text, line)


_SIMPLE = re.compile(
    r"\s*(\\mathcal\s*\{[A-Za-z]\}|\\[A-Za-z]+|[A-Za-z])\s*(\^\s*\{?\s*\*\s*\}?)?"
    r"(_\s*(\{(?:[A-Za-z0-9 ]|\\[A-Za-z]+)+\}|[A-Za-z0-9]))?\s*"
)


def _name(text: str, line: int, state: _State) -> None:
    """``name = value`` stated in words ('Names:', 'Write', 'where'): a section's name;
    ``f(x, y) = value``: a section's function."""
    found = _named(text, line, state.scope)
    if found is None:
        return
    definition, written = found
    if definition.params is not None:
        scope = state.scope.define_function(definition.name, definition.params, definition.value)
    elif written is None:
        scope = state.scope.define_value(definition.symbol, definition.value)
    else:
        scope = state.scope.define_label(written, definition.symbol, definition.value)
    state.define(scope, definition, True)


def _named(text: str, line: int, scope: Scope) -> tuple[Definition, str | None] | None:
    """The definition ``name = value`` states (and the written form it names, if the name
    is not a plain symbol), read in ``scope``; None if it is not one."""
    depth, at = 0, -1
    for k, ch in enumerate(text):
        depth += {"{": 1, "}": -1, "(": 1, ")": -1}.get(ch, 0)
        if ch == "=" and depth == 0 and text[k - 1 : k] not in ("<", ">", "!", "\\"):
            at = k
            break
    if at < 0:
        return None
    left, right = text[:at], text[at + 1 :]
    statements = read_row(right, scope)
    if len(statements) != 1 or len(statements[0].pieces) != 1:
        return None
    value = statements[0].pieces[0].value
    if not isinstance(value, sympy.Basic):
        return None
    if value.has(sympy.Derivative, sympy.Subs):
        value = value.doit()
    shown = " ".join(f"{left.strip()} = {right.strip()}".split())
    if _SIMPLE.fullmatch(left):
        symbol = read_row(left, Scope())[0].pieces[0].value
        if isinstance(symbol, sympy.Symbol) and symbol not in value.free_symbols:
            return Definition(str(symbol), value, shown, line, symbol), None
        return None
    function = _function_head(left, value)
    if function is not None and function[0] not in scope.functions:  # σ(z₁) names a value
        name, params = function
        return Definition(name, value, shown, line, None, params), None
    vector = _vector_head(left, value, scope)
    if vector is not None:
        name, params, body = vector
        return Definition(name, body, shown, line, None, params), None
    symbol = sympy.Symbol(pretty(left))
    if symbol in value.free_symbols:
        return None
    return Definition(str(symbol), value, shown, line, symbol), left


_HEAD = re.compile(
    r"\s*(\\mathcal\s*\{[A-Za-z]\}|\\[A-Za-z]+|[A-Za-z])\s*(?:\\left)?\((.*)(?:\\right)?\)\s*"
)


def _vector_head(left: str, value: Any, scope: Scope) -> tuple[str, tuple[Any, ...], Any] | None:
    """(name, components, value) when ``left`` is ``f(x)`` for a vector x the value uses by
    its components x_w, x_b (``m(p) = ℒ + gᵀp + ½pᵀHp``, with gᵀp and pᵀHp named by
    components earlier): f is a function of those components, so that ``m(p^*)`` is its
    value at p*_w, p*_b. The written forms in the value are put in first."""
    head = _HEAD.fullmatch(left)
    if head is None or not _SIMPLE.fullmatch(head.group(2)):
        return None
    vector = read_row(head.group(2), Scope())[0].pieces[0].value
    name = read_row(head.group(1), Scope())[0].pieces[0].value
    if not isinstance(vector, sympy.Symbol) or not isinstance(name, sympy.Symbol):
        return None
    body = value
    for _ in range(MAX_NESTING):
        written = {
            s: scope.values[s]
            for s in body.free_symbols
            if s in scope.values and any(mark in s.name for mark in OPAQUE)
        }
        if not written:
            break
        body = body.xreplace(written)
    prefix = vector.name + "_"
    components = tuple(sorted((s for s in body.free_symbols if s.name.startswith(prefix)), key=str))
    if not components or vector in body.free_symbols:
        return None
    return str(name), components, body


MAX_NESTING = 8
"""How deep written forms are put into a vector function's value (gᵀp inside m(p))."""


def _function_head(left: str, value: Any) -> tuple[str, tuple[Any, ...]] | None:
    """(name, parameters) when ``left`` is ``f(x, y)`` with distinct plain symbols, each
    used by ``value`` (``ℒ(w, b) = (wx + b − y)²``); None for a written form such as
    ``m(p)`` whose value uses no p (a name for one value)."""
    head = _HEAD.fullmatch(left)
    if head is None:
        return None
    params = []
    for part in head.group(2).removesuffix("\\right").split(","):
        if not _SIMPLE.fullmatch(part):
            return None
        read = read_row(part, Scope())[0].pieces[0].value
        if not isinstance(read, sympy.Symbol):
            return None
        params.append(read)
    if len(set(params)) != len(params) or not set(params) <= value.free_symbols:
        return None
    name = read_row(head.group(1), Scope())[0].pieces[0].value
    return (str(name), tuple(params)) if isinstance(name, sympy.Symbol) else None


_SLASH = re.compile(
    r"\\partial\s*(\^\s*\{?(\d)\}?)?\s*(\\mathcal\s*\{[A-Za-z]\}|[A-Za-z])\s*/\s*"
    r"((?:\\partial\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*)+)"
)


def _prose_row(row: Any, state: _State) -> None:
    """An ``\\intertext``: its inline maths after 'Assume:', 'Case hypotheses', 'Names:';
    'Write a = b; …' read item by item (∂L/∂w written with a slash is a derivative)."""
    text = re.sub(r"^\s*\\(short)?intertext\s*\{|\}\s*$", "", row.text)
    text = re.sub(r"\\(small|footnotesize|scriptsize)(?![A-Za-z])", "", text)
    keyword = _keyword(text)
    if keyword == "names" and re.match(r"\s*Write\b", text):
        body = re.sub(r"^\s*Write\s*", "", text).rstrip(". ")
        for item in body.split(";"):
            item = " ".join(item.replace("$", " ").split())
            item = _SLASH.sub(_frac, item)
            try:
                _name(item, row.line, state)
            except ParseError:
                continue
            state.state("write", item, row.line)  # read again with the section's names
        return
    if not keyword:
        return
    for m in re.finditer(r"(?<!\\)\$([^$]+)\$", text):
        _stated(keyword, m.group(1), row.line, state)


def _frac(m: re.Match[str]) -> str:
    order = m.group(2) or "1"
    top = f"\\partial^{{{order}}} {m.group(3)}" if order != "1" else f"\\partial {m.group(3)}"
    return f"\\frac{{{top}}}{{{m.group(4)}}}"


def _named_in_words(document: Document) -> frozenset[Any]:
    """Names a 'Write …' paragraph defines in words (``Write s = ℒ(a, b)``, ``components
    g_w, g_b``): arbitrary values for the judge, never refuted through."""
    out: set[Any] = set()
    for text, _ in document.prose:
        plain = text.replace("$", "")
        plain = re.sub(r"_\{([A-Za-z0-9]+)\}", r"_\1", plain)
        for m in re.finditer(r"(?<![\w\\])([A-Za-z](?:_[A-Za-z0-9]+)?)\s*=", plain):
            out.add(sympy.Symbol(m.group(1)))
        for m in re.finditer(r"\((?:components|entries)\s+([^()]*)\)", plain):
            for name in re.findall(r"[A-Za-z](?:_[A-Za-z0-9]+)?", m.group(1)):
                out.add(sympy.Symbol(name))
    return frozenset(out)


def _unread(text: str, line: int, display: int, exc: ParseError) -> Claim:
    message = str(exc).splitlines()[0]
    return Claim("unread", " ".join(text.split()), line, display, reason=f"not read: {message}")


def _symbols(value: Any) -> set[Any]:
    if not isinstance(value, sympy.Basic):
        return set()
    calls = {sympy.Symbol(str(f.func)) for f in value.atoms(sympy.core.function.AppliedUndef)}
    return set(value.free_symbols) | calls


def _definition(
    pieces: list[Piece], scope: Scope, seen: set[Any], functions_only: bool = False
) -> tuple[Scope, tuple[Any, ...]] | None:
    """(new scope, (name, value, symbol, params)) when the statement opens with a new name
    given a value: ``s = …`` for an unused symbol, ``f(x) = …`` for a new function."""
    if len(pieces) < 3 or pieces[0].kind != "term" or pieces[1].value != "=":
        return None
    if any(p.kind == "arrow" for p in pieces):
        return None  # x = 2 ⟹ … states a hypothesis, not a name
    lhs, rhs = pieces[0].value, pieces[2].value
    if not isinstance(rhs, sympy.Basic):
        return None
    if isinstance(lhs, sympy.Symbol) and not functions_only:  # inline x = 1 names no value
        if lhs in seen or lhs in scope.values or lhs in _symbols(rhs) or str(lhs) == "…":
            return None
        if any(mark in lhs.name for mark in OPAQUE) or rhs.has(BigO):
            return None  # ℒ(θ + ηu) = … + O(η³) is a claim about a written value
        return scope.define_value(lhs, rhs), (str(lhs), rhs, lhs, None)
    if isinstance(lhs, sympy.core.function.AppliedUndef):
        name, params = str(lhs.func), lhs.args
        ok = all(isinstance(p, sympy.Symbol) for p in params) and len(set(params)) == len(params)
        if not ok or name in scope.functions or sympy.Symbol(name) in _symbols(rhs):
            return None
        return scope.define_function(name, tuple(params), rhs), (name, rhs, None, tuple(params))
    return None


def _late(pieces: list[Piece], seen: set[Any], scope: Scope) -> bool:
    """Does the statement give a value to a symbol the text already used?"""
    if len(pieces) < 3 or pieces[0].kind != "term" or pieces[1].value != "=":
        return False
    lhs = pieces[0].value
    return isinstance(lhs, sympy.Symbol) and lhs in seen and lhs not in scope.values


def _stitch(stream: list[Any]) -> list[Claim]:
    """Re-split with continuation: a statement opening with a connective continues the
    chain before it (possibly across displays), so the breaks before it are dropped."""
    merged: list[Any] = []
    for k, item in enumerate(stream):
        if item is None and k + 1 < len(stream) and isinstance(stream[k + 1], _Conn):
            continue
        merged.append(item)
    claims: list[Claim] = []
    chain: list[Any] = []
    for item in [*merged, None]:
        if isinstance(item, _Qual):
            made = _chain(chain) if chain else []
            claims += [_qualified(c, item) for c in made]
            chain = []
            continue
        if isinstance(item, Claim) or item is None:
            if chain:
                claims += _chain(chain)
            chain = []
            if isinstance(item, Claim):
                claims.append(item)
            continue
        if isinstance(item, _Conn) and (not chain or isinstance(chain[-1], _Conn)):
            claims.append(
                Claim(
                    "unread",
                    item.piece.text,
                    item.line,
                    -1,
                    reason="not read: a relation with nothing before it",
                )
            )
            continue
        chain.append(item)
    return claims


def _qualified(claim: Claim, qualifier: _Qual) -> Claim:
    """A claim with what was written after it: 'if …' (hypotheses), 'for every small
    enough …' (a local claim) or '(assumed)' (a premise the text states)."""
    if claim.kind != "claim" or claim.relation is None:
        return claim
    words = " ".join(qualifier.text.split())
    shown = ", ".join(r.text for r in qualifier.relations)
    text = f"{claim.text} {words} {shown}".strip()
    if qualifier.kind == "assumed":
        return Claim(
            "hypothesis",
            text,
            claim.line,
            claim.display,
            claim.relation,
            context=claim.context,
            reason="stated as an assumption",
        )
    if qualifier.kind == "local":
        return Claim(
            "claim",
            text,
            claim.line,
            claim.display,
            claim.relation,
            claim.hypotheses,
            claim.iff,
            claim.reason,
            claim.context,
            local=f"{words} {shown}".strip(),
        )
    return Claim(
        "claim",
        text,
        claim.line,
        claim.display,
        claim.relation,
        (*claim.hypotheses, *qualifier.relations),
        claim.iff,
        claim.reason,
        claim.context,
    )


def _chain(items: list[Any]) -> list[Claim]:
    """The claims of one chain t₀ c₁ t₁ c₂ t₂ …, split at ⟹ and ⟺."""
    if isinstance(items[-1], _Conn):
        last = items[-1]
        return [
            Claim(
                "unread",
                last.piece.text,
                last.line,
                -1,
                reason="not read: a relation with nothing after it",
            )
        ]
    segments: list[list[Any]] = [[]]
    arrows: list[_Conn] = []
    for item in items:
        if isinstance(item, _Conn) and item.piece.kind == "arrow":
            segments.append([])
            arrows.append(item)
        else:
            segments[-1].append(item)
    relations = [_relations(s) for s in segments]
    context = next((t.context for t in items if isinstance(t, _Term)), None)
    out: list[Claim] = []
    for k, rels in enumerate(relations):
        display = next((t.display for t in segments[k] if isinstance(t, _Term)), -1)
        if not rels and (k > 0 or arrows):
            term = next(t for t in segments[k] if isinstance(t, _Term)) if segments[k] else None
            line = term.line if term else arrows[max(0, k - 1)].line
            text = term.piece.text if term else ""
            out.append(
                Claim(
                    "unread",
                    text,
                    line,
                    display,
                    reason="not read: each side of ⟹ or ⟺ must be a relation",
                )
            )
            continue
        if k + 1 < len(relations) and k == 0:
            out += [Claim("hypothesis", r.text, r.line, display, r, context=context) for r in rels]
            continue
        hypotheses = tuple(relations[k - 1]) if k > 0 else ()
        iff = k > 0 and arrows[k - 1].piece.value == "<=>"
        for r in rels:
            text = r.text
            if hypotheses:
                joined = ", ".join(h.text for h in hypotheses)
                text = f"{joined} {'⟺' if iff else '⟹'} {r.text}"
            out.append(Claim("claim", text, r.line, display, r, hypotheses, iff, context=context))
    return out


def _relations(segment: list[Any]) -> list[Relation]:
    out = []
    for k in range(1, len(segment) - 1, 2):
        a, c, b = segment[k - 1], segment[k], segment[k + 1]
        if a.row == b.row:
            text = a.row[a.piece.start : b.piece.end]
        else:
            text = f"{a.piece.text} {c.piece.text} {b.piece.text}"
        shown = " ".join(text.replace("&", " ").split())
        out.append(Relation(a.piece.value, c.piece.value, b.piece.value, shown, c.line))
    return out
