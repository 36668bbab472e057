"""Trainers author courses: drafts, order, preview, publish, history, co-authors."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from courses import publishing, services
from courses.models import Course, CourseRevision, Lesson, Module
from tests.conftest import post
from tests.course_helpers import build_course
from training.errors import ServiceError
from training.extensions import db


def course_by_slug(slug: str) -> Course:
    db.session.expire_all()
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def test_trainer_creates_a_course_through_pages(login_as, users):
    client = login_as("trainer")
    r = post(
        client,
        "/author/new",
        {
            "slug": "union-news",
            "title": "Профсоюзные новости",
            "description": "Как писать новости.",
            "language": "ru",
            "topics": "Новости, соцсети, новости",
            "duration": "120",
        },
    )
    assert r.status_code == 302
    course = course_by_slug("union-news")
    assert course.owner_id == users["trainer"].id
    assert course.topics == ["новости", "соцсети"]
    post(client, "/author/union-news/modules", {"title": "Первый модуль"})
    module = course_by_slug("union-news").modules[0]
    r = post(
        client,
        f"/author/union-news/modules/{module.id}/lessons/new",
        {"title": "Перевёрнутая пирамида", "module": module.id, "body": "# Текст", "required": "y"},
    )
    assert r.status_code == 302
    lesson = course_by_slug("union-news").lessons()[0]
    assert lesson.key == "perevernutaia-piramida"
    assert lesson.required


def test_bad_course_input_is_refused_and_changes_nothing(login_as, users):
    client = login_as("trainer")
    build_course(users["trainer"], slug="taken")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Course))
    for data in (
        {"slug": "Bad Slug!", "title": "x", "language": "ru", "duration": "10"},
        {"slug": "taken", "title": "x", "language": "ru", "duration": "10"},
        {"slug": "ok-slug", "title": "", "language": "ru", "duration": "10"},
        {"slug": "ok-slug", "title": "x", "language": "de", "duration": "10"},
        {"slug": "ok-slug", "title": "x", "language": "ru", "duration": "0"},
        {"slug": "ok-slug", "title": "x", "language": "ru", "duration": "abc"},
        {
            "slug": "ok-slug",
            "title": "x",
            "language": "ru",
            "duration": "10",
            "topics": ",".join("abcdefghijkl"),
        },
    ):
        r = post(client, "/author/new", data)
        assert r.status_code == 422, data
        assert 'class="errors"' in r.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == before


def test_editing_the_draft_does_not_change_what_learners_see(ctx, users):
    course = build_course(users["trainer"])
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "intro"))
    services.update_lesson(lesson, title="Новое название", body="Новый текст", required=True)
    db.session.commit()
    course = course_by_slug("info-work")
    published = course.published_revision
    row = next(r for r in published.lesson_rows if r.key == "intro")
    assert row.title == "Зачем нужна информационная работа"
    assert "первого" in row.html
    assert course.has_unpublished_changes
    revision = publishing.publish(course, users["trainer"], "Правка")
    assert revision.number == 2
    assert next(r for r in revision.lesson_rows if r.key == "intro").title == "Новое название"
    assert not course.has_unpublished_changes


def test_revision_stores_rendered_html(ctx, users):
    course = build_course(users["trainer"])
    rows = {r.key: r for r in course.published_revision.lesson_rows}
    assert "<strong>первого</strong>" in rows["intro"].html
    assert '<th class="align-left">' in rows["plan"].html
    assert 'class="footnotes' in rows["plan"].html
    assert 'src="/courses/info-work/media/scheme.png"' in rows["reach"].html


def test_move_up_and_down_without_javascript(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    course = course_by_slug("info-work")
    plan = next(x for x in course.lessons() if x.key == "plan")
    r = post(client, f"/author/info-work/lessons/{plan.id}/move", {"direction": "up"})
    assert r.status_code == 302
    assert [x.key for x in course_by_slug("info-work").modules[0].lessons] == ["plan", "intro"]
    second = course_by_slug("info-work").modules[1]
    post(client, f"/author/info-work/modules/{second.id}/move", {"direction": "up"})
    assert [m.title for m in course_by_slug("info-work").modules] == ["Измерения", "Основы"]
    # moving past the end changes nothing
    post(client, f"/author/info-work/modules/{second.id}/move", {"direction": "up"})
    assert [m.position for m in course_by_slug("info-work").modules] == [0, 1]


def test_delete_needs_confirmation(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    lesson = next(x for x in course_by_slug("info-work").lessons() if x.key == "reach")
    page = client.get(f"/author/info-work/lessons/{lesson.id}/delete")
    assert page.status_code == 200 and "Охват" in page.get_data(as_text=True)
    assert db.session.get(Lesson, lesson.id) is not None
    post(client, f"/author/info-work/lessons/{lesson.id}/delete")
    assert [x.key for x in course_by_slug("info-work").lessons()] == ["intro", "plan"]
    module = course_by_slug("info-work").modules[1]
    post(client, f"/author/info-work/modules/{module.id}/delete")
    assert len(course_by_slug("info-work").modules) == 1


def edit_lesson(client, lesson, title, body):
    """The trainer saves the lesson's form with a new title and text (still required)."""
    data = {"title": title, "module": lesson.module_id, "body": body, "required": "y"}
    return post(client, f"/author/info-work/lessons/{lesson.id}", data)


def test_preview_shows_the_draft_as_learners_will_see_it(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "intro"))
    edit_lesson(client, lesson, "Черновик", "Текст *черновика*")
    page = client.get("/author/info-work/preview/intro").get_data(as_text=True)
    assert "<em>черновика</em>" in page
    assert 'class="prose"' in page  # the learners' lesson template


