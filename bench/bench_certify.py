"""Certified step sizes: time of descent_radius and smoothness_bound (build + kernel
verification) for 2, 10 and 50 parameters of two losses (log-sum-exp plus a quartic chain;
logistic regression on eight data points), with η₀ against the sampled true radius and L
against the largest Hessian norm sampled at the centre, random points and corners, all in
one run (or only the families named: ``python bench/bench_certify.py logistic``).

    python bench/bench_certify.py
"""

from __future__ import annotations

import itertools
import sys
import time

import mpmath
import numpy as np
import sympy

import derive as dv


def _loss(n: int) -> dv.Objective:
    """A smooth non-quadratic loss of n parameters: log-sum-exp plus a quartic chain."""
    names = [f"w{i}" for i in range(n)]
    lse = "log(" + " + ".join(f"exp({w})" for w in names) + ")"
    chain = " + ".join(f"({a} - {b})**4/4" for a, b in itertools.pairwise(names))
    return dv.Objective(
        lse + " + " + chain + " + " + " + ".join(f"{w}**2/2" for w in names), " ".join(names)
    )


def _true_radius(obj: dv.Objective, at: dict[str, int], eta0: sympy.Rational) -> float:
    """The first η on a grid up to 10 η₀ where the loss stops decreasing (10 η₀ if none)."""
    eta = sympy.Symbol("eta_bench")
    theta = dict(zip(obj.params, obj.point(at), strict=True))
    u = [-sympy.sympify(g).xreplace(theta) for g in obj.gradient()]
    moved = {p: theta[p] + eta * ui for p, ui in zip(obj.params, u, strict=True)}
    change = sympy.lambdify(eta, obj.expr.xreplace(moved) - obj.expr.xreplace(theta), "mpmath")
    with mpmath.workdps(30):
        for j in range(1, 401):
            t = mpmath.mpf(eta0.p) / eta0.q * j / 40
            if change(t) >= 0:
                return float(t)
    return float(10 * eta0)


def logistic(n: int, rows: int = 8, seed: int = 0) -> dv.Objective:
    """Logistic regression on ``rows`` random data points with entries in [−3/4, 3/4]
    (fixed by ``seed``); the Hessian-bound tests use it too."""
    rng = np.random.default_rng(seed)
    x, y = rng.integers(-3, 4, size=(rows, n)), rng.choice([-1, 1], size=rows)
    names = [f"w{i}" for i in range(n)]
    terms = [
        f"log(1 + exp({-y[k]}*("
        + " + ".join(f"{x[k, i]}*{w}/4" for i, w in enumerate(names) if x[k, i])
        + ")))"
        for k in range(rows)
    ]
    return dv.Objective(f"({' + '.join(terms)})/{rows}", " ".join(names))


def _sampled_norm(obj: dv.Objective, box: dict[str, tuple[int, int]], count: int = 200) -> float:
    """The largest ‖∇²L‖₂ at the box's centre, random points and random corners (a lower
    bound of the true maximum; for logistic regression the centre w = 0 attains it)."""
    hessian = sympy.lambdify(obj.params, obj.hessian(), "numpy")
    rng = np.random.default_rng(3)
    centre = [sum(box[p.name]) / 2 for p in obj.params]
    largest = float(np.linalg.norm(np.array(hessian(*centre), dtype=float), 2))
    for _ in range(count):
        point = [rng.uniform(*box[p.name]) for p in obj.params]
        corner = [box[p.name][int(rng.integers(2))] for p in obj.params]
        for at in (point, corner):
            h = np.array(hessian(*at), dtype=float)
            largest = max(largest, float(np.linalg.norm(h, 2)))
    return largest


_RADIUS_SKIPPED = {("logistic", 50)}
"""descent_radius there takes minutes (build ~100 s under load, then SymPy's identity check
of the Taylor step on the segment's expression, with exp of the gradient's exact entries)."""


def main(families: tuple[str, ...] = ("lse+chain", "logistic")) -> None:
    print("loss         n    radius s  η₀        η₀/true   smooth s   L          L/sampled")
    for family, n in [(f, n) for f in families for n in (2, 10, 50)]:
        obj = _loss(n) if family == "lse+chain" else logistic(n)
        at = {p.name: (1 if k % 2 else -1) for k, p in enumerate(obj.params)}
        box = {p.name: (-1, 1) for p in obj.params}
        radius_cells = f"{'—':>8}  {'—':<9} {'—':<9}"
        if (family, n) not in _RADIUS_SKIPPED:
            start = time.perf_counter()
            radius = dv.descent_radius(obj, at=at)
            assert radius.derivation.verify().ok
            radius_s = time.perf_counter() - start
            ratio = float(radius.eta) / _true_radius(obj, at, radius.eta)
            radius_cells = f"{radius_s:8.2f}  {float(radius.eta):<9.4g} {ratio:<9.3f}"
        start = time.perf_counter()
        bound = dv.smoothness_bound(obj, box=box)
        assert bound.derivation.verify().ok
        smooth_s = time.perf_counter() - start
        sampled = _sampled_norm(obj, box)
        print(
            f"{family:<12} {n:<4} {radius_cells} {smooth_s:8.2f}   "
            f"{float(bound.L):<10.4g} {float(bound.L) / sampled:.2f}"
        )


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("lse+chain", "logistic"))
