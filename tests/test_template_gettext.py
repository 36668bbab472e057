"""Templates translate through the page's own catalog, looked up once per render, and still
follow force_locale (a notification rendered in its reader's language mid-request)."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from training import i18n

PAGE = """{% from "macros.html" import pager %}{{ _("Log in") }}|{{ gettext("Log out") }}|
{{- ngettext("%(num)d question", "%(num)d questions", 5) }}|{{ _("Pass mark: %(n)d%%", n=70) }}|
{%- trans %}Courses{% endtrans %}"""


def test_a_page_translates_with_one_catalog_lookup(app, monkeypatch):
    lookups = []
    real = i18n.get_translations
    monkeypatch.setattr(i18n, "get_translations", lambda: lookups.append(1) or real())
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        html = render_template_string(PAGE)
        assert html == "Войти|Выйти|5 вопросов|Проходной балл: 70%|Курсы"
        assert len(lookups) == 1  # five strings, one lookup
        with force_locale("en"):
            assert render_template_string(PAGE) == (
                "Log in|Log out|5 questions|Pass mark: 70%|Courses"
            )
        assert render_template_string(PAGE).startswith("Войти|")


def test_strings_in_macros_imported_without_the_page_context_are_translated(app):
    macro = '{% macro greet() %}{{ _("Log in") }}{% endmacro %}'
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        module = app.jinja_env.from_string(macro).module  # no page context: Flask-Babel's way
        assert str(module.greet()) == "Войти"
        with force_locale("en"):
            assert str(module.greet()) == "Log in"
