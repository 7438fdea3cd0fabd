"""Sphinx configuration for derive's own documentation (it uses derive.sphinxext on itself)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from derive import __version__  # noqa: E402

project = "derive"
author = "the derive developers"
release = version = __version__
copyright = "the derive developers"

extensions = [
    "derive.sphinxext",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = False

html_theme = "alabaster"
exclude_patterns = ["_build", "_mathjax"]
numfig = True  # derivations are numbered for :numref:

# Math renders offline: derive.sphinxext serves this MathJax 3 from _static/mathjax,
# never a CDN. `npm install --prefix docs/_mathjax mathjax@3` fetches it (.ci/run does).
derive_mathjax_path = "_mathjax/node_modules/mathjax"
if not (HERE / derive_mathjax_path / "es5" / "tex-chtml.js").exists():
    raise RuntimeError(
        "MathJax is missing: run `npm install --prefix docs/_mathjax mathjax@3` "
        "(the docs serve it locally so that no page depends on a CDN)"
    )
mathjax3_config = {"tex": {"packages": {"[+]": ["ams"]}}}

# Figures for the tutorial, drawn by derive.plot at build time (not committed).
GENERATED = HERE / "_generated"


def _figures() -> None:
    from derive.examples import SIGMOID_NEURON
    from derive.plot import descent_figure, save, taylor_figure

    GENERATED.mkdir(exist_ok=True)
    figure, _ = descent_figure(SIGMOID_NEURON, [-2.0, -1.0], lr=4.0, steps=40)
    save(figure, GENERATED / "descent.png")
    save(taylor_figure(SIGMOID_NEURON, {"w": 0, "b": 0}, radius=1.0), GENERATED / "taylor.png")


_figures()
