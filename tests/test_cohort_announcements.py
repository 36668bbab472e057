"""Announcements to a cohort, reminders before due dates, and cohorts in personal data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cohorts.announcements import post_announcement
from cohorts.models import Announcement, CohortMember, CohortModuleDates, CohortTrainer, DueReminder
from cohorts.reminders import send_reminders
from tests.cohort_helpers import make_cohort
from tests.conftest import PASSWORD, login, post
from tests.course_helpers import build_course
from tests.stats_helpers import finish_lessons
from tests.test_markdown import XSS_VECTORS, assert_safe_html
from training.accounts.models import Role
from training.db import utcnow
from training.extensions import db
from training.markdown import shown_markdown
from training.notifications.models import Notification
from training.privacy.services import delete_account, personal_data_files

SECTION_RE = re.compile(r'<section class="course-cohort".*?<!-- end of the cohort block -->', re.S)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def cohort(users, make_user):
    course = build_course(users["trainer"])
    cohort, _code = make_cohort(course, users["trainer"])
    for person in (users["learner"], make_user("anna")):
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=person.id, course_id=course.id))
        finish_lessons(person, course, keys=())
    db.session.commit()
    return cohort


def notes_of(kind: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def test_trainer_posts_and_learners_see_it_newest_first_and_are_notified(client, cohort):
    login(client, "trainer")
    for body in ("Первое **объявление**", "Второе объявление"):
        response = post(client, f"/cohorts/{cohort.id}/announcements", {"body": body})
        assert response.status_code == 302
    assert len(notes_of("cohort_announcement")) == 4  # two learners × two posts
    learner = client.application.test_client()
    login(learner, "learner")
    section = SECTION_RE.search(text(learner.get("/courses/info-work"))).group(0)
    assert section.index("Второе") < section.index("Первое")
    assert "<strong>объявление</strong>" in section
    page = text(learner.get("/notifications/"))
    assert "Новое объявление в вашей группе «Весенняя школа»" in page


def test_an_empty_announcement_is_refused(client, cohort):
    login(client, "trainer")
    response = post(client, f"/cohorts/{cohort.id}/announcements", {"body": "   "})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    assert notes_of("cohort_announcement") == []


def test_xss_vectors_in_announcements_are_neutralised(client, users, cohort):
    trainer = db.session.merge(users["trainer"])
    with client.application.test_request_context():
        for vector in XSS_VECTORS:
            post_announcement(db.session.merge(cohort), trainer, vector)
    db.session.commit()
    login(client, "learner")
    section = SECTION_RE.search(text(client.get("/courses/info-work"))).group(0)
    assert section.count('class="announcement"') == 10  # the newest ten on the course page
    trainer_client = client.application.test_client()
    login(trainer_client, "trainer")
    page = text(trainer_client.get(f"/cohorts/{cohort.id}"))
    assert page.count('class="announcement"') == len(XSS_VECTORS)
    for vector in XSS_VECTORS:
        shown = shown_markdown(vector)
        assert_safe_html(shown)
        assert f'<div class="prose">{shown}</div>' in page  # through the safe renderer only
    for vector in XSS_VECTORS[-10:]:
        assert f'<div class="prose">{shown_markdown(vector)}</div>' in section
    assert "<script>" not in page.split("<h2>Объявления</h2>", 1)[1]


def test_posting_flood_is_stopped_with_429(client, cohort, app, monkeypatch):
    monkeypatch.setitem(app.config, "COHORT_POST_LIMIT", "3 per minute")
    login(client, "trainer")
    codes = [
        post(client, f"/cohorts/{cohort.id}/announcements", {"body": f"№{n}"}).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 3


def test_a_learner_or_another_trainer_cannot_post(client, cohort, make_user):
    make_user("stranger", Role.TRAINER, org="north")
    for who in ("learner", "stranger"):
        other = client.application.test_client()
        login(other, who)
        response = post(other, f"/cohorts/{cohort.id}/announcements", {"body": "Взлом"})
        assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def _due_in(cohort, hours: int, module: str = "osnovy") -> None:
    db.session.add(
        CohortModuleDates(
            cohort_id=cohort.id, module_key=module, due_at=utcnow() + timedelta(hours=hours)
        )
    )
    db.session.commit()


def test_reminders_go_once_to_learners_with_the_module_unfinished(app, users, cohort):
    _due_in(cohort, 30)
    _due_in(cohort, 24 * 5, module="izmereniia")  # outside the window
    finish_lessons(db.session.merge(users["learner"]), cohort.course, keys=("intro", "plan"))
    db.session.commit()
    with app.test_request_context():
        assert send_reminders() == 1  # anna only: the learner finished the module
        db.session.commit()
        assert send_reminders() == 0  # once per learner, module and due date
        db.session.commit()
    sent = notes_of("cohort_due_soon")
    assert [n.params["module"] for n in sent] == ["Основы"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DueReminder)) == 1


def test_the_remind_command_runs(app, cohort):
    _due_in(cohort, 10)
    result = app.test_cli_runner().invoke(args=["cohorts", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminders sent: 2" in result.output


def test_cohorts_are_in_the_export_and_deletion_keeps_announcements(
    client, users, cohort, make_user
):
    trainer = make_user("helper", Role.TRAINER, org="north")  # a co-trainer owning no course
    db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    db.session.commit()
    with client.application.test_request_context():
        post_announcement(db.session.merge(cohort), trainer, "Встречаемся в среду")
        db.session.commit()
        learner = db.session.merge(users["learner"])
        mine = personal_data_files(learner)["cohorts.json"]
    assert mine["member_of"][0]["cohort"] == "Весенняя школа"
    assert mine["announcements_received"][0]["body"] == "Встречаемся в среду"
    learner_id = users["learner"].id
    with client.application.test_request_context():
        delete_account(db.session.merge(trainer), PASSWORD)
        delete_account(db.session.merge(users["learner"]), PASSWORD)
        db.session.commit()
    left = [m.user_id for m in db.session.scalars(sa.select(CohortMember))]
    assert learner_id not in left and len(left) == 1
    login(client, "anna")
    section = SECTION_RE.search(text(client.get("/courses/info-work"))).group(0)
    assert "удалённый участник" in section and "Встречаемся в среду" in section
