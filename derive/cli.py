"""The ``derive`` command: a thin surface over the public API and the one registry.

Exit codes: 0 when everything asked for succeeded and verified, 1 when a derivation did
not verify (or an emitted rule failed its check), 2 for bad input, a refused combination
of options or refused work (over a work budget), with a one-line ``derive: error: ...``
and no traceback, 3 for an internal error: a bug in derive, reported as
``derive: internal error: ...``. A crash never exits 1. Set ``DERIVE_DEBUG=1`` to get the
traceback of an internal error instead.

Every command that prints a derivation (``taylor``, ``prove``) takes one output format,
``--latex``, ``--markdown``, ``--json``, ``--tex`` (a standalone document) or ``--pdf``
(compiled with pdflatex), and ``-o FILE`` to write it to a file. SymPy is imported only
when a command runs, so ``derive --version`` and ``derive --help`` start at once.

>>> main(["taylor", "2*x**2", "--params", "x", "--at", "x = 1"])
L(x) = 2 + (4*x - 4) + 2*(x - 1)**2 + O(|x - 1|^3)
0
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from itertools import combinations_with_replacement
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .progress import running, stage

if TYPE_CHECKING:  # imported where used: SymPy takes half a second to import
    from .derivation import Derivation
    from .kernel import Report
    from .objective import Objective
    from .taylor import Taylor

__all__ = ["main", "parse_point"]

EXAMPLES = """examples:
  derive                                          the whole lecture on the built-in example
  derive taylor "(w*x + b - y)**2" --params "w b" --order 2 --at "w = 1, b = 0"
  derive taylor "log(1 + w**2 + b**2)" --params "w b" --form structured --markdown
  derive prove steepest-descent --dim 3
  derive prove gradient-descent --loss "(w*x + b - y)**2" --params "w b" --pdf -o gd.pdf
  derive descend "(w*x - y)**2" --params w --at w=0 --lr 0.1 --data-values "x=2, y=1"
  derive descend "(w*x - y)**2" --params w --at w=0 --lr 0.1 --data-file data.csv
  derive emit "log(1 + exp(-y*(dot(w, x) + b)))" --params "w:100 b" --data "x:100 y" -o step.py --check
  derive plot "x**2 + 3*y**2" --params "x y" --at "x=1, y=1" --lr 0.1 -o descent.png
  derive plot "2*x**2" --params x --at x=1 --lr 0.1 --steps 2 -o curve.png
  derive lecture --out lectures --pdf
"""

FORMS = ("expanded", "structured", "componentwise")
"""The forms of a printed Taylor expansion ('components' is read as 'componentwise')."""

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


class _Choices(Sequence[str]):
    """Choices read from a registry when first needed, so that building the parser (for
    --help and --version) imports no SymPy."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load

    def _items(self) -> tuple[str, ...]:
        return tuple(self._load())

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __contains__(self, value: object) -> bool:
        return value in self._items()


def _kinds() -> Sequence[str]:
    from .library import REGISTRY

    return tuple(REGISTRY)


def __getattr__(name: str) -> Any:
    """``NAMES``, the registry's kinds, read when first asked for (no SymPy at start).

    >>> from derive.cli import NAMES
    >>> NAMES[:2]
    ('steepest-descent', 'gradient-descent')
    """
    if name == "NAMES":
        return tuple(_kinds())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _methods() -> Sequence[str]:
    from .emit import METHODS

    return METHODS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"derive: error: {message} (see 'derive --help')\n")


def _sub(sub: Any, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _loss_args(p: argparse.ArgumentParser, *, positional: bool) -> None:
    if positional:
        p.add_argument("loss", help="the loss, e.g. '(w*x + b - y)**2'")
        p.add_argument("--params", required=True, help="parameters, e.g. 'w b' or 'w:100 b'")
    else:
        p.add_argument("--loss", help="the loss (default: the built-in sigmoid neuron)")
        p.add_argument("--params", help="parameters, e.g. 'w b' (required with --loss)")
    p.add_argument("--data", help="data declarations for vectors, e.g. 'x:100 y'")


def _data_values_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-values",
        metavar="VALUES",
        help="a value for every data symbol of the loss, e.g. 'x=1.5, y=0' (exact: 0.1 is 1/10)",
    )
    p.add_argument(
        "--data-file",
        metavar="SOURCE",
        action="append",
        help="data rows from files (the loss is their mean): FILE.csv with a header row naming "
        "the data symbols (x_1, x_2, ... for a vector x), FILE.npz with one array per data "
        "symbol, or NAME=FILE.npy / NAME=FILE.csv for one symbol; repeat it or separate "
        "sources with commas; --data-values then gives constants",
    )


