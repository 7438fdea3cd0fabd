r"""Pictures for lectures: a loss of one parameter with its iterates, contours of a loss of
two parameters with the descent path, and Taylor models with the step-size region (the
seeds' red circle of radius d).

Needs matplotlib (``pip install 'derive-proofs[plot]'``). Every function here is pure: it
returns a ``matplotlib.figure.Figure`` drawn without pyplot or global state (headless, on
any backend), and saving is the caller's (:func:`save`, or ``fig.savefig``).

- :func:`curve`: L(x) with gradient-descent iterates marked and the steps drawn as arrows
  (the seeds' 2x² with 1 → 0.6 → 0.36 at η = 0.1, or the oscillation at η = 0.5);
- :func:`contours`: the contours of L(θ₁, θ₂) with a path;
- :func:`taylor_models`: the first- and second-order Taylor models about a point, with the
  region of steps of size at most d drawn in red and the linear model's minimiser on it;
- :func:`iterates`: the path of an emitted update rule, to pass to the two above.

>>> from derive.objective import Objective
>>> obj = Objective("2*x**2", "x")
>>> path = iterates(obj, [1], lr=0.1, steps=2)
>>> path.ravel().round(12).tolist()
[1.0, 0.6, 0.36]
>>> fig = curve(obj, path=path)
>>> fig.axes[0].get_xlabel()
'$x$'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from .emit import emit
from .errors import DataError, DeriveError, DimensionError, NumericError, PointError
from .objective import Objective
from .taylor import taylor

__all__ = [
    "DISC_COLOR",
    "contours",
    "curve",
    "descent_figure",
    "iterates",
    "save",
    "taylor_figure",
    "taylor_models",
]

DISC_COLOR = "red"
"""The colour of the step-size region (the seeds' red circle of radius d)."""
PATH_COLOR = "darkorange"
SUFFIXES = (".png", ".svg", ".pdf")


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise DeriveError("plots need matplotlib: pip install 'derive-proofs[plot]'") from None
    return Figure(figsize=(width, height), layout="constrained")


def _math(tex: str) -> str:
    """``$tex$`` when matplotlib's mathtext can typeset it, else '' (the caller falls back)."""
    from matplotlib.mathtext import MathTextParser

    text = f"${tex}$"
    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError):
        return ""
    return text


def _name(symbol: sympy.Symbol) -> str:
    """A parameter's name as mathtext: w, w₁ as w_{1}, theta as θ."""
    return _math(sympy.latex(symbol)) or symbol.name


def _title(obj: Objective, limit: int = 60) -> str:
    """'ℒ(x) = 2x²' typeset (no Python syntax), or just 'ℒ(x)' for a long loss; with data
    symbols, said to be the mean over the data's rows."""
    names = ", ".join(sympy.latex(p) for p in obj.params)
    head = rf"\mathcal{{L}}\left({names}\right)"
    body = sympy.latex(obj.expr)
    mean = ", the mean over the data's rows" if obj.data else ""
    if len(body) <= limit:
        shown = _math(f"{head} = {body}")
        if shown:
            return shown + mean
    return (_math(head) or "the loss") + mean


def _loss(obj: Objective, data: Mapping[str, Any] | None) -> Any:
    """θ → L(θ) as a float (NaN outside the loss's domain), through the emitted code."""
    rule = emit(obj, "gd")
    rule.loss(np.zeros(len(obj.params)), data)  # refuses bad data once, with its message

    def value(theta: Sequence[float]) -> float:
        with np.errstate(all="ignore"):
            return float(rule.loss(np.asarray(theta, dtype=float), data))

    return value


def _check_data(obj: Objective, data: Mapping[str, Any] | None, what: str) -> None:
    if obj.data and data is None:
        names = ", ".join(b.name for b in obj.data_blocks)
        raise DataError(f"{what} needs data values for the loss's data symbols ({names}): data=")


