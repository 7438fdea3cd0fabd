"""The trusted kernel: statements, rules, verification and sealed verdicts.

It imports only SymPy, SymEngine, mpmath and derive's errors; nothing outside it can make
a step proved. See :mod:`.terms` (what is checked), :mod:`.rules` (one class per rule),
:mod:`.algebra` and :mod:`.context` (the exact checks they share), :mod:`.verify` and
:mod:`.verdict`.
"""

from .calculus import Differentiation
from .rules import (
    AbsoluteValue,
    Affine,
    Assumption,
    FirstOrder,
    Identity,
    InnerProduct,
    Instantiate,
    IntervalBound,
    Positivity,
    Power,
    QuadraticForm,
    RowSums,
    Sign,
    Substitution,
    SumOfSquares,
    TaylorBound,
    Transitivity,
    Truncation,
)
from .sums import Diag, Gradient, Hessian, Outer, VectorSum, VectorSymbol
from .terms import RELATIONS, Derivation, Fact, Inner, Rule, Step, exact, seal
from .verdict import Report, StepReport
from .verify import verify

RULES = seal()
"""Every rule of the kernel, the one list of them."""

__all__ = ["RELATIONS", "RULES", "AbsoluteValue", "Affine", "Assumption", "Derivation", "Fact"]
__all__ += ["FirstOrder", "Identity", "Inner", "InnerProduct", "Instantiate", "Positivity", "Power"]
__all__ += ["IntervalBound", "QuadraticForm", "Report", "RowSums", "Rule", "Sign", "Step"]
__all__ += ["StepReport", "Substitution", "TaylorBound"]
__all__ += ["SumOfSquares", "Transitivity", "Truncation", "exact", "verify"]
__all__ += ["Diag", "Differentiation", "Gradient", "Hessian", "Outer", "VectorSum", "VectorSymbol"]
