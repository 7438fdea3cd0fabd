"""Benchmark: one emitted gradient-descent step against hand-written NumPy and PyTorch.

Logistic regression, per-sample loss log(1 + exp(−y·(wᵀx + b))), N = 100 000 rows and
d = 100 features (float64). All three are timed in the same run (best of several
repeats): derive's emitted step (``rule.step``, validation included, and the emitted
module's own ``step``), a hand-written NumPy step, and a PyTorch float64 autograd step
(PyTorch only in the benchmark environment: ``pip install torch``). Also reported:
rows×features per second, and the fraction of the memory bandwidth measured here with
a large NumPy copy (a step must read the 80 MB matrix twice: X @ w and Xᵀ r).

Then ``check(dps=50)`` of a 10-parameter loss over 100 steps (target ≤ 2 s).

The step runs twice: with glibc's default allocator settings, and in a child process
with ``MALLOC_MMAP_THRESHOLD_`` raised, which keeps NumPy's 800 kB temporaries off
fresh mmap pages (PyTorch's caching allocator does the same for its tensors).

Run by hand from the repository root: ``python bench/bench_emit.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive import Objective, emit

N, D, LR, REPEATS = 100_000, 100, 0.1, 15


def best(f: Callable[[], object], repeats: int = REPEATS) -> float:
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def hand_step(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    w, b = theta[:D], theta[D]
    s = -y / (1 + np.exp(y * (x @ w + b)))
    return theta - LR * np.concatenate([x.T @ s / len(y), [s.mean()]])


def bandwidth() -> float:
    """Bytes per second of a large NumPy copy (bytes read + bytes written), best of several."""
    a = np.ones(50_000_000)
    b = np.empty_like(a)
    seconds = best(lambda: np.copyto(b, a), repeats=5)
    return 2 * a.nbytes / seconds


TUNED = {"MALLOC_MMAP_THRESHOLD_": "268435456", "MALLOC_TRIM_THRESHOLD_": "268435456"}


def main() -> None:
    child = "--tuned-child" in sys.argv
    steps()
    if not child:
        ten_parameter_check()
        print("\nthe same step with MALLOC_MMAP_THRESHOLD_ raised (no page faults on temporaries):")
        done = subprocess.run(
            [sys.executable, __file__, "--tuned-child"],
            env={**os.environ, **TUNED},
            capture_output=True,
            text=True,
            check=True,
        )
        print(done.stdout, end="")


def steps() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, D))
    y = np.where(rng.normal(size=N) > 0, 1.0, -1.0)
    theta = rng.normal(size=D + 1) * 0.01
    obj = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params=f"w:{D} b", data=f"x:{D} y")
    start = time.perf_counter()
    rule = emit(obj, "gd")
    if "--tuned-child" not in sys.argv:
        print(f"emit (symbolic gradient + code generation): {time.perf_counter() - start:.3f} s")
    data = {"x": x, "y": y}
    module_step, module_init = rule._namespace["step"], rule._namespace["init"]

    bound = rule.bind(data)
    validated = best(lambda: rule.step(theta, LR, data=data))
    emitted = best(lambda: bound.step(theta, LR))
    raw = best(lambda: module_step(theta, module_init(theta), LR, x=x, y=y))
    hand = best(lambda: hand_step(theta, x, y))
    assert np.allclose(
        rule.step(theta, LR, data=data)[0], hand_step(theta, x, y), rtol=1e-12, atol=1e-15
    )

    rows = [
        ("derive rule.bind(data).step", emitted),
        ("derive module step, data as given (C order)", raw),
        ("derive rule.step (checks the data each call)", validated),
        ("hand-written NumPy step", hand),
    ]
    try:
        import torch

        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        tt = torch.tensor(theta, requires_grad=True)

        def torch_step() -> None:
            tt.grad = None
            loss = torch.nn.functional.softplus(-ty * (tx @ tt[:D] + tt[D])).mean()
            loss.backward()
            with torch.no_grad():
                tt.sub_(LR * tt.grad)

        torch.set_num_threads(2)
        torch_seconds = best(torch_step)
        rows.append(("PyTorch float64 autograd step", torch_seconds))
    except ImportError:
        torch_seconds = None
        print("(PyTorch not installed: pip install torch to include it)")

    copy_bandwidth = bandwidth()
    floor = 2 * x.nbytes / copy_bandwidth
    print(f"\nlogistic regression GD step, N = {N}, d = {D} (X is {x.nbytes / 1e6:.0f} MB)")
    for name, seconds in rows:
        print(
            f"  {name:<44}{seconds * 1e3:8.2f} ms   {N * D / seconds / 1e9:6.2f} G rows×features/s"
        )
    print(f"  {'memory floor (two passes at measured bandwidth)':<44}{floor * 1e3:8.2f} ms")
    print(f"\n  emitted / hand NumPy      = {emitted / hand:.3f}  (target ≤ 1.25)")
    if torch_seconds is not None:
        print(f"  emitted / PyTorch         = {emitted / torch_seconds:.3f}  (target < 1)")
    achieved = 2 * x.nbytes / emitted
    print(
        f"  memory traffic            = {achieved / 1e9:.1f} GB/s read (X twice) vs {copy_bandwidth / 1e9:.1f} GB/s"
        f" for a copy: {achieved / copy_bandwidth:.2f} of the copy bandwidth"
    )


def ten_parameter_check() -> None:
    ten = Objective(
        " + ".join(f"(t{i} - {i})**2*(1 + t{(i + 1) % 10}**2/10)" for i in range(10)),
        " ".join(f"t{i}" for i in range(10)),
    )
    checked = emit(ten, "gd")
    start = time.perf_counter()
    report = checked.check(dps=50, steps=100, lr=0.01)
    print(
        f"\ncheck(dps=50), 10 parameters, 100 steps: {time.perf_counter() - start:.3f} s (target ≤ 2 s)"
    )
    print(f"  {report.summary()}")


if __name__ == "__main__":
    main()
