from __future__ import annotations

import json
import os
import shutil
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
    assert "verified: 36 of 36 steps proved, 5 premises assumed" in out
    assert "1: w = 0.2125000000, b = 0.0250000000" in out
    assert f"wrote {tmp_path / 'derivation.tex'}" in out
    assert (tmp_path / "derivation.tex").read_text().startswith(r"\documentclass")
    assert "def run(" in (tmp_path / "step.py").read_text()


def test_default_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--out", str(tmp_path), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ok"] and len(data["steps"]) == 41 and len(data["run"]) == 6


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
            "verified: 36 of 36 steps proved, 5 premises assumed",
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
    latex = run(["prove", "steepest-descent", "--dim", "2", "--latex"], capsys)[1]
    assert r"\begin{align*}" in latex and r"\intertext" not in latex  # MathJax has no \intertext
    assert not latex.startswith(r"\documentclass")  # a body for the user's own document
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
            ["emit", "x**2", "--params", "x", "--method", "lbfgs"],
            "derive: error: argument --method: invalid choice: 'lbfgs'",
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


@pytest.mark.parametrize("command", ["taylor", "prove", "descend", "emit", "plot", "lecture"])
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


# -- starting fast: no SymPy for --version and --help


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_no_sympy(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "derive", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "derive.cli" in imported
    assert not {"sympy", "symengine", "numpy", "mpmath"} & imported


def test_lazy_choices_are_the_registrys(capsys: pytest.CaptureFixture[str]) -> None:
    from derive.emit import METHODS
    from derive.library import REGISTRY

    code, out, _ = run(["prove", "--help"], capsys)
    assert code == 0 and ", ".join(REGISTRY) in " ".join(out.split())
    code, out, _ = run(["emit", "--help"], capsys)
    assert code == 0 and ", ".join(METHODS) in " ".join(out.split())
    code, _, err = run(["prove", "nonsense"], capsys)
    assert code == 2 and "invalid choice: 'nonsense' (choose from 'steepest-descent'" in err


# -- output formats, the same on every command that prints a derivation


def test_points_are_read_in_the_forms_people_type(capsys: pytest.CaptureFixture[str]) -> None:
    outs = {
        run(["taylor", "w*b", "--params", "w b", "--at", at], capsys)[1]
        for at in ("w=1,b=2", "w = 1, b = 2", "w=1 b=2", " w =1 ,  b= 2 ")
    }
    assert outs == {"L(w, b) = 2 + (b + 2*w - 4) + (b - 2)*(w - 1) + O(|w - 1, b - 2|^3)\n"}


def test_taylor_forms_in_text_latex_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["taylor", "w**2*b + exp(w)", "--params", "w b", "--at", "w = 0, b = 1"]
    code, out, _ = run([*base, "--form", "structured"], capsys)
    assert code == 0
    assert out.splitlines()[1:] == [
        "  Delta = [w, b - 1]",
        "  L(a) = 1",
        "  grad L(a) = [1, 0]",
        "  hess L(a) = [[3, 0], [0, 0]]",
    ]
    code, out, _ = run([*base, "--form", "components"], capsys)  # read as componentwise
    assert code == 0 and out.splitlines()[1:] == [
        "  L(a) = 1",
        "  dL/dw(a) = 1",
        "  d^2L/dw^2(a) = 3",
    ]
    code, out, _ = run([*base, "--form", "componentwise", "--latex"], capsys)
    assert code == 0 and r"\frac{\partial \mathcal{L}}{\partial w}" in out
    code, out, _ = run([*base, "--form", "structured", "--markdown"], capsys)
    assert code == 0 and out.startswith("$$\n\\begin{aligned}") and out.endswith("$$\n")
    data = json.loads(run([*base, "--form", "structured", "--json"], capsys)[1])
    assert data["form"] == "structured" and r"\nabla^{2}_{\theta}" in data["latex"]
    code, _, err = run([*base, "--form", "diagonal"], capsys)
    assert code == 2 and "argument --form: invalid choice: 'diagonal'" in err


def test_every_derivation_command_writes_its_output_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sd.md"
    code, out, _ = run(
        ["prove", "steepest-descent", "--dim", "2", "--markdown", "-o", str(target)], capsys
    )
    assert (code, out) == (0, f"wrote {target}\n")
    assert target.read_text().startswith("## Steepest")
    tex = tmp_path / "gd.tex"
    argv = ["prove", "gradient-descent", "--loss", "(w*x + b - y)**2", "--params", "w b"]
    code, out, _ = run([*argv, "--tex", "-o", str(tex)], capsys)
    text = tex.read_text()
    assert (
        code == 0
        and text.startswith(r"\documentclass")
        and text.rstrip().endswith(r"\end{document}")
    )
    assert r"\section*{Objective}" in text  # one's own loss, shown
    tex = tmp_path / "t.tex"
    code, _, _ = run(
        ["taylor", "log(1 + w**2)", "--params", "w", "--at", "w=1", "--tex", "-o", str(tex)],
        capsys,
    )
    text = tex.read_text()
    assert code == 0 and r"\section*{Expansion}" in text
    assert "verified: 1 of 1 steps proved" in text  # the kernel's verdict on the expansion
    json_file = tmp_path / "d.json"
    code, _, _ = run(
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
            "1",
            "--json",
            "-o",
            str(json_file),
        ],
        capsys,
    )
    assert code == 0 and json.loads(json_file.read_text())["iterates"][1]["values"] == ["3/5"]


