"""Helpers for course tests: build a small published course through the services."""

from __future__ import annotations

from courses import publishing, services
from courses.models import Course
from tests.conftest import PASSWORD
from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import Organization, OrgKind
from training.organizations.services import create_organization

LESSONS = {
    "intro": ("Зачем нужна информационная работа", "Текст **первого** урока.\n\n## Раздел\n\nЕщё."),
    "plan": (
        "План на год",
        "| Месяц | Дело |\n|:--|--:|\n| Январь | Отчёт |\n\nСноска[^1].\n\n[^1]: Пояснение.",
    ),
    "reach": ("Охват", "Считаем охват. ![Схема](media/scheme.png)"),
}


def build_course(owner: User, slug: str = "info-work", publish: bool = True) -> Course:
    """Two modules, three lessons (intro, plan | reach), published once unless told not to."""
    course = services.create_course(
        db.session.merge(owner),
        slug=slug,
        meta=services.CourseMeta(
            title="Информационная работа",
            description="Курс для актива.",
            language="ru",
            topics=["новости", "планирование"],
            duration_minutes=90,
        ),
    )
    first = services.add_module(course, "Основы")
    second = services.add_module(course, "Измерения")
    for key in ("intro", "plan"):
        title, body = LESSONS[key]
        services.add_lesson(first, title, body, key=key)
    title, body = LESSONS["reach"]
    services.add_lesson(second, title, body, key="reach")
    if publish:
        publishing.publish(course, db.session.merge(owner), "Первая версия")
    db.session.commit()
    return course


def add_scheme(course: Course) -> None:
    """Give the course the image its lesson "reach" shows (media/scheme.png); needs MEDIA_ROOT."""
    from courses.media import store_media
    from tests.test_course_media import tiny_png

    store_media(course, "scheme.png", tiny_png(), None, exact_name=True)
    db.session.commit()


def course_from_scratch() -> tuple[Organization, User, Course]:
    """On an empty database (an app of its own): the union, a trainer ("trainer") and the
    standard course, published and committed."""
    org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
    trainer = create_user("trainer", PASSWORD, org, roles={Role.LEARNER, Role.TRAINER})
    db.session.commit()
    course = build_course(trainer)
    db.session.commit()
    return org, trainer, course
