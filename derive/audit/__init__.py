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

from .annotate import annotate
from .api import audit
from .results import Audit, AuditStep

__all__ = ["Audit", "AuditStep", "annotate", "audit"]
