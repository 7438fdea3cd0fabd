"""A lecture on the user's loss names its logistic subexpressions as a lecturer writes
them (z = y(wx + b), σ(−z), σ′(z)), defines every name it prints, and derive check reads
the page back without a refuted step."""

from __future__ import annotations

import re

import pytest

import derive as dv
from derive.objective import Objective
from derive.userlecture import sigmoid_names, user_lecture

LOGISTIC = Objective("log(1 + exp(-y*(w*x + b)))", "w b", data="x y")
NEURON = Objective("(1/(1 + exp(-(w*x + b))) - y)**2/2", "w b", data="x y")


def test_the_logistic_loss_derivative_reads_sigma_of_minus_z():
    page = user_lecture(LOGISTIC).markdown()
    assert r"= - x y \sigma(-z) $$" in page
    assert r"$z = y \left(b + w x\right)$" in page


def test_a_sigmoid_neuron_reads_sigma_and_its_derivative():
    page = user_lecture(NEURON).markdown()
    assert r"x \sigma'(z) \left(\sigma(z) - y\right)" in page
    assert r"$\sigma'(z) = \frac{e^{- z}}{\left(1 + e^{- z}\right)^{2}}$" in page


def test_every_name_a_section_prints_is_defined_on_its_names_line():
    page = user_lecture(LOGISTIC).markdown()
    for section in page.split("\n### ")[1:]:
        names = "".join(line for line in section.splitlines() if line.startswith("**Names:**"))
        used = set(re.findall(r"\\sigma\((-?\w)\)", section))
        for arg in used:
            assert f"\\sigma({arg}) =" in names
        if used:
            assert "$z = " in names


def test_no_names_without_exponentials_and_no_clash_with_the_users_letters():
    assert sigmoid_names(Objective("x**4 + y**2", "x y")) == ()
    clash = Objective("log(1 + exp(-z*(w + a)))", "w a", data="z")
    assert next(tex for _, tex in sigmoid_names(clash)) == "s"


def test_two_different_exponents_get_numbered_names():
    obj = Objective("log(1 + exp(-(w + b))) + log(1 + exp(w - 2*b))", "w b")
    assert [tex for _, tex in sigmoid_names(obj) if not tex.startswith("\\")] == ["z_{1}", "z_{2}"]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_derive_check_refutes_no_step_of_the_named_lecture(fmt):
    lec = user_lecture(LOGISTIC)
    page = lec.markdown() if fmt == "markdown" else lec.document()
    result = dv.audit(page, format=fmt)
    assert [s.claim for s in result.steps if s.status == "failed"] == []
