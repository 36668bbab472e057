"""The catalog's course map on a 360×780 phone and a desktop, in Russian and English: the
recommended order, one line per course, nothing wider than the phone."""

from __future__ import annotations

from playwright.sync_api import expect

RUSSIAN_ORDER = [
    "info-work-basics",
    "news-first-steps",
    "digital-tools",
    "social-communities",
    "correspondents",
    "membership-motivation",
    "open-report",
]


def map_links(page) -> list[str]:
    """The course slugs the map links to, in the order shown."""
    hrefs = page.locator(".course-map a").evaluate_all("links => links.map(a => a.pathname)")
    return [href.removeprefix("/courses/") for href in hrefs]


def test_the_course_map_reads_on_a_phone_and_a_desktop(live_server, new_page, shot):
    phone = new_page(width=360, height=780)
    phone.goto(f"{live_server}/courses/")
    expect(
        phone.get_by_role("heading", name="С чего начать: рекомендуемый порядок курсов")
    ).to_be_visible()
    assert map_links(phone) == RUSSIAN_ORDER
    expect(phone.locator(".course-map")).to_contain_text("Начните здесь: цели, роли")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "course-map-phone-ru")
    phone.get_by_role(
        "link", name="Открытый (публичный) отчёт выборного профсоюзного органа"
    ).first.click()
    expect(phone).to_have_url(f"{live_server}/courses/open-report")

    desktop = new_page(width=1366, height=768)
    desktop.goto(f"{live_server}/courses/")
    assert map_links(desktop) == RUSSIAN_ORDER
    shot(desktop, "course-map-desktop-ru")

    english = new_page(locale="en-US", width=360, height=780)
    english.goto(f"{live_server}/courses/?lang=en")
    expect(
        english.get_by_role("heading", name="Where to start: the recommended order")
    ).to_be_visible()
    assert map_links(english) == ["info-work-basics-en"]
    assert english.evaluate("document.documentElement.scrollWidth") <= 360
    shot(english, "course-map-phone-en")
