r"""The language an optimizer's update is written in, once: hyper-parameters, state buffers and
a short program of elementwise assignments and branches.

From one :class:`Spec` come the emitted array code (:mod:`derive.optimizers.code`), the LaTeX
update equations (:mod:`derive.optimizers.latex`) and the mpmath reference
(:mod:`derive.optimizers.reference`). Every vector quantity is updated elementwise; scalars
(the step count ``t`` and the hyper-parameters) broadcast. The gradient ``g`` enters first,
and the program ends by assigning the update ``u``: then ``θ ← θ + u``.

>>> from derive.optimizers import SPECS
>>> spec = SPECS["adam"]
>>> [h.name for h in spec.hypers]
['lr', 'betas', 'eps', 'weight_decay', 'amsgrad']
>>> [b.key for b in spec.buffers]
['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sympy

__all__ = [
    "THETA",
    "Buffer",
    "Condition",
    "G",
    "Hyper",
    "If",
    "Let",
    "Solve",
    "Spec",
    "Statement",
    "T",
    "U",
    "statements",
    "symbol",
]


def symbol(name: str) -> sympy.Symbol:
    """A real symbol of an update program (hyper-parameters are capitalised: they sort, and
    print, before the vectors they scale, as in η g)."""
    return sympy.Symbol(name, real=True)


THETA = symbol("theta")
"""The parameters (a vector)."""
G = symbol("g")
"""The gradient of the loss at θ (a vector)."""
T = symbol("t")
"""The step count: 1 at the first update (a scalar)."""
U = symbol("u")
"""The update: θ ← θ + u (a vector)."""

DOMAINS = ("positive", "nonnegative", "unit", "flag")
"""positive: > 0; nonnegative: ≥ 0; unit: in [0, 1); flag: True or False."""


@dataclass(frozen=True)
class Hyper:
    """A hyper-parameter, named as torch.optim names it.

    ``symbols`` are its symbols in the program: one for a number, two for a pair such as
    ``betas`` (β₁, β₂), none for a flag. ``default`` is torch's default (None: required).
    """

    name: str
    latex: tuple[str, ...]
    default: Any
    domain: str
    symbols: tuple[sympy.Symbol, ...]
    doc: str

    def __post_init__(self) -> None:
        assert self.domain in DOMAINS, self.domain
        assert len(self.latex) == len(self.symbols)
        assert (self.domain == "flag") == (not self.symbols)


@dataclass(frozen=True)
class Buffer:
    """A state buffer (a vector as long as θ), keyed as in torch.optim's optimizer state."""

    key: str
    symbol: sympy.Symbol
    latex: str
    initial: sympy.Expr = sympy.S.Zero


@dataclass(frozen=True)
class Condition:
    """A test a branch depends on.

    ``test`` is ``"set"`` (a flag is True), ``"nonzero"`` (a number is not 0) or
    ``"first"`` (the first step, t = 1; ``hyper`` is then empty).
    """

    hyper: str
    test: str

    def holds(self, values: Mapping[str, Any], t: int) -> bool:
        """Whether the condition holds for these hyper-parameter values at step ``t``."""
        if self.test == "first":
            return t == 1
        if self.test == "set":
            return bool(values[self.hyper])
        if self.test == "nonzero":
            return values[self.hyper] != 0
        raise AssertionError(self.test)


@dataclass(frozen=True)
class Let:
    """``target ← expr``, elementwise."""

    target: sympy.Symbol
    expr: sympy.Expr
    doc: str = ""


@dataclass(frozen=True)
class Solve:
    """``target ← (∇²L + shift·I)⁻¹ rhs``: Newton's direction (the one non-elementwise step)."""

    target: sympy.Symbol
    rhs: sympy.Symbol
    shift: sympy.Expr


@dataclass(frozen=True)
class If:
    """``then`` where ``condition`` holds, else ``otherwise``."""

    condition: Condition
    then: tuple[Statement, ...]
    otherwise: tuple[Statement, ...] = ()


Statement = Let | Solve | If


@dataclass(frozen=True)
class Spec:
    """One optimizer: its hyper-parameters, state buffers and update program.

    ``fixed`` hyper-parameters take a set value in this method (gradient descent is SGD with
    momentum 0) and are not arguments; ``positive`` ones must be > 0 here (momentum for
    the momentum method), each mapped to an example for the error message; ``latex_names``
    are the LaTeX of the program's temporaries.
    """

    name: str
    title: str
    torch: str
    hypers: tuple[Hyper, ...]
    buffers: tuple[Buffer, ...]
    body: tuple[Statement, ...]
    doc: str
    fixed: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    positive: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    hessian: bool = False
    latex_names: Mapping[sympy.Symbol, str] = field(default_factory=lambda: MappingProxyType({}))

    def hyper(self, name: str) -> Hyper:
        """The hyper-parameter ``name``."""
        for h in self.hypers:
            if h.name == name:
                return h
        raise KeyError(name)

    @property
    def free(self) -> tuple[Hyper, ...]:
        """The hyper-parameters this method takes as arguments (all but the fixed ones)."""
        return tuple(h for h in self.hypers if h.name not in self.fixed)

    def substitutions(self) -> dict[sympy.Symbol, Any]:
        """The fixed hyper-parameters' symbols and their values."""
        out: dict[sympy.Symbol, Any] = {}
        for name, value in self.fixed.items():
            h = self.hyper(name)
            values = value if isinstance(value, tuple) else (value,)
            out.update(zip(h.symbols, (sympy.nsimplify(v) for v in values), strict=False))
        return out

    def resolve(self, condition: Condition) -> bool | None:
        """The condition's value where this method settles it (fixed or required positive)."""
        if condition.hyper in self.fixed:
            return condition.holds(self.fixed, 0)
        if condition.test == "nonzero" and condition.hyper in self.positive:
            return True
        return None

    def program(self) -> tuple[Statement, ...]:
        """The body with the branches this method settles taken and fixed values substituted."""
        return _settle(self.body, self)

    def used_buffers(self) -> tuple[Buffer, ...]:
        """The buffers the settled program reads or writes, in declaration order."""
        used = {s.target for s in statements(self.program())}
        return tuple(b for b in self.buffers if b.symbol in used)


def _settle(body: tuple[Statement, ...], spec: Spec) -> tuple[Statement, ...]:
    fixed = spec.substitutions()
    out: list[Statement] = []
    for s in body:
        if isinstance(s, If):
            known = spec.resolve(s.condition)
            if known is None:
                out.append(If(s.condition, _settle(s.then, spec), _settle(s.otherwise, spec)))
            else:
                out.extend(_settle(s.then if known else s.otherwise, spec))
        elif isinstance(s, Let):
            out.append(Let(s.target, sympy.sympify(s.expr).xreplace(fixed), s.doc))
        else:
            out.append(Solve(s.target, s.rhs, sympy.sympify(s.shift).xreplace(fixed)))
    return tuple(out)


def statements(body: tuple[Statement, ...]) -> Iterator[Let | Solve]:
    """Every assignment of ``body``, both branches of each If included, in order."""
    for s in body:
        if isinstance(s, If):
            yield from statements(s.then)
            yield from statements(s.otherwise)
        else:
            yield s
