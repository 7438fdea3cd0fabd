"""The ``derive`` command: a thin surface over the public API.

Exit codes: 0 when everything asked for succeeded and verified, 1 when a derivation did
not verify (or an emitted rule failed its check), 2 for bad input or refused work (over
a work budget), with a one-line ``derive: error: ...`` and no traceback, 3 for an
internal error: a bug in derive, reported as ``derive: internal error: ...``. A crash
never exits 1. Set ``DERIVE_DEBUG=1`` to get the traceback of an internal error instead.

>>> main(["taylor", "2*x**2", "--params", "x", "--at", "x=1"])
L(x) = 2 + (4*x - 4) + 2*(x - 1)**2 + O(|x - 1|^3)
0
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sympy

from ._version import __version__
from .derivation import Derivation
from .emit import METHODS, emit
from .errors import BudgetError, DeriveError, InternalError, OptionError
from .examples import SIGMOID_NEURON, SIGMOID_NEURON_TEXT
from .kernel import Report
from .lectures import LECTURES, lecture
from .library import REGISTRY, build, gradient_descent, registry
from .objective import Objective
from .taylor import Taylor, taylor

__all__ = ["main", "parse_point"]

EXAMPLES = """examples:
  derive                                          the whole lecture on the built-in example
  derive taylor "(w*x + b - y)**2" --params "w b" --order 2 --at w=1,b=0
  derive prove steepest-descent --dim 3
  derive prove gradient-descent --loss "(w*x + b - y)**2" --params "w b"
  derive descend "2*x**2" --params x --at x=1 --lr 0.1 --steps 2
  derive emit "log(1 + exp(-y*(dot(w, x) + b)))" --params "w:100 b" --data "x:100 y" -o step.py --check
  derive lecture --out lectures --pdf
