"""The trusted kernel: statements, rules, verification and sealed verdicts.

It imports only SymPy, SymEngine, mpmath and derive's errors; nothing outside it can make
a step proved. See :mod:`.terms` (what is checked), :mod:`.rules` (one class per rule),
:mod:`.algebra` (the exact checks they share), :mod:`.verify` and :mod:`.verdict`.
"""

from .rules import (
    AbsoluteValue,
    Affine,
    Assumption,
    Identity,
    InnerProduct,
    Instantiate,
    Positivity,
    Power,
    QuadraticForm,
    Sign,
    Substitution,
    SumOfSquares,
    Transitivity,
    Truncation,
)
from .terms import RELATIONS, Derivation, Fact, Inner, Rule, Step, exact
from .verdict import Report, StepReport, gloss, statement
from .verify import verify

__all__ = [
    "RELATIONS",
    "RULES",
    "AbsoluteValue",
    "Affine",
    "Assumption",
    "Derivation",
    "Fact",
    "Identity",
    "Inner",
    "InnerProduct",
    "Instantiate",
    "Positivity",
    "Power",
    "QuadraticForm",
    "Report",
    "Rule",
    "Sign",
    "Step",
    "StepReport",
    "Substitution",
    "SumOfSquares",
    "Transitivity",
    "Truncation",
    "exact",
    "gloss",
    "statement",
    "verify",
]

RULES = (
    Identity,
    Assumption,
    Sign,
    SumOfSquares,
    Affine,
    Power,
    AbsoluteValue,
    Transitivity,
    Substitution,
    Instantiate,
    Truncation,
    InnerProduct,
    Positivity,
    QuadraticForm,
)
"""Every rule of the kernel, the one list of them."""
