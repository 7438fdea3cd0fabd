r"""Emit optimizer code: gradient descent, momentum, Nesterov, Newton, Adam, AdamW, RMSprop and
Adagrad, as array-API source, each from its one spec in :mod:`derive.optimizers`.

The emitted module computes in the array namespace of its inputs: NumPy's own for NumPy
arrays, numbers and lists; with ``array-api-compat`` installed, PyTorch, JAX, CuPy and Dask
arrays stay what they are (float64; JAX needs ``jax_enable_x64``), and so do the results.
With Dask, each step of ``run`` is computed (persisted) before the next, chunk by chunk, so
data larger than memory, or on a ``dask.distributed`` cluster, work.

The optimizers follow ``torch.optim`` (names, defaults, formulas); weight decay works for
every method, and ``run`` takes a learning-rate schedule. Beside ``run`` and ``step`` is the
functional form optax users expect: ``init(theta) -> state`` and
``update(grads, state, theta) -> (updates, state)``.

>>> from derive.objective import Objective
>>> rule = emit(Objective("2*x**2", "x"), method="gd")
>>> rule.run([1.0], steps=2, lr=0.1)[:, 0].tolist()
[1.0, 0.6, 0.36]
>>> state = rule.init([1.0], lr=0.1)
>>> updates, state = rule.update(rule.gradient([1.0]), state, [1.0])
>>> updates.tolist(), state.step
([-0.4], 1)
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ._version import __version__
from .codegen import HELPERS, block_rows, generate, helpers_for
from .errors import DataError, InternalError, NumericError, ObjectiveError, OptionError
from .objective import Objective
from .optimizers import METHODS, SPECS
from .optimizers.code import init_hypers, init_source, signature, update_hypers, update_source
from .optimizers.code import wrap as _wrap
from .optimizers.latex import equations
from .optimizers.options import hypers as _hypers
from .optimizers.schedules import SCHEDULES, Schedule
from .optimizers.spec import Spec
from .optimizers.state import OptState

__all__ = ["METHODS", "RESERVED", "BoundRule", "OptState", "UpdateRule", "emit"]

MAX_STEPS = 10_000_000
RESERVED = frozenset(
    {
        "np",
        "theta",
        "theta0",
        "state",
        "steps",
        "loss",
        "gradient",
        "hessian",
        "hess",
        "grads",
        "init",
        "update",
        "step",
        "run",
        "PARAMS",
        "SIZE",
        "NotPositiveDefinite",
    }
    | {h.name for spec in SPECS.values() for h in spec.hypers}
)
"""The public names of a generated module, and the parameters of its functions (the
hyper-parameters of every method among them): a loss may not use them as symbols. Every
other name the generated code uses begins with ``_``, which no user name can (names start
with a letter), so it is fresh against every loss."""


@dataclass(frozen=True, eq=False)
class UpdateRule:
    """An optimizer update rule for one objective, as generated NumPy code."""

    objective: Objective
    method: str
    _source: str = field(repr=False)
    _namespace: dict[str, Any] = field(repr=False, compare=False)
    _update_args: tuple[str, ...] = field(default=(), repr=False)
    _init_args: tuple[str, ...] = field(default=(), repr=False)
    _buffers: tuple[str, ...] = field(default=(), repr=False)

    @property
    def spec(self) -> Spec:
        """The optimizer's spec: the one place its update is written."""
        return SPECS[self.method]

    @property
    def size(self) -> int:
        """n, the number of parameters (θ is flat, in declaration order)."""
        return len(self.objective.params)

    def source(self) -> str:
        """A standalone Python module (NumPy; array-api-compat for other arrays) with loss,
        gradient, init, update, step and run."""
        return self._source

    def latex(self) -> str:
        r"""The update equations in LaTeX (lines joined by ``\\``)."""
        return equations(self.spec)

    def __repr__(self) -> str:
        from .display import rule_repr

        return rule_repr(self)

    def _repr_latex_(self) -> str:
        from .display import rule_latex

        return rule_latex(self)

    def _repr_markdown_(self) -> str:
        from .display import rule_markdown

        return rule_markdown(self)

    def _repr_html_(self) -> str:
        from .display import rule_html

        return rule_html(self)

    def loss(self, theta: Any, data: Mapping[str, Any] | None = None) -> float:
        """The mean loss at theta (inf or nan where float64 overflows; no warning)."""
        xp = _space(theta, data)
        theta, prepared = self._theta(theta, "theta", xp), self._data(data, xp)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return float(self._call("loss", theta, **prepared))

    def gradient(self, theta: Any, data: Mapping[str, Any] | None = None) -> Any:
        """∇L at theta (mean over the data's rows), an array of theta's and the data's kind."""
        xp = _space(theta, data)
        theta, prepared = self._theta(theta, "theta", xp), self._data(data, xp)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _native(self._call("gradient", theta, **prepared), xp)

    def hessian(self, theta: Any, data: Mapping[str, Any] | None = None) -> Any:
        """∇²L at theta (Newton rules only)."""
        if "hessian" not in self._namespace:
            raise ObjectiveError("only a Newton rule carries a Hessian: emit(obj, method='newton')")
        xp = _space(theta, data)
        theta, prepared = self._theta(theta, "theta", xp), self._data(data, xp)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _native(self._call("hessian", theta, **prepared), xp)

    # -- the functional form

    def init(
        self, theta: Any, lr: float | None = None, *, schedule: Any = None, **options: Any
    ) -> OptState:
        """The state before the first update, holding the hyper-parameters (torch's names and
        defaults; ``lr`` defaults to torch's too) and an optional learning-rate schedule."""
        spec = self.spec
        values = _hypers(spec, spec.hyper("lr").default if lr is None else lr, None, options)
        theta = self._theta(theta, "theta", _space(theta))
        start = self._call("init", theta, **{k: values[k] for k in self._init_args})
        buffers = {k: v for k, v in start.items() if k != "step"}
        return OptState(self.method, 0, buffers, values, _schedule(schedule))

    def update(
        self, grads: Any, state: OptState, theta: Any, *, hessian: Any = None
    ) -> tuple[Any, OptState]:
        """``(updates, state)``: the next θ is ``theta + updates``, exactly as ``run`` steps.

        Newton's update also needs ``hessian`` (``rule.hessian(theta, data)``).
        """
        if not isinstance(state, OptState) or state.method != self.method:
            raise OptionError(f"state must be the OptState that {self.method}'s init() returned")
        xp = _space(grads, theta, hessian, *state.buffers.values())
        grads, theta = self._theta(grads, "grads", xp), self._theta(theta, "theta", xp)
        extra: dict[str, Any] = {}
        if self.spec.hessian:
            if hessian is None:
                raise OptionError(
                    "Newton's update needs the Hessian: update(grads, state, theta, "
                    "hessian=rule.hessian(theta, data))"
                )
            extra["hess"] = self._matrix(hessian, xp)
        elif hessian is not None:
            raise OptionError(f"{self.method} takes no Hessian")
        values = dict(state.hyperparams)
        values["lr"] = state.rate()
        args = {k: values[k] for k in self._update_args}
        current = {"step": state.step, **_into(state.buffers, xp)}
        with np.errstate(over="ignore", invalid="ignore"):
            updates, new = self._call("update", grads, current, theta, **extra, **args)
        buffers = {k: v for k, v in new.items() if k != "step"}
        after = OptState(self.method, new["step"], buffers, state.hyperparams, state.schedule)
        return _native(updates, xp), after

    # -- whole steps

    def step(
        self,
        theta: Any,
        lr: float,
        state: Any = None,
        momentum: float | None = None,
        data: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> tuple[Any, OptState]:
        """One update from θ's gradient with explicit state (None at the start, else the
        state a previous step or init returned)."""
        values = _hypers(self.spec, lr, momentum, options)
        xp = _space(theta, data, *_buffers_of(state))
        theta = self._theta(theta, "theta", xp)
        return self._step(theta, state, values, self._data(data, xp), xp)

    def _step(
        self, theta: Any, state: Any, values: dict[str, Any], data: dict[str, Any], xp: Any
    ) -> tuple[Any, OptState]:
        current = self._state(state, theta, values, xp)
        args = {k: values[k] for k in self._update_args}
        with np.errstate(over="ignore", invalid="ignore"):
            new_theta, new = self._call("step", theta, current, **args, **data)
        buffers = {k: v for k, v in new.items() if k != "step"}
        return new_theta, OptState(self.method, new["step"], buffers, values)

    def _state(self, state: Any, theta: Any, values: dict[str, Any], xp: Any) -> dict[str, Any]:
        """The module's state dict: a fresh one, an OptState's, or (for the one-buffer
        methods, as before) a bare momentum buffer."""
        if state is None:
            init_args = {k: values[k] for k in self._init_args}
            return dict(self._call("init", theta, **init_args))
        if isinstance(state, OptState):
            if state.method != self.method:
                raise OptionError(f"state is {state.method}'s, not {self.method}'s")
            return {"step": state.step, **_into(state.buffers, xp)}
        buffer = self._theta(state, "state", xp)
        used = self._buffers
        if len(used) > 1:
            raise OptionError(f"state must be None or the OptState {self.method} returned")
        return {"step": 1, **({used[0]: buffer} if used else {})}

    def run(
        self,
        theta0: Any,
        steps: int,
        lr: float,
        momentum: float | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        schedule: Any = None,
        **options: Any,
    ) -> Any:
        """The trajectory from theta0: a (steps + 1) × n float64 array, of the kind theta0 and
        the data are (NumPy, PyTorch, JAX, CuPy or Dask).

        Options are torch.optim's for the method (betas, eps, weight_decay, …);
        ``schedule`` is a :mod:`~derive.optimizers.schedules` schedule, such as
        ``CosineAnnealingLR(T_max=100)``.
        """
        if (
            isinstance(steps, bool)
            or not isinstance(steps, (int, np.integer))
            or not 0 <= steps <= MAX_STEPS
        ):
            raise ObjectiveError(
                f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}"
            )
        values = _hypers(self.spec, lr, momentum, options)
        xp = _space(theta0, data)
        theta = self._theta(theta0, "theta0", xp)
        chosen = _schedule(schedule)
        rates: Any = values["lr"]
        if chosen is not None:
            rates = np.array(chosen.rates(values["lr"], int(steps)), dtype=np.float64)
            if not np.all(np.isfinite(rates)) or np.any(rates < 0):
                raise OptionError("the schedule gives a learning rate that is not a finite ≥ 0")
        args = {k: values[k] for k in (*self._update_args, *self._init_args)}
        args["lr"] = rates
        prepared = self._data(data, xp)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._call("run", theta, int(steps), **args, **prepared)

    def bind(self, data: Mapping[str, Any] | None = None) -> BoundRule:
        """The rule with its data checked once, for a training loop of single steps.

        The arrays are validated here, not at every step; change them afterwards and the
        responsibility is yours.
        """
        xp = _space(data)
        prepared = self._data(data, xp)
        for b in self.objective.data_blocks:  # the layout run() uses: a block of rows is
            if b.length is not None and xp is None:  # one stretch of memory
                prepared[b.name] = np.ascontiguousarray(prepared[b.name])
        return BoundRule(self, prepared, xp)

    def check(self, dps: int = 50, **options: Any) -> Any:
        """Check the emitted numbers against an mpmath reference; see :func:`derive.numeric.check`."""
        from .numeric import check

        return check(self, dps=dps, **options)

    # -- validation

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._namespace[name](*args, **kwargs)
        except OverflowError:  # a coefficient of the code past float64 (a Python int)
            raise NumericError(
                f"the emitted {name}() holds a number past float64's range (about 1.8e308); "
                "rescale the loss"
            ) from None
        except ValueError as exc:
            if type(exc).__name__ == "NotPositiveDefinite":
                raise NumericError(str(exc)) from None
            raise

    def _theta(self, value: Any, name: str, xp: Any = None) -> Any:
        array = _floats(
            value,
            invalid=f"{name} must be an array of {self.size} numbers (real, not complex)",
            too_large=f"{name} holds a number too large for float64",
            copy=True,
            xp=xp,
        )
        shape = tuple(array.shape)
        if shape != (self.size,):
            raise ObjectiveError(f"{name} must have shape ({self.size},), got {shape}")
        if not _all_finite(array, xp):
            raise ObjectiveError(f"{name} contains NaN or infinity")
        return array

    def _matrix(self, value: Any, xp: Any = None) -> Any:
        n = self.size
        array = _floats(
            value,
            invalid=f"hessian must be an {n}×{n} array of real numbers",
            too_large="hessian holds a number too large for float64",
            xp=xp,
        )
        shape = tuple(array.shape)
        if shape != (n, n) or not _all_finite(array, xp):
            raise ObjectiveError(f"hessian must be a finite {n}×{n} array, got shape {shape}")
        return array

    def _data(self, data: Mapping[str, Any] | None, xp: Any = None) -> dict[str, Any]:
        blocks = self.objective.data_blocks
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ObjectiveError(
                f"data must map data symbols to values, such as {{'x': X}}, got "
                f"{type(data).__name__}"
            )
        data = dict(data)
        odd = [key for key in data if not isinstance(key, str)]
        if odd:
            raise ObjectiveError(
                f"data must be keyed by the data symbols' names, got the key {odd[0]!r}"
            )
        unknown = sorted(set(data) - {b.name for b in blocks})
        if unknown:
            known = ", ".join(b.name for b in blocks) or "none"
            raise ObjectiveError(
                f"data names {unknown[0]!r}, which is not a data symbol (data symbols: {known})"
            )
        out, rows = {}, None
        for b in blocks:
            if b.name not in data:
                shape = (
                    f"an N×{b.length} array"
                    if b.length
                    else "a number or an array with one value per row"
                )
                raise ObjectiveError(f"data is missing {b.name!r} ({shape})")
            array = _floats(  # float64 arrays are not copied
                data[b.name],
                invalid=f"data[{b.name!r}] must be numeric",
                too_large=f"data holds a number too large for float64 (in data[{b.name!r}])",
                xp=xp,
            )
            # one pass: NaN and ±inf make the sum non-finite; only then look closer
            with np.errstate(over="ignore", invalid="ignore"):
                total = array.sum() if xp is None else float(xp.sum(array))
            if not np.isfinite(total) and not _all_finite(array, xp):
                raise ObjectiveError(f"data[{b.name!r}] contains NaN or infinity")
            dims = tuple(array.shape)
            if b.length is not None:
                if array.ndim == 1:
                    array = array[None, :]
                    dims = tuple(array.shape)
                if array.ndim != 2 or array.shape[1] != b.length:
                    raise ObjectiveError(
                        f"data[{b.name!r}] must be an N×{b.length} array, got shape {dims}"
                    )
                count = array.shape[0]
            elif array.ndim > 1:
                raise ObjectiveError(
                    f"data[{b.name!r}] must be a number or a 1-D array, got shape {dims}"
                )
            else:
                count = array.shape[0] if array.ndim == 1 else None
            if count is not None:
                if rows is not None and count != rows:
                    raise ObjectiveError(
                        f"data[{b.name!r}] has {count} rows, but other data have {rows}"
                    )
                rows = count
            out[b.name] = array
        if rows == 0:
            raise ObjectiveError("the data have no rows")
        return out