"""

NAMES = tuple(REGISTRY)


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
        "--out", default=".", help="folder for derivation.tex and step.py (default: here)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = _sub(
        sub,
        "taylor",
        "multivariate Taylor expansion of a loss",
        'derive taylor "2*x**2" --params x --at x=1',
    )
    _loss_args(t, positional=True)
    t.add_argument("--order", type=int, default=2, help="highest degree kept (default 2)")
    t.add_argument("--at", help="expansion point, e.g. 'w=1,b=0' (default: symbolic)")
    t.add_argument("--json", action="store_true", help="machine-readable output")
    t.add_argument("--latex", action="store_true", help="print LaTeX")

    p = _sub(
        sub,
        "prove",
        "build and verify a library derivation",
        "derive prove steepest-descent --dim 3",
    )
    p.add_argument("name", choices=NAMES, help="the derivation")
    _loss_args(p, positional=False)
    p.add_argument("--dim", type=int, help="steepest-descent: dimension (default: dimension-free)")
    p.add_argument("--form", help="steepest-descent: bound|angle; gradient-descent: lecture|disc")
    p.add_argument("--at", help="newton / learning-rate / taylor: a point, e.g. 'w=0,b=0'")
    p.add_argument("--lr", help="learning-rate: the step size of a worked run, e.g. 0.1")
    p.add_argument("--start", help="learning-rate: the starting point of a worked run, e.g. x=1")
    p.add_argument("--steps", type=int, help="learning-rate: iterations of the worked run (2)")
    p.add_argument("--order", type=int, help="taylor: the order of the expansion (2)")
    _render_args(p)

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
    d.add_argument("--json", action="store_true", help="machine-readable output")

    e = _sub(
        sub,
        "emit",
        "generate optimizer code (NumPy)",
        'derive emit "2*x**2" --params x --method gd -o step.py --check',
    )
    _loss_args(e, positional=True)
    e.add_argument("--method", default="gd", choices=METHODS, help="the update rule (default gd)")
    e.add_argument("-o", "--output", help="write the module here (default: print it)")
    e.add_argument(
        "--check", action="store_true", help="check against an mpmath reference at 50 digits"
    )
    e.add_argument("--json", action="store_true", help="machine-readable output")

    lec = _sub(
        sub,
        "lecture",
        "the seed lectures as .tex, .md and .pdf",
        "derive lecture 3 --out lectures --pdf",
    )
    lec.add_argument("numbers", nargs="*", type=int, help="which lectures (default: all)")
    lec.add_argument("--out", default="lectures", help="output folder (default: lectures)")
    lec.add_argument(
        "--pdf", action="store_true", help="also compile with pdflatex where installed"
    )
    lec.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _render_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="machine-readable output")
    group.add_argument("--latex", action="store_true", help="print the align* block")
    group.add_argument("--markdown", action="store_true", help="print MyST/Markdown")


def parse_point(text: str, what: str = "--at") -> dict[str, str]:
    """``"w=1, b=0"`` (commas or spaces) → ``{"w": "1", "b": "0"}``: the registry's reader,
    so every command reads points alike.

    >>> parse_point("w=1, b=-1/2")
    {'w': '1', 'b': '-1/2'}
    """
    return registry.parse_point(text, what)


def _objective(args: argparse.Namespace, default: Objective | None = None) -> Objective:
    if getattr(args, "loss", None) is None:
        if default is None:
            raise DeriveError("give the loss with --loss and its parameters with --params")
        return default
    if not args.params:
        raise DeriveError("--params is required with a loss, e.g. --params 'w b'")
    return Objective(args.loss, params=args.params, data=args.data)


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


def _show(d: Derivation, report: Report, args: argparse.Namespace) -> int:
    if getattr(args, "json", False):
        print(json.dumps(_report_json(d, report), indent=2))
    elif getattr(args, "latex", False):
        print(d.latex())
    elif getattr(args, "markdown", False):
        print(d.markdown())
    else:
        print(d.text())
    return 0 if report.ok else 1


def _taylor_text(t: Taylor) -> str:
    shown = [term for term in t.terms if term != 0] or [sympy.Integer(0)]
    parts = [
        str(s) if i == 0 or not isinstance(s, sympy.Add) else f"({s})" for i, s in enumerate(shown)
    ]
    if t.point == t.objective.params:
        head = f"L({', '.join(f'{p} + {d}' for p, d in zip(t.point, t.displacement, strict=True))})"
        norm = "|Delta|"
    else:
        head = f"L({', '.join(p.name for p in t.objective.params)})"
        norm = f"|{', '.join(str(d) for d in t.displacement)}|"
    return f"{head} = {' + '.join(parts)} + O({norm}^{t.order + 1})"


def _cmd_taylor(args: argparse.Namespace) -> int:
    obj = _objective(args)
    about = None
    if args.at is not None:
        point = obj.point(parse_point(args.at), what="--at")  # finite real numbers only
        about = {p.name: v for p, v in zip(obj.params, point, strict=True)}
    t = taylor(obj, args.order, about=about)
    if args.json:
        data = {
            "loss": str(obj.expr),
            "params": [p.name for p in obj.params],
            "order": t.order,
            "point": [str(v) for v in t.point],
            "terms": [str(term) for term in t.terms],
            "latex": t.latex(),
        }
        print(json.dumps(data, indent=2))
    else:
        print(t.latex() if args.latex else _taylor_text(t))
    return 0


PROVE_OPTIONS = ("loss", "params", "data", "dim", "form", "at", "lr", "start", "steps", "order")
"""The options of 'derive prove'; each kind of the registry takes some of them."""


def _cmd_prove(args: argparse.Namespace) -> int:
    kind = REGISTRY[args.name]
    takes = {option.name for option in kind.options}
    given = {n: getattr(args, n) for n in PROVE_OPTIONS if getattr(args, n, None) is not None}
    wrong = sorted(n for n in given if n not in takes)
    if wrong:
        allowed = ", ".join(f"--{n}" for n in sorted(takes)) or "no options"
        raise OptionError(f"{args.name} does not take --{wrong[0]} (it takes {allowed})")
    d = build(args.name, given)
    return _show(d, d.verify(_progress(args.name)), args)


def _cmd_descend(args: argparse.Namespace) -> int:
    from .descend import MAX_STEPS, Descent, DescentError, descend
    from .errors import ObjectiveError
    from .objective import exact_value

    obj = _objective(args)
    rate = exact_value(args.lr, what="--lr")
    if rate.is_positive is not True:
        raise ObjectiveError(f"--lr must be a positive number, got {args.lr!r}")
    if not 0 <= args.steps <= MAX_STEPS:
        raise ObjectiveError(
            f"--steps must be a whole number from 0 to {MAX_STEPS}, got {args.steps}"
        )
    names = [p.name for p in obj.params]
    start = dict(zip(names, obj.point(parse_point(args.at), what="--at"), strict=True))

    def show(run: Descent, stopped: str | None) -> None:
        if args.json:
            rows = [
                {
                    "k": it.k,
                    "values": [str(v) for v in it.values],
                    "float": list(it.floats()),
                    "exact": it.exact,
                    "digits": it.digits,
                }
                for it in run.iterates
            ]
            data = {
                "params": names,
                "lr": args.lr,
                "digits": run.digits,
                "switched": run.switched,
                "arithmetic": run.describe(),
                "stopped": stopped,
                "iterates": rows,
            }
            print(json.dumps(data, indent=2))
            return
        for it in run.iterates:
            values = ", ".join(f"{n} = {v}" for n, v in zip(names, it.values, strict=True))
            approx = ", ".join(f"{f:.12g}" for f in it.floats())
            how = "exact" if it.exact else f"decimal, {it.digits} digits"
            print(f"{it.k:>4}  {approx:<24}  {how:<18}  ({values})")
        print(run.describe())

    try:
        run = descend(obj, start, rate, args.steps)
    except DescentError as exc:
        show(exc.partial, str(exc))
        raise
    show(run, None)
    return 0


def _cmd_emit(args: argparse.Namespace) -> int:
    obj = _objective(args)
    rule = emit(obj, args.method)
    ok, summary = True, None
    if args.check:
        report = rule.check(dps=50)
        ok, summary = report.ok, report.summary()
    if args.output:
        Path(args.output).write_text(rule.source())
    if args.json:
        print(
            json.dumps(
                {"method": args.method, "output": args.output, "ok": ok, "check": summary}, indent=2
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


def _cmd_lecture(args: argparse.Namespace) -> int:
    numbers = args.numbers or sorted(LECTURES)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = shutil.which("pdflatex") if args.pdf else None
    results, ok = [], True
    for n in numbers:
        lec = lecture(n)
        verified = lec.verify()
        ok &= verified
        tex, md = out / f"lecture{n}.tex", out / f"lecture{n}.md"
        tex.write_text(lec.document())
        md.write_text(lec.markdown())
        pdf = None
        if engine:
            done = subprocess.run(
                [
                    engine,
                    "-interaction=nonstopmode",
                    "-halt-on-error",
                    "-no-shell-escape",
                    tex.name,
                ],
                cwd=out,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            pdf = str(out / f"lecture{n}.pdf") if done.returncode == 0 else None
            ok &= done.returncode == 0
        results.append(
            {
                "lecture": n,
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
            print(
                f"lecture {r['lecture']}: {r['title']} — {mark}; wrote {r['tex']}, {r['md']}"
                + (f", {r['pdf']}" if r["pdf"] else "")
            )
        if args.pdf and not engine:
            print(
                "pdflatex is not installed (apt-get install texlive-latex-base): no PDFs",
                file=sys.stderr,
            )
    return 0 if ok else 1


def _cmd_default(args: argparse.Namespace) -> int:
    obj = SIGMOID_NEURON
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    gd = gradient_descent(obj)
    report = gd.verify(_progress("verifying"))
    rule = emit(obj, "gd")
    path = rule.run([0.0, 0.0], 5, 1.0)
    at_origin = taylor(obj, 2, about={"w": 0, "b": 0})
    tex_path, py_path = out / "derivation.tex", out / "step.py"
    tex_path.write_text(gd.document(objective=obj))
    py_path.write_text(rule.source())
    if args.json:
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


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_default,
    "taylor": _cmd_taylor,
    "prove": _cmd_prove,
    "descend": _cmd_descend,
    "emit": _cmd_emit,
    "lecture": _cmd_lecture,
}


MAX_PROOF_DIM = 128
"""The largest --dim of the coordinate steepest-descent proof on the command line: its
identities grow with the dimension (128 takes seconds, 512 minutes and 400 MB)."""


def _check_budgets(args: argparse.Namespace) -> None:
    """Refuse, before any work, a --dim whose coordinate proof would run for minutes."""
    if args.command != "prove":
        return
    if args.name == "steepest-descent" and args.dim is not None and args.dim > MAX_PROOF_DIM:
        raise BudgetError(
            f"--dim {args.dim} is over the budget of the coordinate proof (at most "
            f"{MAX_PROOF_DIM}: its identities grow with the dimension); omit --dim for the "
            "dimension-free proof, which holds in every dimension"
        )
    # the size of a symbolic proof is checked where it is built (Objective.check_budget)


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
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:
            return _exit_status(exc.code)
        _check_budgets(args)
        return COMMANDS[args.command](args)
    except InternalError as exc:
        if debug:
            raise
        return _internal(_text(exc))
    except DeriveError as exc:
        _error(_text(exc))
        return 2
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or _text(exc) or type(exc).__name__}{where}")
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        if debug:
            raise
        _error("the expression is nested too deeply to process; write it with less nesting")
        return 2
    except Exception as exc:  # a bug (MemoryError included): never a traceback, never exit 1
        if debug:
            raise
        text = _text(exc)
        return _internal(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