def _output_args(p: argparse.ArgumentParser, *, documents: bool) -> None:
    """One output format (text by default) and -o FILE."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="machine-readable output")
    group.add_argument("--latex", action="store_true", help="LaTeX for a document's body")
    group.add_argument("--markdown", action="store_true", help="MyST/Markdown ($$ blocks)")
    if documents:
        group.add_argument("--tex", action="store_true", help="a standalone .tex document")
        group.add_argument(
            "--pdf", action="store_true", help="a PDF through pdflatex (needs -o FILE.pdf)"
        )
    p.add_argument("-o", "--output", metavar="FILE", help="write the output here")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="derive",
        description="Machine-checked derivations of optimizer update rules. With no command: "
        "the whole lecture on the built-in example, writing derivation.tex and step.py.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    parser.add_argument(
        "--out",
        dest="top_out",
        help="with no command: the folder for derivation.tex and step.py (default: here)",
    )
    parser.add_argument(
        "--json", dest="top_json", action="store_true", help="with no command: JSON output"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = _sub(
        sub,
        "taylor",
        "multivariate Taylor expansion of a loss",
        'derive taylor "2*x**2" --params x --at "x = 1" --form structured --markdown',
    )
    _loss_args(t, positional=True)
    t.add_argument("--order", type=int, default=2, help="highest degree kept (default 2)")
    t.add_argument("--at", help="expansion point, e.g. 'w = 1, b = 0' (default: symbolic)")
    t.add_argument(
        "--form",
        default="expanded",
        type=lambda s: "componentwise" if s == "components" else s,
        choices=FORMS,
        help="expanded (default): the terms' values; structured: gradient and Hessian; "
        "componentwise: one partial derivative per term",
    )
    _output_args(t, documents=True)

    p = _sub(
        sub,
        "prove",
        "build and verify a library derivation",
        "derive prove steepest-descent --dim 3",
    )
    p.add_argument(
        "name", metavar="NAME", choices=_Choices(_kinds), help="the derivation: %(choices)s"
    )
    _loss_args(p, positional=False)
    p.add_argument("--dim", type=int, help="steepest-descent: dimension (default: dimension-free)")
    p.add_argument(
        "--form", help="steepest-descent: bound|angle; gradient-descent: lecture|vector|disc"
    )
    p.add_argument("--at", help="newton / learning-rate / taylor: a point, e.g. 'w=0, b=0'")
    p.add_argument("--lr", help="learning-rate: the step size of a worked run, e.g. 0.1")
    p.add_argument("--start", help="learning-rate: the starting point of a worked run, e.g. x=1")
    p.add_argument("--steps", type=int, help="learning-rate: iterations of the worked run (2)")
    p.add_argument(
        "--box",
        help="learning-rate, non-quadratic losses: a region, e.g. 'x=-1:1, y=0:2' (with --start:"
        " the descent lemma there)",
    )
    p.add_argument("--order", type=int, help="taylor: the order of the expansion (2)")
    _output_args(p, documents=True)

    d = _sub(
        sub,
        "descend",
        "exact gradient-descent iterates",
        'derive descend "2*x**2" --params x --at x=1 --lr 0.1 --steps 2',
    )
    _loss_args(d, positional=True)
    d.add_argument("--at", required=True, help="the starting point, e.g. 'x=1'")
    d.add_argument("--lr", required=True, help="the learning rate (exact: 0.1 is 1/10)")
    d.add_argument("--steps", type=int, default=5, help="how many iterations (default 5)")
    _data_values_arg(d)
    _output_args(d, documents=False)

    e = _sub(
        sub,
        "emit",
        "generate optimizer code (NumPy)",
        'derive emit "2*x**2" --params x --method gd -o step.py --check',
    )
    _loss_args(e, positional=True)
    e.add_argument(
        "--method",
        default="gd",
        metavar="METHOD",
        choices=_Choices(_methods),
        help="the update rule: %(choices)s (default gd)",
    )
    e.add_argument("-o", "--output", help="write the module here (default: print it)")
    e.add_argument(
        "--check", action="store_true", help="check against an mpmath reference at 50 digits"
    )
    _data_values_arg(e)
    e.add_argument("--json", action="store_true", help="machine-readable output")

    pl = _sub(
        sub,
        "plot",
        "draw the loss: a curve or contours with a descent path, or Taylor models and the disc",
        'derive plot "x**2 + 3*y**2" --params "x y" --at "x=1, y=1" --lr 0.1 -o path.png',
    )
    _loss_args(pl, positional=True)
    pl.add_argument(
        "--kind",
        default="descent",
        choices=("descent", "taylor"),
        help="descent (default): the loss with the path from --at, a curve for one parameter "
        "and contours for two; taylor: the first- and second-order models about --at with the "
        "steps of size at most --radius in red (an interval, or the disc of radius d)",
    )
    pl.add_argument("--at", required=True, help="the start (descent) or the point (taylor)")
    pl.add_argument("--lr", type=float, help="descent: the learning rate (required)")
    pl.add_argument("--steps", type=int, help="descent: iterations (default 20)")
    pl.add_argument(
        "--method", metavar="METHOD", choices=_Choices(_methods), help="descent: %(choices)s"
    )
    pl.add_argument("--radius", type=float, help="taylor: the radius d of the disc (0.5)")
    _data_values_arg(pl)
    pl.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the figure: .png, .svg or .pdf"
    )
    pl.add_argument("--json", action="store_true", help="machine-readable output")

    r = _sub(
        sub,
        "radius",
        "a certified step size: every step 0 < η ≤ η₀ decreases the loss",
        'derive radius "x**4" --params x --at x=1',
    )
    _loss_args(r, positional=True)
    r.add_argument("--at", required=True, help="the point θ, e.g. 'x=1, y=0'")
    r.add_argument("--direction", help="the step's direction u (default: −∇L(θ))")
    _data_values_arg(r)
    _output_args(r, documents=True)

    sm = _sub(
        sub,
        "smoothness",
        "a proved bound L on the Hessian's norm over a box",
        'derive smoothness "x**4" --params x --box "x=-1:1"',
    )
    _loss_args(sm, positional=True)
    sm.add_argument("--box", required=True, help="a range per parameter, e.g. 'x=-1:1, y=0:2'")
    _data_values_arg(sm)
    _output_args(sm, documents=True)

    lec = _sub(
        sub,
        "lecture",
        "the seed lectures, or one on your loss, as .tex, .md and .pdf",
        "derive lecture 3 --out lectures --pdf",
    )
    lec.add_argument("numbers", nargs="*", type=int, help="which lectures (default: all)")
    lec.add_argument(
        "--loss", help="a lecture on your own loss instead, e.g. 'x**4 + x*y + 3*y**2'"
    )
    lec.add_argument("--params", help="its parameters, e.g. 'x y' (required with --loss)")
    lec.add_argument("--data", help="its data symbols, e.g. 'x y' (kept as symbols)")
    lec.add_argument(
        "--data-values",
        metavar="VALUES",
        help="numbers for the data symbols, for the worked example and figures, e.g. 'x=2, y=1'",
    )
    lec.add_argument(
        "--at",
        help="the starting point θ₀ of the worked example, e.g. 'x = 1, y = 1' (default: all 1)",
    )
    lec.add_argument("--out", default="lectures", help="output folder (default: lectures)")
    lec.add_argument("--pdf", action="store_true", help="also compile each with pdflatex")
    lec.add_argument(
        "--full", action="store_true", help="every checked step in an appendix, not only the seeds'"
    )
    lec.add_argument("--json", action="store_true", help="machine-readable output")

    from .audit import command as check  # derive check (issue 15): its options and logic

    check.add_arguments(_sub(sub, "check", check.SUMMARY, check.EXAMPLE))
    return parser


def parse_point(text: str, what: str = "--at") -> dict[str, str]:
    """``"w=1, b=0"`` (commas or spaces, spaces around '=') → ``{"w": "1", "b": "0"}``: the
    registry's reader, so every command reads points alike.

    >>> parse_point("w = 1, b=-1/2")
    {'w': '1', 'b': '-1/2'}
    """
    from .library import registry

    return registry.parse_point(text, what)


def _option_error(message: str) -> Exception:
    from .errors import OptionError

    return OptionError(message)


def _objective(args: argparse.Namespace, default: Objective | None = None) -> Objective:
    from .objective import Objective

    if getattr(args, "loss", None) is None:
        if default is None:
            raise _option_error("give the loss with --loss and its parameters with --params")
        return default
    if not args.params:
        raise _option_error("--params is required with a loss, e.g. --params 'w b'")
    return Objective(args.loss, params=args.params, data=args.data)


def _data_values(args: argparse.Namespace, obj: Objective) -> dict[str, str] | None:
    """--data-values read and checked against the loss's data symbols (None: not given)."""
    if args.data_values is None:
        if obj.data:
            names = ", ".join(s.name for s in obj.data)
            raise _option_error(
                f"gradient descent needs a value for every data symbol of the loss; missing: "
                f"{names} (give them with --data-values "
                f"'{', '.join(f'{s.name}=1' for s in obj.data)}')"
            )
        return None
    values = parse_point(args.data_values, "--data-values")
    if not obj.data:
        raise _option_error(
            "--data-values is given but the loss has no data symbols (every symbol is a parameter)"
        )
    known = {s.name for s in obj.data}
    unknown = sorted(n for n in values if n not in known)
    if unknown:
        raise _option_error(
            f"--data-values names {unknown[0]!r}, which is not a data symbol of the loss "
            f"(data symbols: {', '.join(sorted(known))})"
        )
    missing = sorted(known - set(values))
    if missing:
        raise _option_error(f"--data-values is missing a value for {', '.join(missing)}")
    return values


