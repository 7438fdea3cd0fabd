"""The data flow is one way: no import cycles, and the kernel imports only what it trusts."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent / "derive"
KERNEL_MAY_IMPORT = {"sympy", "symengine", "mpmath", "derive.errors", "derive.symbols"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets.add(module)
            targets |= {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
    return targets


def test_no_module_of_derive_imports_another_in_a_cycle() -> None:
    modules = _modules()
    graph = {m: {t for t in _imports(m, p) if t in modules and t != m} for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            if t == "derive":  # 'from . import x' names the package; x itself is an edge too
                continue
            assert state.get(t) != 1, " -> ".join([*trail, m, t])
            if t not in state:
                visit(t, [*trail, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_the_kernel_imports_only_sympy_symengine_mpmath_and_derives_errors() -> None:
    for name, path in _modules().items():
        if not name.startswith("derive.kernel"):
            continue
        for target in _imports(name, path):
            top = target.split(".")[0]
            if target.startswith("derive.kernel") or top in {
                "__future__",
                "collections",
                "dataclasses",
                "fractions",
                "functools",
                "heapq",
                "itertools",
                "math",
                "operator",
                "random",
                "re",
                "time",
                "typing",
                "weakref",
            }:
                continue
            assert any(target == ok or target.startswith(ok + ".") for ok in KERNEL_MAY_IMPORT), (
                name,
                target,
            )
