"""``derive check FILE``: the command's options and its logic (the CLI only registers it).

Exit codes: 0 every step proved, 1 any step failed or unproved (or no step at all), 2
unreadable input (a missing file, a refused document, a bad option).

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.md"
>>> _ = path.write_text("$$ (a+b)^2 = a^2 + 2ab + b^2 $$\\n")
>>> run([str(path)])
    1  ✓ proved      (a+b)^2 = a^2 + 2ab + b^2
checked: 1 step (1 proved)
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import DeriveError, ParseError

__all__ = ["SUMMARY", "add_arguments", "check", "run"]

SUMMARY = "check the derivations written in a Markdown, LaTeX or reST file"
EXAMPLE = 'derive check notes.md --assume "x >= 0" --json'
MAX_BYTES = 2_000_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``derive check``."""
    p.add_argument("file", help="the file to check ('-' reads standard input)")
    p.add_argument(
        "--format",
        choices=("markdown", "latex", "rst"),
        help="the file's format (default: from its name; markdown otherwise)",
    )
    p.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="RELATION",
        help="an assumption such as 'x >= 0' or 'x_0 = 1' (repeat for more)",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output")
    output.add_argument(
        "--annotate",
        action="store_true",
        help="print the file with ✓/✗ beside each display instead of the report",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the output here")


def check(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Run ``derive check`` on parsed options; returns the exit code. A DeriveError or an
    unreadable file propagates (the CLI turns both into exit code 2)."""
    from .annotate import annotate
    from .api import audit
    from .documents import format_of

    text = _read(args.file, stdin or sys.stdin)
    format = args.format or format_of(args.file)
    result = audit(text, format=format, assume=tuple(args.assume))
    if args.json:
        out = json.dumps(result.json(), indent=2, ensure_ascii=False) + "\n"
    elif args.annotate:
        out = annotate(text, result)
    else:
        out = result.text() + "\n"
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0 if result.ok else 1


def run(argv: Sequence[str]) -> int:
    """``derive check`` from argv-like options alone (for tests and scripts): 0, 1 or 2."""
    parser = argparse.ArgumentParser(prog="derive check", description=SUMMARY)
    add_arguments(parser)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return check(args)
    except (DeriveError, OSError, UnicodeDecodeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"derive check: error: {message}", file=sys.stderr)
        return 2


def _read(name: str, stdin: Any) -> str:
    if name == "-":
        text = stdin.read(MAX_BYTES + 1)
    else:
        path = Path(name)
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise ParseError(f"{name} has over {MAX_BYTES} bytes: refused")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ParseError(f"{name} is not UTF-8 text") from None
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise ParseError(f"the input has over {MAX_BYTES} characters: refused")
    return text
