"""The library of derivations, one module each, and a registry by name.

>>> from derive.library import DERIVATIONS
>>> sorted(DERIVATIONS)
['gradient-descent', 'learning-rate', 'newton', 'steepest-descent']
"""

from .gradient import gradient_descent as gradient_descent
from .newton import newton_step as newton_step
from .steepest import steepest_descent as steepest_descent
from .stepsize import learning_rate_bound as learning_rate_bound
from .stepsize import step_size as step_size

__all__ = [
    "DERIVATIONS",
    "gradient_descent",
    "learning_rate_bound",
    "newton_step",
    "steepest_descent",
    "step_size",
]

DERIVATIONS = {
    "steepest-descent": steepest_descent,
    "gradient-descent": gradient_descent,
    "newton": newton_step,
    "learning-rate": step_size,
}
"""Derivation builders by the names the command line and the Sphinx directive use."""
