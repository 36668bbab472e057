"""A learner earns a certificate, checks it like a stranger would; an admin revokes it."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from tests.browser.login_helpers import log_in


def test_earn_download_verify_revoke(live_app, live_server, browser, new_page, shot, tmp_path):
    learner = new_page(locale="en-US")
    log_in(learner, live_server, "learner")
    learner.goto(live_server + "/courses/news-first-steps")
    learner.get_by_role("button", name="Enroll and start").click()
    for _ in range(3):  # the starter course has three lessons
        learner.locator("main form button.button").first.click()
        if learner.get_by_role("link", name="Continue").count():
            learner.get_by_role("link", name="Continue").click()
    learner.get_by_role("link", name="Certificates").click()
    expect(learner.get_by_role("heading", name="Профсоюзная новость: первые шаги")).to_be_visible()
    shot(learner, "my-certificates")

    with learner.expect_download() as info:
        learner.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "certificate.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    code = learner.locator("main code").first.inner_text()
    assert "Лев Слушатель" in text and code in text
    assert f"{live_server}/verify/{code}" in text  # the address the QR code opens

    learner.get_by_role("link", name="Digital credential (Open Badges)").click()
    expect(learner.get_by_role("heading", name="Digital credential")).to_be_visible()
    token = learner.get_by_label("Signed credential (JWT)").input_value()
    learner.context.grant_permissions(["clipboard-read", "clipboard-write"])
    learner.get_by_role("button", name="Copy").click()  # shown only because JavaScript runs
    expect(learner.get_by_role("status")).to_have_text("Copied.")
    assert learner.evaluate("navigator.clipboard.readText()") == token
    shot(learner, "credential-page")
    with learner.expect_download() as info:
        learner.get_by_role("link", name="Download the file (.jwt)").click()
    credential = tmp_path / "certificate.jwt"
    info.value.save_as(credential)
    assert credential.read_text().split(".")[0] == token.split(".")[0]  # same key and kid
    without_javascript(browser, live_server, shot)
    runner = live_app.test_cli_runner()
    checked = runner.invoke(args=["certificates", "verify", str(credential)])
    assert checked.exit_code == 0 and "signature: valid" in checked.output, checked.output

    stranger = new_page(locale="en-US")
    stranger.goto(f"{live_server}/verify/{code}")
    expect(stranger.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(stranger.get_by_text("Л. С.")).to_be_visible()  # initials by default
    shot(stranger, "verify-valid")

    admin = new_page(locale="en-US", width=1100, height=800)
    log_in(admin, live_server, "admin")
    admin.goto(live_server + "/author/news-first-steps/certificates")
    admin.locator("tr", has_text=code).get_by_role("link", name="Revoke").click()
    admin.get_by_label("Reason (shown on the verification page)").fill("Выдан по ошибке")
    admin.get_by_role("button", name="Revoke").click()
    expect(admin.get_by_text("Certificate revoked.")).to_be_visible()

    stranger.reload()
    expect(stranger.get_by_role("heading", name="Revoked certificate")).to_be_visible()
    expect(stranger.get_by_text("Выдан по ошибке")).to_be_visible()
    shot(stranger, "verify-revoked")
    status = stranger.request.get(f"{live_server}/verify/{code}/status").json()
    assert status["status"] == "revoked"
    # the signature still holds offline; the status endpoint is what reports revocation
    assert re.search(
        r"status:\s+http", runner.invoke(args=["certificates", "verify", str(credential)]).output
    )


def without_javascript(browser, live_server: str, shot) -> None:
    """The credential page still works with scripts off: plain selectable text, no dead button."""
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, "learner")
        page.goto(live_server + "/certificates/")
        page.get_by_role("link", name="Digital credential (Open Badges)").click()
        field = page.get_by_label("Signed credential (JWT)")
        expect(field).to_have_attribute("readonly", "")
        assert field.input_value().count(".") == 2
        expect(page.get_by_role("button", name="Copy")).to_be_hidden()
        expect(page.get_by_text("The signature is like a seal")).to_be_visible()
        shot(page, "credential-no-js")
    finally:
        context.close()
