"""Benchmark: the emitted logistic-regression gradient step, which reads X once per step (a
block of rows at a time), against hand-written two-pass NumPy (X @ w, then Xᵀ r), PyTorch
and JAX, with one BLAS thread and with all threads, as ratios measured in one run.

N = 100 000 rows, d = 100 features, float64 (X is 80 MB). Times are the best of several
repeats of one gradient-descent step (the emitted and the hand-written step timed turn
about, so that load from other processes falls on both alike); the emitted step is the module's own ``step`` (the
code ``rule.run`` executes). PyTorch and JAX are timed with their own hand-written step
(PyTorch: the same two products; JAX: ``jax.jit`` of the loss's ``jax.grad``) and appear
where installed. Threads are set with threadpoolctl (BLAS) and ``torch.set_num_threads``;
JAX's XLA CPU threads are not limited by either, so its row is measured once.

Run from the repository root: ``python bench/bench_arrays.py``. Target: emitted / hand
NumPy ≤ 0.75 with one thread and with all threads.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_emit  # its best-of timer and hand-written two-pass step

from derive import Objective, emit

N, D, LR, REPEATS = 100_000, 100, 0.1, 25


def best(f: Callable[[], object]) -> float:
    return bench_emit.best(f, REPEATS)


def paired(f: Callable[[], object], g: Callable[[], object]) -> tuple[float, float]:
    """The best times of f and g, measured turn about, so that load from other processes
    falls on both alike."""
    f(), g()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEATS):
        for h, kept in ((f, times[0]), (g, times[1])):
            start = time.perf_counter()
            h()
            kept.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, D))
    y = np.where(rng.normal(size=N) > 0, 1.0, -1.0)
    theta = rng.normal(size=D + 1) * 0.01
    obj = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params=f"w:{D} b", data=f"x:{D} y")
    rule = emit(obj, "gd")
    step, init = rule._namespace["step"], rule._namespace["init"]

    def emitted() -> object:
        return step(theta, init(theta), LR, x=x, y=y)[0]

    def hand() -> np.ndarray:
        return bench_emit.hand_step(theta, x, y)

    assert np.allclose(emitted(), hand(), rtol=1e-12, atol=1e-15)
    rows: dict[str, dict[str, float]] = {}
    everything = os.cpu_count() or 1
    for label, threads in (("1 thread", 1), (f"{everything} threads", everything)):
        with threadpool_limits(limits=threads):
            ours, theirs = paired(emitted, hand)
            column = {"emitted (one pass, blocked)": ours, "hand two-pass NumPy": theirs}
            column |= torch_row(x, y, theta, threads)
        rows[label] = column
    column_jax = jax_row(x, y, theta)
    emitted_jax = jax_emitted_row(rule, x, y, theta)
    print(f"logistic regression GD step, N = {N}, d = {D}; load {os.getloadavg()[0]:.2f}")
    labels = list(rows)
    print(f"{'':<30}" + "".join(f"{lab:>26}" for lab in labels))
    for name in rows[labels[0]]:
        cells = []
        for lab in labels:
            seconds, base = rows[lab][name], rows[lab]["hand two-pass NumPy"]
            cells.append(f"{seconds * 1e3:9.2f} ms  {seconds / base:5.2f}×")
        print(f"{name:<30}" + "".join(f"{c:>26}" for c in cells))
    if column_jax is not None:
        base = rows[labels[-1]]["hand two-pass NumPy"]
        print(
            f"{'JAX jit (its own threads)':<30}{'':>26}{column_jax * 1e3:9.2f} ms  {column_jax / base:5.2f}×"
        )
        if emitted_jax is not None:
            print(
                f"{'emitted step under jax.jit':<30}{'':>26}"
                f"{emitted_jax * 1e3:9.2f} ms  {emitted_jax / base:5.2f}×"
            )
    else:
        print("(JAX not installed: pip install jax jaxlib to include it)")
    print("ratios are to hand two-pass NumPy in the same column; target for emitted ≤ 0.75")


def torch_row(x: np.ndarray, y: np.ndarray, theta: np.ndarray, threads: int) -> dict[str, float]:
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(threads)
    tx, ty, tt = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(theta)

    def torch_step() -> object:
        r = -ty * torch.sigmoid(-ty * (tx @ tt[:D] + tt[D]))
        return tt - LR * torch.cat([tx.T @ r / N, r.mean().reshape(1)])

    return {"PyTorch (two products)": best(torch_step)}


def jax_row(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    with jax.enable_x64(True):
        jx, jy, jt = jnp.asarray(x), jnp.asarray(y), jnp.asarray(theta)

        def loss(t: object) -> object:
            return jnp.mean(jnp.logaddexp(0.0, -jy * (jx @ t[:D] + t[D])))  # type: ignore[index]

        jstep = jax.jit(lambda t: t - LR * jax.grad(loss)(t))
        return best(lambda: jstep(jt).block_until_ready())


def jax_emitted_row(rule: object, x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float | None:
    """The emitted module's own step on JAX arrays, compiled with jax.jit."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    module: dict[str, object] = {"__name__": "emitted"}
    exec(compile(rule.source(), "step.py", "exec"), module)  # type: ignore[attr-defined]
    step, init = module["step"], module["init"]
    with jax.enable_x64(True):
        jx, jy, jt = jnp.asarray(x), jnp.asarray(y), jnp.asarray(theta)
        jstep = jax.jit(lambda t: step(t, init(t), LR, x=jx, y=jy)[0])  # type: ignore[operator]
        return best(lambda: jstep(jt).block_until_ready())


if __name__ == "__main__":
    main()