MAX_CHECK_ROWS = 10_000
"""The most data rows ``emit --check`` compares: its 50-digit reference evaluates the loss on
every row (10,000 rows of a 10-weight logistic loss take about 20 s)."""


def _data_files(args: argparse.Namespace, obj: Objective) -> Any:
    """--data-file (with --data-values as constants) read and checked: a
    :class:`~derive.datafiles.Data`, or None when no --data-file is given."""
    if not getattr(args, "data_file", None):
        return None
    from .datafiles import read_data, split_sources

    values = parse_point(args.data_values, "--data-values") if args.data_values else None
    return read_data(obj, split_sources(args.data_file), values)


def _data_line(data: Any) -> str:
    files = ", ".join(data.files)
    if data.rows is None:
        return f"data: constants from {files}"
    return (
        f"the loss is the mean over {data.rows} data row{'s' if data.rows != 1 else ''} ({files})"
    )


def _progress(label: str) -> Callable[[int, int], None] | None:
    """A one-line progress display on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        return None

    def show(i: int, n: int) -> None:
        end = "\n" if i + 1 == n else ""
        print(f"\r{label}: step {i + 1} of {n}", end=end, file=sys.stderr, flush=True)

    return show


def _report_json(d: Derivation, report: Report) -> dict[str, Any]:
    return {
        "title": d.title,
        "ok": report.ok,
        "summary": report.summary(),
        "seconds": round(report.seconds, 4),
        "conclusion": d.conclusion,
        "steps": [
            {
                "index": s.index + 1,
                "label": s.label,
                "status": s.status,
                "rule": s.rule,
                "reason": s.reason,
                "counterexample": s.counterexample,
                "lhs": str(step.lhs),
                "rel": step.rel,
                "rhs": str(step.rhs),
                "why": step.why,
            }
            for s, step in zip(report.steps, d.steps, strict=True)
        ],
    }


def _format(args: argparse.Namespace) -> str:
    for name in ("json", "latex", "markdown", "tex", "pdf"):
        if getattr(args, name, False):
            return name
    return "text"


def _check_output(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that cannot be written as asked."""
    fmt, output = _format(args), getattr(args, "output", None)
    if fmt == "pdf":
        if not output:
            raise _option_error("--pdf writes a file: name it with -o FILE.pdf")
        if shutil.which("pdflatex") is None:
            raise _option_error(
                "--pdf needs pdflatex, which is not installed (apt-get install "
                "texlive-latex-base); --tex writes the .tex file instead"
            )
    suffixes = {"pdf": ".pdf", "tex": ".tex", "json": ".json"}
    if output and fmt in suffixes and Path(output).suffix.lower() != suffixes[fmt]:
        raise _option_error(
            f"--{fmt} writes {suffixes[fmt]}, but -o names {output!r}: name the file "
            f"*{suffixes[fmt]} or choose another format"
        )


