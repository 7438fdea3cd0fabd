"""Every Python example in README.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples() -> None:
    assert _python_blocks()


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_example_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(_python_blocks()[index], f"README.md python block {index + 1}", "exec"), namespace)
    if "ridge" in namespace:
        import derive as dv

        point, data = {"w": 0, "b": 0}, {"x": 2, "y": 1}
        assert dv.newton_step(namespace["ridge"], at=point, data=data).verify().ok  # type: ignore[arg-type]
    d = namespace.get("d")
    if d is not None:
        assert d.verify().summary() == "verified: 36 of 36 steps proved, 5 premises assumed"  # type: ignore[attr-defined]
