"""Imports flow one way: training <- courses <- quizzes <- certificates <- stats."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["training", "courses", "quizzes", "certificates", "stats"]


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module a file imports (at any depth of the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", [name for name in LAYERS if (ROOT / name).is_dir()])
def test_a_layer_never_imports_a_higher_one(layer):
    higher = set(LAYERS[LAYERS.index(layer) + 1 :])
    folder = ROOT / layer
    offenders = {
        f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) & higher)}"
        for path in folder.rglob("*.py")
        if imported_packages(path) & higher
    }
    assert not offenders, sorted(offenders)
