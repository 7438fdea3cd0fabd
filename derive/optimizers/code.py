"""An optimizer spec as Python source: ``init(theta)`` and ``update(grads, state, theta, …)``.

The printed functions are array code: every operation is elementwise (``+ - * / **``,
``sqrt``, ``maximum``) in the array namespace ``_xp`` of the arguments (scalars, such as the
bias corrections, with Python's ``math``), and the state is a dict keyed as
torch.optim keys its optimizer state (``step``, ``exp_avg``, …). Every local name begins
with ``_``; the arguments are ``grads``, ``state``, ``theta``, ``hess`` (Newton) and the
hyper-parameters under torch's names.

>>> from derive.optimizers import SPECS
>>> print(update_source(SPECS["gd"]))
def update(grads, state, theta, lr, weight_decay=0.0):
    \"\"\"One gradient descent update as torch.optim.SGD: (updates, state); θ ← θ + updates.\"\"\"
    _t = state["step"] + 1
    _g = grads
    if weight_decay != 0:
        _g = _g + theta*weight_decay
    _u = -_g*lr
    return _u, {"step": _t}
"""

from __future__ import annotations

import sympy
from sympy.printing.numpy import NumPyPrinter

from ..codegen import ARRAY_API_NAMES
from .spec import THETA, Condition, G, Hyper, If, Let, Solve, Spec, Statement, T, U, statements

__all__ = [
    "WIDTH",
    "init_hypers",
    "init_source",
    "signature",
    "update_hypers",
    "update_source",
    "vectors",
    "wrap",
]

WIDTH = 100
"""The longest line printed."""


def wrap(head: str, items: list[str], tail: str, indent: str = "") -> list[str]:
    """``head + ", ".join(items) + tail`` on one line if it fits in WIDTH, else one item a line.

    >>> wrap("f(", ["a", "b"], ")")
    ['f(a, b)']
    >>> wrap("f(", ["a" * 60, "b" * 60], ")")[1].strip()
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,'
    """
    line = f"{indent}{head}{', '.join(items)}{tail}"
    if len(line) <= WIDTH or not items:
        return [line]
    return [f"{indent}{head}", *(f"{indent}    {item}," for item in items), f"{indent}{tail}"]


class _Printer(NumPyPrinter):
    """Elementwise array text in the namespace ``_xp`` (``_math`` for scalars)."""

    def __init__(self, module: str = "_xp", vector: frozenset[sympy.Symbol] = frozenset()) -> None:
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": False})
        self._module = module
        self._vector = vector

    def _print(self, expr: object, **kwargs: object) -> str:
        """A scalar part of a vector expression (such as √c₂) with Python's ``math``."""
        if (
            self._vector
            and isinstance(expr, sympy.Expr)
            and not expr.is_Atom
            and expr.free_symbols
            and not expr.free_symbols & self._vector
        ):
            return _Printer("_math").doprint(expr)
        return super()._print(expr, **kwargs)

    def _print_Max(self, expr: sympy.Max) -> str:
        args = [self._print(a) for a in expr.args]
        text = args[0]
        for a in args[1:]:
            text = f"{self._module}.maximum({text}, {a})"
        return text

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if not fqn.startswith("numpy."):
            return fqn
        name = fqn.split(".")[-1]
        return f"{self._module}.{ARRAY_API_NAMES.get(name, name)}"


def _names(spec: Spec) -> dict[sympy.Symbol, sympy.Symbol]:
    """The program's symbols → the names they have in code."""
    out = {THETA: "theta", G: "_g", T: "_t", U: "_u"}
    for h in spec.free:
        if len(h.symbols) == 1:
            out[h.symbols[0]] = h.name
        else:
            out.update({s: f"_{s.name.lower()}" for s in h.symbols})
    for b in spec.buffers:
        out[b.symbol] = f"_{b.key}"
    for s in (statement.target for statement in statements(spec.program())):
        out.setdefault(s, f"_{s.name}")
    return {k: sympy.Symbol(v, real=True) for k, v in out.items()}


def _default(h: Hyper) -> str:
    return repr(h.default)


def update_hypers(spec: Spec) -> tuple[Hyper, ...]:
    """The free hyper-parameters the update program reads (in declaration order)."""
    used: set[sympy.Symbol] = set()
    flags: set[str] = set()
    _uses(spec.program(), used, flags)
    return tuple(h for h in spec.free if h.name in flags or set(h.symbols) & used)


def init_hypers(spec: Spec) -> tuple[Hyper, ...]:
    """The free hyper-parameters the starting state depends on."""
    used = set().union(*(sympy.sympify(b.initial).free_symbols for b in spec.used_buffers()))
    return tuple(h for h in spec.free if set(h.symbols) & used)


def _uses(body: tuple[Statement, ...], used: set[sympy.Symbol], flags: set[str]) -> None:
    for s in body:
        if isinstance(s, If):
            flags.add(s.condition.hyper)
            _uses(s.then, used, flags)
            _uses(s.otherwise, used, flags)
        elif isinstance(s, Let):
            used |= sympy.sympify(s.expr).free_symbols
        else:
            used |= sympy.sympify(s.shift).free_symbols


