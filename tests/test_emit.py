"""Emitted update rules agree with textbook implementations written here, independently."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import numpy as np
import pytest

from derive import NumericError, Objective, ObjectiveError, emit
from derive.examples import SIGMOID_NEURON


def assert_close_ulps(got: np.ndarray, want: np.ndarray, ulps: float) -> None:
    scale = np.spacing(np.maximum(np.abs(want), np.max(np.abs(want), axis=-1, keepdims=True)))
    assert np.all(np.abs(got - want) <= ulps * scale), np.max(np.abs(got - want) / scale)


# hand-written gradients, straight from the formulas
def quad_grad(t: np.ndarray) -> np.ndarray:
    return np.array([2 * (t[0] - 1) + t[1], 6 * t[1] + t[0]])


def rosen_grad(t: np.ndarray) -> np.ndarray:
    a, c = t
    return np.array([-2 * (1 - a) - 400 * a * (c - a**2), 200 * (c - a**2)])


RNG = np.random.default_rng(7)
X = RNG.normal(size=(200, 5))
Y = np.where(RNG.normal(size=200) > 0, 1.0, -1.0)


def logistic_grad(t: np.ndarray) -> np.ndarray:
    w, b = t[:5], t[5]
    margin = Y * (X @ w + b)
    s = -Y / (1 + np.exp(margin))
    return np.concatenate([X.T @ s / len(Y), [s.mean()]])


def neuron_grad(t: np.ndarray) -> np.ndarray:
    w, b = t
    total = np.zeros(2)
    for x, y in ((0.5, 0.2), (2.5, 0.9)):
        f = 1 / (1 + np.exp(-(w * x + b)))
        total += (f - y) * f * (1 - f) * np.array([x, 1.0])
    return total


CASES: list[tuple[str, Objective, Callable[[np.ndarray], np.ndarray], dict, np.ndarray, float]] = [
    (
        "quadratic",
        Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"),
        quad_grad,
        {},
        np.array([2.0, -1.0]),
        0.1,
    ),
    (
        "rosenbrock",
        Objective("(1 - a)**2 + 100*(c - a**2)**2", "a c"),
        rosen_grad,
        {},
        np.array([-1.2, 1.0]),
        1e-3,
    ),
    (
        "logistic",
        Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:5 b", data="x:5 y"),
        logistic_grad,
        {"x": X, "y": Y},
        np.zeros(6),
        0.5,
    ),
    ("sigmoid neuron", SIGMOID_NEURON, neuron_grad, {}, np.array([0.0, 0.0]), 1.0),
]


def textbook(
    method: str,
    grad: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    steps: int,
    lr: float,
    mu: float,
) -> np.ndarray:
    path, v = [theta.copy()], None
    for _ in range(steps):
        g = grad(theta)
        if method == "gd":
            theta = theta - lr * g
        else:
            v = g.copy() if v is None else mu * v + g
            theta = theta - lr * (v if method == "momentum" else g + mu * v)
        path.append(theta.copy())
    return np.array(path)


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize(
    ("name", "obj", "grad", "data", "theta0", "lr"), CASES, ids=[c[0] for c in CASES]
)
def test_trajectories_match_textbook_implementations(
    method: str,
    name: str,
    obj: Objective,
    grad: Callable,
    data: dict,
    theta0: np.ndarray,
    lr: float,
) -> None:
    rule = emit(obj, method)
    mu = 0.9 if method != "gd" else 0.0
    got = rule.run(theta0, 20, lr, momentum=mu, data=data)
    want = textbook(method, grad, theta0, 20, lr, mu)
    assert got.shape == (21, len(theta0))
    assert_close_ulps(got, want, ulps=64)


def test_newton_converges_on_rosenbrock_and_matches_solving_by_hand() -> None:
    rule = emit(Objective("(1 - a)**2 + 100*(c - a**2)**2", "a c"), "newton")
    theta = np.array([0.9, 0.8])
    a, c = theta
    hand = np.array([[2 - 400 * (c - 3 * a**2), -400 * a], [-400 * a, 200.0]])
    expected = theta - np.linalg.solve(hand, rosen_grad(theta))
    new, _ = rule.step(theta, lr=1.0)
    assert_close_ulps(new, expected, ulps=16)
    path = rule.run(theta, 8, 1.0)
    assert np.allclose(path[-1], [1.0, 1.0], atol=1e-12)


def test_newton_refuses_a_hessian_that_is_not_positive_definite() -> None:
    rule = emit(Objective("(1 - a)**2 + 100*(c - a**2)**2", "a c"), "newton")
    with pytest.raises(NumericError, match="not positive definite"):
        rule.run([0.5, 0.5], 3, 1.0)


def test_seed_003_gradient_descent_on_2x_squared() -> None:
    rule = emit(Objective("2*x**2", "x"), "gd")
    assert rule.run([1.0], 2, 0.1)[:, 0].tolist() == [1.0, 0.6, 0.36]
    assert abs(rule.run([1.0], 60, 0.6)[-1, 0]) > 1e6  # lr > 1/2 diverges
    assert abs(rule.run([1.0], 60, 0.4)[-1, 0]) < 1e-6


def test_vector_gradient_uses_array_operations_not_scalar_expressions() -> None:
    rule = emit(Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:100 b", data="x:100 y"))
    source = rule.source()
    assert "x @ w" in source and "x.T @" in source
    assert "w_17" not in source and len(source) < 6000


def test_source_runs_in_a_fresh_interpreter_with_numpy_only(tmp_path: object) -> None:
    obj = Objective(
        "log(1 + exp(-y*(dot(w, x) + b))) + norm(w)**2/100", params="w:5 b", data="x:5 y"
    )
    rule = emit(obj, "nesterov")
    expected = rule.run(np.full(6, 0.1), 15, 0.3, momentum=0.8, data={"x": X, "y": Y})
    path = tmp_path / "step.py"  # type: ignore[operator]
    path.write_text(rule.source())
    np.save(tmp_path / "x.npy", X)  # type: ignore[operator]
    np.save(tmp_path / "y.npy", Y)  # type: ignore[operator]
    script = textwrap.dedent(
        """
        import sys, numpy as np
        sys.modules["derive"] = None  # derive must not be needed
        sys.path.insert(0, ".")
        import step
        x, y = np.load("x.npy"), np.load("y.npy")
        np.save("out.npy", step.run(np.full(6, 0.1), 15, 0.3, 0.8, x=x, y=y))
        """
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert np.array_equal(np.load(tmp_path / "out.npy"), expected)  # type: ignore[operator]


def test_source_documents_the_rule_and_the_objective() -> None:
    text = emit(Objective("2*x**2", "x"), "momentum").source()
    assert text.startswith('r"""momentum update rule for the loss')
    assert "L(x) = 2*x**2" in text
    assert r"b \leftarrow \mu b + g" in text
    assert "import numpy as np" in text and "import derive" not in text


