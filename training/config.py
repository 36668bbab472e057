"""Configuration in layers: defaults here, then instance/config.py, then environment variables."""

from __future__ import annotations

import base64
import hashlib
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
    # Fernet keys sealing two-factor secrets in the database: the first seals, every one
    # opens (rotation: put a new key first, run `users rotate-two-factor-key`, drop the old).
    # Required in production; development and testing derive one from SECRET_KEY.
    TWO_FACTOR_ENCRYPTION_KEYS: list[str] = []
    SQLALCHEMY_DATABASE_URI = ""  # filled in by load_config: sqlite file under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "training_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Logins are kept server-side (table user_sessions); the cookie holds a random token.
    # A session ends after this many seconds without a request (idle) or since the login
    # (absolute), whichever comes first. "Keep me logged in" only lets the browser keep the
    # cookie after it is closed, up to the absolute timeout; there is no separate remember-me
    # cookie that could outlive the server-side session.
    SESSION_IDLE_TIMEOUT = 7 * 24 * 3600
    SESSION_ABSOLUTE_TIMEOUT = 30 * 24 * 3600
    # last_seen_at is written at most this often (seconds), so reading pages costs no write.
    SESSION_TOUCH_INTERVAL = 300
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)  # set from SESSION_ABSOLUTE_TIMEOUT

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

    # Two-factor authentication (TOTP codes from an authenticator app, or recovery codes).
    # Holders of these roles must enrol before they can open any page; learners may opt in.
    TWO_FACTOR_REQUIRED_ROLES = ("trainer", "organizer", "admin")
    # Seconds allowed between a correct password and the code; then the password is asked again.
    TWO_FACTOR_PENDING_SECONDS = 300

    # Rate limits (Flask-Limiter). In-memory unless REDIS_URL is set.
    REDIS_URL = ""
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    # No X-RateLimit-* headers on every answer: working them out asks the storage again (a
    # second Redis round trip) on each limited request, and nothing reads them. A refusal
    # still says when to come back (Retry-After, training.errors).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = "training"
    LOGIN_LIMIT_PER_IP = "20 per minute;100 per hour"
    # Wrong passwords per account *and address* (or per known device): a stranger failing
    # on someone's account from elsewhere never blocks the owner (see README, "Login limits").
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"
    # After this many wrong passwords on one account (within LOGIN_FAILURE_WINDOW seconds),
    # each further try from a device the account has not used waits a growing delay:
    # 1, 2, 4... seconds, at most LOGIN_DELAY_MAX_SECONDS. Known devices are not delayed.
    LOGIN_DELAY_FREE_FAILURES = 5
    LOGIN_DELAY_MAX_SECONDS = 60
    LOGIN_FAILURE_WINDOW = 24 * 3600
    # A signed cookie remembering that an account logged in on this browser.
    KNOWN_DEVICE_COOKIE = "known_device"
    KNOWN_DEVICE_DAYS = 365
    # Sensitive changes (two-factor, recovery codes, e-mail, deleting the account) ask for the
    # password again unless it was given within this many seconds.
    REAUTH_SECONDS = 600
    REGISTER_LIMIT_PER_IP = "5 per minute;30 per hour"
    # The code step of a login (and the two-factor settings): every try per client address,
    # wrong codes per account. Three codes are valid at a time (clock drift), so someone who
    # already has the password and makes 50 wrong guesses a day wins about once in 6,700 days.
    TWO_FACTOR_LIMIT_PER_IP = "20 per minute;100 per hour"
    TWO_FACTOR_LIMIT_PER_ACCOUNT = "5 per minute;20 per hour;50 per day"

    # Getting back in: a reset link by e-mail (verified addresses only), a one-time code
    # issued by staff, and the link that verifies an e-mail address.
    PASSWORD_RESET_LINK_SECONDS = 3600
    RESET_CODE_SECONDS = 24 * 3600
    EMAIL_VERIFY_SECONDS = 48 * 3600
    RESET_LIMIT_PER_IP = "5 per minute;30 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour;10 per day"
    RESET_CODE_LIMIT_PER_ACCOUNT = "5 per minute;20 per hour"  # wrong codes only
    RESET_CODE_ISSUE_LIMIT = "30 per hour"  # codes one staff member issues
    EMAIL_CHANGE_LIMIT_PER_ACCOUNT = "5 per hour;10 per day"
    UNSUBSCRIBE_LIMIT_PER_IP = "30 per minute"

    # Outgoing mail. Messages are written to the outbox table in the request's transaction
    # and delivered after the commit (MAIL_SEND_AFTER_COMMIT, in a background thread) and by
    # `flask --app app mail send` (a systemd timer; docs/deploy.md). MAIL_BACKEND "smtp"
    # or "console" (writes mail to the log); empty means console in development, else smtp.
    MAIL_BACKEND = ""
    MAIL_HOST = ""  # empty: nothing is sent, messages wait in the outbox
    MAIL_PORT = 587
    MAIL_SECURITY = "starttls"  # starttls | tls | none
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Профсоюзная школа <noreply@localhost>"
    MAIL_TIMEOUT = 20  # seconds for each SMTP exchange; a hung server is given up on
    MAIL_SEND_AFTER_COMMIT = True
    MAIL_MAX_ATTEMPTS = 8
    # Retries wait base * 2^(attempt-1) seconds, at most MAIL_RETRY_MAX_SECONDS.
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    # A node that claimed a message and died releases it after this many seconds.
    MAIL_CLAIM_SECONDS = 300
    MAIL_BATCH_SIZE = 50
    # Sent and failed messages are deleted after this many days; notifications after theirs.
    MAIL_RETENTION_DAYS = 30
    NOTIFICATION_RETENTION_DAYS = 365

    # Course media: images and PDF handouts, stored under instance/media unless set.
    MEDIA_ROOT = ""
    MEDIA_MAX_BYTES = 5 * 1024 * 1024
    # Files learners hand in with assignments: instance/submissions unless set; per file.
    SUBMISSIONS_ROOT = ""
    SUBMISSION_MAX_BYTES = 5 * 1024 * 1024  # five of them stay under MAX_CONTENT_LENGTH
    # Course packs: limits on what an uploaded zip may unpack to.
    PACK_MAX_BYTES = 100 * 1024 * 1024
    PACK_MAX_FILES = 2000

    # Certificates: signing keys (instance/keys unless set) and the public lookup limit.
    SIGNING_KEYS_DIR = ""
    # Rendered certificate PDFs kept for re-downloads (instance/certificate-pdfs unless set);
    # a cache: safe to delete, left out of backups.
    CERTIFICATE_PDF_DIR = ""
    VERIFY_LIMIT_PER_IP = "30 per minute;300 per hour"

    # Address of the platform as seen by learners; used in exported xAPI statements,
    # certificate QR codes and signed credentials. When serving (`make run`, gunicorn) the app
    # warns if this address does not answer as this installation (see training/address.py).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # File holding this installation's random instance id (instance/instance-id unless set);
    # not secret, not backed up. Nodes serving one installation should share it.
    INSTANCE_ID_FILE = ""

    # Number of reverse proxies (nginx, a load balancer) in front of the app whose
    # X-Forwarded-For/-Proto headers are trusted; 0 when clients connect directly.
    TRUSTED_PROXIES = 0

    # Demo data may only be loaded outside production.
    DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for demo accounts only
    # The demo also gets a few dozen learners' activity, so the dashboards have figures.
    DEMO_ACTIVITY = True

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
    # A kept cookie never outlives the server-side session it points to.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        seconds=int(app.config["SESSION_ABSOLUTE_TIMEOUT"])
    )
    if app.config["ENVIRONMENT"] == "development":
        # Plain-HTTP on localhost: secure cookies would never come back.
        app.config["SESSION_COOKIE_SECURE"] = False
    if not app.config["MAIL_BACKEND"]:
        # `make run` needs no mail server: development writes mail to the console.
        development = app.config["ENVIRONMENT"] == "development"
        app.config["MAIL_BACKEND"] = "console" if development else "smtp"
    check_two_factor_roles(app)
    check_secret_key(app)
    check_two_factor_keys(app)


