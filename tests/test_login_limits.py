"""Login limits slow attackers without locking the owner out: per (account, address) limits,
a growing per-account delay for unknown devices, and a known-device cookie that keeps its own
allowance (README, "Login limits")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, login, post
from training.db import clock as platform_clock


class FrozenClock:
    """The platform's clock held still, moved only by the test: a 1-second wait must not end
    by itself between two requests on a slow machine."""

    def __init__(self) -> None:
        self.moment = platform_clock.now()

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    frozen = FrozenClock()
    monkeypatch.setattr(platform_clock, "now", lambda: frozen.moment)
    yield frozen


WRONG = "not-the-password-1"


def attempt(client, password: str = WRONG, ip: str = "203.0.113.1", username: str = "learner"):
    return post(
        client,
        "/account/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_after_the_free_failures_each_try_waits_a_growing_delay(app, client, users, clock):
    free = app.config["LOGIN_DELAY_FREE_FAILURES"]
    for n in range(free + 1):  # from many addresses, as a spread-out guesser would
        assert attempt(client, ip=f"198.51.100.{n}").status_code == 422
    r = attempt(client, ip="198.51.100.200")
    assert r.status_code == 429 and "Подождите 1 секунду" in r.get_data(as_text=True)
    # Even the right password is not checked during the wait (it would tell nothing).
    assert attempt(client, PASSWORD, ip="198.51.100.201").status_code == 429
    clock.advance(timedelta(seconds=2))
    assert attempt(client, ip="198.51.100.202").status_code == 422  # failure number free + 2
    r = attempt(client, ip="198.51.100.203")
    assert r.status_code == 429 and "Подождите 2 секунды" in r.get_data(as_text=True)
    clock.advance(timedelta(seconds=3))
    assert attempt(client, PASSWORD, ip="198.51.100.204").status_code == 302
    post(client, "/account/logout")
    # A right password starts the count again.
    assert attempt(client, ip="198.51.100.205").status_code == 422
    assert attempt(client, PASSWORD, ip="198.51.100.206").status_code == 302


def test_the_delay_has_a_ceiling(app, client, users, clock):
    for n in range(app.config["LOGIN_DELAY_FREE_FAILURES"] + 12):
        clock.advance(timedelta(seconds=app.config["LOGIN_DELAY_MAX_SECONDS"] + 1))
        assert attempt(client, ip=f"198.51.100.{n}").status_code == 422
    r = attempt(client, ip="198.51.100.250")
    assert f"Подождите {app.config['LOGIN_DELAY_MAX_SECONDS']} секунд" in r.get_data(as_text=True)


def test_the_owners_known_device_gets_in_during_an_attack(app, client, users):
    login(client, "learner")  # the owner's phone: it now carries the known-device cookie
    post(client, "/account/logout")
    attacker = app.test_client()
    for n in range(app.config["LOGIN_DELAY_FREE_FAILURES"] + 3):
        attempt(attacker, ip=f"198.51.100.{n}")
    assert attempt(attacker, PASSWORD).status_code == 429  # strangers wait
    assert attempt(client, PASSWORD, ip="198.51.100.1").status_code == 302  # the owner does not


def test_a_forged_or_other_accounts_device_cookie_counts_as_unknown(app, client, users):
    login(client, "trainer")  # this browser is known for the trainer, not the learner
    post(client, "/account/logout")
    for n in range(app.config["LOGIN_DELAY_FREE_FAILURES"] + 1):
        attempt(app.test_client(), ip=f"198.51.100.{n}")
    assert attempt(client, PASSWORD).status_code == 429
    forged = app.test_client()
    forged.set_cookie("known_device", "eyJuIjoibGVhcm5lciIsImQiOiJ4In0.forged.sig")
    assert attempt(forged, PASSWORD).status_code == 429


def test_other_accounts_are_not_slowed(app, client, users):
    for n in range(app.config["LOGIN_DELAY_FREE_FAILURES"] + 3):
        attempt(client, ip=f"198.51.100.{n}")
    assert attempt(app.test_client(), PASSWORD, username="trainer").status_code == 302
