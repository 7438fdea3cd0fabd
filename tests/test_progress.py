"""Progress: a line per stage on standard error for commands that run a while."""

from __future__ import annotations

import pytest

from derive import progress
from derive.cli import main


def test_a_long_command_shows_a_line_per_stage(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DERIVE_PROGRESS", "0")  # as if it had run 2 s already
    assert main(["prove", "steepest-descent", "--dim", "512"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("derive prove:")]
    assert any("verifying its" in line for line in lines), err
    assert any("rendering" in line for line in lines), err
    assert lines[-1].startswith("derive prove: done (")


def test_a_quick_command_off_a_terminal_is_quiet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DERIVE_PROGRESS", raising=False)
    assert main(["prove", "steepest-descent"]) == 0
    assert "derive prove:" not in capsys.readouterr().err


def test_stage_outside_a_command_does_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress.stage("nothing runs")
    assert capsys.readouterr().err == ""


def test_a_bad_setting_falls_back_to_the_default_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIVE_PROGRESS", "soon")
    assert progress._after() == progress.AFTER