def _space(*values: Any) -> Any:
    """The array namespace the values (arrays, or mappings of them) call for: None (NumPy)
    for NumPy arrays, numbers and lists; else, with array-api-compat installed, the
    namespace of their arrays (PyTorch, JAX, CuPy, Dask), which must all be one library's.

    >>> _space(np.ones(2), {"x": [1.0, 2.0]}) is None
    True
    """
    flat: list[Any] = []
    for value in values:
        flat += list(value.values()) if isinstance(value, Mapping) else [value]
    candidates = [
        v
        for v in flat
        if hasattr(v, "shape")
        and hasattr(v, "dtype")
        and not isinstance(v, (np.ndarray, np.generic))
    ]
    if not candidates:
        return None
    try:
        import array_api_compat as compat
    except ImportError:  # without it, arrays are read as NumPy reads them
        return None
    spaces = {}
    for v in candidates:
        if compat.is_array_api_obj(v):
            xp = compat.array_namespace(v)
            spaces[xp.__name__] = xp
    if len(spaces) > 1:
        kinds = " and ".join(sorted(name.split(".")[1] for name in spaces))
        raise DataError(
            f"theta and the data mix {kinds} arrays: give them as one library's arrays "
            "(NumPy arrays, lists and numbers go with any)"
        )
    return next(iter(spaces.values()), None)


