"""The command's exit codes: 0 verified, 1 not verified (or a failed check), 2 bad input or
refused work, 3 an internal error. A crash never exits 1 and never prints a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive import cli
from derive.emit import emit
from derive.errors import InternalError, NumericError, ObjectiveError
from derive.objective import Objective

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main() in-process: it returns the code, it never raises."""
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert isinstance(code, int)
    return code, out, err


def run_process(*argv: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m derive ARGV`` (or ``python -c CODE``) in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "DERIVE_DEBUG"}
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "derive", *argv]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=ROOT, env=env, timeout=120
    )


# -- 0: verified


def test_a_verified_derivation_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["prove", "steepest-descent", "--dim", "2"], capsys)
    assert (code, err) == (0, "")
    assert "verified:" in out.splitlines()[-1]


def test_a_verified_derivation_exits_0_from_a_fresh_interpreter() -> None:
    done = run_process("prove", "steepest-descent", "--dim", "2")
    assert (done.returncode, done.stderr) == (0, "")


# -- 1: not verified


NOT_VERIFIED = ["prove", "gradient-descent", "--loss", "abs(w) + b**2", "--params", "w b"]
"""|w| has no derivative at w = 0, so the first step (the partial derivative) is unproved."""


def test_a_derivation_that_does_not_verify_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(NOT_VERIFIED, capsys)
    assert (code, err) == (1, "")
    assert "NOT verified" in out


def test_a_derivation_that_does_not_verify_exits_1_from_a_fresh_interpreter() -> None:
    done = run_process(*NOT_VERIFIED)
    assert (done.returncode, done.stderr) == (1, "")
    assert "NOT verified" in done.stdout


# -- 2: bad input or refused work, one line, no traceback


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["taylor", "x", "--params", "y"], "parameter 'y' does not occur in the loss"),
        (["taylor", "x", "--params", "x", "--at", "x=nan"], "--at value for x must be finite"),
        (["descend", "x**2", "--params", "x", "--at", "x=1", "--lr", "0"], "--lr must be"),
        (["prove", "gradient-descent", "--loss", "w**2"], "a loss needs its parameters"),
        (["taylor", "x", "--params", "x", "--order", "two"], "argument --order: invalid int"),
        (["nonsense"], "argument COMMAND: invalid choice"),
        (
            ["prove", "steepest-descent", "--dim", "2000000"],
            "steepest-descent: option 'dim' expects a whole number from 1 to 1000000",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"derive: error: {message}")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_parse_error_shows_its_column_under_the_one_line_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["taylor", "x + $", "--params", "x"], capsys)
    first, *excerpt = err.splitlines()
    assert code == 2 and first.startswith("derive: error: ")
    assert excerpt and all(line.startswith("  ") for line in excerpt)  # the text and a caret
    assert "Traceback" not in err


def test_bad_input_exits_2_from_a_fresh_interpreter() -> None:
    done = run_process("taylor", "x", "--params", "y")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("derive: error: parameter 'y' does not occur")
    assert len(done.stderr.splitlines()) == 1


def test_refused_work_exits_2_naming_the_budget(
    no_hang: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["prove", "gradient-descent", "--loss", "(a+b+c)**1000", "--params", "a b c"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("derive: error: the loss is too large for a symbolic proof")
    assert "MAX_EXPANDED_TERMS" in err and len(err.splitlines()) == 1


def test_argparse_exits_are_returned_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys)[0] == 0
    assert run(["taylor", "--help"], capsys)[0] == 0
    code, _, err = run(["taylor"], capsys)
    assert code == 2 and err.startswith("derive: error: the following arguments are required")


# -- 3: an internal error, reported as such


def _raising(exc: BaseException) -> Callable[[Any], int]:
    def command(args: Any) -> int:
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (IndexError("list index out of range"), "IndexError: list index out of range"),
        (OverflowError("int too large to convert to float"), "OverflowError: int too large"),
        (TypeError("unsupported operand"), "TypeError: unsupported operand"),
        (ValueError("math domain error"), "ValueError: math domain error"),
        (ZeroDivisionError(), "ZeroDivisionError"),
        (MemoryError(), "MemoryError"),
        (KeyError("w"), "KeyError: 'w'"),
        (InternalError("the generated module's docstring does not match"), "the generated"),
    ],
)
def test_an_unexpected_exception_is_an_internal_error_exit_3(
    exc: BaseException,
    shown: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DERIVE_DEBUG", raising=False)
    monkeypatch.setitem(cli.COMMANDS, "taylor", _raising(exc))
    code, out, err = run(["taylor", "x", "--params", "x"], capsys)
    assert (code, out) == (3, "")
    first, hint = err.splitlines()
    assert first.startswith(f"derive: internal error: {shown}")
    assert "bug in derive" in hint and "report" in hint
    assert "Traceback" not in err


def test_an_internal_error_never_exits_1_even_in_a_derivation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DERIVE_DEBUG", raising=False)

    def broken(*args: Any, **kwargs: Any) -> Any:
        return [][0]

    import dataclasses

    from derive.library import REGISTRY

    kind = dataclasses.replace(REGISTRY["steepest-descent"], builder=broken)
    monkeypatch.setitem(REGISTRY, "steepest-descent", kind)
    code, _, err = run(["prove", "steepest-descent", "--dim", "2"], capsys)
    assert code == 3 and err.startswith("derive: internal error: IndexError")


def test_a_recursion_error_is_refused_work_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DERIVE_DEBUG", raising=False)
    monkeypatch.setitem(cli.COMMANDS, "taylor", _raising(RecursionError("maximum depth")))
    code, _, err = run(["taylor", "x", "--params", "x"], capsys)
    assert code == 2
    assert err.startswith("derive: error: the expression is nested too deeply to process")
    assert len(err.splitlines()) == 1


def test_a_broken_exception_message_is_still_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no message")

    monkeypatch.delenv("DERIVE_DEBUG", raising=False)
    monkeypatch.setitem(cli.COMMANDS, "taylor", _raising(Unprintable()))
    code, _, err = run(["taylor", "x", "--params", "x"], capsys)
    assert code == 3 and err.startswith("derive: internal error: Unprintable")


def test_derive_debug_re_raises_an_internal_error_for_developers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERIVE_DEBUG", "1")
    monkeypatch.setitem(cli.COMMANDS, "taylor", _raising(IndexError("the bug")))
    with pytest.raises(IndexError, match="the bug"):
        cli.main(["taylor", "x", "--params", "x"])


def test_derive_debug_leaves_bad_input_an_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DERIVE_DEBUG", "1")
    assert run(["taylor", "x", "--params", "y"], capsys)[0] == 2


INJECTED = """
import sys
from derive import cli

def broken(args):
    raise {exc}

cli.COMMANDS["taylor"] = broken
sys.exit(cli.main(["taylor", "x", "--params", "x"]))
"""


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        ("IndexError('list index out of range')", "IndexError: list index out of range"),
        ("__import__('derive').errors.InternalError('inconsistent')", "inconsistent"),
    ],
)
def test_an_internal_error_exits_3_from_a_fresh_interpreter(exc: str, shown: str) -> None:
    done = run_process(code=INJECTED.format(exc=exc))
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr.startswith(f"derive: internal error: {shown}")
    assert "Traceback" not in done.stderr


