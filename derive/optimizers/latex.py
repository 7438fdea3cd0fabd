r"""An optimizer spec as LaTeX update equations, in the lecture's notation (η, θ, ∇L).

>>> from derive.optimizers import SPECS
>>> print(equations(SPECS["gd"]))
g \leftarrow \nabla_\theta \mathcal{L}(\theta) \\
\text{if } \lambda \neq 0:\ g \leftarrow \lambda \theta + g \\
\theta \leftarrow \theta - \eta g
"""

from __future__ import annotations

import sympy

from .spec import THETA, Condition, G, If, Let, Spec, Statement, T, U, statements

__all__ = ["equations", "lines"]


def _names(spec: Spec) -> dict[sympy.Symbol, str]:
    names: dict[sympy.Symbol, str] = {THETA: r"\theta", G: "g", T: "t", U: "u"}
    for h in spec.hypers:
        names.update(zip(h.symbols, h.latex, strict=True))
    for b in spec.buffers:
        names[b.symbol] = b.latex
    names.update(spec.latex_names)
    for s in (statement.target for statement in statements(spec.body)):
        names.setdefault(s, sympy.latex(s))
    return names


def _condition(c: Condition, spec: Spec, names: dict[sympy.Symbol, str]) -> str:
    if c.test == "first":
        return "t = 1"
    if c.test == "set":
        return rf"\text{{{c.hyper}}}"
    h = spec.hyper(c.hyper)
    return rf"{names[h.symbols[0]]} \neq 0"


def _let(s: Let, names: dict[sympy.Symbol, str]) -> str:
    expr = sympy.sympify(s.expr)
    if s.target == U:  # θ ← θ + u, term by term (θ first)
        terms = sympy.Add.make_args(expr)
        update = sympy.Add(THETA, *terms, evaluate=False)
        return rf"\theta \leftarrow {sympy.latex(update, symbol_names=names, order='none')}"
    return rf"{names[s.target]} \leftarrow {sympy.latex(expr, symbol_names=names)}"


def lines(spec: Spec, body: tuple[Statement, ...] | None = None) -> list[str]:
    """One line per assignment; a branch's lines carry its condition (``\\text{if}``)."""
    names = _names(spec)
    out = []
    for s in spec.program() if body is None else body:
        if isinstance(s, If):
            cond = _condition(s.condition, spec, names)
            out += [rf"\text{{if }} {cond}:\ {line}" for line in lines(spec, s.then)]
            out += [rf"\text{{else}}:\ {line}" for line in lines(spec, s.otherwise)]
        elif isinstance(s, Let):
            out.append(_let(s, names))
        else:
            shift = sympy.latex(sympy.sympify(s.shift), symbol_names=names)
            hessian = r"\nabla^2_\theta \mathcal{L}(\theta)"
            matrix = hessian if shift == "0" else rf"{hessian} + {shift} I"
            out.append(rf"{names[s.target]} \leftarrow \left({matrix}\right)^{{-1}} {names[s.rhs]}")
    return out


def equations(spec: Spec) -> str:
    """The update as LaTeX lines joined by ``\\\\`` (for an ``aligned`` or ``gather`` block),
    starting from the gradient."""
    head = r"g \leftarrow \nabla_\theta \mathcal{L}(\theta)"
    return " \\\\\n".join([head, *lines(spec)])
