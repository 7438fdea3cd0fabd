"""Names: what a user's parameter or data name may be.

A user's name is a plain ASCII identifier that starts with a letter, has no double
underscore and is not a Python keyword, so every internal name that starts with an
underscore (or is not ASCII) is fresh against it.

>>> check_name("theta_1")
'theta_1'
"""

from __future__ import annotations

import keyword
import re

from .errors import ParseError

__all__ = ["NAME_PATTERN", "check_name"]

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
"""What a parameter or data name must look like: a plain ASCII identifier, no dunders."""


def check_name(name: str, *, what: str = "name") -> str:
    """Return ``name`` when it is a plain ASCII identifier without dunders, else raise.

    >>> check_name("w_1")
    'w_1'
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or "__" in name:
        raise ParseError(
            f"{what} {name!r} is not allowed: use ASCII letters, digits and single "
            "underscores, starting with a letter (for example 'theta_1')"
        )
    if name == "e":
        raise ParseError(
            f"{what} 'e' would print as Euler's number e = exp(1): choose another name ('e_1')"
        )
    if keyword.iskeyword(name):
        raise ParseError(f"{what} {name!r} is a Python keyword: choose another name ('lam')")
    return name
