"""The library of derivations, one module each.

>>> from derive.library import steepest_descent
>>> steepest_descent(dim=2).verify().ok
True
"""

from .steepest import steepest_descent as steepest_descent

__all__ = ["steepest_descent"]