def _native(value: Any, xp: Any) -> Any:
    """A result as NumPy float64 (xp None), else as the emitted code returned it."""
    return np.asarray(value, dtype=np.float64) if xp is None else value


def _into(buffers: Mapping[str, Any], xp: Any) -> dict[str, Any]:
    """An OptState's buffers in the namespace xp (NumPy buffers are read-only: copied)."""
    if xp is None:
        return dict(buffers)
    return {
        k: xp.asarray(np.array(v) if isinstance(v, np.ndarray) else v) for k, v in buffers.items()
    }


def _buffers_of(state: Any) -> list[Any]:
    """The arrays a state holds (an OptState's buffers, or a bare momentum buffer)."""
    if isinstance(state, OptState):
        return list(state.buffers.values())
    return [] if state is None else [state]


def _all_finite(array: Any, xp: Any) -> bool:
    if xp is None:
        return bool(np.all(np.isfinite(array)))
    return bool(xp.all(xp.isfinite(array)))


def _floats(value: Any, *, invalid: str, too_large: str, copy: bool = False, xp: Any = None) -> Any:
    """``value`` as a float64 array (of the namespace xp, None for NumPy), else an
    ObjectiveError with one of the two messages: no raw OverflowError (an int past float64),
    TypeError or ComplexWarning escapes."""
    if xp is not None:
        return _foreign_floats(value, xp, invalid=invalid, too_large=too_large)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return np.array(value, dtype=float) if copy else np.asarray(value, dtype=float)
    except OverflowError:
        raise ObjectiveError(too_large) from None
    except (TypeError, ValueError, np.exceptions.ComplexWarning):
        raise ObjectiveError(invalid) from None


