from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive import __version__
from derive.cli import main, parse_point
from derive.derivation import Derivation
from derive.errors import DeriveError


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exits (--help, usage errors)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_default_command_runs_the_lecture_and_writes_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["--out", str(tmp_path)], capsys)
    assert code == 0
    assert (
        "L(w, b) = 1/8 + (-b/40 - 17*w/80) + (b**2/16 + 3*b*w/16 + 13*w**2/64) + O(|w, b|^3)" in out
    )
    assert "verified: 33 of 33 steps proved, 4 premises assumed" in out
    assert "1: w = 0.2125000000, b = 0.0250000000" in out
    assert f"wrote {tmp_path / 'derivation.tex'}" in out
    assert (tmp_path / "derivation.tex").read_text().startswith(r"\documentclass")
    assert "def run(" in (tmp_path / "step.py").read_text()


def test_default_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--out", str(tmp_path), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ok"] and len(data["steps"]) == 37 and len(data["run"]) == 6


def test_taylor_subcommand_prints_exact_terms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["taylor", "2*x**2", "--params", "x", "--order", "2", "--at", "x=1"], capsys)
    assert (code, out) == (0, "L(x) = 2 + (4*x - 4) + 2*(x - 1)**2 + O(|x - 1|^3)\n")


def test_taylor_json_and_latex(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["taylor", "w*b", "--params", "w b", "--json", "--at", "w=1 b=2"], capsys)
    assert code == 0 and json.loads(out)["terms"] == ["2", "b + 2*w - 4", "(b - 2)*(w - 1)"]
    code, out, _ = run(
        ["taylor", "x**3", "--params", "x", "--order", "1", "--at", "x=0", "--latex"], capsys
    )
    assert code == 0 and out.startswith(r"\mathcal{L}\left(x\right) = ")


def test_descend_prints_seed_003_iterates_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["descend", "2*x**2", "--params", "x", "--at", "x=1", "--lr", "0.1", "--steps", "2"], capsys
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[1].split()[1] == "0.6" and "(x = 3/5)" in lines[1]
    assert lines[2].split()[1] == "0.36" and "(x = 9/25)" in lines[2]
    code, out, _ = run(
        [
            "descend",
            "2*x**2",
            "--params",
            "x",
            "--at",
            "x=1",
            "--lr",
            "0.1",
            "--steps",
            "2",
            "--json",
        ],
        capsys,
    )
    assert json.loads(out)["iterates"][2] == {
        "k": 2,
        "values": ["9/25"],
        "float": [0.36],
        "exact": True,
        "digits": None,
    }


@pytest.mark.parametrize(
    ("argv", "summary"),
    [
        (
            ["prove", "steepest-descent", "--dim", "3"],
            "verified: 13 of 13 steps proved, 1 premise assumed",
        ),
        (
            ["prove", "steepest-descent", "--form", "angle"],
            "verified: 15 of 15 steps proved, 1 premise assumed",
        ),
        (
            ["prove", "gradient-descent", "--loss", "(w*x + b - y)**2", "--params", "w b"],
            "verified: 33 of 33 steps proved, 4 premises assumed",
        ),
        (
            ["prove", "newton", "--loss", "(w - 1)**2 + 3*b**2 + w*b", "--params", "w b"],
            "verified: 7 of 7 steps proved",
        ),
        (
            ["prove", "learning-rate", "--lr", "0.1", "--start", "x=1"],
            "verified: 9 of 9 steps proved, 2 premises assumed",
        ),
    ],
)
def test_prove_verifies_and_exits_0(
    argv: list[str], summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert out.rstrip().endswith(summary)


def test_prove_renders_latex_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["prove", "steepest-descent", "--dim", "2", "--latex"], capsys)[1].startswith(
        r"\begin{align*}"
    )
    assert run(["prove", "steepest-descent", "--dim", "2", "--markdown"], capsys)[1].startswith(
        "## Steepest"
    )
    data = json.loads(run(["prove", "steepest-descent", "--dim", "2", "--json"], capsys)[1])
    assert data["ok"] and data["steps"][0]["status"] == "proved"


def test_prove_exits_1_when_a_derivation_does_not_verify(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from derive import kernel
    from derive.library import REGISTRY

    kind = REGISTRY["steepest-descent"]

    def corrupted(options: dict) -> Derivation:
        d = kind.builder(options)
        step = d.step("bound")
        return d.replace_step(
            "bound", kernel.Step(step.lhs, ">=", 2 * step.rhs, step.why, step.rule, step.label)
        )

    monkeypatch.setitem(REGISTRY, "steepest-descent", dataclasses.replace(kind, builder=corrupted))
    code, out, _ = run(["prove", "steepest-descent", "--dim", "2"], capsys)
    assert code == 1
    assert "NOT verified" in out and "step 7 (bound)" in out


def test_emit_writes_a_module_and_checks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "step.py"
    code, out, _ = run(
        [
            "emit",
            "log(1 + exp(-y*(dot(w, x) + b)))",
            "--params",
            "w:4 b",
            "--data",
            "x:4 y",
            "-o",
            str(target),
            "--check",
        ],
        capsys,
    )
    assert code == 0
    assert f"wrote {target} (gd, 5 parameters)" in out and "checked at 50 digits" in out
    assert "x @ w" in target.read_text()
    code, out, _ = run(["emit", "2*x**2", "--params", "x", "--method", "newton"], capsys)
    assert code == 0 and out.startswith('r"""newton update rule')


def test_lecture_writes_tex_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["lecture", "3", "--out", str(tmp_path), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data[0]["verified"]
    assert (tmp_path / "lecture3.tex").exists() and (tmp_path / "lecture3.md").exists()


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
        (
            ["prove", "newton", "--loss", "w**2 - b**2", "--params", "w b", "--at", "w=0,b=0"],
            "derive: error: the Hessian is not positive definite",
        ),
        (
            ["prove", "gradient-descent", "--loss", "w**2"],
            "derive: error: a loss needs its parameters",
        ),
        (
            ["descend", "2*x**2", "--params", "x", "--at", "x=1", "--lr", "-1"],
            "derive: error: --lr must be a positive number",
        ),
        (
            ["emit", "x**2", "--params", "x", "--method", "adam"],
            "derive: error: argument --method: invalid choice: 'adam'",
        ),
        (["lecture", "9", "--out", "/tmp"], "derive: error: lectures are numbered 0 to 3"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2
    assert err.startswith(message)
    assert "Traceback" not in err


def test_parse_point_rejects_repeats_and_blanks() -> None:
    with pytest.raises(DeriveError, match="gives 'w' twice"):
        parse_point("w=1,w=2")
    with pytest.raises(DeriveError, match="--at is empty"):
        parse_point(" , ")


@pytest.mark.parametrize("command", ["taylor", "prove", "descend", "emit", "lecture"])
def test_every_subcommand_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0 and "example:" in out and "derive " in out


def test_console_script_runs_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "derive", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"derive {__version__}")
    done = subprocess.run(
        [sys.executable, "-m", "derive", "taylor", "exp(", "--params", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
