"""Each generated lecture teaches what its seed note teaches, in the note's notation, in a
brief form of at most three pages, and verifies in full."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy

from derive.errors import OptionError
from derive.lectures import LECTURES, lecture

# The seeds' claims, as the steps a reader of each lecture's brief form sees.
COVERS = {
    # seed 000: gradient example, Taylor with the second-order term, descent condition, cos β
    0: {
        "example-w",
        "example-b",
        "taylor",
        "first-order",
        "descent-condition",
        "decrease",
        "k-lower",
        "k-upper",
        "cos-lower",
        "cos-upper",
        "angle-180",
        "only-180",
    },
    # seed 001: η² ≪ 1 (first order), the descent condition, ±‖u‖‖∇L‖, cos β = −1, updates
    1: {
        "first-order",
        "descent-condition",
        "cauchy-schwarz",
        "angle-lower",
        "angle-upper",
        "angle-180",
        "update-w",
        "update-b",
    },
    # seed 002: the linear model in the red circle, its minimiser (a, b) − η(u, v), Newton
    2: {
        "linear-model",
        "bound",
        "attained",
        "minimiser-theta_1",
        "minimiser-theta_2",
        "update-theta_1",
        "update-theta_2",
        "model",
        "minimum",
    },
    # seed 003: derivative set to zero, the update rule, the iterates, the step-size remark
    3: {
        "derivative",
        "stationary",
        "convex",
        "update-x",
        "iterate-1",
        "iterate-2",
        "no-overshoot",
        "no-contraction",
        "oscillates",
    },
}

# The seeds' notation and words, as they must appear in each lecture's Markdown.
WORDS = {
    0: ["θ = [w, b]", "θ + ηu", "cos β", "β = 180°", r"\sigma(z)", "2w", "2b"],
    1: ["η² ≪ η", "Cauchy–Schwarz", "update equations", r"\sigma(z)"],
    2: [
        "θ₁",
        "θ₂",
        "(a, b)",
        "red circle",
        "radius d",
        "s = ℒ(a, b)",
        "u = ∂ℒ(a, b)/∂θ₁",
        "Newton",
        "Hessian",
    ],
    3: ["α = 0.1", "x₀ = 1", "0.6", "0.36", "oscillate", "2/λ_max = 1/2", "Exercise 3"],
}


@pytest.mark.parametrize("number", sorted(COVERS))
def test_lecture_shows_every_claim_of_its_note_and_verifies(number: int) -> None:
    lec = lecture(number)
    assert COVERS[number] <= lec.labels()
    assert lec.verify()
    tex = lec.document()
    assert "NOT verified" not in tex
    md = lec.markdown()
    for word in WORDS[number]:
        assert word in md, word


def test_lectures_do_not_repeat_each_other() -> None:
    zero, one = lecture(0).labels(), lecture(1).labels()
    assert len(zero & one) <= len(zero) // 2
    assert lecture(0).markdown() != lecture(1).markdown()


def test_lecture_3_has_the_exact_iterates_of_seed_003() -> None:
    lec = lecture(3)
    column = [row[1] for row in lec.table]
    assert column[:3] == [1, sympy.Rational(3, 5), sympy.Rational(9, 25)]
    step = lec.parts[2].derivation.step("iterate-1")
    assert step.rhs == sympy.Rational(3, 5)


def test_lecture_3_has_three_exercises_with_checked_solutions() -> None:
    lec = lecture(3)
    assert len(lec.exercises) >= 3
    for exercise in lec.exercises:
        assert exercise.solution.verify().ok
    first = lec.exercises[0].solution
    assert [first.step(f"iterate-{k}").rhs for k in (1, 2)] == [
        sympy.Rational(1, 5),
        sympy.Rational(1, 25),
    ]
    assert lec.exercises[2].solution.step("update").rhs == sympy.ImmutableMatrix(
        [sympy.Rational(12, 11), sympy.Rational(-2, 11)]
    )


def test_the_full_form_has_every_checked_step_in_an_appendix() -> None:
    lec = lecture(1)
    brief, full = lec.document(), lec.document(full=True)
    assert "Appendix" in full and "Appendix" not in brief
    (d,) = lec.derivations()
    assert full.count(r"\checkmark") >= brief.count(r"\checkmark") + len(d.steps) - 5
    assert brief.count("Step ") < len(d.steps)


def test_lecture_markdown_has_every_section() -> None:
    lec = lecture(2)
    md = lec.markdown()
    for part in lec.parts:
        assert f"## {part.heading}" in md


def test_unknown_lecture_number_is_an_error() -> None:
    with pytest.raises(OptionError, match="lectures are numbered 0 to 3"):
        lecture(7)


@pytest.mark.parametrize("number", sorted(LECTURES))
def test_each_lecture_with_its_figures_fits_three_pages(number: int, tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None or shutil.which("mutool") is None:
        pytest.skip("needs pdflatex and mutool")
    lec = lecture(number)
    lec.write(tmp_path, pdf=True)
    log = (tmp_path / f"lecture{number}.log").read_text(errors="replace")
    assert "Overfull" not in log
    info = subprocess.run(
        ["mutool", "info", str(tmp_path / f"lecture{number}.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = int(re.search(r"Pages: (\d+)", info).group(1))
    assert pages <= 3
    for figure in lec.figures:
        assert (tmp_path / f"lecture{number}-{figure.name}.pdf").stat().st_size > 1000


# --- a lecture on the user's own loss ---------------------------------------------------


def test_a_lecture_on_a_two_parameter_loss_has_the_seed_sections_and_figures() -> None:
    from derive.objective import Objective
    from derive.userlecture import user_lecture

    lec = user_lecture(Objective("x**4 + 3*y**2 + x*y", "x y"), at={"x": 1, "y": 1})
    assert lec.verify()
    headings = [p.heading for p in lec.parts]
    assert headings[:4] == [
        "The gradient",
        "Taylor's theorem and the descent condition",
        "The angle β: the best direction",
        "The update equations",
    ]
    assert "A certified step size at θ₀" in headings
    assert {"taylor", "descent-condition", "angle-180", "update-x", "update-y"} <= lec.labels()
    assert [f.name for f in lec.figures] == ["path", "circle"]
    # the worked example: exact while the values are short decimals, then 6 digits
    assert lec.table[0] == (0, 1, 1, 5)
    assert lec.table[1][1:3] == (sympy.Rational(-11, 100), sympy.Rational(-277, 500))
    assert isinstance(lec.table[2][1], sympy.Float)
    md = lec.markdown()
    assert "$\\mathcal{L}(x, y) = x^4 + xy + 3y^2$" in md and "η₀ = 0.222" in md


def test_a_lecture_on_a_quadratic_adds_step_sizes_and_newton() -> None:
    from derive.objective import Objective
    from derive.userlecture import user_lecture

    lec = user_lecture(Objective("(x - 3)**2", "x"), at={"x": 0})
    assert lec.verify()
    headings = [p.heading for p in lec.parts]
    assert headings[-2:] == ["Which step sizes converge", "Newton's method"]
    assert [f.name for f in lec.figures] == ["path"]  # one parameter: the curve, no circle


def test_a_lecture_with_data_keeps_symbols_and_needs_numbers_for_the_example() -> None:
    from derive.errors import PointError
    from derive.objective import Objective
    from derive.userlecture import user_lecture

    obj = Objective("(w*x - y)**2", "w", data="x y")
    symbolic = user_lecture(obj)
    assert symbolic.verify() and not symbolic.figures and not symbolic.table
    worked = user_lecture(obj, {"w": 0}, data={"x": "2", "y": "1"})
    assert worked.verify() and worked.table[0][1:] == (0, 1)
    with pytest.raises(PointError, match="missing y"):
        user_lecture(obj, data={"x": "2"})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["3", "--loss", "x**2", "--params", "x"], "either lecture numbers"),
        (["--params", "x"], "--params goes with --loss"),
        (["--loss", "x**2"], "--params is required"),
        (["--loss", "(x - 1)**2", "--params", "x", "--at", "x=1"], "gradient vanishes at x = 1"),
        (["--loss", "(x - 1)**2", "--params", "x", "--at", "y=1"], "'y', which is not a param"),
        (["--loss", "a+b+c+d+h+f+g**2", "--params", "a b c d h f g"], "at most 6 parameters"),
        (["--loss", "x**2", "--params", "x", "--data-values", "y=1"], "no data symbols"),
        (["--loss", "x**", "--params", "x"], "invalid syntax"),
    ],
)
def test_bad_lecture_requests_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from derive.cli import main

    assert main(["lecture", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("derive: error: ") and message in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_derive_lecture_on_a_loss_writes_tex_markdown_and_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from derive.cli import main

    code = main(
        ["lecture", "--loss", "2*x**2", "--params", "x", "--at", "x=1", "--out", str(tmp_path)]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("lecture on your loss: Gradient descent for ℒ(x) = 2x² — verified")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "lecture-loss-path.pdf",
        "lecture-loss-path.png",
        "lecture-loss.md",
        "lecture-loss.tex",
    ]
    tex = (tmp_path / "lecture-loss.tex").read_text()
    assert r"\includegraphics" in tex and "NOT verified" not in tex
    md = (tmp_path / "lecture-loss.md").read_text()
    assert "](lecture-loss-path.png)" in md  # the figure in the Markdown too


@pytest.mark.parametrize(("number", "label"), [(1, "update-w"), (2, "update-theta_1")])
def test_the_sigmoid_neurons_derivatives_read_with_sigma_and_z(number: int, label: str) -> None:
    from derive.render import latex_expr

    lec = lecture(number)
    d = next(p.derivation for p in lec.parts if label in p.brief)
    step = d.step(label)
    shown = latex_expr(step.rhs, dict(d.names))
    assert r"\sigma'(z_{1})" in shown and r"\sigma(z_{2}) - 0.9" in shown
    assert "e^{" not in shown and "frac{9}{10}" not in shown
    md = lec.markdown()
    for name in (r"\sigma(z_{1}) = ", r"\sigma'(z_{2}) = ", "z_{1} = ", "z_{2} = "):
        assert md.count(name) == 1, name  # each name defined, once


def test_a_lecture_on_parameters_named_like_derives_letters_prints_them_apart(
    tmp_path: Path,
) -> None:
    from derive.objective import Objective
    from derive.userlecture import user_lecture

    lec = user_lecture(Objective("eta**2 + beta*eta + beta**2 + u*g", "eta beta u g"))
    assert lec.verify()
    taylor = lec.parts[1].text
    assert "learning rate η′ > 0" in taylor and "θ + η′u′" in taylor and "g′ = ∇ℒ(θ)" in taylor
    assert lec.parts[2].heading == "The angle β′: the best direction"
    assert "At θ₀ (η = 1, β = 1, u = 1, g = 1)" in lec.parts[4].text  # the user's own names
    theta = user_lecture(Objective("exp(-theta)*theta**2 + theta", "theta"))
    assert "Move Θ to Θ + ηu" in theta.parts[1].text  # the derivations write Θ for θ then
    if shutil.which("pdflatex") is not None:  # η′² and Θ in prose and equations compile
        for k, obj in enumerate(
            (Objective("eta**2 + beta*eta + beta**2", "eta beta"), theta), start=1
        ):
            lec = obj if not isinstance(obj, Objective) else user_lecture(obj)
            lec.write(tmp_path / str(k), pdf=True)
            assert (tmp_path / str(k) / "lecture-loss.pdf").stat().st_size > 1000


@pytest.mark.parametrize(
    ("loss", "params"),
    [("log(1 + exp(-x*y))", "x y"), ("tanh(w)**2 + b**4", "w b"), ("cosh(x) - x", "x")],
)
def test_a_lecture_on_another_loss_verifies_and_prints_no_python(loss: str, params: str) -> None:
    from derive.objective import Objective
    from derive.userlecture import user_lecture

    from .test_printing import PYTHON

    lec = user_lecture(Objective(loss, params))
    assert lec.verify()
    shown = lec.markdown(full=True)
    found = PYTHON.search(shown)
    assert found is None, shown[max(0, found.start() - 60) : found.end() + 60]
    assert "\\intertext" not in shown and "NOT verified" not in lec.document()
