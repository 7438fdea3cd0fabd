"""Dask arrays: chunked data (the out-of-core path: a step is a chunk-by-chunk Dask graph,
computed before the next), a dask.distributed LocalCluster, and the how-to's code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive import Objective, emit

da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")

HOWTO = Path(__file__).resolve().parent.parent / "docs" / "howto" / "dask.rst"
RNG = np.random.default_rng(3)
X = RNG.normal(size=(2_000, 5))
Y = np.sign(RNG.normal(size=2_000))
LOGISTIC = Objective("log(1 + exp(-y*(dot(w, x) + b)))", params="w:5 b", data="x:5 y")
SQUARES = Objective("(dot(w, x) - y)**2 + c**2*y**2", params="w:5 c", data="x:5 y")


def chunked() -> dict[str, Any]:
    return {"x": da.from_array(X, chunks=(250, 5)), "y": da.from_array(Y, chunks=250)}


def relative(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


@pytest.mark.parametrize(
    ("method", "obj", "options"),
    [
        ("gd", LOGISTIC, {}),
        ("nesterov", SQUARES, {"momentum": 0.9}),
        ("adam", LOGISTIC, {"amsgrad": True}),
        ("rmsprop", SQUARES, {"centered": True}),
        ("newton", SQUARES, {}),
    ],
)
def test_dask_trajectory_equals_numpy(method: str, obj: Objective, options: dict[str, Any]) -> None:
    rule = emit(obj, method)
    lr = 0.5 if method == "newton" else 0.02
    want = rule.run(np.full(6, 0.1), 8, lr, data={"x": X, "y": Y}, **options)
    got = rule.run(np.full(6, 0.1), 8, lr, data=chunked(), **options)
    assert isinstance(got, da.Array)
    assert relative(got.compute(), want) <= 1e-12


def test_each_step_is_a_chunked_graph_reading_every_chunk_once() -> None:
    """The out-of-core path: the gradient is a graph over the data's chunks (never one
    array of all rows), persisted step by step, and each chunk is loaded once per step."""
    loads: list[int] = []

    def load(block: np.ndarray, block_info: Any = None) -> np.ndarray:
        loads.append(block_info[None]["chunk-location"][0])
        return block

    x = da.from_array(X, chunks=(250, 5)).map_blocks(load, dtype=float)
    rule = emit(LOGISTIC, "gd")
    module = rule._namespace
    grads = module["gradient"](da.from_array(np.zeros(6)), x, da.from_array(Y, chunks=250))
    assert isinstance(grads, da.Array)
    loads.clear()
    grads.compute()
    assert sorted(loads) == list(range(8))  # 8 chunks, each read once for Xw and Xᵀr
    loads.clear()
    rule.run(np.zeros(6), 3, 0.1, data={"x": x, "y": Y})
    assert sorted(loads) == sorted(list(range(8)) * 4)  # the data check, then one read a step


def test_distributed_local_cluster_agrees_with_numpy() -> None:
    distributed = pytest.importorskip("dask.distributed")
    rule = emit(LOGISTIC, "adam")
    want = rule.run(np.zeros(6), 5, 0.05, data={"x": X, "y": Y})
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = rule.run(np.zeros(6), 5, 0.05, data=chunked())
        assert client.scheduler_info()["workers"]
        assert relative(got.compute(), want) <= 1e-12


def test_the_howto_runs_and_its_cluster_agrees_with_its_local_run() -> None:
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", HOWTO.read_text())
    assert len(blocks) == 2
    namespace: dict[str, Any] = {}
    for block in blocks:
        code = "\n".join(line[3:] for line in block.splitlines())
        exec(compile(code, str(HOWTO), "exec"), namespace)
    assert namespace["path"].shape == (6, 21)
    first = namespace["rule"].run(
        np.zeros(21), 5, 0.05, data={"x": namespace["x"], "y": namespace["y"]}
    )
    assert relative(namespace["on_cluster"], first[-1].compute()) <= 1e-12
    final = namespace["final"]
    assert final.shape == (21,) and np.all(np.isfinite(final))
