"""Questions under lessons: who sees a thread, answering, accepting, moderation, reports, the
lesson's list and the trainers' list of unanswered questions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cohorts.questions import listing
from cohorts.questions.models import PostReport, QuestionPost, QuestionThread
from tests.conftest import count_queries, post
from tests.question_helpers import (
    LESSON,
    answer,
    ask,
    build_world,
    client_of,
    flat,
    last_post,
    last_thread,
    snapshot,
)
from training.accounts.models import User
from training.extensions import db
from training.notifications.models import Notification


@pytest.fixture
def world(app, users, make_user):
    return build_world(app, users, make_user)


def notes_of(user_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)))


def test_a_learner_asks_under_a_lesson_and_the_lesson_lists_it(app, world):
    learner = client_of(app, "learner")
    r = ask(learner, "Как написать **заметку** в газету?", title="Про заметку")
    thread = last_thread()
    assert r.status_code == 302 and r.headers["Location"] == f"/questions/{thread.id}"
    assert (thread.lesson_key, thread.cohort_id, thread.title) == ("intro", None, "Про заметку")
    page = flat(learner.get(f"/questions/{thread.id}"))
    assert "<strong>заметку</strong>" in page and "Лена Учебная" in page
    assert "learner" not in page.split("<main")[1]  # display names only, never usernames
    lesson = flat(learner.get(LESSON))
    assert "Вопросы по уроку" in lesson and "Про заметку" in lesson and "0 ответов" in lesson


def test_empty_and_overlong_questions_are_refused_and_nothing_is_saved(app, world):
    learner = client_of(app, "learner")
    before = snapshot()
    r = ask(learner, "   ")
    assert r.status_code == 422 and "Напишите текст сообщения." in flat(r)
    r = ask(learner, "x" * 10_001)
    assert r.status_code == 422
    r = ask(learner, "Вопрос", title="т" * 201)
    assert r.status_code == 422
    assert snapshot() == before


def test_a_self_paced_thread_is_seen_by_self_paced_learners_and_trainers_only(app, world):
    ask(client_of(app, "learner"), title="Самостоятельный вопрос")
    thread = last_thread()
    url = f"/questions/{thread.id}"
    for name in ("peer", "trainer", "admin"):
        client = client_of(app, name)
        assert client.get(url).status_code == 200, name
        assert "Самостоятельный вопрос" in flat(client.get(LESSON)) or name != "peer"
    for name in ("ann", "cid", "coach", "organizer"):
        client = client_of(app, name)
        assert client.get(url).status_code == 404, name  # not admitted to exist
    assert "Самостоятельный вопрос" not in flat(client_of(app, "ann").get(LESSON))


def test_a_cohort_thread_is_seen_by_its_cohort_and_trainers_with_the_cohort_named(app, world):
    ask(client_of(app, "ann"), title="Вопрос Севера")
    thread = last_thread()
    assert thread.cohort_id == world["north"]
    url = f"/questions/{thread.id}"
    for name in ("bob", "coach", "trainer", "admin"):
        assert client_of(app, name).get(url).status_code == 200, name
    for name in ("cid", "learner", "peer"):  # another cohort, self-paced learners
        client = client_of(app, name)
        assert client.get(url).status_code == 404, name
        assert "Вопрос Севера" not in flat(client.get(LESSON)), name
    owner = client_of(app, "trainer")
    assert "Группа: Север" in flat(owner.get(url))
    listed = flat(owner.get("/questions/unanswered"))
    assert "Вопрос Севера" in listed and "Группа: Север" in listed


def test_the_asker_keeps_their_question_after_joining_a_cohort(app, world):
    from cohorts.models import CohortMember

    ask(client_of(app, "learner"), title="Спросила до группы")
    thread = last_thread()
    assert thread.cohort_id is None
    learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
    db.session.add(
        CohortMember(cohort_id=world["north"], user_id=learner.id, course_id=world["course_id"])
    )
    db.session.commit()
    asker = client_of(app, "learner")
    assert asker.get(f"/questions/{thread.id}").status_code == 200
    assert "Спросила до группы" in flat(asker.get(LESSON))
    # the rest of the cohort still does not see a self-paced thread
    assert client_of(app, "ann").get(f"/questions/{thread.id}").status_code == 404


def test_answers_notify_the_asker_and_say_when_a_trainer_answered(app, world, users):
    asker = client_of(app, "learner")
    ask(asker, title="Про газету")
    thread = last_thread()
    answer(asker, thread.id, "Сам себе отвечу.")
    assert notes_of(users["learner"].id) == []  # one's own answer is no news
    r = answer(client_of(app, "peer"), thread.id, "Попробуй начать с новости.")
    assert r.status_code == 302
    answer(client_of(app, "trainer"), thread.id, "Посмотрите пример в уроке.")
    page = flat(asker.get("/notifications/"))
    assert "На ваш вопрос «Про газету» пришёл новый ответ." in page
    assert "Тренер ответил на ваш вопрос «Про газету»." in page
    assert f'href="/questions/{thread.id}"' in page
    lesson = flat(asker.get(LESSON))
    assert "3 ответа" in lesson


def test_the_asker_accepts_an_answer_and_another_learner_may_not(app, world):
    asker = client_of(app, "learner")
    ask(asker, title="Принятие")
    thread = last_thread()
    answer(client_of(app, "peer"), thread.id, "Ответ соседа.")
    first = last_post()
    before = snapshot()
    assert post(client_of(app, "peer"), f"/questions/posts/{first.id}/accept").status_code == 403
    assert snapshot() == before
    assert post(asker, f"/questions/posts/{first.id}/accept").status_code == 302
    assert last_post().accepted
    assert "✓ Ответ принят" in flat(asker.get(LESSON))
    # A trainer may move the mark to another answer; only one stays accepted.
    trainer = client_of(app, "trainer")
    answer(trainer, thread.id, "Ответ тренера.")
    second = last_post()
    post(trainer, f"/questions/posts/{second.id}/accept")
    db.session.expire_all()
    assert [
        p.id for p in db.session.scalars(sa.select(QuestionPost).where(QuestionPost.accepted))
    ] == [second.id]
    # The question itself is not an answer.
    question = thread.posts[0]
    before = snapshot()
    r = post(asker, f"/questions/posts/{question.id}/accept", follow_redirects=True)
    assert "Принять можно только показанный ответ." in flat(r)
    assert snapshot() == before


def test_trainers_pin_threads_first_and_learners_may_not(app, world):
    learner = client_of(app, "learner")
    ask(learner, title="Старый вопрос")
    old = last_thread()
    ask(learner, title="Новый вопрос")
    before = snapshot()
    assert post(learner, f"/questions/{old.id}/pin").status_code == 403
    assert post(learner, f"/questions/{old.id}/lock").status_code == 403
    assert snapshot() == before
    page = flat(learner.get(LESSON))
    assert page.index("Новый вопрос") < page.index("Старый вопрос")  # newest first
    post(client_of(app, "trainer"), f"/questions/{old.id}/pin")
    page = flat(learner.get(LESSON))
    assert page.index("Старый вопрос") < page.index("Новый вопрос")
    assert "Закреплён" in page


def test_a_hidden_answer_vanishes_for_learners_and_stays_marked_for_trainers(app, world):
    ask(client_of(app, "learner"), title="Скрытие")
    thread = last_thread()
    answer(client_of(app, "peer"), thread.id, "Грубый ответ.")
    rude = last_post()
    peer = client_of(app, "peer")
    before = snapshot()
    assert post(peer, f"/questions/posts/{rude.id}/hide").status_code == 403
    assert snapshot() == before
    trainer = client_of(app, "trainer")
    post(trainer, f"/questions/posts/{rude.id}/hide")
    assert "Грубый ответ." not in flat(client_of(app, "learner").get(f"/questions/{thread.id}"))
    assert "0 ответов" in flat(client_of(app, "learner").get(LESSON))
    shown = flat(trainer.get(f"/questions/{thread.id}"))
    assert "Грубый ответ." in shown and "Скрыто от слушателей" in shown
    # Acting on a hidden post is acting on nothing, for a learner.
    assert post(peer, f"/questions/posts/{rude.id}/report").status_code == 404
    # A hidden question hides the whole thread from learners.
    post(trainer, f"/questions/posts/{thread.posts[0].id}/hide")
    assert client_of(app, "learner").get(f"/questions/{thread.id}").status_code == 404
    assert "Скрытие" not in flat(client_of(app, "peer").get(LESSON))
    assert "Скрыто от слушателей" in flat(trainer.get(f"/questions/{thread.id}"))
    assert "Скрытие" in flat(trainer.get("/questions/unanswered"))


def test_no_answers_in_a_locked_thread_with_a_clear_message(app, world):
    ask(client_of(app, "learner"), title="Закрываем")
    thread = last_thread()
    post(client_of(app, "trainer"), f"/questions/{thread.id}/lock")
    peer = client_of(app, "peer")
    assert "Тема закрыта: новые ответы не принимаются." in flat(peer.get(f"/questions/{thread.id}"))
    before = snapshot()
    r = answer(peer, thread.id, "Поздний ответ.")
    assert r.status_code == 422 and "Тема закрыта: новые ответы не принимаются." in flat(r)
    r = answer(client_of(app, "trainer"), thread.id, "И тренер не может.")
    assert r.status_code == 422
    assert snapshot() == before


def test_authors_edit_and_delete_their_own_posts_only(app, world):
    asker = client_of(app, "learner")
    ask(asker, "Первый текст", title="Правка")
    thread = last_thread()
    question = thread.posts[0]
    answer(client_of(app, "peer"), thread.id, "Ответ остаётся.")
    r = post(asker, f"/questions/posts/{question.id}/edit", {"title": "Правка 2", "body": "Новый"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (last_thread().title, db.session.get(QuestionPost, question.id).body) == (
        "Правка 2",
        "Новый",
    )
    peer = client_of(app, "peer")
    before = snapshot()
    assert peer.get(f"/questions/posts/{question.id}/edit").status_code == 403
    r = post(peer, f"/questions/posts/{question.id}/edit", {"body": "Чужая правка"})
    assert r.status_code == 403
    assert post(peer, f"/questions/posts/{question.id}/delete").status_code == 403
    assert (
        post(client_of(app, "trainer"), f"/questions/posts/{question.id}/delete").status_code == 403
    )
    assert snapshot() == before
    assert post(asker, f"/questions/posts/{question.id}/delete").status_code == 302
    db.session.expire_all()
    gone = db.session.get(QuestionPost, question.id)
    assert gone.body == "" and gone.deleted_at is not None
    page = flat(peer.get(f"/questions/{thread.id}"))
    assert "сообщение удалено" in page and "Ответ остаётся." in page and "Новый" not in page
    assert asker.get(f"/questions/posts/{question.id}/edit").status_code == 404


def test_a_post_is_reported_once_and_trainers_see_the_count(app, world):
    ask(client_of(app, "learner"), title="Жалоба")
    thread = last_thread()
    question = thread.posts[0]
    peer = client_of(app, "peer")
    r = post(peer, f"/questions/posts/{question.id}/report", follow_redirects=True)
    assert "Спасибо: тренеры посмотрят это сообщение." in flat(r)
    r = post(peer, f"/questions/posts/{question.id}/report", follow_redirects=True)
    assert "Вы уже пожаловались на это сообщение." in flat(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PostReport)) == 1
    assert "1 жалоба" in flat(client_of(app, "trainer").get(f"/questions/{thread.id}"))
    assert "жалоб" not in flat(peer.get(f"/questions/{thread.id}"))
    # Someone who cannot see the thread cannot report in it.
    assert post(client_of(app, "cid"), f"/questions/posts/{question.id}/report").status_code == 404


def test_posts_are_signed_with_display_names_or_a_number_never_a_username(app, world, make_user):
    nameless = make_user("nameless-user")
    with app.test_request_context():
        from courses import learning
        from courses.models import Course

        learning.enroll(nameless.id, db.session.get(Course, world["course_id"]))
        db.session.commit()
    client = client_of(app, "nameless-user")
    ask(client, title="Без имени")
    first = last_thread().id
    page = flat(client.get(f"/questions/{first}"))
    tag = re.search(r"Участник ([0-9A-F]{4})\b", page).group(1)
    assert "nameless-user" not in page and f"№{nameless.id}" not in page
    ask(client, title="Ещё без имени")
    other = flat(client.get(f"/questions/{last_thread().id}"))
    # Another thread: another tag, so one person's questions cannot be linked by it.
    assert re.search(r"Участник ([0-9A-F]{4})\b", other).group(1) != tag
    assert f"Участник {tag}" in flat(client.get(f"/questions/{first}"))  # stable in its thread


def test_the_unanswered_page_lists_open_threads_without_a_trainers_answer(app, world, clock):
    ask(client_of(app, "learner"), title="Первый без ответа")
    first = last_thread()
    clock.advance(timedelta(minutes=5))
    ask(client_of(app, "ann"), title="Северный без ответа")
    ask(client_of(app, "cid"), title="Южный, отвечен")
    south = last_thread()
    ask(client_of(app, "peer"), title="Закрытый")
    closed = last_thread()
    trainer = client_of(app, "trainer")
    answer(trainer, south.id, "Ответ тренера.")
    post(trainer, f"/questions/{closed.id}/lock")
    answer(client_of(app, "peer"), first.id, "Ответ ученика не в счёт.")
    page = flat(trainer.get("/questions/unanswered"))
    assert "Первый без ответа" in page and "Северный без ответа" in page
    assert "Южный, отвечен" not in page and "Закрытый" not in page
    assert page.index("Первый без ответа") < page.index("Северный без ответа")  # oldest first
    assert 'href="/questions/unanswered"' in page  # the trainers' header link
    # The cohort's own trainer sees only his cohort's threads (he does not edit the course).
    coach = flat(client_of(app, "coach").get("/questions/unanswered"))
    assert "Северный без ответа" in coach and "Первый без ответа" not in coach
    learner = client_of(app, "learner")
    assert learner.get("/questions/unanswered").status_code == 403
    assert 'href="/questions/unanswered"' not in flat(learner.get("/"))


def test_the_unanswered_page_costs_the_same_statements_for_one_or_many_threads(app, world):
    trainer = client_of(app, "trainer")
    asker = client_of(app, "learner")
    ask(asker, title="Один")

    def statements() -> int:
        trainer.get("/questions/unanswered")  # warm: the session row
        with count_queries() as seen:
            assert trainer.get("/questions/unanswered").status_code == 200
        return len(seen)

    one = statements()
    for n in range(6):
        ask(client_of(app, ("ann", "cid", "peer")[n % 3]), title=f"Ещё {n}")
    many = statements()
    assert many == one
    assert flat(trainer.get("/questions/unanswered")).count('class="card question') == 7


def test_the_lesson_section_costs_one_statement_for_any_number_of_threads(app, world):
    learner = client_of(app, "learner")
    learner.get(LESSON)

    def statements() -> int:
        with count_queries() as seen:
            assert learner.get(LESSON).status_code == 200
        return len(seen)

    none = statements()
    for n in range(5):
        ask(learner, title=f"Вопрос {n}")
        answer(client_of(app, "peer"), last_thread().id)
    assert statements() == none
    assert flat(learner.get(LESSON)).count('class="card question') == 5


def test_the_kept_lesson_section_shows_each_viewer_their_own_threads_and_fresh_counts(app, world):
    """The section is kept by the threads it lists (training.fragments): a viewer shown other
    threads, or the same thread with another answer count, never gets a kept copy."""
    ask(client_of(app, "learner"), title="Самостоятельный вопрос")
    ask(client_of(app, "ann"), title="Вопрос Севера")
    pages = {}
    for name in ("peer", "ann", "cid", "bob", "peer", "ann"):  # each after another's
        pages[name] = flat(client_of(app, name).get(LESSON))
    assert "Самостоятельный вопрос" in pages["peer"] and "Вопрос Севера" not in pages["peer"]
    assert "Вопрос Севера" in pages["ann"] and "Самостоятельный вопрос" not in pages["ann"]
    assert "Вопрос Севера" not in pages["cid"] and "Самостоятельный" not in pages["cid"]
    assert "Вопросов пока нет" in pages["cid"]
    assert "Вопрос Севера" in pages["bob"] and "Самостоятельный вопрос" not in pages["bob"]
    answer(client_of(app, "peer"), last_thread().id - 1)  # the self-paced thread
    assert "1 ответ" in flat(client_of(app, "learner").get(LESSON))


def test_the_lists_read_rows_and_load_no_threads_or_posts_into_the_session(app, world, users):
    """The lesson's list and the unanswered list are Core statements: a lesson page builds no
    ORM object for each listed thread (that machinery cost more than the statement)."""
    ask(client_of(app, "learner"), title="Про заметку")
    ask(client_of(app, "peer"), title="Про газету")
    answer(client_of(app, "peer"), last_thread().id)
    loaded: list[object] = []

    def note(target, _context):
        loaded.append(target)

    with app.test_request_context():
        learner = db.session.get(User, users["learner"].id)
        trainer = db.session.get(User, users["trainer"].id)
        db.session.expunge_all()
        learner, trainer = db.session.merge(learner), db.session.merge(trainer)
        for model in (QuestionThread, QuestionPost):
            sa.event.listen(model, "load", note)
        try:
            shown = listing.lesson_threads(world["course_id"], "intro", learner)
            waiting = listing.unanswered(trainer)
        finally:
            for model in (QuestionThread, QuestionPost):
                sa.event.remove(model, "load", note)
    assert [t.title for t in shown] == ["Про газету", "Про заметку"]
    assert [t.answers for t in shown] == [1, 0] and shown[1].author == "Лена Учебная"
    assert [t.title for t in waiting] == ["Про заметку", "Про газету"]
    assert waiting[0].course_slug == "info-work" and waiting[0].lesson_key == "intro"
    assert loaded == []
