"""Database foundations: declarative base, constraint naming, UTC timestamps, SQLite tuning."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached

_T = TypeVar("_T")

# Constraint names must be stable for Alembic to alter them later (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model of the platform."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Clock:
    """The platform's time source: the system clock, which a test moves on instead of waiting.

    Only tests call `advance`/`reset`; the live app and a browser test share this process, so
    a pause between quiz attempts or a one-time-code step passes without sleeping.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def reset(self) -> None:
        self.offset = timedelta(0)


clock = Clock()


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (use as a callable default, never a value)."""
    return clock.now()


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use training.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite drops the offset; we only ever store UTC.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_engine_options(app: Flask) -> None:
    """Engine options per backend, set before Flask-SQLAlchemy creates the engine."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 5)
        options.setdefault("pool_recycle", 1800)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def install_sqlite_pragmas(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """Set WAL, foreign keys, busy timeout and synchronous=NORMAL on every SQLite connection.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN,
    SAVEPOINT and COMMIT reach SQLite exactly as issued.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if engine.url.database not in (None, "", ":memory:"):
            with contextlib.suppress(OSError):  # a missing folder: SQLite says so itself
                keep_private(engine.url.database)  # first: SQLite gives -wal/-shm its mode
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds only ASCII: «Анна» would not find «анна» (PostgreSQL's does).
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    turns = WriterTurns(engine.url.database, busy_timeout_ms)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if not wants_write_lock():
            connection.exec_driver_sql("BEGIN")
            return
        if turns.take():
            connection.info[_HOLDS_TURN] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @sa.event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # After the COMMIT or ROLLBACK that ends the transaction: the next writer finds the
        # database free.
        if record.info.pop(_HOLDS_TURN, False):
            turns.give_back()

    @sa.event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        if record.info.pop(_HOLDS_TURN, False):
            turns.give_back()


_HOLDS_TURN = "holds_writer_turn"


class WriterTurns:
    """Writing transactions of one SQLite file take turns through a lock file beside it.

    SQLite makes a writer that finds the database locked sleep in growing steps (up to 100 ms)
    before it looks again, so under load a waiting request often sleeps long after the lock is
    free, and an unlucky one keeps missing it. Here each process's writers first take an
    exclusive `flock` on `<database>-writers`, looking again within 2 ms, and give it back once
    their transaction ends; SQLite's own lock stays the guard (threads of one process share
    the turn and meet at SQLite's lock as before). After the busy timeout a writer goes on
    without its turn, so SQLite's timeout and its "database is locked" answer still apply.
    """

    def __init__(self, database: str | None, timeout_ms: int) -> None:
        self.path = f"{database}-writers" if database not in (None, "", ":memory:") else None
        self.timeout = timeout_ms / 1000
        self.guard = threading.Lock()
        self.holders = 0
        self.fd: int | None = None
        self.pid = 0

    def _file(self) -> int:
        if self.fd is None or self.pid != os.getpid():  # a forked worker opens its own
            self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            self.pid = os.getpid()
        return self.fd

    def take(self) -> bool:
        """Wait for this process's turn to write; False when there is no file or no turn."""
        if self.path is None:
            return False
        with self.guard:
            if self.holders:
                self.holders += 1
                return True
            fd = self._file()
        deadline = time.monotonic() + self.timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        with self.guard:
            self.holders += 1
        return True

    def give_back(self) -> None:
        """End this transaction's turn; the file is unlocked when no thread here holds it."""
        with self.guard:
            self.holders -= 1
            if self.holders == 0 and self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


def keep_private(path: str | os.PathLike[str]) -> None:
    """Make a file holding personal data readable by its owner only (0600), creating it so.

    The database holds two-factor secrets and everything about every activist; a default
    umask would leave it readable by every account on the server.
    """
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # no-op for an existing file
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)


@cache
def _mapped_columns(model: type) -> tuple[tuple[str, sa.Column[Any]], ...]:
    """(attribute name, table column) of each plain column attribute of `model`."""
    mapper = sa.inspect(model)
    return tuple(
        (prop.key, prop.columns[0])
        for prop in mapper.column_attrs
        if isinstance(prop.columns[0], sa.Column) and prop.columns[0].table is mapper.local_table
    )


def from_row(model: type[_T], values: Mapping[Any, Any]) -> _T:
    """A `model` instance holding a row read with Core (`values` keyed by the table's columns),
    in no session: for hot paths that read a row without the ORM's loading machinery.

    Built as the ORM builds a loaded object (no constructor, no attribute events: a tenth of
    the constructor's cost); `attach_row` makes it persistent in a session.
    """
    obj = sa.inspect(model).class_manager.new_instance()
    sa.inspect(obj).dict.update({key: values[column] for key, column in _mapped_columns(model)})
    return obj


