r"""Check emitted code against an mpmath reference built from the symbolic expressions.

The reference is evaluated at ``dps`` digits from the objective's symbolic loss,
gradient and Hessian (never from the emitted code). Errors are in ulps, normwise:
``|emitted − reference| / spacing(max |reference|)``.

>>> from derive.objective import Objective
>>> from derive.emit import emit
>>> report = emit(Objective("2*x**2", "x")).check(dps=30, theta0=[1.0], lr=0.1, steps=5)
>>> report.ok
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from .errors import ObjectiveError
from .objective import Objective

__all__ = ["CheckItem", "NumericReport", "check"]

DIFF_COMPONENTS = 12
"""Most gradient components compared with mpmath.diff (a seeded random choice beyond)."""


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
        parts = []
        for item in self.items:
            ulps = f", {item.max_ulps:.3g} ulps" if item.max_ulps is not None else ""
            parts.append(f"{item.name}: {item.status}{ulps}")
        verdict = "checked" if self.ok else "CHECK FAILED"
        return f"{verdict} at {self.dps} digits ({self.seconds:.2f} s): " + "; ".join(parts)


def _ulps(emitted: np.ndarray, reference: Sequence[Any]) -> float:
    ref = np.array([float(r) for r in reference], dtype=float)
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, np.finfo(float).tiny)
    errors = [
        abs(mpmath.mpf(float(e)) - r) for e, r in zip(emitted.ravel(), reference, strict=True)
    ]
    return float(max(errors, default=0) / np.spacing(scale))


class _Reference:
    """The mean loss, gradient and Hessian over rows, in mpmath, from the symbolic forms."""

    def __init__(self, obj: Objective, rows: list[list[Any]], hessian: bool) -> None:
        args = [*obj.params, *obj.data]
        self.obj = obj
        self.rows = rows
        self._loss = sympy.lambdify(args, obj.expr, modules="mpmath", cse=True)
        self._gradient = sympy.lambdify(args, list(obj.gradient()), modules="mpmath", cse=True)
        self._hessian = (
            sympy.lambdify(args, list(obj.hessian()), modules="mpmath", cse=True)
            if hessian
            else None
        )

    def _mean(self, f: Callable[..., Any], theta: Sequence[Any]) -> Any:
        values = [f(*theta, *row) for row in self.rows]
        values = [mpmath.matrix(v) if isinstance(v, list) else v for v in values]
        total = values[0]
        for value in values[1:]:
            total = total + value
        return total / len(values)

    def loss(self, theta: Sequence[Any]) -> Any:
        return self._mean(self._loss, theta)

    def gradient(self, theta: Sequence[Any]) -> Any:
        return self._mean(self._gradient, theta)

    def hessian(self, theta: Sequence[Any]) -> Any:
        assert self._hessian is not None
        n = len(theta)
        flat = self._mean(self._hessian, theta)
        return mpmath.matrix([[flat[i * n + j] for j in range(n)] for i in range(n)])


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


def check(
    rule: Any,
    dps: int = 50,
    *,
    theta0: Any = None,
    data: Mapping[str, Any] | None = None,
    lr: float | None = None,
    momentum: float = 0.9,
    steps: int = 10,
    rows: int = 4,
    seed: int = 0,
    tolerance_ulps: float = 256.0,
) -> NumericReport:
    """Compare the rule's float64 numbers with an mpmath reference at ``dps`` digits.

    Items: the gradient (and Hessian for Newton) at theta0; the symbolic gradient
    against ``mpmath.diff`` of the loss (an independent witness of differentiation);
    ``steps`` steps of the trajectory; for gradient descent with a constant Hessian, the
    observed decrease of the loss for η = half the bound 2/λ_max. Without ``data``, a
    seeded random data set of ``rows`` rows is used; without ``theta0``, a seeded random
    point.
    """
    start = time.perf_counter()
    if isinstance(dps, bool) or not isinstance(dps, int) or not 20 <= dps <= 1000:
        raise ObjectiveError(f"dps must be a whole number from 20 to 1000, got {dps!r}")
    obj: Objective = rule.objective
    rng = np.random.default_rng(seed)
    if data is None:
        data = _default_data(obj, rows, rng)
    prepared = rule._data(data)
    count = max([np.asarray(v).shape[0] for v in prepared.values() if np.ndim(v) >= 1] or [1])
    theta = rule._theta(
        theta0 if theta0 is not None else rng.normal(size=rule.size) * 0.5, "theta0"
    )
    newton = rule.method == "newton"
    if lr is None:
        lr = 1.0 if newton else 0.01
    momentum = momentum if rule.method in ("momentum", "nesterov") else 0.0
    items: list[CheckItem] = []
    shown = {p.name: float(v) for p, v in zip(obj.params, theta, strict=True)}
    limit = tolerance_ulps
    with mpmath.workdps(dps):
        reference = _Reference(obj, _rows(obj, prepared, count), hessian=newton)
        point = [mpmath.mpf(float(v)) for v in theta]

        ref_gradient = reference.gradient(point)
        ulps = _ulps(rule.gradient(theta, data), list(ref_gradient))
        items.append(_item("gradient", ulps, limit, shown))
        if newton:
            ulps = _ulps(rule.hessian(theta, data), list(reference.hessian(point)))
            items.append(_item("hessian", ulps, limit, shown))

        items.append(_differentiation(reference, point, ref_gradient, dps, rng, shown))

        trajectory = rule.run(theta, steps, lr, momentum, data)
        worst, where = 0.0, 0
        current, state = list(point), None
        for k in range(1, steps + 1):
            current, state = _reference_step(rule.method, reference, current, state, lr, momentum)
            if not all(mpmath.isfinite(c) for c in current):
                break
            ulps = _ulps(trajectory[k], current)
            if ulps > worst:
                worst, where = ulps, k
        budget = limit * max(1, steps)
        status = "passed" if worst <= budget else "failed"
        detail = f"{steps} steps at lr {lr}, worst at step {where} (allowed {budget:g} ulps)"
        items.append(
            CheckItem("trajectory", status, worst, detail, shown if status == "failed" else None)
        )
    if rule.method == "gd":
        items.append(_descent(rule, obj, theta, data, prepared, steps))
    return NumericReport(rule.method, dps, tuple(items), time.perf_counter() - start)


def _item(name: str, ulps: float, limit: float, point: Mapping[str, float]) -> CheckItem:
    status = "passed" if ulps <= limit else "failed"
    return CheckItem(
        name, status, ulps, f"allowed {limit:g} ulps", point if status == "failed" else None
    )


def _differentiation(
    reference: _Reference,
    point: list[Any],
    gradient: Any,
    dps: int,
    rng: np.random.Generator,
    shown: Any,
) -> CheckItem:
    n = len(point)
    chosen = (
        range(n) if n <= DIFF_COMPONENTS else sorted(rng.choice(n, DIFF_COMPONENTS, replace=False))
    )
    worst = mpmath.mpf(0)
    for i in chosen:

        def along(t: Any, i: int = i) -> Any:
            moved = list(point)
            moved[i] = t
            return reference.loss(moved)

        numeric = mpmath.diff(along, point[i])
        scale = max(abs(gradient[i]), mpmath.mpf(1))
        worst = max(worst, abs(numeric - gradient[i]) / scale)
    allowed = mpmath.mpf(10) ** (-(dps // 2))
    status = "passed" if worst <= allowed else "failed"
    detail = f"{len(chosen)} of {n} components, relative error {mpmath.nstr(worst, 3)} (allowed 1e-{dps // 2})"
    return CheckItem(
        "differentiation (mpmath.diff)", status, None, detail, shown if status == "failed" else None
    )


def _reference_step(
    method: str, reference: _Reference, theta: list[Any], state: Any, lr: float, momentum: float
) -> tuple[list[Any], Any]:
    g = reference.gradient(theta)
    eta, mu = mpmath.mpf(lr), mpmath.mpf(momentum)
    if method == "gd":
        return [t - eta * gi for t, gi in zip(theta, g, strict=True)], state
    if method == "newton":
        s = mpmath.lu_solve(reference.hessian(theta), g)
        return [t - eta * si for t, si in zip(theta, s, strict=True)], state
    v = list(g) if state is None else [mu * vi + gi for vi, gi in zip(state, g, strict=True)]
    direction = v if method == "momentum" else [gi + mu * vi for gi, vi in zip(g, v, strict=True)]
    return [t - eta * d for t, d in zip(theta, direction, strict=True)], v


def _descent(
    rule: Any, obj: Objective, theta: np.ndarray, data: Any, prepared: Any, steps: int
) -> CheckItem:
    if obj.hessian().free_symbols & set(obj.params):
        return CheckItem(
            "descent", "skipped", None, "the Hessian is not constant: no global bound applies"
        )
    hessian = np.mean(
        [
            np.array(sympy.lambdify(obj.data, obj.hessian(), modules="numpy")(*row), dtype=float)
            for row in _rows(
                obj, prepared, max([np.shape(v)[0] for v in prepared.values() if np.ndim(v)] or [1])
            )
        ],
        axis=0,
    )
    largest = float(np.max(np.linalg.eigvalsh(hessian)))
    if not largest > 0:
        return CheckItem("descent", "skipped", None, "no positive curvature")
    lr = 1.0 / largest  # half the bound 2/λ_max
    path = rule.run(theta, steps, lr, 0.0, data)
    losses = [rule.loss(p, data) for p in path]
    rises = [
        k for k in range(steps) if losses[k + 1] > losses[k] + 1e-12 * max(1.0, abs(losses[k]))
    ]
    status = "failed" if rises else "passed"
    detail = f"η = 1/λ_max = {lr:.6g} (half the bound): loss {losses[0]:.6g} → {losses[-1]:.6g}"
    if rises:
        detail += f"; it rose at step {rises[0] + 1}"
    return CheckItem("descent", status, None, detail)
