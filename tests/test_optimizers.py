"""The optimizers written once (derive/optimizers): mpmath checks, the functional form, the
options, the emitted module's shape, and errors that name what is wrong."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from derive import NumericError, Objective, ObjectiveError, emit
from derive.codegen import HELPERS
from derive.errors import OptionError
from derive.optimizers import METHODS, SPECS
from derive.optimizers.latex import equations
from derive.optimizers.schedules import CosineAnnealingLR, LinearLR, StepLR

RNG = np.random.default_rng(3)
X, Y = RNG.normal(size=(30, 4)), np.sign(RNG.normal(size=30))
LOGISTIC = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:4 b", data="x:4 y")
DATA = {"x": np.ascontiguousarray(X), "y": Y}  # the layout run() uses: the same gradients
SMOOTH = Objective("(1 - a)**2 + 10*(c - a**2)**2 + exp(a*c)/10", "a c")

OPTIONS: dict[str, list[dict[str, Any]]] = {
    "gd": [{}, {"weight_decay": 0.1}],
    "momentum": [{"momentum": 0.9}, {"momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1}],
    "nesterov": [{"momentum": 0.8, "weight_decay": 0.01}],
    "newton": [{}, {"weight_decay": 0.5}],
    "adam": [{}, {"amsgrad": True, "betas": (0.5, 0.8), "weight_decay": 0.1}],
    "adamw": [{}, {"amsgrad": True, "weight_decay": 0.3, "eps": 1e-3}],
    "rmsprop": [{}, {"centered": True, "momentum": 0.7, "alpha": 0.8, "weight_decay": 0.1}],
    "adagrad": [{}, {"lr_decay": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}],
}
CASES = [(m, o) for m in METHODS for o in OPTIONS[m]]
IDS = [f"{m}-{'-'.join(o) or 'defaults'}" for m, o in CASES]


def test_every_method_has_options_here() -> None:
    assert set(OPTIONS) == set(METHODS) == set(SPECS)


@pytest.mark.parametrize(("method", "options"), CASES, ids=IDS)
def test_check_at_50_digits_passes(method: str, options: dict[str, Any]) -> None:
    lr = 1.0 if method == "newton" else 0.01
    report = emit(SMOOTH, method).check(dps=50, theta0=[0.8, 0.7], lr=lr, steps=12, **options)
    assert report.ok, report.summary()
    trajectory = next(i for i in report.items if i.name == "trajectory")
    assert trajectory.status == "passed" and trajectory.max_ulps is not None


@pytest.mark.parametrize("method", ["momentum", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize(
    "schedule",
    [StepLR(step_size=3, gamma=0.5), CosineAnnealingLR(T_max=8), LinearLR(total_iters=4)],
    ids=["step", "cosine", "warm-up"],
)
def test_check_with_a_schedule_passes_on_data(method: str, schedule: Any) -> None:
    options = OPTIONS[method][-1]
    report = emit(LOGISTIC, method).check(
        dps=50, data=DATA, lr=0.2, steps=10, schedule=schedule, **options
    )
    assert report.ok, report.summary()


@pytest.mark.parametrize("method", ["gd", "adam", "rmsprop"])
def test_check_catches_an_update_skewed_by_one_part_in_a_billion(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference interprets the spec itself, so a wrong emitted update fails the check."""
    rule = emit(SMOOTH, method)
    real = rule._namespace["update"]

    def skewed(*args: Any, **kwargs: Any) -> Any:
        u, state = real(*args, **kwargs)
        return u * (1 + 1e-9), state

    monkeypatch.setitem(rule._namespace, "update", skewed)
    report = rule.check(dps=30, theta0=[0.8, 0.7], lr=0.01, steps=5)
    assert [i.name for i in report.items if i.status == "failed"] == ["trajectory"]


def test_fifty_parameters_check_with_adam() -> None:
    obj = Objective("(dot(w, x) - y)**2 + norm(w)**2/10", params="w:50", data="x:50 y")
    report = emit(obj, "adam").check(dps=50, lr=0.01, steps=5, rows=3)
    assert report.ok, report.summary()


# -- the functional form


def functional(rule: Any, theta0: np.ndarray, steps: int, data: Any, **options: Any) -> np.ndarray:
    state = rule.init(theta0, **options)
    theta, path = np.array(theta0, dtype=float), [np.array(theta0, dtype=float)]
    for _ in range(steps):
        grads = rule.gradient(theta, data)
        extra = {"hessian": rule.hessian(theta, data)} if rule.spec.hessian else {}
        updates, state = rule.update(grads, state, theta, **extra)
        theta = theta + updates
        path.append(theta)
    return np.array(path)


@pytest.mark.parametrize(("method", "options"), CASES, ids=IDS)
def test_functional_form_equals_run_exactly(method: str, options: dict[str, Any]) -> None:
    obj, data = (SMOOTH, None) if method == "newton" else (LOGISTIC, DATA)
    theta0 = np.array([0.8, 0.7]) if method == "newton" else np.linspace(-0.3, 0.3, 5)
    rule = emit(obj, method)
    lr = 0.5 if method == "newton" else 0.1
    path = rule.run(theta0, 15, lr, data=data, **options)
    assert np.array_equal(functional(rule, theta0, 15, data, lr=lr, **options), path)


