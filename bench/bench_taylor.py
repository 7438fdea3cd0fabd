"""Benchmark: multivariate Taylor expansion against plain-SymPy differentiation.

Loss L(θ) = log Σᵢ exp(aᵢθᵢ) + Σᵢ θᵢ⁴ with aᵢ = 1 + (i mod 3). For each case the script
times, in one run:

* derive's build (``taylor(...)`` and assembling the terms, SymEngine inside),
* the lazy conversion of the terms to SymPy (first access of ``.terms``),
* plain SymPy differentiating the same unique multi-indices, each from its parent
  (the baseline; this is *kinder* to SymPy than differentiating n^k index tuples),

and prints the ratio baseline / build. Run by hand: ``python bench/bench_taylor.py``.
"""

from __future__ import annotations

import argparse
import time

import sympy

from derive import Objective, taylor

CASES = ((10, 4, 0.1), (20, 3, 0.3))  # (n, order, target seconds for the build)


def loss(n: int) -> Objective:
    exps = " + ".join(f"exp({1 + i % 3}*t{i})" for i in range(n))
    quartics = " + ".join(f"t{i}**4" for i in range(n))
    return Objective(f"log({exps}) + {quartics}", " ".join(f"t{i}" for i in range(n)))


def build_seconds(obj: Objective, order: int, about: dict | None, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        t = taylor(obj, order, about=about)
        t._terms_se  # noqa: B018 - assemble the terms, still in SymEngine
        best = min(best, time.perf_counter() - start)
    return best


def convert_seconds(obj: Objective, order: int, about: dict | None) -> float:
    t = taylor(obj, order, about=about)
    t._terms_se  # noqa: B018
    start = time.perf_counter()
    t.terms  # noqa: B018
    return time.perf_counter() - start


def sympy_seconds(obj: Objective, order: int) -> float:
    start = time.perf_counter()
    table = {(): obj.expr}
    frontier: list[tuple[int, ...]] = [()]
    for _ in range(order):
        grown = []
        for index in frontier:
            for i in range(index[-1] if index else 0, len(obj.params)):
                table[(*index, i)] = sympy.diff(table[index], obj.params[i])
                grown.append((*index, i))
        frontier = grown
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    header = ("case", "point", "build s", "target", "to SymPy s", "SymPy diff s", "ratio")
    widths = (-22, -10, 9, 8, 12, 14, 8)
    print(
        "".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w in zip(header, widths, strict=True))
    )
    for n, order, target in CASES:
        obj = loss(n)
        baseline = sympy_seconds(obj, order)
        for label, about in (("symbolic", None), ("theta=0", {f"t{i}": 0 for i in range(n)})):
            build = build_seconds(obj, order, about, args.repeats)
            convert = convert_seconds(obj, order, about)
            verdict = "ok" if build <= target else "SLOW"
            print(
                f"n={n:<3} order={order:<10}{label:<10}{build:9.3f}{target:8.2f}{convert:12.3f}"
                f"{baseline:14.2f}{baseline / build:7.0f}x {verdict}"
            )


if __name__ == "__main__":
    main()