def normalise_database_url(url: str) -> str:
    """Send postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message is one line for the operator."""


def check_two_factor_roles(app: Flask) -> None:
    """Normalise TWO_FACTOR_REQUIRED_ROLES to a tuple of role names; refuse unknown ones.

    A misspelt role would silently leave staff without the second factor, so it stops
    the start instead. A plain string is read as a comma-separated list.
    """
    from training.accounts.models import Role

    value = app.config["TWO_FACTOR_REQUIRED_ROLES"]
    names = value.split(",") if isinstance(value, str) else list(value or ())
    names = [str(name).strip() for name in names if str(name).strip()]
    known = {str(role) for role in Role}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(
            f"TWO_FACTOR_REQUIRED_ROLES names unknown roles {unknown}; "
            f"known roles: {', '.join(sorted(known))}."
        )
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = tuple(names)


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


def check_two_factor_keys(app: Flask) -> None:
    """Normalise TWO_FACTOR_ENCRYPTION_KEYS to a tuple of Fernet keys; refuse bad or none.

    Outside production a missing list is derived from SECRET_KEY, so development and tests
    need no setting; production refuses to start without it, as without SECRET_KEY.
    A plain string is read as a comma-separated list.
    """
    from cryptography.fernet import Fernet

    value = app.config.get("TWO_FACTOR_ENCRYPTION_KEYS") or ()
    keys = value.split(",") if isinstance(value, str) else list(value)
    keys = [str(key).strip() for key in keys if str(key).strip()]
    if not keys:
        if app.config["ENVIRONMENT"] not in ("development", "testing"):
            raise ConfigError(
                "TWO_FACTOR_ENCRYPTION_KEYS is missing: set it to a list of Fernet keys "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            )
        digest = hashlib.sha256(b"two-factor secrets:" + str(app.config["SECRET_KEY"]).encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                f"TWO_FACTOR_ENCRYPTION_KEYS: key {position} is not a Fernet key "
                "(32 bytes in URL-safe base64)."
            ) from None
    app.config["TWO_FACTOR_ENCRYPTION_KEYS"] = tuple(keys)
