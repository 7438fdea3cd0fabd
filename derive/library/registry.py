"""One table of derivation kinds: name → builder, typed options with defaults, a doc line.

The Python API, the command line, the Sphinx directive and the lectures all build
derivations through :func:`build`; options arrive as text (command line, directive) or
as values (Python), are checked per kind, and an option a kind does not take is an error.

>>> sorted(REGISTRY)  # doctest: +NORMALIZE_WHITESPACE
['derivatives', 'descent-radius', 'gradient-descent', 'learning-rate', 'newton',
 'smoothness', 'steepest-descent', 'taylor']
>>> build("taylor", {"loss": "2*x**2", "params": "x", "at": "x=1"}).verify().ok
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..derivation import Derivation
from ..errors import BudgetError, OptionError
from ..examples import SIGMOID_NEURON
from ..objective import Objective
from .certify import descent_radius, smoothness_bound
from .expansion import taylor_expansion
from .gradient import gradient_descent
from .newton import newton_step
from .steepest import MAX_DIM, steepest_descent
from .stepsize import step_size
from .vector_calculus import vector_calculus

__all__ = ["REGISTRY", "Kind", "Option", "build", "parse_box", "parse_point"]


def parse_point(text: Any, what: str = "at") -> dict[str, str]:
    """``"w=1, b=-1/2"`` (commas or spaces; spaces around '=' allowed) → name → value text.

    >>> parse_point("w = 1, b=-1/2")
    {'w': '1', 'b': '-1/2'}
    """
    if isinstance(text, Mapping):
        return {str(k): v for k, v in text.items()}
    if not isinstance(text, str):
        raise OptionError(f"{what} expects name=value pairs such as 'w=1, b=0', got {text!r}")
    point: dict[str, str] = {}
    for item in text.replace(" =", "=").replace("= ", "=").replace(",", " ").split():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise OptionError(f"{what} expects name=value pairs such as 'w=1, b=0', got {item!r}")
        if name in point:
            raise OptionError(f"{what} gives {name!r} twice")
        point[name] = value
    if not point:
        raise OptionError(f"{what} is empty: give name=value pairs such as 'w=1, b=0'")
    return point


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or str(number) != str(value).strip() or not low <= number <= high:
            raise OptionError(f"expects a whole number from {low} to {high}, got {value!r}")
        return number

    return parse


def _choice(*names: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in names:
            raise OptionError(f"expects one of {', '.join(names)}, got {value!r}")
        return str(value)

    return parse


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OptionError(f"expects text, got {value!r}")
    return value


@dataclass(frozen=True)
class Option:
    """A typed option: how its text is read, its default (None: unset) and a doc line."""

    name: str
    parse: Callable[[Any], Any]
    doc: str
    default: Any = None


@dataclass(frozen=True)
class Kind:
    """A derivation kind: its builder (from parsed options), its options and a doc line."""

    name: str
    builder: Callable[[dict[str, Any]], Derivation]
    options: tuple[Option, ...]
    doc: str

    def parse(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Check and read ``options``; unknown or inapplicable ones are errors."""
        known = {o.name: o for o in self.options}
        for name in options:
            if name not in known:
                takes = ", ".join(known) or "no options"
                raise OptionError(
                    f"{self.name} does not take the option {name!r} (it takes {takes})"
                )
        parsed = {}
        for option in self.options:
            value = options.get(option.name)
            if value is None:
                parsed[option.name] = option.default
                continue
            try:
                parsed[option.name] = option.parse(value)
            except OptionError as exc:
                why = str(exc).removeprefix(f"{option.name} ")  # said once: "option 'at' expects"
                raise OptionError(f"{self.name}: option {option.name!r} {why}") from None
        return parsed


LOSS = (
    Option("loss", _text, "the loss, e.g. (w*x + b - y)**2"),
    Option("params", _text, "its parameters, e.g. 'w b' or 'w:100 b'"),
    Option("data", _text, "declared data symbols, e.g. 'x:100 y'"),
)


def _objective(options: dict[str, Any], default: Objective | None = None) -> Objective:
    if options["loss"] is None:
        if default is None:
            raise OptionError("this derivation needs a loss and its parameters")
        if options["params"] is not None or options["data"] is not None:
            raise OptionError("params and data go with a loss")
        return default
    if options["params"] is None:
        raise OptionError("a loss needs its parameters, e.g. params 'w b'")
    return Objective(options["loss"], params=options["params"], data=options["data"])


def parse_box(text: Any, what: str = "box") -> dict[str, tuple[str, str]]:
    """``"x=-1:1, y=0:2"`` → name → (lo, hi) text.

    >>> parse_box("x=-1:1, y = 0:2")
    {'x': ('-1', '1'), 'y': ('0', '2')}
    """
    box = {}
    for name, span in parse_point(text, what).items():
        ends = str(span).split(":")
        if len(ends) != 2 or not all(ends):
            raise OptionError(f"{what} gives a range lo:hi for each parameter, got {name}={span}")
        box[name] = (ends[0], ends[1])
    return box


