r"""Code generation: array-API source for the loss, its gradient and Hessian, vectorised over rows.

Vectors stay whole: each ``VectorSum`` atom of the loss becomes one array reduction
(``X @ w`` through BLAS when its summand is a parameter vector times a data vector), the
scalar link ∂f/∂z is printed once with common-subexpression elimination, and the
gradient of a vector parameter is assembled as ``Xᵀ r / N``. The Hessian (for Newton) is
printed from the component-wise expressions.

The functions compute in the array namespace ``_xp`` of their arguments (NumPy's own for
NumPy arrays; see :mod:`derive.emit`). With data, the gradient of NumPy arrays is taken a
block of rows at a time: ``z = X_b w + b`` and the block's ``X_bᵀ f'(z)`` while the block
is still in cache, so that each step reads X from memory once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy
from sympy.printing.numpy import NumPyPrinter

from .errors import ObjectiveError
from .objective import Block, Objective
from .vectors import VectorSum

__all__ = [
    "ARRAY_API_NAMES",
    "BLOCK_FLOATS",
    "HELPERS",
    "MAX_HESSIAN_PARAMS",
    "Generated",
    "Sigmoid",
    "Softplus",
    "block_rows",
    "fit",
    "generate",
    "helpers_for",
    "stabilise",
    "wrap_call",
]

MAX_HESSIAN_PARAMS = 200
"""Most parameters for which a Hessian is printed (n² expressions)."""


class Sigmoid(sympy.Function):
    """σ(a) = 1/(1 + e^(−a)), printed in a form that cannot overflow."""

    nargs = 1


class Softplus(sympy.Function):
    """log(1 + e^a), printed as np.logaddexp(0, a)."""

    nargs = 1


def _exponent_of_one_plus_exp(e: sympy.Basic) -> sympy.Expr | None:
    """a, when e is 1 + exp(a)."""
    if isinstance(e, sympy.Add) and len(e.args) == 2 and sympy.S.One in e.args:
        other = e.args[0] if e.args[1] == 1 else e.args[1]
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def stabilise(expr: sympy.Expr) -> sympy.Expr:
    """Rewrite overflow-prone forms exactly: log(1 + eᵃ) → softplus(a),
    (1 + eᵃ)⁻ᵏ → σ(−a)ᵏ, and eᵃ·σ(−a) → σ(a) (each an identity).

    >>> a = sympy.Symbol("a")
    >>> stabilise(sympy.exp(a) / (1 + sympy.exp(a)))
    Sigmoid(a)
    """
    expr = expr.replace(
        lambda e: isinstance(e, sympy.log) and _exponent_of_one_plus_exp(e.args[0]) is not None,
        lambda e: Softplus(_exponent_of_one_plus_exp(e.args[0])),
    )
    expr = expr.replace(
        lambda e: (
            isinstance(e, sympy.Pow)
            and e.exp.is_Integer
            and e.exp < 0
            and _exponent_of_one_plus_exp(e.base) is not None
        ),
        lambda e: Sigmoid(-sympy.sympify(_exponent_of_one_plus_exp(e.base))) ** (-e.exp),
    )

    def fold(m: sympy.Mul) -> sympy.Expr:
        factors = list(m.args)
        for f in list(factors):
            if not isinstance(f, sympy.exp) or f not in factors:
                continue
            partner = Sigmoid(-f.args[0])
            for k, g in enumerate(factors):
                base, power = (g.base, g.exp) if isinstance(g, sympy.Pow) else (g, sympy.S.One)
                if base == partner and power.is_Integer and power > 0:
                    factors[k] = partner ** (power - 1)
                    factors.remove(f)
                    factors.append(Sigmoid(f.args[0]))
                    break
        return sympy.Mul(*factors)

    return expr.replace(lambda e: isinstance(e, sympy.Mul), fold)


ARRAY_API_NAMES = {
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
    "arccosh": "acosh",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "power": "pow",
    "absolute": "abs",
}
"""NumPy's names that the array API standard spells otherwise (NumPy 2 has both)."""


