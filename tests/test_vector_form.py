"""Derivations at model scale: gradients, Hessians and gradient descent with vector
parameters kept whole, proved for every length."""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import derive as dv
from derive.kernel import (
    Derivation,
    Diag,
    Identity,
    Outer,
    Step,
    VectorSum,
    VectorSymbol,
    verify,
)
from derive.kernel.sums import instance
from derive.library.vector_calculus import block_gradient, block_hessian, vector_calculus

LOSSES = [
    ("log(1 + exp(-y*(dot(w, x) + b)))", "w:3 b", "x:3 y"),
    ("(dot(w, x) + b - y)**2", "w:3 b", "x:3 y"),
    ("(dot(w, x) + b - y)**2 + lam*norm(w)**2", "w:3 b", "x:3 y"),
    ("log(sum(exp(w*x))) + b**2", "w:3 b", "x:3"),
    ("tanh(dot(w, x) + c*dot(v, x))**2 + norm(w - v)**2", "w:3 v:3 c", "x:3"),
    ("sqrt(1 + norm(w)**2) + sum(w**4)/4 + dot(w, x)*b", "w:3 b", "x:3"),
]


def _values(obj: dv.Objective, rng: random.Random) -> dict[str, object]:
    values: dict[str, object] = {}
    for block in (*obj.blocks, *obj.data_blocks):
        pick = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(3)]
        values[block.name] = pick if block.length else pick[0]
    return values


def _point(obj: dv.Objective, values: dict[str, object]) -> dict[sympy.Symbol, object]:
    at: dict[sympy.Symbol, object] = {}
    for block in (*obj.blocks, *obj.data_blocks):
        value = values[block.name]
        for i, s in enumerate(block.symbols):
            at[s] = value[i] if block.length else value  # type: ignore[index]
    return at


def _entry(block: object, i: int, j: int, values: dict[str, object]) -> object:
    """Entry (i, j) of a Hessian block written with Outer and Diag, on an instance."""
    total = sympy.Integer(0)
    for term in sympy.Add.make_args(sympy.expand(block)):
        (m,) = [f for f in sympy.Mul.make_args(term) if isinstance(f, (Outer, Diag))]
        c = instance(term / m, values)
        if isinstance(m, Outer):
            total += c * instance(m.args[0], values, i) * instance(m.args[1], values, j)
        elif i == j:
            total += c * instance(m.args[0], values, i)
    return total


@pytest.mark.parametrize(("loss", "params", "data"), LOSSES)
def test_vector_gradients_and_hessians_equal_the_componentwise_ones(
    loss: str, params: str, data: str
) -> None:
    obj = dv.Objective(loss, params=params, data=data)
    rng = random.Random(loss)
    f = obj.structured
    flat = [(b, i) for b in obj.blocks for i in range(b.length or 1)]
    gradient, hessian = obj.gradient(), obj.hessian()
    for _ in range(2):
        values = _values(obj, rng)
        at = _point(obj, values)
        for k, (b, i) in enumerate(flat):
            mine = instance(block_gradient(f, b.representative), values, i)
            assert sympy.N(mine - gradient[k].xreplace(at), 30) == pytest.approx(0, abs=1e-20)
        for k, (a, i) in enumerate(flat):
            for m, (c, j) in enumerate(flat):
                block = block_hessian(f, a.representative, c.representative)
                if a.length and c.length:
                    mine = _entry(block, i, j, values)
                else:
                    mine = instance(block, values, i if a.length else j)
                want = hessian[k, m].xreplace(at)
                assert sympy.N(mine - want, 30) == pytest.approx(0, abs=1e-20), (k, m)


@pytest.mark.parametrize(("loss", "params", "data"), LOSSES)
def test_vector_calculus_is_proved_by_the_kernel(loss: str, params: str, data: str) -> None:
    report = vector_calculus(dv.Objective(loss, params=params, data=data)).verify()
    assert report.ok, report.summary()


@pytest.mark.parametrize("n", [10, 10000])
def test_gradient_descent_in_vector_form_verifies_at_every_length(n: int) -> None:
    obj = dv.Objective("log(1 + exp(-y*(dot(w, x) + b)))", params=f"w:{n} b", data=f"x:{n} y")
    d = dv.gradient_descent(obj)
    report = d.verify()
    assert report.ok, report.summary()
    assert r"\nabla_{w} \mathcal{L}" in d.latex()
    assert "w_{2}" not in d.latex()  # no component is written out


def test_the_latex_does_not_grow_with_the_length() -> None:
    def size(n: int) -> int:
        obj = dv.Objective(
            "(dot(w, x) + b - y)**2 + lam*norm(w)**2", params=f"w:{n} b", data=f"x:{n} y"
        )
        return len(dv.gradient_descent(obj).document())

    assert size(10000) <= 1.01 * size(10)


def test_componentwise_form_stays_available_on_request() -> None:
    obj = dv.Objective("(dot(w, x) + b - y)**2", params="w:2 b", data="x:2 y")
    d = dv.gradient_descent(obj, form="lecture")
    assert d.verify().ok
    assert "update-w_1" in {s.label for s in d.steps}


def test_a_scalar_only_loss_keeps_the_seeds_componentwise_lecture() -> None:
    d = dv.gradient_descent(dv.Objective("(w*x + b - y)**2", "w b"))
    assert {"update-w", "update-b"} <= {s.label for s in d.steps}


