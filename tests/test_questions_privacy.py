"""Questions and answers in the own-data export; account deletion keeps threads readable,
signed «удалённый участник»."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from cohorts.questions.models import PostReport, QuestionPost
from tests.conftest import PASSWORD, post
from tests.privacy_helpers import where_found
from tests.question_helpers import answer, ask, build_world, client_of, flat, last_thread
from training.extensions import db


def exported(client) -> dict:
    r = post(client, "/account/data/export")
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as archive:
        return json.loads(archive.read("questions.json"))


def test_the_export_holds_the_persons_questions_answers_and_reports(app, users, make_user):
    build_world(app, users, make_user)
    peer = client_of(app, "peer")
    ask(peer, "Мой вопрос о плане", title="План")
    thread = last_thread()
    answer(client_of(app, "learner"), thread.id, "Чужой ответ")
    answer(peer, thread.id, "Мой ответ себе")
    post(peer, f"/questions/posts/{thread.posts[0].id + 1}/report")
    data = exported(peer)
    assert [(p["kind"], p["text"], p["title"]) for p in data["posts"]] == [
        ("question", "Мой вопрос о плане", "План"),
        ("answer", "Мой ответ себе", None),
    ]
    assert data["posts"][0]["course"] == "info-work" and data["posts"][0]["lesson"] == "intro"
    assert [r["post"] for r in data["reported"]] == [thread.posts[0].id + 1]
    assert "Чужой ответ" not in json.dumps(data, ensure_ascii=False)


def test_deleting_an_account_keeps_its_threads_readable_as_a_deleted_participant(
    app, users, make_user
):
    build_world(app, users, make_user)
    peer = client_of(app, "peer")
    ask(peer, "Вопрос, который останется", title="Остаётся")
    thread = last_thread()
    answer(client_of(app, "learner"), thread.id, "Ответ Лены")
    post(peer, f"/questions/posts/{thread.posts[0].id + 1}/report")
    r = post(peer, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PostReport)) == 0
    question = db.session.get(QuestionPost, thread.posts[0].id)
    assert question.author_id is None and question.body == "Вопрос, который останется"
    assert where_found("Пётр Соседов", "peer@") == set()
    page = flat(client_of(app, "learner").get(f"/questions/{thread.id}"))
    assert "удалённый участник" in page and "Вопрос, который останется" in page
    assert "Ответ Лены" in page
    # Answers still reach nobody: the asker is gone, and nothing breaks.
    assert answer(client_of(app, "trainer"), thread.id, "Поздний ответ").status_code == 302


def test_the_retention_purge_detaches_posts_of_inactive_accounts(app, users, make_user, clock):
    from datetime import timedelta

    from training.accounts.models import User

    build_world(app, users, make_user)
    ask(client_of(app, "peer"), "Вопрос давнего участника", title="Давний")
    ask(client_of(app, "learner"), "Вопрос того, кто заходит", title="Свежий")
    stale = last_thread().id - 1
    db.session.execute(
        sa.update(User)
        .where(User.username == "peer")
        .values(last_login_at=clock.now() - timedelta(days=800))
    )
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert "Question and answer posts detached from inactive accounts (dry run): 1." in dry.output
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(QuestionPost.author_id.is_(None))) == 0
    )
    done = runner.invoke(args=["privacy", "purge"])
    assert done.exit_code == 0, done.output
    assert "Question and answer posts detached from inactive accounts: 1." in done.output
    db.session.expire_all()
    posts = {p.thread_id: p.author_id for p in db.session.scalars(sa.select(QuestionPost))}
    assert posts[stale] is None and posts[stale + 1] is not None
    page = flat(client_of(app, "learner").get(f"/questions/{stale}"))
    assert "Вопрос давнего участника" in page and "удалённый участник" in page