def _emit_output(text: str, args: argparse.Namespace) -> None:
    """Print ``text``, or write it (a document compiled for --pdf) to -o FILE."""
    output = getattr(args, "output", None)
    if not output:
        print(text)
        return
    target = Path(output)
    if _format(args) == "pdf":
        target.write_bytes(_pdf(text))
    else:
        target.write_text(text + "\n")
    print(f"wrote {target}")


def _pdf(document: str) -> bytes:
    """Compile a standalone .tex document with pdflatex; the PDF's bytes."""
    from .errors import InternalError

    engine = shutil.which("pdflatex")
    if engine is None:  # checked before any work; kept for a PATH that changed meanwhile
        raise _option_error("--pdf needs pdflatex, which is not installed")
    with tempfile.TemporaryDirectory(prefix="derive-") as folder:
        source = Path(folder) / "derivation.tex"
        source.write_text(document)
        done = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        pdf = Path(folder) / "derivation.pdf"
        if done.returncode != 0 or not pdf.exists():
            first = next((line for line in done.stdout.splitlines() if line.startswith("!")), "")
            raise InternalError(f"pdflatex could not compile derive's document: {first}".strip())
        return pdf.read_bytes()


def _show(d: Derivation, report: Report, args: argparse.Namespace, **document: Any) -> int:
    fmt = _format(args)
    if fmt == "json":
        text = json.dumps(_report_json(d, report), indent=2)
    elif fmt == "latex":
        text = d.latex()
    elif fmt == "markdown":
        text = d.markdown()
    elif fmt in ("tex", "pdf"):
        text = d.document(**document)
    else:
        text = d.text()
    _emit_output(text.rstrip("\n"), args)
    return 0 if report.ok else 1


def _taylor_text(t: Taylor) -> str:
    import sympy

    shown = [term for term in t.terms if term != 0] or [sympy.Integer(0)]
    parts = [
        str(s) if i == 0 or not isinstance(s, sympy.Add) else f"({s})" for i, s in enumerate(shown)
    ]
    head, norm = _taylor_head(t)
    return f"{head} = {' + '.join(parts)} + O({norm}^{t.order + 1})"


def _taylor_head(t: Taylor) -> tuple[str, str]:
    if t.point == t.objective.params:
        head = f"L({', '.join(f'{p} + {d}' for p, d in zip(t.point, t.displacement, strict=True))})"
        return head, "|Delta|"
    head = f"L({', '.join(p.name for p in t.objective.params)})"
    return head, f"|{', '.join(str(d) for d in t.displacement)}|"


def _taylor_at(t: Taylor) -> str:
    if t.point == t.objective.params:
        return ""
    return " at " + ", ".join(
        f"{p} = {a}" for p, a in zip(t.objective.params, t.point, strict=True)
    )


def _taylor_structured_text(t: Taylor) -> str:
    """θ-form: L(a) + Δθᵀ∇L(a) + ½ Δθᵀ∇²L(a) Δθ + …, then each quantity's value."""
    head, norm = _taylor_head(t)
    pieces = ["L(a)", "Delta^T grad L(a)", "(1/2!) Delta^T hess L(a) Delta"][: t.order + 1]
    pieces += [f"(1/{j}!) D^{j} L(a)[Delta]^{j}" for j in range(3, t.order + 1)]
    lines = [f"{head} = {' + '.join(pieces)} + O({norm}^{t.order + 1}){_taylor_at(t)}, where"]
    lines.append(f"  Delta = {[str(d) for d in t.displacement]}".replace("'", ""))
    lines.append(f"  L(a) = {t.terms[0]}")
    if t.order >= 1:
        lines.append(f"  grad L(a) = {[str(g) for g in t.gradient()]}".replace("'", ""))
    if t.order >= 2:
        rows = t.hessian().tolist()
        lines.append(f"  hess L(a) = {[[str(v) for v in r] for r in rows]}".replace("'", ""))
    return "\n".join(lines)


def _taylor_componentwise_text(t: Taylor) -> str:
    """One partial derivative per term: L(a) + dL/dw (w - 1) + (1/2) d^2L/dw^2 (w - 1)**2 …"""
    import math

    head, norm = _taylor_head(t)
    names = [p.name for p in t.objective.params]
    pieces, values = ["L(a)"], [f"  L(a) = {t.terms[0]}"]
    for k in range(1, t.order + 1):
        for index in combinations_with_replacement(range(len(names)), k):
            value = t.partial(index)
            if value == 0:
                continue
            counts = {i: index.count(i) for i in sorted(set(index))}
            denominator = " ".join(
                f"d{names[i]}" + (f"^{c}" if c > 1 else "") for i, c in counts.items()
            )
            partial = f"d{'^' + str(k) if k > 1 else ''}L/{denominator}"
            factorial = math.prod(math.factorial(c) for c in counts.values())
            shifts = " ".join(
                f"({t.displacement[i]})" + (f"**{c}" if c > 1 else "") for i, c in counts.items()
            )
            scale = f"(1/{factorial}) " if factorial > 1 else ""
            pieces.append(f"{scale}{partial}(a) {shifts}")
            values.append(f"  {partial}(a) = {value}")
    first = f"{head} = {' + '.join(pieces)} + O({norm}^{t.order + 1}){_taylor_at(t)}, where"
    return "\n".join([first, *values])


