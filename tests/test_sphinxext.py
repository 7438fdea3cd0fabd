"""The Sphinx extension, exercised by building tiny projects."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ConfigError

from derive import __version__, sphinxext

MATHJAX = Path(__file__).resolve().parent.parent / "docs" / "_mathjax" / "node_modules" / "mathjax"


def _copy(source: Any, tmp_path: Path, name: str = "src") -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def _clean(app: Any) -> str:
    """The build's warnings; none of them a traceback or Sphinx's crash report."""
    text = app._warning.getvalue()
    assert "Traceback" not in text and "Extension error" not in text
    return text


@pytest.mark.sphinx("html", testroot="derive")
def test_directives_verify_and_render_with_visible_verdicts(app: Any) -> None:
    app.build()
    assert app.statuscode == 0
    html = (app.outdir / "index.html").read_text()
    assert html.count("derive-step") >= 37 + 14 + 11
    assert "✔ verified: 36 of 36 steps proved, 5 premises assumed" in html
    assert "✔ verified: 13 of 13 steps proved, 1 premise assumed" in html
    assert "• assumed" in html
    assert "✔ proved" in html and "✘" not in html
    assert r"\mathcal{L}\left(x\right) = 2" in html  # the taylor directive
    assert "caption-number" not in html  # numfig is off: titles without numbers
    assert "warning" not in app._warning.getvalue().lower()


@pytest.mark.sphinx("html", testroot="derive")
def test_the_stylesheet_ships_with_the_extension(app: Any) -> None:
    app.build()
    html = (app.outdir / "index.html").read_text()
    assert re.search(r'<link rel="stylesheet"[^>]*href="_static/derive\.css', html)
    css = (app.outdir / "_static" / "derive.css").read_text()
    assert ".derive-proved" in css and ".derive-failed" in css
    assert re.search(r"mjx-container\[display=\"true\"\][^{]*\{[^}]*overflow-x: auto", css)


@pytest.mark.sphinx("html", testroot="derive")
def test_results_are_cached_so_an_unchanged_page_is_not_verified_again(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.build()
    calls: list[str] = []
    real = sphinxext.build
    monkeypatch.setattr(
        sphinxext, "build", lambda name, options: calls.append(name) or real(name, options)
    )
    app.build()  # nothing changed: nothing is read again
    assert calls == []
    domain = app.env.get_domain("derive")
    assert len(domain.data["results"]) == 4


def test_an_edited_page_is_verified_again_and_a_fixed_one_passes(
    make_app: Any, rootdir: Any, tmp_path: Path
) -> None:
    source = _copy(rootdir / "test-derive", tmp_path)
    page = source / "index.rst"
    good = page.read_text()
    page.write_text(good.replace(":dim: 2", ":dim: 2\n   :loss: x**2"))
    app = make_app("html", srcdir=source)
    app.build()
    assert app.statuscode == 1
    app = make_app("html", srcdir=source)
    app.build()  # unchanged: not read again, and still failing, with its error repeated
    assert app.statuscode == 1
    assert "index.rst:8: ERROR: derivation steepest-descent does not take :loss:" in _clean(app)
    page.write_text(good)
    app = make_app("html", srcdir=source)
    app.build()
    assert app.statuscode == 0 and "ERROR" not in _clean(app)


@pytest.mark.sphinx("html", testroot="derive-broken")
def test_bad_input_is_an_error_at_the_file_and_line_and_fails_the_build(app: Any) -> None:
    app.build()
    assert app.statuscode == 1
    warnings = _clean(app)
    assert "index.rst:6: ERROR: derivation gradient-descent: unsupported syntax" in warnings
    assert "derive: the build fails: a directive failed at " in warnings


@pytest.mark.sphinx("html", testroot="derive-unverified")
def test_a_derivation_that_cannot_be_built_fails_the_build(app: Any) -> None:
    app.build()
    assert app.statuscode == 1
    assert "index.rst:4: ERROR: derivation newton: the Hessian is not positive definite" in (
        _clean(app)
    )


def test_a_derivation_that_does_not_verify_fails_the_build(
    make_app: Any, rootdir: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = sphinxext.build

    def unverified(name: str, options: dict) -> dict:
        result = real(name, options)
        result["ok"], result["summary"] = (
            False,
            "NOT verified: 13 of 14 steps proved; step 7 (bound) failed",
        )
        return result

    monkeypatch.setattr(sphinxext, "build", unverified)
    app = make_app("html", srcdir=_copy(rootdir / "test-derive", tmp_path))
    app.build()
    assert app.statuscode == 1
    assert "did not verify: NOT verified: 13 of 14 steps proved" in _clean(app)


def test_a_bug_in_derive_is_an_error_at_the_directive_not_a_crash_report(
    make_app: Any, rootdir: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(name: str, options: dict) -> dict:
        return [][0]

    monkeypatch.setattr(sphinxext, "build", broken)
    app = make_app("html", srcdir=_copy(rootdir / "test-derive", tmp_path))
    app.build()
    assert app.statuscode == 1
    assert (
        "index.rst:4: ERROR: derivation gradient-descent: internal error in derive "
        "(IndexError: list index out of range); please report it" in _clean(app)
    )


# -- labels, numbers and cross-references


@pytest.mark.sphinx("html", testroot="derive-labels")
def test_labels_number_derivations_and_references_find_them(app: Any) -> None:
    app.build()
    assert app.statuscode == 0
    assert "WARNING" not in _clean(app)
    index = (app.outdir / "index.html").read_text()
    numbers = re.findall(r'<span class="caption-number">([^<]*)</span>', index)
    assert [n.strip() for n in numbers] == ["Derivation 1", "Derivation 2", "Derivation 3"]
    assert 'id="gd-squared"' in index and 'id="taylor-log"' in index
    assert re.search(r'href="#gd-squared"><span class="std std-numref">Derivation 1</span>', index)
    assert re.search(
        r'href="#gd-squared"><span class="std std-ref">Gradient descent for ℒ\(w, b\)', index
    )
    assert re.search(r'href="#taylor-log"><span class="std std-numref">Expansion 3</span>', index)
    other = (app.outdir / "other.html").read_text()
    assert re.search(
        r'href="index\.html#gd-squared"><span class="std std-numref">Derivation 1', other
    )
    assert re.search(r'href="#lecture-three"><span class="std std-ref">the lecture</span>', other)


@pytest.mark.sphinx("html", testroot="derive-labels", confoverrides={"numfig": False})
def test_ref_works_without_numfig(app: Any) -> None:
    app.build()
    index = (app.outdir / "index.html").read_text()
    assert "caption-number" not in index
    assert re.search(r'href="#gd-squared"><span class="std std-ref">Gradient descent for', index)


@pytest.mark.sphinx("html", testroot="derive-labels")
def test_the_lecture_directive_shows_every_section_verified(app: Any) -> None:
    app.build()
    other = (app.outdir / "other.html").read_text()
    assert "Gradient descent on f(x) = 2x²" in other
    for heading in ("Setting the derivative to zero", "The update rule", "Iterates and the step"):
        assert heading in other
    # three sections and the solutions of three exercises
    assert other.count("✔ verified:") == 6 and "NOT verified" not in other
    assert "<table" in other and "x_k (exact)" in other and "0.36" in other  # x₂ = 9/25
    assert other.count('src="data:image/png;base64,') == 1  # the figure of 2x² and its iterates


def test_a_duplicate_label_is_a_warning_and_fails_with_w(
    make_app: Any, rootdir: Any, tmp_path: Path
) -> None:
    source = _copy(rootdir / "test-derive-labels", tmp_path)
    other = source / "other.rst"
    other.write_text(other.read_text().replace("lecture-three", "gd-squared"))
    app = make_app("html", srcdir=source, warningiserror=True)
    app.build()
    assert app.statuscode == 1
    assert "duplicate label gd-squared" in _clean(app)


def test_parallel_reads_merge_results_failures_and_labels(
    make_app: Any, rootdir: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged: list[list[str]] = []
    real = sphinxext.DeriveDomain.merge_domaindata

    def merge(self: Any, docnames: Any, otherdata: Any) -> None:
        merged.append(list(docnames))
        real(self, docnames, otherdata)

    monkeypatch.setattr(sphinxext.DeriveDomain, "merge_domaindata", merge)
    source = _copy(rootdir / "test-derive-labels", tmp_path)
    pages = [f"page{i}" for i in range(6)]
    for i, name in enumerate(pages):
        (source / f"{name}.rst").write_text(
            f"Page {i}\n{'=' * 6}\n\n.. derivation:: steepest-descent\n   :dim: {i + 1}\n"
            f"   :label: sd-{i}\n\nSee :numref:`gd-squared`.\n"
        )
    (source / "page5.rst").write_text("Broken\n======\n\n.. derivation:: newton\n   :dim: 2\n")
    index = source / "index.rst"
    index.write_text(
        index.read_text().replace("   other\n", "   other\n" + "".join(f"   {p}\n" for p in pages))
    )
    app = make_app("html", srcdir=source, parallel=2)
    app.build()
    assert merged, "the documents were read in parallel and merged"
    assert app.statuscode == 1  # the failure on page5, read in another process, fails the build
    assert "page5.rst:4: ERROR: derivation newton does not take :dim:" in _clean(app)
    domain = app.env.get_domain("derive")
    assert [where.rsplit("/", 1)[-1] for where, _ in domain.failures()] == ["page5.rst:4"]
    assert len(domain.data["results"]) >= 8
    page0 = (app.outdir / "page0.html").read_text()
    assert re.search(r'index\.html#gd-squared"><span class="std std-numref">Derivation 1', page0)


@pytest.mark.sphinx("latex", testroot="derive-labels")
def test_the_latex_builder_renders_titles_without_floats(app: Any) -> None:
    app.build()
    assert app.statuscode == 0
    tex = next(Path(app.outdir).glob("*.tex")).read_text()
    assert r"\textbf{Gradient descent for ℒ(w, b)" in tex
    assert r"\caption{Gradient" not in tex


# -- MathJax offline


def test_derive_mathjax_path_serves_mathjax_from_the_site(
    make_app: Any, rootdir: Any, tmp_path: Path
) -> None:
    if not (MATHJAX / "es5" / "tex-chtml.js").exists():
        pytest.skip("MathJax is not installed (npm install --prefix docs/_mathjax mathjax@3)")
    app = make_app(
        "html",
        srcdir=_copy(rootdir / "test-derive", tmp_path),
        confoverrides={"derive_mathjax_path": str(MATHJAX)},
    )
    app.build()
    html = (app.outdir / "index.html").read_text()
    assert re.search(r'<script[^>]*src="_static/mathjax/tex-chtml\.js', html)
    assert not re.search(r"https?://[^\"']*(cdn|jsdelivr)", html)
    assert (app.outdir / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (app.outdir / "_static" / "mathjax" / "input" / "tex" / "extensions").is_dir()


def test_a_wrong_derive_mathjax_path_is_a_config_error_naming_the_recipe(
    make_app: Any, rootdir: Any, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"derive_mathjax_path = 'nowhere': no MathJax 3 there"):
        make_app(
            "html",
            srcdir=_copy(rootdir / "test-derive", tmp_path),
            confoverrides={"derive_mathjax_path": "nowhere"},
        )


@pytest.mark.sphinx("html", testroot="derive")
def test_setup_declares_version_and_parallel_safety(app: Any) -> None:
    extension = app.extensions["derive.sphinxext"]
    assert extension.version == __version__
    assert extension.parallel_read_safe and extension.parallel_write_safe
    assert extension.metadata["env_version"] == 2


@pytest.mark.sphinx("html", testroot="derive-check")
def test_check_marks_each_step_of_a_hand_written_chain(app: Any) -> None:
    app.build()
    assert app.statuscode == 0
    html = (app.outdir / "index.html").read_text()
    assert html.count('class="derive-proved">✔ proved') == 3
    assert 'class="derive-unproved">? unproved</span>' in html
    assert r"\((x+1)(x+1) = x^2 + 2x + 1\)" in html
    assert "x - sin(x) is not provably non-negative" in html
    assert 'href="#square"' in html
    assert "ERROR" not in _clean(app) and "WARNING" not in _clean(app)


@pytest.mark.sphinx("html", testroot="derive-check-false")
def test_check_fails_the_build_at_the_line_of_a_false_step(app: Any) -> None:
    app.build()
    assert app.statuscode == 1
    warnings = _clean(app)
    assert re.search(
        r"index\.rst:7: ERROR: check: a\^2 - 2ab \+ b\^2 = a\^2 \+ b\^2 is false at a = \S+, b = ",
        warnings,
    )
    assert "derive: the build fails: a directive failed at " in warnings
    html = (app.outdir / "index.html").read_text()
    assert 'class="derive-failed">✘ failed' in html and html.count("✔ proved") == 1


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            ".. check::\n   :strict:\n\n   \\sin x \\le 1",
            "index.rst:9: ERROR: check: \\sin x \\le 1 is unproved",
        ),
        (
            ".. check::\n   :bogus: 1\n\n   x = x",
            "check does not take :bogus: (it takes :assume:, :label:, :strict:)",
        ),
        (".. check::", "check needs the chain to check as its content"),
        (".. check::\n\n   \\input{/etc/passwd}", "check: \\input at line 1 is refused"),
        (".. check::\n\n   \\text{no maths}", "check: the content states no relation to check"),
    ],
)
def test_check_refuses_bad_blocks_at_their_line(
    make_app: Any, tmp_path: Path, block: str, message: str
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["derive.sphinxext"]\n')
    (source / "index.rst").write_text(f"Title\n=====\n\nText.\n\n{block}\n")
    app = make_app("html", srcdir=source)
    app.build()
    assert app.statuscode == 1
    assert message in _clean(app)
