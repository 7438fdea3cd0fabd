"""The Sphinx extension, exercised by building tiny projects."""

from __future__ import annotations

from typing import Any

import pytest
from sphinx.errors import ExtensionError

from derive import __version__, sphinxext


@pytest.mark.sphinx("html", testroot="derive")
def test_directives_verify_and_render_with_visible_verdicts(app: Any) -> None:
    app.build()
    html = (app.outdir / "index.html").read_text()
    assert html.count("derive-step") >= 37 + 14 + 11
    assert "✔ verified: 33 of 33 steps proved, 4 premises assumed" in html
    assert "✔ verified: 13 of 13 steps proved, 1 premise assumed" in html
    assert "• assumed" in html
    assert "✔ proved" in html and "✘" not in html
    assert r"\mathcal{L}\left(x\right) = 2" in html  # the taylor directive
    assert "warning" not in app._warning.getvalue().lower()


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


@pytest.mark.sphinx("html", testroot="derive-broken")
def test_bad_input_is_an_error_at_the_file_and_line_and_fails_the_build(app: Any) -> None:
    with pytest.raises(
        ExtensionError, match=r"index\.rst:6: derivation gradient-descent: unsupported syntax"
    ):
        app.build()
    assert "index.rst:6: ERROR" in app._warning.getvalue()


@pytest.mark.sphinx("html", testroot="derive-unverified")
def test_a_derivation_that_cannot_be_built_fails_the_build(app: Any) -> None:
    with pytest.raises(ExtensionError, match="not positive definite"):
        app.build()


def test_a_derivation_that_does_not_verify_fails_the_build(
    make_app: Any, rootdir: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
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
    with pytest.raises(ExtensionError, match="did not verify: NOT verified: 13 of 14 steps proved"):
        app.build()


def _copy(source: Any, tmp_path: Any) -> Any:
    import shutil

    target = tmp_path / "src"
    shutil.copytree(source, target)
    return target


def test_setup_declares_version_and_parallel_safety() -> None:
    class App:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def add_domain(self, domain: Any) -> None:
            self.calls.append("domain")

        def add_directive(self, name: str, directive: Any) -> None:
            self.calls.append(name)

        def connect(self, event: str, handler: Any) -> None:
            self.calls.append(event)

    app = App()
    meta = sphinxext.setup(app)  # type: ignore[arg-type]
    assert meta == {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
    assert app.calls == ["domain", "derivation", "env-check-consistency"]
