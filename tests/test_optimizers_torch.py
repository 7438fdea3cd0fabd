"""Every method's float64 trajectory equals torch.optim's (CPU PyTorch, a test dependency).

Both are fed the same gradients (the emitted ``gradient``) so that the optimizers alone are
compared, step by step, to 1e-12 relative (normwise); one test also lets PyTorch compute
its own gradients with autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive import Objective, emit
from derive.optimizers.schedules import CosineAnnealingLR, LinearLR, StepLR

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X5, Y5 = RNG.normal(size=(40, 5)), np.sign(RNG.normal(size=40))
X50, Y50 = RNG.normal(size=(80, 50)), RNG.normal(size=80)

LOSSES: dict[str, tuple[Objective, dict[str, Any], np.ndarray]] = {
    "quadratic": (Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"), {}, np.array([2.0, -1.0])),
    "rosenbrock": (
        Objective("(1 - a)**2 + 10*(c - a**2)**2", "a c"),
        {},
        np.array([-0.7, 0.9]),
    ),
    "logistic": (
        Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:5 b", data="x:5 y"),
        {"x": X5, "y": Y5},
        np.linspace(-0.5, 0.5, 6),
    ),
    "least squares, 50 parameters": (
        Objective("(dot(w, x) - y)**2/2 + sum(w**4)/100", params="w:50", data="x:50 y"),
        {"x": X50, "y": Y50},
        np.linspace(-1.0, 1.0, 50),
    ),
}

# method, derive options, torch optimizer and its options
CONFIGS: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("gd", {}, "SGD", {}),
    ("gd", {"weight_decay": 0.1}, "SGD", {"weight_decay": 0.1}),
    ("momentum", {"momentum": 0.9}, "SGD", {"momentum": 0.9}),
    (
        "momentum",
        {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
        "SGD",
        {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
    ),
    ("nesterov", {"momentum": 0.9}, "SGD", {"momentum": 0.9, "nesterov": True}),
    (
        "nesterov",
        {"momentum": 0.7, "weight_decay": 0.05},
        "SGD",
        {"momentum": 0.7, "weight_decay": 0.05, "nesterov": True},
    ),
    ("adam", {}, "Adam", {}),
    (
        "adam",
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        "Adam",
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    (
        "adam",
        {"amsgrad": True, "betas": (0.5, 0.9)},
        "Adam",
        {"amsgrad": True, "betas": (0.5, 0.9)},
    ),
    ("adamw", {}, "AdamW", {}),
    (
        "adamw",
        {"weight_decay": 0.2, "amsgrad": True, "eps": 1e-4},
        "AdamW",
        {"weight_decay": 0.2, "amsgrad": True, "eps": 1e-4},
    ),
    ("rmsprop", {}, "RMSprop", {}),
    ("rmsprop", {"momentum": 0.9}, "RMSprop", {"momentum": 0.9}),
    ("rmsprop", {"centered": True, "alpha": 0.9}, "RMSprop", {"centered": True, "alpha": 0.9}),
    (
        "rmsprop",
        {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "eps": 1e-3},
        "RMSprop",
        {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "eps": 1e-3},
    ),
    ("adagrad", {}, "Adagrad", {}),
    (
        "adagrad",
        {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-8},
        "Adagrad",
        {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-8},
    ),
]

# the 50-parameter run at a small rate: at larger ones centered RMSprop oscillates, and any two
# correct float64 implementations drift apart by a factor of about 2 a step
LR = {"quadratic": 0.05, "rosenbrock": 0.01, "logistic": 0.3, "least squares, 50 parameters": 0.002}
STEPS = 30


def relative(got: np.ndarray, want: np.ndarray) -> float:
    """The worst step's normwise relative difference."""
    scale = np.maximum(np.max(np.abs(want), axis=1), 1e-300)
    return float(np.max(np.max(np.abs(got - want), axis=1) / scale))


