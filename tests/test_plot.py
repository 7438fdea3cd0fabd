"""Figures: built headless (Agg, no pyplot), their marks are the real iterates and the real
Taylor models, the step-size region is red, and they save as PNG, SVG and PDF."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_hex

import derive
from derive import DeriveError, Objective
from derive.descend import descend
from derive.errors import DataError, DimensionError, NumericError, PointError
from derive.examples import SIGMOID_NEURON
from derive.plot import (
    contours,
    curve,
    descent_figure,
    iterates,
    save,
    taylor_figure,
    taylor_models,
)

PNG = b"\x89PNG\r\n\x1a\n"
SOURCE = Path(derive.__file__).resolve().parent.parent  # the derive under test, in a child too
QUADRATIC = Objective("2*x**2", "x")


def _line(ax: Any, gid: str) -> Any:
    return next(line for line in ax.get_lines() if line.get_gid() == gid)


def _arrows(ax: Any) -> list[Any]:
    return [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]


def test_the_seeds_curve_marks_1_then_06_then_036_from_the_exact_run() -> None:
    run = descend(QUADRATIC, {"x": 1}, "0.1", 2)
    fig = curve(QUADRATIC, path=run)
    ax = fig.axes[0]
    marks = _line(ax, "path")
    assert marks.get_xdata().tolist() == [1.0, 0.6, 0.36]
    assert np.allclose(marks.get_ydata(), [2.0, 0.72, 0.2592], rtol=0, atol=1e-12)
    assert len(_arrows(ax)) == 2  # one arrow per step
    labels = [t.get_text() for t in ax.texts]
    assert "$x_{0} = 1$" in labels and "$x_{1} = 0.6$" in labels and "$x_{2} = 0.36$" in labels
    assert "η = 0.1" in marks.get_label()
    loss = _line(ax, "loss")
    xs = loss.get_xdata()
    assert np.allclose(loss.get_ydata(), 2 * xs**2, rtol=0, atol=1e-12)
    assert xs.min() < 0.36 and xs.max() > 1  # the curve covers every iterate


@pytest.mark.parametrize(
    ("lr", "expected"),
    [(0.1, [1.0, 0.6, 0.36, 0.216]), (0.5, [1.0, -1.0, 1.0, -1.0]), (0.6, [1, -1.4, 1.96, -2.744])],
    ids=["converges", "oscillates", "diverges"],
)
def test_the_curve_shows_the_emitted_iterates_for_each_step_size(
    lr: float, expected: list[float]
) -> None:
    path = iterates(QUADRATIC, [1.0], lr=lr, steps=3)
    assert np.allclose(path.ravel(), expected, rtol=1e-12, atol=0)
    exact = descend(QUADRATIC, {"x": 1}, repr(lr), 3)
    assert np.allclose(path.ravel(), [it.floats()[0] for it in exact.iterates], rtol=1e-12)
    marks = _line(curve(QUADRATIC, path=path).axes[0], "path")
    assert np.array_equal(marks.get_xdata(), path.ravel())


def test_contours_draw_the_path_through_the_real_iterates(tmp_path: Path) -> None:
    obj = Objective("x**2 + 3*y**2", "x y")
    path = iterates(obj, [1, 1], lr=0.1, steps=12)
    exact = descend(obj, {"x": 1, "y": 1}, "0.1", 12)
    assert np.allclose(path, [it.floats() for it in exact.iterates], rtol=1e-12, atol=0)
    fig = contours(obj, path)
    line = _line(fig.axes[0], "path")
    assert np.array_equal(line.get_xydata(), path)
    assert "**" not in fig.axes[0].get_title() and "*" not in fig.axes[0].get_title()
    png = save(fig, tmp_path / "contours.png")
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 10_000


def test_descent_figure_returns_the_figure_and_its_path(tmp_path: Path) -> None:
    fig, path = descent_figure(Objective("x**2 + 3*y**2", "x y"), [1.0, 1.0], lr=0.1, steps=12)
    assert path.shape == (13, 2)
    assert np.array_equal(_line(fig.axes[0], "path").get_xydata(), path)
    assert "<svg" in save(fig, tmp_path / "descent.svg").read_text()[:500]
    assert save(fig, tmp_path / "descent.pdf").read_bytes().startswith(b"%PDF")


def test_a_path_with_data_follows_the_mean_loss() -> None:
    obj = Objective("(w*x + b - y)**2", "w b")
    data = {"x": np.array([1.0, 2.0]), "y": np.array([1.0, 3.0])}
    path = iterates(obj, [0, 0], lr=0.1, steps=1, data=data)
    # mean gradient at 0: w: mean(2*x*(-y)) = -7, b: mean(2*(-y)) = -4
    assert np.allclose(path[1], [0.7, 0.4], rtol=0, atol=1e-15)
    fig = contours(obj, path, data=data)
    assert np.array_equal(_line(fig.axes[0], "path").get_xydata(), path)
    assert fig.axes[0].get_title().endswith("\\right)^{2}$, the mean over the data's rows")


def test_the_taylor_models_of_one_parameter_are_the_exact_models_and_the_interval_is_red() -> None:
    fig = taylor_models(QUADRATIC, {"x": 1}, radius=0.25)
    ax = fig.axes[0]
    first, second = _line(ax, "first"), _line(ax, "second")
    xs = first.get_xdata()
    assert np.allclose(first.get_ydata(), 2 + 4 * (xs - 1), rtol=0, atol=1e-12)
    assert np.allclose(second.get_ydata(), 2 * xs**2, rtol=0, atol=1e-12)  # exact for 2x²
    region = next(p for p in ax.patches if p.get_gid() == "disc")
    assert to_hex(region.get_edgecolor(), keep_alpha=False) == "#ff0000"
    assert (region.get_x(), region.get_x() + region.get_width()) == pytest.approx((0.75, 1.25))
    star = next(line for line in ax.get_lines() if line.get_marker() == "*")
    assert to_hex(star.get_color()) == "#ff0000"
    assert star.get_xdata()[0] == pytest.approx(0.75)  # a step of d against L'(1) = 4 > 0
    assert taylor_models(QUADRATIC, 1, radius=0.25).axes[0].get_lines()  # a bare number too


def test_the_disc_of_two_parameters_is_the_red_circle_with_the_linear_minimiser_on_it() -> None:
    fig = taylor_models(Objective("x**2 + 3*y**2", "x y"), {"x": 1, "y": 1}, radius=0.3)
    left, right = fig.axes[:2]
    assert {line.get_gid() for line in left.get_lines()} == {"loss", "first", "second"}
    disc = next(p for p in right.patches if p.get_gid() == "disc")
    assert to_hex(disc.get_edgecolor(), keep_alpha=False) == "#ff0000"
    assert disc.get_center() == (1.0, 1.0) and disc.get_radius() == 0.3
    star = next(line for line in right.get_lines() if line.get_marker() == "*")
    gradient = np.array([2.0, 6.0])
    best = np.array([1.0, 1.0]) - 0.3 * gradient / np.linalg.norm(gradient)
    assert np.allclose(star.get_xydata()[0], best, rtol=0, atol=1e-12)
    first = _line(left, "first")
    ts = first.get_xdata()
    assert np.allclose(first.get_ydata(), 4 - ts * np.linalg.norm(gradient), atol=1e-12)


def test_taylor_figure_still_draws_the_sigmoid_neuron(tmp_path: Path) -> None:
    fig = taylor_figure(SIGMOID_NEURON, {"w": 0, "b": 0}, radius=1.0)
    right = fig.axes[1]
    disc = next(p for p in right.patches if p.get_gid() == "disc")
    assert disc.get_radius() == 1.0 and to_hex(disc.get_edgecolor(), keep_alpha=False) == "#ff0000"
    assert save(fig, tmp_path / "taylor.png").read_bytes().startswith(PNG)


def test_figures_are_built_without_pyplot_on_the_agg_backend() -> None:
    code = (
        "import sys\n"
        "from derive.objective import Objective\n"
        "from derive.plot import curve, contours, taylor_models, iterates\n"
        "o1, o2 = Objective('2*x**2', 'x'), Objective('x**2 + 3*y**2', 'x y')\n"
        "figs = [curve(o1, iterates(o1, [1], lr=0.1, steps=2)),\n"
        "        contours(o2, iterates(o2, [1, 1], lr=0.1, steps=3)),\n"
        "        taylor_models(o1, 1), taylor_models(o2, {'x': 1, 'y': 1})]\n"
        "for f in figs: f.canvas.draw() if hasattr(f.canvas, 'draw') else None\n"
        "import io\n"
        "for f in figs: f.savefig(io.BytesIO(), format='png')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(SOURCE)},
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_plots_refuse_what_they_cannot_draw(tmp_path: Path) -> None:
    two = Objective("x**2 + y**2", "x y")
    with pytest.raises(DimensionError, match="one parameter, this one has 2: draw contours"):
        curve(two)
    with pytest.raises(DimensionError, match="two parameters"):
        contours(QUADRATIC)
    with pytest.raises(DimensionError, match="two parameters"):
        descent_figure(QUADRATIC, [1.0], lr=0.1)
    with pytest.raises(DimensionError, match="one or two parameters, this one has 3"):
        taylor_models(Objective("x**2 + y**2 + z**2", "x y z"), {"x": 1, "y": 1, "z": 1})
    with pytest.raises(NumericError, match="diverged"):
        descent_figure(two, [1.0, 1.0], lr=5.0, steps=2000)
    with pytest.raises(NumericError, match="gradient vanishes"):
        taylor_models(two, {"x": 0, "y": 0})
    with pytest.raises(NumericError, match="non-finite point"):
        curve(QUADRATIC, path=[1.0, float("inf")])
    with pytest.raises(PointError, match="points of 2 coordinates"):
        contours(two, path=[1.0, 2.0, 3.0])
    with pytest.raises(PointError, match="sequence of points"):
        curve(QUADRATIC, path=["one"])
    with pytest.raises(PointError, match="radius must be a positive number"):
        taylor_models(QUADRATIC, 1, radius=0)
    with pytest.raises(PointError, match="low < high"):
        curve(QUADRATIC, xlim=(1, 1))
    data_loss = Objective("(w*x - y)**2", "w")
    with pytest.raises(DataError, match=r"curve needs data values .*\(x, y\)"):
        curve(data_loss, path=[0.0])
    with pytest.raises(DataError, match="without data symbols"):
        taylor_models(data_loss, {"w": 0})
    with pytest.raises(DeriveError, match="undefined"):
        taylor_models(Objective("log(x)", "x"), {"x": 0})
    fig = curve(QUADRATIC, path=[1.0])
    with pytest.raises(DeriveError, match=r"as \.png, \.svg or \.pdf, not '\.jpg'"):
        save(fig, tmp_path / "figure.jpg")


def test_labels_of_iterates_crowding_to_a_minimum_do_not_print_over_each_other() -> None:
    from derive.objective import Objective
    from derive.plot import curve, iterates

    obj = Objective("x**4 - 3*x**2 + x", "x")
    fig = curve(obj, iterates(obj, [2.0], lr=0.0238, steps=5))
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    assert 2 <= len(labels) < 6  # x₀, x₁, x₂ labelled; x₃ … x₅ crowd in and keep markers
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    rows: dict[float, list[float]] = {}
    for t in labels:
        rows.setdefault(t.xyann[1], []).append(t.xy[0])
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= 0.15 * width for a, b in itertools.pairwise(xs))
