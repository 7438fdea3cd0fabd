"""Every command line shown to users runs as written and exits 0: the README's, the
command-line how-to's and the examples in ``derive --help``."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import textwrap
from pathlib import Path

import pytest

from derive import cli

ROOT = Path(__file__).resolve().parent.parent


def _readme() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("derive")]


def _howto() -> list[str]:
    text = (ROOT / "docs" / "howto" / "cli.rst").read_text()
    return [m.group(1) for m in re.finditer(r"^\s+\$ (derive\b.*)$", text, flags=re.M)]


def _help() -> list[str]:
    lines = [line.strip() for line in cli.EXAMPLES.splitlines() if line.startswith("  derive")]
    return [re.split(r"\s{2,}", line)[0] for line in lines]  # without the trailing comment


EXAMPLES = sorted({*_readme(), *_howto(), *_help()})


def _documented_files() -> list[tuple[str, str, str]]:
    """The how-to's captioned code blocks, (language, file name, text): the data files its
    command lines read, and the Python that makes the binary ones."""
    text = (ROOT / "docs" / "howto" / "cli.rst").read_text()
    found = re.finditer(
        r"^\.\. code-block:: (\w+)\n   :caption: (\S+)\n\n((?:(?:   .*)?\n)+)", text, flags=re.M
    )
    return [(m.group(1), m.group(2), textwrap.dedent(m.group(3)).strip("\n") + "\n") for m in found]


def _write_documented_files() -> None:
    """Into the current folder: the data files, then the arrays the documented Python makes."""
    for language, name, text in _documented_files():
        Path(name).write_text(text)
        if language == "python":
            exec(compile(text, f"docs/howto/cli.rst: {name}", "exec"), {"__name__": "__main__"})


def test_the_documented_data_files_are_found() -> None:
    names = {name for _, name, _ in _documented_files()}
    assert {"data.csv", "ys.csv", "make_arrays.py"} <= names


def test_the_examples_are_found() -> None:
    assert len(_readme()) >= 5 and len(_howto()) >= 15 and len(_help()) >= 7


@pytest.mark.parametrize("line", EXAMPLES)
def test_a_documented_command_line_runs_and_exits_0(
    line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = shlex.split(line)[1:]
    if "--pdf" in argv and shutil.which("pdflatex") is None and not os.environ.get("CI"):
        pytest.skip("pdflatex is not installed")
    if argv[:1] == ["plot"]:
        pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    if "--data-file" in argv:
        _write_documented_files()
    code = cli.main(argv)
    _, err = capsys.readouterr()
    assert code == 0, err
