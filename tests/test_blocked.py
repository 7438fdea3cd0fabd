"""The blocked gradient (NumPy data read a block of rows at a time, once per step) equals
the two-pass step (X @ w, then Xᵀ r) to 1e-12; wall-clock times are bench/'s business."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive import Objective, emit
from derive.codegen import BLOCK_FLOATS, block_rows

RNG = np.random.default_rng(11)
N, D = 5_000, 7
X = RNG.normal(size=(N, D))
Y = np.sign(RNG.normal(size=N))
LOGISTIC = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params=f"w:{D} b", data=f"x:{D} y")


def two_pass_step(theta: np.ndarray, lr: float) -> np.ndarray:
    w, b = theta[:D], theta[D]
    r = -Y / (1 + np.exp(Y * (X @ w + b)))
    return theta - lr * np.concatenate([X.T @ r / N, [r.mean()]])


def relative(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


@pytest.mark.parametrize("rows", [256, 999, 4_096, N])
def test_blocked_step_equals_the_two_pass_step(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    rule = emit(LOGISTIC, "gd")
    monkeypatch.setitem(rule._namespace, "_ROWS", rows)
    calls: list[int] = []
    rows_function = rule._namespace["_gradient"]

    def counted(xp: Any, theta: Any, x: Any, y: Any) -> Any:
        calls.append(x.shape[0])
        return rows_function(xp, theta, x, y)

    monkeypatch.setitem(rule._namespace, "_gradient", counted)
    theta = RNG.normal(size=D + 1)
    got, _ = rule.step(theta, 0.3, data={"x": X, "y": Y})
    assert relative(got, two_pass_step(theta, 0.3)) <= 1e-12
    assert sum(calls) == N and max(calls) <= rows  # every row once, a block at a time
    assert len(calls) == -(-N // rows)


@pytest.mark.parametrize(
    "obj",
    [
        Objective("(dot(w, x) - y)**2 + b**2*y**2 + norm(w)**2/10", params="w:7 b", data="x:7 y"),
        Objective("exp(dot(w, x)/10)*c + c**2 + norm(w)**2", params="w:7 c", data="x:7"),
    ],
)
def test_blocked_gradient_equals_one_block(monkeypatch: pytest.MonkeyPatch, obj: Objective) -> None:
    rule = emit(obj, "adam")
    data = {"x": X, "y": Y} if len(obj.data_blocks) == 2 else {"x": X}
    theta = RNG.normal(size=rule.size) / 3
    monkeypatch.setitem(rule._namespace, "_ROWS", N)
    whole = rule.run(theta, 5, 0.01, data=data)
    monkeypatch.setitem(rule._namespace, "_ROWS", 333)
    blocked = rule.run(theta, 5, 0.01, data=data)
    assert relative(blocked, whole) <= 1e-12


def test_a_block_holds_about_a_fixed_amount_of_data() -> None:
    assert block_rows(LOGISTIC) == BLOCK_FLOATS // (D + 1)  # x's D columns and y
    wide = Objective("(dot(w, x) - y)**2", params="w:5000", data="x:5000 y")
    assert block_rows(wide) == 256  # at least 256 rows
    assert emit(LOGISTIC, "gd")._namespace["_ROWS"] == block_rows(LOGISTIC)
