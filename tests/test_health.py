"""Health probes for load balancers: liveness without the database, readiness with it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import extra_app


def test_healthz_answers_without_the_database(app, client):
    response = client.get("/healthz")
    instance = Path(app.config["INSTANCE_ID_FILE"]).read_text().strip()
    assert response.status_code == 200
    assert response.json == {"status": "ok", "instance": instance}
    assert "Set-Cookie" not in response.headers  # probes leave no sessions behind


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"


def test_readyz_is_503_when_the_database_or_redis_is_away(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    app = extra_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    # Set after creation: at start-up REDIS_URL would also move the shared rate-limit storage.
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"].startswith("error")
    assert response.json["checks"]["redis"].startswith("error")
    assert app.test_client().get("/healthz").status_code == 200


def test_probes_do_not_load_the_account_of_a_logged_in_client(app, login_as):
    """A load balancer may send a cookie; the probe must still not need the database."""
    import sqlalchemy as sa

    from training.extensions import db

    client = login_as("trainer")
    statements: list[str] = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/healthz").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))] == []
