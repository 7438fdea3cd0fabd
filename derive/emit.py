r"""Emit optimizer code: gradient descent, momentum, Nesterov and Newton, as NumPy source.

Momentum and Nesterov follow ``torch.optim.SGD`` (no dampening):

.. math::
   v \leftarrow \mu v + g,\qquad \theta \leftarrow \theta - \eta v
   \quad(\text{Nesterov: } \theta \leftarrow \theta - \eta (g + \mu v))

>>> from derive.objective import Objective
>>> rule = emit(Objective("2*x**2", "x"), method="gd")
>>> rule.run([1.0], steps=2, lr=0.1)[:, 0].tolist()
[1.0, 0.6, 0.36]
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ._version import __version__
from .codegen import HELPERS, generate
from .errors import InternalError, NumericError, ObjectiveError
from .objective import Objective

__all__ = ["METHODS", "RESERVED", "BoundRule", "UpdateRule", "emit"]

METHODS = ("gd", "momentum", "nesterov", "newton")
MAX_STEPS = 10_000_000
RESERVED = frozenset(
    {
        "np",
        "theta",
        "theta0",
        "state",
        "lr",
        "momentum",
        "steps",
        "loss",
        "gradient",
        "hessian",
        "step",
        "run",
        "PARAMS",
        "SIZE",
        "NotPositiveDefinite",
    }
)
"""The public names of a generated module, and the parameters of its functions: a loss may
not use them as symbols. Every other name the generated code uses begins with ``_``, which
no user name can (names start with a letter), so it is fresh against every loss."""

_RULES = {
    "gd": r"\theta \leftarrow \theta - \eta\, \nabla_\theta \mathcal{L}(\theta)",
    "momentum": r"v \leftarrow \mu v + \nabla_\theta \mathcal{L}(\theta),\quad \theta \leftarrow \theta - \eta v",
    "nesterov": r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta (g + \mu v),\quad g = \nabla_\theta \mathcal{L}(\theta)",
    "newton": r"\theta \leftarrow \theta - \eta\, \left(\nabla^2_\theta \mathcal{L}(\theta)\right)^{-1} \nabla_\theta \mathcal{L}(\theta)",
}

_STEP = {
    "gd": """
def step(theta, state, lr, momentum{params}):
    \"\"\"One update; gradient descent keeps no state (state is returned unchanged).\"\"\"
    return theta - lr * gradient(theta{args}), state
""",
    "momentum": """
def step(theta, state, lr, momentum{params}):
    \"\"\"One update, as torch.optim.SGD(momentum=μ): v ← μv + g (v = g at first), θ ← θ − ηv.\"\"\"
    _g = gradient(theta{args})
    _v = _g.copy() if state is None else momentum * state + _g
    return theta - lr * _v, _v
""",
    "nesterov": """
def step(theta, state, lr, momentum{params}):
    \"\"\"One update, as torch.optim.SGD(momentum=μ, nesterov=True): θ ← θ − η(g + μv).\"\"\"
    _g = gradient(theta{args})
    _v = _g.copy() if state is None else momentum * state + _g
    return theta - lr * (_g + momentum * _v), _v
""",
    "newton": """
class NotPositiveDefinite(ValueError):
    \"\"\"The Hessian is singular or not positive definite: Newton's step is undefined.\"\"\"


def step(theta, state, lr, momentum{params}):
    \"\"\"One damped Newton update: solve H s = ∇L (Cholesky first, no explicit inverse).\"\"\"
    _g = gradient(theta{args})
    _h = hessian(theta{args})
    try:
        np.linalg.cholesky(_h)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite("the Hessian is not positive definite at theta = %r" % (theta,)) from None
    return theta - lr * np.linalg.solve(_h, _g), state
""",
}

_RUN = """
def run(theta0, steps, lr, momentum=0.0{defaults}):
    \"\"\"The trajectory θ₀, θ₁, …, θ_steps as a (steps + 1) × n float64 array.\"\"\"
    _trajectory = np.empty((steps + 1, {n})){layout}
    theta = np.array(theta0, dtype=np.float64)
    _trajectory[0] = theta
    state = None
    for _k in _range(steps):
        theta, state = step(theta, state, lr, momentum{args})
        _trajectory[_k + 1] = theta
    return _trajectory