def signature(
    hypers: tuple[Hyper, ...], *, defaults: bool = True, required: Spec | None = None
) -> list[str]:
    """The hyper-parameter arguments, lr first (required) then the others with torch's
    defaults (or bare names, to pass them on); those ``required`` must be > 0 have none."""
    out = []
    needed = {"lr", *(required.positive if required is not None else ())}
    for h in hypers:
        if h.name in needed or not defaults:
            out.append(h.name)
        else:
            out.append(f"{h.name}={_default(h)}")
    return out


def _condition(c: Condition, names: dict[sympy.Symbol, sympy.Symbol]) -> str:
    if c.test == "first":
        return "_t == 1"
    if c.test == "set":
        return c.hyper
    return f"{c.hyper} != 0"


def vectors(spec: Spec) -> set[sympy.Symbol]:
    """The program's vector quantities: θ, g, u, the buffers and every temporary computed
    from one of them; the others (the step count, hyper-parameters, bias corrections) are
    scalars, computed with Python's ``math``.

    >>> from derive.optimizers import SPECS
    >>> sorted(s.name for s in vectors(SPECS["adam"]))
    ['d', 'g', 'm', 'theta', 'u', 'v', 'v_max']
    """
    found = {THETA, G, U, *(b.symbol for b in spec.buffers)}
    for s in _lets(spec.program()):
        if not isinstance(s, Let) or sympy.sympify(s.expr).free_symbols & found:
            found.add(s.target)
    return found


def _lets(body: tuple[Statement, ...]) -> list[Let | Solve]:
    out: list[Let | Solve] = []
    for s in body:
        if isinstance(s, If):
            out += _lets(s.then) + _lets(s.otherwise)
        else:
            out.append(s)
    return out


def _statements(
    body: tuple[Statement, ...],
    names: dict[sympy.Symbol, sympy.Symbol],
    indent: str,
    vector: set[sympy.Symbol],
) -> list[str]:
    printer = _Printer(vector=frozenset(names[s] for s in vector))
    scalar = _Printer("_math")
    lines: list[str] = []
    for s in body:
        if isinstance(s, If):
            lines.append(f"{indent}if {_condition(s.condition, names)}:")
            then = _statements(s.then, names, indent + "    ", vector)
            lines += then or [f"{indent}    pass"]
            if s.otherwise:
                lines.append(f"{indent}else:")
                lines += _statements(s.otherwise, names, indent + "    ", vector)
        elif isinstance(s, Let):
            chosen = printer if s.target in vector else scalar
            value = chosen.doprint(sympy.sympify(s.expr).xreplace(names))
            lines.append(f"{indent}{names[s.target]} = {value}")
        else:
            shift = scalar.doprint(sympy.sympify(s.shift).xreplace(names))
            target, rhs = names[s.target], names[s.rhs]
            lines += [
                f"{indent}_h = hess if {shift} == 0 else hess + {shift}*_eye(_xp, theta)",
                f"{indent}{target} = _solve(_xp, _h, {rhs}, theta)",
            ]
    return lines


def init_source(spec: Spec) -> str:
    """``init(theta, …)``: the state before the first update (step 0, buffers at their
    starting values)."""
    printer = _Printer()
    names = _names(spec)
    params = ["theta", *signature(init_hypers(spec))]
    lines = [
        f"def init({', '.join(params)}):",
        f'    """The state before the first update, as {spec.torch or "derive"} keeps it."""',
    ]
    entries = ['"step": 0']
    for b in spec.used_buffers():
        initial = sympy.sympify(b.initial).xreplace(names)
        if initial == 0:
            entries.append(f'"{b.key}": _xp.zeros_like(theta)')
        else:
            entries.append(f'"{b.key}": _xp.full_like(theta, {printer.doprint(initial)})')
    if len(entries) > 1:
        lines.append("    _xp = _namespace(theta)")
    lines += wrap("return {", entries, "}", "    ")
    return "\n".join(lines)


def update_source(spec: Spec) -> str:
    """``update(grads, state, theta, [hess,] lr, …)`` → ``(updates, state)``."""
    names = _names(spec)
    hypers = update_hypers(spec)
    args = ["grads", "state", "theta", *(["hess"] if spec.hessian else [])]
    args += signature(hypers, required=spec)
    like = f" as {spec.torch}" if spec.torch else ""
    lines = [
        *wrap("def update(", args, "):"),
        f'    """One {spec.title} update{like}: (updates, state); θ ← θ + updates."""',
    ]
    for h in hypers:
        if len(h.symbols) > 1:
            unpacked = ", ".join(str(names[s]) for s in h.symbols)
            lines.append(f"    {unpacked} = {h.name}")
    program = _statements(spec.program(), names, "    ", vectors(spec))
    if any("_xp" in line for line in program):
        lines.append("    _xp = _namespace(grads, theta)")
    lines += ['    _t = state["step"] + 1', "    _g = grads"]
    buffers = spec.used_buffers()
    lines += [f'    {names[b.symbol]} = state["{b.key}"]' for b in buffers]
    lines += program
    entries = ['"step": _t', *(f'"{b.key}": {names[b.symbol]}' for b in buffers)]
    lines += wrap("return _u, {", entries, "}", "    ")
    return "\n".join(lines)
