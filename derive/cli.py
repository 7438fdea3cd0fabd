"""The ``derive`` command: a thin surface over the public API.

Exit codes: 0 when everything asked for succeeded (and verified), 1 when a derivation did
not verify, 2 for bad input (a one-line error, no traceback).

>>> main(["taylor", "2*x**2", "--params", "x", "--at", "x=1"])
L(x) = 2 + (4*x - 4) + 2*(x - 1)**2 + O(|x - 1|^3)
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import sympy

from ._version import __version__
from .errors import DeriveError
from .examples import SIGMOID_NEURON, SIGMOID_NEURON_TEXT
from .objective import Objective
from .taylor import Taylor, taylor

__all__ = ["main"]

EXAMPLES = """examples:
  derive                                   the built-in lecture example
  derive taylor "(w*x + b - y)**2" --params "w b" --order 2 --at w=1,b=0
  derive taylor "log(1 + exp(-y*(w*x + b)))" --params "w b" --json
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"derive: error: {message} (see 'derive --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="derive",
        description="Machine-checked derivations of optimizer update rules.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    t = sub.add_parser(
        "taylor",
        help="multivariate Taylor expansion of a loss",
        description="Expand a loss to a given order about a point (default: symbolic).",
        epilog='example:\n  derive taylor "2*x**2" --params x --order 2 --at x=1',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("loss", help="the loss, e.g. '(w*x + b - y)**2'")
    t.add_argument("--params", required=True, help="parameter names, e.g. 'w b'")
    t.add_argument("--order", type=int, default=2, help="highest degree kept (default 2)")
    t.add_argument("--at", default=None, help="expansion point, e.g. 'w=1,b=0' (default: symbolic)")
    t.add_argument("--json", action="store_true", help="machine-readable output")
    t.add_argument("--latex", action="store_true", help="print LaTeX")
    return parser


def parse_point(text: str) -> dict[str, str]:
    """``"w=1,b=0"`` (commas or spaces) → ``{"w": "1", "b": "0"}``.

    >>> parse_point("w=1, b=-1/2")
    {'w': '1', 'b': '-1/2'}
    """
    point: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise DeriveError(f"--at expects name=value pairs such as 'w=1,b=0', got {item!r}")
        if name in point:
            raise DeriveError(f"--at gives {name!r} twice")
        point[name] = value
    if not point:
        raise DeriveError("--at is empty: give name=value pairs such as 'w=1,b=0'")
    return point


def _taylor_text(t: Taylor) -> str:
    names = ", ".join(p.name for p in t.objective.params)
    shown = [term for term in t.terms if term != 0] or [sympy.Integer(0)]
    parts = [
        str(s) if i == 0 or not isinstance(s, sympy.Add) else f"({s})" for i, s in enumerate(shown)
    ]
    if t.point == t.objective.params:
        head = f"L({', '.join(f'{p} + {d}' for p, d in zip(t.point, t.displacement, strict=True))})"
        norm = "|Delta|"
    else:
        head = f"L({names})"
        norm = f"|{', '.join(str(d) for d in t.displacement)}|"
    return f"{head} = {' + '.join(parts)} + O({norm}^{t.order + 1})"


def _taylor_json(t: Taylor) -> str:
    return json.dumps(
        {
            "loss": str(t.objective.expr),
            "params": [p.name for p in t.objective.params],
            "order": t.order,
            "point": [str(v) for v in t.point],
            "terms": [str(term) for term in t.terms],
            "latex": t.latex(),
        },
        indent=2,
    )


def _cmd_taylor(args: argparse.Namespace) -> int:
    obj = Objective(args.loss, params=args.params)
    about = parse_point(args.at) if args.at is not None else None
    t = taylor(obj, args.order, about=about)
    if args.json:
        print(_taylor_json(t))
    elif args.latex:
        print(t.latex())
    else:
        print(_taylor_text(t))
    return 0


def _cmd_default() -> int:
    obj = SIGMOID_NEURON
    print("The lectures' sigmoid neuron, fitted to (x, y) = (0.5, 0.2) and (2.5, 0.9):")
    print(f"  L(w, b) = {SIGMOID_NEURON_TEXT}")
    print("Its gradient:")
    for p, g in zip(obj.params, obj.gradient(), strict=True):
        print(f"  dL/d{p} = {g}")
    print()
    print("Taylor's theorem, to second order in the step eta*u (theta = [w, b], u = [u_w, u_b]):")
    print("  L(theta + eta*u) = L(theta) + eta * u^T grad L(theta)")
    print("                     + eta^2/2 * u^T Hess L(theta) u + O(eta^3)")
    print()
    at_origin = taylor(obj, 2, about={"w": 0, "b": 0})
    print("At theta = [0, 0], exactly:")
    print(f"  {_taylor_text(at_origin)}")
    u = sympy.Matrix(sympy.symbols("u_w u_b", real=True))
    g, h = at_origin.gradient(), at_origin.hessian()
    first = sympy.expand((u.T * g)[0, 0])
    second = sympy.expand((u.T * h * u)[0, 0] / 2)
    print(f"  L(eta*u) = {at_origin.terms[0]} + eta*({first}) + eta**2*({second}) + O(eta**3)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "taylor":
            return _cmd_taylor(args)
        return _cmd_default()
    except DeriveError as exc:
        message = str(exc).splitlines()
        print(f"derive: error: {message[0]}", file=sys.stderr)
        for line in message[1:]:
            print(f"  {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