def test_functional_form_follows_a_schedule_like_run() -> None:
    rule = emit(LOGISTIC, "adam")
    theta0 = np.zeros(5)
    cosine = CosineAnnealingLR(T_max=10, eta_min=0.01)
    path = rule.run(theta0, 12, 0.3, data=DATA, schedule=cosine)
    assert np.array_equal(functional(rule, theta0, 12, DATA, lr=0.3, schedule=cosine), path)


def test_state_is_immutable_and_keyed_as_torch() -> None:
    rule = emit(LOGISTIC, "rmsprop")
    state = rule.init(np.zeros(5), lr=0.01, centered=True)
    assert state.step == 0 and set(state.buffers) == {"square_avg", "momentum_buffer", "grad_avg"}
    assert state.hyperparams["alpha"] == 0.99 and state.hyperparams["centered"] is True
    with pytest.raises(ValueError, match="read-only"):
        state.buffers["square_avg"][0] = 1.0
    _, after = rule.update(np.ones(5), state, np.zeros(5))
    assert after.step == 1 and state.step == 0
    assert np.all(state.buffers["square_avg"] == 0) and np.all(after.buffers["square_avg"] > 0)


def test_step_returns_state_that_continues_the_run() -> None:
    rule = emit(LOGISTIC, "nesterov")
    theta, state = np.zeros(5), None
    for _ in range(6):
        theta, state = rule.step(theta, 0.1, state, momentum=0.9, data=DATA)
    assert np.array_equal(theta, rule.run(np.zeros(5), 6, 0.1, 0.9, DATA)[-1])
    bound = rule.bind(DATA)
    theta, state = np.zeros(5), None
    for _ in range(6):
        theta, state = bound.step(theta, 0.1, state, momentum=0.9)
    assert np.array_equal(theta, rule.run(np.zeros(5), 6, 0.1, 0.9, DATA)[-1])


def test_newton_weight_decay_is_the_l2_penalty() -> None:
    """Newton with weight decay λ steps exactly as Newton on L + λ‖θ‖²/2."""
    decayed = emit(SMOOTH, "newton").run([0.8, 0.7], 5, 1.0, weight_decay=0.5)
    penalised = emit(
        Objective("(1 - a)**2 + 10*(c - a**2)**2 + exp(a*c)/10 + (a**2 + c**2)/4", "a c"),
        "newton",
    ).run([0.8, 0.7], 5, 1.0)
    assert np.allclose(decayed, penalised, rtol=1e-13, atol=1e-15)


# -- options and errors


BAD: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, betas=(0.9, 1.0)),
        OptionError,
        r"betas\[1\] must be a number in \[0, 1\)",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, betas=0.9),
        OptionError,
        "betas must be 2 numbers",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, amsgrad=1),
        OptionError,
        "amsgrad must be True or False",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, momentum=0.9),
        OptionError,
        "adam takes no option 'momentum'",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, alpha=0.9),
        OptionError,
        r"its options: lr, betas, eps, weight_decay, amsgrad",
    ),
    (
        lambda: emit(SMOOTH, "gd").run([0, 0], 2, 0.1, momentum=0.9),
        OptionError,
        "gd fixes momentum = 0.0.*method='momentum'",
    ),
    (
        lambda: emit(SMOOTH, "nesterov").run([0, 0], 2, 0.1, 0.9, dampening=0.1),
        OptionError,
        "nesterov fixes dampening",
    ),
    (
        lambda: emit(SMOOTH, "rmsprop").run([0, 0], 2, 0.1, eps=-1.0),
        OptionError,
        "eps must be a non-negative finite number",
    ),
    (
        lambda: emit(SMOOTH, "adagrad").run([0, 0], 2, 0.1, weight_decay=float("inf")),
        OptionError,
        "weight_decay must be a non-negative",
    ),
    (
        lambda: emit(SMOOTH, "adagrad").run([0, 0], 2, 0.1, lr_decay="0.1"),
        OptionError,
        "lr_decay must be a number, got str",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, eps=10**400),
        OptionError,
        "eps must be a finite float64 number",
    ),
    (
        lambda: emit(SMOOTH, "adam").run([0, 0], 2, 0.1, schedule="cosine"),
        OptionError,
        "schedule must be a learning-rate schedule",
    ),
    (
        lambda: emit(SMOOTH, "adam").update(np.zeros(2), None, np.zeros(2)),
        OptionError,
        "state must be the OptState that adam's init",
    ),  # type: ignore[arg-type]
    (
        lambda: emit(SMOOTH, "adam").update(np.zeros(2), emit(SMOOTH, "gd").init([0, 0]), [0, 0]),
        OptionError,
        "state must be the OptState",
    ),
    (
        lambda: emit(SMOOTH, "newton").update(
            np.zeros(2), emit(SMOOTH, "newton").init([0, 0]), [0, 0]
        ),
        OptionError,
        "Newton's update needs the Hessian",
    ),
    (
        lambda: emit(SMOOTH, "adam").update(np.zeros(3), emit(SMOOTH, "adam").init([0, 0]), [0, 0]),
        ObjectiveError,
        r"grads must have shape \(2,\)",
    ),
    (
        lambda: emit(SMOOTH, "adam").init([0, 0], lr=-1.0),
        OptionError,
        "lr must be a positive finite number",
    ),
    (lambda: StepLR(step_size=0), OptionError, "StepLR: step_size must be a whole number ≥ 1"),
    (
        lambda: CosineAnnealingLR(T_max=10, eta_min=-1),
        OptionError,
        r"eta_min must be in \[0, inf\]",
    ),
    (lambda: LinearLR(start_factor=0.0), OptionError, r"start_factor must be in \(0, 1\]"),
    (
        lambda: emit(LOGISTIC, "adam").run(np.zeros(5), 2, 0.1),
        ObjectiveError,
        "data is missing 'x'",
    ),
    (lambda: emit(LOGISTIC, "adam").check(data={"x": X}), ObjectiveError, "data is missing 'y'"),
    (
        lambda: emit(LOGISTIC, "adam").step(np.zeros(5), 0.1, data={"y": Y}),
        ObjectiveError,
        "data is missing 'x'",
    ),
    (
        lambda: emit(Objective("alpha*w**2", "w"), "rmsprop"),
        ObjectiveError,
        "the name 'alpha' is reserved",
    ),
]


