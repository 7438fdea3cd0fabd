"""derive check: audit the derivations people wrote, in Markdown, LaTeX and reST.

The maths of a text is read by an allowlisted grammar (:mod:`.grammar`, :mod:`.latex`),
found in its file format (:mod:`.documents`), split into chains of claims
(:mod:`.chains`), and each claim judged by the kernel (:mod:`.judge`): proved, failed
with a counterexample, or unproved with the reason. :mod:`.annotate` writes the source
back with ✓/✗ beside each display; :mod:`.command` is ``derive check``.

>>> import derive as dv
>>> a = dv.audit("$$ \\\\frac{d}{dx} x^3 = 3x^2 $$\\n\\n$$ \\\\frac{d}{dx} x^3 = 3x $$")
>>> [(s.line, s.status) for s in a.steps]
[(1, 'proved'), (3, 'failed')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .annotate import annotate as annotate
    from .results import Audit as Audit
    from .results import AuditStep as AuditStep

_LAZY = {"annotate": "annotate", "Audit": "results", "AuditStep": "results"}
"""Imported on first use, so that importing this package (``derive check --help``, the
command line's parser) loads no SymPy, Lark or kernel."""


def audit(text: str, format: str = "markdown", assume: Iterable[str] | str = ()) -> Audit:
    """Judge every step of the maths in ``text`` (``format``: markdown, latex or rst).

    ``assume`` adds assumptions (``"x >= 0"``, ``"x_0 = 1"``; one string or several) to
    those the text states. A text that cannot be read at all (macros defined, files
    included, over the size caps) raises :class:`~derive.errors.ParseError`; maths
    outside what can be read becomes an unproved step saying why. See
    :func:`derive.audit.api.audit`.

    >>> audit("$$ 2x + 3x = 5x $$").ok
    True
    """
    from .api import audit as run

    return run(text, format=format, assume=assume)


__all__ = ["Audit", "AuditStep", "annotate", "audit"]


def __getattr__(name: str) -> Any:
    from importlib import import_module

    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'derive.audit' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