def _as_path(path: Any, n: int) -> np.ndarray:
    """A path as a (k, n) float array: an array, a sequence of points (or numbers when
    n = 1), or a :class:`~derive.descend.Descent` (its iterates)."""
    if hasattr(path, "iterates"):
        path = [it.floats() for it in path.iterates]
    try:
        array = np.array([[float(v) for v in np.ravel(p)] for p in path], dtype=float)
    except (TypeError, ValueError):
        raise PointError(
            "path must be a sequence of points (numbers for a loss of one parameter)"
        ) from None
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] != n:
        raise PointError(
            f"path must hold points of {n} coordinate{'s' if n != 1 else ''} "
            f"(one per parameter), got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise NumericError("the path has a non-finite point (it diverged): shorten it")
    return array


def _path_label(path: Any, label: str | None) -> str:
    if label is not None:
        return label
    rate = getattr(path, "lr", None)
    return f"gradient descent, η = {float(rate):g}" if rate is not None else "iterates"


def iterates(
    obj: Objective,
    start: Sequence[float],
    *,
    lr: float,
    steps: int = 20,
    method: str = "gd",
    momentum: float = 0.0,
    data: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """The path θ₀, θ₁, …, θ_steps of the emitted update rule, as a (steps + 1, n) array.

    Raises:
        NumericError: the path diverged (a non-finite point).

    >>> from derive.objective import Objective
    >>> iterates(Objective("2*x**2", "x"), [1.0], lr=0.5, steps=2).ravel().tolist()
    [1.0, -1.0, 1.0]
    """
    rule = emit(obj, method)
    with np.errstate(all="ignore"):
        path = np.asarray(rule.run(start, steps, lr, momentum=momentum, data=data), dtype=float)
    if not np.all(np.isfinite(path)):
        raise NumericError("the path diverged (non-finite values): lower the learning rate")
    return path


def _span(values: np.ndarray, given: tuple[float, float] | None) -> tuple[float, float]:
    if given is not None:
        lo, hi = (float(v) for v in given)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise PointError(f"a plot range must be two finite numbers, low < high, got {given}")
        return lo, hi
    lo, hi = float(values.min()), float(values.max())
    pad = max(0.35 * (hi - lo), 0.5)
    return lo - pad, hi + pad


def curve(
    obj: Objective,
    path: Any = None,
    *,
    data: Mapping[str, Any] | None = None,
    xlim: tuple[float, float] | None = None,
    label: str | None = None,
    resolution: int = 400,
) -> Any:
    """L(x) for a loss of one parameter, with the iterates of ``path`` marked on the curve
    (x₀, x₁, … labelled) and each step drawn as an arrow, so overshooting and divergence
    show. ``path``: numbers, an array from :func:`iterates`, or a
    :class:`~derive.descend.Descent` (its exact iterates). Returns the Figure; the loss is
    the line with gid ``"loss"``, the iterates the markers with gid ``"path"``.

    Raises:
        DimensionError: the loss does not have exactly one parameter.

    >>> from derive.objective import Objective
    >>> from derive.descend import descend
    >>> obj = Objective("2*x**2", "x")
    >>> fig = curve(obj, path=descend(obj, {"x": 1}, "0.1", 2))
    >>> marks = next(l for l in fig.axes[0].get_lines() if l.get_gid() == "path")
    >>> marks.get_xdata().round(12).tolist()
    [1.0, 0.6, 0.36]
    """
    if len(obj.params) != 1:
        raise DimensionError(
            f"curve draws a loss of one parameter, this one has {len(obj.params)}: "
            "draw contours() for two"
        )
    _check_data(obj, data, "curve")
    loss = _loss(obj, data)
    points = _as_path(path, 1)[:, 0] if path is not None else None
    lo, hi = _span(points if points is not None else np.array([-1.0, 1.0]), xlim)
    xs = np.linspace(lo, hi, resolution)
    ys = np.array([loss([x]) for x in xs])
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot()
    name = _name(obj.params[0])
    ax.plot(xs, ys, color="C0", linewidth=2, label=_title(obj), gid="loss")
    if points is not None:
        values = np.array([loss([x]) for x in points])
        ax.plot(
            points,
            values,
            "o",
            color=PATH_COLOR,
            markersize=6,
            zorder=3,
            label=_path_label(path, label),
            gid="path",
        )
        for k in range(len(points) - 1):  # arcs, so a step back and forth shows as two
            ax.annotate(
                "",
                xy=(points[k + 1], values[k + 1]),
                xytext=(points[k], values[k]),
                arrowprops={
                    "arrowstyle": "->",
                    "color": PATH_COLOR,
                    "linewidth": 1.2,
                    "connectionstyle": "arc3,rad=0.2",
                },
            )
        _label_iterates(ax, obj.params[0], points, values)
    finite = ys[np.isfinite(ys)]
    if finite.size:
        top, bottom = float(finite.max()), float(finite.min())
        margin = 0.08 * (top - bottom or 1.0)
        ax.set_ylim(bottom - margin, top + margin)
    ax.set(xlabel=name, ylabel=_math(r"\mathcal{L}") or "loss", xlim=(lo, hi))
    ax.legend(loc="best", fontsize="small")
    return fig


def _label_iterates(
    ax: Any, param: sympy.Symbol, points: np.ndarray, values: np.ndarray, most: int = 6
) -> None:
    """Label the first ``most`` iterates, 'x_0 = x_2 = 1' where iterates coincide. Labels
    alternate above and below their markers; an iterate whose label would print over the
    last one on its row (iterates crowding towards a minimum) keeps its marker only."""
    symbol = sympy.latex(param)
    groups: dict[float, list[int]] = {}
    for k, x in enumerate(points[:most]):
        groups.setdefault(round(float(x), 9), []).append(k)
    lo, hi = ax.get_xlim()  # the curve is drawn already: its span
    width = float(hi) - float(lo) or 1.0
    placed: list[float] = []
    for x, ks in groups.items():
        same_row = placed[-2] if len(placed) >= 2 else None
        if (same_row is not None and abs(x - same_row) < 0.15 * width) or (
            placed and abs(x - placed[-1]) < 0.03 * width
        ):
            continue
        row = len(placed) % 2
        placed.append(x)
        names = " = ".join(f"{symbol}_{{{k}}}" for k in ks)
        ax.annotate(
            _math(f"{names} = {x:.4g}") or f"{param.name}{ks} = {x:.4g}",
            (x, values[ks[0]]),
            textcoords="offset points",
            xytext=(7, 4 if row == 0 else -14),
            fontsize="small",
        )


def _grid(loss: Any, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return np.array([[loss([x, y]) for x in xs] for y in ys])


def contours(
    obj: Objective,
    path: Any = None,
    *,
    data: Mapping[str, Any] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    label: str | None = None,
    levels: int = 20,
    resolution: int = 80,
) -> Any:
    """The contours of a loss of two parameters, with ``path`` (a (k, 2) array from
    :func:`iterates`, a sequence of points or a :class:`~derive.descend.Descent`) drawn
    as a line with gid ``"path"`` through its points. Returns the Figure.

    Raises:
        DimensionError: the loss does not have exactly two parameters.

    >>> from derive.objective import Objective
    >>> obj = Objective("x**2 + 3*y**2", "x y")
    >>> fig = contours(obj, path=iterates(obj, [1, 1], lr=0.1, steps=5))
    >>> line = next(l for l in fig.axes[0].get_lines() if l.get_gid() == "path")
    >>> line.get_xydata().shape
    (6, 2)
    """
    if len(obj.params) != 2:
        raise DimensionError(
            f"the contour plot needs a loss of two parameters, this one has {len(obj.params)}"
        )
    _check_data(obj, data, "contours")
    loss = _loss(obj, data)
    points = _as_path(path, 2) if path is not None else None
    around = points if points is not None else np.array([[-1.0, -1.0], [1.0, 1.0]])
    x0, x1 = _span(around[:, 0], xlim)
    y0, y1 = _span(around[:, 1], ylim)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    fig = _figure(5.5, 4.5)
    ax = fig.add_subplot()
    drawn = ax.contour(xs, ys, _grid(loss, xs, ys), levels=levels, cmap="viridis")
    fig.colorbar(drawn, ax=ax, label=_math(r"\mathcal{L}") or "loss")
    if points is not None:
        ax.plot(
            points[:, 0],
            points[:, 1],
            "o-",
            color=PATH_COLOR,
            markersize=3,
            label=_path_label(path, label),
            gid="path",
        )
        ax.legend(loc="upper right", fontsize="small")
    ax.set(xlabel=_name(obj.params[0]), ylabel=_name(obj.params[1]), title=_title(obj))
    return fig


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
    """:func:`contours` with the path of ``method`` from ``theta0``: (figure, path).

    >>> from derive.objective import Objective
    >>> fig, path = descent_figure(Objective("x**2 + 3*y**2", "x y"), [1, 1], lr=0.1, steps=10)
    >>> len(path)
    11
    """
    if len(obj.params) != 2:
        raise DimensionError(
            f"the contour plot needs a loss of two parameters, this one has {len(obj.params)}"
        )
    path = iterates(obj, theta0, lr=lr, steps=steps, method=method, momentum=momentum, data=data)
    label = f"{method}, η = {lr:g}"
    return contours(obj, path, data=data, label=label, resolution=resolution), path


def _at(obj: Objective, at: Any) -> dict[str, Any]:
    if not isinstance(at, Mapping):
        if len(obj.params) == 1:
            return {obj.params[0].name: at}
        raise PointError("at must map each parameter to its value, e.g. {'w': 0, 'b': 0}")
    return dict(at)


def taylor_models(
    obj: Objective,
    at: Mapping[str, Any] | float,
    *,
    radius: float = 0.5,
    resolution: int = 200,
) -> Any:
    """The loss beside its first- and second-order Taylor models about ``at``, with the
    steps of size at most d = ``radius`` drawn in red and the first-order model's
    minimiser over them (a step of d against the gradient).

    One parameter: L(x) and both models over x, the interval a − d ≤ x ≤ a + d shaded red.
    Two parameters: left, the loss and both models along −∇L; right, the contours with the
    red circle of radius d about (a, b) (a patch with gid ``"disc"``) and the minimiser.

    Raises:
        DimensionError: the loss has more than two parameters.
        DataError: the loss has data symbols (write their numbers into the loss).
        NumericError: the loss is undefined at ``at``, or (two parameters) its gradient
            vanishes there, so there is no descent direction to draw.

    >>> from derive.objective import Objective
    >>> fig = taylor_models(Objective("x**2 + 3*y**2", "x y"), {"x": 1, "y": 1}, radius=0.3)
    >>> disc = next(p for p in fig.axes[1].patches if p.get_gid() == "disc")
    >>> disc.get_radius(), disc.get_edgecolor()[:3]
    (0.3, (1.0, 0.0, 0.0))
    """
    n = len(obj.params)
    if n not in (1, 2):
        raise DimensionError(
            f"taylor_models draws a loss of one or two parameters, this one has {n}"
        )
    if obj.data:
        names = ", ".join(b.name for b in obj.data_blocks)
        raise DataError(
            f"taylor_models draws a loss without data symbols (this one has {names}): "
            "write the data's numbers into the loss"
        )
    if not (isinstance(radius, (int, float)) and 0 < radius < float("inf")):
        raise PointError(f"radius must be a positive number, got {radius!r}")
    t = taylor(obj, 2, about=_at(obj, at))
    point = np.array([float(v) for v in t.point])
    g = np.array([float(v) for v in t.gradient()], dtype=float)
    h = np.array(t.hessian().tolist(), dtype=float)
    loss0 = float(sympy.N(t.terms[0]))
    loss = _loss(obj, None)
    if n == 1:
        return _taylor_one(obj, loss, point[0], loss0, g[0], h[0, 0], radius, resolution)
    norm = float(np.linalg.norm(g))
    if not norm > 0:
        raise NumericError("the gradient vanishes at this point: no descent direction to draw")
    direction = -g / norm
    ts = np.linspace(-2 * radius, 2 * radius, resolution)
    along = [loss(point + s * direction) for s in ts]
    first = loss0 + ts * (g @ direction)
    second = first + 0.5 * ts**2 * (direction @ h @ direction)
    fig = _figure(10, 4.2)
    left, right = fig.subplots(1, 2)
    left.plot(ts, along, label="the loss along −∇ℒ", linewidth=2, gid="loss")
    left.plot(ts, first, "--", label="first-order model", gid="first")
    left.plot(ts, second, ":", label="second-order model", linewidth=2, gid="second")
    left.axvspan(
        -radius, radius, color=DISC_COLOR, alpha=0.1, label=f"steps of size ≤ d = {radius:g}"
    )
    left.set(xlabel="t (a step of length t along −∇ℒ)", ylabel="loss", title="Taylor models")
    left.legend(loc="best", fontsize="small")
    xs = np.linspace(point[0] - 2 * radius, point[0] + 2 * radius, resolution // 2)
    ys = np.linspace(point[1] - 2 * radius, point[1] + 2 * radius, resolution // 2)
    right.contour(xs, ys, _grid(loss, xs, ys), levels=20, cmap="viridis")
    _red_circle(right, point, radius)
    best = point + radius * direction
    right.annotate(
        "",
        xy=tuple(best),
        xytext=tuple(point),
        arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.2},
    )
    right.plot(*point, "ko", label="(a, b)")
    right.plot(*best, "*", color=DISC_COLOR, markersize=14, label="the linear model's minimiser")
    right.set(
        xlabel=_name(obj.params[0]),
        ylabel=_name(obj.params[1]),
        title=f"the red circle of radius d = {radius:g}",
        aspect="equal",
    )
    right.legend(loc="upper right", fontsize="small")
    fig.suptitle(_title(obj))
    return fig


def _red_circle(ax: Any, centre: np.ndarray, radius: float) -> None:
    from matplotlib.patches import Circle

    disc = Circle(
        (float(centre[0]), float(centre[1])),
        radius,
        facecolor=(1.0, 0.0, 0.0, 0.08),
        edgecolor=DISC_COLOR,
        linewidth=2,
        gid="disc",
        label=f"‖δ‖ ≤ d = {radius:g}",
    )
    ax.add_patch(disc)


def _taylor_one(
    obj: Objective,
    loss: Any,
    a: float,
    loss0: float,
    g: float,
    h: float,
    radius: float,
    resolution: int,
) -> Any:
    xs = np.linspace(a - 2 * radius, a + 2 * radius, resolution)
    first = loss0 + g * (xs - a)
    second = first + 0.5 * h * (xs - a) ** 2
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot()
    ax.plot(xs, [loss([x]) for x in xs], linewidth=2, label=_title(obj), gid="loss")
    ax.plot(xs, first, "--", label="first-order model", gid="first")
    ax.plot(xs, second, ":", linewidth=2, label="second-order model", gid="second")
    symbol = sympy.latex(obj.params[0])
    ax.axvspan(
        a - radius,
        a + radius,
        facecolor=(1.0, 0.0, 0.0, 0.08),
        edgecolor=DISC_COLOR,
        linewidth=2,
        gid="disc",
        label=_math(rf"|{symbol} - {a:.4g}| \leq d = {radius:g}") or f"|step| ≤ {radius:g}",
    )
    ax.plot([a], [loss0], "ko", label=_math(f"{symbol} = {a:.4g}") or "the point")
    if g != 0:
        best = a - radius * np.sign(g)
        ax.plot(
            [best],
            [loss0 + g * (best - a)],
            "*",
            color=DISC_COLOR,
            markersize=14,
            label="the linear model's minimiser",
        )
    ax.set(xlabel=_name(obj.params[0]), ylabel=_math(r"\mathcal{L}") or "loss")
    ax.set_title("Taylor models")
    ax.legend(loc="best", fontsize="small")
    return fig


def taylor_figure(
    obj: Objective, at: Mapping[str, Any], *, radius: float = 0.5, resolution: int = 80
) -> Any:
    """:func:`taylor_models` of a loss of two parameters (kept for older callers).

    >>> from derive.objective import Objective
    >>> len(taylor_figure(Objective("x**2 + y**2", "x y"), {"x": 1, "y": 0}).axes)
    2
    """
    if len(obj.params) != 2:
        raise DimensionError(
            f"taylor_figure needs a loss of two parameters, this one has {len(obj.params)}: "
            "use taylor_models"
        )
    return taylor_models(obj, at, radius=radius, resolution=2 * resolution)


def save(fig: Any, filename: str | Path) -> Path:
    """Save as PNG, SVG or PDF (by the suffix); returns the path.

    >>> import tempfile, pathlib
    >>> from derive.objective import Objective
    >>> fig = curve(Objective("2*x**2", "x"), path=[1, 0.6, 0.36])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(fig, pathlib.Path(folder) / "curve.png").stat().st_size > 1000
    True
    """
    target = Path(filename)
    if target.suffix.lower() not in SUFFIXES:
        raise DeriveError(
            f"save a figure as .png, .svg or .pdf, not {target.suffix or 'no suffix'!r}"
        )
    fig.savefig(target, dpi=120)
    return target
