"""The errors derive raises: one root, a few subclasses that also inherit a fitting built-in.

Every failure a user can cause is a :class:`DeriveError`, so a caller can catch that one
class; each subclass also derives from the built-in exception it resembles
(``ParseError`` is a ``ValueError``), so existing ``except ValueError`` code keeps working.

>>> from derive.errors import DeriveError, ParseError
>>> issubclass(ParseError, DeriveError) and issubclass(ParseError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "DeriveError",
    "InternalError",
    "NumericError",
    "ObjectiveError",
    "OptionError",
    "ParseError",
    "VerificationError",
]


class DeriveError(Exception):
    """Root of every error derive raises on purpose."""


class ParseError(DeriveError, ValueError):
    """Loss text that is not a safe, supported expression.

    ``column`` is the 1-based column of the offending construct (``None`` when the
    problem concerns the whole text), ``text`` is the input.
    """

    def __init__(self, message: str, *, text: str = "", column: int | None = None) -> None:
        self.text = text
        self.column = column
        if column is not None and text and "\n" not in text and len(text) <= 120:
            message = f"{message}\n  {text}\n  {' ' * (column - 1)}^"
        super().__init__(message)


class ObjectiveError(DeriveError, ValueError):
    """An objective, expansion point or option that does not fit the loss."""


class VerificationError(DeriveError):
    """A derivation that was required to verify did not."""


class NumericError(DeriveError, ArithmeticError):
    """A numeric computation that cannot give a trustworthy answer (singular, non-finite)."""


class InternalError(DeriveError, RuntimeError):
    """derive itself went wrong (a bug, not the input): reported as such, exit code 3."""


class BudgetError(DeriveError):
    """Refused work: over the work budget (an expansion or computation too large to finish)."""


class OptionError(ObjectiveError):
    """An option that a derivation or command does not take, or a value it cannot read."""
