"""Identities that hold only under stated premises (√(x²) = x for x ≥ 0): the kernel
proves them from the premises, lists the premises used, and proves nothing without them."""

from __future__ import annotations

import pytest
import sympy

import derive as dv
from derive.kernel import Derivation, Fact, Identity, Step, verify

x, y = sympy.symbols("x y")


def _identity(lhs: sympy.Expr, rhs: sympy.Expr, *premises: Fact) -> dv.Report:
    return verify(Derivation("under premises", (Step(lhs, "=", rhs, "", Identity()),), premises))


@pytest.mark.parametrize(
    ("lhs", "rhs", "premises"),
    [
        (sympy.sqrt(x**2), x, (Fact(x, ">=", 0),)),
        (sympy.Abs(x), x, (Fact(x, ">", 0),)),
        (sympy.sqrt(x**2 * y**2), x * y, (Fact(x, ">=", 0), Fact(y, ">=", 0))),
        (sympy.log(x * y), sympy.log(x) + sympy.log(y), (Fact(x, ">", 0), Fact(y, ">", 0))),
    ],
)
def test_an_identity_that_needs_signs_is_proved_from_the_stated_premises(lhs, rhs, premises):
    report = _identity(lhs, rhs, *premises)
    assert report.ok, report.summary()
    assert set(report.steps[0].premises) == set(premises)
    assert not report.unused


@pytest.mark.parametrize(
    ("lhs", "rhs"), [(sympy.sqrt(x**2), x), (sympy.Abs(x), x), (sympy.sqrt(x**2), -x)]
)
def test_without_the_premise_the_identity_is_not_proved(lhs, rhs):
    assert not _identity(lhs, rhs).ok


@pytest.mark.parametrize(
    ("lhs", "rhs", "premise"),
    [
        (sympy.sqrt(x**2), -x, Fact(x, ">=", 0)),
        (sympy.sqrt((x - 1) ** 2), x - 1, Fact(x, ">=", 0)),
        (sympy.Abs(x - y), x - y, Fact(x, ">", 0)),
    ],
)
def test_a_premise_that_does_not_give_the_sign_proves_nothing(lhs, rhs, premise):
    report = _identity(lhs, rhs, premise)
    assert report.steps[0].status != "proved"


def test_an_unused_sign_premise_is_named_unused():
    z = sympy.Symbol("z")
    report = _identity(sympy.sqrt(x**2), x, Fact(x, ">=", 0), Fact(z, ">", 0))
    assert report.ok and report.unused == (Fact(z, ">", 0),)


def test_derive_check_proves_a_root_under_an_assumption_the_text_states():
    result = dv.audit("$$\\sqrt{x^2} = x$$", format="markdown", assume=["x >= 0"])
    assert [s.status for s in result.steps] == ["proved"]