"""


@dataclass(frozen=True, eq=False)
class UpdateRule:
    """An optimizer update rule for one objective, as generated NumPy code."""

    objective: Objective
    method: str
    _source: str = field(repr=False)
    _namespace: dict[str, Any] = field(repr=False, compare=False)

    @property
    def size(self) -> int:
        """n, the number of parameters (θ is flat, in declaration order)."""
        return len(self.objective.params)

    def source(self) -> str:
        """A standalone Python module (NumPy only) with loss, gradient, step and run."""
        return self._source

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

    def step(
        self,
        theta: Any,
        lr: float,
        state: Any = None,
        momentum: float = 0.0,
        data: Mapping[str, Any] | None = None,
    ) -> tuple[np.ndarray, Any]:
        """One update with explicit state (the momentum buffer; None at the start)."""
        lr, momentum = self._rates(lr, momentum)
        theta = self._theta(theta, "theta")
        if state is not None:
            state = self._theta(state, "state")
        with np.errstate(over="ignore", invalid="ignore"):
            return self._call("step", theta, state, lr, momentum, **self._data(data))

    def run(
        self,
        theta0: Any,
        steps: int,
        lr: float,
        momentum: float = 0.0,
        data: Mapping[str, Any] | None = None,
    ) -> np.ndarray:
        """The trajectory from theta0: a (steps + 1) × n float64 array."""
        if (
            isinstance(steps, bool)
            or not isinstance(steps, (int, np.integer))
            or not 0 <= steps <= MAX_STEPS
        ):
            raise ObjectiveError(
                f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}"
            )
        lr, momentum = self._rates(lr, momentum)
        theta = self._theta(theta0, "theta0")
        with np.errstate(over="ignore", invalid="ignore"):
            return self._call("run", theta, int(steps), lr, momentum, **self._data(data))

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

    def _rates(self, lr: Any, momentum: Any) -> tuple[float, float]:
        values = []
        for name, value in (("lr", lr), ("momentum", momentum)):
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.floating, np.integer)
            ):
                raise ObjectiveError(f"{name} must be a number, got {type(value).__name__}")
            try:
                value = float(value)
            except OverflowError:
                raise ObjectiveError(
                    f"lr and momentum must be finite float64 numbers, and {name} is too large "
                    "for float64"
                ) from None
            if not math.isfinite(value) or value < 0 or (name == "lr" and value == 0):
                need = "a positive" if name == "lr" else "a non-negative"
                raise ObjectiveError(f"{name} must be {need} finite number, got {value!r}")
            values.append(value)
        if self.method in ("momentum", "nesterov") and values[1] == 0:
            raise ObjectiveError(f"{self.method} needs momentum > 0 (for example momentum=0.9)")
        return values[0], values[1]

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


@dataclass(frozen=True, eq=False)
class BoundRule:
    """An update rule with validated data: ``step`` costs only the emitted arithmetic."""

    rule: UpdateRule
    data: Mapping[str, Any] = field(repr=False)

    def step(
        self, theta: Any, lr: float, state: Any = None, momentum: float = 0.0
    ) -> tuple[np.ndarray, Any]:
        """One update (theta, lr and momentum are still checked; they are small)."""
        lr, momentum = self.rule._rates(lr, momentum)
        theta = self.rule._theta(theta, "theta")
        if state is not None:
            state = self.rule._theta(state, "state")
        with np.errstate(over="ignore", invalid="ignore"):
            return self.rule._call("step", theta, state, lr, momentum, **self.data)


def emit(obj: Objective, method: str = "gd") -> UpdateRule:
    """Generate the update rule ``method`` for ``obj`` as NumPy code.

    Args:
        obj: the loss; with data symbols, the loss is the mean over the data's rows.
        method: "gd", "momentum", "nesterov" or "newton".

    Raises:
        ObjectiveError: an unknown method, or a loss whose symbols collide with the
            generated module's own names.
    """
    if not isinstance(obj, Objective):
        raise ObjectiveError(f"emit() needs an Objective, got {type(obj).__name__}")
    if method not in METHODS:
        raise ObjectiveError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    clash = sorted(b.name for b in (*obj.blocks, *obj.data_blocks) if b.name in RESERVED)
    if clash:
        raise ObjectiveError(
            f"the name {clash[0]!r} is reserved in generated code; rename that symbol"
        )
    _check_float64(obj)
    source = _module(obj, method)
    namespace: dict[str, Any] = {"__name__": f"derive_emitted_{method}"}
    exec(compile(source, f"<derive emit {method}>", "exec"), namespace)  # our own generated text
    return UpdateRule(obj, method, source, namespace)


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


def _module(obj: Objective, method: str) -> str:
    generated = generate(obj, hessian=method == "newton")
    names = generated.data_names
    fragments = {
        "params": "".join(f", {d}" for d in names),
        "args": "".join(f", {d}={d}" for d in names),
        "defaults": "".join(f", {d}=None" for d in names),
    }
    params = ", ".join(b.name if b.length is None else f"{b.name}:{b.length}" for b in obj.blocks)
    declared = ", ".join(
        b.name if b.length is None else f"{b.name}:{b.length}" for b in obj.data_blocks
    )
    loss_text = str(obj.structured)  # the canonical form of the parsed loss, never raw text
    data_line = (
        f"\n    data: {declared} (the loss is the mean over the data's rows)" if declared else ""
    )
    derivatives = "gradient and Hessian" if method == "newton" else "gradient"
    doc = f"""{method} update rule for the loss

    L({params}) = {loss_text}{data_line}

Update rule (LaTeX):

    {_RULES[method]}

Generated by derive {__version__} from the symbolic {derivatives}; needs NumPy only.
theta is the flat parameter vector ({params}).
"""
    header = f'''r"""{doc}"""

from math import erf as _math_erf

import numpy as np

PARAMS = {tuple(b.name for b in obj.blocks)!r}
SIZE = {len(obj.params)}
_range = range
'''
    body = [header, HELPERS, generated.loss, "", "", generated.gradient]
    if generated.hessian:
        body += ["", "", generated.hessian]
    body.append(_STEP[method].format(params=fragments["params"], args=fragments["args"]))
    layout = "".join(
        f"\n    {b.name} = np.asfortranarray({b.name})  # column-major: X @ w and Xᵀ r both stream"
        for b in obj.data_blocks
        if b.length is not None
    )
    body.append(
        _RUN.format(
            n=len(obj.params), defaults=fragments["defaults"], args=fragments["args"], layout=layout
        )
    )
    source = "\n".join(body)
    _check_names(source, doc, _user_names(obj))
    return source