def torch_trajectory(
    rule: Any,
    data: dict[str, Any],
    theta0: np.ndarray,
    lr: float,
    name: str,
    options: dict[str, Any],
    scheduler: tuple[str, dict[str, Any]] | None = None,
) -> tuple[np.ndarray, Any]:
    """torch.optim's trajectory, fed the emitted gradient at each of its iterates."""
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    opt = getattr(torch.optim, name)([p], lr=lr, **options)
    sched = (
        getattr(torch.optim.lr_scheduler, scheduler[0])(opt, **scheduler[1]) if scheduler else None
    )
    path = [theta0.copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        p.grad = torch.from_numpy(rule.gradient(p.detach().numpy().copy(), data))
        opt.step()
        if sched is not None:
            sched.step()
        path.append(p.detach().numpy().copy())
    return np.array(path), opt.state[p]


@pytest.mark.parametrize(
    ("method", "options", "name", "torch_options"),
    CONFIGS,
    ids=[f"{c[0]}-{'-'.join(c[1]) or 'defaults'}" for c in CONFIGS],
)
@pytest.mark.parametrize("loss", list(LOSSES))
def test_trajectory_equals_torch_optim(
    loss: str, method: str, options: dict[str, Any], name: str, torch_options: dict[str, Any]
) -> None:
    obj, data, theta0 = LOSSES[loss]
    rule = emit(obj, method)
    ours = rule.run(theta0, STEPS, LR[loss], data=data, **options)
    theirs, _ = torch_trajectory(rule, data, theta0, LR[loss], name, torch_options)
    assert np.all(np.isfinite(ours))
    assert np.max(np.abs(ours[-1] - ours[0])) > 1e-3  # the run moved: a real comparison
    assert relative(ours, theirs) <= 1e-12, relative(ours, theirs)


SCHEDULES = [
    (StepLR(step_size=7, gamma=0.5), ("StepLR", {"step_size": 7, "gamma": 0.5})),
    (
        CosineAnnealingLR(T_max=20, eta_min=1e-3),
        ("CosineAnnealingLR", {"T_max": 20, "eta_min": 1e-3}),
    ),
    (
        LinearLR(start_factor=0.1, total_iters=10),
        ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
    ),
]


@pytest.mark.parametrize(("schedule", "scheduler"), SCHEDULES, ids=["step", "cosine", "warm-up"])
@pytest.mark.parametrize(
    ("method", "options", "name", "torch_options"),
    [CONFIGS[3], CONFIGS[7], CONFIGS[13], CONFIGS[16]],
    ids=["momentum", "adam", "rmsprop", "adagrad"],
)
def test_schedules_equal_torch_lr_schedulers(
    schedule: Any,
    scheduler: tuple[str, dict[str, Any]],
    method: str,
    options: dict[str, Any],
    name: str,
    torch_options: dict[str, Any],
) -> None:
    obj, data, theta0 = LOSSES["logistic"]
    rule = emit(obj, method)
    ours = rule.run(theta0, STEPS, 0.2, data=data, schedule=schedule, **options)
    theirs, _ = torch_trajectory(rule, data, theta0, 0.2, name, torch_options, scheduler)
    plain = rule.run(theta0, STEPS, 0.2, data=data, **options)
    assert relative(ours, plain) > 1e-6  # the schedule changed the run
    assert relative(ours, theirs) <= 1e-12, relative(ours, theirs)


def test_adam_state_is_torch_state_under_the_same_keys() -> None:
    obj, data, theta0 = LOSSES["logistic"]
    rule = emit(obj, "adam")
    state = rule.init(theta0, lr=0.1, amsgrad=True)
    theta = theta0.copy()
    for _ in range(STEPS):
        updates, state = rule.update(rule.gradient(theta, data), state, theta)
        theta = theta + updates
    _, theirs = torch_trajectory(rule, data, theta0, 0.1, "Adam", {"amsgrad": True})
    assert state.step == int(theirs["step"]) == STEPS
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        want = theirs[key].numpy()
        assert np.max(np.abs(state.buffers[key] - want)) <= 1e-12 * np.max(np.abs(want)), key


def test_torch_autograd_gradients_give_the_same_adamw_trajectory() -> None:
    """PyTorch's own gradients of the logistic loss, its own AdamW: the same path."""
    obj, data, theta0 = LOSSES["logistic"]
    ours = emit(obj, "adamw").run(theta0, STEPS, 0.05, data=data, weight_decay=0.05)
    x, y = torch.from_numpy(X5), torch.from_numpy(Y5)
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    opt = torch.optim.AdamW([p], lr=0.05, weight_decay=0.05)
    path = [theta0.copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        torch.nn.functional.softplus(-y * (x @ p[:5] + p[5])).mean().backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    assert relative(ours, np.array(path)) <= 1e-12
