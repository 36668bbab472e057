"""Logging demo accounts in through the browser, two-factor step included.

Staff accounts must enrol at their first login: the helper reads the key the enrolment page
shows (as a person would type it into an app; nothing is scanned), computes the code with
pyotp and keeps the key and the recovery codes for later logins on the same live server.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password"


class Enrolment:
    """What a person keeps after enrolling: the key, the recovery codes, the last code used."""

    def __init__(self, secret: str, recovery_codes: list[str]) -> None:
        self.secret = secret
        self.recovery_codes = recovery_codes
        self.last_step: int | None = None

    def next_code(self) -> str:
        """A code the server accepts now: this step's, unless used already (then a recovery
        code, rather than waiting up to 30 seconds for the next step)."""
        totp = pyotp.TOTP(self.secret)
        step = totp.timecode(datetime.now(UTC))
        if self.last_step is None or step > self.last_step:
            self.last_step = step
            return totp.generate_otp(step)
        return self.recovery_codes.pop()


#: Enrolments by (server address, username): each browser-test module has its own server.
ENROLMENTS: dict[tuple[str, str], Enrolment] = {}


def enrol(page: Page, base: str, username: str) -> Enrolment:
    """On the enrolment page: read the key, enter its current code, keep the recovery codes."""
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    enrolment = Enrolment(secret, codes)
    enrolment.last_step = totp.timecode(datetime.now(UTC))
    ENROLMENTS[(base, username)] = enrolment
    return enrolment


def log_in(page: Page, base: str, username: str) -> None:
    """Log in with the demo password (English pages), then the code, enrolling if asked."""
    page.goto(base + "/account/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    if re.search(r"/account/two-factor/setup$", page.url):
        enrol(page, base, username)
        page.get_by_role("link", name="I have saved them, continue").click()
    elif re.search(r"/account/login/code$", page.url):
        page.get_by_label("Code").fill(ENROLMENTS[(base, username)].next_code())
        page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
