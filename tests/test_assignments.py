"""Assignments end to end: authoring with a versioned rubric, the learner's draft and versions,
files checked by content and guarded, deadlines, trainer review, the path step, notifications."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assignments.models import Assignment, Draft, Review, Rubric, Submission
from certificates.models import Certificate
from courses import learning
from tests.assignment_helpers import (
    PDF,
    RUBRIC,
    all_submissions,
    build_assignment,
    docx_bytes,
    enroll,
    odt_bytes,
)
from tests.conftest import csrf_token, login, post
from training.accounts.models import Role
from training.db import utcnow
from training.events import LearningEvent
from training.extensions import db
from training.notifications.models import Notification


@pytest.fixture(autouse=True)
def stored_files(app, tmp_path, monkeypatch):
    """Handed-in files go to this test's own folder."""
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))
    return tmp_path / "submissions"


def page(slug: str, key: str) -> str:
    return f"/courses/{slug}/assignments/{key}"


def send(client, url, text="Текст заметки", files=(), seen="0"):
    """Send the page's form as a browser would, files as (name, bytes)."""
    data = {"csrf_token": csrf_token(client), "text": text, "action": "send", "seen": seen}
    if files:
        data["files"] = [(__import__("io").BytesIO(body), name) for name, body in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def flat(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def course_and_task(users):
    course, assignment = build_assignment(users["trainer"], hand_in="both")
    enroll(users["learner"], course)
    return course, assignment


# ---- authoring ----------------------------------------------------------------------------


def test_a_trainer_adds_an_assignment_with_a_rubric_to_a_module(login_as, users):
    from tests.course_helpers import build_course

    build_course(users["trainer"])
    client = login_as("trainer")
    r = post(
        client,
        "/author/info-work/assignments",
        {
            "title": "План на месяц",
            "module": "osnovy",
            "task": "Составьте план.",
            "template": "",
            "hand_in": "text",
            "rubric": RUBRIC,
            "pass_rule": "accepted",
            "pass_percent": "60",
            "late_policy": "allow",
            "required": "y",
            "is_open": "y",
        },
    )
    assert r.status_code == 302
    assignment = db.session.scalar(sa.select(Assignment))
    assert (assignment.key, assignment.module_key) == ("plan-na-mesiats", "osnovy")
    assert assignment.rubric.number == 1
    assert [c["title"] for c in assignment.rubric.criteria] == ["Структура", "Факты"]
    assert assignment.rubric.max_points == 7
    edit = client.get(f"/author/info-work/assignments/{assignment.key}")
    assert "- 2 | Частично | Есть заголовок и лид" in edit.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rubric", "message"),
    [
        ("- 1 | Уровень без критерия", "Строка 1: уровень указан раньше критерия"),
        ("Критерий\n- много | Уровень", "Строка 2: уровень начинается с баллов"),
        ("Критерий без уровней", "У критерия «Критерий без уровней» нет уровней."),
    ],
)
def test_a_bad_rubric_is_refused_at_its_line_and_nothing_is_saved(login_as, users, rubric, message):
    from tests.course_helpers import build_course

    build_course(users["trainer"])
    client = login_as("trainer")
    r = post(
        client,
        "/author/info-work/assignments",
        {
            "title": "План",
            "module": "",
            "task": "Текст",
            "template": "",
            "hand_in": "text",
            "rubric": rubric,
            "pass_rule": "accepted",
            "pass_percent": "60",
            "late_policy": "allow",
        },
    )
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_a_rubric_edited_after_reviews_exist_leaves_old_reviews_their_version(
    login_as, users, course_and_task, app
):
    course, assignment = course_and_task
    learner = login_as("learner")
    send(learner, page(course.slug, assignment.key), files=[("work.pdf", PDF)])
    submission = all_submissions()[0]
    trainer = app.test_client()
    login(trainer, "trainer")
    r = post(
        trainer,
        f"/author/{course.slug}/submissions/{submission.id}",
        {"level-0": "1", "level-1": "1", "feedback": "Хорошо", "decision": "accepted"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    r = post(
        trainer,
        f"/author/{course.slug}/assignments/{assignment.key}",
        {
            "title": assignment.title,
            "module": "osnovy",
            "task": "Новый текст",
            "template": "",
            "hand_in": "both",
            "rubric": "Одно\n- 5 | Всё",
            "pass_rule": "accepted",
            "pass_percent": "60",
            "late_policy": "allow",
            "is_open": "y",
            "required": "y",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.rubric.number == 1 and review.points == 5 and review.max_points == 7
    assert db.session.get(Assignment, assignment.id).rubric.number == 2
    assert db.session.scalar(sa.select(sa.func.count(Rubric.id))) == 2
    # the learner's page shows the review with the rubric it was given with
    shown = flat(learner.get(page(course.slug, assignment.key)))
    assert "Есть заголовок и лид" in shown and "5 из 7 баллов" in shown


# ---- the learner's work -------------------------------------------------------------------


def test_the_learner_sees_the_task_saves_a_draft_previews_and_sends(
    login_as, users, course_and_task
):
    course, assignment = course_and_task
    client = login_as("learner")
    url = page(course.slug, assignment.key)
    shown = flat(client.get(url))
    assert "Напишите <strong>заметку</strong> о собрании." in shown
    assert "Нет структуры" in shown and "Отправить на проверку" in shown
    r = post(client, url, {"text": "Черновик **жирный**", "action": "save", "seen": "0"})
    assert r.status_code == 302
    assert db.session.get(Draft, (assignment.id, users["learner"].id)).text.startswith("Черновик")
    r = post(
        client,
        url,
        {"text": "Смотрим <script>alert(1)</script> **жирный**", "action": "preview", "seen": "0"},
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<strong>жирный</strong>" in html and "<script>alert(1)" not in html
    assert send(client, url, files=[("Отчёт.pdf", PDF)]).status_code == 302
    (submission,) = all_submissions()
    assert (submission.number, submission.status, submission.late) == (1, "waiting", False)
    assert [f.filename for f in submission.files] == ["otchet.pdf"]
    assert db.session.get(Draft, (assignment.id, users["learner"].id)) is None
    shown = flat(client.get(url))
    assert "Работа отправлена и ждёт проверки." in shown
    course_page = flat(client.get(f"/courses/{course.slug}"))
    assert "ждёт проверки: можно идти дальше" in course_page
    verbs = db.session.scalars(
        sa.select(LearningEvent.verb).where(LearningEvent.object_type == "assignment")
    ).all()
    assert verbs == ["submitted"]


def test_a_double_click_sends_one_version(login_as, course_and_task):
    course, assignment = course_and_task
    client = login_as("learner")
    url = page(course.slug, assignment.key)
    assert send(client, url, files=[("a.pdf", PDF)]).status_code == 302
    again = send(client, url, files=[("a.pdf", PDF)])  # the same page's form, seen=0
    assert again.status_code == 422
    assert len(all_submissions()) == 1


def test_the_database_refuses_a_second_version_with_the_same_number(ctx, users, course_and_task):
    _course, assignment = course_and_task
    learner_id = users["learner"].id
    db.session.add(Submission(assignment_id=assignment.id, user_id=learner_id, number=1))
    db.session.commit()
    db.session.add(Submission(assignment_id=assignment.id, user_id=learner_id, number=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(all_submissions()) == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("fake.pdf", b"<html><script>alert(1)</script></html>")], "fake.pdf не PDF"),
        ([("run.pdf", b"#!/bin/sh\nrm -rf /\n")], "run.pdf не PDF"),
        ([(f"f{i}.pdf", PDF) for i in range(6)], "Приложите не больше 5 файлов."),
        ([("big.pdf", PDF + b"0" * (256 * 1024))], "big.pdf больше 0.25 МБ."),
        ([("fake.docx", b"PK\x03\x04not really a zip")], "fake.docx не PDF"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    app, monkeypatch, login_as, course_and_task, stored_files, files, message
):
    monkeypatch.setitem(app.config, "SUBMISSION_MAX_BYTES", 256 * 1024)
    course, assignment = course_and_task
    client = login_as("learner")
    r = send(client, page(course.slug, assignment.key), files=files)
    assert r.status_code == 422
    assert message in flat(r)
    assert all_submissions() == []
    assert not stored_files.exists() or not any(stored_files.rglob("*"))


def test_docx_odt_and_images_are_accepted_by_content(login_as, course_and_task, stored_files):
    from tests.test_course_media import tiny_png

    course, assignment = course_and_task
    client = login_as("learner")
    files = [("план.docx", docx_bytes()), ("план.odt", odt_bytes()), ("схема.png", tiny_png())]
    assert send(client, page(course.slug, assignment.key), files=files).status_code == 302
    (submission,) = all_submissions()
    assert [f.content_type for f in submission.files] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "image/png",
    ]
    stored = sorted(p for p in stored_files.rglob("*") if p.is_file())
    assert len(stored) == 3 and all(p.stat().st_mode & 0o077 == 0 for p in stored)


def test_files_reach_only_their_author_and_the_course_trainers(
    app, login_as, users, make_user, course_and_task
):
    course, assignment = course_and_task
    client = login_as("learner")
    send(client, page(course.slug, assignment.key), files=[("work.pdf", PDF)])
    file_id = all_submissions()[0].files[0].id
    url = f"{page(course.slug, assignment.key)}/files/{file_id}"
    r = client.get(url)
    assert r.status_code == 200 and r.data == PDF
    r.close()
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert "no-store" in r.headers["Cache-Control"]
    other = make_user("other")
    learning.enroll(other.id, db.session.merge(course))
    db.session.commit()
    make_user("stranger", Role.TRAINER, org="north")
    for name, status in (("other", 403), ("stranger", 403), ("organizer", 403), ("trainer", 200)):
        visitor = app.test_client()
        login(visitor, name)
        response = visitor.get(url)
        response.close()
        assert response.status_code == status, name


def test_a_refused_deadline_stops_sending_and_an_allowed_one_marks_late(login_as, users, clock):
    course, strict = build_assignment(
        users["trainer"],
        hand_in="text",
        due_at=utcnow() + timedelta(days=1),
        late_policy="refuse",
    )
    from assignments import services
    from assignments.models import Assignment as A

    lenient = services.create_assignment(
        db.session.merge(course),
        services.AssignmentSettings(title="Вторая", task="Т", due_at=utcnow() + timedelta(days=1)),
    )
    db.session.commit()
    enroll(users["learner"], course)
    clock.advance(timedelta(days=2))
    client = login_as("learner")
    shown = flat(client.get(page(course.slug, strict.key)))
    assert "Срок сдачи прошёл" in shown and "Отправить на проверку" not in shown
    r = send(client, page(course.slug, strict.key))
    assert r.status_code == 422 and "Срок сдачи прошёл" in flat(r)
    assert all_submissions() == []
    assert send(client, page(course.slug, db.session.get(A, lenient.id).key)).status_code == 302
    (late,) = all_submissions()
    assert late.late is True


# ---- review -------------------------------------------------------------------------------


def test_revise_resubmit_accept_and_the_certificate(app, login_as, users, course_and_task):
    course, assignment = course_and_task
    learner = login_as("learner")
    for key in ("intro", "plan", "reach"):
        post(learner, f"/courses/{course.slug}/lessons/{key}/done")
    url = page(course.slug, assignment.key)
    send(learner, url, files=[("v1.pdf", PDF)])
    first = all_submissions()[0]
    trainer = app.test_client()
    login(trainer, "trainer")
    queue = flat(trainer.get("/author/review"))
    assert "Заметка для сайта" in queue and "ждёт проверки" in queue
    r = post(
        trainer,
        f"/author/{course.slug}/submissions/{first.id}",
        {
            "level-0": "1",
            "level-1": "0",
            "feedback": "Добавьте *цифры*.",
            "decision": "revise",
            "revise_by": (utcnow() + timedelta(days=7)).date().isoformat(),
        },
    )
    assert r.status_code == 302, flat(r)
    shown = flat(learner.get(url))
    assert "Добавьте <em>цифры</em>." in shown and "2 из 7 баллов" in shown
    assert "Отправить новую версию" in shown
    notes = db.session.scalars(sa.select(Notification.kind)).all()
    assert notes == ["assignment_revise"]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    send(learner, url, text="Исправлено", files=[("v2.pdf", PDF)], seen="1")
    second = all_submissions()[1]
    assert (second.number, second.status) == (2, "waiting")
    r = post(
        trainer,
        f"/author/{course.slug}/submissions/{second.id}",
        {"level-0": "2", "level-1": "1", "feedback": "Готово", "decision": "accepted"},
    )
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
    assert sorted(db.session.scalars(sa.select(Notification.kind)).all()) == [
        "assignment_accepted",
        "assignment_revise",
        "certificate_issued",
    ]
    verbs = db.session.scalars(
        sa.select(LearningEvent.verb)
        .where(LearningEvent.object_type == "assignment")
        .order_by(LearningEvent.id)
    ).all()
    assert verbs == ["submitted", "scored", "submitted", "scored", "passed"]
    assert [s.status for s in all_submissions()] == ["revise", "accepted"]  # history kept


def test_reviewing_twice_own_work_or_another_trainers_course_is_refused(
    app, login_as, users, make_user, course_and_task
):
    course, assignment = course_and_task
    learner = login_as("learner")
    send(learner, page(course.slug, assignment.key), files=[("w.pdf", PDF)])
    submission = all_submissions()[0]
    url = f"/author/{course.slug}/submissions/{submission.id}"
    make_user("stranger", Role.TRAINER, org="north")
    stranger = app.test_client()
    login(stranger, "stranger")
    grade = {"level-0": "1", "level-1": "1", "decision": "accepted"}
    assert post(stranger, url, grade).status_code == 403
    assert post(stranger, f"/author/review?course={course.id}").status_code == 405
    assert "Заметка" not in flat(stranger.get(f"/author/review?course={course.id}"))
    trainer = app.test_client()
    login(trainer, "trainer")
    r = post(trainer, url, {"level-0": "9", "level-1": "1", "decision": "accepted"})
    assert r.status_code == 422 and "Выберите уровень по каждому критерию." in flat(r)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert post(trainer, url, grade).status_code == 302
    again = post(trainer, url, {**grade, "decision": "rejected"})
    assert again.status_code == 422 and "Вы уже проверили эту версию." in flat(again)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1
    assert all_submissions()[0].status == "accepted"


def test_a_trainer_cannot_review_their_own_work(ctx, users):
    from assignments import reviewing, submitting
    from training.errors import ServiceError

    course, assignment = build_assignment(users["trainer"], hand_in="text")
    trainer = db.session.merge(users["trainer"])
    learning.enroll(trainer.id, course)
    submission = submitting.submit(assignment, trainer.id, "Сам себе", [], 0)
    with pytest.raises(ServiceError, match="собственную работу"):
        reviewing.review(submission, trainer, reviewing.Grade({0: 1, 1: 1}, "", "accepted"))
    assert submission.reviews == [] and submission.status == "waiting"


def test_a_score_rule_refuses_accepting_below_the_mark(app, login_as, users):
    course, assignment = build_assignment(
        users["trainer"], hand_in="text", pass_rule="score", pass_percent=80
    )
    enroll(users["learner"], course)
    learner = login_as("learner")
    send(learner, page(course.slug, assignment.key))
    submission = all_submissions()[0]
    trainer = app.test_client()
    login(trainer, "trainer")
    url = f"/author/{course.slug}/submissions/{submission.id}"
    r = post(trainer, url, {"level-0": "1", "level-1": "1", "decision": "accepted"})
    assert r.status_code == 422 and "Проходной балл — 80%" in flat(r)
    assert all_submissions()[0].status == "waiting"


def test_the_queue_and_submissions_page_take_a_constant_number_of_statements(app, users, make_user):
    from tests.conftest import count_queries as counting

    course, assignment = build_assignment(users["trainer"], hand_in="text")
    trainer = app.test_client()
    login(trainer, "trainer")

    def learners_send(names):
        from assignments import submitting

        for name in names:
            user = make_user(name)
            learning.enroll(user.id, db.session.merge(course))
            submitting.submit(db.session.merge(assignment), user.id, "Текст", [], 0)
        db.session.commit()

    def statements(url):
        trainer.get(url)  # warm: the session row and caches
        with counting() as seen:
            assert trainer.get(url).status_code == 200
        return len(seen)

    learners_send(["learner1"])
    few = (statements("/author/review"), statements(f"/author/{course.slug}/submissions"))
    learners_send([f"learner{i}" for i in range(2, 8)])
    many = (statements("/author/review"), statements(f"/author/{course.slug}/submissions"))
    # The queue reuses the course ids the page has read (it read them twice before: 8).
    assert few == many == (7, 5)
    assert "learner7" in trainer.get("/author/review").get_data(as_text=True)


def test_a_template_and_task_images_are_served_to_learners_only_while_open(
    app, login_as, users, tmp_path, monkeypatch
):
    from courses.media import store_media
    from tests.test_course_media import tiny_png

    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    course, assignment = build_assignment(
        users["trainer"], template_filename=None, task="См. схему ![схема](media/shema.png)"
    )
    store_media(course, "shema.png", tiny_png(), None, exact_name=True)
    store_media(course, "shablon.pdf", PDF, None, exact_name=True)
    db.session.merge(assignment).template_filename = "shablon.pdf"
    db.session.commit()
    enroll(users["learner"], course)
    client = login_as("learner")
    html = client.get(page(course.slug, assignment.key)).get_data(as_text=True)
    assert 'src="/courses/info-work/media/shema.png"' in html
    assert 'href="/courses/info-work/media/shablon.pdf"' in html
    for name in ("shema.png", "shablon.pdf"):
        response = client.get(f"/courses/info-work/media/{name}")
        response.close()
        assert response.status_code == 200, name
    db.session.merge(assignment).is_open = False
    db.session.commit()
    for name in ("shema.png", "shablon.pdf"):
        response = client.get(f"/courses/info-work/media/{name}")
        response.close()
        assert response.status_code == 404, name


def test_assignment_statements_export_as_valid_xapi(app, login_as, users, course_and_task):
    import json

    from tests.test_events import check_statement
    from tests.test_xapi_meaning import through_tincan

    course, assignment = course_and_task
    learner = login_as("learner")
    send(learner, page(course.slug, assignment.key), files=[("w.pdf", PDF)])
    trainer = app.test_client()
    login(trainer, "trainer")
    submission = all_submissions()[0]
    grade = {"level-0": "2", "level-1": "1", "decision": "accepted"}
    post(trainer, f"/author/{course.slug}/submissions/{submission.id}", grade)
    result = app.test_cli_runner().invoke(args=["events", "export", "--since", "2020-01-01"])
    statements = [s for s in json.loads(result.output) if "/assignments/" in s["object"]["id"]]
    assert [s["verb"]["display"]["en-US"] for s in statements] == ["submitted", "scored", "passed"]
    for statement in statements:
        check_statement(statement)
        assert through_tincan(statement)["verb"]["id"] == statement["verb"]["id"]
    scored = statements[1]["result"]["score"]
    assert (scored["raw"], scored["max"], scored["scaled"]) == (7, 7, 1.0)


def test_the_page_leads_on_while_work_waits_and_past_an_optional_task(login_as, users):
    course, assignment = build_assignment(users["trainer"], hand_in="text", required=False)
    enroll(users["learner"], course)
    client = login_as("learner")
    url = page(course.slug, assignment.key)
    shown = flat(client.get(url))
    assert "Это задание необязательное." in shown
    assert 'href="/courses/info-work/lessons/reach">Пропустить пока</a>' in shown
    send(client, url)
    shown = flat(client.get(url))
    assert "Пропустить пока" not in shown
    assert 'href="/courses/info-work/lessons/reach">Продолжить</a>' in shown


def _odt_zip(patch) -> bytes:
    """An ODT-looking zip whose "mimetype" entry `patch` damages in both of its headers."""
    import zipfile as zf

    buffer = io.BytesIO()
    with zf.ZipFile(buffer, "w", zf.ZIP_STORED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    data = bytearray(buffer.getvalue())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    patch(data, local, central)
    return bytes(data)


def test_unreadable_zips_are_refused_as_documents_not_crashes():
    from assignments.files import ODT, sniff_hand_in

    def plain(_data, _local, _central):
        return None

    def unknown_method(data, local, central):  # zipfile raises NotImplementedError
        data[local + 8 : local + 10] = (99).to_bytes(2, "little")
        data[central + 10 : central + 12] = (99).to_bytes(2, "little")

    def encrypted(data, local, central):  # zipfile raises RuntimeError
        data[local + 6] |= 1
        data[central + 8] |= 1

    assert sniff_hand_in(_odt_zip(plain)) == ODT
    assert sniff_hand_in(_odt_zip(unknown_method)) is None
    assert sniff_hand_in(_odt_zip(encrypted)) is None
