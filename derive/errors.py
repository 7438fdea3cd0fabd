"""The errors derive raises: one root, one subclass per kind of problem.

Every failure a user can cause is a :class:`DeriveError`, so a caller can catch that one
class; each subclass also derives from the built-in exception it resembles
(``ParseError`` is a ``ValueError``), so existing ``except ValueError`` code keeps working.

The tree::

    DeriveError
    ├── ParseError           loss text that is not a supported expression
    ├── InvalidValueError    a value that is not a finite real number
    ├── ObjectiveError       the loss expression itself (and the base of:)
    │   ├── DeclarationError params=/data= declarations and symbol names
    │   ├── PointError       a point missing or not fitting the parameters
    │   ├── DataError        data values missing, unknown or mis-shaped
    │   ├── DimensionError   too many or too few parameters for the request
    │   └── OptionError      an argument or option a function does not take
    ├── NumericError         a computation that cannot give a trustworthy answer
    │   └── DomainError      the loss undefined, or its Hessian not positive definite
    ├── VerificationError    a derivation required to verify did not
    ├── BudgetError          refused work: over the work budget
    └── InternalError        a bug in derive (exit code 3)

>>> from derive.errors import DeriveError, ParseError
>>> issubclass(ParseError, DeriveError) and issubclass(ParseError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "DataError",
    "DeclarationError",
    "DeriveError",
    "DimensionError",
    "DomainError",
    "InternalError",
    "InvalidValueError",
    "NumericError",
    "ObjectiveError",
    "OptionError",
    "ParseError",
    "PointError",
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
    """A loss expression that is not a real scalar of its parameters (base of objective errors)."""


class VerificationError(DeriveError):
    """A derivation that was required to verify did not."""


class NumericError(DeriveError, ArithmeticError):
    """A numeric computation that cannot give a trustworthy answer (singular, non-finite)."""


class InternalError(DeriveError, RuntimeError):
    """derive itself went wrong (a bug, not the input): reported as such, exit code 3."""


class BudgetError(DeriveError):
    """Refused work: over the work budget (an expansion or computation too large to finish)."""


class OptionError(ObjectiveError):
    """An argument or option a function or command does not take, or a value of it out of range."""


class DeclarationError(ObjectiveError):
    """A ``params=``/``data=`` declaration or name: malformed, repeated, absent or reserved."""


class PointError(ObjectiveError):
    """A point (``at=``, ``about=``, ``--at``) that is needed and missing, or misfits the params."""


class DataError(ObjectiveError):
    """Data values (``data=``) that are missing, name no data symbol, or have the wrong shape."""


class DimensionError(ObjectiveError):
    """A loss with a number of parameters the request cannot handle (a contour plot needs two)."""


class InvalidValueError(DeriveError, ValueError):
    """A value that must be a finite real number and is not (``nan``, a name, ``1j``, a bool)."""


class DomainError(NumericError):
    """A loss or derivative undefined at the point, or a Hessian not positive definite there."""
