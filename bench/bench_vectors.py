"""Benchmark: gradient descent for models with w ∈ ℝⁿ, derived in vector form.

For logistic regression, least squares and ridge regression with ``params="w:n b"``, at
n = 10, 100, 1000 and 10000 in one run: the time to build the derivation (the Objective
included), to verify it with the kernel and to render its LaTeX, the LaTeX's size, and
whether it verified. The figures the vector form answers to: time(n=1000)/time(n=10) and
the LaTeX size ratio. Baseline, in the same run: plain SymPy differentiating the loss
written out component by component (what the componentwise form must do first), up to
n = 100 (at n = 1000 it takes minutes).

Times are the best of three runs. Run by hand from the repository root:
``python bench/bench_vectors.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive import Objective, gradient_descent
from derive.kernel.verify import _CACHE

LOSSES = {
    "logistic": ("log(1 + exp(-y*(dot(w, x) + b)))", "x:{n} y"),
    "least squares": ("(dot(w, x) + b - y)**2", "x:{n} y"),
    "ridge": ("(dot(w, x) + b - y)**2 + lam*norm(w)**2", "x:{n} y"),
}
SIZES = (10, 100, 1000, 10000)
BASELINE_UP_TO = 100
REPEATS = 3


def _derive(loss: str, data: str, n: int) -> tuple[float, float, float, int, bool]:
    """The best of REPEATS builds, verifications and renderings (the kernel's cache of
    reports is emptied before each, so every verification runs)."""
    runs = [_derive_once(loss, data, n) for _ in range(REPEATS)]
    build, verify, render = (min(r[k] for r in runs) for k in range(3))
    return build, verify, render, runs[0][3], all(r[4] for r in runs)


def _derive_once(loss: str, data: str, n: int) -> tuple[float, float, float, int, bool]:
    _CACHE.clear()
    start = time.perf_counter()
    obj = Objective(loss, params=f"w:{n} b", data=data.format(n=n))
    d = gradient_descent(obj)
    built = time.perf_counter()
    ok = d.verify().ok
    verified = time.perf_counter()
    tex = d.document()
    done = time.perf_counter()
    return built - start, verified - built, done - verified, len(tex), ok


def _baseline(loss: str, data: str, n: int) -> float:
    """Plain SymPy: the loss written out, then one derivative per component."""
    start = time.perf_counter()
    obj = Objective(loss, params=f"w:{n} b", data=data.format(n=n))
    expr = obj.expr
    for p in obj.params:
        sympy.diff(expr, p)
    return time.perf_counter() - start


def main() -> None:
    print(
        f"{'loss':14} {'n':>6} {'build':>7} {'verify':>7} {'LaTeX':>7} {'total':>7} "
        f"{'chars':>7} {'ok':>3} {'SymPy ∇':>9}"
    )
    for name, (loss, data) in LOSSES.items():
        totals: dict[int, float] = {}
        sizes: dict[int, int] = {}
        for n in SIZES:
            build, verify, render, chars, ok = _derive(loss, data, n)
            totals[n], sizes[n] = build + verify + render, chars
            base = f"{_baseline(loss, data, n):8.2f}s" if n <= BASELINE_UP_TO else "   (skip)"
            print(
                f"{name:14} {n:6d} {build:6.2f}s {verify:6.2f}s {render:6.2f}s "
                f"{totals[n]:6.2f}s {chars:7d} {'yes' if ok else 'NO':>3} {base}"
            )
        print(
            f"{name:14} time(n=1000)/time(n=10) = {totals[1000] / totals[10]:.2f}, "
            f"LaTeX size ratio = {sizes[1000] / sizes[10]:.3f} "
            f"(n=10000: {totals[10000] / totals[10]:.2f}, {sizes[10000] / sizes[10]:.3f})"
        )


if __name__ == "__main__":
    main()
