"""Every mistake in a directive is an error at its file and line, and the build fails, with
-W or without; never Sphinx's crash report, never a page that publishes NaN."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PAGE = """Title
=====

Some text.

{directive}
"""


def _project(tmp_path: Path, directive: str) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["derive.sphinxext"]\n')
    (source / "index.rst").write_text(PAGE.format(directive=directive.strip("\n")))
    return source


def _undefined_values(outdir: Path) -> list[str]:
    """Every 'nan', 'NaN' or 'zoo' (SymPy's complex infinity) in the written HTML."""
    found = []
    for page in outdir.rglob("*.html"):
        found += [f"{page.name}: {m}" for m in re.findall(r"\b(?:nan|NaN|zoo)\b", page.read_text())]
    return found


CASES = [
    (
        ".. derivation:: gradient-descent\n   :loss: (w*x + b - y)**2\n   :params: w b\n"
        "   :bogus: 3",
        "derivation gradient-descent does not take :bogus: (it takes :loss:, :params:, "
        ":data:, :form:, :label:)",
    ),
    (
        ".. derivation::",
        "derivation needs a kind: '.. derivation:: NAME', NAME one of steepest-descent, ",
    ),
    (
        ".. derivation:: gradient-descent\n   :dim: 3",
        "derivation gradient-descent does not take :dim:",
    ),
    (
        ".. derivation:: steepest-descent\n   :loss: x**2\n   :params: x",
        "derivation steepest-descent does not take :loss: (it takes :dim:, :form:, :label:)",
    ),
    (
        ".. derivation:: newton-method",
        "unknown derivation 'newton-method'; choose one of steepest-descent",
    ),
    (".. derivation:: taylor extra", "unknown derivation 'taylor extra'"),
    (".. derivation:: taylor", "derivation taylor: this derivation needs a loss"),
    (
        ".. derivation:: taylor\n   :loss:\n   :params: x",
        "derivation taylor: :loss: needs a value",
    ),
    (
        ".. derivation:: taylor\n   :loss: x**2\n   :params: x\n\n   x is a number",
        "derivation taylor takes no content",
    ),
    (
        ".. derivation:: gradient-descent\n   :loss: x.__class__\n   :params: x",
        "derivation gradient-descent: unsupported syntax: attribute access",
    ),
    (
        ".. derivation:: gradient-descent\n   :loss: (w*x - y)**2\n   :params: v",
        "derivation gradient-descent: parameter 'v' does not occur in the loss",
    ),
    (
        ".. derivation:: newton\n   :loss: w**2 - b**2\n   :params: w b\n   :at: w=0, b=0",
        "derivation newton: the Hessian is not positive definite",
    ),
    (
        ".. derivation:: steepest-descent\n   :dim: 2000000",
        "derivation steepest-descent: option 'dim' expects a whole number from 1 to 1000000",
    ),
    (
        ".. derivation:: gradient-descent\n   :form: circle",
        "derivation gradient-descent: option 'form' expects one of lecture, vector, disc",
    ),
    (
        ".. derivation:: taylor\n   :loss: x**2\n   :params: x\n   :at: x",
        "derivation taylor: option 'at' expects name=value pairs such as 'w=1, b=0', got 'x'",
    ),
    (".. lecture:: 7", "there is no lecture '7'; the lectures are 0, 1, 2, 3"),
    (".. lecture::", "lecture needs its number"),
    (".. lecture:: 3\n   :dim: 2", "lecture 3 does not take :dim: (it takes :label:)"),
]


@pytest.mark.parametrize("warnings_are_errors", [False, True], ids=["plain", "-W"])
@pytest.mark.parametrize(("directive", "message"), CASES, ids=[c[1][:40] for c in CASES])
def test_a_bad_directive_fails_the_build_with_an_error_at_its_line(
    directive: str, message: str, warnings_are_errors: bool, make_app: Any, tmp_path: Path
) -> None:
    app = make_app("html", srcdir=_project(tmp_path, directive), warningiserror=warnings_are_errors)
    app.build()
    assert app.statuscode == 1
    warnings = app._warning.getvalue()
    assert f"index.rst:6: ERROR: {message}" in warnings, warnings
    assert "Traceback" not in warnings and "Extension error" not in warnings
    assert "derive: the build fails: a directive failed at " in warnings


def test_sphinx_build_exits_1_with_the_message_and_no_crash_report(tmp_path: Path) -> None:
    source = _project(tmp_path, ".. derivation:: gradient-descent\n   :dim: 3")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=300,
    )
    assert done.returncode == 1
    assert "index.rst:6: ERROR: derivation gradient-descent does not take :dim:" in done.stderr
    for crash in ("Traceback", "Extension error", "report this", "Versions\n"):
        assert crash not in done.stderr


