"""The questions under a lesson, shown on the lesson page through `hooks.lesson_sections`."""

from __future__ import annotations

from typing import Any

from cohorts.questions.listing import lesson_threads
from courses.models import Course
from training.fragments import fragment


def lesson_questions(course: Course, lesson_key: str, viewer: Any, learning: bool) -> str:
    """The lesson's threads the viewer may see and, for an enrolled learner, a link to ask (one
    statement); those who teach the course answer in the threads instead.

    Kept as a fragment: everything it shows is in the threads (frozen rows), so two viewers
    shown the same threads share the HTML, and a lesson without questions renders once per
    language.
    """
    if not viewer.is_authenticated:
        return ""
    threads = tuple(lesson_threads(course.id, lesson_key, viewer))
    return fragment(
        "cohorts/questions/lesson_section.fragment.html",
        slug=course.slug,
        lesson_key=lesson_key,
        threads=threads,
        can_ask=learning,
    )
