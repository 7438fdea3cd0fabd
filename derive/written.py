r"""Names and definitions written as a lecturer writes them, each checked against the
expression it stands for before it is printed.

A derivation's display names map subexpressions to LaTeX (``ℒ`` for the loss). Names whose
key is a :class:`sympy.Tuple` are *argument lists*: the parameters θ = (w, b), or a point
θ + ηu = (w + ηu_w, b + ηu_b). They name nothing inside an expression; they let a page say
what a call means:

- ``ℒ(θ + ηu) = ℒ(w + ηu_w, b + ηu_b)`` when the loss with its parameters replaced by
  the point's components is exactly the named expression;
- ``g_w = ∂ℒ/∂w``, ``H_wb = ∂²ℒ/∂w∂b``, ``s = ℒ(a, b)``, ``u = ∂ℒ/∂θ₁(a, b)`` when a
  definition's value is exactly that derivative (or value) of the named loss.

The checks are structural equality (SymPy's ``==``): what is printed is the expression the
kernel was given, never something merely equal to it numerically.

>>> w, b, x, eta, uw, ub = sympy.symbols("w b x eta u_w u_b")
>>> loss = (w * x + b) ** 2
>>> shifted = loss.xreplace({w: w + eta * uw, b: b + eta * ub})
>>> names = ((loss, r"\mathcal{L}"), (shifted, r"\mathcal{L}(\theta + \eta u)"),
...          (sympy.Tuple(w, b), r"\theta"),
...          (sympy.Tuple(w + eta * uw, b + eta * ub), r"\theta + \eta u"))
>>> call_form(shifted, r"\mathcal{L}(\theta + \eta u)", names)
'\\mathcal{L}(w + \\eta u_{w}, b + \\eta u_{b})'
>>> written_value(sympy.diff(loss, w), names)
'\\frac{\\partial \\mathcal{L}}{\\partial w}'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import sympy

from .printer import latex

__all__ = ["arguments", "call_form", "functions", "is_arguments", "parameters", "written_value"]

Names = Sequence[tuple[Any, str]]


def is_arguments(key: Any) -> bool:
    """Is this name's key an argument list (a :class:`sympy.Tuple`), not a subexpression?"""
    return isinstance(key, sympy.Tuple)


def arguments(names: Names) -> list[tuple[sympy.Tuple, str]]:
    """The argument lists among the names, in order."""
    return [(key, tex) for key, tex in names if is_arguments(key)]


def parameters(names: Names) -> sympy.Tuple | None:
    """The parameters: the first argument list of plain symbols (θ = (w, b)), or None."""
    for key, _ in arguments(names):
        if key and all(isinstance(a, sympy.Symbol) for a in key):
            return key
    return None


def functions(names: Names) -> list[tuple[Any, str]]:
    """Named expressions of the parameters that are written as functions (the loss ℒ):
    a plain name (no parenthesis), for an expression using every parameter, that another
    name calls (ℒ, since ℒ(θ + ηu) is named too)."""
    params = parameters(names)
    if params is None:
        return []
    heads = {tex.split("(", 1)[0].replace(" ", "") for _, tex in names if "(" in tex}
    return [
        (key, tex)
        for key, tex in names
        if not is_arguments(key)
        and "(" not in tex
        and tex.replace(" ", "") in heads
        and isinstance(key, sympy.Expr)
        and set(params) <= key.free_symbols
    ]


def _args_tex(point: Iterable[Any]) -> str:
    return ", ".join(latex(a) for a in point)


def call_form(key: Any, tex: str, names: Names) -> str | None:
    """``F(a₁, …)`` for the name ``tex`` = ``F(A)`` of ``key``, where F names a function of
    the parameters and A an argument list, when F's expression at A is exactly ``key``."""
    params = parameters(names)
    if params is None:
        return None
    for body, name in functions(names):
        for point, point_tex in arguments(names):
            if tex.replace(" ", "") != f"{name}({point_tex})".replace(" ", ""):
                continue
            if len(point) == len(params) and _at(body, params, point) == key:
                return f"{name}({_args_tex(point)})"
    return None


def written_value(value: Any, names: Names) -> str | None:
    """How a definition's value is written when it is the named function, one of its
    first or second partial derivatives, or one of these at a point the names list:
    ``ℒ(a, b)``, ``∂ℒ/∂w``, ``∂²ℒ/∂w∂b``, ``∂ℒ/∂θ₁(a, b)``; None otherwise."""
    params = parameters(names)
    if params is None or not isinstance(value, sympy.Expr):
        return None
    points = [p for p, _ in arguments(names) if len(p) == len(params) and p != params]
    for body, name in functions(names):
        for form, expr in _derivatives(body, name, params):
            if expr == value:
                return form
            for point in points:
                if _at(expr, params, point) == value:
                    return f"{form}({_args_tex(point)})"
    return None


@functools.lru_cache(maxsize=64)
def _derivatives(body: Any, name: str, params: sympy.Tuple) -> tuple[tuple[str, Any], ...]:
    """(written form, expression): the function, then its first and second partials (in
    the order of the Hessian's entries H_wb, i ≤ j, each the derivative of ∂ℒ/∂w by b)."""
    out: list[tuple[str, Any]] = [(name, body)]
    firsts = [sympy.diff(body, p) for p in params]
    for p, first in zip(params, firsts, strict=True):
        out.append((rf"\frac{{\partial {name}}}{{\partial {latex(p)}}}", first))
    for i, (p, first) in enumerate(zip(params, firsts, strict=True)):
        for q in params[i:]:
            below = (
                rf"\partial {latex(p)}^{{2}}"
                if p == q
                else rf"\partial {latex(p)} \partial {latex(q)}"
            )
            out.append((rf"\frac{{\partial^{{2}} {name}}}{{{below}}}", sympy.diff(first, q)))
    return tuple(out)


def _at(expr: Any, params: sympy.Tuple, point: sympy.Tuple) -> Any:
    return expr.xreplace(dict(zip(params, point, strict=True)))
