"""Rooms stay small: no module over 450 lines, no function over 60 (outside tests, bench)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED = {"tests", "bench", "migrations", ".venv", ".bench-venv", ".lock-venv", "build"}
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def source_files() -> list[Path]:
    """The application's own Python files."""
    return [path for path in ROOT.rglob("*.py") if not EXCLUDED & set(path.relative_to(ROOT).parts)]


def test_the_files_are_found() -> None:
    names = {str(path.relative_to(ROOT)) for path in source_files()}
    assert {"app.py", "training/web.py", "courses/models.py"} <= names


def test_no_module_is_over_the_limit() -> None:
    long = {
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in source_files()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, sorted(long)


def test_no_function_is_over_the_limit() -> None:
    long = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.add(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not long, sorted(long)