@pytest.mark.parametrize(("call", "kind", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_options_are_errors_naming_them(
    call: Callable[[], Any], kind: type[Exception], message: str
) -> None:
    with pytest.raises(kind, match=message):
        call()


def test_newton_update_on_an_indefinite_hessian_is_a_numeric_error() -> None:
    rule = emit(Objective("(1 - a)**2 + 100*(c - a**2)**2", "a c"), "newton")
    state = rule.init([0.5, 0.5])
    with pytest.raises(NumericError, match="not positive definite"):
        rule.update(rule.gradient([0.5, 0.5]), state, [0.5, 0.5], hessian=rule.hessian([0.5, 0.5]))


def test_defaults_are_torchs() -> None:
    assert emit(SMOOTH, "adamw").init([0, 0]).hyperparams == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 1e-2,
        "amsgrad": False,
    }
    assert emit(SMOOTH, "adagrad").init([0, 0]).hyperparams["eps"] == 1e-10
    assert emit(SMOOTH, "rmsprop").init([0, 0]).hyperparams["lr"] == 1e-2


# -- the emitted module


MODULE_LOSSES = [
    LOGISTIC,
    SMOOTH,
    Objective("erf(w*x) + (w - b)**2", "w b"),
    Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:100 b", data="x:100 y"),
]


MODULES = [  # Newton prints a Hessian entry by entry: not for 101 parameters
    (m, k) for m in METHODS for k in range(len(MODULE_LOSSES)) if m != "newton" or k < 3
]


@pytest.mark.parametrize(("method", "k"), MODULES, ids=[f"{m}-{k}" for m, k in MODULES])
def test_module_lines_fit_and_every_helper_is_used(method: str, k: int) -> None:
    obj = MODULE_LOSSES[k]
    source = emit(obj, method).source()
    assert max(len(line) for line in source.splitlines()) <= 100
    tree = ast.parse(source)
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert defined & set(HELPERS) <= called
    assert {"loss", "gradient", "init", "update", "step", "run"} <= defined
    assert ("_math_erf" in source) == ("_erf(" in source)


def test_module_docstring_carries_the_specs_equations() -> None:
    rule = emit(LOGISTIC, "rmsprop")
    assert rule.latex() == equations(SPECS["rmsprop"])
    for line in rule.latex().splitlines():
        assert line.strip() in rule.source()
    assert r"\sqrt{v} + \epsilon" in rule.latex() or r"\epsilon + \sqrt{v}" in rule.latex()


def test_standalone_module_without_data_names_the_missing_data(tmp_path: Any) -> None:
    (tmp_path / "step.py").write_text(emit(LOGISTIC, "adam").source())
    script = (
        "import sys; sys.modules['derive'] = None; sys.path.insert(0, '.'); import step\n"
        "step.run([0.0] * 5, 3, 0.1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert re.search(r"run\(\) missing 2 required keyword-only arguments: 'x' and 'y'", done.stderr)


def test_standalone_module_runs_adam_with_a_schedule_as_the_rule_does(tmp_path: Any) -> None:
    rule = emit(LOGISTIC, "adam")
    cosine = CosineAnnealingLR(T_max=10)
    expected = rule.run(np.zeros(5), 10, 0.1, data=DATA, schedule=cosine, amsgrad=True)
    namespace: dict[str, Any] = {}
    exec(compile(rule.source(), "step.py", "exec"), namespace)
    rates = cosine.rates(0.1, 10)
    got = namespace["run"](np.zeros(5), 10, rates, amsgrad=True, x=X, y=Y)
    assert np.array_equal(got, expected)
