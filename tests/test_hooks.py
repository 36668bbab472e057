"""The extension points of training.hooks: kept per app, in registration (layer) order."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import extra_app
from training import hooks


def test_a_registry_keeps_items_per_app_in_registration_order(app, tmp_path):
    other = extra_app(tmp_path)
    sections = hooks.Registry[Callable[[], str]]("test_sections")

    def first() -> str:
        return "first"

    def second() -> str:
        return "second"

    sections.register(other, first)
    sections.register(other, second)

    assert sections.items(other) == [first, second]
    assert sections.items(app) == []  # another app in the same process sees none of them
    with other.app_context():
        assert [render() for render in sections] == ["first", "second"]


def test_each_app_gets_the_packages_providers_once(app, tmp_path):
    other = extra_app(tmp_path)

    assert hooks.demo_loaders.items(other) == hooks.demo_loaders.items(app)
    assert len(hooks.demo_loaders.items(other)) == 4


def test_packages_register_in_layer_order(app):
    """Deletion runs the erasers in reverse: questions, cohorts, certificates, assignments, quizzes,
    courses."""
    modules = [eraser.__module__ for eraser in hooks.personal_data_erasers.items(app)]
    assert modules == [
        "courses.privacy",
        "quizzes.privacy",
        "assignments.privacy",
        "certificates.privacy",
        "cohorts.privacy",
        "cohorts.questions.privacy",
    ]
    importers = [importer.__module__ for importer in hooks.pack_importers.items(app)]
    assert importers == ["quizzes.packs", "assignments.packs", "certificates.packs"]