class _Printer(NumPyPrinter):
    """Array-API printer: the namespace ``_xp``, stable output and overflow-free σ, softplus."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": False})

    def _print(self, expr: object, **kwargs: object) -> str:
        """A constant such as √π as its float64 literal: every namespace takes a float, and
        not every one takes ``sqrt`` of a Python number."""
        if isinstance(expr, sympy.Expr) and not expr.is_Atom and not expr.free_symbols:
            try:
                value = complex(expr.evalf(30))
            except (OverflowError, ValueError, TypeError):  # beyond evalf: printed as it is
                value = complex("nan")
            if value.imag == 0 and math.isfinite(value.real):
                return repr(value.real)
        return super()._print(expr, **kwargs)

    def _print_Sigmoid(self, expr: Sigmoid) -> str:
        return f"_sigmoid(_xp, {self._print(expr.args[0])})"

    def _print_erf(self, expr: sympy.erf) -> str:
        return f"_erf(_xp, {self._print(expr.args[0])})"

    def _print_Softplus(self, expr: Softplus) -> str:
        return f"_xp.logaddexp(0, {self._print(expr.args[0])})"

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if not fqn.startswith("numpy."):
            return fqn
        name = fqn.split(".")[-1]
        return "_xp." + ARRAY_API_NAMES.get(name, name)


@dataclass(frozen=True)
class Generated:
    """The text of the functions, and what they take."""

    loss: str
    gradient: str
    hessian: str | None
    data_names: tuple[str, ...]


def _name(symbol: sympy.Symbol) -> str:
    return symbol.name


def _assignments(
    exprs: Sequence[sympy.Expr], targets: Sequence[str], indent: str = "    "
) -> list[str]:
    """``targets = exprs`` with common subexpressions hoisted into temporaries."""
    printer = _Printer()
    stable = [stabilise(sympy.sympify(e)) for e in exprs]
    replacements, reduced = sympy.cse(
        stable, symbols=sympy.numbered_symbols("_t"), optimizations="basic"
    )
    pairs = [(str(sym), value) for sym, value in replacements]
    pairs += list(zip(targets, reduced, strict=True))
    return [part for t, v in pairs for part in fit(f"{indent}{t} = {printer.doprint(v)}")]


def _bilinear(
    summand: sympy.Expr, params: dict[sympy.Symbol, Block], data: dict[sympy.Symbol, Block]
) -> tuple[sympy.Expr, sympy.Symbol, sympy.Symbol] | None:
    """summand = c · p · x with p a parameter vector and x a data vector (c constant)?"""
    coefficient, factors = summand.as_coeff_mul()
    if len(factors) != 2:
        return None
    a, b = factors
    if a in data and b in params:
        a, b = b, a
    if a in params and b in data and params[a].length and data[b].length:
        return coefficient, a, b
    return None


BLOCK_FLOATS = 1 << 20
"""About how many float64 values of data a block of rows holds (8 MiB). Measured on an
idle 2-core machine (2 MiB of L2 per core), blocks of 100 columns against hand-written
two-pass NumPy: 2,048 rows 0.85× with one BLAS thread but 1.64× with two (BLAS does not
split small products across threads); 10,381 rows 1.00× and 0.96×. All threads is the
common case, so blocks stay large."""


def block_rows(obj: Objective) -> int:
    """The rows in one block of the blocked gradient: about :data:`BLOCK_FLOATS` values of
    data, at least 256 rows.

    >>> block_rows(Objective("(dot(w, x) - y)**2", params="w:100", data="x:100 y"))
    10381
    """
    columns = sum(b.length or 1 for b in obj.data_blocks) or 1
    return max(256, BLOCK_FLOATS // columns)


def generate(obj: Objective, *, hessian: bool = False) -> Generated:
    """The array-API source of ``loss``, ``gradient`` (and ``hessian``) for ``obj``."""
    params = {b.representative: b for b in obj.blocks}
    data = {b.representative: b for b in obj.data_blocks}
    data_names = tuple(b.name for b in obj.data_blocks)
    signature = ", ".join(("theta", *data_names))
    namespace = f"    _xp = _namespace({signature})"
    unpack = _unpack(obj)
    atoms = sorted(obj.structured.atoms(VectorSum), key=sympy.default_sort_key)
    z = [sympy.Symbol(f"_z{k}", real=True) for k in range(len(atoms))]
    f = obj.structured.xreplace(dict(zip(atoms, z, strict=True)))
    reductions: list[str] = []
    for k, atom in enumerate(atoms):
        bilinear = _bilinear(atom.summand, params, data)
        if bilinear is not None:
            c, p, x = bilinear
            scale = "" if c == 1 else f"{_Printer().doprint(c)} * "
            reductions += fit(f"    _z{k} = {scale}({x.name} @ {p.name})")
        else:
            reductions += fit(
                f"    _z{k} = _reduce(_xp, {_columnwise(atom.summand, params, data)})"
            )

    loss_lines = [
        f"def loss({signature}):",
        '    """The mean loss over the rows of the data."""',
        namespace,
        *unpack,
        *reductions,
    ]
    loss_lines += _assignments([f], ["_f"])
    loss_lines += ["    return _mean(_xp, _f)"]

    scalar_params = [b for b in obj.blocks if b.length is None]
    vector_params = [b for b in obj.blocks if b.length is not None]
    links = [sympy.diff(f, zk) for zk in z]
    direct = [sympy.diff(f, b.representative) for b in scalar_params]
    if data_names:
        head = [
            f"def _gradient(_xp, {signature}):",
            '    """∇L at theta over these rows of the data: the mean of the per-row gradient."""',
        ]
    else:
        head = [
            f"def gradient({signature}):",
            '    """∇L at theta."""',
            namespace,
        ]
    grad_lines = [
        *head,
        *unpack,
        *reductions,
        *_assignments(
            [*direct, *links],
            [*(f"_d_{b.name}" for b in scalar_params), *(f"_r{k}" for k in range(len(z)))],
        ),
    ]
    parts: dict[str, str] = {}
    for b in scalar_params:
        terms = [f"_d_{b.name}"]
        for k, atom in enumerate(atoms):
            inner = sympy.diff(atom.summand, b.representative)
            if inner != 0:
                terms.append(f"_r{k} * _reduce(_xp, {_columnwise(inner, params, data)})")
        parts[b.name] = f"_mean(_xp, {' + '.join(terms)})"
    for b in vector_params:
        terms = []
        for k, atom in enumerate(atoms):
            inner = sympy.diff(atom.summand, b.representative)
            if inner == 0:
                continue
            bilinear = _bilinear(atom.summand, params, data)
            if bilinear is not None and bilinear[1] == b.representative:
                c, _, x = bilinear
                scale = "" if c == 1 else f"{_Printer().doprint(c)} * "
                terms.append(
                    f"{scale}({x.name}.T @ _rows(_xp, _r{k}, {x.name})) / {x.name}.shape[0]"
                )
            else:
                terms.append(
                    f"_rowmean(_xp, _col(_xp, _r{k}) * ({_columnwise(inner, params, data)}))"
                )
        parts[b.name] = " + ".join(terms) if terms else "0.0"
    pieces = []
    for k, b in enumerate(obj.blocks):
        grad_lines += fit(f"    _p{k} = {parts[b.name]}")
        pieces.append(f"_vector(_xp, _p{k}, {b.length or 1})")
    grad_lines += wrap_call("    return _xp.concat([", pieces, "])")  # a new array
    if data_names:
        cuts = ", ".join(f"_cut({d}, _a)" for d in data_names)
        grad_lines += [
            "",
            "",
            f"def gradient({signature}):",
            '    """∇L at theta: the mean over the data\'s rows of the per-row gradient. NumPy data',
            "    is read a block of rows at a time: z = X_b w and X_bᵀ r while the block is in",
            '    cache (one pass over X); other libraries chunk (Dask) or fuse in their own way."""',
            namespace,
            f"    _n = _count({', '.join(data_names)})",
            "    if _xp is not _NUMPY or _n <= _ROWS:",
            f"        return _gradient(_xp, {signature})",
            "    _g = 0.0",
            "    for _a in _range(0, _n, _ROWS):",
            *fit(f"        _g = _g + _gradient(_xp, theta, {cuts}) * (_min(_ROWS, _n - _a) / _n)"),
            "    return _g",
        ]

    hessian_text = None
    if hessian:
        n = len(obj.params)
        if n > MAX_HESSIAN_PARAMS:
            raise ObjectiveError(
                f"Newton's method prints an n×n Hessian; at most {MAX_HESSIAN_PARAMS} parameters (got {n})"
            )
        expanded_unpack = _unpack_components(obj)
        h = obj.hessian()
        cells = [(i, j) for i in range(n) for j in range(i, n)]
        entries = [f"_mean(_xp, _h{min(i, j)}_{max(i, j)})" for i in range(n) for j in range(n)]
        hess_lines = [
            f"def hessian({signature}):",
            '    """∇²L at theta: the mean over rows of the per-row Hessian."""',
            namespace,
            *expanded_unpack,
            *_assignments([h[i, j] for i, j in cells], [f"_h{i}_{j}" for i, j in cells]),
            *wrap_call("    _H = _xp.stack([", entries, "])"),
            f"    return _xp.reshape(_H, ({n}, {n}))",
        ]
        hessian_text = "\n".join(hess_lines)
    return Generated("\n".join(loss_lines), "\n".join(grad_lines), hessian_text, data_names)


