"""An organizer is made to enrol two-factor at the first login, then logs in with codes and
manages their sessions."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from playwright.sync_api import Page, expect


def password_step(page: Page, base: str) -> None:
    page.goto(base + "/account/login")
    page.get_by_label("Username").fill("organizer")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_organizer_enrols_logs_in_with_codes_and_ends_sessions(live_server, new_page, shot, clock):
    page = new_page(locale="en-US", width=1000, height=900)
    password_step(page, live_server)
    # Straight to enrolment; no other page opens until it is done.
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_text("Your role on the platform requires")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    shot(page, "enrolment")
    page.goto(live_server + "/organizations/")
    expect(page).to_have_url(live_server + "/account/two-factor/setup?next=/organizations/")

    # The key is read from the page, as a person types it into an app (nothing is scanned).
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("This code is not correct.")).to_be_visible()
    first_code = totp.now()
    page.get_by_label("Code from the app").fill(first_code)
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    recovery_codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(recovery_codes) == 10
    shot(page, "recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    page.get_by_role("link", name="Organizations").click()
    expect(page.get_by_role("heading", name="Organizations")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()

    # Again: the password alone is not enough, and the code already used is refused.
    password_step(page, live_server)
    expect(page.get_by_role("heading", name="Enter the code")).to_be_visible()
    enter_code(page, first_code)
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    shot(page, "code-refused")
    # A fresh code: the next 30-second step's, the platform's clock moved on to it.
    clock.advance(timedelta(seconds=totp.interval))
    enter_code(page, totp.at(clock.now()))
    expect(page.get_by_role("link", name="My account")).to_be_visible()

    # A second browser logs in with a recovery code (each works once).
    other = new_page(locale="en-US")
    password_step(other, live_server)
    enter_code(other, recovery_codes[0])
    expect(other.get_by_text("You used a recovery code; 9 are left.")).to_be_visible()
    shot(other, "recovery-code-used")

    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Active sessions").click()
    expect(page.get_by_role("heading", name="Active sessions")).to_be_visible()
    rows = page.locator("table.sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("this device")).to_have_count(1)
    expect(rows.first).to_contain_text("Chrome on Linux")
    shot(page, "sessions")
    page.get_by_role("button", name="Log out all other sessions").click()
    expect(page.get_by_text("1 session ended")).to_be_visible()
    expect(rows).to_have_count(1)
    shot(page, "sessions-after")

    other.goto(live_server + "/account/")
    expect(other.get_by_role("heading", name="Log in")).to_be_visible()  # sent to log in again