def _foreign_floats(value: Any, xp: Any, *, invalid: str, too_large: str) -> Any:
    """``value`` as a float64 array of the namespace ``xp`` (PyTorch, JAX, CuPy, Dask)."""
    if isinstance(value, (list, tuple, int, float, np.ndarray)):
        value = _floats(value, invalid=invalid, too_large=too_large)
    if getattr(value, "dtype", None) is not None and "complex" in str(value.dtype):
        raise ObjectiveError(invalid)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # JAX warns, then gives float32: refused below
            array = xp.asarray(value, dtype=xp.float64)
    except (TypeError, ValueError, RuntimeError):
        raise ObjectiveError(invalid) from None
    if array.dtype != xp.float64:
        raise DataError(
            f"derive computes in float64, which {xp.__name__.split('.')[1]} gives only when "
            "asked: jax.config.update('jax_enable_x64', True)"
        )
    return array


_FLOAT64_MAX = sympy.Integer(int(np.finfo(np.float64).max))


def _check_float64(obj: Objective) -> None:
    """Refuse a loss holding a number past float64's range: the emitted code computes in
    float64, and such a literal is an OverflowError in it, not an infinity. (A derivative's
    coefficient may still pass the range: the rule's methods report that as a NumericError.)"""
    for number in obj.expr.atoms(sympy.Rational):
        if abs(number) > _FLOAT64_MAX:
            digits = len(str(abs(sympy.floor(number))))
            raise ObjectiveError(
                f"the loss has a number of {digits} digits, past float64's range (about "
                "1.8e308), which the emitted code computes in; rescale the loss"
            )


