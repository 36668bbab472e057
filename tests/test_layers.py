"""Imports flow one way: training <- courses <- quizzes <- assignments <- certificates <- stats.

Templates too: a package's templates name neither endpoints nor templates of a higher package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["training", "courses", "quizzes", "assignments", "certificates", "cohorts", "stats"]
TEMPLATES = ROOT / "templates"
# url_for('blueprint.view'), and quoted endpoints kept for later ({% set e = 'bp.view' %}).
ENDPOINT = re.compile(r"""url_for\(\s*['"]([\w.]+)['"]|['"]([A-Za-z_][\w.]*\.\w+)['"]""")
TEMPLATE_REFERENCE = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+['"]([^'"]+)['"]""")


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


def template_package(path: Path) -> str:
    """The package a template belongs to: its folder, or training for the top level and for
    the folders of the core's sub-packages (accounts/, admin/...)."""
    parts = path.relative_to(TEMPLATES).parts
    if len(parts) == 1:
        return "training"
    if parts[0] in LAYERS:
        return parts[0]
    if (ROOT / "training" / parts[0]).is_dir():
        return "training"
    raise AssertionError(f"templates/{parts[0]}/ belongs to no known package: map it here")


def higher_names(path: Path, app: Flask) -> list[str]:
    """Endpoints and templates of higher packages that the template at `path` names."""
    higher = set(LAYERS[LAYERS.index(template_package(path)) + 1 :])
    source = path.read_text(encoding="utf-8")
    names = []
    for match in ENDPOINT.finditer(source):
        endpoint = match.group(1) or match.group(2)
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
        if blueprint is not None and blueprint.import_name.split(".")[0] in higher:
            names.append(endpoint)
    for name in TEMPLATE_REFERENCE.findall(source):
        if template_package(TEMPLATES / name) in higher:
            names.append(name)
    return names


def test_every_blueprint_belongs_to_a_layer(app):
    assert {bp.import_name.split(".")[0] for bp in app.blueprints.values()} <= set(LAYERS)


def test_a_template_never_names_a_higher_package(app):
    offenders = {
        f"{path.relative_to(ROOT)} names {names}"
        for path in TEMPLATES.rglob("*.html")
        if (names := higher_names(path, app))
    }
    assert not offenders, sorted(offenders)
