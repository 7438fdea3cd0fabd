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

from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import ParseError
from .documents import Document
from .latex import Piece, Scope, read_row

__all__ = ["Chains", "Claim", "Definition", "Relation", "read_assumption", "split"]

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
class Chains:
    """What a document claims, defines and assumes, in order. ``late`` lists (symbol,
    line) for a symbol given a value only after it was used."""

    claims: tuple[Claim, ...]
    definitions: tuple[Definition, ...]
    assumptions: tuple[Relation, ...]
    late: tuple[tuple[Any, int], ...]


@dataclass(frozen=True)
class _Term:
    piece: Piece
    line: int
    display: int
    row: str


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
    stream: list[Any] = []
    late: list[tuple[Any, int]] = []
    for index, display in enumerate(document.displays):
        for row in display.rows:
            try:
                statements = read_row(row.text, scope)
            except ParseError as exc:
                if not display.inline:
                    stream += [None, _unread(row.text, row.line, index, exc)]
                continue
            for stmt in statements:
                pieces = list(stmt.pieces)

                def line_of(p: Piece, row: Any = row) -> int:
                    return int(row.line + row.text.count("\n", 0, p.start))

                found = _definition(pieces, scope, seen, functions_only=display.inline)
                if found is not None:
                    scope, definition = found[0], found[1]
                    definitions.append(
                        Definition(
                            definition[0],
                            definition[1],
                            f"{pieces[0].text} = {pieces[2].text}",
                            line_of(pieces[0]),
                            *definition[2:],
                        )
                    )
                    pieces = pieces[2:]
                elif not display.inline and _late(pieces, seen, scope):
                    late.append((pieces[0].value, line_of(pieces[0])))
                if display.inline:
                    continue
                if pieces and pieces[0].kind == "term":
                    stream.append(None)  # a new chain
                for p in pieces:
                    if p.kind == "term":
                        seen |= _symbols(p.value)
                        stream.append(_Term(p, line_of(p), index, row.text))
                    else:
                        stream.append(_Conn(p, line_of(p)))
    claims = _stitch(stream)
    if len(claims) > MAX_CLAIMS:
        raise ParseError(f"the document makes {len(claims)} claims, over the cap of {MAX_CLAIMS}")
    return Chains(tuple(claims), tuple(definitions), tuple(assumptions), tuple(late))


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
            out += [Claim("hypothesis", r.text, r.line, display, r) for r in rels]
            continue
        hypotheses = tuple(relations[k - 1]) if k > 0 else ()
        iff = k > 0 and arrows[k - 1].piece.value == "<=>"
        for r in rels:
            text = r.text
            if hypotheses:
                joined = ", ".join(h.text for h in hypotheses)
                text = f"{joined} {'⟺' if iff else '⟹'} {r.text}"
            out.append(Claim("claim", text, r.line, display, r, hypotheses, iff))
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
