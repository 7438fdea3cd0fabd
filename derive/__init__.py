"""derive: machine-checked derivations of optimizer update rules.

>>> import derive as dv
>>> obj = dv.Objective("2*x**2", params="x")
>>> dv.taylor(obj, order=2, about={"x": 1}).terms
(2, 4*x - 4, 2*(x - 1)**2)
"""

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from .audit import audit as audit
    from .derivation import Derivation as Derivation
    from .emit import UpdateRule as UpdateRule
    from .emit import emit as emit
    from .errors import BudgetError as BudgetError
    from .errors import DataError as DataError
    from .errors import DeclarationError as DeclarationError
    from .errors import DeriveError as DeriveError
    from .errors import DimensionError as DimensionError
    from .errors import DomainError as DomainError
    from .errors import InternalError as InternalError
    from .errors import InvalidValueError as InvalidValueError
    from .errors import NumericError as NumericError
    from .errors import ObjectiveError as ObjectiveError
    from .errors import OptionError as OptionError
    from .errors import ParseError as ParseError
    from .errors import PointError as PointError
    from .errors import VerificationError as VerificationError
    from .kernel import Fact as Fact
    from .kernel import Report as Report
    from .kernel import Step as Step
    from .kernel import StepReport as StepReport
    from .library import descent_radius as descent_radius
    from .library import gradient_descent as gradient_descent
    from .library import learning_rate_bound as learning_rate_bound
    from .library import newton_step as newton_step
    from .library import smoothness_bound as smoothness_bound
    from .library import steepest_descent as steepest_descent
    from .library import step_size as step_size
    from .library import vector_calculus as vector_calculus
    from .library.contraction import contraction as contraction
    from .library.lemma import descent_lemma as descent_lemma
    from .objective import Objective as Objective
    from .parse import parse as parse
    from .taylor import Directional as Directional
    from .taylor import Taylor as Taylor
    from .taylor import directional as directional
    from .taylor import taylor as taylor

_LAZY = {
    "audit": "audit",
    "Derivation": "derivation",
    "UpdateRule": "emit",
    "emit": "emit",
    "BudgetError": "errors",
    "DataError": "errors",
    "DeclarationError": "errors",
    "DeriveError": "errors",
    "DimensionError": "errors",
    "DomainError": "errors",
    "InternalError": "errors",
    "InvalidValueError": "errors",
    "NumericError": "errors",
    "ObjectiveError": "errors",
    "OptionError": "errors",
    "ParseError": "errors",
    "PointError": "errors",
    "VerificationError": "errors",
    "Fact": "kernel",
    "Report": "kernel",
    "Step": "kernel",
    "StepReport": "kernel",
    "contraction": "library.contraction",
    "descent_lemma": "library.lemma",
    "descent_radius": "library",
    "gradient_descent": "library",
    "learning_rate_bound": "library",
    "newton_step": "library",
    "smoothness_bound": "library",
    "steepest_descent": "library",
    "step_size": "library",
    "vector_calculus": "library",
    "Objective": "objective",
    "parse": "parse",
    "Directional": "taylor",
    "Taylor": "taylor",
    "directional": "taylor",
    "taylor": "taylor",
}
"""Public name → the submodule defining it, imported on first use so that
``derive --version`` and ``--help`` start without importing SymPy."""


def __getattr__(name: str) -> Any:
    from importlib import import_module

    module = _LAZY.get(name)
    if module is None:  # a submodule, as eager imports used to leave them: derive.errors
        if not name.startswith("_"):
            try:
                return import_module(f".{name}", __name__)
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(ModuleType):
    """The package module. Importing a submodule stores it on its package by name, and
    three public functions share their submodule's name (``emit``, ``parse``,
    ``taylor``): the function is kept, as eager imports used to leave it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and _LAZY.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "BudgetError",
    "DataError",
    "DeclarationError",
    "Derivation",
    "DeriveError",
    "DimensionError",
    "Directional",
    "DomainError",
    "Fact",
    "InternalError",
    "InvalidValueError",
    "NumericError",
    "Objective",
    "ObjectiveError",
    "OptionError",
    "ParseError",
    "PointError",
    "Report",
    "Step",
    "StepReport",
    "Taylor",
    "UpdateRule",
    "VerificationError",
    "__version__",
    "audit",
    "contraction",
    "descent_lemma",
    "descent_radius",
    "directional",
    "emit",
    "gradient_descent",
    "learning_rate_bound",
    "newton_step",
    "parse",
    "smoothness_bound",
    "steepest_descent",
    "step_size",
    "taylor",
    "vector_calculus",
]
