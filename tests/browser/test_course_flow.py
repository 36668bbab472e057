"""A trainer writes and publishes a course; a learner studies it across two revisions."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.login_helpers import log_in


def png_file(folder: Path) -> Path:
    """A real 2×2 PNG to upload as a lesson image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    raw = b"".join(b"\x00" + b"\xa3\x16\x1c" * 2 for _ in range(2))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
    body += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path = folder / "scheme.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def add_lesson(page: Page, module_title: str, title: str, body: str) -> None:
    module = page.locator("section.module-block", has_text=module_title)
    module.get_by_role("link", name="Add a lesson").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text (Markdown)").fill(body)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Lesson saved in the draft.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Информационная работа в первичке")).click()


def test_author_publish_study_continue_and_survive_a_new_revision(
    live_server, new_page, shot, tmp_path
):
    trainer = new_page(locale="en-US", width=1100, height=900)
    log_in(trainer, live_server, "trainer")
    trainer.get_by_role("link", name="Authoring").click()
    trainer.get_by_role("link", name="New course").click()
    trainer.get_by_label("Address name").fill("pervichka")
    trainer.get_by_label("Title").fill("Информационная работа в первичке")
    trainer.get_by_label("Short description").fill("Коротко о главном для профорга.")
    trainer.get_by_label("Topics").fill("информационная работа, новости")
    trainer.get_by_role("button", name="Save").click()

    for title in ("Зачем это нужно", "Как измерять"):
        trainer.get_by_label("Title").fill(title)
        trainer.get_by_role("button", name="Add a module").click()

    trainer.get_by_role("link", name="Files").click()
    trainer.get_by_label("File").set_input_files(str(png_file(tmp_path)))
    trainer.get_by_role("button", name="Upload").click()
    expect(trainer.get_by_text("media/scheme.png").first).to_be_visible()
    trainer.get_by_role("link", name=re.compile("Информационная работа в первичке")).click()

    add_lesson(
        trainer,
        "Зачем это нужно",
        "Кому нужна информация",
        "Члены профсоюза хотят знать, что сделано.\n\n"
        "| Канал | Охват |\n|:--|--:|\n| Стенд | 40 |\n| Чат | 120 |\n",
    )
    add_lesson(
        trainer,
        "Зачем это нужно",
        "Схема работы",
        "![Схема информационной работы](media/scheme.png)\n\nОтветственный один[^1].\n\n"
        "[^1]: Но помощников может быть несколько.",
    )
    add_lesson(trainer, "Как измерять", "Охват и отклик", "Считайте **охват** каждый месяц.")
    shot(trainer, "author-outline")

    trainer.locator("li", has_text="Схема работы").get_by_role("link", name="Preview").click()
    expect(trainer.locator(".prose img")).to_have_attribute("alt", "Схема информационной работы")
    expect(trainer.locator(".prose .footnotes")).to_be_visible()
    shot(trainer, "author-preview")
    trainer.get_by_role("link", name="Back to editing").click()
    trainer.get_by_role("link", name="Publish").click()
    trainer.get_by_label("What changed (optional)").fill("Первая версия")
    trainer.get_by_role("button", name="Publish").click()
    expect(trainer.get_by_text("Published as revision 1.")).to_be_visible()

    learner = new_page(locale="en-US")
    log_in(learner, live_server, "learner")
    learner.goto(live_server + "/courses/")
    learner.get_by_role("link", name="Информационная работа в первичке").click()
    learner.get_by_role("button", name="Enroll and start").click()
    expect(learner.get_by_role("heading", name="Кому нужна информация")).to_be_visible()
    expect(learner.locator(".prose table td.align-right").first).to_have_text("40")
    shot(learner, "learner-lesson-1")
    learner.get_by_role("button", name="Done — next lesson").click()
    expect(learner.get_by_role("heading", name="Схема работы")).to_be_visible()
    image = learner.locator(".prose img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 2  # the uploaded file really loads
    shot(learner, "learner-lesson-2")

    # leaves for the home page and comes back with Continue
    learner.goto(live_server + "/")
    expect(learner.get_by_text("1 of 3 steps done")).to_be_visible()
    shot(learner, "learner-home")
    learner.get_by_role("link", name="Continue").first.click()
    expect(learner.get_by_role("heading", name="Схема работы")).to_be_visible()
    learner.get_by_role("button", name="Done — end of the module").click()
    expect(
        learner.get_by_role("heading", name=re.compile("Module “Зачем это нужно”"))
    ).to_be_visible()
    shot(learner, "learner-module-done")

    # the trainer rewrites the course: one lesson goes, one arrives; revision 2
    trainer.goto(live_server + "/author/pervichka")
    trainer.locator("li", has_text="Кому нужна информация").get_by_role(
        "link", name="Delete"
    ).click()
    trainer.get_by_role("button", name="Delete").click()
    add_lesson(trainer, "Как измерять", "Отклик", "Считайте комментарии и вопросы.")
    trainer.get_by_role("link", name="Publish").click()
    trainer.get_by_role("button", name="Publish").click()
    expect(trainer.get_by_text("Published as revision 2.")).to_be_visible()

    learner.goto(live_server + "/courses/pervichka")
    expect(learner.get_by_text("1 of 3 steps done")).to_be_visible()  # "Схема работы" kept
    learner.get_by_role("link", name="Continue").click()
    expect(learner.get_by_role("heading", name="Охват и отклик")).to_be_visible()
    shot(learner, "learner-after-revision-2")
