"""derive radius and derive smoothness: certified values on the command line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from derive.cli import main


def test_radius_prints_the_certified_step_size_as_json(capsys: Any) -> None:
    assert main(["radius", "x**4", "--params", "x", "--at", "x = 1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["eta"] == "83/500" and shown["ok"] and shown["summary"].startswith("verified")


def test_smoothness_prints_the_proved_bound_with_its_derivation(capsys: Any) -> None:
    loss = "(1 - x)**2 + 100*(y - x**2)**2"
    assert main(["smoothness", loss, "--params", "x y", "--box", "x=-1:1, y=-1:2"]) == 0
    out = capsys.readouterr().out
    assert "row sums (Gershgorin), proved" in out and "verified" in out.splitlines()[-1]
    assert main(["smoothness", loss, "--params", "x y", "--box", "x=-1:1, y=-1:2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["L"] == "2005"


def test_prove_learning_rate_takes_a_box_for_a_loss_that_is_not_quadratic(capsys: Any) -> None:
    argv = ["prove", "learning-rate", "--loss", "x**4 + y**2", "--params", "x y"]
    assert main([*argv, "--box", "x=-2:2, y=-1:1", "--start", "x=1/2, y=0", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ok"] and "never leaves the box" in json.dumps(shown, ensure_ascii=False)
    assert main(argv) == 2  # no box, no point: says where to go instead
    err = capsys.readouterr().err
    assert "not quadratic" in err and "smoothness_bound" in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["radius", "x**2", "--params", "x", "--at", "x=0"], "not negative"),
        (["radius", "x**2", "--params", "x", "--at", "x=1", "--direction", "x=1"], "uphill"),
        (["smoothness", "x**2", "--params", "x", "--box", "x=1"], "lo:hi"),
        (["smoothness", "x**2", "--params", "x", "--box", "x=1:0"], "lo < hi"),
        (["smoothness", "log(x)", "--params", "x", "--box", "x=0:1"], "not smooth"),
        (["radius", "(w*x - y)**2", "--params", "w", "--at", "w=1"], "data"),
        # astronomically curved: refused at once (it used to hang, or fail with a traceback)
        (["radius", "exp(exp(exp(x)))", "--params", "x", "--at", "x=3"], "below 10^-300"),
        (["smoothness", "exp(exp(exp(x)))", "--params", "x", "--box", "x=0:10"], "above 10^300"),
    ],
)
def test_bad_requests_exit_2_with_one_line(argv: list[str], says: str, capsys: Any) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1
