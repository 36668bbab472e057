"""On a phone, the stylesheet is fetched once: the next pages take it from the browser's cache
without asking the server again (versioned address, kept a year)."""

from __future__ import annotations

import re

from flask import Flask, request_started
from playwright.sync_api import Page, expect


def test_a_visitor_browsing_four_pages_fetches_the_stylesheet_once(
    page: Page, live_app: Flask, live_server: str, shot
) -> None:
    asked: list[str] = []

    def note(sender: Flask, **_extra: object) -> None:
        from flask import request

        if request.path.startswith("/static/"):
            asked.append(request.full_path)

    request_started.connect(note, live_app)
    try:
        page.goto(live_server + "/")
        shot(page, "home")
        page.get_by_role("banner").get_by_role("link", name="Курсы").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Курсы")
        page.get_by_role("link", name=re.compile("Информационная работа")).first.click()
        shot(page, "course")
        page.go_back()
        page.get_by_role("banner").get_by_role("link", name="Профсоюзная школа").click()
        shot(page, "home-again")
    finally:
        request_started.disconnect(note, live_app)
    sheets = [a for a in asked if a.startswith("/static/css/app.css")]
    assert len(sheets) == 1 and re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", sheets[0])
    # The cached sheet still styles the page: the layout's header is laid out by it.
    assert page.locator("header").evaluate("e => getComputedStyle(e).display") != "inline"
