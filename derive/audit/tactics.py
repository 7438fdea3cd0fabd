"""Kernel derivations a claim might have: the steps to try, built here, checked by the kernel.

Each function returns candidate derivations (tuples of kernel steps) for a claim — on its
own (:func:`direct`: identity, sum of squares, sign rules, truncation), from a hypothesis
(:func:`from_hypothesis`: scaled, shifted, squared, substituted), through squares
(:func:`by_squares`: Cauchy–Schwarz), with an equality put in (:func:`substituted`) or
by a chain of two steps (:func:`chained`). Nothing here decides anything: only
:func:`derive.kernel.verify` does, in :mod:`.judge`.

>>> x = sympy.Symbol("x")
>>> [type(s.rule).__name__ for s in direct(Relation(x**2 + 1, ">=", 2*x, "…", 1))[0]]
['SumOfSquares']
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

import sympy

from ..kernel import (
    AbsoluteValue,
    Affine,
    Assumption,
    Fact,
    Identity,
    Power,
    QuadraticForm,
    Sign,
    Step,
    Substitution,
    SumOfSquares,
    Transitivity,
    Truncation,
)
from .chains import Relation
from .latex import OPAQUE, BigO

__all__ = ["Refused", "by_squares", "certificate", "chained", "direct", "evaluated", "expanded"]
__all__ += ["from_hypothesis", "meeting", "products", "replace_kept", "same", "split_o"]
__all__ += [
    "positive_definite",
    "squares_by_definitions",
    "substituted",
    "summands",
    "truncation",
    "variants",
]

FLIP = {">=": "<=", ">": "<"}


class Refused(Exception):
    """A claim outside what can be checked (the message says why)."""


def replace_kept(expr: Any, mapping: dict[Any, Any]) -> Any:
    """``expr`` with subexpressions replaced, sums, products and powers kept as written
    (``xreplace`` would evaluate L + L to 2L and make a step look vacuous)."""
    if expr in mapping:
        return mapping[expr]
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return expr
    args = [replace_kept(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    if isinstance(expr, (sympy.Add, sympy.Mul, sympy.Pow)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def direct(claim: Relation) -> list[tuple[Step, ...]]:
    """The kernel derivations that could prove ``claim`` on its own."""
    lhs, rel, rhs = claim.lhs, claim.rel, claim.rhs
    why = claim.text
    if any(isinstance(side, sympy.Basic) and side.has(BigO) for side in (lhs, rhs)):
        return [truncation(claim)]
    restated = (Step(lhs, rel, rhs, why + " (a stated assumption)", Assumption()),)
    # tried last: its reason ("not one of the stated assumptions") explains little
    if rel == "=":
        return [(Step(lhs, "=", rhs, why, Identity()),), restated]
    if rel == "!=":
        square = sympy.Pow(lhs - rhs, 2)
        return [(Step(square, ">", 0, why + " (as (a − b)² > 0)", Sign()),)]
    lhs, rhs = evaluated(lhs), evaluated(rhs)  # the sign rules read no Subs
    lo, le, hi = (rhs, FLIP[rel], lhs) if rel in FLIP else (lhs, rel, rhs)
    out: list[tuple[Step, ...]] = []
    found = certificate(hi - lo, strict=le == "<")
    if found is not None:
        terms, constant = found
        out.append((Step(lhs, rel, rhs, why, SumOfSquares(terms=terms, constant=constant)),))
    for variant in variants(hi - lo):
        sign = Step(sympy.Integer(0), le, variant, "the difference", Sign(), "difference")
        out.append((sign, Step(lhs, rel, rhs, why, Affine("difference", 1, lo))))
    return [*out, restated]


MAX_DEFINED_OPS = 400
"""Largest difference (in SymPy operations), definitions put in, searched for squares."""


def squares_by_definitions(claim: Relation, facts: tuple[Fact, ...]) -> list[tuple[Step, ...]]:
    """a ≤ b from a sum-of-squares certificate of b − a found with the text's definitions
    put in (``0 ≤ ½(p − p^*)^⊤H(p − p^*)`` where the text names that form, p*_w and p*_b by
    their values); the kernel checks the certificate against the definitions again."""
    if claim.rel not in ("<", "<=", ">", ">="):
        return []
    lhs, rhs = evaluated(claim.lhs), evaluated(claim.rhs)
    le = FLIP.get(claim.rel, claim.rel)
    defined = {f.lhs: f.rhs for f in facts if f.scope == "definition" and _polynomial(f.rhs)}
    left, right = expanded(lhs, defined), expanded(rhs, defined)
    if (left, right) == (lhs, rhs) or not all(isinstance(v, sympy.Basic) for v in (left, right)):
        return []
    if sympy.count_ops(left) + sympy.count_ops(right) > MAX_DEFINED_OPS:
        return []
    low, high = (right, left) if claim.rel in FLIP else (left, right)
    found = certificate(high - low, strict=le == "<")
    if found is None:
        return []
    terms, constant = found
    why = "with the definitions put in"
    links, chain = [], []
    if left != lhs:
        links.append(Step(claim.lhs, "=", left, why, Identity(), "left"))
        chain.append("left")
    rule = SumOfSquares(terms=terms, constant=constant)
    links.append(Step(left, claim.rel, right, why, rule, "inner"))
    chain.append("inner")
    if right != rhs:
        links.append(Step(right, "=", claim.rhs, why, Identity(), "right"))
        chain.append("right")
    back = Step(claim.lhs, claim.rel, claim.rhs, claim.text, Transitivity(tuple(chain)))
    return [(*links, back)]


def positive_definite(claim: Relation, facts: tuple[Fact, ...]) -> list[tuple[Step, ...]]:
    """0 ≤ vᵀHv for a matrix H of symbols the text assumes positive definite (H ≻ 0): the
    claim's side, with the written forms it names put in, is read as a quadratic form in
    H's entries, v from its coefficients (H₁₁'s is v₁², H₁₂'s is 2v₁v₂); the kernel's
    positive-definite rule checks vᵀHv against the side again."""
    if claim.rel not in ("<=", ">=") or 0 not in (claim.lhs, claim.rhs):
        return []
    side = claim.rhs if claim.rel == "<=" else claim.lhs
    if side == 0 or not isinstance(side, sympy.Basic):
        return []
    written = {
        f.lhs: f.rhs
        for f in facts
        if f.scope == "definition" and any(mark in str(f.lhs) for mark in OPAQUE)
    }
    form = sympy.expand(expanded(side, written))
    out: list[tuple[Step, ...]] = []
    for f in facts:
        if f.rel != ">0" or not isinstance(f.lhs, sympy.MatrixBase) or f.lhs.rows > 4:
            continue
        vector = _form_vector(form, sympy.ImmutableMatrix(f.lhs))
        if vector is not None:
            rule = QuadraticForm(f.lhs, vector)
            out.append((Step(claim.lhs, claim.rel, claim.rhs, claim.text, rule),))
    return out


def _form_vector(form: Any, h: sympy.ImmutableMatrix) -> sympy.ImmutableMatrix | None:
    """v with vᵀHv = ``form`` for a symmetric H of distinct symbols, or None."""
    n = h.rows
    entries = [h[i, j] for i in range(n) for j in range(i, n)]
    if not all(isinstance(e, sympy.Symbol) for e in entries) or len(set(entries)) != len(entries):
        return None
    if h != h.T or not form.free_symbols & set(entries):
        return None
    v: list[Any] = []
    for i in range(n):
        root = _square_root(form.coeff(h[i, i]))
        if root is None:
            return None
        v.append(root)
    for i in range(n):
        for j in range(i + 1, n):
            wanted = sympy.expand(form.coeff(h[i, j]))
            if sympy.expand(2 * v[i] * v[j] - wanted) != 0:
                v[j] = -v[j] if j > i and sympy.expand(-2 * v[i] * v[j] - wanted) == 0 else v[j]
    return sympy.ImmutableMatrix(v)


def _square_root(value: Any) -> Any:
    """r with r² = value for a perfect square (a square number times squared factors)."""
    constant, factors = sympy.factor_list(sympy.expand(value))
    root = sympy.sqrt(constant)
    if not constant.is_Rational or constant < 0 or not root.is_Rational:
        return None
    for factor, power in factors:
        if power % 2:
            return None
        root *= factor ** (power // 2)
    return root


def substituted(
    claim: Relation,
    h: Relation,
    label: str,
    hypotheses: tuple[Relation, ...],
    facts: tuple[Fact, ...],
) -> list[tuple[Step, ...]]:
    """The claim with the equality ``h`` (x = v) put in, derived on its own (or from another
    hypothesis), then carried back by substitution."""
    if h.rel != "=" or claim.rel == "=" or not isinstance(h.lhs, sympy.Basic):
        return []
    if any(isinstance(v, sympy.Basic) and v.has(BigO) for v in (claim.lhs, claim.rhs)):
        return []
    put = {h.lhs: h.rhs}
    lhs, rhs = replace_kept(claim.lhs, put), replace_kept(claim.rhs, put)
    if (lhs, rhs) == (claim.lhs, claim.rhs):
        return []
    lhs, rhs = sympy.cancel(lhs), sympy.cancel(rhs)
    inner = Relation(lhs, claim.rel, rhs, claim.text + " (substituted)", claim.line)
    tries = [*direct(inner), *by_squares(inner, facts)]
    for j, other in enumerate(hypotheses):
        if other is not h and other.rel != "!=":
            tries += from_hypothesis(inner, other, f"h{j}")
    links: list[Step] = []
    if lhs != claim.lhs:
        links.append(Step(claim.lhs, "=", lhs, "put in " + h.text, Substitution(label), "left"))
    chain = [*(("left",) if links else ()), "inner"]
    if rhs != claim.rhs:
        links.append(Step(rhs, "=", claim.rhs, "put in " + h.text, Substitution(label), "right"))
        chain.append("right")
    out = []
    for steps in tries[:8]:
        last = dataclasses.replace(steps[-1], label="inner")
        back = Step(claim.lhs, claim.rel, claim.rhs, claim.text, Transitivity(tuple(chain)))
        out.append((*steps[:-1], last, *links, back))
    return out


def meeting(claim: Relation, steps: tuple[Relation, ...]) -> list[tuple[Relation, Relation]]:
    """Pairs of earlier steps a ≤ b, b ≤ c whose ends are the claim's a ≤ c."""
    lo, hi = (claim.lhs, claim.rhs) if claim.rel in ("<", "<=") else (claim.rhs, claim.lhs)
    ends = []
    for r in steps:
        if r.rel in ("<", "<=", ">", ">="):
            ends.append((r, *((r.lhs, r.rhs) if r.rel in ("<", "<=") else (r.rhs, r.lhs))))
    return [
        (first, second)
        for first, a, b in ends
        for second, c, e in ends
        if first is not second and same(a, lo) and same(e, hi) and same(b, c)
    ][:2]