def _user_names(obj: Objective) -> set[str]:
    """The loss's names in generated code: blocks and their components (w_1, …)."""
    blocks = (*obj.blocks, *obj.data_blocks)
    return {b.name for b in blocks} | {s.name for b in blocks for s in b.symbols}


def _check_names(source: str, doc: str, user: set[str]) -> None:
    """Check the generated module before it runs: its docstring is exactly ``doc`` (no text
    closed it early), and inside every function a name is the user's own, reserved, or fresh
    (begins with '_'), so no loss symbol shadows a name the code relies on.
    """
    tree = ast.parse(source)
    if ast.get_docstring(tree, clean=False) != doc:
        raise InternalError("the generated module's docstring does not match its text")
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        params = {a.arg for a in function.args.args}
        if not params & user:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and not (
                node.id in user or node.id in RESERVED or node.id.startswith("_")
            ):
                raise InternalError(
                    f"generated function {function.name}() uses {node.id!r}, which a loss "
                    "symbol could shadow"
                )


@dataclass(frozen=True, eq=False)
class BoundRule:
    """An update rule with validated data: ``step`` costs only the emitted arithmetic."""

    rule: UpdateRule
    data: Mapping[str, Any] = field(repr=False)
    xp: Any = field(default=None, repr=False)

    def step(
        self,
        theta: Any,
        lr: float,
        state: Any = None,
        momentum: float | None = None,
        **options: Any,
    ) -> tuple[Any, OptState]:
        """One update (theta and the hyper-parameters are still checked; they are small)."""
        values = _hypers(self.rule.spec, lr, momentum, options)
        theta = self.rule._theta(theta, "theta", self.xp)
        return self.rule._step(theta, state, values, dict(self.data), self.xp)


