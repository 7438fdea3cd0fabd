"""The Sphinx extension never publishes an undefined value: a Taylor expansion at a
singular point fails the build with an error naming the point, and no page says NaN."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ExtensionError

PAGE = """Singular
========

.. derivation:: taylor
   :loss: {loss}
   :params: x
   :at: {at}
"""


def _project(tmp_path: Path, loss: str, at: str) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["derive.sphinxext"]\n')
    (source / "index.rst").write_text(PAGE.format(loss=loss, at=at))
    return source


def _undefined_values(outdir: Path) -> list[str]:
    """Every 'nan', 'NaN' or 'zoo' (SymPy's complex infinity) in the written HTML."""
    found = []
    for page in outdir.rglob("*.html"):
        found += [f"{page.name}: {m}" for m in re.findall(r"\b(?:nan|NaN|zoo)\b", page.read_text())]
    return found


@pytest.mark.parametrize(
    ("loss", "at", "reason"),
    [
        ("log(x)", "x=0", "log(x) is the log of zero"),
        ("1/x", "x=0", "undefined"),
        ("sqrt(x)", "x=0", "does not exist"),
    ],
)
def test_a_taylor_expansion_at_a_singular_point_fails_the_build(
    loss: str, at: str, reason: str, make_app: Any, tmp_path: Path
) -> None:
    app = make_app("html", srcdir=_project(tmp_path, loss, at))
    with pytest.raises(ExtensionError, match=r"index\.rst:4: derivation taylor: ") as info:
        app.build()
    assert "the Taylor expansion about x=0 is undefined" in str(info.value)
    assert reason in str(info.value)
    assert "index.rst:4: ERROR" in app._warning.getvalue()
    assert _undefined_values(Path(app.outdir)) == []


def test_a_taylor_expansion_at_a_regular_point_still_builds(make_app: Any, tmp_path: Path) -> None:
    app = make_app("html", srcdir=_project(tmp_path, "log(x)", "x=1"))
    app.build()
    html = (Path(app.outdir) / "index.html").read_text()
    assert r"\mathcal{L}\left(x\right)" in html
    assert _undefined_values(Path(app.outdir)) == []