def _cmd_taylor(args: argparse.Namespace) -> int:
    from .taylor import taylor

    _check_output(args)
    obj = _objective(args)
    about = None
    if args.at is not None:
        point = obj.point(parse_point(args.at), what="--at")  # finite real numbers only
        about = {p.name: v for p, v in zip(obj.params, point, strict=True)}
    stage("expanding")
    t = taylor(obj, args.order, about=about)
    stage("rendering")
    fmt = _format(args)
    if fmt == "json":
        data = {
            "loss": str(obj.expr),
            "params": [p.name for p in obj.params],
            "order": t.order,
            "point": [str(v) for v in t.point],
            "terms": [str(term) for term in t.terms],
            "form": args.form,
            "latex": t.latex(args.form),
        }
        text = json.dumps(data, indent=2)
    elif fmt == "latex":
        text = t.latex(args.form)
    elif fmt == "markdown":
        text = f"$$\n{t.latex(args.form)}\n$$"
    elif fmt in ("tex", "pdf"):
        text = _taylor_document(args, t)
    elif args.form == "structured":
        text = _taylor_structured_text(t)
    elif args.form == "componentwise":
        text = _taylor_componentwise_text(t)
    else:
        text = _taylor_text(t)
    _emit_output(text, args)
    return 0


def _taylor_document(args: argparse.Namespace, t: Taylor) -> str:
    """A .tex document: the loss, the expansion in the chosen form (one term a line), and
    the kernel's verdict on the expansion (checked along every direction)."""
    import sympy

    from .library import build
    from .render import preamble, tex_text

    options = {"loss": args.loss, "params": args.params, "data": args.data, "order": args.order}
    if args.at is not None:
        options["at"] = args.at
    report = build("taylor", options).verify()
    title = f"Taylor expansion of {t.objective.describe(60)} to order {t.order}"
    if args.form == "structured":
        body = [r"\[", t.latex("structured"), r"\]"]
    else:
        head, _, rest = t.latex(args.form).partition(" = ")
        first, *more = _split_sum(rest)
        rows = [f"{head} &= {first}", *(rf"&\quad + {piece}" for piece in more)]
        body = [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    return "\n".join(
        [
            *preamble(title),
            r"\section*{Objective}",
            rf"\[ \mathcal{{L}} = {sympy.latex(t.objective.expr)} \]",
            r"\section*{Expansion}",
            *body,
            r"\section*{Verification}",
            tex_text(
                f"The kernel checked the expansion along every direction: {report.summary()}."
            ),
            r"\end{document}",
            "",
        ]
    )


def _split_sum(latex: str) -> list[str]:
    r"""Split a LaTeX sum at its top-level ``+`` signs (outside braces and \left…\right).

    >>> _split_sum(r"2 + \left(4 x + 1\right) + x^{a + b}")
    ['2', '\\left(4 x + 1\\right)', 'x^{a + b}']
    """
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i):
            depth += 1
        elif latex.startswith(r"\right", i):
            depth -= 1
        elif latex[i] == "{":
            depth += 1
        elif latex[i] == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(" + ", i):
            pieces.append(latex[start:i].strip())
            start = i + 3
            i += 3
            continue
        i += 1
    pieces.append(latex[start:].strip())
    return pieces


PROVE_OPTIONS: tuple[str, ...] = ("loss", "params", "data", "dim", "form", "at", "lr", "start")
PROVE_OPTIONS += ("steps", "order", "box")
"""The options of 'derive prove'; each kind of the registry takes some of them."""


def _cmd_prove(args: argparse.Namespace) -> int:
    from .library import REGISTRY, build

    kind = REGISTRY[args.name]
    takes = {option.name for option in kind.options}
    given = {n: getattr(args, n) for n in PROVE_OPTIONS if getattr(args, n, None) is not None}
    wrong = sorted(n for n in given if n not in takes)
    if wrong:
        allowed = ", ".join(f"--{n}" for n in sorted(takes)) or "no options"
        raise _option_error(f"{args.name} does not take --{wrong[0]} (it takes {allowed})")
    _check_output(args)
    stage("building the derivation")
    d = build(args.name, given)
    objective = None
    if args.loss is not None:
        objective = _objective(args)
    stage(f"verifying its {len(d.steps)} steps")
    report = d.verify(_progress(args.name))
    stage("rendering")
    return _show(d, report, args, objective=objective)