def test_scalar_data_values_are_substituted() -> None:
    rule = emit(Objective("(w*x + b - y)**2", "w b"))
    with_arrays = rule.gradient([0.5, 0.1], {"x": np.array([2.0, 2.0]), "y": np.array([1.0, 1.0])})
    with_scalars = rule.gradient([0.5, 0.1], {"x": 2.0, "y": 1.0})
    assert np.array_equal(with_arrays, with_scalars)


RULE = emit(Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:3 b", data="x:3 y"), "momentum")
GOOD = {"x": np.ones((4, 3)), "y": np.ones(4)}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: RULE.run(np.zeros(3), 2, 0.1, 0.9, GOOD),
            r"theta0 must have shape \(4,\), got \(3,\)",
        ),
        (lambda: RULE.run([0, 0, 0, np.nan], 2, 0.1, 0.9, GOOD), "theta0 contains NaN or infinity"),
        (lambda: RULE.run(np.zeros(4), 2, -0.1, 0.9, GOOD), "lr must be a positive finite number"),
        (
            lambda: RULE.run(np.zeros(4), 2, float("nan"), 0.9, GOOD),
            "lr must be a positive finite number",
        ),
        (lambda: RULE.run(np.zeros(4), 2, 0.1, 0.0, GOOD), "momentum needs momentum > 0"),
        (lambda: RULE.run(np.zeros(4), -1, 0.1, 0.9, GOOD), "steps must be a whole number"),
        (lambda: RULE.run(np.zeros(4), 2, 0.1, 0.9, {"x": np.ones((4, 3))}), "data is missing 'y'"),
        (lambda: RULE.run(np.zeros(4), 2, 0.1, 0.9, {**GOOD, "z": 1}), "data names 'z'"),
        (
            lambda: RULE.run(np.zeros(4), 2, 0.1, 0.9, {"x": np.ones((4, 2)), "y": np.ones(4)}),
            r"data\['x'\] must be an N×3 array",
        ),
        (
            lambda: RULE.run(np.zeros(4), 2, 0.1, 0.9, {"x": np.ones((4, 3)), "y": np.ones(5)}),
            r"data\['y'\] has 5 rows, but other data have 4",
        ),
        (
            lambda: RULE.run(
                np.zeros(4), 2, 0.1, 0.9, {"x": np.full((4, 3), np.inf), "y": np.ones(4)}
            ),
            r"data\['x'\] contains NaN",
        ),
        (lambda: RULE.run("abc", 2, 0.1, 0.9, GOOD), "theta0 must be an array of 4 numbers"),
        (
            lambda: emit(Objective("x**2", "x"), "adamax"),
            "method must be one of gd, momentum, nesterov, newton, adam",
        ),
        (lambda: emit(Objective("np**2 + x", "x")), "the name 'np' is reserved"),
        (lambda: RULE.hessian(np.zeros(4), GOOD), "only a Newton rule carries a Hessian"),
    ],
)
def test_bad_input_raises_errors_naming_the_argument(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ObjectiveError, match=message):
        call()


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "newton"])
def test_check_passes_for_every_method(method: str) -> None:
    obj = Objective("(1 - a)**2 + 10*(c - a**2)**2 + exp(a*c)/10", "a c")
    report = emit(obj, method).check(
        dps=40, theta0=[0.8, 0.7], lr=1.0 if method == "newton" else 1e-3, steps=15
    )
    assert report.ok, report.summary()
    names = [item.name for item in report.items]
    assert (
        "gradient" in names and "trajectory" in names and "differentiation (mpmath.diff)" in names
    )
    assert ("hessian" in names) == (method == "newton")


