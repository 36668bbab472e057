"""Questions under lessons against hostile input: the XSS vector list in questions and answers,
flooding (per-account rate limit: 429 and nothing saved)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import post
from tests.question_helpers import (
    ASK,
    LESSON,
    answer,
    ask,
    build_world,
    client_of,
    last_thread,
    snapshot,
)
from tests.test_markdown import XSS_VECTORS, assert_safe_html

PROSE_RE = re.compile(r'<div class="prose">(.*?)</div>\s*<div class="post__actions">', re.S)
TITLE_RE = re.compile(r"<h1>(.*?)</h1>", re.S)
LIST_RE = re.compile(r'<ul class="question-list">(.*?)</ul>\s*(?:<details|$)', re.S)


@pytest.fixture
def world(app, users, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTION_POST_LIMIT", "10000 per minute")
    return build_world(app, users, make_user)


def assert_page_safe(page: str, vector: str) -> None:
    """Rendered posts carry no active markup, and the raw vector is nowhere in the page."""
    bodies = PROSE_RE.findall(page)
    assert bodies, "no post on the page"
    for body in bodies:
        assert_safe_html(body)
    if "<" in vector:
        assert vector not in page, vector  # titles, excerpts and names are escaped


def test_every_vector_in_a_question_title_and_body_is_harmless(app, world):
    asker = client_of(app, "learner")
    peer = client_of(app, "peer")
    for vector in XSS_VECTORS:
        r = ask(asker, f"Вопрос: {vector}", title=vector[:200])
        assert r.status_code == 302, vector
        page = peer.get(f"/questions/{last_thread().id}").get_data(as_text=True)
        assert_page_safe(page, vector)
        assert "<script" not in TITLE_RE.search(page).group(1).lower()
    lesson = peer.get(LESSON).get_data(as_text=True)
    assert lesson.lower().count("<script") == lesson.lower().count('<script src="/static/')
    for vector in XSS_VECTORS:
        if "<" in vector:
            assert vector not in lesson, vector


def test_every_vector_in_an_answer_is_harmless(app, world):
    ask(client_of(app, "learner"), title="Безопасность")
    thread = last_thread()
    peer = client_of(app, "peer")
    for vector in XSS_VECTORS:
        assert answer(peer, thread.id, f"Ответ {vector} конец").status_code == 302, vector
    page = client_of(app, "trainer").get(f"/questions/{thread.id}").get_data(as_text=True)
    assert len(PROSE_RE.findall(page)) == len(XSS_VECTORS) + 1
    for vector in XSS_VECTORS:
        assert_page_safe(page, vector)


def test_flooding_is_refused_per_account_with_429_and_nothing_saved(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTION_POST_LIMIT", "3 per minute")
    asker = client_of(app, "learner")
    for n in range(2):
        assert ask(asker, f"Вопрос {n}").status_code == 302
    thread = last_thread()
    assert answer(asker, thread.id, "Третье сообщение").status_code == 302
    before = snapshot()
    r = ask(asker, "Четвёртый вопрос")
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert answer(asker, thread.id, "И ответ туда же").status_code == 429
    assert post(asker, f"/questions/posts/{thread.posts[0].id}/report").status_code == 429
    assert snapshot() == before
    # Reading is not posting, and another account has its own budget.
    assert asker.get(f"/questions/{thread.id}").status_code == 200
    assert asker.get(ASK).status_code == 200
    assert answer(client_of(app, "peer"), thread.id, "Ответ соседа").status_code == 302
