"""The library of derivations, one module each, and the one registry of them by name.

>>> from derive.library import REGISTRY
>>> sorted(REGISTRY)  # doctest: +NORMALIZE_WHITESPACE
['derivatives', 'descent-radius', 'gradient-descent', 'learning-rate', 'newton',
 'smoothness', 'steepest-descent', 'taylor']
"""

from .certify import descent_radius as descent_radius
from .certify import smoothness_bound as smoothness_bound
from .expansion import taylor_expansion as taylor_expansion
from .gradient import gradient_descent as gradient_descent
from .newton import newton_step as newton_step
from .registry import REGISTRY as REGISTRY
from .registry import build as build
from .steepest import steepest_descent as steepest_descent
from .stepsize import learning_rate_bound as learning_rate_bound
from .stepsize import step_size as step_size
from .vector_calculus import vector_calculus as vector_calculus

__all__ = [
    "REGISTRY",
    "build",
    "descent_radius",
    "gradient_descent",
    "learning_rate_bound",
    "newton_step",
    "smoothness_bound",
    "steepest_descent",
    "step_size",
    "taylor_expansion",
    "vector_calculus",
]