def test_check_observes_descent_below_the_bound_for_a_quadratic() -> None:
    report = emit(Objective("(w*x + b - y)**2", "w b")).check(dps=30, steps=30)
    descent = next(item for item in report.items if item.name == "descent")
    assert descent.status == "passed"


def test_check_catches_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = emit(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))
    real = rule._namespace["gradient"]
    monkeypatch.setitem(rule._namespace, "gradient", lambda theta: real(theta) * (1 + 1e-12))
    report = rule.check(dps=30, theta0=[1.5, -0.5], lr=0.1, steps=3)
    assert not report.ok
    failed = [item.name for item in report.items if item.status == "failed"]
    assert "gradient" in failed


def test_logistic_loss_and_gradient_stay_finite_for_huge_margins() -> None:
    rule = emit(Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:2 b", data="x:2 y"))
    data = {"x": np.array([[1000.0, 0.0], [-1000.0, 0.0]]), "y": np.array([-1.0, 1.0])}
    assert rule.loss([1.0, 0.0, 0.0], data) == 1000.0  # log(1 + e^1000), exactly 1000 in float64
    assert np.array_equal(rule.gradient([1.0, 0.0, 0.0], data), [1000.0, 0.0, 0.0])
    source = rule.source()
    assert "_sigmoid(" in source and "_xp.logaddexp(0," in source


def test_stabilise_rewrites_only_by_identities() -> None:
    import sympy

    from derive.codegen import Sigmoid, Softplus, stabilise

    a = sympy.Symbol("a", real=True)
    assert stabilise(sympy.log(1 + sympy.exp(a))) == Softplus(a)
    assert stabilise(1 / (1 + sympy.exp(-a))) == Sigmoid(a)
    assert stabilise(sympy.exp(a) / (1 + sympy.exp(a)) ** 2) == Sigmoid(a) * Sigmoid(-a)
    for value in (-3, 0, 2):
        for expr in (
            sympy.exp(a) / (1 + sympy.exp(a)) ** 2,
            sympy.log(1 + sympy.exp(2 * a)) / (1 + sympy.exp(a)),
        ):
            stable = (
                stabilise(expr)
                .replace(Sigmoid, lambda t: 1 / (1 + sympy.exp(-t)))
                .replace(Softplus, lambda t: sympy.log(1 + sympy.exp(t)))
            )
            assert abs(sympy.N((stable - expr).subs(a, value), 30)) < 1e-25
