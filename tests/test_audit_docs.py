"""The audit how-to shows what derive check really prints: its notes are checked, and the
report, the annotated copy and the Python example are run and compared."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from derive.audit.command import run

HOWTO = Path(__file__).resolve().parent.parent / "docs" / "howto" / "audit.rst"


def _blocks() -> dict[str, str]:
    text = HOWTO.read_text()
    found = re.finditer(
        r"^\.\. code-block:: \w+\n   :caption: (\S+)\n\n((?:(?:   .*)?\n)+)", text, flags=re.M
    )
    return {m.group(1): textwrap.dedent(m.group(2)).strip("\n") + "\n" for m in found}


def test_the_howto_shows_the_report_and_annotated_copy_derive_check_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _blocks()
    assert {"notes.md", "report", "annotated", "audit.py"} <= set(blocks)
    monkeypatch.chdir(tmp_path)
    Path("notes.md").write_text(blocks["notes.md"])
    assert run(["notes.md"]) == 1  # the planted wrong iterate
    assert capsys.readouterr().out == blocks["report"]
    assert run(["notes.md", "--annotate"]) == 1
    assert capsys.readouterr().out == blocks["annotated"]


def test_the_howto_python_example_runs() -> None:
    code = _blocks()["audit.py"]
    exec(compile(code, "docs/howto/audit.rst: audit.py", "exec"), {"__name__": "__main__"})


def test_the_howto_is_in_the_index() -> None:
    index = (HOWTO.parent.parent / "index.rst").read_text()
    assert re.search(r"^   howto/audit$", index, flags=re.M)


def test_the_howto_check_directive_example_is_proved() -> None:
    from derive.sphinxext import check_chain

    text = HOWTO.read_text()
    block = re.search(r"^renders as\n\n\.\. check::\n((?:(?:   .*)?\n)+)", text, flags=re.M)
    assert block, "the rendered .. check:: example"
    lines = textwrap.dedent(block.group(1)).strip("\n").splitlines()
    assume = tuple(a.strip() for a in lines[0].removeprefix(":assume:").split(";"))
    result = check_chain(lines[2:], assume)
    assert [s["status"] for s in result["steps"]] == ["proved", "proved"]
