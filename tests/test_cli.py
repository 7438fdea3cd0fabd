from __future__ import annotations

import json
import subprocess
import sys

import pytest

from derive import __version__
from derive.cli import main, parse_point
from derive.errors import DeriveError


def test_default_command_prints_the_lecture_example_expansion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "sigmoid" in out
    assert (
        "L(w, b) = 1/8 + (-b/40 - 17*w/80) + (b**2/16 + 3*b*w/16 + 13*w**2/64) + O(|w, b|^3)" in out
    )
    assert "L(eta*u) = 1/8 + eta*(-u_b/40 - 17*u_w/80)" in out


def test_taylor_subcommand_prints_exact_terms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taylor", "2*x**2", "--params", "x", "--order", "2", "--at", "x=1"]) == 0
    assert capsys.readouterr().out == "L(x) = 2 + (4*x - 4) + 2*(x - 1)**2 + O(|x - 1|^3)\n"


def test_taylor_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taylor", "w*b", "--params", "w b", "--json", "--at", "w=1 b=2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["terms"] == ["2", "b + 2*w - 4", "(b - 2)*(w - 1)"]
    assert data["params"] == ["w", "b"] and data["point"] == ["1", "2"]


def test_taylor_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taylor", "x**3", "--params", "x", "--order", "1", "--at", "x=0", "--latex"]) == 0
    assert capsys.readouterr().out.startswith(r"\mathcal{L}\left(x\right) = ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["taylor", "x.__class__", "--params", "x"],
            "derive: error: unsupported syntax: attribute access at column 2",
        ),
        (
            ["taylor", "x", "--params", "y"],
            "derive: error: parameter 'y' does not occur in the loss",
        ),
        (
            ["taylor", "x", "--params", "x", "--at", "x"],
            "derive: error: --at expects name=value pairs",
        ),
        (
            ["taylor", "x", "--params", "x", "--order", "-2"],
            "derive: error: order must be a whole number",
        ),
        (
            ["taylor", "x", "--params", "x", "--order", "two"],
            "derive: error: argument --order: invalid int value",
        ),
        (["taylor", "x"], "derive: error: the following arguments are required: --params"),
        (["nonsense"], "derive: error: argument COMMAND: invalid choice: 'nonsense'"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code  # argparse's own errors
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert "Traceback" not in err


def test_parse_point_rejects_repeats_and_blanks() -> None:
    with pytest.raises(DeriveError, match="gives 'w' twice"):
        parse_point("w=1,w=2")
    with pytest.raises(DeriveError, match="--at is empty"):
        parse_point(" , ")


def test_console_script_runs_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "derive", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"derive {__version__}"
    done = subprocess.run(
        [sys.executable, "-m", "derive", "taylor", "exp(", "--params", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
