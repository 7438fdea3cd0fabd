"""The optimizer state of the functional form (``init``/``update``), as optax users expect:
an immutable value holding the step count, the buffers (keyed as torch.optim keys them) and
the hyper-parameters it was created with.

>>> import numpy as np
>>> s = OptState("adam", 0, {"exp_avg": np.zeros(2)}, {"lr": 0.1})
>>> s.buffers["exp_avg"].flags.writeable, s.rate()
(False, 0.1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .schedules import Schedule

__all__ = ["OptState"]


def _frozen(array: Any) -> Any:
    """A read-only float64 copy of a NumPy array (or list, or number); another library's
    array (PyTorch, JAX, Dask: the emitted update made it and holds no other reference) as
    it is."""
    if not isinstance(array, (np.ndarray, np.generic, list, tuple, float, int)):
        return array
    out = np.array(array, dtype=np.float64)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class OptState:
    """Step count (0 before the first update), buffers, hyper-parameters and schedule."""

    method: str
    step: int
    buffers: Mapping[str, Any] = field(repr=False)
    hyperparams: Mapping[str, Any]
    schedule: Schedule | None = None

    def __post_init__(self) -> None:
        frozen = {k: _frozen(v) for k, v in self.buffers.items()}
        object.__setattr__(self, "buffers", MappingProxyType(frozen))
        object.__setattr__(self, "hyperparams", MappingProxyType(dict(self.hyperparams)))

    def rate(self) -> float:
        """The learning rate of the next update (the schedule's, where there is one)."""
        lr = float(self.hyperparams["lr"])
        return lr if self.schedule is None else self.schedule.rate(lr, self.step)
