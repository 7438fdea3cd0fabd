"""Where the maths is in a file: displays and inline maths of Markdown (MyST), LaTeX and
reST, with their line numbers, and the assumptions the file states.

Displays are ``$$…$$``, ``\\[…\\]``, ``equation``/``align``/``gather`` (starred or not),
MyST ```` ```{math} ```` fences and reST ``.. math::`` blocks; rows split at ``\\\\`` (and
``\\newline``). Inline maths (``$…$``, ``\\(…\\)``, ``:math:`…```) is kept for the
definitions it states. Assumptions come from front matter (``assume: [x >= 0]``) and from
comment lines ``% assume: …``, ``<!-- assume: … -->`` or ``.. assume: …``.

>>> doc = read_document("---\\nassume: [x > 0]\\n---\\n$$x^2 = x \\\\cdot x$$\\n", "markdown")
>>> doc.assumptions, [(d.line, d.rows[0].text) for d in doc.displays]
((('x > 0', 2),), [(4, 'x^2 = x \\\\cdot x')])
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import ParseError
from .grammar import check_document

__all__ = ["FORMATS", "Display", "Document", "Row", "format_of", "read_document"]

FORMATS = ("markdown", "latex", "rst")
MAX_DISPLAYS = 2000
_ENVS = r"equation\*?|align\*?|gather\*?|displaymath|eqnarray\*?|multline\*?"
_INNER = re.compile(
    r"\\(begin|end)\{(aligned|split|gathered)\}(\[[a-z]\])?|\\(label|tag)\{[^{}]*\}"
)
_ASSUME = re.compile(r"^[ \t]*(?:%|<!--|\.\.)[ \t]*assume:[ \t]*(.*?)[ \t]*(?:-->)?[ \t]*$", re.M)


@dataclass(frozen=True)
class Row:
    """One row of a display: its text and the line it starts on (1-based); ``prose`` for
    the text of an ``\\intertext{…}`` (words with inline maths) between rows."""

    text: str
    line: int
    prose: bool = False


@dataclass(frozen=True)
class Display:
    """Maths set apart (``inline`` False) or in a sentence; ``start``/``end`` are offsets
    of the whole construct in the file (for the annotated copy)."""

    rows: tuple[Row, ...]
    line: int
    end_line: int
    start: int
    end: int
    inline: bool = False
    lead: str = ""
    """For inline maths: the words of its paragraph before it (``Assume: …``)."""


@dataclass(frozen=True)
class Document:
    """The maths of a file, in order, and its stated assumptions (text, line)."""

    format: str
    displays: tuple[Display, ...]
    assumptions: tuple[tuple[str, int], ...]
    headings: tuple[int, ...] = ()
    """The lines of the section headings (what the text states in words holds until the
    next one)."""
    prose: tuple[tuple[str, int], ...] = ()
    """Paragraphs of words (text, first line), for names the text defines in words."""


def format_of(path: str) -> str:
    """The format a file name suggests (markdown by default).

    >>> format_of("notes.tex"), format_of("page.rst"), format_of("lecture.md")
    ('latex', 'rst', 'markdown')
    """
    lower = path.lower()
    if lower.endswith((".tex", ".latex", ".ltx")):
        return "latex"
    if lower.endswith((".rst", ".rest")):
        return "rst"
    return "markdown"


def read_document(text: str, format: str = "markdown") -> Document:
    """The displays and assumptions of ``text`` in ``format`` (markdown, latex or rst)."""
    if format not in FORMATS:
        raise ParseError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    check_document(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _Lines(text)
    assumptions = [(m.group(1), lines.line(m.start())) for m in _ASSUME.finditer(text)]
    body = text
    if format == "markdown":
        front, body = _front_matter(text)
        assumptions = _front_assumptions(front) + assumptions
        body = _blank(body, r"(?<!`)`[^`\n]+`(?!`)")  # inline code is not maths
    if format == "latex":
        body = _blank(body, r"(?<!\\)%[^\n]*")
    if format == "rst":
        displays = _rst(body, lines)
    else:
        displays = _scan(body, lines, fences=format == "markdown")
    if len(displays) > MAX_DISPLAYS:
        raise ParseError(f"the document has {len(displays)} pieces of maths, over {MAX_DISPLAYS}")
    displays = [_with_lead(d, body) if d.inline else d for d in displays]
    return Document(
        format, tuple(displays), tuple(assumptions), _headings(body, format, lines), _prose(body)
    )


_HEADING = {
    "markdown": r"(?m)^#{1,6}[ \t]",
    "latex": r"\\(part|chapter|(sub)*section|paragraph)\*?\s*[\[{]",
    "rst": r"(?m)^[^\s\n][^\n]*\n([=\-~^\"'`#*+]){3,}[ \t]*$",
}


def _headings(body: str, format: str, lines: _Lines) -> tuple[int, ...]:
    return tuple(lines.line(m.start()) for m in re.finditer(_HEADING[format], body))


def _prose(body: str) -> tuple[tuple[str, int], ...]:
    """Paragraphs that start with 'Write' (names defined in words), with their lines."""
    out = []
    for m in re.finditer(r"(?m)^(?:[ \t*_]*)Write\b[^\n]*", body):
        out.append((m.group(), body.count("\n", 0, m.start()) + 1))
    return tuple(out)


def _with_lead(display: Display, body: str) -> Display:
    """The inline maths with the words of its paragraph before it."""
    start = max(body.rfind("\n", 0, display.start), body.rfind("\\intertext", 0, display.start))
    lead = body[max(start, 0) : display.start]
    return Display(
        display.rows, display.line, display.end_line, display.start, display.end, True, lead
    )


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _blank(text: str, pattern: str) -> str:
    """``text`` with each match replaced by spaces (offsets and lines kept)."""
    return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _front_matter(text: str) -> tuple[str, str]:
    match = re.match(r"---[ \t]*\n(.*?\n)---[ \t]*(\n|$)", text, re.S)
    if not match:
        return "", text
    return match.group(1), _blank(text[: match.end()], r".+") + text[match.end() :]


def _front_assumptions(front: str) -> list[tuple[str, int]]:
    """``assume: [a, b]``, ``assume: a`` or a YAML list under ``assume:`` (lines count the
    opening ``---`` as line 1)."""
    out: list[tuple[str, int]] = []
    lines = front.split("\n")
    for k, line in enumerate(lines):
        match = re.match(r"assume:\s*(.*)$", line.strip())
        if not match:
            continue
        value = match.group(1).strip()
        if value.startswith("["):
            if not value.endswith("]"):
                raise ParseError(f"front matter line {k + 2}: assume: [ … ] is not closed")
            out += [(_unquote(v), k + 2) for v in _split_list(value[1:-1])]
        elif value:
            out.append((_unquote(value), k + 2))
        else:
            for j in range(k + 1, len(lines)):
                item = re.match(r"\s*-\s+(.*)$", lines[j])
                if not item:
                    break
                out.append((_unquote(item.group(1)), j + 2))
    return [(v, n) for v, n in out if v]


def _split_list(inside: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in inside:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value.replace("\\\\", "\\") if value.startswith('"') else value


_START = re.compile(
    r"(?m)^(?P<fence>[ \t]*(?:```+|~~~+)[^\n]*)$"
    r"|(?P<dd>\$\$)|(?P<bracket>(?<!\\)\\\[)|\\begin\{(?P<env>" + _ENVS + r")\}"
    r"|(?P<paren>\\\()|(?P<dollar>(?<!\\)\$(?!\$))"
)


_DOLLAR = re.compile(r"(?<!\\)\$")


def _scan(text: str, lines: _Lines, fences: bool) -> list[Display]:
    out: list[Display] = []
    pos = 0
    while True:
        m = _START.search(text, pos)
        if m is None:
            return out
        if m.group("fence") is not None:
            if not fences:
                pos = m.end()
                continue
            marker = re.match(r"[ \t]*(`+|~+)", m.group()).group(1)  # type: ignore[union-attr]
            close = re.compile(r"(?m)^[ \t]*" + re.escape(marker) + r"[ \t]*$")
            end = close.search(text, m.end())
            stop = end.start() if end else len(text)
            info = m.group()[m.group().find(marker) + len(marker) :].strip()
            if info in ("{math}", "math"):
                content_start = m.end() + 1
                block = text[content_start:stop]
                block = _blank(block, r"(?m)^[ \t]*:[A-Za-z-]+:.*$")
                for part_start, part in _paragraphs(block, content_start):
                    out.append(
                        _display(part, part_start, m.start(), end.end() if end else stop, lines)
                    )
            pos = end.end() if end else len(text)
            continue
        if m.group("dd"):
            close_at = text.find("$$", m.end())
            inner, stop = m.end(), close_at
            after = close_at + 2
        elif m.group("bracket"):
            close_at = text.find(r"\]", m.end())
            inner, stop, after = m.end(), close_at, close_at + 2
        elif m.group("env"):
            end_tag = r"\end{" + m.group("env") + "}"
            close_at = text.find(end_tag, m.end())
            inner, stop, after = m.end(), close_at, close_at + len(end_tag)
        elif m.group("paren"):
            close_at = text.find(r"\)", m.end())
            if close_at >= 0:
                out.append(
                    _display(
                        text[m.end() : close_at], m.end(), m.start(), close_at + 2, lines, True
                    )
                )
            pos = m.end() if close_at < 0 else close_at + 2
            continue
        else:
            found = _DOLLAR.search(text, m.end())
            if found is None or "\n\n" in text[m.end() : found.start()]:
                pos = m.end()
                continue
            body = text[m.end() : found.start()]
            out.append(_display(body, m.end(), m.start(), found.end(), lines, True))
            pos = found.end()
            continue
        if close_at < 0:
            raise ParseError(
                f"line {lines.line(m.start())}: the display opened here is never closed"
            )
        out.append(_display(text[inner:stop], inner, m.start(), after, lines))
        pos = after


def _paragraphs(block: str, start: int) -> list[tuple[int, str]]:
    """Blank-line separated parts (Sphinx makes each its own equation)."""
    out, offset = [], 0
    for part in re.split(r"(\n[ \t]*\n)", block):
        if part.strip() and not re.fullmatch(r"\n[ \t]*\n", part):
            out.append((start + offset, part))
        offset += len(part)
    return out


def _display(
    content: str, offset: int, start: int, end: int, lines: _Lines, inline: bool = False
) -> Display:
    content = _blank(content, _INNER.pattern)
    rows: list[tuple[int, str, bool]] = []
    for a, b in _intertexts(content):  # words between rows: a row of prose, and a row break
        rows.append((a, content[a:b], True))
        content = content[:a] + "\\\\" + " " * (b - a - 2) + content[b:]
    matrices = [(m.start(), m.end()) for m in _MATRIX.finditer(content)]
    row_start = 0
    for m in re.finditer(r"\\\\(\[[^\]]*\])?|\\newline(?![A-Za-z])|\\cr(?![A-Za-z])", content):
        inside = any(a <= m.start() < b for a, b in matrices)  # rows of a matrix: one value
        if not inside and _depth(content[: m.start()]) == 0:
            rows.append((row_start, content[row_start : m.start()], False))
            row_start = m.end()
    rows.append((row_start, content[row_start:], False))
    rows = _joined(sorted(rows))
    kept = tuple(
        Row(text, lines.line(offset + at), prose)
        for at, text, prose in sorted(rows)
        if text.strip()
    )
    return Display(kept, lines.line(start), lines.line(max(start, end - 1)), start, end, inline)


_CONTINUED = re.compile(r"^(\s|&|\\q?quad(?![A-Za-z])|\\[,;:! ])*(\+|-|\\cdot|\\times)")


def _joined(rows: list[tuple[int, str, bool]]) -> list[tuple[int, str, bool]]:
    """A row that opens with + or − continues the expression of the row before it (a
    long line broken by the printer), so the two are one row."""
    out: list[tuple[int, str, bool]] = []
    for at, text, prose in rows:
        opening = _CONTINUED.match(text)
        if out and not prose and not out[-1][2] and opening:
            before = out[-1]
            rest = " " * opening.start(2) + text[opening.start(2) :]  # no \qquad: one term
            out[-1] = (before[0], before[1] + " " + rest, False)
            continue
        out.append((at, text, prose))
    return out


_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix)\}.*?\\end\{\1\}", re.S)


def _intertexts(content: str) -> list[tuple[int, int]]:
    """The spans of ``\\intertext{…}`` (and ``\\shortintertext``) in a display."""
    out = []
    for m in re.finditer(r"\\(short)?intertext\s*\{", content):
        depth, k = 1, m.end()
        while k < len(content) and depth:
            depth += {"{": 1, "}": -1}.get(content[k], 0)
            k += 1
        if not depth:
            out.append((m.start(), k))
    return out


def _depth(prefix: str) -> int:
    return prefix.count("{") - prefix.count("}")


_RST_MATH = re.compile(r"(?m)^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>[^\n]*)\n")


def _rst(text: str, lines: _Lines) -> list[Display]:
    out: list[tuple[int, Display]] = []
    for m in _RST_MATH.finditer(text):
        indent = len(m.group("indent"))
        if m.group("first").strip():
            first_at = m.start("first")
            out.append((first_at, _display(m.group("first"), first_at, m.start(), m.end(), lines)))
        block_end = m.end()
        for line in re.finditer(r"[^\n]*\n?", text[m.end() :]):
            raw = line.group()
            lead = len(raw) - len(raw.lstrip(" \t"))
            if not raw or (raw.strip() and lead <= indent):
                break
            block_end = m.end() + line.end()
        block = _blank(text[m.end() : block_end], r"(?m)^[ \t]*:[A-Za-z-]+:.*$")
        for part_start, part in _paragraphs(block, m.end()):
            out.append((part_start, _display(part, part_start, m.start(), block_end, lines)))
    for m in re.finditer(r":math:`([^`]*)`", text):
        out.append((m.start(), _display(m.group(1), m.start(1), m.start(), m.end(), lines, True)))
    return [d for _, d in sorted(out, key=lambda pair: pair[0])]
