"""A derivation as users hold it: the kernel's data, verified by the kernel, rendered.

The kernel (:mod:`derive.kernel`) knows nothing of rendering; this class adds the
renderings on top, and each of them asks the kernel for the verdict itself.

>>> import sympy
>>> from derive.kernel import Identity, Step
>>> x = sympy.Symbol("x")
>>> d = Derivation("square", (Step((x + 1)**2, "=", x**2 + 2*x + 1, "expand", Identity()),))
>>> d.verify().summary()
'verified: 1 of 1 steps proved'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .kernel import Derivation as _KernelDerivation
from .kernel import Report, Step
from .kernel import verify as _verify
from .render import conclusion, document, html, latex, markdown, text

__all__ = ["Derivation"]


@dataclasses.dataclass(frozen=True, eq=False)
class Derivation(_KernelDerivation):
    """A titled sequence of checked steps under stated premises, with its renderings."""

    def verify(self, progress: Callable[[int, int], None] | None = None) -> Report:
        """The kernel's sealed verdict on every step (cached by content); ``progress(i, n)``
        is called before step i."""
        return _verify(self, progress)

    def replace_step(self, ref: str | int, step: Step) -> Derivation:
        """A copy with one step replaced (for mutation tests and experiments)."""
        i = self.index(ref)
        if not step.label and self.steps[i].label:  # keep the name others refer to
            step = dataclasses.replace(step, label=self.steps[i].label)
        return dataclasses.replace(self, steps=(*self.steps[:i], step, *self.steps[i + 1 :]))

    @property
    def conclusion(self) -> str:
        """What this derivation concludes: its concluding steps, which the kernel checks,
        then its remark (see :func:`derive.render.conclusion`)."""
        return conclusion(self)

    def latex(self) -> str:
        """An align* block of the steps with the kernel's verdicts (see :mod:`derive.render`)."""
        return latex(self)

    def markdown(self) -> str:
        """MyST/Markdown with ``$$`` blocks and the kernel's verdicts."""
        return markdown(self)

    def text(self, *, flat: bool | None = None) -> str:
        """Unicode text for a terminal, with the kernel's verdicts: fractions drawn in 2-D
        where that helps, or every step on one line with ``flat=True`` (the default where
        standard output cannot show Unicode)."""
        return text(self, flat=flat)

    def document(self, **options: Any) -> str:
        """A standalone .tex document, verified (see :func:`derive.render.document`)."""
        return document(self, **options)

    def html(self) -> str:
        r"""HTML with the kernel's verdicts (✓ proved, assumed, ✗) and ``\[ … \]`` math."""
        return html(self)

    def _repr_latex_(self) -> str:
        return self.latex()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        """Short: the title, the number of steps and the kernel's verdict.

        >>> import sympy
        >>> from derive.kernel import Identity, Step
        >>> x = sympy.Symbol("x")
        >>> Derivation("square", (Step((x + 1)**2, "=", x**2 + 2*x + 1, "", Identity()),))
        <Derivation 'square': 1 step; verified: 1 of 1 steps proved>
        """
        count = f"{len(self.steps)} step{'s' if len(self.steps) != 1 else ''}"
        return f"<Derivation {self.title!r}: {count}; {self.verify().summary()}>"
