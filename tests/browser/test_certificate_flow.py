"""A learner earns a certificate, checks it like a stranger would; an admin revokes it."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from tests.browser.login_helpers import log_in


def test_earn_download_verify_revoke(live_app, live_server, new_page, shot, tmp_path):
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

    with learner.expect_download() as info:
        learner.get_by_role("link", name="Digital credential (Open Badges)").click()
    credential = tmp_path / "certificate.jwt"
    info.value.save_as(credential)
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
