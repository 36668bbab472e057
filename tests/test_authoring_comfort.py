"""Authoring comfort: the course address made from the title, images from the lesson editor,
choosing several questions at once with a preview, a readable history diff, item analysis
explained, and destructive actions that look destructive."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from courses.keys import _TRANSLIT, slugify
from courses.models import Course
from tests.conftest import post
from tests.course_helpers import build_course
from training.extensions import db
from training.security import CONTENT_SECURITY_POLICY


def new_course(client, title: str, slug: str = ""):
    return post(
        client,
        "/author/new",
        {"slug": slug, "title": title, "language": "ru", "duration": "30"},
    )


def slugs() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Course.slug).order_by(Course.id)))


# ---- 1. the course address from the title ----------------------------------------------------


def test_an_empty_address_is_made_from_the_title_and_kept_unique(login_as, users):
    client = login_as("trainer")
    r = new_course(client, "Профсоюзная новость: первые шаги")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/author/profsoiuznaia-novost-pervye-shagi")
    assert new_course(client, "Профсоюзная  новость — первые шаги!").status_code == 302
    assert slugs() == ["profsoiuznaia-novost-pervye-shagi", "profsoiuznaia-novost-pervye-shagi-2"]
    # a typed address is used as it is, and a taken typed one is refused, not renamed
    assert new_course(client, "Другое", slug="moi-kurs").status_code == 302
    r = new_course(client, "Ещё", slug="moi-kurs")
    assert r.status_code == 422
    assert "Курс с таким адресом уже существует." in r.get_data(as_text=True)
    assert slugs()[-1] == "moi-kurs" and len(slugs()) == 3


def test_a_title_without_letters_asks_for_an_address_and_creates_nothing(login_as, users):
    client = login_as("trainer")
    for title in ("!!!", "«»", "Ъ"):
        r = new_course(client, title)
        assert r.status_code == 422, title
        page = r.get_data(as_text=True)
        assert 'id="slug-error"' in page and "Введите адрес латинскими буквами" in page
    assert slugs() == []


def test_the_form_carries_the_servers_transliteration_for_its_script(login_as, users, client):
    trainer = login_as("trainer")
    page = trainer.get("/author/new").get_data(as_text=True)
    script = re.search(r'<script src="(/static/js/slug\.js)" defer></script>', page)
    assert script is not None
    field = re.search(r'<input[^>]*id="slug"[^>]*>', page).group(0)
    assert 'data-slug-from="title"' in field and 'data-slug-max="60"' in field
    table = json.loads(
        re.search(r"data-translit=\"([^\"]*)\"", field).group(1).replace("&#34;", '"')
    )
    assert table == _TRANSLIT
    # the title comes first, so the address follows it in reading order
    assert page.index('id="title"') < page.index('id="slug"')
    # a same-origin file: the Content-Security-Policy (script-src 'self') lets it run
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    with client.get(script.group(1)) as js:
        assert js.status_code == 200 and "javascript" in js.mimetype
        assert "data-translit" in js.get_data(as_text=True)
    # the edit page of an existing course shows the fixed address and no script
    build_course(users["trainer"])
    edit = trainer.get("/author/info-work/edit").get_data(as_text=True)
    assert "slug.js" not in edit and "/courses/info-work" in edit


def test_slugify_matches_the_rule_the_script_follows():
    assert slugify("Щука и ёж: 2026!", 60) == "shchuka-i-ezh-2026"
    assert slugify("  --Объём--  ", 60) == "obem"
    assert len(slugify("Очень " * 30, 60)) <= 60
