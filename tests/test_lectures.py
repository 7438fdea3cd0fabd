"""Each generated lecture covers every step its seed note makes, and verifies."""

from __future__ import annotations

import pytest
import sympy

from derive.errors import OptionError
from derive.lectures import lecture

COVERS = {
    # seed 000: gradient example, Taylor with the second-order term, descent condition, cos β
    0: {
        "example-w",
        "example-b",
        "taylor",
        "first-order",
        "descent-condition",
        "angle-lower",
        "cos-lower",
        "angle-180",
    },
    # seed 001: the same, the ±‖u‖‖∇L‖ range, and the parameter update equations
    1: {
        "taylor",
        "first-order",
        "descent-condition",
        "cauchy-schwarz",
        "angle-180",
        "update-w",
        "update-b",
    },
    # seed 002: the linear model on a disc, its minimiser (a, b) − η(u, v), Newton's method
    2: {
        "linear-model",
        "bound",
        "attained",
        "minimiser-w",
        "minimiser-b",
        "update-w",
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
        "eta-lambda",
        "no-contraction",
    },
}


@pytest.mark.parametrize("number", sorted(COVERS))
def test_lecture_lists_every_step_of_its_note_and_verifies(number: int) -> None:
    lec = lecture(number)
    assert COVERS[number] <= lec.labels()
    assert lec.verify()
    tex = lec.document()
    assert tex.count(r"\section*{") >= len(lec.sections) + 1
    assert "NOT verified" not in tex


def test_lecture_3_has_the_exact_iterates_of_seed_003() -> None:
    lec = lecture(3)
    column = [row[1] for row in lec.table]
    assert column[:3] == [1, sympy.Rational(3, 5), sympy.Rational(9, 25)]
    assert "1/2" in lec.remarks[0]


def test_lecture_markdown_has_every_section() -> None:
    lec = lecture(2)
    md = lec.markdown()
    for heading, _ in lec.sections:
        assert f"## {heading}" in md


def test_unknown_lecture_number_is_an_error() -> None:
    with pytest.raises(OptionError, match="lectures are numbered 0 to 3"):
        lecture(7)