def wrap_call(head: str, items: list[str], tail: str, width: int = 100) -> list[str]:
    """``head + ", ".join(items) + tail``, its items filling lines of at most ``width``.

    >>> wrap_call("    f([", ["a", "b"], "])")
    ['    f([a, b])']
    >>> wrap_call("f([", ["aa"] * 3, "])", width=8)
    ['f([', '    aa,', '    aa,', '    aa,', '])']
    """
    line = f"{head}{', '.join(items)}{tail}"
    if len(line) <= width:
        return [line]
    indent = head[: len(head) - len(head.lstrip())]
    out, current = [head], indent + "    "
    for item in items:
        if len(current) + len(item) + 1 > width and current.strip():
            out.append(current.rstrip())
            current = indent + "    "
        current += f"{item}, "
    out += [current.rstrip().rstrip(",") + ",", indent + tail]
    return out


def _unpack(obj: Objective) -> list[str]:
    lines, start = [], 0
    for b in obj.blocks:
        if b.length is None:
            lines.append(f"    {b.name} = theta[{start}]")
            start += 1
        else:
            lines.append(f"    {b.name} = theta[{start}:{start + b.length}]")
            start += b.length
    return lines


def _unpack_components(obj: Objective) -> list[str]:
    lines = [f"    {p.name} = theta[{i}]" for i, p in enumerate(obj.params)]
    for b in obj.data_blocks:
        if b.length is None:
            continue
        lines += [f"    {s.name} = {b.name}[:, {i}]" for i, s in enumerate(b.symbols)]
    return lines


