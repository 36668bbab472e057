"""Files that hold personal data or keys are the owner's alone (0600) from their first byte."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from tests.conftest import extra_app
from training.db import keep_private
from training.extensions import db


@pytest.fixture
def usual_umask():
    """The common server default: new files readable by everyone (0644)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keep_private_creates_and_tightens(tmp_path, usual_umask):
    new = tmp_path / "new.bin"
    keep_private(new)
    assert mode(new) == 0o600 and new.read_bytes() == b""
    old = tmp_path / "old.bin"
    old.write_bytes(b"data")
    assert mode(old) == 0o644
    keep_private(old)
    assert mode(old) == 0o600 and old.read_bytes() == b"data"  # contents kept


def test_the_sqlite_database_and_its_journal_are_private(tmp_path, usual_umask):
    app = extra_app(tmp_path)
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        database = Path(db.engine.url.database)
        assert mode(database) == 0o600
        wal = database.with_name(database.name + "-wal")
        assert wal.exists() and mode(wal) == 0o600
        db.engine.dispose()


def test_a_backup_is_private_while_it_is_written(tmp_path, usual_umask, monkeypatch):
    from training.backup import backup

    app = extra_app(tmp_path, MEDIA_ROOT=str(tmp_path / "media"))
    seen: list[int] = []
    real_open = tarfile.open

    def watching_open(name, *args, **kwargs):
        if str(name).endswith(".partial"):
            seen.append(mode(Path(name)))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(tarfile, "open", watching_open)
    with app.app_context():
        flask_migrate.upgrade()
        target = tmp_path / "out" / "backup.tar.gz"
        backup(target)
        db.engine.dispose()
    assert seen == [0o600]
    assert mode(target) == 0o600