# -- the Python API under the command: bad numbers are ObjectiveErrors, never raw errors


RULE = emit(Objective("(w*x + b - y)**2", "w b"))
GOOD = {"x": [1.0, 2.0], "y": [0.5, 1.0]}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: RULE.loss([10**400, 1.0], GOOD), "theta holds a number too large for float64"),
        (lambda: RULE.gradient([1.0, -(10**400)], GOOD), "theta holds a number too large"),
        (lambda: RULE.run([10**400, 1.0], 2, 0.1, data=GOOD), "theta0 holds a number too large"),
        (
            lambda: RULE.step([1.0, 1.0], 0.1, state=[10**400, 0.0], data=GOOD),
            "state holds a number too large",
        ),
        (lambda: RULE.step([1.0, 1.0], 10**400, data=GOOD), "lr is too large for float64"),
        (
            lambda: emit(Objective("w**2", "w"), "momentum").step([1.0], 0.1, momentum=10**400),
            "momentum is too large for float64",
        ),
        (
            lambda: RULE.loss([1.0, 1.0], {"x": [10**400], "y": [1.0]}),
            r"data holds a number too large for float64 \(in data\['x'\]\)",
        ),
        (lambda: RULE.loss([1.0, 1.0], 5), "data must map data symbols to values"),  # type: ignore[arg-type]
        (lambda: RULE.loss([1.0, 1.0], [("x", 1.0)]), "data must map data symbols to values"),  # type: ignore[arg-type]
        (lambda: RULE.loss([1.0, 1.0], "xy"), "data must map data symbols to values"),  # type: ignore[arg-type]
        (lambda: RULE.loss([1.0, 1.0], {1: 2.0}), "keyed by the data symbols' names"),  # type: ignore[dict-item]
        (lambda: RULE.loss(np.array([1 + 1j, 1.0]), GOOD), "real, not complex"),
        (lambda: RULE.bind({"x": [10**400], "y": [1.0]}), "data holds a number too large"),
    ],
)
def test_out_of_range_numbers_and_non_mappings_are_objective_errors(
    call: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ObjectiveError, match=message):
        call()


def test_loss_gradient_and_hessian_overflow_quietly_to_infinity() -> None:
    rule = emit(Objective("exp(w) + w**4", "w"), "newton")
    assert rule.loss([1e300]) == float("inf")  # no RuntimeWarning: warnings are errors here
    assert np.isinf(rule.gradient([1e300])).all()
    assert np.isinf(rule.hessian([1e300])).all()
    data_rule = emit(Objective("(w*x - y)**2", "w"))
    assert data_rule.loss([1.0], {"x": [1e308, 1e308], "y": [0.0, 0.0]}) == float("inf")


def test_a_loss_with_a_number_past_float64_is_refused_when_emitted() -> None:
    with pytest.raises(ObjectiveError, match="a number of 401 digits, past float64's range"):
        emit(Objective("x + 10**400", "x"))
    assert emit(Objective("x*(10**400 + 1)/10**400", "x")).loss([2.0]) == 2.0  # a ratio fits


def test_a_derivative_past_float64_is_a_numeric_error_not_an_overflow_error() -> None:
    rule = emit(Objective("x**1000*10**306", "x"))  # the gradient's coefficient is 10**309
    with pytest.raises(NumericError, match=r"gradient\(\) holds a number past float64"):
        rule.gradient([1.0])
    with pytest.raises(NumericError, match=r"run\(\) holds a number past float64"):
        rule.run([1.0], 1, 0.1)


@pytest.mark.parametrize("loss", ["x + 10**400", "x**1000*10**306"])
def test_emit_check_of_a_loss_past_float64_exits_2(
    loss: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["emit", "--params=x", "--check", "--", loss], capsys)
    assert code == 2 and err.startswith("derive: error: the ") and "float64" in err
