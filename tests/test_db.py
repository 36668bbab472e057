"""Database plumbing: SQLite pragmas on every connection, UTC timestamps, constraint names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import extra_app
from training.db import (
    UTCDateTime,
    attach_row,
    from_row,
    install_sqlite_pragmas,
    read_first_row,
)
from training.extensions import db
from training.organizations.models import Organization


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}", poolclass=sa.pool.NullPool)
    install_sqlite_pragmas(engine, busy_timeout_ms=4321)
    for _ in range(2):  # NullPool: each connect() is a new SQLite connection
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_app_engine_on_sqlite_enforces_foreign_keys(tmp_path):
    app = extra_app(tmp_path)
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE child (id INTEGER, p INTEGER REFERENCES parent(id))")
        with pytest.raises(sa.exc.IntegrityError):
            conn.exec_driver_sql("INSERT INTO child VALUES (1, 99)")
    with app.app_context():
        db.engine.dispose()


def test_utc_datetime_refuses_naive_values():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sa.dialects.sqlite.dialect())


def test_timestamps_come_back_timezone_aware(ctx, org_tree):
    db.session.expire_all()
    org = db.session.get(Organization, org_tree["top"].id)
    assert org.created_at.tzinfo is not None
    assert org.created_at.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - org.created_at).total_seconds()) < 60


def test_constraints_follow_the_naming_convention():
    table = db.metadata.tables["users"]
    names = {c.name for c in table.constraints}
    assert "pk_users" in names
    assert "fk_users_organization_id_organizations" in names
    assert "uq_users_username" in names


_ORGS = Organization.__table__


def _org_row(org_id: int) -> sa.RowMapping:
    return db.session.execute(sa.select(_ORGS).where(_ORGS.c.id == org_id)).mappings().one()


def test_a_row_attached_from_core_behaves_as_if_the_orm_had_loaded_it(ctx, org_tree):
    school_id, parent_id = org_tree["school"].id, org_tree["school"].parent_id
    db.session.expunge_all()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        school, new = attach_row(db.session, Organization, _org_row(school_id))
        assert new and school in db.session
        # Clean, like a loaded object: nothing to write back, nothing to insert.
        assert school not in db.session.dirty and school not in db.session.new
        assert (school.name, school.kind) == ("Школа № 1", "primary")
        assert school.created_at.tzinfo is not None  # the column type's own conversion ran
        assert school.parent.id == parent_id  # a relationship loads on first use
        statements.clear()
        school.name = "Школа № 2"
        db.session.flush()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    updates = [s for s in statements if s.startswith("UPDATE")]
    assert len(updates) == 1 and "name" in updates[0] and "path" not in updates[0]
    # The session's own object comes back for the same row, with its change kept.
    again, new = attach_row(db.session, Organization, _org_row(school_id))
    assert again is school and not new and again.name == "Школа № 2"


def test_a_row_read_from_core_builds_a_detached_object_without_its_constructor(ctx, org_tree):
    school = from_row(Organization, _org_row(org_tree["school"].id))
    assert school not in db.session
    assert sa.inspect(school).transient and not sa.inspect(school).modified
    assert (school.id, school.name) == (org_tree["school"].id, "Школа № 1")


_READ = sa.Table(
    "read_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20)),
    sa.Column("at", UTCDateTime()),
    sa.Column("gone_at", UTCDateTime()),
    sa.Column("flag", sa.Boolean),
    sa.Column("amount", sa.Float),
)


def test_a_visitors_read_on_sqlite_gives_what_sqlalchemy_gives_and_holds_nothing(tmp_path):
    """The check page's read skips SQLAlchemy's execution on SQLite: its values must still
    come out as the column types make them (aware datetimes, booleans), its parameters go in
    converted, and no connection or transaction is left behind."""
    app = extra_app(tmp_path)
    at = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)
    by_name_and_time = sa.select(_READ).where(
        _READ.c.name == sa.bindparam("name"), _READ.c.at == sa.bindparam("at", type_=UTCDateTime())
    )
    with app.app_context():
        _READ.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(_READ.insert(), {"name": "Анна", "at": at, "flag": True, "amount": 1.5})
        with db.engine.connect() as conn:
            expected = tuple(conn.execute(by_name_and_time, {"name": "Анна", "at": at}).one())
        for _round in range(2):  # the second uses the SQL compiled by the first
            got = read_first_row(db.session, by_name_and_time, {"name": "Анна", "at": at})
            assert got == expected == (1, "Анна", at, None, True, 1.5)
            assert got[2].tzinfo is not None and got[4] is True
        assert read_first_row(db.session, by_name_and_time, {"name": "Борис", "at": at}) is None
        assert db.engine.pool.checkedout() == 0
        with db.engine.connect() as conn:  # nothing left open: a writer gets in at once
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        with db.engine.begin() as conn:
            conn.execute(_READ.update().values(flag=False))
        assert read_first_row(db.session, by_name_and_time, {"name": "Анна", "at": at})[4] is False
        by_ids = sa.select(_READ).where(_READ.c.id.in_(sa.bindparam("ids", expanding=True)))
        with pytest.raises(ValueError, match="expanding"):  # SQLAlchemy's to render, not ours
            read_first_row(db.session, by_ids, {"ids": [1]})
        _READ.drop(db.engine)
        with pytest.raises(sa.exc.OperationalError):  # SQLAlchemy's error, as on other pages
            read_first_row(db.session, by_name_and_time, {"name": "Анна", "at": at})
        assert db.engine.pool.checkedout() == 0
        db.engine.dispose()