def attach_row(session: Any, model: type[_T], values: Mapping[Any, Any]) -> tuple[_T, bool]:
    """The session's object for a row read with Core: the one it has already, or a new one
    in it as if an ORM query had loaded it (True when new). Changes to it are flushed as
    UPDATEs of the changed columns; attributes not in the row load when first read.
    """
    mapper = sa.inspect(model)
    key = mapper.identity_key_from_primary_key([values[c] for c in mapper.primary_key])
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing, False
    obj = from_row(model, values)
    make_transient_to_detached(obj)  # loaded and clean: nothing pending, nothing to INSERT
    session.add(obj)
    return obj, True


def insert_if_absent(session: Any, model: type, values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same key is there already; True when this call did.

    For a claim that two requests or nodes may make at once (a first view, a reminder): on
    PostgreSQL the second insert waits for the first to commit, then inserts nothing, instead
    of failing the request with a unique violation. Python-side column defaults apply.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = sa.inspect(model).primary_key[0]
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_first_row(
    session: Any, statement: sa.Select, parameters: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of one read-only statement as a tuple of its values, or None, leaving no
    transaction behind: for a visitor's request, which writes nothing and so has nothing to
    commit.

    On SQLite it runs on a pooled DBAPI connection outside any transaction, its SQL compiled
    once per process and its values converted by the columns' own types (in-process 90 → 9 µs,
    a fifth of a visitor's check page). On PostgreSQL it runs on a pooled connection in
    autocommit mode: one round trip instead of BEGIN, SELECT and ROLLBACK (in-process 0.57 →
    0.25 ms). A session bound to one connection (the test suite's) runs it through `session`.
    """
    bind = session.get_bind()
    try:
        if isinstance(bind, sa.Engine) and bind.dialect.name == "sqlite":
            return _read_raw(bind, statement, parameters)
        if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                row = connection.execute(statement, parameters).first()
        else:
            row = session.connection().execute(statement, parameters).first()
        return None if row is None else tuple(row)
    finally:
        # Asking for the bind opened the request's session; closed now, it leaves the request
        # nothing to commit (an empty commit still costs a transaction's bookkeeping).
        session.remove()


class _RawRead:
    """A Core select compiled for one dialect with a positional paramstyle (SQLite's), and the
    type conversions of its parameters and of its result columns. Plain parameters only: an
    expanding one (IN) is rendered per call, which is SQLAlchemy's work."""

    def __init__(self, statement: sa.Select, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("read_first_row takes no expanding (IN) parameters")
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        # Each type as this dialect has it (SQLite's DATETIME parses its text, for one).
        self.binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        )
        self.results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )


_RAW_READS: dict[tuple[int, str], tuple[sa.Select, _RawRead]] = {}


def _read_raw(engine: sa.Engine, statement: sa.Select, parameters: dict[str, Any]) -> Any:
    key = (id(statement), engine.dialect.name)
    kept = _RAW_READS.get(key)
    if kept is None or kept[0] is not statement:
        kept = _RAW_READS[key] = (statement, _RawRead(statement, engine.dialect))
    read = kept[1]
    values = [
        convert(parameters[name]) if convert else parameters[name]
        for name, convert in zip(read.names, read.binds, strict=True)
    ]
    connection = engine.raw_connection()  # pysqlite in autocommit: the SELECT is its own
    try:
        cursor = connection.cursor()
        cursor.execute(read.sql, values)
        row = cursor.fetchone()
        cursor.close()
    except sqlite3.Error:
        # Run again through SQLAlchemy, which raises its own exceptions (a locked or missing
        # database answers 503 as on every other page) or reads the row this time.
        with engine.connect() as core:
            found = core.execute(statement, parameters).first()
        return None if found is None else tuple(found)
    finally:
        connection.close()  # back to the pool
    if row is None:
        return None
    return tuple(
        convert(value) if convert else value
        for value, convert in zip(row, read.results, strict=True)
    )


def wants_write_lock() -> bool:
    """Whether this request's SQLite transaction should take the write lock at BEGIN.

    Requests that change things (POST...) do: waiting for the lock at the start honours the
    busy timeout, whereas a read transaction that later writes can fail at once when another
    writer got in between. Reading requests start deferred, and are run again with the lock
    in the rare case that one of them writes (a first lesson view) and meets such a conflict.
    """
    if not has_request_context():
        return False
    return request.method not in SAFE_METHODS or bool(g.get("write_lock"))


def is_sqlite_busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (including a stale snapshot): try again, don't fail."""
    original = getattr(error, "orig", None)
    if not isinstance(original, sqlite3.OperationalError):
        return False
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(original) or "busy" in str(original)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction commits (never if it rolls back).

    For side effects outside the database, like deleting a file, that must not happen
    for a change that is then rolled back.
    """
    from training.extensions import db

    db.session().info.setdefault("after_commit", []).append(callback)


@sa.event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy sends this event for a released SAVEPOINT too (service_errors): only the
    # real commit makes the change visible to others, so only it runs the callbacks.
    if session.in_nested_transaction():
        return
    for callback in session.info.pop("after_commit", []):
        callback()


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous: Any) -> None:
    # A savepoint's rollback keeps what was registered before it (see service_errors).
    if not previous.nested:
        session.info.pop("after_commit", None)
