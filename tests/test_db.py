"""Database plumbing: SQLite pragmas on every connection, UTC timestamps, constraint names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import extra_app
from training.db import UTCDateTime, attach_row, from_row, install_sqlite_pragmas
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
