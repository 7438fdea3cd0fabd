"""Plots for lectures: valid, non-empty images whose paths have the expected points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from derive import DeriveError, Objective
from derive.errors import DimensionError
from derive.examples import SIGMOID_NEURON
from derive.plot import descent_figure, save, taylor_figure

PNG = b"\x89PNG\r\n\x1a\n"


def test_descent_figure_has_the_path_and_saves_png_and_svg(tmp_path: Path) -> None:
    fig, path = descent_figure(Objective("x**2 + 3*y**2", "x y"), [1.0, 1.0], lr=0.1, steps=12)
    assert path.shape == (13, 2)
    line = next(line for line in fig.axes[0].get_lines() if line.get_gid() == "path")
    assert line.get_xydata().shape == (13, 2)
    assert np.array_equal(line.get_xydata(), path)
    png = save(fig, tmp_path / "descent.png")
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 10_000
    svg = save(fig, tmp_path / "descent.svg")
    assert "<svg" in svg.read_text()[:500]


def test_taylor_figure_draws_the_models_and_the_disc(tmp_path: Path) -> None:
    fig = taylor_figure(SIGMOID_NEURON, {"w": 0, "b": 0}, radius=1.0)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == 3
    disc = next(line for line in right.get_lines() if line.get_gid() == "disc")
    radii = np.hypot(*disc.get_xydata().T)
    assert np.allclose(radii, 1.0)
    assert save(fig, tmp_path / "taylor.png").read_bytes().startswith(PNG)


def test_plots_refuse_what_they_cannot_draw(tmp_path: Path) -> None:
    with pytest.raises(DimensionError, match="two parameters"):
        descent_figure(Objective("x**2", "x"), [1.0], lr=0.1)
    with pytest.raises(DeriveError, match="diverged"):
        descent_figure(Objective("x**2 + y**2", "x y"), [1.0, 1.0], lr=5.0, steps=2000)
    with pytest.raises(DeriveError, match="gradient vanishes"):
        taylor_figure(Objective("x**2 + y**2", "x y"), {"x": 0, "y": 0})
    fig, _ = descent_figure(Objective("x**2 + y**2", "x y"), [1.0, 1.0], lr=0.1, steps=2)
    with pytest.raises(DeriveError, match=r"as \.png or \.svg"):
        save(fig, tmp_path / "figure.jpg")
