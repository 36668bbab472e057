"""The one pager: counted admin lists and the key-continued learner list share its links."""

from __future__ import annotations

import re

import training.admin.views
from training.paging import Pager, continued_pager

PAGER = re.compile(r'<nav class="pager"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( rel="next")?>([^<]+)</a>')


def pager_of(html: str) -> tuple[list[tuple[str, str]], str | None]:
    """The pager's links (text, href) and its position text, as a reader sees them."""
    found = PAGER.search(html)
    if found is None:
        return [], None
    links = [
        (text.strip(), href.replace("&amp;", "&")) for href, _rel, text in LINK.findall(found[1])
    ]
    position = re.search(r"<span>([^<]+)</span>", found[1])
    return links, position[1] if position else None


def test_the_users_list_pages_through_everyone_keeping_the_search(login_as, monkeypatch):
    client = login_as("admin")
    client.set_cookie("lang", "en")
    monkeypatch.setattr(training.admin.views, "PAGE_SIZE", 3)
    html = client.get("/admin/users?q=r").get_data(as_text=True)  # learner, trainer, organizer
    assert pager_of(html) == ([], None)  # one page: no pager
    monkeypatch.setattr(training.admin.views, "PAGE_SIZE", 1)
    links, position = pager_of(client.get("/admin/users?q=r").get_data(as_text=True))
    assert position == "Page 1 of 3"
    assert links == [("Next →", "/admin/users?q=r&role=&page=2")]
    links, position = pager_of(client.get("/admin/users?q=r&page=2").get_data(as_text=True))
    assert position == "Page 2 of 3"
    assert links == [
        ("← Previous", "/admin/users?q=r&role=&page=1"),
        ("Next →", "/admin/users?q=r&role=&page=3"),
    ]
    links, position = pager_of(client.get("/admin/users?q=r&page=3").get_data(as_text=True))
    assert (links, position) == ([("← Previous", "/admin/users?q=r&role=&page=2")], "Page 3 of 3")


def test_a_continued_list_offers_the_first_page_and_the_next(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):

        def url(key: str | None) -> str:
            return f"/list?after={key}" if key else "/list"

        assert continued_pager(None, "bob", url) == Pager(None, "First page", "/list?after=bob")
        assert continued_pager("bob", "eve", url) == Pager("/list", "First page", "/list?after=eve")
        last = continued_pager("eve", None, url)
        assert last == Pager("/list", "First page", None) and last.shown
        assert not continued_pager(None, None, url).shown
