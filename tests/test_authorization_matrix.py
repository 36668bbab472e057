"""Who may reach what: every rule of the URL map × six identities, in one table.

Each row gives what a GET answers for: anonymous, a learner (who owns the attempt and the
certificate), another learner, a trainer who does not own the course, the organizer of another
region, and an admin. Outcomes: a status code, `login` (a redirect to the login page), `302`
(another redirect). Rules that take POST also say, per identity, what a POST with a valid CSRF
token answers — only refusals are sent (`ok` means allowed: the feature tests exercise it), and
after each refusal the database must be exactly as before.

A rule without a row fails the test: a new route needs a decision here.
Set AUTH_MATRIX_PRINT=1 to print the observed table (to review, never to paste blindly).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
import sqlalchemy as sa

from assignments.files import check_uploads
from assignments.services import AssignmentSettings, create_assignment
from assignments.submitting import submit
from certificates.models import Certificate
from cohorts.models import CohortMember
from cohorts.questions import services as questions
from courses import learning
from courses.models import Lesson, Module
from quizzes.models import Attempt, Question
from tests.assignment_helpers import PDF
from tests.cohort_helpers import make_cohort
from tests.conftest import csrf_token, login
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import take_quiz
from training.accounts.models import Role, UserSession
from training.extensions import db
from training.organizations.models import InviteCode

WHO = ("anonymous", "learner", "other", "trainer", "organizer", "admin")

# rule: (GET for each of WHO, POST for each of WHO or None when the rule takes no POST)
MATRIX: dict[str, tuple[str, str | None]] = {
    "/": ("200 200 200 200 200 200", None),
    "/account/": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/account/data": ("login 200 200 200 200 200", None),
    "/account/data/export": ("405 405 405 405 405 405", "login ok ok ok ok ok"),
    "/account/delete": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/account/login": ("200 302 302 302 302 302", "422 ok ok ok ok ok"),
    "/account/login/code": ("login 302 302 302 302 302", "login ok ok ok ok ok"),
    "/account/logout": ("405 405 405 405 405 405", "302 ok ok ok ok ok"),
    "/account/password": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/account/register": ("200 302 302 302 302 302", "422 ok ok ok ok ok"),
    "/account/sessions": ("login 200 200 200 200 200", None),
    "/account/sessions/<session_id>/end": ("405 405 405 405 405 405", "login ok 404 404 404 404"),
    "/account/sessions/end-others": ("405 405 405 405 405 405", "login ok ok ok ok ok"),
    "/account/two-factor": ("login 200 200 200 200 200", None),
    "/account/two-factor/disable": ("login 302 302 200 200 200", "login ok ok ok ok ok"),
    "/account/two-factor/recovery-codes": ("login 302 302 200 200 200", "login ok ok ok ok ok"),
    "/account/two-factor/setup": ("login 200 200 302 302 302", "login ok ok ok ok ok"),
    "/account/confirm": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/account/email": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/account/email/verify/<token>": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
    "/account/forgot": ("200 200 200 200 200 200", "ok ok ok ok ok ok"),
    "/account/reset-code": ("200 200 200 200 200 200", "ok ok ok ok ok ok"),
    "/account/reset/<token>": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
    # Not enrolled: sent to the course page. A handed-in file: its author and the reviewers.
    "/courses/<slug>/assignments/<key>": ("login 200 200 302 302 302", "login ok ok 302 302 302"),
    "/courses/<slug>/assignments/<key>/files/<int:file_id>": ("login 200 403 403 403 200", None),
    # Peer review of a trainer-graded assignment does not exist; a version not given is 403.
    "/courses/<slug>/assignments/<key>/peers": ("login 404 404 302 302 302", None),
    "/courses/<slug>/assignments/<key>/peers/<int:submission_id>": (
        "405 405 405 405 405 405",
        "login 403 403 302 302 302",
    ),
    "/courses/<slug>/assignments/<key>/self": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "/admin/mail/": ("login 403 403 403 403 200", None),
    "/admin/mail/<int:message_id>/retry": (
        "405 405 405 405 405 405",
        "login 403 403 403 403 404",
    ),
    "/notifications/": ("login 200 200 200 200 200", None),
    "/notifications/settings": ("login 200 200 200 200 200", "login ok ok ok ok ok"),
    "/notifications/unsubscribe/<token>": (
        "404 404 404 404 404 404",
        "404 404 404 404 404 404",
    ),
    "/people/": ("login 403 403 403 200 200", None),
    "/people/<int:user_id>": ("login 403 403 403 403 200", None),
    "/people/<int:user_id>/reset-code": ("405 405 405 405 405 405", "login 403 403 403 403 ok"),
    "/people/<int:user_id>/two-factor-reset": (
        "login 403 403 403 403 200",
        "login 403 403 403 403 ok",
    ),
    "/admin/audit": ("login 403 403 403 403 200", None),
    "/admin/users": ("login 403 403 403 403 200", None),
    "/admin/users/<int:user_id>": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/": ("login 403 403 200 403 200", None),
    "/author/<slug>": ("login 403 403 403 403 200", None),
    "/author/<slug>/assignments": ("login 403 403 403 403 200", "login 403 403 403 403 ok"),
    "/author/<slug>/assignments/<key>": (
        "login 403 403 403 403 200",
        "login 403 403 403 403 ok",
    ),
    "/author/<slug>/submissions": ("login 403 403 403 403 200", None),
    "/author/<slug>/submissions/<int:submission_id>": (
        "login 403 403 403 403 200",
        "login 403 403 403 403 ok",
    ),
    "/author/review": ("login 403 403 200 403 200", None),
    "/author/<slug>/reviews/<int:review_id>/discard": (
        "405 405 405 405 405 405",
        "login 403 403 404 403 404",  # the review is loaded first: whose work it is decides
    ),
    "/author/<slug>/bank": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/bank/<int:question_id>": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/bank/<int:question_id>/retire": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/bank/<int:question_id>/preview": ("login 403 403 403 403 200", None),
    "/author/<slug>/media/insert": ("405 405 405 405 405 405", "login ok 403 403 403 ok"),
    "/author/<slug>/bank/export": ("login 403 403 403 403 200", None),
    "/author/<slug>/bank/new": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/certificate": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/certificates": ("login 403 403 403 403 200", None),
    "/author/<slug>/delete": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/edit": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/editors": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/editors/<int:user_id>/remove": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/export": ("login 403 403 403 403 200", None),
    "/author/<slug>/history": ("login 403 403 403 403 200", None),
    "/author/<slug>/history/<int:number>/restore": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/history/diff": ("login 403 403 403 403 404", None),
    "/author/<slug>/lessons/<int:lesson_id>": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/lessons/<int:lesson_id>/delete": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/lessons/<int:lesson_id>/move": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/media": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/media/<int:media_id>/delete": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/modules": ("405 405 405 405 405 405", "login ok 403 403 403 ok"),
    "/author/<slug>/modules/<int:module_id>": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/modules/<int:module_id>/delete": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/modules/<int:module_id>/lessons/new": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/modules/<int:module_id>/move": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/<slug>/preview/<key>": ("login 403 403 403 403 200", None),
    "/author/<slug>/publish": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/quizzes": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/quizzes/<key>": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/author/<slug>/quizzes/<key>/analysis": ("login 403 403 403 403 200", None),
    "/author/<slug>/quizzes/<key>/attempts": ("login 403 403 403 403 200", None),
    "/author/<slug>/quizzes/<key>/attempts/<int:attempt_id>/grade": (
        "login 403 403 403 403 200",
        "login 403 403 403 403 400",
    ),
    "/author/<slug>/quizzes/<key>/slots": ("405 405 405 405 405 405", "login ok 403 403 403 ok"),
    "/author/<slug>/quizzes/<key>/slots/<int:slot_id>/remove": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/author/import": ("login 403 403 404 403 404", "login ok 403 422 403 ok"),
    "/author/new": ("login 403 403 200 403 200", "login ok 403 422 403 ok"),
    "/certificates/": ("login 200 200 200 200 200", None),
    "/certificates/<int:certificate_id>/certificate.pdf": ("login 200 403 403 403 403", None),
    "/certificates/<int:certificate_id>/credential.jwt": ("login 200 403 403 403 403", None),
    "/certificates/<int:certificate_id>/credential": ("login 200 403 403 403 403", None),
    "/certificates/<int:certificate_id>/name": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/certificates/<int:certificate_id>/revoke": (
        "login 403 403 403 403 200",
        "login ok 403 403 403 ok",
    ),
    "/certificates/<int:certificate_id>/unrevoke": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/courses/": ("200 200 200 200 200 200", None),
    "/courses/<slug>": ("200 200 200 200 200 200", None),
    "/courses/<slug>/continue": ("login 302 302 302 302 302", None),
    "/courses/<slug>/enroll": ("405 405 405 405 405 405", "login ok ok ok ok ok"),
    "/courses/<slug>/finished": ("login 200 200 200 200 200", None),
    "/courses/<slug>/lessons/<key>": ("login 200 200 302 302 200", None),
    "/courses/<slug>/lessons/<key>/done": ("405 405 405 405 405 405", "login ok ok ok ok ok"),
    "/courses/<slug>/media/<filename>": ("404 404 404 404 404 404", None),
    "/courses/<slug>/modules/<module>/done": ("login 200 200 200 200 200", None),
    "/courses/<slug>/quizzes/<key>": ("login 200 200 302 302 302", None),
    "/courses/<slug>/quizzes/<key>/attempts": ("login 200 200 302 302 302", None),
    "/courses/<slug>/quizzes/<key>/attempts/<int:attempt_id>": (
        "login 302 403 302 302 302",
        "login ok 403 302 302 ok",
    ),
    "/courses/<slug>/quizzes/<key>/attempts/<int:attempt_id>/result": (
        "login 200 403 302 302 302",
        None,
    ),
    "/courses/<slug>/quizzes/<key>/start": ("405 405 405 405 405 405", "login ok ok ok ok ok"),
    # Questions: a self-paced thread of the learner's, answered by the other learner (same
    # group). Not in the group nor a trainer of the course: 404, the thread is not admitted to
    # exist; in it but not the author (edit, delete) or not a trainer (moderation): 403.
    "/courses/<slug>/lessons/<key>/ask": ("login 200 200 302 302 302", "login ok ok 302 302 302"),
    "/questions/<int:thread_id>": ("login 200 200 404 404 200", "login ok ok 404 404 ok"),
    "/questions/<int:thread_id>/lock": ("405 405 405 405 405 405", "login 403 403 404 404 ok"),
    "/questions/<int:thread_id>/pin": ("405 405 405 405 405 405", "login 403 403 404 404 ok"),
    "/questions/posts/<int:post_id>/accept": (
        "405 405 405 405 405 405",
        "login ok 403 404 404 ok",
    ),
    "/questions/posts/<int:post_id>/delete": (
        "405 405 405 405 405 405",
        "login ok 403 404 404 403",
    ),
    "/questions/posts/<int:post_id>/edit": (
        "login 200 403 404 404 403",
        "login ok 403 404 404 403",
    ),
    "/questions/posts/<int:post_id>/hide": ("405 405 405 405 405 405", "login 403 403 404 404 ok"),
    "/questions/posts/<int:post_id>/report": (
        "405 405 405 405 405 405",
        "login ok ok 404 404 ok",
    ),
    "/questions/unanswered": ("login 403 403 200 403 200", None),
    "/healthz": ("200 200 200 200 200 200", None),
    "/issuer": ("200 200 200 200 200 200", None),
    "/issuer/jwks.json": ("200 200 200 200 200 200", None),
    "/.well-known/jwks.json": ("200 200 200 200 200 200", None),
    "/language": ("405 405 405 405 405 405", "302 ok ok ok ok ok"),
    "/language/choose": ("302 302 302 302 302 302", None),
    "/organizations/": ("login 403 403 403 200 200", None),
    "/organizations/<int:org_id>/delete": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/organizations/<int:org_id>/edit": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/organizations/<int:org_id>/invites": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/organizations/invites/<int:invite_id>/revoke": (
        "405 405 405 405 405 405",
        "login ok 403 403 403 ok",
    ),
    "/organizations/new": ("login 403 403 403 403 200", "login ok 403 403 403 ok"),
    "/privacy": ("200 200 200 200 200 200", None),
    "/readyz": ("200 200 200 200 200 200", None),
    "/static/<path:filename>": ("200 200 200 200 200 200", None),
    "/stats/": ("login 403 403 403 403 200", None),
    "/stats/funnel": ("login 403 403 403 403 200", None),
    "/stats/funnel.csv": ("login 403 403 403 403 200", None),
    "/stats/funnel.xlsx": ("login 403 403 403 403 200", None),
    "/stats/learners": ("login 403 403 403 403 200", None),
    "/stats/learners.csv": ("405 405 405 405 405 405", "login ok 403 403 403 ok"),
    "/stats/learners.xlsx": ("405 405 405 405 405 405", "login ok 403 403 403 ok"),
    "/stats/overview.csv": ("login 403 403 403 403 200", None),
    "/stats/overview.xlsx": ("login 403 403 403 403 200", None),
    "/stats/quizzes": ("login 403 403 403 403 200", None),
    "/stats/quizzes.csv": ("login 403 403 403 403 200", None),
    "/stats/quizzes.xlsx": ("login 403 403 403 403 200", None),
    "/stats/tree": ("login 403 403 403 403 200", None),
    "/stats/tree.csv": ("login 403 403 403 403 200", None),
    "/stats/tree.xlsx": ("login 403 403 403 403 200", None),
    "/stats/trend.csv": ("login 403 403 403 403 200", None),
    "/stats/trend.xlsx": ("login 403 403 403 403 200", None),
    "/verify": ("200 200 200 200 200 200", None),
    "/verify/<code>": ("200 200 200 200 200 200", None),
    "/verify/<code>/status": ("200 200 200 200 200 200", None),
    # Cohorts: the desk for trainers; a cohort's pages for its trainers (the course owner here)
    # and admins; the join link of a code nobody has is 404 for everyone.
    "/cohorts/": ("login 403 403 200 403 200", None),
    "/cohorts/new/<slug>": ("login 403 403 403 403 200", "login 403 403 403 403 ok"),
    "/cohorts/<int:cohort_id>": ("login 403 403 403 403 200", None),
    "/cohorts/<int:cohort_id>/settings": ("login 403 403 403 403 200", "login 403 403 403 403 ok"),
    "/cohorts/<int:cohort_id>/code": ("405 405 405 405 405 405", "login 403 403 403 403 ok"),
    "/cohorts/<int:cohort_id>/members": ("405 405 405 405 405 405", "login 403 403 403 403 ok"),
    "/cohorts/<int:cohort_id>/announcements": (
        "405 405 405 405 405 405",
        "login 403 403 403 403 ok",
    ),
    "/cohorts/<int:cohort_id>/gradebook.csv": ("login 403 403 403 403 200", None),
    "/cohorts/<int:cohort_id>/gradebook.xlsx": ("login 403 403 403 403 200", None),
    "/cohorts/<int:cohort_id>/learners/<int:user_id>": ("login 403 403 403 403 200", None),
    "/cohorts/course/<slug>/code": ("405 405 405 405 405 405", "login 302 302 302 302 302"),
    "/cohorts/join/<code>": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
}


def fill_url(rule: Any, world: dict[str, Any]) -> str:
    names = [name for name in rule.arguments if name not in (rule.defaults or {})]
    values = {name: world.get(f"{rule.endpoint}:{name}", world.get(name)) for name in names}
    url = rule.build(values, append_unknown=False)[1]
    if rule.rule.startswith("/stats/"):  # the learner's own branch, not the viewer's default
        url += f"?org={world['org_id']}"
    return url


@pytest.fixture
def world(app, users, make_user, tmp_path, monkeypatch):
    """A course owned by the trainer, with a learner's attempt and certificate, and more."""
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))
    with app.test_request_context():
        course, quiz = build_quiz(users["trainer"])
        learner = db.session.merge(users["learner"])
        learning.enroll(learner.id, course)
        for key in ("intro", "plan", "reach"):
            learning.mark_done(learner.id, course, course.published_revision, key)
        take_quiz(learner, quiz, right=True)
        other = make_user("other")
        learning.enroll(other.id, course)  # in the same course: only the attempt is not theirs
        stranger = make_user("stranger", Role.TRAINER, org="north")
        southern = make_user("southern", Role.ORGANIZER, org="south")
        assignment = create_assignment(
            course, AssignmentSettings(title="Задание", task="Текст", hand_in="both"), key="task"
        )
        sent = submit(assignment, learner.id, "Моя работа", check_uploads([("w.pdf", PDF)]), 0)
        # asked while self-paced, so the other self-paced learner sees the thread too
        thread = questions.ask(course, "intro", learner, "Вопрос", "Как быть?")
        reply = questions.answer(thread, thread.posts[0], other, "Так.", trainer=False)
        cohort, _code = make_cohort(course, users["trainer"])
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=learner.id, course_id=course.id))
        invite = InviteCode(code="MATRIX-TEST-CODE", organization_id=learner.organization_id)
        db.session.add(invite)
        db.session.commit()
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.user_id == learner.id))
        certificate = db.session.scalar(sa.select(Certificate))
        lesson = db.session.scalar(sa.select(Lesson).where(Lesson.course_id == course.id))
        module = db.session.scalar(sa.select(Module).where(Module.course_id == course.id))
        question = db.session.scalar(sa.select(Question).where(Question.course_id == course.id))
        return {
            "names": {
                "learner": "learner",
                "other": other.username,
                "trainer": stranger.username,
                "organizer": southern.username,
                "admin": "admin",
            },
            "slug": course.slug,
            "key": quiz.key,
            "courses.lesson:key": "intro",
            "courses.mark_done:key": "intro",
            "authoring.preview:key": "intro",
            "module": "osnovy",
            "filename": "note.pdf",
            "static:filename": "css/app.css",
            "attempt_id": attempt.id,
            "certificate_id": certificate.id,
            "code": certificate.code,
            "lesson_id": lesson.id,
            "module_id": module.id,
            "question_id": question.id,
            "number": 1,
            "media_id": 999999,  # no file: the owner's delete answers 404 like everyone's
            "slot_id": 999999,
            "user_id": learner.id,
            "org_id": learner.organization_id,
            "invite_id": invite.id,
            "cohort_id": cohort.id,
            "token": "not-a-token-of-anyone-" + "x" * 21,  # forged: refused alike for all
            "message_id": 999999,
            "assignments.assignment:key": "task",
            "assignments.submission_file:key": "task",
            "assignment_authoring.assignment:key": "task",
            "assignments.peer_review:key": "task",
            "assignments.give_peer_review:key": "task",
            "assignments.self_assessment:key": "task",
            "submission_id": sent.id,
            "review_id": 999999,  # no review: 404 to every trainer (tests/test_group_review.py)
            "file_id": sent.files[0].id,
            "questions.ask:key": "intro",
            "thread_id": thread.id,
            "post_id": thread.posts[0].id,
            "questions.accept:post_id": reply.id,
        }


