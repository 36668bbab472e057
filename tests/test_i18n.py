"""Russian first, English second: complete catalogs and a language switch that sticks."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from scripts.i18n import extract_template
from tests.conftest import post
from training.accounts.models import User
from training.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def extracted_ids(tmp_path: Path) -> set[str]:
    """Every translatable message in the source right now (not the committed template)."""
    pot = tmp_path / "fresh.pot"
    extract_template(pot)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def translations(lang: str) -> dict[str, tuple[str, ...]]:
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    result = {}
    for m in catalog:
        if not m.id or "fuzzy" in m.flags:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        result[key] = m.string if isinstance(m.string, tuple) else (m.string,)
    return result


def test_every_message_has_a_russian_and_an_english_translation(tmp_path):
    ids = extracted_ids(tmp_path)
    assert len(ids) > 100
    for lang in ("ru", "en"):
        catalog = translations(lang)
        missing = sorted(i for i in ids if not all(catalog.get(i, ("",))))
        assert not missing, f"{lang}: run `make messages` and translate: {missing}"


def test_russian_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Войти" in page


def test_browser_language_is_honoured_without_a_choice(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    page = client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_switching_language_sticks_and_returns_to_the_page(client):
    r = post(client, "/language", {"lang": "en", "next": "/account/login"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/account/login"
    page = client.get("/account/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # and on other pages
    post(client, "/language", {"lang": "ru"})
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    r = post(client, "/language", {"lang": "xx", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_logged_in_users_choice_is_saved_on_the_account(app, login_as, users):
    client = login_as("learner")
    post(client, "/language", {"lang": "en"})
    db.session.expire_all()
    assert db.session.get(User, users["learner"].id).locale == "en"
    # a new device without the cookie gets the saved language after login
    from tests.conftest import login

    other = app.test_client()
    login(other, "learner")
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_form_errors_are_in_the_visitors_language(client, org_tree):
    data = {"username": "", "password": "", "confirm": ""}
    page = post(client, "/account/register", data).get_data(as_text=True)
    assert "Это обязательное поле." in page
    client.set_cookie("lang", "en")
    page = post(client, "/account/register", data).get_data(as_text=True)
    assert "This field is required." in page
