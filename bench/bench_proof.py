"""Benchmark: verifying the library's derivations, and how mutation tests fare.

Prints, for each derivation: its steps, verification time (building included) and the
single-step mutants tried / rejected at their step / rejected downstream. Then the
steepest-descent lemma in ℝ⁶⁴ and ℝ¹²⁸ against the baseline of plain SymPy expanding
the Lagrange identity (build + ``expand``), measured in the same run.

Run by hand from the repository root: ``python bench/bench_proof.py [--no-mutations]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive import (
    Derivation,
    Objective,
    gradient_descent,
    newton_step,
    steepest_descent,
    step_size,
)
from derive.examples import SIGMOID_NEURON
from tests.mutation import run_mutations

CASES: list[tuple[str, Callable[[], Derivation]]] = [
    ("steepest-descent, dimension-free", lambda: steepest_descent(None)),
    ("steepest-descent, R^3", lambda: steepest_descent(3)),
    ("steepest-descent, angle form, R^2", lambda: steepest_descent(2, form="angle")),
    ("gradient-descent, sigmoid neuron (2 points)", lambda: gradient_descent(SIGMOID_NEURON)),
    (
        "gradient-descent, (w*x + b - y)^2",
        lambda: gradient_descent(Objective("(w*x + b - y)**2", "w b")),
    ),
    (
        "gradient-descent, disc form, w^2 + 3b^2",
        lambda: gradient_descent(Objective("w**2 + 3*b**2", "w b"), form="disc"),
    ),
    (
        "gradient-descent, vector form, ridge with w in R^50",
        lambda: gradient_descent(
            Objective("(dot(w, x) + b - y)**2 + lam*norm(w)**2", params="w:50 b", data="x:50 y")
        ),
    ),
    ("newton, quadratic", lambda: newton_step(Objective("(w - 1)**2 + 3*b**2 + w*b", "w b"))),
    ("newton, symbolic Hessian", lambda: newton_step(Objective("exp(w) + b**2", "w b"))),
    ("newton, sigmoid neuron at (0, 0)", lambda: newton_step(SIGMOID_NEURON, {"w": 0, "b": 0})),
    (
        "learning-rate, 2x^2, lr 0.1 from 1",
        lambda: step_size(Objective("2*x**2", "x"), lr="0.1", start={"x": 1}),
    ),
]
MUTATE = {0, 1, 2, 4, 5, 6, 7, 9}  # the sigmoid-neuron cases are verified, not mutated (slow)


def timed(build: Callable[[], Derivation]) -> tuple[Derivation, float, bool]:
    start = time.perf_counter()
    derivation = build()
    ok = derivation.verify().ok
    return derivation, time.perf_counter() - start, ok


def sympy_lagrange_seconds(n: int) -> float:
    start = time.perf_counter()
    u = sympy.symbols(f"u1:{n + 1}", real=True)
    g = sympy.symbols(f"g1:{n + 1}", real=True)
    ug = sympy.Add(*(a * b for a, b in zip(u, g, strict=True)))
    uu, gg = sympy.Add(*(a**2 for a in u)), sympy.Add(*(b**2 for b in g))
    squares = sympy.Add(
        *((u[i] * g[j] - u[j] * g[i]) ** 2 for i in range(n) for j in range(i + 1, n))
    )
    assert sympy.expand(uu * gg - ug**2 - squares) == 0
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-mutations", action="store_true")
    args = parser.parse_args()
    print(
        f"{'derivation':<46}{'steps':>6}{'verify s':>10}  {'mutants: tried / at step / downstream'}"
    )
    for k, (name, build) in enumerate(CASES):
        derivation, seconds, ok = timed(build)
        verdict = "ok" if ok else "NOT VERIFIED"
        line = f"{name:<46}{len(derivation.steps):>6}{seconds:>10.3f}  {verdict}"
        if k in MUTATE and not args.no_mutations:
            counts = run_mutations(derivation)
            line += f"  {counts.tried} / {counts.at_step} / {counts.downstream}"
            if counts.escaped:
                line += f"  ESCAPED: {counts.escaped}"
        print(line)
    print()
    print(
        f"{'steepest descent in R^n':<26}{'derive s':>10}{'target':>8}"
        f"{'SymPy expand s':>16}{'ratio':>8}"
    )
    for n, target in ((64, 0.5), (128, None)):
        _, seconds, ok = timed(lambda n=n: steepest_descent(n))
        baseline = sympy_lagrange_seconds(n)
        mark = "" if ok else " NOT VERIFIED"
        goal = f"{target:8.2f}" if target else f"{'-':>8}"
        print(
            f"{'n = ' + str(n):<26}{seconds:10.3f}{goal}{baseline:16.3f}"
            f"{baseline / seconds:7.1f}x{mark}"
        )


if __name__ == "__main__":
    main()
