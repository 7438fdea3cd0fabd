"""One registry of derivation kinds serves the API, the command line and Sphinx."""

from __future__ import annotations

from typing import Any

import pytest

import derive as dv
from derive.errors import OptionError
from derive.library import REGISTRY, build
from derive.library.registry import parse_point


def test_every_kind_builds_with_its_defaults_or_a_loss_and_verifies() -> None:
    given = {
        "steepest-descent": {},
        "gradient-descent": {},
        "newton": {"loss": "(w - 1)**2 + 3*b**2 + w*b", "params": "w b"},
        "learning-rate": {},
        "taylor": {"loss": "exp(x)", "params": "x", "at": "x=0", "order": "3"},
        "descent-radius": {"loss": "x**4 + y**2", "params": "x y", "at": "x=1, y=1"},
        "smoothness": {"loss": "x**4 + x*y", "params": "x y", "box": "x=-1:1, y = 0:2"},
        "derivatives": {"loss": "log(sum(exp(w*x)))", "params": "w:100", "data": "x:100"},
    }
    assert set(given) == set(REGISTRY)
    for name, options in given.items():
        report = build(name, options).verify()
        assert report.ok, (name, report.summary())


def test_an_option_a_kind_does_not_take_is_an_error() -> None:
    with pytest.raises(OptionError, match="does not take the option 'dim'"):
        build("gradient-descent", {"dim": "3"})
    with pytest.raises(OptionError, match="does not take the option 'loss'"):
        build("steepest-descent", {"loss": "x**2"})
    with pytest.raises(OptionError, match="unknown derivation"):
        build("gradient-ascent", {})


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("steepest-descent", {"dim": "0"}, "whole number from 1 to 1000000"),
        ("steepest-descent", {"dim": "3.5"}, "whole number"),
        ("steepest-descent", {"form": "cone"}, "one of bound, angle"),
        ("taylor", {"loss": "x**2", "params": "x", "order": "-1"}, "whole number"),
        ("newton", {"params": "w"}, "params and data go with a loss"),
        ("taylor", {"loss": "x**2"}, "needs its parameters"),
        ("taylor", {"loss": "x**2", "params": "x", "at": "x"}, "name=value"),
    ],
)
def test_option_values_are_checked_per_kind(name: str, options: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        build(name, options)


def test_points_accept_spaces_around_the_equals_sign() -> None:
    assert parse_point("w = 1, b =-1/2") == {"w": "1", "b": "-1/2"}


def test_the_taylor_kind_is_checked_by_the_kernel() -> None:
    d = build("taylor", {"loss": "log(1 + x)", "params": "x", "at": "x=0", "order": "2"})
    assert d.verify().ok and d.steps[0].rule.name == "truncation"
    step = d.steps[0]
    wrong = d.replace_step(0, dv.Step(step.lhs, "=O", step.rhs + 1, "", step.rule))
    assert not wrong.verify().ok
    with pytest.raises(dv.NumericError):
        build("taylor", {"loss": "log(x)", "params": "x", "at": "x=0"})


def test_api_functions_and_registry_build_the_same_derivation() -> None:
    obj = dv.Objective("(w*x + b - y)**2", "w b")
    direct = dv.gradient_descent(obj)
    via = build("gradient-descent", {"loss": "(w*x + b - y)**2", "params": "w b"})
    assert direct.steps == via.steps and direct.assumptions == via.assumptions


def test_every_surface_refuses_a_loss_over_the_proof_budget() -> None:
    huge = dv.Objective("(a + b + c)**1000", "a b c")
    with pytest.raises(dv.errors.BudgetError):
        dv.gradient_descent(huge)
    with pytest.raises(dv.errors.BudgetError):
        build("gradient-descent", {"loss": "(a + b + c)**1000", "params": "a b c"})
    with pytest.raises(dv.errors.BudgetError):
        dv.newton_step(dv.Objective("exp(a)*(a + b + c)**1000", "a b c"))


def test_a_bad_option_value_names_the_option_once() -> None:
    with pytest.raises(OptionError, match=r"^newton: option 'at' expects name=value pairs"):
        build("newton", {"loss": "x**2", "params": "x", "at": "x"})


@pytest.mark.parametrize("form", ["--latex", "--markdown"])
def test_a_taylor_expansion_prints_in_latex_and_markdown(form: str, capsys: Any) -> None:
    from derive.cli import main

    assert main(["prove", "taylor", "--loss", "2*x**2", "--params", "x", "--at", "x=1", form]) == 0
    shown = capsys.readouterr().out
    assert "δ" not in shown if form == "--latex" else "δ" in shown


def test_certified_kinds_need_their_point_or_box() -> None:
    with pytest.raises(OptionError, match="descent-radius needs the option 'at'"):
        build("descent-radius", {"loss": "x**2", "params": "x"})
    with pytest.raises(OptionError, match="lo:hi"):
        build("smoothness", {"loss": "x**2", "params": "x", "box": "x=1"})
