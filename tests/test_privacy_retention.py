"""Retention: `flask privacy purge` anonymises the learning record of long-inactive accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.accounts.models import User
from training.audit import AuditEvent
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent, record_event
from training.extensions import db
from training.privacy.services import purge_inactive


@pytest.fixture
def people(app, ctx, make_user):
    """Five accounts: two long inactive (by last login, and never logged in), three not."""
    now = utcnow()
    made = {
        "gone": make_user("gone"),  # last login three years ago
        "silent": make_user("silent"),  # registered three years ago, never logged in
        "recent": make_user("recent"),  # logged in last week
        "new": make_user("new"),  # registered yesterday, never logged in
        "edge": make_user("edge"),  # logged in 729 days ago: inside the 730 days
    }
    ids = {name: user.id for name, user in made.items()}
    when = {
        "gone": (now - timedelta(days=1200), now - timedelta(days=1100)),
        "silent": (now - timedelta(days=1100), None),
        "recent": (now - timedelta(days=1200), now - timedelta(days=7)),
        "new": (now - timedelta(days=1), None),
        "edge": (now - timedelta(days=1000), now - timedelta(days=729)),
    }
    for name, (created, last_login) in when.items():
        user = db.session.get(User, ids[name])
        user.created_at, user.last_login_at = created, last_login
        for n in range(3):
            record_event(user.id, "viewed", "lesson", f"courses/c/lessons/l{n}", course_id=1)
    db.session.commit()
    return ids


def linked(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.actor_id == user_id)
    )


def refs() -> dict[str, int]:
    """actor_ref -> number of events carrying it."""
    return dict(
        db.session.execute(
            sa.select(LearningEvent.actor_ref, sa.func.count())
            .where(LearningEvent.actor_ref.is_not(None))
            .group_by(LearningEvent.actor_ref)
        ).all()
    )


def purges() -> list[dict]:
    return db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "privacy.purge")
    ).all()


def test_inactive_accounts_lose_the_link_one_reference_each(people):
    report = purge_inactive(730)
    db.session.commit()
    assert (report.inactive_accounts, report.accounts_anonymised, report.events_anonymised) == (
        2,
        2,
        6,
    )
    assert linked(people["gone"]) == 0 and linked(people["silent"]) == 0
    for name in ("recent", "new", "edge"):
        assert linked(people[name]) == 3, name
    counts = refs()
    assert sorted(counts.values()) == [3, 3]  # one token per person, distinct between people
    assert all(len(ref) == 32 for ref in counts)
    # the accounts themselves stay: only the detailed record is cut loose
    assert db.session.get(User, people["gone"]).username == "gone"
    assert purges() == [{"days": 730, "accounts": 2, "events": 6}]


def test_a_second_run_finds_nothing_more_to_do(people):
    purge_inactive(730)
    db.session.commit()
    before = refs()
    again = purge_inactive(730)
    db.session.commit()
    assert (again.accounts_anonymised, again.events_anonymised) == (0, 0)
    assert again.inactive_accounts == 2  # still inactive, but nothing left to anonymise
    assert refs() == before
    assert len(purges()) == 1  # a run that changed nothing writes no audit entry


def test_a_dry_run_reports_and_changes_nothing(people):
    report = purge_inactive(730, dry_run=True)
    assert (report.accounts_anonymised, report.events_anonymised) == (2, 6)
    db.session.rollback()
    assert refs() == {} and linked(people["gone"]) == 3 and purges() == []


def test_the_period_comes_from_the_argument(people):
    assert purge_inactive(5).accounts_anonymised == 4  # everyone but "new"
    with pytest.raises(ServiceError):
        purge_inactive(0)


def test_cli_uses_the_configured_period_and_says_what_it_did(app, people, monkeypatch):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "more than 730 days): 2." in dry.output
    assert "Learning events would be anonymised: 6 of 2 account(s)." in dry.output
    db.session.expire_all()
    assert linked(people["gone"]) == 3

    done = runner.invoke(args=["privacy", "purge"])
    assert done.exit_code == 0, done.output
    assert "Learning events anonymised: 6 of 2 account(s)." in done.output
    again = runner.invoke(args=["privacy", "purge"])
    assert "Learning events anonymised: 0 of 0 account(s)." in again.output

    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_DAYS", 5)
    shorter = runner.invoke(args=["privacy", "purge"])
    assert "more than 5 days): 4." in shorter.output
    assert "Learning events anonymised: 6 of 2 account(s)." in shorter.output  # recent, edge
    db.session.expire_all()
    assert linked(people["recent"]) == 0 and linked(people["new"]) == 3


def test_cli_refuses_a_nonsense_period(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_DAYS", 0)
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code != 0 and "at least one day" in result.output
    db.session.expire_all()
    assert refs() == {}