@pytest.mark.parametrize(
    ("loss", "at", "reason"),
    [
        ("log(x)", "x=0", "log(x) is the log of zero"),
        ("1/x", "x = 0", "undefined"),
        ("sqrt(x)", "x=0", "does not exist"),
    ],
)
def test_a_taylor_expansion_at_a_singular_point_fails_the_build(
    loss: str, at: str, reason: str, make_app: Any, tmp_path: Path
) -> None:
    directive = f".. derivation:: taylor\n   :loss: {loss}\n   :params: x\n   :at: {at}"
    app = make_app("html", srcdir=_project(tmp_path, directive))
    app.build()
    assert app.statuscode == 1
    warnings = app._warning.getvalue()
    assert "index.rst:6: ERROR: derivation taylor: the Taylor expansion about x=0 is undefined" in (
        warnings
    )
    assert reason in warnings
    assert _undefined_values(Path(app.outdir)) == []


def test_a_taylor_expansion_at_a_regular_point_still_builds(make_app: Any, tmp_path: Path) -> None:
    directive = ".. derivation:: taylor\n   :loss: log(x)\n   :params: x\n   :at: x=1"
    app = make_app("html", srcdir=_project(tmp_path, directive))
    app.build()
    assert app.statuscode == 0
    html = (Path(app.outdir) / "index.html").read_text()
    assert r"\mathcal{L}\left(x\right)" in html
    assert _undefined_values(Path(app.outdir)) == []


REPEATED = [
    (
        ".. derivation:: gradient-descent\n   :loss: (w*x + b - y)**2\n   :loss: w**2\n"
        "   :params: w b",
        "derivation gradient-descent: :loss: is given twice; give each option once",
    ),
    (
        ".. derivation:: taylor\n   :loss: x**2\n   :params: x\n   :at: x=1\n   :at: x=2",
        "derivation taylor: :at: is given twice; give each option once",
    ),
    (
        ".. lecture:: 3\n   :label: one\n   :label: two",
        "lecture 3: :label: is given twice; give each option once",
    ),
]


@pytest.mark.parametrize("warnings_are_errors", [False, True], ids=["plain", "-W"])
@pytest.mark.parametrize(("directive", "message"), REPEATED, ids=["loss", "at", "lecture-label"])
def test_an_option_given_twice_fails_the_build_at_its_line(
    directive: str, message: str, warnings_are_errors: bool, make_app: Any, tmp_path: Path
) -> None:
    app = make_app("html", srcdir=_project(tmp_path, directive), warningiserror=warnings_are_errors)
    app.build()
    assert app.statuscode == 1
    warnings = app._warning.getvalue()
    assert f"index.rst:6: ERROR: {message}" in warnings, warnings
    assert "Traceback" not in warnings and "Extension error" not in warnings
    assert "derive: the build fails: a directive failed at " in warnings
    assert "index.rst:6 (see the error there)" in warnings


def test_a_malformed_option_block_fails_the_build(make_app: Any, tmp_path: Path) -> None:
    directive = ".. derivation:: taylor\n   :loss: x**2\n   params x"
    app = make_app("html", srcdir=_project(tmp_path, directive))
    app.build()
    assert app.statuscode == 1
    warnings = app._warning.getvalue()
    assert (
        "index.rst:6: ERROR: derivation taylor: invalid option block (options go right under "
        "the directive, one ':name: value' a line)"
    ) in warnings, warnings


def test_sphinx_build_without_w_exits_1_on_an_option_given_twice(tmp_path: Path) -> None:
    source = _project(tmp_path, ".. derivation:: steepest-descent\n   :dim: 2\n   :dim: 3")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert (
        "index.rst:6: ERROR: derivation steepest-descent: :dim: is given twice; "
        "give each option once"
    ) in done.stderr
    assert "Traceback" not in done.stderr and "Extension error" not in done.stderr
