"""No user text becomes code: the reader refuses what its syntax tree does not account for,
and emitted modules carry only canonical expressions and names fresh against the user's."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy

import derive as dv
from derive.emit import RESERVED
from derive.errors import ObjectiveError, ParseError
from derive.parse import FUNCTIONS

PAYLOADS = [
    'w**2 # """; __import__("os").system("touch PWNED"); r"""',
    "w**2 # harmless looking comment",
    "w**2 + 0*(1) # '''; open('PWNED', 'w'); '''",
    "w**2\\\n + 1",
    "w**2; import os",
    "ｗ**2",  # fullwidth w: Python folds it to ASCII 'w'
    "w**2 + \u200b1",
    "w**2 + `x`",
    'w**2 + "1"',
    "w**2\x00",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_reader_refuses_text_its_tree_does_not_account_for(text: str) -> None:
    with pytest.raises(ParseError, match="not allowed in a loss"):
        dv.Objective(text, "w")


def test_comment_payload_on_the_command_line_runs_nothing(tmp_path: Path) -> None:
    out = tmp_path / "step.py"
    result = subprocess.run(
        [sys.executable, "-m", "derive", "emit", PAYLOADS[0], "--params", "w", "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "comments are not part of a loss" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not (tmp_path / "PWNED").exists()


def test_sympy_symbols_with_code_in_their_names_are_refused() -> None:
    evil = sympy.Symbol('w"""; __import__("os").system("touch PWNED"); r"""', real=True)
    with pytest.raises(ObjectiveError, match="is not allowed"):
        dv.Objective(evil**2, [evil])


@pytest.mark.parametrize("name", ["lambda", "None", "class", "if"])
def test_python_keywords_are_not_names(name: str) -> None:
    with pytest.raises(ObjectiveError, match="keyword"):
        dv.Objective(sympy.Symbol(name, real=True) ** 2 + sympy.Symbol("w") ** 2, f"w {name}")


def _module_names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "newton"])
def test_generated_module_uses_only_fresh_names_inside_functions(method: str) -> None:
    obj = dv.Objective("(w*x - k)**2/2 + trajectory*w + g*w**2", "w")
    source = dv.emit(obj, method).source()
    tree = ast.parse(source)
    user = {"w", "x", "k", "trajectory", "g"}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.Name):
                assert node.id in user | RESERVED or node.id.startswith("_"), (
                    function.name,
                    node.id,
                )


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "newton"])
@pytest.mark.parametrize("name", ["k", "trajectory", "g", "h", "v", "float", "range", "max"])
def test_data_named_like_generated_variables_give_the_same_trajectory(
    method: str, name: str
) -> None:
    """The same loss with its data renamed to a neutral name runs identically."""
    template = "(w*x - {d})**2/2 + w**2/4"
    x = np.array([1.0, 2.0, -1.0])
    d = np.array([0.5, 1.5, -0.25])
    mine = dv.emit(dv.Objective(template.format(d=name), "w"), method)
    neutral = dv.emit(dv.Objective(template.format(d="c"), "w"), method)
    kwargs = {"momentum": 0.5} if method in ("momentum", "nesterov") else {}
    got = mine.run([1.0], 5, 0.3, data={"x": x, name: d}, **kwargs)
    expected = neutral.run([1.0], 5, 0.3, data={"x": x, "c": d}, **kwargs)
    np.testing.assert_array_equal(got, expected)
    assert mine.check(theta0=[1.0], data={"x": x, name: d}, lr=0.3).ok


def test_generated_docstring_shows_the_canonical_loss_not_the_text() -> None:
    source = dv.emit(dv.Objective("w^2   +   3*w", "w")).source()
    assert "L(w) = w**2 + 3*w" in source
    assert "w^2   +" not in source


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_loss_function_emits_code_that_runs_and_checks(name: str) -> None:
    args = ", ".join(["x/7 + 1/3"] * FUNCTIONS[name][0][0])
    rule = dv.emit(dv.Objective(f"{name}({args}) + x**2", "x"))
    assert rule.check(theta0=[0.1], lr=0.01, steps=3).ok
