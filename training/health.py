"""Probes for load balancers and orchestrators: is the process up, can it reach its services."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from training.address import instance_id
from training.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Response:
    """Process up: answers without touching the database (for liveness checks).

    With this installation's instance id, so a check of PUBLIC_BASE_URL can tell whether the
    address answers as this installation or as another one.
    """
    return jsonify(status="ok", instance=instance_id(current_app))


@bp.route("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """Ready for traffic: the database answers, and Redis too when one is configured."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as error:  # the 503 below makes the request roll back
        checks["database"] = f"error: {type(error).__name__}"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _ping_redis(redis_url)
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _ping_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return "ok"
    except redis.RedisError as error:
        return f"error: {type(error).__name__}"
