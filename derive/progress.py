"""A line per stage on the terminal for commands that run longer than about 2 s.

A command names its stages as it goes (:func:`stage`); nothing is shown for the first
``AFTER`` seconds, so quick commands stay quiet. After that the stage running then, and
every later one, gets a line on standard error with the time so far, and the end a last
line. Shown only when standard error is a terminal, or when ``DERIVE_PROGRESS`` is set
(to the number of seconds to wait, e.g. ``0``).

>>> with running("prove"):
...     stage("building the derivation")
...     stage("verifying")
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["AFTER", "running", "stage"]

AFTER = 2.0
"""Seconds before the first line."""


class _Run:
    def __init__(self, command: str, after: float, out: TextIO) -> None:
        self.command, self.out, self.start = command, out, time.perf_counter()
        self.current, self.shown, self.lock = "starting", False, threading.Lock()
        self.timer = threading.Timer(after, self._wake)
        self.timer.daemon = True

    def _line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.start
        name = f"derive {self.command}" if self.command else "derive"
        print(f"{name}: {text} ({elapsed:.1f} s)", file=self.out, flush=True)

    def _wake(self) -> None:
        with self.lock:
            self.shown = True
            self._line(f"{self.current} …")

    def stage(self, name: str) -> None:
        with self.lock:
            self.current = name
            if self.shown:
                self._line(f"{name} …")

    def finish(self) -> None:
        self.timer.cancel()
        with self.lock:
            if self.shown:
                self._line("done")


_active: list[_Run] = []


def _after() -> float | None:
    forced = os.environ.get("DERIVE_PROGRESS", "")
    if forced:
        try:
            return max(0.0, float(forced))
        except ValueError:
            return AFTER
    return AFTER if sys.stderr.isatty() else None


@contextmanager
def running(command: str) -> Iterator[None]:
    """Show the stages of ``command`` once it has run for :data:`AFTER` seconds."""
    after = _after()
    if after is None:
        yield
        return
    run = _Run(command, after, sys.stderr)
    _active.append(run)
    if after > 0:
        run.timer.start()
    else:
        run._wake()
    try:
        yield
    finally:
        _active.remove(run)
        run.finish()


def stage(name: str) -> None:
    """The running command has reached stage ``name`` (nothing when none is running)."""
    if _active:
        _active[-1].stage(name)
