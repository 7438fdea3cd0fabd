"""Hardening of ``UpdateRule.check``: nothing non-finite passes, and bad input is a DeriveError.

The check compares float64 numbers of the emitted code with an mpmath reference; it must
never pass wrong numbers (NaN hides from ``max`` and from ``<=``) and never end in a
traceback, from the Python API or from ``derive emit ... --check``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

import derive as dv
from derive.errors import DeriveError, NumericError, ObjectiveError
from derive.numeric import NumericReport, _compare


def item(report: NumericReport, name: str) -> dv.numeric.CheckItem:
    return next(i for i in report.items if i.name == name)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "derive", "emit", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


TANH = "w**2 + sinh(b)/cosh(b)"  # float64 sinh and cosh overflow at b = 800: inf/inf = NaN


# -- NaN and infinity never pass


def test_nan_in_any_gradient_component_fails_the_check() -> None:
    report = dv.emit(dv.Objective(TANH, "w b")).check(theta0=[1.0, 800.0])
    gradient = item(report, "gradient")
    assert not report.ok
    assert gradient.status == "failed" and gradient.max_ulps is None
    assert "b is nan" in gradient.detail
    assert "gradient: failed (b is nan where the reference is" in report.summary()
    assert report.summary().startswith("CHECK FAILED")


def test_nan_in_a_hessian_entry_fails_the_check() -> None:
    rule = dv.emit(dv.Objective(TANH + " + b**2", "w b"), "newton")
    report = rule.check(theta0=[1.0, 800.0])
    hessian = item(report, "hessian")
    assert hessian.status == "failed" and "H(b, b) is nan" in hessian.detail


def test_nan_in_the_emitted_loss_fails_the_check() -> None:
    report = dv.emit(dv.Objective(TANH, "w b")).check(theta0=[1.0, 800.0])
    loss = item(report, "loss")
    assert loss.status == "failed" and "the loss is nan where the reference is 2.0" in loss.detail


def test_nan_in_a_later_component_is_not_dropped_by_the_comparison() -> None:
    reference = [mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(3)]
    for emitted in ([1.0, np.nan, 3.0], [np.nan, 2.0, 3.0], [1.0, 2.0, np.inf]):
        ulps, problem = _compare(np.array(emitted), reference, ["a", "b", "c"])
        assert ulps == float("inf") and problem


def test_trajectory_overflowing_float64_fails_while_the_reference_stays_finite() -> None:
    report = dv.emit(dv.Objective("w**4", "w")).check(theta0=[10.0], lr=1.0, steps=20)
    trajectory = item(report, "trajectory")
    assert not report.ok and trajectory.status == "failed"
    assert "w is -inf" in trajectory.detail and "beyond float64's range" in trajectory.detail


def test_trajectory_leaving_the_real_domain_fails_and_names_the_step() -> None:
    report = dv.emit(dv.Objective("sqrt(x)", "x")).check(theta0=[0.01], lr=1.0)
    trajectory = item(report, "trajectory")
    assert trajectory.status == "failed"
    assert "undefined at step 2" in trajectory.detail and "not a real number" in trajectory.detail
    assert "step 1 agreed" in trajectory.detail


def test_emitted_loss_overflowing_on_the_descent_path_fails_the_descent() -> None:
    report = dv.emit(dv.Objective("(w*x + b - y)**2", "w b")).check(theta0=[1e300, 1e300])
    descent = item(report, "descent")
    assert descent.status == "failed" and "the emitted loss is inf" in descent.detail
    assert item(report, "loss").status == "failed"


def test_huge_data_fails_every_item_it_overflows() -> None:
    rule = dv.emit(dv.Objective("(w*x + b - y)**2", "w b"))
    report = rule.check(theta0=[1.0, 1.0], data={"x": [1e300, 2e300], "y": [1.0, 2.0]})
    assert {item(report, n).status for n in ("loss", "gradient", "trajectory")} == {"failed"}


# -- an undefined reference is never shown as checked


@pytest.mark.parametrize(
    ("loss", "theta0", "reason"),
    [
        ("log(w)", -1.0, "not a real number"),
        ("log(w)", 0.0, "the loss is -inf"),
        ("1/w + w**2", 0.0, "division by zero"),
        ("x*exp(exp(exp(exp(1000))))", 1.0, "mpmath cannot evaluate the loss"),
    ],
)
def test_undefined_reference_at_theta0_raises_numeric_error_naming_the_point(
    loss: str, theta0: float, reason: str
) -> None:
    params = "x" if loss.startswith("x") else "w"
    with pytest.raises(NumericError, match=reason) as caught:
        dv.emit(dv.Objective(loss, params)).check(theta0=[theta0])
    assert f"theta0 ({params} = {theta0:.17g})" in str(caught.value)


def test_differentiation_witness_resolves_points_far_from_one() -> None:
    quadratic = dv.emit(dv.Objective("(w*x + b - y)**2", "w b"))
    huge = quadratic.check(theta0=[1e300, 1e300])
    assert item(huge, "differentiation (mpmath.diff)").status == "passed"
    tiny = dv.emit(dv.Objective("sqrt(x)", "x")).check(theta0=[1e-300])
    assert item(tiny, "differentiation (mpmath.diff)").status == "passed"


# -- many parameters


@pytest.mark.parametrize("size", [13, 40])
def test_check_compares_more_than_twelve_parameters(size: int) -> None:
    obj = dv.Objective("(dot(w, x) + b - y)**2", f"w:{size} b", f"x:{size} y")
    report = dv.emit(obj).check()
    assert report.ok, report.summary()
    assert "12 of " + str(size + 1) in item(report, "differentiation (mpmath.diff)").detail
    assert item(report, "descent").status == "passed"


def test_descent_uses_half_the_bound_of_the_data_hessian() -> None:
    x, y = np.array([1.0, 2.0, -0.5]), np.array([0.5, 1.0, 0.0])
    report = dv.emit(dv.Objective("(w*x + b - y)**2", "w b")).check(data={"x": x, "y": y})
    hessian = 2 * np.mean([[[xi * xi, xi], [xi, 1.0]] for xi in x], axis=0)
    lr = 1.0 / float(np.max(np.linalg.eigvalsh(hessian)))
    assert f"η = 1/λ_max = {lr:.6g}" in item(report, "descent").detail


# -- names that mpmath uses


NAMES = ["mpf", "mpc", "matrix", "mpmath", "e", "inf", "nan", "j", "euler", "diff", "x0"]


def signature(report: NumericReport) -> list[tuple[str, str, Any]]:
    return [(i.name, i.status, i.max_ulps) for i in report.items]


@pytest.mark.parametrize("name", NAMES)
def test_data_named_like_mpmath_checks_like_a_neutral_name(name: str) -> None:
    template = "(w - {d})**2/3 + w**3/10 + exp(w/2)"
    data: dict[str, Any] = {"c": np.array([0.5, -1.0])}
    mine = dv.emit(dv.Objective(template.format(d=name), "w")).check(
        theta0=[0.3], data={name: data["c"]}
    )
    neutral = dv.emit(dv.Objective(template.format(d="c"), "w")).check(theta0=[0.3], data=data)
    assert mine.ok and signature(mine) == signature(neutral)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "e"])  # e is refused as a name
def test_parameter_named_like_mpmath_checks_like_a_neutral_name(name: str) -> None:
    template = "({p} - y)**2/3 + sin({p}) + {p}**4/10"
    mine = dv.emit(dv.Objective(template.format(p=name), name), "newton").check(theta0=[0.3])
    neutral = dv.emit(dv.Objective(template.format(p="c"), "c"), "newton").check(theta0=[0.3])
    assert mine.ok and signature(mine) == signature(neutral)


# -- bad options are ObjectiveErrors


RULE = dv.emit(dv.Objective("(w*x + b - y)**2", "w b"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"theta0": [10**400, 1.0]}, "theta0 holds a number too large"),
        ({"data": {"x": [10**400], "y": [1.0]}}, "data holds a number too large"),
        ({"data": [1.0, 2.0]}, "data must map data names to arrays"),
        ({"data": {"x": [], "y": []}}, "the data have no rows"),
        ({"lr": 10**400}, "lr and momentum must be finite"),
        ({"lr": float("nan")}, "lr must be a positive finite number"),
        ({"steps": -1}, "steps must be a whole number from 0 to 10000"),
        ({"steps": 10**9}, "steps must be a whole number"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"rows": 0}, "rows must be a whole number from 1"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"seed": "a"}, "seed must be a whole number"),
        ({"tolerance_ulps": float("inf")}, "tolerance_ulps must be a positive finite number"),
        ({"tolerance_ulps": float("nan")}, "tolerance_ulps must be a positive finite number"),
        ({"tolerance_ulps": 0}, "tolerance_ulps must be a positive finite number"),
        ({"tolerance_ulps": "1"}, "tolerance_ulps must be a number"),
        ({"dps": 10}, "dps must be a whole number from 20 to 1000"),
    ],
)
def test_bad_check_options_raise_objective_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ObjectiveError, match=message):
        RULE.check(**options)


def test_huge_momentum_is_an_objective_error() -> None:
    with pytest.raises(ObjectiveError, match="lr and momentum must be finite"):
        dv.emit(dv.Objective("w**2", "w"), "momentum").check(momentum=10**400)


def test_check_needs_an_emitted_rule() -> None:
    with pytest.raises(ObjectiveError, match="needs an emitted rule"):
        dv.numeric.check(dv.Objective("w**2", "w"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda: dv.emit(dv.Objective("w**4 + b**2", "w b"), "newton").check(theta0=[1e200, 1.0]),
        lambda: dv.emit(dv.Objective("exp(exp(w))", "w")).check(theta0=[10.0]),
        lambda: dv.emit(dv.Objective("acos(w)", "w")).check(theta0=[0.9], lr=1.0),
        lambda: dv.emit(dv.Objective("(w*x - y)**2", "w")).check(lr=1e300),
    ],
)
def test_hostile_points_give_a_failed_report_not_a_traceback(
    call: Callable[[], NumericReport],
) -> None:
    report = call()
    assert not report.ok
    assert all(i.detail for i in report.items if i.status == "failed")


# -- the command line


def test_readme_emit_check_command_exits_0_and_writes_the_module(tmp_path: Path) -> None:
    done = cli(
        "log(1 + exp(-y*(dot(w, x) + b)))",
        *("--params", "w:100 b", "--data", "x:100 y", "-o", "step.py", "--check"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "checked at 50 digits" in done.stdout
    assert (tmp_path / "step.py").read_text().startswith('r"""gd update rule')


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["w**2 + sinh(100000*b)/cosh(100000*b)", "--params", "w b"], 1, "b is nan"),
        (["sqrt(x)", "--params", "x"], 1, "not a real number"),
        (["x*exp(exp(exp(exp(1000))))", "--params", "x"], 2, "derive: error: cannot check"),
        (["(w - mpf)**2 + matrix*w + mpc", "--params", "w"], 0, "checked at 50 digits"),
        (["sum(w**2) + dot(w, mpf)", "--params", "w:13", "--data", "mpf:13"], 0, "checked"),
    ],
)
def test_emit_check_on_the_command_line_fails_or_errors_cleanly(
    tmp_path: Path, args: list[str], code: int, expected: str
) -> None:
    done = cli(*args, "-o", "out.py", "--check", cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == code, output
    assert expected in output and "Traceback" not in output


def test_every_check_failure_is_a_derive_error_or_a_report() -> None:
    rule = dv.emit(dv.Objective("w**4 - w**2", "w"), "newton")
    with pytest.raises(DeriveError, match="not positive definite"):
        rule.check(theta0=[0.1])