def test_history_diff_and_restore(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "intro"))
    edit_lesson(client, lesson, lesson.title, "Совсем другой текст")
    post(client, "/author/info-work/publish", {"comment": "Переписал введение"})
    history = client.get("/author/info-work/history").get_data(as_text=True)
    assert "Переписал введение" in history and "Первая версия" in history
    diff = client.get("/author/info-work/history/diff?a=1&b=2").get_data(as_text=True)
    assert "@@" not in diff  # words, not a unified diff
    assert (
        '<del><span class="visually-hidden">удалено: </span>Текст **первого** урока.</del>' in diff
    )
    assert '<ins><span class="visually-hidden">добавлено: </span>Совсем другой текст</ins>' in diff
    # an unpublished edit, then restore revision 1: the edit is kept as a saved draft
    edit_lesson(client, lesson, lesson.title, "Несохранённая правка")
    r = post(client, "/author/info-work/history/1/restore")
    assert r.status_code == 302
    course = course_by_slug("info-work")
    intro = next(x for x in course.lessons() if x.key == "intro")
    assert intro.body.startswith("Текст **первого**")
    saved = db.session.scalar(sa.select(CourseRevision).where(CourseRevision.kind == "saved-draft"))
    assert any("Несохранённая правка" in r.body for r in saved.lesson_rows)
    assert course.published_revision.number == 2  # learners still see revision 2
    assert client.get("/author/info-work/history/diff?a=1&b=99").status_code == 404


def test_publishing_an_empty_course_is_refused(ctx, users):
    course = services.create_course(
        users["trainer"], slug="empty", meta=services.CourseMeta(title="Пусто")
    )
    with pytest.raises(ServiceError):
        publishing.publish(course, users["trainer"])
    assert course.published_revision_id is None


def test_only_owner_editors_and_admins_may_edit(login_as, users, make_user):
    from training.accounts.models import Role

    build_course(users["trainer"])
    other = make_user("other-trainer", Role.TRAINER)
    client = login_as("learner")
    assert client.get("/author/").status_code == 403
    post(client, "/account/logout")
    client = login_as("organizer")
    assert client.get("/author/info-work").status_code == 403
    post(client, "/account/logout")
    from tests.conftest import login

    login(client, other.username)
    assert client.get("/author/").status_code == 200
    assert "info-work" not in client.get("/author/").get_data(as_text=True)
    for path in ("/author/info-work", "/author/info-work/edit", "/author/info-work/history"):
        assert client.get(path).status_code == 403, path
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "intro"))
    r = post(client, f"/author/info-work/lessons/{lesson.id}", {"title": "Взлом", "body": "x"})
    assert r.status_code == 403
    assert post(client, "/author/info-work/publish", {}).status_code == 403
    assert client.get("/author/no-such-course").status_code == 404
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).title != "Взлом"
    post(client, "/account/logout")
    admin = login_as("admin")
    assert admin.get("/author/info-work").status_code == 200


def test_owner_adds_and_removes_co_authors(login_as, users, make_user):
    from tests.conftest import login
    from training.accounts.models import Role

    build_course(users["trainer"])
    helper = make_user("helper", Role.TRAINER)
    client = login_as("trainer")
    for bad in ("nobody", "learner", "trainer"):
        r = post(client, "/author/info-work/editors", {"username": bad})
        assert r.status_code == 422 and 'class="errors"' in r.get_data(as_text=True), bad
    assert post(client, "/author/info-work/editors", {"username": "Helper"}).status_code == 302
    post(client, "/account/logout")
    login(client, "helper")
    assert client.get("/author/info-work").status_code == 200
    # a co-author cannot manage co-authors
    r = post(client, f"/author/info-work/editors/{helper.id}/remove")
    assert r.status_code == 403
    post(client, "/account/logout")
    login(client, "trainer")
    post(client, f"/author/info-work/editors/{helper.id}/remove")
    post(client, "/account/logout")
    login(client, "helper")
    assert client.get("/author/info-work").status_code == 403


def test_objects_of_another_course_are_404(login_as, users):
    build_course(users["trainer"], slug="first")
    build_course(users["trainer"], slug="second")
    client = login_as("trainer")
    foreign = course_by_slug("second").modules[0]
    foreign_lesson = course_by_slug("second").lessons()[0]
    assert client.get(f"/author/first/modules/{foreign.id}").status_code == 404
    assert client.get(f"/author/first/lessons/{foreign_lesson.id}").status_code == 404
    r = post(client, f"/author/first/lessons/{foreign_lesson.id}/delete")
    assert r.status_code == 404
    assert db.session.get(Lesson, foreign_lesson.id) is not None


def test_course_with_learners_cannot_be_deleted(login_as, users):
    from courses import learning

    course = build_course(users["trainer"])
    learning.enroll(users["learner"].id, course_by_slug("info-work"))
    db.session.commit()
    client = login_as("trainer")
    post(client, "/author/info-work/delete")
    assert course_by_slug("info-work") is not None
    build_course(users["trainer"], slug="lonely")
    assert post(client, "/author/lonely/delete").status_code == 302
    assert course_by_slug("lonely") is None
    assert course.id  # the first course object is still usable


def test_module_keys_stay_unique(ctx, users):
    course = build_course(users["trainer"], publish=False)
    again = services.add_module(course, "Основы")
    assert again.key != course.modules[0].key
    assert re.fullmatch(r"osnovy-\d", again.key)
    with pytest.raises(ServiceError):
        services.add_lesson(again, "Дубль", key="intro")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Module)) == 3