def _schedule(value: Any) -> Schedule | None:
    if value is None or isinstance(value, Schedule):
        return value
    names = ", ".join(cls.__name__ for cls in SCHEDULES.values())
    raise OptionError(
        f"schedule must be a learning-rate schedule ({names} from derive.optimizers.schedules), "
        f"got {type(value).__name__}"
    )


def emit(obj: Objective, method: str = "gd") -> UpdateRule:
    """Generate the update rule ``method`` for ``obj`` as NumPy code.

    Args:
        obj: the loss; with data symbols, the loss is the mean over the data's rows.
        method: one of :data:`METHODS`: "gd", "momentum", "nesterov", "newton", "adam",
            "adamw", "rmsprop" or "adagrad".

    Raises:
        ObjectiveError: an unknown method, or a loss whose symbols collide with the
            generated module's own names.
    """
    if not isinstance(obj, Objective):
        raise ObjectiveError(f"emit() needs an Objective, got {type(obj).__name__}")
    if method not in METHODS:
        raise OptionError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    clash = sorted(b.name for b in (*obj.blocks, *obj.data_blocks) if b.name in RESERVED)
    if clash:
        raise ObjectiveError(
            f"the name {clash[0]!r} is reserved in generated code; rename that symbol"
        )
    _check_float64(obj)
    source = _module(obj, SPECS[method])
    namespace: dict[str, Any] = {"__name__": f"derive_emitted_{method}"}
    exec(compile(source, f"<derive emit {method}>", "exec"), namespace)  # our own generated text
    spec = SPECS[method]
    return UpdateRule(
        obj,
        method,
        source,
        namespace,
        tuple(h.name for h in update_hypers(spec)),
        tuple(h.name for h in init_hypers(spec)),
        tuple(b.key for b in spec.used_buffers()),
    )


