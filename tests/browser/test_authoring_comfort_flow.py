"""A trainer on a phone (360 px) and a desktop (1366 px): the course address fills itself from
the title, and an image uploaded from the lesson editor lands in the text at the cursor."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from courses.models import Course, CourseMedia, Lesson
from tests.browser.login_helpers import log_in
from tests.test_course_media import tiny_png
from training.extensions import db


@pytest.mark.parametrize(("width", "height"), [(360, 780), (1366, 768)])
def test_slug_fill_and_image_insert(
    live_app: Flask, live_server, new_page, shot, tmp_path, width, height
):
    page = new_page(locale="en-US", width=width, height=height)
    log_in(page, live_server, "trainer")

    page.goto(f"{live_server}/author/new")
    title, slug = page.locator("#title"), page.locator("#slug")
    title.press_sequentially(f"Профсоюзная новость: {width}")
    expect(slug).to_have_value(f"profsoiuznaia-novost-{width}")
    shot(page, "slug-follows-title")
    slug.fill(f"my-news-{width}")  # the trainer's own address wins…
    title.press("End")
    title.press_sequentially(" и фото")
    expect(slug).to_have_value(f"my-news-{width}")
    slug.fill("")  # …until they empty the field again
    title.press("End")
    title.press_sequentially("!")
    expect(slug).to_have_value(f"profsoiuznaia-novost-{width}-i-foto")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server}/author/profsoiuznaia-novost-{width}-i-foto")

    page.locator("#title").fill("Первый модуль")
    page.get_by_role("button", name="Add a module").click()
    page.get_by_role("link", name="Add a lesson").click()
    page.locator("#title").fill("Фото в новости")
    body = page.locator("#body")
    body.fill("Первый абзац.\n\nВторой абзац.")
    body.evaluate("el => el.setSelectionRange(13, 13)")  # the cursor after the first paragraph
    insert = page.get_by_role("button", name="Insert an image or a file")
    expect(insert).to_be_visible()  # shown by the script; hidden without it
    picture = tmp_path / "Схема охвата.png"
    picture.write_bytes(tiny_png())
    page.locator("#media-insert input[type=file]").set_input_files(str(picture))
    expect(page.locator("#media-insert [role=status]")).to_contain_text(
        "Inserted skhema-okhvata.png."
    )
    expected = "Первый абзац.\n\n![](media/skhema-okhvata.png)\n\nВторой абзац."
    expect(body).to_have_value(expected)
    # the cursor waits between the brackets for the description
    assert body.evaluate("el => el.selectionStart") == len("Первый абзац.\n\n![")
    page.keyboard.type("Схема")
    shot(page, "image-inserted")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".alert--success")).to_be_visible()
    page.goto(f"{live_server}/author/profsoiuznaia-novost-{width}-i-foto")
    expect(page.locator("a.danger-link").first).to_be_visible()
    shot(page, "course-tools")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with live_app.app_context():
        course = db.session.scalar(
            sa.select(Course).where(Course.slug == f"profsoiuznaia-novost-{width}-i-foto")
        )
        lesson = db.session.scalar(sa.select(Lesson).where(Lesson.course_id == course.id))
        # (browsers send a textarea's line ends as CRLF)
        assert (
            lesson.body.replace("\r\n", "\n")
            == "Первый абзац.\n\n![Схема](media/skhema-okhvata.png)\n\nВторой абзац."
        )
        names = db.session.scalars(
            sa.select(CourseMedia.filename).where(CourseMedia.course_id == course.id)
        )
        assert list(names) == ["skhema-okhvata.png"]
    page.goto(f"{live_server}/author/{course.slug}/preview/{lesson.key}")
    expect(page.locator(".prose img[alt='Схема']")).to_be_visible()
    shot(page, "preview")
