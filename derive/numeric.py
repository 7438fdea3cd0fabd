r"""Check emitted code against an mpmath reference built from the symbolic expressions.

The reference is evaluated at ``dps`` digits from the objective's symbolic loss,
gradient and Hessian (never from the emitted code). Errors are in ulps, normwise:
``|emitted − reference| / spacing(max |reference|)``.

Nothing non-finite passes: an emitted NaN or infinity where the reference is a finite
real number fails its item, and so does a reference that is itself undefined (not real,
not finite, or beyond mpmath) along the trajectory. A reference undefined at the
starting point leaves nothing to check: that raises :class:`~derive.errors.NumericError`.

>>> from derive.objective import Objective
>>> from derive.emit import emit
>>> report = emit(Objective("2*x**2", "x")).check(dps=30, theta0=[1.0], lr=0.1, steps=5)
>>> report.ok
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from .errors import NumericError, ObjectiveError
from .objective import Objective
from .optimizers.options import hypers
from .optimizers.reference import Reference as _Optimizer
from .optimizers.reference import Undefined, finite_real
from .optimizers.schedules import Schedule

__all__ = ["CheckItem", "NumericReport", "check"]

DIFF_COMPONENTS = 12
"""Most gradient components compared with mpmath.diff (a seeded random choice beyond)."""

MAX_STEPS = 10_000
"""Most trajectory steps (and default data rows) a check evaluates in mpmath."""

MAX_GUARD_BITS = 8192
"""Most extra bits mpmath.diff may use; beyond, the loss is far outside float64's range."""

_FLOAT_MAX = mpmath.mpf(np.finfo(float).max)
_FLOAT_TINY = mpmath.mpf(np.finfo(float).tiny)


@dataclass(frozen=True)
class CheckItem:
    """One comparison: its status ('passed', 'failed', 'skipped'), max error and detail."""

    name: str
    status: str
    max_ulps: float | None = None
    detail: str = ""
    point: Mapping[str, float] | None = None


