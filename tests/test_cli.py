"""Shell commands: creating users, loading demo data."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet

from courses.models import Course
from courses.starter import STARTER
from training.accounts.models import Role, User
from training.extensions import db
from training.organizations.models import InviteCode, Organization


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_users_create_reads_password_from_stdin(app, database):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Chief", "--role", "admin"], input="a-strong-admin-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created chief" in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "chief"))
    assert user.roles == {Role.ADMIN, Role.LEARNER}
    # with an empty database the command made the top organization to hold the account
    assert user.organization.parent_id is None
    assert count(Organization) == 1


def test_users_create_refuses_bad_input_and_changes_nothing(app, users):
    runner = app.test_cli_runner()
    before = count(User)
    for args, password in (
        (["users", "create", "learner"], "a-strong-pass-123\n"),  # taken
        (["users", "create", "newone"], "123456\n"),  # weak
        (["users", "create", "x"], "a-strong-pass-123\n"),  # too short a name
        (["users", "create", "newone", "--organization", "99999"], "a-strong-pass-123\n"),
    ):
        result = runner.invoke(args=args, input=password)
        assert result.exit_code != 0, args
        assert "Error" in result.output, args
    result = runner.invoke(args=["users", "create", "newone", "--role", "king"], input="pw\n")
    assert result.exit_code == 2
    assert count(User) == before


def test_users_set_password_and_list(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-password", "learner"], input="brand-new-secret\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "list"])
    assert "learner" in result.output and "admin" in result.output
    result = runner.invoke(args=["users", "set-password", "ghost"], input="brand-new-secret\n")
    assert result.exit_code != 0


def test_demo_load_is_idempotent(app, database):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    for name in ("learner", "trainer", "organizer", "admin"):
        assert name in first.output
    sizes = (count(User), count(Organization), count(InviteCode), count(Course))
    shipped = [p for p in STARTER.iterdir() if (p / "course.yaml").exists()]
    from cohorts.demo import LEARNERS
    from stats.demo import DEMO_LEARNERS

    cohort_learners = len(LEARNERS) + 1  # and one stuck
    assert sizes == (4 + cohort_learners + sum(DEMO_LEARNERS.values()), 8, 1, len(shipped))
    for course in db.session.scalars(sa.select(Course)):
        assert course.published_revision is not None and course.owner.username == "trainer"
    # the demo trainer has work waiting and reviewed; the demo learner one accepted, one waiting
    from assignments.models import Submission

    learner_work = db.session.scalars(
        sa.select(Submission.status).join(Submission.user).where(User.username == "learner")
    ).all()
    assert sorted(learner_work) == ["accepted", "waiting", "waiting"]
    # a peer-reviewed task: the demo learner gave a peer review and received one
    from assignments.models import Review

    peer_reviews = db.session.scalars(sa.select(Review).where(Review.kind == "peer")).all()
    assert len(peer_reviews) == 2
    # the demo trainer's cohort, with the demo learner in it and one learner stuck
    from cohorts.gradebook import build
    from cohorts.models import Cohort

    with app.test_request_context():
        book = build(db.session.scalar(sa.select(Cohort)))
    assert "learner" in [row.user.username for row in book.rows]
    assert [row.user.username for row in book.rows if row.stuck] == ["solovyova"]
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert "nothing added" in second.output
    assert (count(User), count(Organization), count(InviteCode), count(Course)) == sizes
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    assert admin.is_admin
    # the demo learners' activity is in the dashboards' aggregates, exactly
    check = runner.invoke(args=["stats", "check"])
    assert check.exit_code == 0 and "No drift." in check.output, check.output


def test_demo_is_refused_in_production(tmp_path):
    from tests.conftest import extra_app

    app = extra_app(
        tmp_path,
        ENVIRONMENT="production",
        SECRET_KEY="q" * 40,
        TWO_FACTOR_ENCRYPTION_KEYS=[Fernet.generate_key().decode()],
    )
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "not loaded in production" in result.output