def fingerprint() -> str:
    """Every row of every table but the session rows (a request may note its last use)."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        if table.name == "user_sessions":
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


def outcome(response) -> str:
    response.close()  # file downloads hold their file open until closed
    if response.status_code in (301, 302, 303):
        location = response.headers.get("Location", "")
        return "login" if "/account/login" in location else "302"
    return str(response.status_code)


def test_every_route_has_a_row(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    missing = sorted(rules - set(MATRIX))
    assert not missing, f"routes without a row in MATRIX: {missing}"
    assert not sorted(set(MATRIX) - rules), "rows for routes that no longer exist"


def test_every_identity_gets_what_the_table_says(app, world):
    clients = {}
    for who in WHO:
        client = app.test_client()
        if who != "anonymous":
            login(client, world["names"][who])
        clients[who] = (client, csrf_token(client))
    # a session handle of the learner's (ids are public handles; only the owner may end one)
    world["session_id"] = db.session.scalar(
        sa.select(UserSession.id)
        .join(UserSession.user)
        .where(sa.text("users.username = 'learner'"))
    )
    observed: dict[str, tuple[list[str], list[str] | None]] = {}
    wrong: list[str] = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        url = fill_url(rule, world)
        expected_get, expected_post = MATRIX.get(rule.rule, (" ".join(["?"] * 6), None))
        gets, posts = [], None
        for who, want in zip(WHO, expected_get.split(), strict=True):
            client, _token = clients[who]
            got = outcome(client.get(url))
            gets.append(got)
            if got != want:
                wrong.append(f"GET {rule.rule} as {who}: {got}, table says {want}")
        if "POST" in rule.methods:
            posts = []
            wants = (expected_post or " ".join(["?"] * 6)).split()
            for who, want in zip(WHO, wants, strict=True):
                if want == "ok":
                    posts.append("ok")
                    continue
                client, token = clients[who]
                before = fingerprint()
                got = outcome(client.post(url, data={"csrf_token": token}))
                posts.append(got)
                if got != want:
                    wrong.append(f"POST {rule.rule} as {who}: {got}, table says {want}")
                if fingerprint() != before:
                    wrong.append(f"POST {rule.rule} as {who} was refused but changed data")
        observed[rule.rule] = (gets, posts)
    if os.environ.get("AUTH_MATRIX_PRINT"):
        for rule, (gets, posts) in observed.items():
            post_text = f'"{" ".join(posts)}"' if posts is not None else "None"
            print(f'    "{rule}": ("{" ".join(gets)}", {post_text}),')
    assert not wrong, "\n".join(wrong)