def same(p: Any, q: Any) -> bool:
    """Equal as written, or after expanding (a quick test; the kernel checks again)."""
    if p == q:
        return True
    try:
        return bool(sympy.expand(sympy.sympify(p) - sympy.sympify(q)) == 0)
    except Exception:  # an expression SymPy cannot expand: not the same, as far as we know
        return False


def chained(claim: Relation, hypotheses: tuple[Relation, ...]) -> list[tuple[Step, ...]]:
    """a ≤ c from two hypotheses a ≤ b and b ≤ c (transitivity), where the sides meet."""
    if claim.rel not in ("<", "<=", ">", ">=") or len(hypotheses) < 2:
        return []
    lo, hi = (claim.lhs, claim.rhs) if claim.rel in ("<", "<=") else (claim.rhs, claim.lhs)
    ordered = []
    out: list[tuple[Step, ...]] = []
    for k, h in enumerate(hypotheses):
        if h.rel in ("<", "<=", ">", ">="):
            a, b = (h.lhs, h.rhs) if h.rel in ("<", "<=") else (h.rhs, h.lhs)
            ordered.append((k, a, b))
    for i, a, b in ordered:
        for j, c, e in ordered:
            meet = all(same(p, q) for p, q in ((a, lo), (e, hi), (b, c)))
            if i != j and meet:
                rule = Transitivity((f"h{i}", f"h{j}"))
                out.append((Step(claim.lhs, claim.rel, claim.rhs, claim.text, rule),))
    return out[:4]


