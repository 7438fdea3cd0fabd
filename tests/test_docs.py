"""The documentation builds with warnings as errors, and its math renders in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MATHJAX = DOCS / "_mathjax" / "node_modules" / "mathjax" / "es5" / "tex-chtml.js"


def _required(found: object, what: str, install: str) -> None:
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: .ci/run must install it ({install})")
    pytest.skip(f"{what} is not installed ({install})")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _required(MATHJAX.exists(), "MathJax", "npm install --prefix docs/_mathjax mathjax@3")
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("site")
    code = build_main(["-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)])
    assert code == 0, "the docs must build with warnings as errors"
    return out


def test_docs_build_with_every_derivation_verified(site: Path) -> None:
    tutorial = (site / "tutorial.html").read_text()
    # five derivations and a Taylor expansion, all checked by the kernel
    assert tutorial.count("✔ verified:") == 6
    assert "Taylor expansion of ℒ(w, b)" in tutorial
    assert "NOT verified" not in tutorial
    for page in (
        "index",
        "tutorial",
        "api",
        "verification",
        "howto/cli",
        "howto/python",
        "howto/sphinx",
        "howto/emitted",
    ):
        assert (site / f"{page}.html").exists(), page


def test_no_page_depends_on_a_network_cdn(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"https?://[^\"']*(cdn|jsdelivr|unpkg|cloudflare)", text), page
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists()  # derive_mathjax_path
    assert (site / "_static" / "derive.css").exists()  # the extension's stylesheet


def test_the_sphinx_howto_cross_references_its_derivation(site: Path) -> None:
    page = (site / "howto" / "sphinx.html").read_text()
    assert re.search(r'href="#howto-gd-squared"><span class="std std-numref">Derivation \d+', page)
    assert re.search(r'href="#howto-gd-squared"><span class="std std-ref">Gradient descent', page)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    _required(found, "chromium", "apt-get install chromium")
    assert found is not None
    return found


def test_tutorial_math_renders_in_headless_chromium(site: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=20000",
            "--dump-dom",
            (site / "tutorial.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    source = (site / "tutorial.html").read_text()
    blocks = source.count('class="math')
    rendered = dom.count("<mjx-container")
    assert blocks > 90
    assert rendered >= blocks, f"{rendered} rendered of {blocks} math elements"
    assert "<mjx-merror" not in dom
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", dom, flags=re.S))
    for raw in (r"\begin{align", r"\frac", r"\mathcal", "\\("):
        assert raw not in visible, f"raw TeX {raw!r} is visible"
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