def _cmd_descend(args: argparse.Namespace) -> int:
    from .descend import MAX_STEPS, Descent, DescentError, descend
    from .objective import exact_value

    _check_output(args)
    obj = _objective(args)
    rate = exact_value(args.lr, what="--lr")
    if rate.is_positive is not True:
        raise _option_error(f"--lr must be a positive number, got {args.lr!r}")
    if not 0 <= args.steps <= MAX_STEPS:
        raise _option_error(
            f"--steps must be a whole number from 0 to {MAX_STEPS}, got {args.steps}"
        )
    names = [p.name for p in obj.params]
    start = dict(zip(names, obj.point(parse_point(args.at), what="--at"), strict=True))
    rows = _data_files(args, obj)  # rows of data from files, with --data-values as constants
    data = _data_values(args, obj) if rows is None else None
    constants = parse_point(args.data_values, "--data-values") if args.data_values else None
    if rows is not None:
        from .datafiles import mean_objective

        obj = mean_objective(obj, rows)

    def show(run: Descent, stopped: str | None) -> None:
        fmt = _format(args)
        if fmt == "json":
            listed = [
                {
                    "k": it.k,
                    "values": [str(v) for v in it.values],
                    "float": list(it.floats()),
                    "exact": it.exact,
                    "digits": it.digits,
                }
                for it in run.iterates
            ]
            result = {
                "params": names,
                "lr": args.lr,
                "data": data if rows is None else constants,
                "digits": run.digits,
                "switched": run.switched,
                "arithmetic": run.describe(),
                "stopped": stopped,
                "iterates": listed,
            }
            if rows is not None:
                result.update(data_files=list(rows.files), rows=rows.rows)
            _emit_output(json.dumps(result, indent=2), args)
            return
        if fmt in ("latex", "markdown"):
            table = _iterates_table(run, names, latex=fmt == "latex")
            if rows is not None and fmt == "markdown":
                table += "\n\n" + _data_line(rows)
            _emit_output(table, args)
            return
        lines = []
        for it in run.iterates:
            values = ", ".join(f"{n} = {v}" for n, v in zip(names, it.values, strict=True))
            approx = ", ".join(f"{f:.12g}" for f in it.floats())
            how = "exact" if it.exact else f"decimal, {it.digits} digits"
            lines.append(f"{it.k:>4}  {approx:<24}  {how:<18}  ({values})")
        lines.append(run.describe())
        if rows is not None:
            lines.append(_data_line(rows))
        _emit_output("\n".join(lines), args)

    try:
        run = descend(obj, start, rate, args.steps, data=data)
    except DescentError as exc:
        show(exc.partial, str(exc))
        raise
    show(run, None)
    return 0


def _iterates_table(run: Any, names: list[str], *, latex: bool) -> str:
    """The iterates as a Markdown table or a LaTeX tabular, exact values where exact."""
    import sympy

    if latex:
        rows = [
            " & ".join([str(it.k), *(f"${sympy.latex(v)}$" for v in it.values)]) + r" \\"
            for it in run.iterates
        ]
        header = " & ".join(["$k$", *(f"${sympy.latex(sympy.Symbol(n))}_k$" for n in names)])
        return "\n".join(
            [
                rf"\begin{{tabular}}{{r{'l' * len(names)}}}",
                header + r" \\ \hline",
                *rows,
                r"\end{tabular}",
            ]
        )
    lines = [
        "| k | " + " | ".join(names) + " |",
        "|---:|" + "---|" * len(names),
        *(f"| {it.k} | " + " | ".join(str(v) for v in it.values) + " |" for it in run.iterates),
        "",
        run.describe(),
    ]
    return "\n".join(lines)


def _cmd_emit(args: argparse.Namespace) -> int:
    from .emit import emit

    obj = _objective(args)
    given = [
        name
        for name, value in (("--data-file", args.data_file), ("--data-values", args.data_values))
        if value
    ]
    if given and not args.check:
        raise _option_error(
            f"{given[0]} goes with --check (the data to check the rule on); the emitted "
            "module itself takes its data when it runs"
        )
    data = _data_files(args, obj)
    if data is None and args.data_values:
        from .datafiles import read_data

        data = read_data(obj, [], parse_point(args.data_values, "--data-values"))
    if data is not None and data.rows is not None and data.rows > MAX_CHECK_ROWS:
        from .errors import BudgetError

        raise BudgetError(
            f"--check evaluates a 50-digit reference on every data row: {data.rows:,} rows "
            f"is over the budget of {MAX_CHECK_ROWS:,} (MAX_CHECK_ROWS); check on a sample "
            "of the rows"
        )
    stage("emitting the update rule")
    rule = emit(obj, args.method)
    ok, summary = True, None
    if args.check:
        stage("checking it against mpmath at 50 digits")
        report = rule.check(dps=50, data=data.arrays() if data is not None else None)
        ok, summary = report.ok, report.summary()
        if data is not None and data.rows is not None:
            summary += f"; on the {data.rows} data rows of {', '.join(data.files)}"
    if args.output:
        Path(args.output).write_text(rule.source())
    if args.json:
        print(
            json.dumps(
                {
                    "method": args.method,
                    "output": args.output,
                    "ok": ok,
                    "check": summary,
                    "rows": data.rows if data is not None else None,
                },
                indent=2,
            )
        )
    else:
        if not args.output:
            print(rule.source())
        else:
            print(f"wrote {args.output} ({args.method}, {rule.size} parameters)")
        if summary:
            print(summary, file=sys.stderr if not args.output else sys.stdout)
    return 0 if ok else 1


