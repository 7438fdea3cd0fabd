"""Terminals without Unicode: derive writes ASCII there (eta, L, x^2, ok) instead of
failing, and derivations flat, one line a step."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
import sympy

from derive.derivation import Derivation
from derive.kernel import Identity, Step
from derive.render import text
from derive.terminal import ascii_text, guard, unicode_ok


def test_ascii_spells_what_derive_prints() -> None:
    assert ascii_text("✓  1. ℒ(θ + ηu) − ℒ ≤ ηuᵀg + O(η²)") == (
        "ok  1. L(theta + eta u) - L <= eta u^T g + O(eta^2)"
    )
    assert ascii_text("x₁ = 0.6; ‖∇ℒ‖² ≈ β′; ☃") == "x_1 = 0.6; ||grad L||^2 ~ beta'; ?"


def test_a_stream_that_cannot_show_unicode_writes_ascii() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    assert not unicode_ok(stream) and unicode_ok(io.TextIOWrapper(io.BytesIO(), "utf-8"))
    guard(stream)
    stream.write("ℒ(θ) = 2θ²\n")
    stream.flush()
    assert raw.getvalue() == b"L(theta) = 2 theta^2\n"


def test_text_is_flat_by_default_where_stdout_cannot_show_unicode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = sympy.Symbol("x", real=True)
    step = Step(x / (x**2 + 1) + 1 / (x**2 + 1), "=", (x + 1) / (x**2 + 1), "add", Identity())
    d = Derivation("add", (step,))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert text(d) == text(d, flat=True)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert "──" in text(d)


def test_the_command_line_on_an_ascii_terminal_prints_ascii_and_exits_0() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "derive",
            *["prove", "learning-rate", "--loss", "2*x**2", "--params", "x"],
        ],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")  # every byte is ASCII
    assert "Stable step sizes for L(x) = 2x^2" in out and "ok  1." in out and "eta" in out


def test_a_text_buffer_takes_unicode() -> None:
    assert unicode_ok(io.StringIO())
