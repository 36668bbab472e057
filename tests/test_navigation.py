"""The site header: each role sees the same links, labels and order as before the nav hook."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _HeaderMenu(HTMLParser):
    """Collects the main menu's entries as (label, href or "button")."""

    def __init__(self) -> None:
        super().__init__()
        self.in_nav = False
        self.current: list[str] | None = None
        self.href = ""
        self.entries: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "nav" and "site-nav" in (attributes.get("class") or ""):
            self.in_nav = True
        elif self.in_nav and tag in ("a", "button"):
            self.current = []
            self.href = attributes.get("href") or "button"

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_nav = False
        elif self.current is not None and tag in ("a", "button"):
            self.entries.append((" ".join("".join(self.current).split()), self.href))
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def header_menu(html: str) -> list[tuple[str, str]]:
    parser = _HeaderMenu()
    parser.feed(html)
    return parser.entries


SIGNED_IN_END = [
    ("Certificates", "/certificates/"),
    ("My account", "/account/"),
    ("Notifications", "/notifications/"),
    ("Log out", "button"),
]

MENUS = {
    "learner": [("Courses", "/courses/"), *SIGNED_IN_END],
    "trainer": [
        ("Courses", "/courses/"),
        ("Authoring", "/author/"),
        ("My cohorts", "/cohorts/"),
        ("Unanswered questions", "/questions/unanswered"),
        *SIGNED_IN_END,
    ],
    "organizer": [
        ("Courses", "/courses/"),
        ("Organizations", "/organizations/"),
        ("People", "/people/"),
        ("Statistics", "/stats/"),
        *SIGNED_IN_END,
    ],
    "admin": [
        ("Courses", "/courses/"),
        ("Authoring", "/author/"),
        ("My cohorts", "/cohorts/"),
        ("Unanswered questions", "/questions/unanswered"),
        ("Organizations", "/organizations/"),
        ("People", "/people/"),
        ("Statistics", "/stats/"),
        ("Users", "/admin/users"),
        *SIGNED_IN_END,
    ],
}


def test_a_visitor_sees_the_catalog_and_the_way_in(client):
    client.set_cookie("lang", "en")
    menu = header_menu(client.get("/").get_data(as_text=True))
    assert menu == [
        ("Courses", "/courses/"),
        ("Log in", "/account/login"),
        ("Register", "/account/register"),
    ]


def test_a_visitor_finds_the_certificate_check_from_any_page(client):
    """An employer handed a printed code starts on the home page: the footer leads to the form."""
    home = client.get("/").get_data(as_text=True)
    footer = home[home.index('<footer class="site-footer">') :]
    assert '<a href="/verify">Проверка сертификата</a>' in footer
    form = client.get("/verify").get_data(as_text=True)
    assert "Код сертификата" in form and "Проверка сертификата" in form


@pytest.mark.parametrize("role", sorted(MENUS))
def test_each_role_sees_its_links_in_order(login_as, client, role):
    login_as(role)
    client.set_cookie("lang", "en")
    assert header_menu(client.get("/").get_data(as_text=True)) == MENUS[role]


def test_the_labels_are_translated_for_each_request(login_as, client):
    login_as("admin")
    client.set_cookie("lang", "en")
    assert header_menu(client.get("/").get_data(as_text=True))[0] == ("Courses", "/courses/")
    client.set_cookie("lang", "ru")
    labels = [label for label, _ in header_menu(client.get("/").get_data(as_text=True))]
    assert labels == [
        "Курсы",
        "Создание курсов",
        "Мои группы",
        "Вопросы без ответа",
        "Организации",
        "Люди",
        "Статистика",
        "Пользователи",
        "Сертификаты",
        "Личный кабинет",
        "Уведомления",
        "Выйти",
    ]