def _needed(options: dict[str, Any], name: str, kind: str) -> Any:
    if options[name] is None:
        raise OptionError(f"{kind} needs the option {name!r}")
    return options[name]


def _point(options: dict[str, Any], name: str) -> dict[str, str] | None:
    value = options[name]
    return None if value is None else parse_point(value, name)


REGISTRY: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "steepest-descent",
            lambda o: steepest_descent(o["dim"], form=o["form"]),
            (
                Option("dim", _whole(1, MAX_DIM), "ℝⁿ; omitted: any inner-product space"),
                Option(
                    "form",
                    _choice("bound", "angle"),
                    "bound (attainment, uniqueness) or angle",
                    "bound",
                ),
            ),
            "the steepest first-order step under ‖u‖ ≤ d is u = −d∇L/‖∇L‖ (Cauchy–Schwarz)",
        ),
        Kind(
            "gradient-descent",
            lambda o: gradient_descent(_objective(o, SIGMOID_NEURON), form=o["form"]),
            (
                *LOSS,
                Option(
                    "form",
                    _choice("lecture", "vector", "disc"),
                    "lecture (components), vector (vectors kept whole) or disc; default: "
                    "vector for vector parameters, else lecture",
                ),
            ),
            "gradient descent from the Taylor expansion and the steepest-descent lemma",
        ),
        Kind(
            "newton",
            lambda o: newton_step(_objective(o, SIGMOID_NEURON), _point(o, "at")),
            (*LOSS, Option("at", parse_point, "a point, e.g. 'w=0, b=0'")),
            "Newton's step minimises the second-order model where ∇²L ≻ 0",
        ),
        Kind(
            "learning-rate",
            lambda o: step_size(
                _objective(o, Objective("2*x**2", "x")),
                lr=o["lr"],
                start=_point(o, "start"),
                steps=o["steps"],
                at=_point(o, "at"),
                box=o["box"],
            ),
            (
                *LOSS,
                Option("lr", _text, "a learning rate for a worked run, e.g. 0.1"),
                Option("start", parse_point, "the worked run's start, e.g. 'x=1'"),
                Option("steps", _whole(0, 100), "steps of the worked run", 2),
                Option("at", parse_point, "the point of a local bound (non-quadratic losses)"),
                Option(
                    "box",
                    parse_box,
                    "non-quadratic losses: a region, e.g. 'x=-1:1'; with start, the descent "
                    "lemma there (η ≤ 1/L), else the smoothness bound L on it",
                ),
            ),
            "the step sizes for which gradient descent contracts: 0 < η < 2/λ_max "
            "(quadratics), or η ≤ 1/L on a box",
        ),
        Kind(
            "descent-radius",
            lambda o: (
                descent_radius(
                    _objective(o),
                    _needed(o, "at", "descent-radius"),
                    direction=_point(o, "direction"),
                ).derivation
            ),
            (
                *LOSS,
                Option("at", parse_point, "the point θ, e.g. 'x=1, y=0'"),
                Option("direction", parse_point, "the step's direction u; omitted: −∇L(θ)"),
            ),
            "a certified step size: every step 0 < η ≤ η₀ decreases the loss",
        ),
        Kind(
            "smoothness",
            lambda o: smoothness_bound(_objective(o), _needed(o, "box", "smoothness")).derivation,
            (*LOSS, Option("box", parse_box, "a range per parameter, e.g. 'x=-1:1, y=0:2'")),
            "a proved bound L on ‖∇²L‖₂ over a box (interval enclosures of the Hessian)",
        ),
        Kind(
            "taylor",
            lambda o: taylor_expansion(_objective(o), o["order"], _point(o, "at")),
            (
                *LOSS,
                Option("order", _whole(0, 12), "the order of the expansion", 2),
                Option("at", parse_point, "the point, e.g. 'x=1'; omitted: about θ"),
            ),
            "the exact Taylor expansion, checked along every direction",
        ),
        Kind(
            "derivatives",
            lambda o: vector_calculus(_objective(o, SIGMOID_NEURON)),
            LOSS,
            "the gradient and Hessian blocks in vector form, proved for every length",
        ),
    )
}
"""Every derivation kind by name."""


def build(name: str, options: Mapping[str, Any] | None = None) -> Derivation:
    """Build the derivation ``name`` from ``options`` (text or values, checked per kind)."""
    if name not in REGISTRY:
        raise OptionError(f"unknown derivation {name!r}; choose one of {', '.join(REGISTRY)}")
    kind = REGISTRY[name]
    parsed = kind.parse(options or {})
    try:
        return kind.builder(parsed)
    except RecursionError:
        raise BudgetError(f"{name}: the loss is nested too deeply to process") from None
