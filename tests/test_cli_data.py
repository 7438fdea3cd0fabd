"""Data values from files on the command line (--data-file) for descend, emit --check and
plot: every source gives the same rows, the loss is their exact mean, and every bad file is
exit 2 with one line naming the file and the problem; nothing is ever unpickled."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive.cli import main
from derive.descend import descend
from derive.objective import Objective

LINE = ["descend", "(w*x - y)**2", "--params", "w", "--at", "w=0", "--lr", "0.1", "--steps", "3"]
ROWS = "x,y\n1,2\n3,0.5\n-2,1\n"  # three rows; the mean loss is spelled out in the test


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one-line message of a command that must exit 2."""
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert err.startswith("derive: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def _files() -> None:
    Path("d.csv").write_text(ROWS)
    np.save("xs.npy", np.array([1.0, 3.0, -2.0]))
    np.save("ys.npy", np.array([2.0, 0.5, 1.0]))
    Path("ys.csv").write_text("2\n0.5\n1\n")
    np.savez("d.npz", x=np.array([1, 3, -2]), y=np.array([2.0, 0.5, 1.0]))


def _iterates(out: str) -> list[str]:
    return [line.split("(", 1)[1] for line in out.splitlines() if line.strip()[:1].isdigit()]


# -- descend


def test_descend_on_a_csv_is_exact_gradient_descent_on_the_mean_loss(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _files()
    code, out, _ = run([*LINE, "--data-file", "d.csv"], capsys)
    assert code == 0
    mean = Objective("((w - 2)**2 + (3*w - 1/2)**2 + (-2*w - 1)**2)/3", "w")
    expected = descend(mean, {"w": 0}, "1/10", 3)
    shown = [f"w = {it.values[0]})" for it in expected.iterates]
    assert _iterates(out) == shown
    assert shown[1] == "w = 1/10)"  # the mean gradient at 0, mean(-2xy), is (-4 - 3 + 4)/3
    assert "every iterate is exact" in out
    assert out.rstrip().endswith("the loss is the mean over 3 data rows (d.csv)")


@pytest.mark.parametrize(
    "sources",
    [["d.npz"], ["x=xs.npy,y=ys.npy"], ["x=xs.npy", "y=ys.csv"], ["x = xs.npy, y = ys.csv"]],
    ids=["npz", "npy-commas", "npy-and-csv-repeated", "spaces"],
)
def test_every_kind_of_source_gives_the_same_run(
    sources: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _files()
    _, reference, _ = run([*LINE, "--data-file", "d.csv"], capsys)
    argv = [*LINE]
    for source in sources:
        argv += ["--data-file", source]
    code, out, _ = run(argv, capsys)
    assert code == 0 and _iterates(out) == _iterates(reference)


def test_csv_decimals_are_exact_and_data_values_are_constants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("x.csv").write_text("x\n0.1\n0.3\n")
    code, out, _ = run(
        [*LINE, "--steps", "1", "--data-file", "x.csv", "--data-values", "y=1"], capsys
    )
    # mean gradient at 0: mean(-2 x y) = -(0.1 + 0.3) = -2/5, so w1 = 1/25 exactly
    assert code == 0 and _iterates(out)[1] == "w = 1/25)"


def test_vector_data_from_named_columns_and_from_an_npz(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("v.csv").write_text("y,x_2,x_1\n1,0,2\n-1,1,1\n")
    np.savez("v.npz", x=np.array([[2.0, 0.0], [1.0, 1.0]]), y=np.array([1.0, -1.0]))
    base = ["descend", "(dot(w, x) - y)**2", "--params", "w:2", "--data", "x:2 y"]
    base += ["--at", "w_1=0, w_2=0", "--lr", "1/4", "--steps", "2"]
    code, out, _ = run([*base, "--data-file", "v.csv", "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    mean = Objective("((2*a - 1)**2 + (a + b + 1)**2)/2", "a b")
    expected = descend(mean, {"a": 0, "b": 0}, "1/4", 2)
    assert [it["values"] for it in result["iterates"]] == [
        [str(v) for v in it.values] for it in expected.iterates
    ]
    assert result["rows"] == 2 and result["data_files"] == ["v.csv"]
    code, npz_out, _ = run([*base, "--data-file", "v.npz", "--json"], capsys)
    assert code == 0 and json.loads(npz_out)["iterates"] == result["iterates"]


def test_descend_agrees_with_the_emitted_rule_on_the_same_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = np.random.default_rng(3)
    np.savez("r.npz", x=rng.normal(size=40), y=rng.normal(size=40))
    argv = ["descend", "log(1 + (w*x - y)**2)", "--params", "w", "--at", "w=0.5"]
    code, out, _ = run(
        [*argv, "--lr", "0.2", "--steps", "4", "--data-file", "r.npz", "--json"], capsys
    )
    assert code == 0
    exact = [it["float"][0] for it in json.loads(out)["iterates"]]
    from derive.emit import emit

    data = dict(np.load("r.npz"))
    path = emit(Objective("log(1 + (w*x - y)**2)", "w"), "gd").run([0.5], 4, 0.2, data=data)
    assert np.allclose(path.ravel(), exact, rtol=1e-13, atol=0)


# -- emit --check


def test_emit_check_uses_the_file_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from derive.emit import UpdateRule

    seen: list[Any] = []
    original = UpdateRule.check

    def spy(self: Any, dps: int = 50, **options: Any) -> Any:
        seen.append(options.get("data"))
        return original(self, dps, **options)

    monkeypatch.setattr(UpdateRule, "check", spy)
    x = np.random.default_rng(0).normal(size=(30, 3))
    y = np.sign(np.random.default_rng(1).normal(size=30))
    np.savez("lr.npz", x=x, y=y)
    argv = ["emit", "log(1 + exp(-y*(dot(w, x) + b)))", "--params", "w:3 b", "--data", "x:3 y"]
    code, out, err = run([*argv, "--check", "--data-file", "lr.npz", "-o", "step.py"], capsys)
    assert code == 0, err
    assert np.array_equal(seen[-1]["x"], x) and np.array_equal(seen[-1]["y"], y)
    assert "passed" in out and "on the 30 data rows of lr.npz" in out
    with Path("lr.csv").open("w") as handle:
        handle.write("y,x_1,x_2,x_3\n")
        for row, label in zip(x, y, strict=True):
            handle.write(",".join(repr(float(v)) for v in (label, *row)) + "\n")
    code, out, _ = run([*argv, "--check", "--data-file", "lr.csv", "--json"], capsys)
    assert code == 0 and json.loads(out)["rows"] == 30 and json.loads(out)["ok"]
    assert np.array_equal(seen[-1]["x"], x) and np.array_equal(seen[-1]["y"], y)
    code, _, _ = run(
        ["emit", "(w*x - y)**2", "--params", "w", "--check", "--data-values", "x=2, y=1"], capsys
    )
    assert code == 0 and seen[-1] == {"x": 2.0, "y": 1.0}


def test_emit_takes_data_only_with_check(capsys: pytest.CaptureFixture[str]) -> None:
    _files()
    err = refused(["emit", "(w*x - y)**2", "--params", "w", "--data-file", "d.csv"], capsys)
    assert "--data-file goes with --check" in err
    err = refused(["emit", "(w*x - y)**2", "--params", "w", "--data-values", "x=1, y=2"], capsys)
    assert "--data-values goes with --check" in err


def test_emit_check_refuses_more_rows_than_its_budget(capsys: pytest.CaptureFixture[str]) -> None:
    np.savez("big.npz", x=np.zeros(10_001), y=np.zeros(10_001))
    argv = ["emit", "(w*x - y)**2", "--params", "w", "--check", "--data-file", "big.npz"]
    assert "10,001 rows is over the budget of 10,000" in refused(argv, capsys)


def test_descend_refuses_more_rows_than_exact_arithmetic_can_take(
    capsys: pytest.CaptureFixture[str],
) -> None:
    np.savez("big.npz", x=np.ones(201), y=np.ones(201))
    err = refused([*LINE, "--data-file", "big.npz"], capsys)
    assert "201 rows is over the budget of 200 (MAX_EXACT_ROWS)" in err


# -- plot


def test_plot_draws_the_path_on_the_file_data(capsys: pytest.CaptureFixture[str]) -> None:
    _files()
    argv = ["plot", "(w*x + b - y)**2", "--params", "w b", "--at", "w=0, b=0", "--lr", "0.1"]
    code, out, err = run(
        [*argv, "--steps", "1", "--data-file", "d.csv", "-o", "p.png", "--json"], capsys
    )
    assert code == 0, err
    # mean gradient at 0: w: mean(-2 x y) = -(4 + 3 - 4)/3 = -1, b: mean(-2 y) = -7/3
    assert json.loads(out)["path"][1] == pytest.approx([0.1, 0.7 / 3], abs=1e-15)
    assert Path("p.png").read_bytes().startswith(b"\x89PNG")
    one = ["plot", "(w*x - y)**2", "--params", "w", "--at", "w=0", "--lr", "0.1"]
    code, out, _ = run(
        [*one, "--steps", "1", "--data-file", "d.npz", "-o", "c.png", "--json"], capsys
    )
    assert code == 0 and json.loads(out)["path"][1] == pytest.approx([0.1], abs=1e-15)


def test_plot_taylor_takes_no_data(capsys: pytest.CaptureFixture[str]) -> None:
    _files()
    argv = ["plot", "x**2 + y**2", "--params", "x y", "--at", "x=1, y=1", "--kind", "taylor"]
    err = refused([*argv, "--data-file", "d.csv", "-o", "t.png"], capsys)
    assert "--kind taylor does not take --data-file" in err


# -- refused files: exit 2, one line naming the file and the problem


def _npy(name: str, value: Any) -> str:
    np.save(name, value)
    return name


def _write(name: str, text: str | bytes) -> str:
    if isinstance(text, bytes):
        Path(name).write_bytes(text)
    else:
        Path(name).write_text(text)
    return name


CASES: list[tuple[Any, str]] = [
    # shapes
    (
        lambda: ["x=" + _npy("x2.npy", np.ones((3, 2))), "y=ys.npy"],
        "'x2.npy' holds an array of shape (3, 2), but x is one number per data row",
    ),
    (
        lambda: ["x=xs.npy", "y=" + _npy("y4.npy", np.ones(4))],
        "'y4.npy' has 4 rows, but 'xs.npy' has 3: every data file needs one value per data row",
    ),
    (
        lambda: [_write("zero.csv", "x,y\n0,1\n0,2\n")],
        "with these data values, the loss is not a loss of its parameters: parameter 'w' does "
        "not occur in the loss",
    ),
    # names
    (
        lambda: [_write("z.csv", "x,z\n1,2\n")],
        "'z.csv' has a column 'z', which is not a data symbol of the loss (data: x, y)",
    ),
    (
        lambda: [_write("w.csv", "x,w\n1,2\n")],
        "'w.csv' has a column 'w', which is a parameter of the loss, not data",
    ),
    (
        lambda: [_write("x.csv", "x\n1\n2\n")],
        "no values for the data symbol y: give it in a data file or with --data-values 'y=1'",
    ),
    (lambda: ["q=xs.npy"], "--data-file 'q=xs.npy' names 'q', which is not a data symbol"),
    (lambda: ["d.csv", "y=ys.npy"], "y is given twice ('d.csv' (column 'y') and 'ys.npy')"),
    (lambda: [_write("h.csv", "x,y,x\n1,2,3\n")], "'h.csv' names the column 'x' twice"),
    (
        lambda: [_write("n.csv", "1,2\n3,4\n")],
        "'n.csv' line 1 is '1,2', not a header naming the data symbols",
    ),
    # cells
    (
        lambda: [_write("a.csv", "x,y\n1,2\n3,abc\n")],
        "'a.csv' line 3, column 'y': 'abc' is not a number",
    ),
    (
        lambda: [_write("e.csv", "x,y\n1,2\n3,1/2\n")],
        "'e.csv' line 3, column 'y': '1/2' is not a number",
    ),
    (
        lambda: [_write("n.csv", "x,y\n1,nan\n")],
        "'n.csv' line 2, column 'y': nan is not a finite number",
    ),
    (
        lambda: [_write("i.csv", "x,y\n-inf,1\n")],
        "'i.csv' line 2, column 'x': -inf is not a finite number",
    ),
    (
        lambda: [_write("o.csv", "x,y\n1e999,1\n")],
        "'o.csv' line 2, column 'x': 1e999 is too large for float64",
    ),
    (
        lambda: [_write("b.csv", "x,y\n1,\n")],
        "'b.csv' line 2, column 'y' is empty: every cell needs a number",
    ),
    (lambda: [_write("r.csv", "x,y\n1,2\n3\n")], "'r.csv' line 3 has 1 cell, but the header has 2"),
    (lambda: [_write("t.csv", "x,y\n")], "'t.csv' has a header but no data rows"),
    (lambda: [_write("u.csv", "")], "'u.csv' is empty: it needs a header row"),
    (
        lambda: ["x=xs.npy", "y=" + _write("p.csv", "y\n1\n2\n3\n")],
        "'p.csv' line 1, column 1: 'y' is not a number (a CSV given as NAME=FILE holds numbers "
        "only; one with a header row naming the data symbols is given as --data-file p.csv)",
    ),
    # arrays
    (
        lambda: ["x=" + _npy("nan.npy", np.array([1.0, np.nan, 2.0])), "y=ys.npy"],
        "'nan.npy' holds NaN (row 2): data values must be finite numbers",
    ),
    (
        lambda: ["x=" + _npy("s.npy", np.array(["a", "b", "c"])), "y=ys.npy"],
        "'s.npy' holds <U1 values, not numbers",
    ),
    (
        lambda: ["x=" + _npy("t.npy", np.array([True, False, True])), "y=ys.npy"],
        "'t.npy' holds booleans, not numbers",
    ),
    (
        lambda: ["x=" + _npy("c.npy", np.array([1j, 2, 3])), "y=ys.npy"],
        "'c.npy' holds complex numbers; data values must be real",
    ),
    (
        lambda: ["x=" + _write("bad.npy", b"not numpy"), "y=ys.npy"],
        "'bad.npy' is not a NumPy .npy or .npz file (other files, pickles included, are never",
    ),
    (
        lambda: ["x=" + _write("cut.npy", b"\x93NUMPY\x01\x00"), "y=ys.npy"],
        "'cut.npy' is not a NumPy file",
    ),
    (
        lambda: [
            np.savez("o.npz", x=np.array([{"a": 1}] * 3, dtype=object), y=np.ones(3)) or "o.npz"
        ],
        "'o.npz': the array 'x' holds Python objects, which are never loaded (no pickles)",
    ),
    (
        lambda: [np.savez("k.npz", x=np.ones(3), y=np.ones(3), z=np.ones(3)) or "k.npz"],
        "'k.npz' has an array 'z', which is not a data symbol of the loss",
    ),
    # sources
    (
        lambda: ["xs.npy"],
        "--data-file 'xs.npy': a .npy holds one unnamed array: name its data "
        "symbol, e.g. --data-file x=xs.npy",
    ),
    (lambda: ["x=d.npz"], "a .npz names its arrays itself: give it as --data-file d.npz"),
    (
        lambda: ["d.txt"],
        "--data-file 'd.txt': give a .csv with a header row naming the data symbols",
    ),
    (lambda: ["missing.csv"], "cannot read 'missing.csv': no such file"),
    (lambda: ["x=missing.npy", "y=ys.npy"], "cannot read 'missing.npy': no such file"),
]


@pytest.mark.parametrize(("sources", "message"), CASES, ids=[c[1][:50] for c in CASES])
def test_a_bad_data_file_is_exit_2_with_one_line(
    sources: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _files()
    argv = [*LINE]
    for source in sources():
        argv += ["--data-file", source]
    assert message in refused(argv, capsys)


def test_data_files_for_a_loss_without_data_symbols_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _files()
    argv = ["descend", "2*x**2", "--params", "x", "--at", "x=1", "--lr", "0.1"]
    err = refused([*argv, "--data-file", "d.csv"], capsys)
    assert "'d.csv' has a column 'x', which is a parameter of the loss, not data" in err
    err = refused([*argv, "--data-file", "d.npz"], capsys)
    assert "which is a parameter of the loss" in err


def test_a_pickle_in_a_data_file_is_never_executed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (os.mkdir, (str(marker),))

    np.save("evil.npy", np.array([Payload()] * 3, dtype=object), allow_pickle=True)
    np.savez("evil.npz", x=np.array([Payload()] * 3, dtype=object), y=np.ones(3))
    _files()
    err = refused([*LINE, "--data-file", "x=evil.npy", "--data-file", "y=ys.npy"], capsys)
    assert "'evil.npy' holds Python objects, which are never loaded (no pickles)" in err
    err = refused([*LINE, "--data-file", "evil.npz"], capsys)
    assert "holds Python objects" in err
    assert not marker.exists()
