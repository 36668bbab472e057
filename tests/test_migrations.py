"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from tests.conftest import app_config, make_database
from training.extensions import db


def test_migrations_match_models_and_downgrade_cleanly(tmp_path, worker):
    uri = make_database(f"w{worker}_schema", tmp_path)
    app = create_app(app_config(uri, worker))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()

        flask_migrate.upgrade()  # and back up again, as a redeploy would
        with db.engine.connect() as conn:
            assert set(db.metadata.tables) <= set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
