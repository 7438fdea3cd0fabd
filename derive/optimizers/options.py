"""Hyper-parameter values checked against a spec: torch's names and defaults, each value in
its domain, and a clear :class:`~derive.errors.OptionError` (an ObjectiveError) otherwise.

>>> from derive.optimizers import SPECS
>>> hypers(SPECS["adam"], 0.1, None, {"betas": (0.8, 0.9)})
{'lr': 0.1, 'betas': (0.8, 0.9), 'eps': 1e-08, 'weight_decay': 0.0, 'amsgrad': False}
>>> hypers(SPECS["adam"], 0.1, None, {"beta": 0.9})
Traceback (most recent call last):
...
derive.errors.OptionError: adam takes no option 'beta' (its options: lr, betas, eps, weight_decay, amsgrad)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import OptionError
from .spec import Hyper, Spec

__all__ = ["hypers"]

_NEED = {
    "positive": "a positive finite number",
    "nonnegative": "a non-negative finite number",
    "unit": "a number in [0, 1)",
}


def _number(name: str, value: Any, domain: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise OptionError(f"{name} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        if name in ("lr", "momentum"):
            raise OptionError(
                f"lr and momentum must be finite float64 numbers, and {name} is too large "
                "for float64"
            ) from None
        raise OptionError(f"{name} must be a finite float64 number; it is too large") from None
    ok = math.isfinite(number) and number >= 0
    if domain == "positive":
        ok = ok and number > 0
    elif domain == "unit":
        ok = ok and number < 1
    if not ok:
        raise OptionError(f"{name} must be {_NEED[domain]}, got {number!r}")
    return number


def _value(h: Hyper, value: Any) -> Any:
    if h.domain == "flag":
        if not isinstance(value, (bool, np.bool_)):
            raise OptionError(f"{h.name} must be True or False, got {value!r}")
        return bool(value)
    if len(h.symbols) == 1:
        return _number(h.name, value, h.domain)
    if not isinstance(value, (tuple, list)) or len(value) != len(h.symbols):
        raise OptionError(
            f"{h.name} must be {len(h.symbols)} numbers, such as {h.default!r}, got {value!r}"
        )
    return tuple(_number(f"{h.name}[{i}]", v, h.domain) for i, v in enumerate(value))


def hypers(spec: Spec, lr: Any, momentum: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every free hyper-parameter of ``spec`` with its checked value (defaults filled in).

    ``lr`` and ``momentum`` are the positional arguments of ``run``/``step`` (None: not
    given). A method without momentum accepts momentum 0; a fixed option (gradient
    descent's momentum 0, Nesterov's ``nesterov=True``) may be given only at its value.
    """
    names = [h.name for h in spec.free]
    given = dict(given)
    if momentum is not None:
        if "momentum" in given:
            raise OptionError("momentum is given twice")
        given["momentum"] = momentum
    for name, value in list(given.items()):
        if name in names:
            continue
        if name in spec.fixed and _same(value, spec.fixed[name]):
            del given[name]
            continue
        if name == "momentum" and _same(value, 0.0):
            del given[name]
            continue
        if name in spec.fixed:
            raise OptionError(
                f"{spec.name} fixes {name} = {spec.fixed[name]!r}; got {name}={value!r}"
                + (" (use method='momentum')" if name == "momentum" else "")
            )
        raise OptionError(f"{spec.name} takes no option {name!r} (its options: {', '.join(names)})")
    out: dict[str, Any] = {}
    for h in spec.free:
        value = lr if h.name == "lr" and lr is not None else given.get(h.name, h.default)
        if value is None:
            raise OptionError(f"{spec.name} needs {h.name}")
        out[h.name] = _value(h, value)
    for name, example in spec.positive.items():
        if out[name] == 0:
            raise OptionError(f"{spec.name} needs {name} > 0 (for example {example})")
    return out


def _same(value: Any, fixed: Any) -> bool:
    if isinstance(fixed, bool):
        return isinstance(value, (bool, np.bool_)) and bool(value) == fixed
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.floating, np.integer))
        and float(value) == fixed
    )
