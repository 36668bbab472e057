"""A learner with a certificate downloads all their data, then deletes their account."""

from __future__ import annotations

import io
import json
import zipfile

from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/account/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def earn_certificate(page: Page, base: str) -> str:
    """Complete the short starter course; returns the certificate's code."""
    page.goto(base + "/courses/news-first-steps")
    page.get_by_role("button", name="Enroll and start").click()
    for _ in range(3):  # the starter course has three lessons
        page.locator("main form button.button").first.click()
        if page.get_by_role("link", name="Continue").count():
            page.get_by_role("link", name="Continue").click()
    page.get_by_role("link", name="Certificates").click()
    return page.locator("main code").first.inner_text()


def test_download_my_data_then_delete_my_account(live_server, new_page, shot, tmp_path):
    learner = new_page(locale="en-US")
    log_in(learner, live_server, "learner")
    code = earn_certificate(learner, live_server)

    learner.get_by_role("link", name="My account").click()
    learner.get_by_role("link", name="My data: download or delete").click()
    expect(learner.get_by_role("heading", name="My data")).to_be_visible()
    shot(learner, "my-data")
    with learner.expect_download() as info:
        learner.get_by_role("button", name="Download my data").click()
    download = tmp_path / "my-data.zip"
    info.value.save_as(download)
    with zipfile.ZipFile(io.BytesIO(download.read_bytes())) as archive:
        names = set(archive.namelist())
        assert {
            "profile.json",
            "organization.json",
            "roles.json",
            "enrollments.json",
            "lesson_progress.json",
            "quiz_attempts.json",
            "certificates.json",
            "learning_events.json",
            "audit_events.json",
        } <= names
        profile = json.loads(archive.read("profile.json"))
        assert profile["username"] == "learner" and profile["display_name"] == "Лев Слушатель"
        [certificate] = json.loads(archive.read("certificates.json"))
        assert certificate["code"] == code
        assert archive.read(certificate["pdf"]).startswith(b"%PDF-")
        audit = json.loads(archive.read("audit_events.json"))
        assert [row["action"] for row in audit] == ["account.export"]

    learner.get_by_role("link", name="Delete my account…").click()
    expect(learner.get_by_role("heading", name="Delete my account")).to_be_visible()
    learner.get_by_label("Your password").fill("not-the-password")
    learner.get_by_role("button", name="Delete my account for good").click()
    expect(learner.get_by_text("The password is not correct. Nothing was deleted.")).to_be_visible()
    shot(learner, "wrong-password")
    learner.get_by_label("Your password").fill("demo-password")
    learner.get_by_role("button", name="Delete my account for good").click()
    expect(learner.get_by_text("Your account has been deleted.")).to_be_visible()
    expect(learner.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()
    shot(learner, "deleted")

    stranger = new_page(locale="en-US")
    stranger.goto(f"{live_server}/verify/{code}")
    expect(stranger.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(stranger.get_by_text("holder withheld")).to_be_visible()
    expect(stranger.get_by_text("Л. С.")).to_have_count(0)
    shot(stranger, "verify-holder-withheld")

    # The account is gone: logging in again is refused.
    again = new_page(locale="en-US")
    again.goto(live_server + "/account/login")
    again.get_by_label("Username").fill("learner")
    again.get_by_label("Password").fill("demo-password")
    again.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(again.get_by_text("Wrong username or password.")).to_be_visible()