def _columnwise(
    expr: sympy.Expr, params: dict[sympy.Symbol, Block], data: dict[sympy.Symbol, Block]
) -> str:
    """Print an elementwise summand: vectors as arrays, per-row scalars as columns."""
    mapping = {}
    for s in expr.free_symbols:
        block = data.get(s)
        if block is not None and block.length is None:
            mapping[s] = sympy.Symbol(f"_col(_xp, {s.name})")
    return _Printer().doprint(expr.xreplace(mapping))


HELPERS: dict[str, str] = {
    "_mean": '''
def _mean(_xp, _a):
    """The mean of a per-row quantity (a number is its own mean), as a float64 array."""
    if _isinstance(_a, np.ndarray) and _a.ndim == 1 and _a.dtype == np.float64 and _a.size:
        return np.add.reduce(_a) / _a.shape[0]
    return _xp.mean(_xp.asarray(_a, dtype=_xp.float64))
''',
    "_vector": '''
def _vector(_xp, _a, _n):
    """A block's gradient as a float64 vector of its _n components."""
    if _isinstance(_a, (np.ndarray, np.generic)) and _a.dtype == np.float64 and _a.size == _n:
        return np.reshape(_a, (_n,))
    return _xp.broadcast_to(_xp.reshape(_xp.asarray(_a, dtype=_xp.float64), (-1,)), (_n,))
''',
    "_col": '''
def _col(_xp, _a):
    """A per-row quantity as a column, to broadcast against rows of a data matrix."""
    _a = _xp.asarray(_a, dtype=_xp.float64)
    return _a[..., None] if _a.ndim else _a
''',
    "_reduce": '''
def _reduce(_xp, _a):
    """Σ over the last (component) axis."""
    return _xp.sum(_a, axis=-1)
''',
    "_rows": '''
def _rows(_xp, _r, _x):
    """A per-row quantity as a vector of the data's rows."""
    if _isinstance(_r, np.ndarray) and _r.shape == _x.shape[:1] and _r.dtype == np.float64:
        return _r
    return _xp.broadcast_to(_xp.asarray(_r, dtype=_xp.float64), (_x.shape[0],))
''',
    "_count": '''
def _count(*_data):
    """The number of rows of the data (1 when every value is a number)."""
    return _max([np.shape(_v)[0] for _v in _data if np.ndim(_v)] or [1])
''',
    "_cut": '''
def _cut(_v, _a):
    """Rows _a to _a + _ROWS of a data value (a number stands for every row)."""
    return _v[_a:_a + _ROWS] if np.ndim(_v) else _v
''',
    "_erf": '''
def _erf(_xp, _t):
    """The error function, elementwise: math.erf (exact to an ulp) for NumPy, which has
    none; for Dask block by block; elsewhere the library's own special function."""
    if _xp is _NUMPY:
        return np.vectorize(_math_erf, otypes=[np.float64])(_t)
    if _hasattr(_t, "map_blocks"):
        return _t.map_blocks(lambda _b: _erf(_NUMPY, _b), dtype=np.float64)
    for _library, _special in _SPECIAL:
        if _xp.__name__.endswith(_library):
            return __import__(_special, fromlist=["erf"]).erf(_t)
    raise TypeError("no elementwise erf is known for %s arrays" % _xp.__name__)
''',
    "_sigmoid": '''
def _sigmoid(_xp, _t):
    """σ(t) = 1/(1 + exp(−t)): exact in the limits (exp overflowing to inf gives 0)."""
    if _xp is _NUMPY:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-_t))
    return 1.0 / (1.0 + _xp.exp(-_t))
''',
    "_rowmean": '''
def _rowmean(_xp, _a):
    """Mean over rows of a (rows × components) array; a plain vector is already per component."""
    _a = _xp.asarray(_a, dtype=_xp.float64)
    return _xp.mean(_a, axis=0) if _a.ndim == 2 else _a
''',
}
"""The helper functions generated code may call, by name; a module carries only those it uses."""