@dataclass(frozen=True)
class NumericReport:
    """The comparisons of one check; ``ok`` when none failed."""

    method: str
    dps: int
    items: tuple[CheckItem, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(item.status != "failed" for item in self.items)

    def summary(self) -> str:
        """One line; a failed item says why (which component, which value)."""
        parts = []
        for item in self.items:
            ulps = f", {item.max_ulps:.3g} ulps" if item.max_ulps is not None else ""
            why = f" ({item.detail})" if item.status == "failed" and item.detail else ""
            parts.append(f"{item.name}: {item.status}{ulps}{why}")
        verdict = "checked" if self.ok else "CHECK FAILED"
        return f"{verdict} at {self.dps} digits ({self.seconds:.2f} s): " + "; ".join(parts)

    def __repr__(self) -> str:
        from .display import check_repr

        return check_repr(self)

    def _repr_markdown_(self) -> str:
        from .display import check_markdown

        return check_markdown(self)

    def _repr_html_(self) -> str:
        from .display import check_html

        return check_html(self)


# -- the reference


def _fresh(obj: Objective) -> tuple[list[sympy.Symbol], dict[sympy.Symbol, sympy.Symbol]]:
    """Arguments ``_p0 …``, ``_d0 …`` for lambdify: user names (``mpf``, ``matrix``) never meet
    mpmath's names in the generated function, since no user name begins with '_'."""
    fresh = {
        s: sympy.Symbol(f"_{kind}{i}", **s.assumptions0)
        for kind, symbols in (("p", obj.params), ("d", obj.data))
        for i, s in enumerate(symbols)
    }
    return list(fresh.values()), fresh


def _mpf(value: Any, what: str) -> Any:
    """``value`` as a finite real mpf, else :class:`Undefined` naming ``what``."""
    return finite_real(value, what)


class _Reference:
    """The mean loss, gradient and Hessian over rows, in mpmath, from the symbolic forms.

    Every value it returns is a finite real mpf; anything else raises :class:`Undefined`.
    """

    def __init__(self, obj: Objective, rows: list[list[Any]], hessian: bool) -> None:
        args, fresh = _fresh(obj)
        self.names = [p.name for p in obj.params]
        self.rows = rows

        def compile_(exprs: list[sympy.Expr]) -> Callable[..., Any]:
            renamed = [sympy.sympify(e).xreplace(fresh) for e in exprs]
            return sympy.lambdify(args, renamed, "mpmath", cse=True)

        self._loss = compile_([obj.expr])
        self._gradient = compile_(list(obj.gradient()))
        self._hessian = compile_(list(obj.hessian())) if hessian else None

    def _mean(self, f: Callable[..., Any], theta: Sequence[Any], what: str) -> list[Any]:
        """The mean over rows of ``f``, a lambdified list of expressions."""
        total: list[Any] = []
        for row in self.rows:
            try:
                value = f(*theta, *row)
                values = [mpmath.mpmathify(v) for v in value]
            except (ArithmeticError, ValueError, TypeError) as exc:
                reason = str(exc) or (
                    "division by zero" if isinstance(exc, ZeroDivisionError) else type(exc).__name__
                )
                raise Undefined(f"mpmath cannot evaluate the {what} ({reason})") from None
            total = values if not total else [a + b for a, b in zip(total, values, strict=True)]
        return [t / len(self.rows) for t in total]

    def loss(self, theta: Sequence[Any]) -> Any:
        return _mpf(self._mean(self._loss, theta, "loss")[0], "the loss")

    def gradient(self, theta: Sequence[Any]) -> list[Any]:
        values = self._mean(self._gradient, theta, "gradient")
        return [_mpf(v, f"gradient component {n}") for n, v in zip(self.names, values, strict=True)]

    def hessian(self, theta: Sequence[Any]) -> list[Any]:
        """The Hessian, flat in row-major order."""
        assert self._hessian is not None
        values = self._mean(self._hessian, theta, "Hessian")
        return [
            _mpf(v, f"Hessian entry {n}") for n, v in zip(_pairs(self.names), values, strict=True)
        ]


def _pairs(names: Sequence[str]) -> list[str]:
    return [f"H({a}, {b})" for a in names for b in names]


# -- comparisons


def _spacing(scale: Any) -> Any:
    """``np.spacing`` of a float64 of magnitude ``scale`` (continued beyond float64's range)."""
    if scale < _FLOAT_TINY:
        return mpmath.ldexp(1, -1074)
    _, exponent = mpmath.frexp(scale)
    return mpmath.ldexp(1, int(exponent) - 53)


def _show(value: Any) -> str:
    text = mpmath.nstr(value, 6)
    return f"{text} (beyond float64's range)" if abs(value) > _FLOAT_MAX else text


def _compare(emitted: Any, reference: Sequence[Any], names: Sequence[str]) -> tuple[float, str]:
    """The normwise error in ulps, or ``(inf, why)`` when the numbers cannot be compared."""
    flat = np.asarray(emitted, dtype=float).ravel()
    if flat.shape != (len(reference),):
        return math.inf, f"the emitted code gave {flat.size} values for {len(reference)}"
    for name, e, r in zip(names, flat.tolist(), reference, strict=True):
        if not math.isfinite(e):
            return math.inf, f"{name} is {e} where the reference is {_show(r)}"
    scale = max((abs(r) for r in reference), default=mpmath.mpf(0))
    worst = max(
        (abs(mpmath.mpf(e) - r) for e, r in zip(flat.tolist(), reference, strict=True)),
        default=mpmath.mpf(0),
    )
    return float(worst / _spacing(scale)), ""


def _item(
    name: str, compared: tuple[float, str], limit: float, point: Mapping[str, float]
) -> CheckItem:
    ulps, problem = compared
    if problem:
        return CheckItem(name, "failed", None, problem, point)
    status = "passed" if ulps <= limit else "failed"
    return CheckItem(
        name, status, ulps, f"allowed {limit:g} ulps", point if status == "failed" else None
    )


@contextmanager
def _emitted() -> Iterator[None]:
    """Run emitted code quietly (its NaN and infinity are judged, not warned about)."""
    with np.errstate(all="ignore"):
        try:
            yield
        except np.linalg.LinAlgError as exc:
            raise NumericError(f"the emitted code's linear algebra failed: {exc}") from None


# -- inputs


def _rows(obj: Objective, data: Mapping[str, Any], count: int) -> list[list[Any]]:
    """One list of mpf values per row, in the order of ``obj.data`` (exact binary values)."""
    columns = []
    for block in obj.data_blocks:
        array = np.asarray(data[block.name], dtype=float)
        if block.length is None:
            columns.append(np.broadcast_to(array, (count,))[:, None])
        else:
            columns.append(np.broadcast_to(array.reshape(-1, block.length), (count, block.length)))
    table = np.hstack(columns) if columns else np.zeros((count, 0))
    return [[mpmath.mpf(float(v)) for v in row] for row in table]


def _default_data(obj: Objective, rows: int, rng: np.random.Generator) -> dict[str, Any]:
    data = {}
    for block in obj.data_blocks:
        shape = (rows, block.length) if block.length else (rows,)
        data[block.name] = rng.normal(size=shape)
    return data


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not low <= value <= high
    ):
        raise ObjectiveError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def _tolerance(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ObjectiveError(f"tolerance_ulps must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) and number > 0):
        raise ObjectiveError(f"tolerance_ulps must be a positive finite number, got {value!r}")
    return number


def _inputs(
    rule: Any, theta0: Any, data: Any, rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, Any]]:
    """Validated theta0 and data (seeded random ones where not given)."""
    if data is not None and not isinstance(data, Mapping):
        raise ObjectiveError(f"data must map data names to arrays, got {type(data).__name__}")
    if data is None:
        data = _default_data(rule.objective, rows, rng)
    try:
        prepared = rule._data(data)
    except OverflowError:
        raise ObjectiveError("data holds a number too large for float64") from None
    if theta0 is None:
        theta0 = rng.normal(size=rule.size) * 0.5
    try:
        theta = rule._theta(theta0, "theta0")
    except OverflowError:
        raise ObjectiveError("theta0 holds a number too large for float64") from None
    return theta, prepared


def _hyperparameters(
    rule: Any, lr: Any, momentum: Any, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The rule's checked hyper-parameters: lr defaults to 1 for Newton and 0.01 otherwise,
    momentum to 0.9 where the method needs it."""
    spec = rule.spec
    if lr is None:
        lr = 1.0 if spec.hessian else 0.01
    if momentum is None and "momentum" in spec.positive:
        momentum = 0.9
    try:
        return hypers(spec, lr, momentum, options)
    except OverflowError:
        raise ObjectiveError("lr and momentum must be finite float64 numbers") from None


def _where(shown: Mapping[str, float], most: int = 6) -> str:
    parts = [f"{name} = {value:.17g}" for name, value in shown.items()]
    more = f", … ({len(parts)} parameters)" if len(parts) > most else ""
    return ", ".join(parts[:most]) + more


# -- the check


@dataclass(frozen=True)
class _Setup:
    """What every item needs: the rule, its validated data and the reference."""

    rule: Any
    data: dict[str, Any]
    reference: _Reference
    shown: Mapping[str, float]
    limit: float

    @property
    def names(self) -> list[str]:
        return self.reference.names


def check(
    rule: Any,
    dps: int = 50,
    *,
    theta0: Any = None,
    data: Mapping[str, Any] | None = None,
    lr: float | None = None,
    momentum: float | None = None,
    steps: int = 10,
    rows: int = 4,
    seed: int = 0,
    tolerance_ulps: float = 256.0,
    schedule: Schedule | None = None,
    **options: Any,
) -> NumericReport:
    """Compare the rule's float64 numbers with an mpmath reference at ``dps`` digits.

    ``lr``, ``momentum`` and ``options`` are the method's hyper-parameters (torch.optim's
    names), ``schedule`` a learning-rate schedule; the reference steps through the same
    spec as the emitted code, in mpmath.

    Items: the loss and gradient (and Hessian for Newton) at theta0; the symbolic
    gradient against ``mpmath.diff`` of the loss (an independent witness of
    differentiation); ``steps`` steps of the trajectory; for gradient descent with a
    constant Hessian, the observed decrease of the loss for η = half the bound 2/λ_max.
    Without ``data``, a seeded random data set of ``rows`` rows is used; without
    ``theta0``, a seeded random point.

    An emitted NaN or infinity where the reference is finite fails its item; a reference
    that is undefined (not real or not finite) along the trajectory fails it too.

    Raises:
        ObjectiveError: a bad option, theta0 or data.
        NumericError: the reference is undefined at theta0 (nothing can be checked there),
            or the emitted Newton rule stops (its Hessian is not positive definite).
    """
    start = time.perf_counter()
    if not isinstance(getattr(rule, "objective", None), Objective) or not hasattr(rule, "run"):
        raise ObjectiveError(f"check() needs an emitted rule, got {type(rule).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, int) or not 20 <= dps <= 1000:
        raise ObjectiveError(f"dps must be a whole number from 20 to 1000, got {dps!r}")
    steps = _whole("steps", steps, 0, MAX_STEPS)
    rows = _whole("rows", rows, 1, MAX_STEPS)
    rng = np.random.default_rng(_whole("seed", seed, 0, 2**63 - 1))
    limit = _tolerance(tolerance_ulps)
    theta, prepared = _inputs(rule, theta0, data, rows, rng)
    chosen = _hyperparameters(rule, lr, momentum, options)
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ObjectiveError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    obj: Objective = rule.objective
    count = max([np.asarray(v).shape[0] for v in prepared.values() if np.ndim(v) >= 1] or [1])
    shown = {p.name: float(v) for p, v in zip(obj.params, theta, strict=True)}
    with mpmath.workdps(dps):
        reference = _Reference(obj, _rows(obj, prepared, count), hessian=rule.spec.hessian)
        setup = _Setup(rule, prepared, reference, shown, limit)
        point = [mpmath.mpf(float(v)) for v in theta]
        items, values = _at_start(setup, theta, point)
        items.append(_differentiation(setup, point, values, dps, rng))
        items.append(_trajectory(setup, theta, point, steps, chosen, schedule))
        if rule.method == "gd":
            items.append(_descent(setup, theta, steps))
    return NumericReport(rule.method, dps, tuple(items), time.perf_counter() - start)


def _at_start(
    setup: _Setup, theta: np.ndarray, point: list[Any]
) -> tuple[list[CheckItem], tuple[Any, list[Any]]]:
    """Loss, gradient (and Hessian) at theta0, and the reference loss and gradient there.

    Raises NumericError when the reference is undefined at theta0.
    """
    rule, reference, names = setup.rule, setup.reference, setup.names
    try:
        loss, gradient = reference.loss(point), reference.gradient(point)
        hessian = reference.hessian(point) if rule.spec.hessian else None
    except Undefined as exc:
        raise NumericError(
            f"cannot check at theta0 ({_where(setup.shown)}): {exc}; without a finite real "
            "reference there, nothing can be compared (choose another theta0 or data)"
        ) from None
    with _emitted():
        emitted_loss = rule.loss(theta, setup.data)
        emitted_gradient = rule.gradient(theta, setup.data)
        emitted_hessian = rule.hessian(theta, setup.data) if hessian is not None else None
    items = [
        _item("loss", _compare([emitted_loss], [loss], ["the loss"]), setup.limit, setup.shown),
        _item("gradient", _compare(emitted_gradient, gradient, names), setup.limit, setup.shown),
    ]
    if hessian is not None:
        compared = _compare(emitted_hessian, hessian, _pairs(names))
        items.append(_item("hessian", compared, setup.limit, setup.shown))
    return items, (loss, gradient)


def _components(n: int, rng: np.random.Generator) -> list[int]:
    """All components, or a seeded random choice of DIFF_COMPONENTS (as Python ints)."""
    if n <= DIFF_COMPONENTS:
        return list(range(n))
    return sorted(int(i) for i in rng.choice(n, DIFF_COMPONENTS, replace=False))


def _bits(value: Any) -> int:
    """⌈log₂|value|⌉, or 0 for zero."""
    return 0 if value == 0 else int(mpmath.mag(value))


def _extra_bits(setup: _Setup, point: list[Any], loss: Any, gradient: list[Any]) -> int:
    """Guard bits for mpmath.diff: θ ± h must differ from θ (the inputs' magnitude), and the
    loss's difference must survive cancellation (the loss's magnitude over the gradient's)."""
    inputs = max(
        [_bits(v) for v in point] + [_bits(v) for row in setup.reference.rows for v in row]
    )
    steepness = max(_bits(g) for g in gradient)
    return 10 + 2 * max(0, inputs) + max(0, _bits(loss) - max(0, steepness))


def _derivative(along: Callable[[Any], Any], x: Any, extra: int) -> Any:
    """mpmath.diff of ``along`` at x: central, else one-sided (at the edge of the domain).

    The step is relative to |x| when |x| < 1, so it stays inside the domain near a
    singularity at 0 (sqrt, log).
    """
    bits = extra + max(0, -_bits(x))
    h = mpmath.ldexp(1, -(mpmath.mp.prec + bits))
    first: Undefined | None = None
    for direction in (0, 1, -1):
        try:
            value = mpmath.diff(along, x, h=h, addprec=bits, direction=direction)
            return _mpf(value, "the derivative")
        except Undefined as exc:
            first = first or exc
    assert first is not None
    raise first


def _differentiation(
    setup: _Setup,
    point: list[Any],
    values: tuple[Any, list[Any]],
    dps: int,
    rng: np.random.Generator,
) -> CheckItem:
    """The symbolic gradient against mpmath.diff of the symbolic loss, componentwise.

    ``values`` are the reference loss and gradient at ``point`` (finite and real there).
    """
    name, reference = "differentiation (mpmath.diff)", setup.reference
    loss, gradient = values
    extra = _extra_bits(setup, point, loss, gradient)
    if extra > MAX_GUARD_BITS:
        detail = (
            f"the loss's magnitude (2^{_bits(loss)}) is far beyond float64's range; "
            f"mpmath.diff would need more than {MAX_GUARD_BITS} guard bits"
        )
        return CheckItem(name, "skipped", None, detail)
    chosen = _components(len(point), rng)
    errors = []
    for i in chosen:

        def along(t: Any, i: int = i) -> Any:
            moved = list(point)
            moved[i] = t
            return reference.loss(moved)

        try:
            numeric = _derivative(along, point[i], extra)
        except Undefined as exc:
            detail = f"along {setup.names[i]}: {exc} near theta0"
            return CheckItem(name, "failed", None, detail, setup.shown)
        errors.append(abs(numeric - gradient[i]) / max(abs(gradient[i]), mpmath.mpf(1)))
    worst = max(errors, default=mpmath.mpf(0))
    allowed = mpmath.mpf(10) ** (-(dps // 2))
    status = "passed" if worst <= allowed else "failed"
    detail = (
        f"{len(chosen)} of {len(point)} components, relative error {mpmath.nstr(worst, 3)} "
        f"(allowed 1e-{dps // 2})"
    )
    return CheckItem(name, status, None, detail, setup.shown if status == "failed" else None)


def _matrix(flat: list[Any], n: int) -> list[list[Any]]:
    return [flat[i * n : (i + 1) * n] for i in range(n)]


def _trajectory(
    setup: _Setup,
    theta: np.ndarray,
    point: list[Any],
    steps: int,
    values: dict[str, Any],
    schedule: Schedule | None,
) -> CheckItem:
    """``steps`` emitted steps against the reference's (the spec run in mpmath, with the
    reference gradient); the first undefined step fails it."""
    rule, name, lr = setup.rule, "trajectory", values["lr"]
    options = {k: v for k, v in values.items() if k != "lr"}
    with _emitted():
        emitted = rule.run(theta, steps, lr, data=setup.data, schedule=schedule, **options)
    budget = setup.limit * max(1, steps)
    worst, where = 0.0, 0
    optimizer = _Optimizer(rule.spec, values)
    current, state = list(point), optimizer.init(len(point))
    n = len(point)
    for k in range(1, steps + 1):
        try:
            g = setup.reference.gradient(current)
            h = _matrix(setup.reference.hessian(current), n) if rule.spec.hessian else None
            rate = schedule.reference(lr, k - 1) if schedule is not None else None
            u, state = optimizer.update(g, state, current, h, rate)
            current = [t + d for t, d in zip(current, u, strict=True)]
        except Undefined as exc:
            before = "step 1" if k == 2 else f"steps 1–{k - 1}"
            agreed = f"; {before} agreed within {worst:.3g} ulps" if k > 1 else ""
            detail = (
                f"the reference is undefined at step {k} of {steps} at lr {lr} ({exc}): "
                f"steps {k}–{steps} cannot be checked{agreed}"
            )
            return CheckItem(name, "failed", None, detail, setup.shown)
        ulps, problem = _compare(emitted[k], current, setup.names)
        if problem:
            detail = f"step {k} of {steps} at lr {lr}: {problem}"
            return CheckItem(name, "failed", None, detail, setup.shown)
        if ulps > worst:
            worst, where = ulps, k
    status = "passed" if worst <= budget else "failed"
    detail = f"{steps} steps at lr {lr}, worst at step {where} (allowed {budget:g} ulps)"
    return CheckItem(name, status, worst, detail, setup.shown if status == "failed" else None)


# -- descent below the bound


def _degree(expr: sympy.Expr, params: frozenset[sympy.Symbol]) -> int | None:
    """An upper bound on the polynomial degree of ``expr`` in ``params``; None if it is not
    recognisably a polynomial in them (the other symbols may enter in any way)."""
    if not expr.free_symbols & params:
        return 0
    if expr in params:
        return 1
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and int(expr.exp) >= 0:
        base = _degree(expr.base, params)
        return None if base is None else base * int(expr.exp)
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        degrees = [_degree(a, params) for a in expr.args]
        if any(d is None for d in degrees):
            return None
        known = [d for d in degrees if d is not None]
        return max(known) if isinstance(expr, sympy.Add) else sum(known)
    return None


def _constant_hessian(reference: _Reference, n: int) -> np.ndarray:
    """The Hessian of a loss quadratic in θ: column j is ∇L(e_j) − ∇L(0), in mpmath."""
    zero = [mpmath.mpf(0)] * n
    origin = reference.gradient(zero)
    columns = []
    for j in range(n):
        unit = list(zero)
        unit[j] = mpmath.mpf(1)
        columns.append([a - b for a, b in zip(reference.gradient(unit), origin, strict=True)])
    return np.array([[float(c[i]) for c in columns] for i in range(n)])


def _descent(setup: _Setup, theta: np.ndarray, steps: int) -> CheckItem:
    obj: Objective = setup.rule.objective
    degree = _degree(obj.expr, frozenset(obj.params))
    if degree is None or degree > 2:
        return CheckItem(
            "descent", "skipped", None, "the Hessian is not constant: no global bound applies"
        )
    try:
        hessian = _constant_hessian(setup.reference, len(obj.params))
    except Undefined as exc:
        return CheckItem("descent", "skipped", None, f"the Hessian cannot be evaluated: {exc}")
    if not np.all(np.isfinite(hessian)):
        return CheckItem("descent", "skipped", None, "the Hessian exceeds float64's range")
    largest = float(np.max(np.linalg.eigvalsh((hessian + hessian.T) / 2)))
    if not largest > 0:
        return CheckItem("descent", "skipped", None, "no positive curvature")
    lr = 1.0 / largest  # half the bound 2/λ_max
    if not math.isfinite(lr):
        return CheckItem("descent", "skipped", None, "the curvature is below float64's range")
    return _observe_descent(setup, theta, steps, lr)


def _observe_descent(setup: _Setup, theta: np.ndarray, steps: int, lr: float) -> CheckItem:
    """Run the emitted rule at η = 1/λ_max; every loss must be finite and none may rise."""
    rule = setup.rule
    with _emitted():
        path = rule.run(theta, steps, lr, 0.0, setup.data)
        bad = next((k for k, p in enumerate(path) if not np.all(np.isfinite(p))), None)
        losses = [rule.loss(p, setup.data) for p in path[: bad if bad is not None else len(path)]]
    head = f"η = 1/λ_max = {lr:.6g} (half the bound)"
    if bad is not None:
        detail = f"{head}: the emitted iterate is not finite at step {bad} ({path[bad].tolist()})"
        return CheckItem("descent", "failed", None, detail, setup.shown)
    blown = next((k for k, v in enumerate(losses) if not math.isfinite(v)), None)
    if blown is not None:
        detail = f"{head}: the emitted loss is {losses[blown]} at step {blown}"
        return CheckItem("descent", "failed", None, detail, setup.shown)
    rises = [
        k for k in range(steps) if losses[k + 1] > losses[k] + 1e-12 * max(1.0, abs(losses[k]))
    ]
    detail = f"{head}: loss {losses[0]:.6g} → {losses[-1]:.6g}"
    if rises:
        return CheckItem("descent", "failed", None, f"{detail}; it rose at step {rises[0] + 1}")
    return CheckItem("descent", "passed", None, detail)
