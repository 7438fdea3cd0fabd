"""Pictures for lectures: the loss surface with the descent path, and Taylor models.

Needs matplotlib (``pip install 'derive-proofs[plot]'``). Figures are drawn on a plain
``matplotlib.figure.Figure`` (no pyplot, no global state) and saved as PNG or SVG.

>>> import numpy as np
>>> from derive.objective import Objective
>>> fig, path = descent_figure(Objective("x**2 + 3*y**2", "x y"), [1.0, 1.0], lr=0.1, steps=10)
>>> len(path)
11
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from .emit import emit
from .errors import DeriveError, DimensionError
from .objective import Objective
from .taylor import taylor

__all__ = ["descent_figure", "save", "taylor_figure"]


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise DeriveError("plots need matplotlib: pip install 'derive-proofs[plot]'") from None
    return Figure(figsize=(width, height), layout="constrained")


def _loss_grid(
    obj: Objective, xs: np.ndarray, ys: np.ndarray, data: Mapping[str, Any] | None
) -> np.ndarray:
    rule = emit(obj, "gd")
    grid = np.empty((len(ys), len(xs)))
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            grid[i, j] = rule.loss([xv, yv], data)
    return grid


def _two_parameters(obj: Objective) -> None:
    if len(obj.params) != 2:
        raise DimensionError(
            f"the contour plot needs a loss of two parameters, this one has {len(obj.params)}"
        )


def descent_figure(
    obj: Objective,
    theta0: Sequence[float],
    *,
    lr: float,
    steps: int = 20,
    method: str = "gd",
    momentum: float = 0.0,
    data: Mapping[str, Any] | None = None,
    resolution: int = 80,
) -> tuple[Any, np.ndarray]:
    """The loss's contours with the optimizer's path; returns (figure, path)."""
    _two_parameters(obj)
    rule = emit(obj, method)
    path = rule.run(theta0, steps, lr, momentum=momentum, data=data)
    if not np.all(np.isfinite(path)):
        raise DeriveError("the path diverged (non-finite values): lower the learning rate")
    lo, hi = path.min(axis=0), path.max(axis=0)
    pad = np.maximum((hi - lo) * 0.25, 0.25)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    fig = _figure(5.5, 4.5)
    ax = fig.add_subplot()
    contours = ax.contour(xs, ys, _loss_grid(obj, xs, ys, data), levels=20, cmap="viridis")
    fig.colorbar(contours, ax=ax, label="loss")
    ax.plot(
        path[:, 0],
        path[:, 1],
        "o-",
        color="crimson",
        markersize=3,
        label=f"{method}, η = {lr}",
        gid="path",
    )
    names = [b.name for b in obj.blocks]
    ax.set(xlabel=names[0], ylabel=names[1], title=f"{method} on {obj.describe(30)}")
    ax.legend(loc="upper right")
    return fig, path


def taylor_figure(
    obj: Objective,
    at: Mapping[str, Any],
    *,
    radius: float = 0.5,
    resolution: int = 80,
) -> Any:
    """Left: the loss along −∇L beside its first- and second-order Taylor models.
    Right: the contours, the disc of radius d and the linear model's minimiser on it."""
    _two_parameters(obj)
    t = taylor(obj, 2, about=at)
    point = np.array([float(v) for v in t.point])
    g = np.array([float(v) for v in t.gradient()], dtype=float)
    h = np.array(t.hessian().tolist(), dtype=float)
    if not np.linalg.norm(g) > 0:
        raise DeriveError("the gradient vanishes at this point: no descent direction to draw")
    direction = -g / np.linalg.norm(g)
    rule = emit(obj, "gd")
    ts = np.linspace(-2 * radius, 2 * radius, resolution)
    loss0 = float(sympy.N(t.terms[0]))
    along = [rule.loss(point + s * direction) for s in ts]
    first = loss0 + ts * (g @ direction)
    second = first + 0.5 * ts**2 * (direction @ h @ direction)
    fig = _figure(10, 4.2)
    left, right = fig.subplots(1, 2)
    left.plot(ts, along, label="loss along −∇L", linewidth=2)
    left.plot(ts, first, "--", label="first-order model")
    left.plot(ts, second, ":", label="second-order model", linewidth=2)
    left.axvspan(-radius, radius, color="grey", alpha=0.15, label=f"|t| ≤ d = {radius}")
    left.set(xlabel="t (step along −∇L)", ylabel="loss", title="Taylor models")
    left.legend(loc="best", fontsize="small")
    xs = np.linspace(point[0] - 2 * radius, point[0] + 2 * radius, resolution)
    ys = np.linspace(point[1] - 2 * radius, point[1] + 2 * radius, resolution)
    right.contour(xs, ys, _loss_grid(obj, xs, ys, None), levels=20, cmap="viridis")
    angle = np.linspace(0, 2 * np.pi, 200)
    right.plot(
        point[0] + radius * np.cos(angle),
        point[1] + radius * np.sin(angle),
        color="grey",
        gid="disc",
    )
    best = point + radius * direction
    right.plot(*point, "ko", label="(a, b)")
    right.plot(*best, "r*", markersize=12, label="(a, b) − η(u, v)")
    names = [b.name for b in obj.blocks]
    right.set(xlabel=names[0], ylabel=names[1], title="the disc of radius d", aspect="equal")
    right.legend(loc="upper right", fontsize="small")
    return fig


def save(fig: Any, filename: str | Path) -> Path:
    """Save as PNG or SVG (by the suffix)."""
    target = Path(filename)
    if target.suffix.lower() not in (".png", ".svg"):
        raise DeriveError(f"save a figure as .png or .svg, not {target.suffix or 'no suffix'!r}")
    fig.savefig(target, dpi=120)
    return target
