"""The shipped curriculum meets its quality rules and loads as published courses."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from courses.starter import STARTER
from scripts.check_starter import check

# A short introductory course that predates the rules; every other pack is held to them.
EXEMPT = {"news-first-steps"}
PACKS = sorted(p for p in STARTER.iterdir() if (p / "course.yaml").exists())


@pytest.mark.parametrize("folder", [p for p in PACKS if p.name not in EXEMPT], ids=lambda p: p.name)
def test_curriculum_pack_meets_the_rules(folder):
    assert check(folder) == []


def test_every_pack_is_a_valid_pack():
    from courses.packs import read_pack_dir

    slugs = [read_pack_dir(p).slug for p in PACKS]
    assert len(slugs) == len(set(slugs)) and all(
        p.name == s for p, s in zip(PACKS, slugs, strict=True)
    )


TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
MEDIA_LINK = re.compile(r"\]\((media/[^)\s]+)")
SITE_LINK = re.compile(r"\]\((/[^)\s]*)")


@pytest.mark.parametrize("folder", PACKS, ids=lambda p: p.name)
def test_lessons_have_no_raw_html_and_every_reference_resolves(folder):
    from courses.packs import read_pack_dir

    pack = read_pack_dir(folder)
    for module in pack.modules:
        for lesson in module.lessons:
            assert not TAG.search(lesson.body), (lesson.key, TAG.search(lesson.body))
            for ref in MEDIA_LINK.findall(lesson.body):
                assert ref.removeprefix("media/") in pack.media, (lesson.key, ref)
            for ref in SITE_LINK.findall(lesson.body):
                assert ref.startswith("/courses/"), (lesson.key, ref)


def test_every_course_can_be_completed_to_a_certificate(app, ctx, users, tmp_path, monkeypatch):
    """Lessons, quizzes and every required assignment (sent, then accepted by the trainer)."""
    from assignments import reviewing, services, submitting
    from assignments.files import check_uploads
    from assignments.models import ACCEPTED
    from certificates.models import Certificate
    from courses import learning
    from courses.models import Course
    from courses.starter import load_starter_courses
    from quizzes import attempts
    from quizzes.services import quizzes_of
    from quizzes.types import full_marks_response
    from tests.test_course_media import PDF
    from training.extensions import db

    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    added = load_starter_courses("trainer")
    assert len(added) == len(PACKS)
    assert load_starter_courses("trainer") == []  # the loader is idempotent
    learner = users["learner"].id
    for course in db.session.scalars(sa.select(Course).order_by(Course.slug)):
        revision = course.published_revision
        learning.enroll(learner, course)
        for key in revision.lesson_keys():
            learning.mark_done(learner, course, revision, key)
        for quiz in quizzes_of(course):
            attempt = attempts.start(quiz, learner)
            responses = {i.id: full_marks_response(i.version.spec) for i in attempt.items}
            attempts.submit(attempt, learner, responses)
            assert attempt.score == pytest.approx(1.0), (course.slug, quiz.key)
        required = [a for a in services.assignments_of(course) if a.required]
        assert required or course.slug in EXEMPT, course.slug
        for assignment in required:
            files = check_uploads([("work.pdf", PDF)]) if assignment.takes_files else []
            sent = submitting.submit(assignment, learner, "Моя работа по заданию.", files, 0)
            # the best level of each criterion, by its points
            top = {
                i: max(range(len(c["levels"])), key=lambda n, c=c: c["levels"][n]["points"])
                for i, c in enumerate(assignment.rubric.criteria)
            }
            grade = reviewing.Grade(levels=top, feedback="Принято.", decision=ACCEPTED)
            reviewing.review(sent, users["trainer"], grade)
        certificate = db.session.scalar(
            sa.select(Certificate).where(
                Certificate.user_id == learner, Certificate.course_id == course.id
            )
        )
        assert certificate is not None, course.slug