@pytest.mark.parametrize(
    ("label", "change"),
    [
        ("gradient-w", lambda rhs: 2 * rhs),
        ("hessian-w-w", lambda rhs: rhs + Diag(1)),
        ("hessian-w-b", lambda rhs: -rhs),
        ("taylor", lambda rhs: rhs + sympy.Symbol("eta", real=True) ** 2),
        ("update-w", lambda rhs: rhs + sympy.Symbol("eta", real=True)),
    ],
)
def test_a_corrupted_vector_step_is_caught(label: str, change: object) -> None:
    obj = dv.Objective("(dot(w, x) + b - y)**2 + norm(w)**2", params="w:50 b", data="x:50 y")
    d = dv.gradient_descent(obj)
    step = d.step(label)
    bad = d.replace_step(label, Step(step.lhs, step.rel, change(step.rhs), step.why, step.rule))
    report = bad.verify()
    assert not report.ok
    assert report.steps[d.index(label)].status != "proved"


def test_a_name_used_as_vector_and_number_is_never_proved() -> None:
    w = VectorSymbol("w")
    step = Step(VectorSum(w, 3), "=", 3 * sympy.Symbol("w", real=True), "", Identity())
    report = verify(Derivation("clash", (step,), ()))
    assert not report.ok
    assert "both a vector and a number" in report.steps[0].reason


def test_the_square_of_a_sum_is_not_the_sum_of_squares() -> None:
    w, x = VectorSymbol("w"), VectorSymbol("x")
    d = Derivation(
        "false",
        (Step(VectorSum(w * x, 2) ** 2, "=", VectorSum(w**2 * x**2, 2), "", Identity()),),
        (),
    )
    step = verify(d).steps[0]
    assert step.status == "failed"  # length 2: the counterexample is a real one


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-3, 3), b=st.integers(-3, 3), c=st.integers(-3, 3), k=st.integers(1, 3))
def test_random_false_identities_between_sums_are_never_proved(
    a: int, b: int, c: int, k: int
) -> None:
    w, x = VectorSymbol("w"), VectorSymbol("x")
    lhs = VectorSum((a * w + b * x) ** 2, 5)
    rhs = a**2 * VectorSum(w**2, 5) + b**2 * VectorSum(x**2, 5) + c * VectorSum(w * x, 5) ** k
    true = (c == 2 * a * b and k == 1) or (a * b == 0 and c == 0)
    status = verify(Derivation("random", (Step(lhs, "=", rhs, "", Identity()),), ())).steps[0]
    if true:
        assert status.status in ("proved", "vacuous")  # vacuous: both sides written alike
    else:
        assert status.status != "proved"


def test_steepest_descent_in_high_dimension_keeps_uᵀg_whole() -> None:
    small, large = dv.steepest_descent(dim=100), dv.steepest_descent(dim=512)
    assert large.verify().ok
    assert len(large.latex()) == len(small.latex())


def test_emit_keeps_working_on_vector_objectives() -> None:
    obj = dv.Objective("(dot(w, x) + b - y)**2 + lam*norm(w)**2", params="w:4 b", data="x:4 y")
    assert dv.emit(obj, method="gd").check(dps=30).ok


def test_the_taylor_expansion_keeps_the_blocks_of_theta_whole() -> None:
    from derive.library.expansion import taylor_expansion

    obj = dv.Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:500 b", data="x:500 y")
    d = taylor_expansion(obj, 2)
    assert d.verify().ok
    tex = d.latex()
    assert r"u^\top \nabla^2\mathcal{L}\, u" in tex and r"\nabla^2_{ww} \mathcal{L}" in tex
    assert "w_{1}" not in tex


def test_the_howto_example_runs_and_is_in_the_index() -> None:
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs"
    text = (docs / "howto" / "vectors.rst").read_text()
    block = re.search(r"   :caption: vectors.py\n\n((?:(?:   .*)?\n)+)", text)
    assert block is not None
    code = "\n".join(line[3:] for line in block.group(1).splitlines())
    exec(compile(code, "docs/howto/vectors.rst: vectors.py", "exec"), {"__name__": "__main__"})
    assert re.search(r"^   howto/vectors$", (docs / "index.rst").read_text(), flags=re.M)


@pytest.mark.parametrize(
    ("loss", "params", "data"),
    [
        ("dot(w, x)**2 + norm(v)**2 + c**2", "w:3 v:5 c", "x:3"),
        ("sqrt(1 + norm(w - v)**2) + dot(v, x)**2", "w:40 v:40", "x:40"),
        ("exp(-b*dot(w, x))*cos(b)", "w:7 b", "x:7"),
    ],
)
def test_vectors_of_different_lengths_roots_and_large_exponentials_verify(
    loss: str, params: str, data: str
) -> None:
    report = dv.gradient_descent(dv.Objective(loss, params=params, data=data)).verify()
    assert report.ok, report.summary()


def test_a_loss_not_differentiable_at_zero_is_left_unproved_with_its_reason() -> None:
    report = dv.gradient_descent(dv.Objective("norm(w)", params="w:5")).verify()
    assert not report.ok
    assert "not provably defined and real" in report.summary()


def test_a_lecture_on_a_loss_with_vector_parameters_is_in_vector_form() -> None:
    from derive.errors import PointError
    from derive.userlecture import user_lecture

    obj = dv.Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:1000 b", data="x:1000 y")
    lec = user_lecture(obj)
    headings = [p.heading for p in lec.parts]
    assert headings[0] == "The gradient and the Hessian, by blocks"
    assert "Cauchy–Schwarz: the best direction" in headings
    assert all(p.derivation.verify().ok for p in lec.parts)
    tex = lec.document()
    assert r"\nabla_{w} \mathcal{L}" in tex and "w_{1}" not in tex
    with pytest.raises(PointError, match="vector form"):
        user_lecture(obj, at={"w": 0, "b": 0})