PDFLATEX = shutil.which("pdflatex")


@pytest.mark.skipif(PDFLATEX is None and not os.environ.get("CI"), reason="pdflatex missing")
def test_pdf_of_ones_own_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["prove", "gradient-descent", "--loss", "(w*x + b - y)**2", "--params", "w b"],
        ["taylor", "log(1 + w**2 + b**2)", "--params", "w b", "--form", "structured"],
    ):
        target = tmp_path / f"{argv[0]}.pdf"
        code, out, err = run([*argv, "--pdf", "-o", str(target)], capsys)
        assert (code, out, err) == (0, f"wrote {target}\n", "")
        assert target.read_bytes().startswith(b"%PDF")


def test_descend_takes_data_values(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["descend", "(w*x - y)**2", "--params", "w", "--at", "w=0", "--lr", "0.1"]
    code, out, _ = run([*argv, "--steps", "2", "--data-values", "x = 2, y = 1"], capsys)
    assert code == 0 and "(w = 2/5)" in out and "(w = 12/25)" in out
    code, out, _ = run([*argv, "--steps", "2", "--data-values", "x=2 y=1", "--markdown"], capsys)
    assert code == 0 and out.splitlines()[:5] == [
        "| k | w |",
        "|---:|---|",
        "| 0 | 0 |",
        "| 1 | 2/5 |",
        "| 2 | 12/25 |",
    ]
    code, out, _ = run([*argv, "--steps", "1", "--data-values", "x=2 y=1", "--latex"], capsys)
    assert code == 0 and r"1 & $\frac{2}{5}$ \\" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["descend", "(w*x - y)**2", "--params", "w", "--at", "w=0", "--lr", "0.1"],
            "a value for every data symbol of the loss; missing: x, y (give them with --data-values",
        ),
        (
            [
                "descend",
                "(w*x - y)**2",
                "--params",
                "w",
                "--at",
                "w=0",
                "--lr",
                "0.1",
                "--data-values",
                "x=1",
            ],
            "--data-values is missing a value for y",
        ),
        (
            [
                "descend",
                "(w*x - y)**2",
                "--params",
                "w",
                "--at",
                "w=0",
                "--lr",
                "0.1",
                "--data-values",
                "x=1, y=2, z=3",
            ],
            "--data-values names 'z', which is not a data symbol of the loss",
        ),
        (
            [
                "descend",
                "w**2",
                "--params",
                "w",
                "--at",
                "w=1",
                "--lr",
                "0.1",
                "--data-values",
                "x=1",
            ],
            "--data-values is given but the loss has no data symbols",
        ),
        (
            [
                "descend",
                "(w*x)**2",
                "--params",
                "w",
                "--at",
                "w=1",
                "--lr",
                "0.1",
                "--data-values",
                "x=nan",
            ],
            "value for x must be finite",
        ),
        (["--json", "taylor", "x", "--params", "x"], "--json goes after the command"),
        (["--out", "d", "taylor", "x", "--params", "x"], "--out before a command applies only"),
        (["prove", "steepest-descent", "--pdf"], "--pdf writes a file: name it with -o FILE.pdf"),
        (
            ["prove", "steepest-descent", "--tex", "-o", "x.pdf"],
            "--tex writes .tex, but -o names 'x.pdf'",
        ),
        (
            ["prove", "steepest-descent", "--latex", "--markdown"],
            "argument --markdown: not allowed with argument --latex",
        ),
        (
            ["prove", "gradient-descent", "--dim", "3"],
            "gradient-descent does not take --dim",
        ),
        (
            ["prove", "steepest-descent", "--loss", "x**2", "--params", "x"],
            "steepest-descent does not take --loss",
        ),
        (
            ["taylor", "log(x)", "--params", "x", "--at", "x = 0"],
            "the Taylor expansion about x=0 is undefined at order 0",
        ),
        (
            ["taylor", "1/x", "--params", "x", "--at", "x=0", "--markdown"],
            "the Taylor expansion about x=0 is undefined",
        ),
        (
            ["taylor", "sqrt(x)", "--params", "x", "--at", "x=0", "--tex"],
            "the Taylor expansion about x=0 is undefined",
        ),
        (
            ["prove", "taylor", "--loss", "log(x)", "--params", "x", "--at", "x=0"],
            "the Taylor expansion about x=0 is undefined",
        ),
        (
            ["descend", "log(x)", "--params", "x", "--at", "x=0", "--lr", "0.1"],
            "log",
        ),
    ],
)
def test_refused_combinations_and_singular_points_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("derive: error: ") and message in err, err
    assert "Traceback" not in err and "nan" not in out and "zoo" not in out