def _cmd_plot(args: argparse.Namespace) -> int:
    from .objective import exact_value

    target = Path(args.output)
    if target.suffix.lower() not in FIGURE_SUFFIXES:
        raise _option_error(
            f"-o names {args.output!r}: a figure is saved as {', '.join(FIGURE_SUFFIXES)}"
        )
    descent_only = {"--lr": args.lr, "--steps": args.steps, "--method": args.method}
    if args.kind == "taylor":
        descent_only.update({"--data-values": args.data_values, "--data-file": args.data_file})
        wrong = [name for name, value in descent_only.items() if value is not None]
        if wrong:
            raise _option_error(f"--kind taylor does not take {wrong[0]} (it takes --radius)")
        if args.radius is not None and not 0 < args.radius < float("inf"):
            raise _option_error(f"--radius must be a positive number, got {args.radius}")
    else:
        if args.radius is not None:
            raise _option_error("--radius goes with --kind taylor, not with --kind descent")
        if args.lr is None:
            raise _option_error("--kind descent needs --lr, the learning rate, e.g. --lr 0.1")
        if not 0 < args.lr < float("inf"):
            raise _option_error(f"--lr must be a positive number, got {args.lr}")
        if args.steps is not None and not 1 <= args.steps <= 10_000:
            raise _option_error(f"--steps must be a whole number from 1 to 10000, got {args.steps}")
    obj = _objective(args)
    if len(obj.params) not in (1, 2):
        raise _option_error(
            f"plot draws a loss of one parameter (a curve) or two (contours); this one has "
            f"{len(obj.params)} ({', '.join(p.name for p in obj.params)})"
        )
    point = obj.point(parse_point(args.at), what="--at")
    from .plot import contours, curve, iterates, taylor_models

    if args.kind == "taylor":
        if obj.data:
            raise _option_error(
                f"--kind taylor draws a loss without data symbols (this one has "
                f"{', '.join(b.name for b in obj.data_blocks)}): write their numbers into the loss"
            )
        figure = taylor_models(
            obj,
            dict(zip((p.name for p in obj.params), point, strict=True)),
            radius=args.radius if args.radius is not None else 0.5,
        )
        path = None
    else:
        rows = _data_files(args, obj)
        if rows is not None:
            numbers = rows.arrays()
        else:
            values = _data_values(args, obj)
            numbers = {name: float(exact_value(v)) for name, v in (values or {}).items()}
        method = args.method or "gd"
        path = iterates(
            obj,
            [float(v) for v in point],
            lr=args.lr,
            steps=args.steps if args.steps is not None else 20,
            method=method,
            data=numbers or None,
        )
        draw = curve if len(obj.params) == 1 else contours
        figure = draw(obj, path, data=numbers or None, label=f"{method}, η = {args.lr:g}")
    figure.savefig(target, dpi=120)
    if args.json:
        result = {"kind": args.kind, "output": str(target)}
        if path is not None:
            result["path"] = path.tolist()
        print(json.dumps(result, indent=2))
    else:
        print(f"wrote {target}")
    return 0