_BUILTINS = ("range", "float", "min", "max", "isinstance", "hasattr")
"""Python's built-ins the module calls, under fresh names (``_range``, …) that no loss
symbol can shadow."""

_NEWTON = '''
class NotPositiveDefinite(ValueError):
    """The Hessian is singular or not positive definite: Newton's step is undefined."""


def _eye(_xp, theta):
    """The identity matrix as large as theta's Hessian."""
    return _xp.eye(theta.shape[0], dtype=_xp.float64)


def _solve(_xp, _h, _g, theta):
    """h⁻¹ g, by NumPy (the system is n×n and small), refusing a Hessian that is not
    positive definite; the answer in the arguments' namespace."""
    _hn = np.asarray(_h)
    try:
        np.linalg.cholesky(_hn)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite(
            "the Hessian is not positive definite at theta = %r" % (np.asarray(theta),)
        ) from None
    _s = np.linalg.solve(_hn, np.asarray(_g))
    return _s if _xp is _NUMPY else _xp.asarray(_s)
'''

_NAMESPACE = '''
def _namespace(*_arrays):
    """The arrays' namespace: NumPy for NumPy arrays, numbers and lists, else the array API
    namespace array-api-compat gives for their library (PyTorch, JAX, CuPy, Dask, …)."""
    _others = [_a for _a in _arrays if not _isinstance(_a, _PLAIN)]
    return _array_namespace(*_others) if _others else _NUMPY
'''

_SETTLE = '''
def _settle(_xp, *_values):
    """Dask's lazy values computed now (kept as Dask arrays, on the cluster if there is one),
    so that each step's graph is one step deep; other values as they are."""
    if not _xp.__name__.startswith("array_api_compat.dask"):
        return _values
    return __import__("dask").persist(*_values)
'''


def _step_source(spec: Spec, data: list[str]) -> str:
    hypers = update_hypers(spec)
    keyword = ["*", *data] if data else []
    passed = ", ".join(f"{d}={d}" for d in data)
    call = f"(theta, {passed})" if data else "(theta)"
    lines = [
        *_wrap("def step(", ["theta", "state", *signature(hypers, required=spec), *keyword], "):"),
        '    """One update of theta from its gradient: (theta, state)."""',
    ]
    args = ["gradient" + call, "state", "theta"]
    if spec.hessian:
        args.append("hessian" + call)
    args += signature(hypers, defaults=False)
    lines += _wrap("_u, state = update(", args, ")", "    ")
    lines.append("    return theta + _u, state")
    return "\n".join(lines)


def _run_source(obj: Objective, spec: Spec, data: list[str]) -> str:
    hypers = update_hypers(spec)
    starts = init_hypers(spec)
    every = (*hypers, *(h for h in starts if h not in hypers))
    keyword = ["*", *data] if data else []
    lines = [
        *_wrap("def run(", ["theta0", "steps", *signature(every, required=spec), *keyword], "):"),
        '    """The trajectory θ₀, θ₁, …, θ_steps as a (steps + 1) × n float64 array of the',
        "    arguments' kind; lr is a number or one rate per step (a schedule). Dask computes",
        '    each step before the next."""',
        f"    _xp = _namespace({', '.join(['theta0', *data])})",
    ]
    matrices = [b.name for b in obj.data_blocks if b.length is not None]
    if matrices:
        lines.append("    if _xp is _NUMPY:  # a block of rows is one stretch of memory")
        lines += [f"        {m} = np.ascontiguousarray({m})" for m in matrices]
    lines += [
        "    _rates = np.broadcast_to(np.asarray(lr, dtype=np.float64), (steps,))",
        "    theta = _xp.asarray(theta0, dtype=_xp.float64)",
        "    _path = [theta]",
        f"    state = init(theta{''.join(f', {h.name}' for h in starts)})",
        "    for _k in _range(steps):",
    ]
    args = ["theta", "state", "_float(_rates[_k])", *signature(hypers, defaults=False)[1:]]
    args += [f"{d}={d}" for d in data]
    lines += _wrap("theta, state = step(", args, ")", "        ")
    lines += [
        "        theta, state = _settle(_xp, theta, state)",
        "        _path.append(theta)",
        "    return _xp.stack(_path)",
    ]
    return "\n".join(lines)


