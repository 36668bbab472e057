"""The public check page answers 304 while nothing on it changed; revocation, a public-name
change or another language give the page again. Visitors' pages are the same for everyone (no
CSRF token, no session cookie), so each worker keeps the rendered bytes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certificates import services
from certificates.models import Certificate
from tests.conftest import PASSWORD, app_on_own_database, count_queries, login, post
from tests.course_helpers import build_course, course_from_scratch
from tests.gunicorn_helpers import POSTGRES
from training.accounts.models import User
from training.accounts.services import create_user
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def issued(app, login_as, users, make_user):
    """A certificate of "activist" (shown by initials), and the holder's logged-in client."""
    build_course(users["trainer"])
    make_user("activist", display_name="Анна Петровна Иванова")
    holder = app.test_client()
    login(holder, "activist")
    post(holder, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        post(holder, f"/courses/info-work/lessons/{key}/done")
    cert = db.session.scalar(sa.select(Certificate))
    return cert, f"/verify/{services.format_certificate_code(cert.code)}", holder


def revisit(client, url: str, tag: str):
    return client.get(url, headers={"If-None-Match": f'"{tag}"'})


def test_a_repeat_visit_is_answered_304_with_one_statement(app, issued):
    _cert, url, _holder = issued
    visitor = app.test_client()
    first = visitor.get(url)
    assert first.status_code == 200 and "Сертификат действителен" in first.get_data(as_text=True)
    tag, _weak = first.get_etag()
    assert tag and first.headers["Cache-Control"] == "public, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(first.vary)
    with count_queries() as statements:
        again = revisit(visitor, url, tag)
    assert again.status_code == 304 and again.data == b""
    assert again.get_etag() == (tag, False)
    assert len(statements) == 1, "\n".join(statements)  # the certificate, nothing else


def test_revocation_changes_the_page_at_once(app, issued, login_as):
    cert, url, _holder = issued
    visitor = app.test_client()
    tag, _weak = visitor.get(url).get_etag()
    trainer = login_as("trainer")
    post(trainer, f"/certificates/{cert.id}/revoke", {"reason": "Выдан по ошибке"})
    after = revisit(visitor, url, tag)
    assert after.status_code == 200
    page = after.get_data(as_text=True)
    assert "Сертификат отозван" in page and "Выдан по ошибке" in page
    assert after.get_etag()[0] != tag
    post(trainer, f"/certificates/{cert.id}/unrevoke")
    assert "Сертификат действителен" in revisit(visitor, url, after.get_etag()[0]).get_data(
        as_text=True
    )


def test_a_public_name_change_changes_the_page(app, issued):
    cert, url, holder = issued
    visitor = app.test_client()
    tag, _weak = visitor.get(url).get_etag()
    post(holder, f"/certificates/{cert.id}/name", {f"c{cert.id}-mode": "full"})
    after = revisit(visitor, url, tag)
    assert after.status_code == 200 and "Анна Петровна Иванова" in after.get_data(as_text=True)


def test_every_visitor_gets_the_same_page_and_another_language_another(app, issued):
    _cert, url, _holder = issued
    visitor = app.test_client()
    first = visitor.get(url)
    tag, _weak = first.get_etag()
    page = first.get_data(as_text=True)
    # Nothing of this visitor on it: no CSRF token, no cookie set.
    assert "csrf_token" not in page and "Set-Cookie" not in first.headers
    stranger = app.test_client()
    assert revisit(stranger, url, tag).status_code == 304
    assert stranger.get(url).get_data(as_text=True) == page
    visitor.set_cookie("lang", "en")
    english = revisit(visitor, url, tag)
    assert english.status_code == 200 and "Valid certificate" in english.get_data(as_text=True)
    assert english.get_etag()[0] != tag


def test_a_kept_page_is_not_rendered_again_until_it_changes(app, issued, login_as):
    from flask import template_rendered

    cert, url, _holder = issued
    rendered = []

    def seen(_sender, template, **_extra):
        rendered.append(template.name)

    template_rendered.connect(seen, app)
    try:
        for _ in range(3):
            assert app.test_client().get(url).status_code == 200
        assert rendered.count("certificates/verify.html") == 1
        post(login_as("trainer"), f"/certificates/{cert.id}/revoke", {"reason": "Ошибка"})
        rendered.clear()
        assert "Ошибка" in app.test_client().get(url).get_data(as_text=True)
        assert rendered.count("certificates/verify.html") == 1
    finally:
        template_rendered.disconnect(seen, app)


def test_a_visitor_switches_language_by_a_link_that_sets_only_the_cookie(app, issued, users):
    _cert, url, _holder = issued
    visitor = app.test_client()
    page = visitor.get(url).get_data(as_text=True)
    assert 'action="/language/choose"' in page and 'method="get"' in page
    switched = visitor.get("/language/choose", query_string={"lang": "en", "next": url})
    assert switched.status_code == 302 and switched.headers["Location"] == url
    assert "Valid certificate" in visitor.get(url).get_data(as_text=True)
    # Somewhere else, or an unknown language: back home, nothing set.
    away = app.test_client().get(
        "/language/choose", query_string={"lang": "xx", "next": "https://evil.example/"}
    )
    assert away.headers["Location"] == "/" and "Set-Cookie" not in away.headers


def test_the_link_does_not_change_an_accounts_language(app, login_as, users):
    learner = login_as("learner")
    back = learner.get("/language/choose", query_string={"lang": "en", "next": "/"})
    assert back.status_code == 302 and "Set-Cookie" not in back.headers
    db.session.expire_all()
    assert users["learner"].locale != "en"
    page = learner.get("/").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert 'action="/language"' in page and 'method="post"' in page  # the account's form


def test_pages_of_logged_in_people_are_not_tagged(issued):
    _cert, url, holder = issued
    response = holder.get(url)
    assert response.status_code == 200 and response.get_etag() == (None, None)
    assert "Cache-Control" not in response.headers


def test_a_visitors_read_opens_no_transaction_and_sees_a_revocation_at_once(tmp_path, smtp):
    """On an app of its own (the suite's shared connection would hide the pool). PostgreSQL
    reads in autocommit on a pooled connection through SQLAlchemy; SQLite on a pooled DBAPI
    connection, which SQLAlchemy's events do not see (tests/test_db.py checks its values).
    Either way no connection stays out and a revocation shows on the next visit."""
    with app_on_own_database(tmp_path, smtp.port, "check") as app:
        with app.app_context(), app.test_request_context():
            top, _trainer, _course = course_from_scratch()
            create_user("activist", PASSWORD, top)
            db.session.commit()
            db.session.remove()
        holder = app.test_client()
        login(holder, "activist")
        post(holder, "/courses/info-work/enroll")
        for key in ("intro", "plan", "reach"):
            post(holder, f"/courses/info-work/lessons/{key}/done")
        with app.app_context():
            cert = db.session.scalar(sa.select(Certificate))
            url = f"/verify/{services.format_certificate_code(cert.code)}"
            reads = []

            def note(conn, _cursor, statement, *_rest):
                if "FROM certificates" in statement:
                    reads.append(conn.get_execution_options().get("isolation_level"))

            sa.event.listen(db.engine, "before_cursor_execute", note)
        visitor = app.test_client()
        try:
            assert "Сертификат действителен" in visitor.get(url).get_data(as_text=True)
            assert reads == (["AUTOCOMMIT"] if POSTGRES else [])
            with app.app_context():
                assert db.engine.pool.checkedout() == 0
            with app.app_context(), app.test_request_context():
                revoked = db.session.get(Certificate, cert.id)
                services.revoke(revoked, db.session.get(User, revoked.user_id), "Ошибка")
                db.session.commit()
            assert "Сертификат отозван" in visitor.get(url).get_data(as_text=True)
        finally:
            with app.app_context():
                sa.event.remove(db.engine, "before_cursor_execute", note)