def _lecture_on_loss(args: argparse.Namespace) -> Any:
    """The lecture on --loss (None without it); refuses the seed options with it and the
    loss options without it."""
    own = ("params", "data", "data_values", "at")
    if args.loss is None:
        given = [n for n in own if getattr(args, n) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise _option_error(f"{flag} goes with --loss: derive lecture --loss '...' {flag} ...")
        return None
    if args.numbers:
        raise _option_error(
            "give either lecture numbers (the seed lectures) or --loss (a lecture on your "
            "loss), not both"
        )
    from .userlecture import user_lecture

    obj = _objective(args)
    at = parse_point(args.at, "--at") if args.at is not None else None
    data = parse_point(args.data_values, "--data-values") if args.data_values else None
    if data is not None and not obj.data:
        raise _option_error(
            "--data-values: the loss has no data symbols (declare them with --data)"
        )
    return user_lecture(obj, at, data=data)


def _cmd_lecture(args: argparse.Namespace) -> int:
    from .lectures import LECTURES, lecture

    own = _lecture_on_loss(args)
    numbers = [] if own is not None else (args.numbers or sorted(LECTURES))
    for n in numbers:
        if n not in LECTURES:
            lecture(n)  # refuses an unknown number before anything is written
    engine = shutil.which("pdflatex") if args.pdf else None
    if args.pdf and not engine:
        raise _option_error(
            "--pdf needs pdflatex, which is not installed (apt-get install texlive-latex-base); "
            "without --pdf, the .tex and .md files are written"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results, ok = [], True
    for lec in [own] if own is not None else (lecture(n) for n in numbers):
        verified = lec.verify()
        ok &= verified
        tex, md = out / f"{lec.name}.tex", out / f"{lec.name}.md"
        pdf = None
        if importlib.util.find_spec("matplotlib") is not None:  # with its figures
            lec.write(out, pdf=engine is not None, full=args.full)
            for aside in (".aux", ".log"):  # pdflatex's by-products
                tex.with_suffix(aside).unlink(missing_ok=True)
            pdf = str(out / f"{lec.name}.pdf") if engine else None
        else:  # no matplotlib: the text without figures
            tex.write_text(lec.document(full=args.full))
            md.write_text(lec.markdown(full=args.full))
            if engine:
                (out / f"{lec.name}.pdf").write_bytes(_pdf(lec.document(full=args.full)))
                pdf = str(out / f"{lec.name}.pdf")
        results.append(
            {
                "lecture": lec.number if own is None else lec.name,
                "title": lec.title,
                "verified": verified,
                "tex": str(tex),
                "md": str(md),
                "pdf": pdf,
            }
        )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            mark = "verified" if r["verified"] else "NOT VERIFIED"
            which = r["lecture"] if own is None else "on your loss"
            print(
                f"lecture {which}: {r['title']} — {mark}; wrote {r['tex']}, {r['md']}"
                + (f", {r['pdf']}" if r["pdf"] else "")
            )
    return 0 if ok else 1


def _cmd_default(args: argparse.Namespace) -> int:
    from .emit import emit
    from .examples import SIGMOID_NEURON, SIGMOID_NEURON_TEXT
    from .library import gradient_descent
    from .taylor import taylor

    obj = SIGMOID_NEURON
    out = Path(args.top_out or ".")
    out.mkdir(parents=True, exist_ok=True)
    stage("deriving gradient descent")
    gd = gradient_descent(obj)
    stage("verifying")
    report = gd.verify(_progress("verifying"))
    stage("emitting the update rule")
    rule = emit(obj, "gd")
    path = rule.run([0.0, 0.0], 5, 1.0)
    at_origin = taylor(obj, 2, about={"w": 0, "b": 0})
    tex_path, py_path = out / "derivation.tex", out / "step.py"
    tex_path.write_text(gd.document(objective=obj))
    py_path.write_text(rule.source())
    if args.top_json:
        data = _report_json(gd, report)
        data.update(
            taylor=[str(t) for t in at_origin.terms],
            run=path.tolist(),
            files=[str(tex_path), str(py_path)],
        )
        print(json.dumps(data, indent=2))
        return 0 if report.ok else 1
    print("The lectures' sigmoid neuron, fitted to (x, y) = (0.5, 0.2) and (2.5, 0.9):")
    print(f"  L(w, b) = {SIGMOID_NEURON_TEXT}")
    print()
    print("Taylor's theorem at theta = [0, 0], exactly, to second order:")
    print(f"  {_taylor_text(at_origin)}")
    print()
    print(gd.text())
    print()
    print("The update equations, run from (w, b) = (0, 0) with eta = 1:")
    for k, (w, b) in enumerate(path):
        print(f"  {k}: w = {w:.10f}, b = {b:.10f}, L = {rule.loss([w, b]):.10f}")
    print()
    print(
        f"wrote {tex_path} (the derivation, for pdflatex) and {py_path} (the update rule, NumPy only)"
    )
    return 0 if report.ok else 1


def _cmd_radius(args: argparse.Namespace) -> int:
    from .library.certify import descent_radius

    _check_output(args)
    obj = _objective(args)
    direction = parse_point(args.direction, "--direction") if args.direction else None
    result = descent_radius(
        obj, parse_point(args.at, "--at"), direction=direction, data=_data_values(args, obj)
    )
    found = {"eta": str(result.eta), "curvature": str(result.curvature)}
    return _certified(result.derivation, args, found)


def _cmd_smoothness(args: argparse.Namespace) -> int:
    from .library.certify import smoothness_bound
    from .library.registry import parse_box

    _check_output(args)
    obj = _objective(args)
    box = parse_box(args.box, "--box")
    result = smoothness_bound(obj, box, data=_data_values(args, obj))
    return _certified(result.derivation, args, {"L": str(result.L)})


def _certified(d: Derivation, args: argparse.Namespace, found: dict[str, str]) -> int:
    """A certified value with its derivation: JSON with the value, or the derivation."""
    report = d.verify(_progress(args.command))
    if _format(args) == "json":
        _emit_output(json.dumps({**found, **_report_json(d, report)}, indent=2), args)
        return 0 if report.ok else 1
    return _show(d, report, args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_default,
    "taylor": _cmd_taylor,
    "prove": _cmd_prove,
    "descend": _cmd_descend,
    "emit": _cmd_emit,
    "plot": _cmd_plot,
    "lecture": _cmd_lecture,
    "radius": _cmd_radius,
    "smoothness": _cmd_smoothness,
}


def _check_combinations(args: argparse.Namespace) -> None:
    """Options before the command belong to the default lecture only: refuse them with a
    command instead of ignoring them."""
    if args.command is None:
        return
    if args.top_json:
        raise _option_error(f"--json goes after the command: derive {args.command} ... --json")
    if args.top_out is not None:
        raise _option_error(
            f"--out before a command applies only to the default lecture; "
            f"'derive {args.command}' writes files with its own options (see "
            f"'derive {args.command} --help')"
        )


def _exit_status(code: object) -> int:
    """argparse's exit status (--help, --version, usage errors) as a return value."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 2


def _text(exc: BaseException) -> str:
    """An exception's message, safely (a broken __str__ must not hide the error)."""
    try:
        return str(exc)
    except Exception:
        return ""


def _error(text: str) -> None:
    lines = text.splitlines() or [""]
    print(f"derive: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:  # a ParseError's excerpt and caret, indented under it
        print(f"  {line}", file=sys.stderr)


def _internal(text: str) -> int:
    first = (text.splitlines() or [""])[0]
    print(f"derive: internal error: {first}", file=sys.stderr)
    print(
        "  this is a bug in derive, not in your input: please report it with the command "
        "line (DERIVE_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    return 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, 1, 2 or 3: see the module docstring).

    Nothing escapes as an exception: argparse's own exits (--help, usage errors) are
    returned, a DeriveError is exit 2, anything unexpected an internal error, exit 3.
    """
    debug = os.environ.get("DERIVE_DEBUG", "") not in ("", "0")
    from .terminal import guard

    guard(sys.stdout)  # a terminal without Unicode gets ASCII (eta, L, x^2), not a crash
    guard(sys.stderr)
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:
            return _exit_status(exc.code)
        _check_combinations(args)
        with running(args.command or ""):
            return COMMANDS[args.command](args)
    except Exception as exc:
        return _failed(exc, debug)
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


def _failed(exc: Exception, debug: bool) -> int:
    """The exit code of a command that raised ``exc``, with its one-line message."""
    from .errors import DeriveError, InternalError

    if isinstance(exc, InternalError):
        if debug:
            raise exc
        return _internal(_text(exc))
    if isinstance(exc, DeriveError):
        _error(_text(exc))
        return 2
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or _text(exc) or type(exc).__name__}{where}")
        return 2
    if isinstance(exc, RecursionError):
        if debug:
            raise exc
        _error("the expression is nested too deeply to process; write it with less nesting")
        return 2
    if debug:  # a bug (MemoryError included): never a traceback, never exit 1
        raise exc
    text = _text(exc)
    return _internal(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _cmd_check(args: argparse.Namespace) -> int:
    from .audit.command import check

    return check(args)


COMMANDS["check"] = _cmd_check
