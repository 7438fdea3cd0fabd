"""Optimizers, each written once as a :class:`~derive.optimizers.spec.Spec`, and learning-rate
schedules; the registry the emitted code, the LaTeX and the mpmath reference all read.

>>> list(SPECS)
['gd', 'momentum', 'nesterov', 'newton', 'adam', 'adamw', 'rmsprop', 'adagrad']
"""

from __future__ import annotations

from types import MappingProxyType

from .adagrad import ADAGRAD
from .adam import ADAM, ADAMW
from .newton import NEWTON
from .rmsprop import RMSPROP
from .sgd import GD, MOMENTUM, NESTEROV
from .spec import Spec

__all__ = ["METHODS", "SPECS", "Spec"]

SPECS = MappingProxyType(
    {s.name: s for s in (GD, MOMENTUM, NESTEROV, NEWTON, ADAM, ADAMW, RMSPROP, ADAGRAD)}
)
"""Method name → its spec."""

METHODS = tuple(SPECS)
"""The methods ``emit`` takes."""
