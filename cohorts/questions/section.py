"""The questions under a lesson, shown on the lesson page through `hooks.lesson_sections`."""

from __future__ import annotations

from typing import Any

from flask import render_template

from cohorts.questions.listing import lesson_threads
from courses.models import Course


def lesson_questions(course: Course, lesson_key: str, viewer: Any) -> str:
    """The lesson's threads the viewer may see and a link to ask (one statement)."""
    if not viewer.is_authenticated:
        return ""
    return render_template(
        "cohorts/questions/_lesson_section.html",
        course=course,
        lesson_key=lesson_key,
        threads=lesson_threads(course.id, lesson_key, viewer),
    )