def helpers_for(text: str) -> list[str]:
    """The helpers ``text`` calls, with the helpers they call in turn (in a fixed order).

    >>> helpers_for("_rowmean(_xp, _col(_xp, _r0) * x)")
    ['_col', '_rowmean']
    """
    used: set[str] = set()
    pending = [text]
    while pending:
        chunk = pending.pop()
        for name, source in HELPERS.items():
            if name not in used and re.search(rf"\b{name}\(", chunk):
                used.add(name)
                pending.append(source.split("\n", 1)[1])
    return [name for name in HELPERS if name in used]


def fit(line: str, width: int = 100) -> list[str]:
    """A long assignment or return split inside parentheses at token boundaries, so that no
    line passes ``width`` (unless one token alone does).

    >>> fit("    _x = " + " + ".join(["a"] * 60), 40)[:2]
    ['    _x = (', '        a + a + a + a + a + a + a + a +']
    """
    if len(line) <= width:
        return [line]
    match = re.match(r"^(\s*)(return |[\w\[\], ]+ = )(.*)$", line)
    if match is None:
        return [line]
    indent, head, rest = match.groups()
    inner = indent + "    "
    tokens = [t for t in re.split(r"(?<=[ ,])|(?<=[^*/][*/])(?=[^*/])", rest) if t]
    out, current = [f"{indent}{head}("], inner
    for token in tokens:
        if len(current) + len(token.rstrip()) > width and current.strip():
            out.append(current.rstrip())
            current = inner
        current += token
    out += [current.rstrip(), f"{indent})"]
    return out
