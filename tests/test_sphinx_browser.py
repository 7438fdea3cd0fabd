"""A user's project with derivation and lecture directives, MathJax served offline through
derive_mathjax_path, opened in headless Chromium: every display renders, none fails, no
raw TeX is left on the page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MATHJAX = Path(__file__).resolve().parent.parent / "docs" / "_mathjax" / "node_modules" / "mathjax"


MEASURE = """
window.addEventListener("load", () => {
  const measure = () => {
    const root = document.documentElement;
    const displays = [...document.querySelectorAll('mjx-container[display="true"]')];
    root.dataset.pageScrolls = String(root.scrollWidth > root.clientWidth);
    root.dataset.displaysScrolling = String(
      displays.filter((d) => d.scrollWidth > d.clientWidth + 1).length);
  };
  MathJax.startup.promise.then(measure);
});
"""
"""Marks <html> once MathJax is done: does the page scroll sideways, and how many
displays scroll inside their own box."""


def _required(found: object, what: str, install: str) -> None:
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: .ci/run must install it ({install})")
    pytest.skip(f"{what} is not installed ({install})")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _required(
        (MATHJAX / "es5" / "tex-chtml.js").exists(),
        "MathJax",
        "npm install --prefix docs/_mathjax mathjax@3",
    )
    from sphinx.cmd.build import build_main

    source = tmp_path_factory.mktemp("project") / "src"
    shutil.copytree(Path(__file__).parent / "roots" / "test-derive-labels", source)
    (source / "_static").mkdir()
    (source / "_static" / "measure.js").write_text(MEASURE)
    with (source / "conf.py").open("a") as conf:
        conf.write(f"derive_mathjax_path = {str(MATHJAX)!r}\n")
        conf.write('html_static_path = ["_static"]\nhtml_js_files = ["measure.js"]\n')
    out = tmp_path_factory.mktemp("site")
    assert build_main(["-W", "-q", "-b", "html", str(source), str(out)]) == 0
    return out


def _dom(page: Path, profile: Path, width: int = 1200) -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    _required(chromium, "chromium", "apt-get install chromium")
    assert chromium is not None
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=20000",
            f"--window-size={width},900",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


@pytest.mark.parametrize(("page", "least"), [("index", 40), ("other", 20)])
def test_directive_pages_render_their_math_offline(
    site: Path, page: str, least: int, tmp_path: Path
) -> None:
    html = site / f"{page}.html"
    source = html.read_text()
    assert 'src="_static/mathjax/tex-chtml.js' in source
    dom, log = _dom(html, tmp_path / "profile")
    blocks = source.count('class="math')
    rendered = dom.count("<mjx-container")
    assert blocks >= least
    assert rendered >= blocks, f"{rendered} rendered of {blocks} math elements"
    assert "<mjx-merror" not in dom and "data-mjx-error" not in dom
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", dom, flags=re.S))
    for raw in (r"\begin{align", r"\frac", r"\mathcal", r"\left(", "\\[", "$$"):
        assert raw not in visible, f"raw TeX {raw!r} is visible"
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    assert console == [], console


def test_wide_displays_scroll_inside_their_box_not_the_page(site: Path, tmp_path: Path) -> None:
    dom, _ = _dom(site / "index.html", tmp_path / "profile", width=700)
    scrolling = re.search(r'data-displays-scrolling="(\d+)"', dom)
    assert scrolling is not None, "the measuring script did not run after MathJax"
    assert int(scrolling.group(1)) >= 1  # some displays are wider than 700 px
    assert 'data-page-scrolls="false"' in dom  # but the page itself does not scroll