def _module(obj: Objective, spec: Spec) -> str:
    method = spec.name
    generated = generate(obj, hessian=spec.hessian)
    data = list(generated.data_names)
    params = ", ".join(b.name if b.length is None else f"{b.name}:{b.length}" for b in obj.blocks)
    declared = ", ".join(
        b.name if b.length is None else f"{b.name}:{b.length}" for b in obj.data_blocks
    )
    loss_text = str(obj.structured)  # the canonical form of the parsed loss, never raw text
    data_line = (
        f"\n    data: {declared} (the loss is the mean over the data's rows)" if declared else ""
    )
    derivatives = "gradient and Hessian" if spec.hessian else "gradient"
    rule = "\n".join(f"    {line}" for line in equations(spec).splitlines())
    like = f", as {spec.torch}" if spec.torch else ""
    doc = f"""{method} update rule for the loss

    L({params}) = {loss_text}{data_line}

Update rule (LaTeX){like}:

{rule}

Generated by derive {__version__} from the symbolic {derivatives}. Needs NumPy; with
array-api-compat, PyTorch, JAX, CuPy and Dask arrays work too (and stay what they are).
theta is the flat parameter vector ({params}).
"""
    functions = [generated.loss, generated.gradient]
    if generated.hessian:
        functions.append(generated.hessian)
    update = update_source(spec)
    helpers = helpers_for("\n".join(functions))
    imports = [
        *(["import math as _math"] if "_math." in update else []),
        *(["from math import erf as _math_erf"] if "_erf" in helpers else []),
    ]
    body = [_NAMESPACE]
    if spec.hessian:
        body.append(_NEWTON)
    body += [HELPERS[name] for name in helpers]
    body.append(_SETTLE)
    body += ["", "\n\n\n".join(functions), "", ""]
    body += [init_source(spec), "", "", update, "", ""]
    body += [_step_source(spec, data), "", "", _run_source(obj, spec, data), ""]
    text = "\n".join(body)
    used = [name for name in _BUILTINS if re.search(rf"\b_{name}\(", text)]
    constants = [f"{', '.join('_' + u for u in used)} = {', '.join(used)}"]
    if data:
        rows = block_rows(obj)
        constants.append(f"_ROWS = {rows}  # rows in a block of the gradient (NumPy)")
    if "_erf" in helpers:
        constants.append(
            "_SPECIAL = (  # where the error function is, by array namespace\n"
            '    ("torch", "torch.special"),\n'
            '    ("jax.numpy", "jax.scipy.special"),\n'
            '    ("cupy", "cupyx.scipy.special"),\n'
            ")"
        )
    head = "\n".join(imports) + "\n\n" if imports else ""
    header = f'''r"""{doc}"""

{head}import numpy as np

try:
    from array_api_compat import array_namespace as _array_namespace
except ImportError:  # NumPy arrays only

    def _array_namespace(*_arrays):
        raise ImportError("%s arrays need array-api-compat" % type(_arrays[0]).__name__)

PARAMS = {tuple(b.name for b in obj.blocks)!r}
SIZE = {len(obj.params)}
_NUMPY = np  # NumPy 2 is itself an array API namespace
_PLAIN = (np.ndarray, np.generic, float, int, list, tuple)
{chr(10).join(constants)}
'''
    source = header + text
    _check_names(source, doc, _user_names(obj))
    return source
