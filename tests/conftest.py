"""Shared test set-up: Hypothesis profile sized for a 2-core machine, a hang guard."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "derive", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("derive")


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail a test that runs longer than 20 s (a hang, not a timing claim)."""

    def _alarm(signum: int, frame: object) -> None:
        raise TimeoutError("took longer than 20 s: treated as a hang")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


pytest_plugins = ("sphinx.testing.fixtures",)
collect_ignore = ["roots"]  # tiny Sphinx projects, built by the tests, not collected


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Tiny Sphinx projects for the extension's tests (tests/roots/test-*)."""
    return Path(__file__).parent / "roots"
