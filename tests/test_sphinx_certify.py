"""The Sphinx directive builds certified step sizes: a smoothness bound, a descent radius,
and the learning-rate kind on a box for a loss that is not quadratic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PAGE = """Certified step sizes
====================

.. derivation:: smoothness
   :loss: x**4 - 3*x**2 + y**2 + x*y
   :params: x y
   :box: x=-2:2, y=-1:1

.. derivation:: descent-radius
   :loss: x**4
   :params: x
   :at: x=1

.. derivation:: learning-rate
   :loss: x**4 + y**2
   :params: x y
   :box: x=-2:2, y=-1:1
   :start: x=1/2, y=0
"""


def _project(tmp_path: Path, page: str) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["derive.sphinxext"]\n')
    (source / "index.rst").write_text(page)
    return source


def test_certified_kinds_build_verified_pages(make_app: Any, tmp_path: Path) -> None:
    app = make_app("html", srcdir=_project(tmp_path, PAGE))
    app.build()
    assert app.statuscode == 0, app._warning.getvalue()
    html = (app.outdir / "index.html").read_text()
    assert html.count("✔ verified") == 3 and "✘" not in html
    assert "Hessian" in html and "interval bound" in html and "descent lemma" in html


def test_a_box_on_a_kind_that_takes_none_fails_the_build(make_app: Any, tmp_path: Path) -> None:
    page = PAGE.replace(":at: x=1", ":at: x=1\n   :box: x=0:1")
    app = make_app("html", srcdir=_project(tmp_path, page))
    app.build()
    assert app.statuscode == 1
    assert "descent-radius does not take :box:" in app._warning.getvalue()
