r"""Vector symbols: Σᵢ over the components of declared vectors, and their expansion.

In loss text, a vector declared with a length (``params="w:3"``) may appear only inside
``dot(a, b)``, ``sum(a)`` and ``norm(a)``; there it stands for its i-th component, and
the call becomes a :class:`VectorSum` of the elementwise expression.

.. math:: \mathrm{dot}(w, x) = \sum_{i=1}^{m} w_i x_i

>>> import sympy
>>> w, x = VectorSymbol("w"), VectorSymbol("x")
>>> s = VectorSum(w * x, 3)
>>> expand_vectors(s, {w: (sympy.Symbol("w_1"), sympy.Symbol("w_2"), sympy.Symbol("w_3")),
...                    x: (sympy.Symbol("x_1"), sympy.Symbol("x_2"), sympy.Symbol("x_3"))})
w_1*x_1 + w_2*x_2 + w_3*x_3
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy

from .errors import DeclarationError
from .kernel.sums import VectorSum, VectorSymbol
from .symbols import check_name

__all__ = ["MAX_LENGTH", "VectorSum", "VectorSymbol", "expand_vectors", "parse_spec"]

MAX_LENGTH = 100_000
"""Longest vector a declaration may give."""


def expand_vectors(expr: Any, components: Mapping[sympy.Symbol, tuple[sympy.Symbol, ...]]) -> Any:
    """Replace every VectorSum by the explicit sum over the vectors' components."""

    def expand(v: VectorSum) -> sympy.Expr:
        inside = [s for s in v.summand.free_symbols if s in components]
        return sympy.Add(
            *(v.summand.xreplace({s: components[s][i] for s in inside}) for i in range(v.length))
        )

    return sympy.sympify(expr).replace(lambda e: isinstance(e, VectorSum), expand)


def parse_spec(spec: Any, *, what: str) -> list[tuple[str, int | None]]:
    """``"w:100 b"`` → ``[("w", 100), ("b", None)]`` (None: a scalar).

    >>> parse_spec("w:3, b", what="parameter")
    [('w', 3), ('b', None)]
    """
    if isinstance(spec, str):
        items: list[Any] = [p for p in spec.replace(",", " ").split() if p]
    elif isinstance(spec, sympy.Symbol):
        items = [spec]
    else:
        try:
            items = list(spec)
        except TypeError:
            raise DeclarationError(
                f"{what}s must be names ('w b', 'w:100 b') or a sequence of names or Symbols, got "
                f"{type(spec).__name__}"
            ) from None
    out: list[tuple[str, int | None]] = []
    for item in items:
        if isinstance(item, sympy.Symbol):
            out.append((item.name, None))
            continue
        if not isinstance(item, str):
            raise DeclarationError(
                f"a {what} must be a name or a Symbol, got {type(item).__name__}"
            )
        name, sep, size = item.partition(":")
        try:
            check_name(name, what=f"{what} name")
        except ValueError as exc:
            raise DeclarationError(str(exc)) from None
        if not sep:
            out.append((name, None))
            continue
        if not size.isdigit() or not 1 <= int(size) <= MAX_LENGTH:
            raise DeclarationError(
                f"the length of vector {name!r} must be a whole number from 1 to {MAX_LENGTH}, "
                f"got {size!r}"
            )
        out.append((name, int(size)))
    return out
