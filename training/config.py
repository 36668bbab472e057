"""Configuration in layers: defaults here, then instance/config.py, then environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask

#: Placeholder that marks "no real secret was configured".
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the marker production refuses


class Defaults:
    """Settings every deployment starts from; override in instance/config.py or TRAINING_* env."""

    ENVIRONMENT = "production"  # development | testing | production
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = ""  # filled in by load_config: sqlite file under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "training_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)

    # Requests larger than this get the friendly 413 page (course packs are the largest).
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024

    # Forms.
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Languages: Russian first, English second.
    LANGUAGES = ("ru", "en")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Europe/Moscow"
    LANGUAGE_COOKIE = "lang"

    # Accounts.
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 256
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    REGISTRATION_REQUIRES_INVITE = False

    # Rate limits (Flask-Limiter). In-memory unless REDIS_URL is set.
    REDIS_URL = ""
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "training"
    LOGIN_LIMIT_PER_IP = "20 per minute;100 per hour"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"
    REGISTER_LIMIT_PER_IP = "5 per minute;30 per hour"

    # Course media: images and PDF handouts, stored under instance/media unless set.
    MEDIA_ROOT = ""
    MEDIA_MAX_BYTES = 5 * 1024 * 1024
    # Course packs: limits on what an uploaded zip may unpack to.
    PACK_MAX_BYTES = 100 * 1024 * 1024
    PACK_MAX_FILES = 2000

    # Certificates: signing keys (instance/keys unless set) and the public lookup limit.
    SIGNING_KEYS_DIR = ""
    VERIFY_LIMIT_PER_IP = "30 per minute;300 per hour"

    # Address of the platform as seen by learners; used in exported xAPI statements,
    # certificate QR codes and signed credentials.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Number of reverse proxies (nginx, a load balancer) in front of the app whose
    # X-Forwarded-For/-Proto headers are trusted; 0 when clients connect directly.
    TRUSTED_PROXIES = 0

    # Demo data may only be loaded outside production.
    DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for demo accounts only

    # Privacy. After this many days without a login (or since registration, for accounts that
    # never logged in), `flask privacy purge` anonymises the account's detailed learning events.
    PRIVACY_RETENTION_DAYS = 730
    # Downloads of "My data" per account: each builds a zip of everything we hold.
    EXPORT_LIMIT_PER_ACCOUNT = "3 per hour;10 per day"
    # Wrong passwords on the "Delete my account" form per account (only failures count).
    DELETE_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"

    # Statistics: any count from 1 to this minus one is shown as "<N" in breakdowns,
    # so a small primary organization does not reveal a single person.
    STATS_MIN_GROUP = 5

    # Name shown in the header and on documents.
    PLATFORM_NAME = "Профсоюзная школа"


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply the layers in order: defaults, instance file, environment, explicit overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    # Widely used unprefixed names first, then TRAINING_* (parsed as JSON where it can be).
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("TRAINING")
    if overrides:
        app.config.update(overrides)

    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "training.sqlite3"
        )
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config["ENVIRONMENT"] == "development":
        # Plain-HTTP on localhost: secure cookies would never come back.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    check_secret_key(app)


def normalise_database_url(url: str) -> str:
    """Send postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message is one line for the operator."""


def check_secret_key(app: Flask) -> None:
    """Refuse to start outside development without a real SECRET_KEY."""
    if app.config["ENVIRONMENT"] in ("development", "testing"):
        return
    key = app.config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 16:
        raise ConfigError(
            "SECRET_KEY is missing or is the development default: set SECRET_KEY "
            "(32+ random characters) in the environment or instance/config.py."
        )
