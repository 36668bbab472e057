"""Online backup and restore of a whole installation: database, uploaded media, signing keys.

A backup is one .tar.gz file:

    manifest.json        what it holds: format, database kind, migration revision, time, counts
    database.sqlite3     a consistent copy taken with SQLite's backup API (SQLite), or
    database.pgdump      pg_dump's custom format (PostgreSQL)
    media/...            course images and handouts
    submissions/...      files learners handed in with assignments (private)
    keys/...             the certificate signing keys (private: keep backups safe)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from training.address import answering_instance, instance_id, public_health_url
from training.db import keep_private
from training.extensions import db
from training.progress import Reporter, silent

FORMAT = 1
TABLES_COUNTED = ("users", "courses", "attempts", "certificates", "learning_events")


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why, for the operator."""


def media_folder() -> Path:
    return Path(current_app.config.get("MEDIA_ROOT") or Path(current_app.instance_path) / "media")


def submissions_folder() -> Path:
    """Where assignment files are kept (the assignments package reads the same setting)."""
    folder = current_app.config.get("SUBMISSIONS_ROOT")
    return Path(folder or Path(current_app.instance_path) / "submissions")


def _folders() -> tuple[tuple[str, Path], ...]:
    """The folders a backup carries, by their name in the archive."""
    return (
        ("media", media_folder()),
        ("submissions", submissions_folder()),
        ("keys", keys_folder()),
    )


def keys_folder() -> Path:
    folder = current_app.config.get("SIGNING_KEYS_DIR")
    return Path(folder or Path(current_app.instance_path) / "keys")


def _kind() -> str:
    return db.engine.dialect.name


def _revision() -> str | None:
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None


def _counts() -> dict[str, int]:
    counts = {}
    for table in TABLES_COUNTED:
        counts[table] = int(db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608 - fixed names
    db.session.rollback()
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from the app's database URL."""
    url = db.engine.url
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return [*args, "--dbname", url.database or ""], env


def _program(name: str) -> str:
    """Full path of a PostgreSQL client program (Debian: package postgresql-client)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def backup(target: Path, report: Reporter = silent) -> dict[str, Any]:
    """Write a backup of the running installation to `target` (a .tar.gz); returns its manifest."""
    with tempfile.TemporaryDirectory(prefix="training-backup-") as scratch:
        folder = Path(scratch)
        manifest = {
            "format": FORMAT,
            "database": _kind(),
            "revision": _revision(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "counts": _counts(),
        }
        if _kind() == "sqlite":
            source = db.engine.url.database
            if not source:
                raise BackupError("an in-memory SQLite database cannot be backed up")
            _copy_sqlite(Path(source), folder / "database.sqlite3", report, live_source=True)
        elif _kind() == "postgresql":
            with report("pg_dump", None, ""):
                _dump_postgresql(folder / "database.pgdump")
        else:
            raise BackupError(f"backups of {_kind()} databases are not supported")
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        keep_private(partial)  # 0600 from the first byte: it holds the database and the keys
        _write_archive(partial, folder, report)
        partial.replace(target)  # a backup file either is complete or does not exist
    return manifest


def _dump_postgresql(dump: Path) -> None:
    args, env = _pg_env()
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from our own config
        [_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _write_archive(partial: Path, folder: Path, report: Reporter) -> None:
    """The database copy, the manifest, media, submissions and keys into one .tar.gz."""
    entries = [
        (folder / name, name)
        for name in ("manifest.json", "database.sqlite3", "database.pgdump")
        if (folder / name).exists()
    ]
    for arcname, source_folder in _folders():
        if source_folder.is_dir():
            entries.append((source_folder, arcname))
            entries += [
                (path, f"{arcname}/{path.relative_to(source_folder).as_posix()}")
                for path in sorted(source_folder.rglob("*"))
            ]
    with (
        tarfile.open(partial, "w:gz") as archive,
        report("Writing the archive", len(entries), "files") as advance,
    ):
        for path, arcname in entries:
            archive.add(path, arcname=arcname, recursive=False)
            advance(1)


def _copy_sqlite(source: Path, copy: Path, report: Reporter, *, live_source: bool) -> None:
    """Copy an SQLite database with the backup API, reporting the pages copied.

    A live source is copied in one step: a consistent snapshot while the app keeps writing
    (copied in steps, each write by the app would restart the copy). A restore copies in
    steps, as nothing else writes then.
    """
    with sqlite3.connect(source) as origin, sqlite3.connect(copy) as target:
        pages = origin.execute("PRAGMA page_count").fetchone()[0]
        with report("Copying the database", pages, "pages") as advance:
            copied = 0

            def step(_status: int, remaining: int, total: int) -> None:
                nonlocal copied
                advance(total - remaining - copied)
                copied = total - remaining

            origin.backup(target, pages=-1 if live_source else COPY_STEP_PAGES, progress=step)


#: Pages copied per step of a restore (and per progress report).
COPY_STEP_PAGES = 4096


def app_is_running() -> str | None:
    """Why the platform looks live (another connection, or its address answers as this
    installation), else None."""
    if _kind() == "postgresql":
        others = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.rollback()
        if others:
            return f"{others} other connection(s) to the database"
    # Its own identity, not just any answer: another installation at that address (a proxy
    # still pointing at the old server, say) does not make this one live.
    url = public_health_url(current_app)
    if answering_instance(url) == instance_id(current_app):
        return f"the platform answers at {url}"
    return None


@dataclass
class Restored:
    manifest: dict[str, Any]
    counts: dict[str, int]


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"unexpected entry in the backup: {member.name}")
        members.append(member)
    return members


def restore(source: Path, force: bool = False, report: Reporter = silent) -> Restored:
    """Replace this installation's database, media and keys with a backup's."""
    if not force and (reason := app_is_running()):
        raise BackupError(f"the platform seems to be running ({reason}); stop it or use --force")
    with tempfile.TemporaryDirectory(prefix="training-restore-") as scratch:
        folder = Path(scratch)
        try:
            with tarfile.open(source, "r:gz") as archive:
                members = _safe_members(archive)
                with report("Unpacking the backup", len(members), "files") as advance:
                    for member in members:
                        archive.extract(member, folder)  # checked by _safe_members
                        advance(1)
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"cannot read the backup: {error}") from error
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            raise BackupError("this file is not a backup of the platform (no manifest.json)")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["database"] != _kind():
            raise BackupError(
                f"the backup holds a {manifest['database']} database; "
                f"this installation uses {_kind()}"
            )
        db.session.remove()
        if _kind() == "sqlite":
            _restore_sqlite(folder / "database.sqlite3", report)
        else:
            with report("pg_restore", None, ""):
                _restore_postgresql(folder / "database.pgdump")
        for name, target in _folders():
            _replace_folder(folder / name, target, private=name in ("keys", "submissions"))
    counts = _counts()
    return Restored(manifest, counts)


def _restore_sqlite(copy: Path, report: Reporter) -> None:
    target = db.engine.url.database
    db.engine.dispose()
    keep_private(target)
    _copy_sqlite(
        copy, Path(target), report, live_source=False
    )  # page by page into the live file, WAL and all


def _restore_postgresql(dump: Path) -> None:
    db.engine.dispose()
    args, env = _pg_env()
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from our own config
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _replace_folder(source: Path, target: Path, *, private: bool = False) -> None:
    if target.exists():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True, exist_ok=True)
    if private:
        target.chmod(0o700)