def by_squares(claim: Relation, facts: tuple[Fact, ...]) -> list[tuple[Step, ...]]:
    """|a| ≤ b, a ≤ b or −b ≤ a from a² ≤ b² (a sum of squares, e.g. Lagrange's identity
    for Cauchy–Schwarz) by the monotone square root and the absolute-value rule."""
    if claim.rel not in ("<=", ">="):
        return []
    lo, hi = (claim.lhs, claim.rhs) if claim.rel == "<=" else (claim.rhs, claim.lhs)
    if isinstance(lo, sympy.Abs):
        a, b, final = lo.args[0], hi, False
    elif isinstance(lo, sympy.Mul) and lo.args and lo.args[0] == -1:
        a, b, final = hi, -lo, True
    else:
        a, b, final = lo, hi, True
    a, b = sympy.cancel(a), sympy.cancel(b)
    defined = {
        f.lhs: f.rhs
        for f in facts
        if f.scope == "definition" and any(mark in str(f.lhs) for mark in OPAQUE)
    }  # written forms (uᵀg, ‖g‖) by their components; the components stay names
    a_e, b_e = expanded(a, defined), expanded(b, defined)
    if not all(isinstance(v, sympy.Basic) for v in (a_e, b_e)) or b_e.has(sympy.Abs):
        return []
    square_a, square_b = sympy.expand(a_e**2), sympy.expand(b_e**2)
    certificates: list[Any] = []
    found = certificate(square_b - square_a)
    if found is not None:
        certificates.append(SumOfSquares(terms=found[0], constant=found[1]))
    pairs = products(sympy.expand(a_e))
    if pairs is not None:
        u, g = pairs
        certificates.append(SumOfSquares(lagrange=(u, g)))
    out = []
    for rule in certificates:
        steps = [
            Step(square_a, "<=", square_b, "the squares", rule, "squares"),
            Step(
                sympy.Abs(a),
                "<=",
                b,
                "square roots",
                Power("squares", sympy.Rational(1, 2)),
                "root",
            ),
        ]
        if final:
            steps.append(Step(claim.lhs, claim.rel, claim.rhs, claim.text, AbsoluteValue("root")))
        out.append(tuple(steps))
    return out


