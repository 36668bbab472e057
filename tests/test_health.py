"""Health probes for load balancers: liveness without the database, readiness with it."""

from __future__ import annotations

from tests.conftest import extra_app


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
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
