"""The emitted module computes in its inputs' array namespace (array-api-compat): NumPy by
default, and PyTorch tensors and JAX arrays (where installed) stay what they are, with the
same float64 trajectory as NumPy's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from derive import Objective, emit
from derive.errors import DataError, ObjectiveError

pytest.importorskip("array_api_compat")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(300, 4))
Y = np.sign(RNG.normal(size=300))
LOGISTIC = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:4 b", data="x:4 y")
SQUARES = Objective("(dot(w, x) - y)**2/2 + norm(w)**2/20 + a**4", params="w:4 a", data="x:4 y")
SMOOTH = Objective("(p - 1)**2 + 3*sin(p*q) + q**2 + erf(q/2)", "p q")

CASES: list[tuple[str, Objective, float, dict[str, Any]]] = [
    ("gd", LOGISTIC, 0.5, {"weight_decay": 1e-3}),
    ("momentum", SQUARES, 0.05, {"momentum": 0.9, "dampening": 0.1}),
    ("nesterov", LOGISTIC, 0.3, {"momentum": 0.8}),
    ("adam", LOGISTIC, 0.05, {"amsgrad": True, "betas": (0.8, 0.99)}),
    ("adamw", SQUARES, 0.02, {"weight_decay": 0.1}),
    ("rmsprop", SQUARES, 0.01, {"centered": True, "momentum": 0.5}),
    ("adagrad", LOGISTIC, 0.1, {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("newton", SQUARES, 0.7, {}),
    ("adam", SMOOTH, 0.05, {}),
]


def relative(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def data_for(obj: Objective, convert: Any) -> dict[str, Any]:
    return {"x": convert(X), "y": convert(Y)} if obj.data_blocks else {}


@pytest.mark.parametrize(("method", "obj", "lr", "options"), CASES)
def test_torch_trajectory_equals_numpy_and_stays_a_tensor(
    method: str, obj: Objective, lr: float, options: dict[str, Any]
) -> None:
    rule = emit(obj, method)
    theta0 = np.linspace(-0.3, 0.3, rule.size)
    want = rule.run(theta0, 20, lr, data=data_for(obj, np.asarray), **options)
    got = rule.run(
        torch.from_numpy(theta0.copy()), 20, lr, data=data_for(obj, torch.from_numpy), **options
    )
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    assert got.shape == want.shape
    assert relative(got.numpy(), want) <= 1e-12


def test_every_entry_point_returns_the_inputs_kind() -> None:
    rule = emit(LOGISTIC, "adam")
    theta = torch.full((5,), 0.1, dtype=torch.float64)
    data = {"x": torch.from_numpy(X), "y": torch.from_numpy(Y)}
    grads = rule.gradient(theta, data)
    assert isinstance(grads, torch.Tensor)
    np.testing.assert_allclose(grads.numpy(), rule.gradient(np.full(5, 0.1), {"x": X, "y": Y}))
    assert rule.loss(theta, data) == pytest.approx(rule.loss(np.full(5, 0.1), {"x": X, "y": Y}))
    state = rule.init(theta, lr=0.1)
    updates, state = rule.update(grads, state, theta)
    assert isinstance(updates, torch.Tensor) and state.step == 1
    new, _ = rule.bind(data).step(theta, 0.1)
    assert isinstance(new, torch.Tensor)
    assert torch.equal(new, theta + updates)


def test_numpy_theta_with_torch_data_computes_in_torch() -> None:
    rule = emit(LOGISTIC, "gd")
    path = rule.run(np.zeros(5), 3, 0.1, data={"x": torch.from_numpy(X), "y": Y})
    assert isinstance(path, torch.Tensor)


def test_float32_tensors_compute_in_float64() -> None:
    rule = emit(LOGISTIC, "gd")
    x32 = torch.from_numpy(X).float()
    path = rule.run(torch.zeros(5), 3, 0.1, data={"x": x32, "y": torch.from_numpy(Y)})
    assert path.dtype == torch.float64
    want = rule.run(np.zeros(5), 3, 0.1, data={"x": x32.double().numpy(), "y": Y})
    assert relative(path.numpy(), want) <= 1e-12


def test_mixing_two_array_libraries_is_a_data_error() -> None:
    dask = pytest.importorskip("dask.array")
    rule = emit(LOGISTIC, "gd")
    with pytest.raises(DataError, match="mix dask and torch arrays"):
        rule.run(torch.zeros(5), 3, 0.1, data={"x": dask.from_array(X), "y": Y})


@pytest.mark.parametrize(
    ("theta", "message"),
    [
        (torch.zeros(4, dtype=torch.float64), r"theta0 must have shape \(5,\), got \(4,\)"),
        (torch.tensor([0.0, 0, 0, 0, float("nan")]), "theta0 contains NaN or infinity"),
        (torch.zeros(5, dtype=torch.complex128), "theta0 must be an array of 5 numbers"),
    ],
)
def test_bad_tensors_are_named(theta: Any, message: str) -> None:
    with pytest.raises(ObjectiveError, match=message):
        emit(LOGISTIC, "gd").run(theta, 2, 0.1, data={"x": torch.from_numpy(X), "y": Y})


def test_bad_tensor_data_are_named() -> None:
    bad = torch.from_numpy(X.copy())
    bad[3, 2] = float("inf")
    with pytest.raises(ObjectiveError, match=r"data\['x'\] contains NaN or infinity"):
        emit(LOGISTIC, "gd").run(torch.zeros(5), 2, 0.1, data={"x": bad, "y": Y})


@pytest.mark.parametrize(("method", "obj", "lr", "options"), CASES[:4] + CASES[-2:])
def test_jax_trajectory_equals_numpy_and_stays_a_jax_array(
    method: str, obj: Objective, lr: float, options: dict[str, Any]
) -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    rule = emit(obj, method)
    theta0 = np.linspace(-0.3, 0.3, rule.size)
    want = rule.run(theta0, 10, lr, data=data_for(obj, np.asarray), **options)
    with jax.enable_x64(True):
        got = rule.run(jnp.asarray(theta0), 10, lr, data=data_for(obj, jnp.asarray), **options)
        assert isinstance(got, jax.Array) and got.dtype == jnp.float64
        assert relative(np.asarray(got), want) <= 1e-12


def test_jax_without_float64_is_refused_with_the_setting_to_use() -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    if jax.config.jax_enable_x64:
        pytest.skip("float64 is on in this process")
    with pytest.raises(DataError, match="jax_enable_x64"):
        emit(LOGISTIC, "gd").run(jnp.zeros(5), 2, 0.1, data={"x": jnp.asarray(X), "y": Y})


def test_the_emitted_modules_step_compiles_with_jax_jit_to_the_same_numbers() -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    rule = emit(LOGISTIC, "adam")
    module: dict[str, Any] = {"__name__": "emitted"}
    exec(compile(rule.source(), "step.py", "exec"), module)  # the file a user imports
    step, init = module["step"], module["init"]
    theta0 = np.linspace(-0.3, 0.3, rule.size)
    with jax.enable_x64(True):
        x, y = jnp.asarray(X), jnp.asarray(Y)

        def one(theta: Any) -> Any:
            return step(theta, init(theta), 0.01, x=x, y=y)[0]

        compiled = jax.jit(one)(jnp.asarray(theta0))
        eager = one(jnp.asarray(theta0))
        assert relative(np.asarray(compiled), np.asarray(eager)) <= 1e-12
