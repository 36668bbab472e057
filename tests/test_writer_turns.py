"""SQLite writers take turns through a lock file (training.db.WriterTurns), so a waiting
request looks again within milliseconds instead of sleeping through SQLite's growing steps."""

from __future__ import annotations

import fcntl
import os
import time

import sqlalchemy as sa

from tests.conftest import PASSWORD, app_on_own_database, csrf_token, login
from training.accounts.models import User
from training.accounts.services import create_user
from training.db import WriterTurns
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization


def held_elsewhere(path: str) -> bool:
    """Whether another holder has the file: a second open file description cannot lock it."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False


def test_a_turn_is_held_until_given_back_and_shared_by_threads(tmp_path):
    turns = WriterTurns(str(tmp_path / "db.sqlite3"), 200)
    assert turns.take()
    assert held_elsewhere(turns.path)
    assert turns.take()  # another thread of the same process shares the turn
    turns.give_back()
    assert held_elsewhere(turns.path)
    turns.give_back()
    assert not held_elsewhere(turns.path)
    assert oct(os.stat(turns.path).st_mode & 0o777) == "0o600"


def test_a_writer_waits_for_the_turn_then_goes_on_without_it(tmp_path):
    turns = WriterTurns(str(tmp_path / "db.sqlite3"), 200)
    other = os.open(tmp_path / "db.sqlite3-writers", os.O_CREAT | os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)
    started = time.monotonic()
    assert not turns.take()  # SQLite's own busy timeout takes over from here
    assert time.monotonic() - started >= 0.2
    fcntl.flock(other, fcntl.LOCK_UN)
    assert turns.take()
    turns.give_back()
    os.close(other)


def test_no_turns_for_a_database_in_memory():
    assert not WriterTurns(":memory:", 200).take()


def test_a_form_takes_the_turn_and_gives_it_back_after_its_commit(tmp_path, smtp):
    """On an app with its own SQLite file, in both CI passes (the shared test connection never
    begins a transaction of its own, and the PostgreSQL pass would have no file)."""
    sqlite_file = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    with app_on_own_database(
        tmp_path, smtp.port, "turns", SQLALCHEMY_DATABASE_URI=sqlite_file
    ) as app:
        with app.app_context():
            org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
            create_user("learner", PASSWORD, org)
            db.session.commit()
            path = f"{db.engine.url.database}-writers"
        client = app.test_client()
        login(client, "learner")
        assert os.path.exists(path) and not held_elsewhere(path)
        token = csrf_token(client, "/account/")
        response = client.post("/account/", data={"csrf_token": token, "display_name": "Анна"})
        assert response.status_code == 302
        assert not held_elsewhere(path)  # given back with the commit
        with app.app_context():
            assert db.session.scalar(sa.select(User.display_name)) == "Анна"