def expanded(value: Any, defined: Mapping[Any, Any]) -> Any:
    for _ in range(len(defined) + 1):
        if not isinstance(value, sympy.Basic) or not (value.free_symbols & set(defined)):
            break
        value = value.xreplace(defined)
    return value


def products(a: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """(u, g) when a = Σ uᵢ·gᵢ, each term a product of two symbols (at most 64 terms)."""
    terms = a.args if isinstance(a, sympy.Add) else (a,)
    u: list[Any] = []
    g: list[Any] = []
    for term in terms:
        factors: tuple[Any, ...] = term.args if isinstance(term, sympy.Mul) else ()
        if len(factors) != 2 or not all(isinstance(f, sympy.Symbol) for f in factors):
            return None
        u.append(factors[0])
        g.append(factors[1])
    return (tuple(u), tuple(g)) if 2 <= len(u) <= 64 else None


def evaluated(side: Any) -> Any:
    """``side`` with f(a) for a defined f carried out (the text's own definition)."""
    if isinstance(side, sympy.Basic) and side.has(sympy.Subs):
        return side.replace(lambda e: isinstance(e, sympy.Subs), lambda e: e.doit())
    return side


def variants(difference: Any) -> list[Any]:
    """Forms of b − a for the structural sign rules: as written, expanded, factored."""
    out = [difference]
    if sympy.count_ops(difference) <= 200:
        for form in (sympy.expand, sympy.factor):
            try:
                value = form(difference)
            except (sympy.PolynomialError, ValueError, TypeError):
                continue
            if all(value != o for o in out):
                out.append(value)
    return out


def truncation(claim: Relation) -> tuple[Step, ...]:
    if claim.rel != "=":
        raise Refused("O(…) is checked in equalities only ('= … + O(x^k)')")
    (left, left_o), (right, right_o) = split_o(claim.lhs), split_o(claim.rhs)
    if right_o is None:
        (left, left_o), (right, right_o) = (right, right_o), (left, left_o)
    assert right_o is not None
    var, k = right_o
    if left_o is not None:
        if left_o[0] != var:
            raise Refused(f"the two sides' O(…) are in different variables ({left_o[0]}, {var})")
        if left_o[1] < k:
            raise Refused(
                f"the left side is known only up to O({var}^{left_o[1]}), not O({var}^{k})"
            )
    return (Step(left, "=O", right, claim.text, Truncation(var, int(k) - 1)),)


def split_o(side: Any) -> tuple[Any, tuple[Any, int] | None]:
    """(the rest, (var, k) of the lowest O(var^k) term) of one side."""
    if not (isinstance(side, sympy.Basic) and side.has(BigO)):
        return side, None
    rest, found = [], []
    for term in summands(side):
        if isinstance(term, BigO):
            found.append((term.args[0], int(term.args[1])))
        elif term.has(BigO):
            raise Refused("O(…) is read as a term of a sum ('… + O(x^k)'), not inside a product")
        else:
            rest.append(term)
    if len({v for v, _ in found}) > 1:
        raise Refused("several O(…) terms in different variables")
    return sympy.Add(*rest), (found[0][0], min(k for _, k in found))


def summands(side: Any) -> list[Any]:
    """The terms of a sum written as a sum (nested unevaluated sums flattened)."""
    if isinstance(side, sympy.Add):
        return [t for a in side.args for t in summands(a)]
    return [side]


def from_hypothesis(claim: Relation, h: Relation, label: str) -> list[tuple[Step, ...]]:
    """Derivations of the claim from one hypothesis: scaled and shifted (multiply/add), or
    by substituting an equality."""
    out: list[tuple[Step, ...]] = []
    why = claim.text
    sides = (claim.lhs, claim.rhs, h.lhs, h.rhs)
    if any(isinstance(side, sympy.Basic) and side.has(BigO) for side in sides):
        return out  # O(…) is checked by the truncation rule only
    if h.rel == "=" and claim.rel == "=":
        out.append((Step(claim.lhs, claim.rel, claim.rhs, why, Substitution(label)),))
    if h.rel in ("<", "<=", ">", ">=") and claim.rel in ("<", "<=", ">", ">="):
        for exponent in (sympy.Rational(1, 2), sympy.Integer(2)):
            out.append((Step(claim.lhs, claim.rel, claim.rhs, why, Power(label, exponent)),))
        if isinstance(h.lhs, sympy.Abs) or isinstance(h.rhs, sympy.Abs):
            out.append((Step(claim.lhs, claim.rel, claim.rhs, why, AbsoluteValue(label)),))
    ha, _, hb = (h.rhs, "", h.lhs) if h.rel in FLIP else (h.lhs, "", h.rhs)
    ba, _, bb = (claim.rhs, "", claim.lhs) if claim.rel in FLIP else (claim.lhs, "", claim.rhs)
    if any(isinstance(side, (sympy.MatrixBase, sympy.MatrixExpr)) for side in sides):
        return out  # a matrix (or vector) equation is not scaled by a quotient of sides
    gap = sympy.expand(hb - ha)
    if gap == 0 or claim.rel in ("!=", "~"):
        return out
    q = sympy.cancel((bb - ba) / gap)
    if q.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return out
    for factor, shift in ((q, ba - q * ha), (-q, ba + q * hb)):
        out.append((Step(claim.lhs, claim.rel, claim.rhs, why, Affine(label, factor, shift)),))
    return out


@functools.lru_cache(maxsize=1024)
def _polynomial(value: Any) -> bool:
    """Is ``value`` written as a polynomial in its symbols (no function, no symbol in a
    denominator or under a root)? A quick look at its tree, before anything is expanded."""
    if not isinstance(value, sympy.Basic):
        return False
    for node in sympy.preorder_traversal(value):
        if isinstance(node, (sympy.Function, sympy.Derivative, sympy.Subs)):
            return False
        if node.is_Pow and node.base.free_symbols:
            exponent = node.exp
            if not (exponent.is_Integer and exponent >= 0):
                return False
    return True


def certificate(
    difference: Any, strict: bool = False
) -> tuple[tuple[tuple[Any, Any], ...], Any] | None:
    """A certificate difference = constant + Σ cₖ·qₖ² (cₖ ≥ 0) for a quadratic polynomial
    with rational coefficients, by completing squares (LDLᵀ of its Gram matrix); None if
    there is none this way (or, for ``strict``, none with a positive constant).

    >>> x, y = sympy.symbols("x y")
    >>> certificate(x**2 - 2*x*y + y**2)
    (((1, x - y),), 0)
    >>> certificate(x*y) is None
    True
    """
    if not _polynomial(difference):  # checked before expanding, which may take minutes
        return None
    expr = sympy.expand(difference)
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if not symbols or len(symbols) > 12:
        return None
    try:
        poly = sympy.Poly(expr, *symbols)
    except sympy.PolynomialError:
        return None
    if poly.total_degree() != 2 or not all(c.is_Rational for c in poly.coeffs()):
        return None
    n = len(symbols)
    basis = [*symbols, sympy.Integer(1)]
    m = [[sympy.Integer(0)] * (n + 1) for _ in range(n + 1)]
    for monomial, c in poly.terms():
        where = [i for i, e in enumerate(monomial) for _ in range(e)]
        i, j = [*where, n, n][:2]
        if i == j:
            m[i][i] += c
        else:
            m[i][j] += c / 2
            m[j][i] += c / 2
    terms = []
    for k in range(n + 1):
        pivot = m[k][k]
        if pivot < 0:
            return None
        if pivot == 0:
            if any(m[k][j] != 0 for j in range(k + 1, n + 1)):
                return None
            continue
        if k == n:
            break
        q = basis[k] + sympy.Add(*(m[k][j] / pivot * basis[j] for j in range(k + 1, n + 1)))
        terms.append((pivot, q))
        for i in range(k + 1, n + 1):
            for j in range(k + 1, n + 1):
                m[i][j] -= m[i][k] * m[k][j] / pivot
    constant = m[n][n]
    if strict and not constant > 0:
        return None
    return tuple(terms), constant
