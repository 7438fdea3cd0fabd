r"""Emit optimizer code: gradient descent, momentum, Nesterov, Newton, Adam, AdamW, RMSprop and
Adagrad, as NumPy source, each from its one spec in :mod:`derive.optimizers`.

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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ._version import __version__
from .codegen import HELPERS, generate, helpers_for
from .errors import InternalError, NumericError, ObjectiveError, OptionError
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
        """A standalone Python module (NumPy only) with loss, gradient, init, update, step, run."""
        return self._source

    def latex(self) -> str:
        r"""The update equations in LaTeX (lines joined by ``\\``)."""
        return equations(self.spec)

    def loss(self, theta: Any, data: Mapping[str, Any] | None = None) -> float:
        """The mean loss at theta (inf or nan where float64 overflows; no warning)."""
        theta, prepared = self._theta(theta, "theta"), self._data(data)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return float(self._call("loss", theta, **prepared))

    def gradient(self, theta: Any, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """∇L at theta (mean over the data's rows)."""
        theta, prepared = self._theta(theta, "theta"), self._data(data)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return np.asarray(self._call("gradient", theta, **prepared))

    def hessian(self, theta: Any, data: Mapping[str, Any] | None = None) -> np.ndarray:
        """∇²L at theta (Newton rules only)."""
        if "hessian" not in self._namespace:
            raise ObjectiveError("only a Newton rule carries a Hessian: emit(obj, method='newton')")
        theta, prepared = self._theta(theta, "theta"), self._data(data)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return np.asarray(self._call("hessian", theta, **prepared))

    # -- the functional form

    def init(
        self, theta: Any, lr: float | None = None, *, schedule: Any = None, **options: Any
    ) -> OptState:
        """The state before the first update, holding the hyper-parameters (torch's names and
        defaults; ``lr`` defaults to torch's too) and an optional learning-rate schedule."""
        spec = self.spec
        values = _hypers(spec, spec.hyper("lr").default if lr is None else lr, None, options)
        theta = self._theta(theta, "theta")
        start = self._call("init", theta, **{k: values[k] for k in self._init_args})
        buffers = {k: v for k, v in start.items() if k != "step"}
        return OptState(self.method, 0, buffers, values, _schedule(schedule))

    def update(
        self, grads: Any, state: OptState, theta: Any, *, hessian: Any = None
    ) -> tuple[np.ndarray, OptState]:
        """``(updates, state)``: the next θ is ``theta + updates``, exactly as ``run`` steps.

        Newton's update also needs ``hessian`` (``rule.hessian(theta, data)``).
        """
        if not isinstance(state, OptState) or state.method != self.method:
            raise OptionError(f"state must be the OptState that {self.method}'s init() returned")
        grads, theta = self._theta(grads, "grads"), self._theta(theta, "theta")
        extra: dict[str, Any] = {}
        if self.spec.hessian:
            if hessian is None:
                raise OptionError(
                    "Newton's update needs the Hessian: update(grads, state, theta, "
                    "hessian=rule.hessian(theta, data))"
                )
            extra["hess"] = self._matrix(hessian)
        elif hessian is not None:
            raise OptionError(f"{self.method} takes no Hessian")
        values = dict(state.hyperparams)
        values["lr"] = state.rate()
        args = {k: values[k] for k in self._update_args}
        current = {"step": state.step, **state.buffers}
        with np.errstate(over="ignore", invalid="ignore"):
            updates, new = self._call("update", grads, current, theta, **extra, **args)
        buffers = {k: v for k, v in new.items() if k != "step"}
        after = OptState(self.method, new["step"], buffers, state.hyperparams, state.schedule)
        return np.asarray(updates, dtype=np.float64), after

    # -- whole steps

    def step(
        self,
        theta: Any,
        lr: float,
        state: Any = None,
        momentum: float | None = None,
        data: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> tuple[np.ndarray, OptState]:
        """One update from θ's gradient with explicit state (None at the start, else the
        state a previous step or init returned)."""
        values = _hypers(self.spec, lr, momentum, options)
        theta = self._theta(theta, "theta")
        return self._step(theta, state, values, self._data(data))

    def _step(
        self, theta: np.ndarray, state: Any, values: dict[str, Any], data: dict[str, Any]
    ) -> tuple[np.ndarray, OptState]:
        current = self._state(state, theta, values)
        args = {k: values[k] for k in self._update_args}
        with np.errstate(over="ignore", invalid="ignore"):
            new_theta, new = self._call("step", theta, current, **args, **data)
        buffers = {k: v for k, v in new.items() if k != "step"}
        return new_theta, OptState(self.method, new["step"], buffers, values)

    def _state(self, state: Any, theta: np.ndarray, values: dict[str, Any]) -> dict[str, Any]:
        """The module's state dict: a fresh one, an OptState's, or (for the one-buffer
        methods, as before) a bare momentum buffer."""
        if state is None:
            init_args = {k: values[k] for k in self._init_args}
            return dict(self._call("init", theta, **init_args))
        if isinstance(state, OptState):
            if state.method != self.method:
                raise OptionError(f"state is {state.method}'s, not {self.method}'s")
            return {"step": state.step, **state.buffers}
        buffer = self._theta(state, "state")
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
    ) -> np.ndarray:
        """The trajectory from theta0: a (steps + 1) × n float64 array.

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
        theta = self._theta(theta0, "theta0")
        chosen = _schedule(schedule)
        rates: Any = values["lr"]
        if chosen is not None:
            rates = np.array(chosen.rates(values["lr"], int(steps)), dtype=np.float64)
            if not np.all(np.isfinite(rates)) or np.any(rates < 0):
                raise OptionError("the schedule gives a learning rate that is not a finite ≥ 0")
        args = {k: values[k] for k in (*self._update_args, *self._init_args)}
        args["lr"] = rates
        with np.errstate(over="ignore", invalid="ignore"):
            return self._call("run", theta, int(steps), **args, **self._data(data))

    def bind(self, data: Mapping[str, Any] | None = None) -> BoundRule:
        """The rule with its data checked once, for a training loop of single steps.

        The arrays are validated here, not at every step; change them afterwards and the
        responsibility is yours.
        """
        prepared = self._data(data)
        for b in self.objective.data_blocks:  # the layout run() uses: both products stream
            if b.length is not None:
                prepared[b.name] = np.asfortranarray(prepared[b.name])
        return BoundRule(self, prepared)

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

    def _theta(self, value: Any, name: str) -> np.ndarray:
        array = _floats(
            value,
            invalid=f"{name} must be an array of {self.size} numbers (real, not complex)",
            too_large=f"{name} holds a number too large for float64",
            copy=True,
        )
        if array.shape != (self.size,):
            raise ObjectiveError(f"{name} must have shape ({self.size},), got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ObjectiveError(f"{name} contains NaN or infinity")
        return array

    def _matrix(self, value: Any) -> np.ndarray:
        n = self.size
        array = _floats(
            value,
            invalid=f"hessian must be an {n}×{n} array of real numbers",
            too_large="hessian holds a number too large for float64",
        )
        if array.shape != (n, n) or not np.all(np.isfinite(array)):
            raise ObjectiveError(f"hessian must be a finite {n}×{n} array, got shape {array.shape}")
        return array

    def _data(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
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
            )
            # one pass: NaN and ±inf make the sum non-finite; only then look closer
            with np.errstate(over="ignore", invalid="ignore"):
                total = array.sum()
            if not np.isfinite(total) and not np.all(np.isfinite(array)):
                raise ObjectiveError(f"data[{b.name!r}] contains NaN or infinity")
            if b.length is not None:
                if array.ndim == 1:
                    array = array[None, :]
                if array.ndim != 2 or array.shape[1] != b.length:
                    raise ObjectiveError(
                        f"data[{b.name!r}] must be an N×{b.length} array, got shape {array.shape}"
                    )
                count = array.shape[0]
            elif array.ndim > 1:
                raise ObjectiveError(
                    f"data[{b.name!r}] must be a number or a 1-D array, got shape {array.shape}"
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


def _floats(value: Any, *, invalid: str, too_large: str, copy: bool = False) -> np.ndarray:
    """``value`` as a float64 array, else an ObjectiveError with one of the two messages: no
    raw OverflowError (an int past float64), TypeError or ComplexWarning escapes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return np.array(value, dtype=float) if copy else np.asarray(value, dtype=float)
    except OverflowError:
        raise ObjectiveError(too_large) from None
    except (TypeError, ValueError, np.exceptions.ComplexWarning):
        raise ObjectiveError(invalid) from None


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

    def step(
        self,
        theta: Any,
        lr: float,
        state: Any = None,
        momentum: float | None = None,
        **options: Any,
    ) -> tuple[np.ndarray, OptState]:
        """One update (theta and the hyper-parameters are still checked; they are small)."""
        values = _hypers(self.rule.spec, lr, momentum, options)
        theta = self.rule._theta(theta, "theta")
        return self.rule._step(theta, state, values, dict(self.data))


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


_NOT_PD = '''
class NotPositiveDefinite(ValueError):
    """The Hessian is singular or not positive definite: Newton's step is undefined."""
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
        '    """The trajectory θ₀, θ₁, …, θ_steps as a (steps + 1) × n float64 array; lr is a',
        '    number or one rate per step (a schedule)."""',
        f"    _trajectory = np.empty((steps + 1, {len(obj.params)}))",
    ]
    for b in obj.data_blocks:
        if b.length is not None:
            lines.append(
                f"    {b.name} = np.asfortranarray({b.name})  # X @ w and Xᵀ r both stream"
            )
    lines += [
        "    _rates = np.broadcast_to(np.asarray(lr, dtype=np.float64), (steps,))",
        "    theta = np.array(theta0, dtype=np.float64)",
        "    _trajectory[0] = theta",
        f"    state = init(theta{''.join(f', {h.name}' for h in starts)})",
        "    for _k in _range(steps):",
    ]
    args = ["theta", "state", "_float(_rates[_k])", *signature(hypers, defaults=False)[1:]]
    args += [f"{d}={d}" for d in data]
    lines += _wrap("theta, state = step(", args, ")", "        ")
    lines += ["        _trajectory[_k + 1] = theta", "    return _trajectory"]
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

Generated by derive {__version__} from the symbolic {derivatives}; needs NumPy only.
theta is the flat parameter vector ({params}).
"""
    functions = [generated.loss, generated.gradient]
    if generated.hessian:
        functions.append(generated.hessian)
    helpers = helpers_for("\n".join(functions))
    imports = "from math import erf as _math_erf\n\n" if "_erf" in helpers else ""
    header = f'''r"""{doc}"""

{imports}import numpy as np

PARAMS = {tuple(b.name for b in obj.blocks)!r}
SIZE = {len(obj.params)}
_range, _float = range, float
'''
    body = [header]
    if spec.hessian:
        body.append(_NOT_PD)
    body += [HELPERS[name] for name in helpers]
    body += ["", "\n\n\n".join(functions), "", ""]
    body += [init_source(spec), "", "", update_source(spec), "", ""]
    body += [_step_source(spec, data), "", "", _run_source(obj, spec, data), ""]
    source = "\n".join(body)
    _check_names(source, doc, _user_names(obj))
    return source