def test_pdf_without_pdflatex_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = run(
        ["prove", "steepest-descent", "--pdf", "-o", str(tmp_path / "a.pdf")], capsys
    )
    assert code == 2 and "--pdf needs pdflatex, which is not installed" in err
    code, _, err = run(["lecture", "3", "--pdf", "--out", str(tmp_path / "lec")], capsys)
    assert code == 2 and "--pdf needs pdflatex" in err
    assert not (tmp_path / "lec").exists() and not (tmp_path / "a.pdf").exists()


# -- plot


def test_plot_draws_the_descent_path_and_the_taylor_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    base = ["plot", "x**2 + 3*y**2", "--params", "x y", "--at", "x = 1, y = 1"]
    png = tmp_path / "path.png"
    code, out, _ = run([*base, "--lr", "0.1", "--steps", "5", "-o", str(png), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")
    assert data["path"][1] == pytest.approx([0.8, 0.4]) and len(data["path"]) == 6
    svg = tmp_path / "taylor.svg"
    code, out, _ = run([*base, "--kind", "taylor", "--radius", "0.3", "-o", str(svg)], capsys)
    assert (code, out) == (0, f"wrote {svg}\n") and 'id="disc' in svg.read_text()
    pdf = tmp_path / "data.pdf"
    code, _, _ = run(
        [
            "plot",
            "(w*x + b - y)**2",
            "--params",
            "w b",
            "--at",
            "w=1, b=1",
            "--lr",
            "0.1",
            "--data-values",
            "x=2, y=1",
            "-o",
            str(pdf),
        ],
        capsys,
    )
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kind", "taylor", "--lr", "0.1"], "--kind taylor does not take --lr"),
        (["--lr", "0.1", "--radius", "1"], "--radius goes with --kind taylor"),
        ([], "--kind descent needs --lr"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--lr", "nan"], "--lr must be a positive number"),
        (["--lr", "0.1", "--steps", "0"], "--steps must be a whole number from 1 to 10000"),
        (["--kind", "taylor", "--radius", "0"], "--radius must be a positive number"),
    ],
)
def test_plot_refuses_bad_combinations(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plot", "x**2 + y**2", "--params", "x y", "--at", "x=1, y=1"]
    code, _, err = run([*argv, *extra, "-o", str(tmp_path / "f.png")], capsys)
    assert code == 2 and message in err
    assert not (tmp_path / "f.png").exists()


def test_plot_refuses_other_suffixes_and_other_parameter_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        [
            "plot",
            "x**2 + y**2",
            "--params",
            "x y",
            "--at",
            "x=1,y=1",
            "--lr",
            "0.1",
            "-o",
            str(tmp_path / "f.jpg"),
        ],
        capsys,
    )
    assert code == 2 and "a figure is saved as .png, .svg, .pdf" in err
    code, _, err = run(
        [
            "plot",
            "x**2 + y**2 + z**2",
            "--params",
            "x y z",
            "--at",
            "x=1, y=1, z=1",
            "--lr",
            "0.1",
            "-o",
            str(tmp_path / "f.png"),
        ],
        capsys,
    )
    assert (
        code == 2
        and (
            "plot draws a loss of one parameter (a curve) or two (contours); this one has 3 (x, y, z)"
        )
        in err
    )
    assert not (tmp_path / "f.png").exists()


def test_plot_draws_a_loss_of_one_parameter_as_a_curve_with_its_iterates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    base = ["plot", "2*x**2", "--params", "x", "--at", "x=1"]
    png = tmp_path / "curve.png"
    code, out, _ = run([*base, "--lr", "0.1", "--steps", "2", "-o", str(png), "--json"], capsys)
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")
    assert [p[0] for p in json.loads(out)["path"]] == pytest.approx([1, 0.6, 0.36], abs=1e-15)
    code, out, _ = run([*base, "--lr", "0.5", "--steps", "3", "-o", str(png), "--json"], capsys)
    assert [p[0] for p in json.loads(out)["path"]] == [1, -1, 1, -1]  # it oscillates
    svg = tmp_path / "models.svg"
    code, out, _ = run([*base, "--kind", "taylor", "--radius", "0.25", "-o", str(svg)], capsys)
    assert (code, out) == (0, f"wrote {svg}\n") and 'id="disc' in svg.read_text()
    code, _, err = run(
        [
            "plot",
            "(w*x - y)**2",
            "--params",
            "w",
            "--at",
            "w=1",
            "--kind",
            "taylor",
            "-o",
            str(svg),
        ],
        capsys,
    )
    assert (
        code == 2 and "--kind taylor draws a loss without data symbols (this one has x, y)" in err
    )
