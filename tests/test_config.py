"""Configuration layers and the production safety checks."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from tests.conftest import extra_app
from training.config import DEFAULT_SECRET_KEY, load_config, normalise_database_url


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRAINING_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def make(tmp_path, **overrides):
    return extra_app(tmp_path, **overrides)


def layered(instance_path=None, **overrides) -> Flask:
    """Only the configuration layers, on a bare Flask app (no extensions)."""
    app = Flask(
        "layers",
        instance_path=str(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    load_config(app, overrides or None)
    return app


def test_production_refuses_default_secret(clean_env, capsys):
    with pytest.raises(SystemExit) as exc:
        make(clean_env, ENVIRONMENT="production")
    message = str(exc.value.code)
    assert message.startswith("Configuration error: SECRET_KEY")
    assert "\n" not in message


def test_production_refuses_the_development_default_and_short_keys(clean_env):
    for key in (DEFAULT_SECRET_KEY, "", "short"):
        with pytest.raises(SystemExit):
            make(clean_env, ENVIRONMENT="production", SECRET_KEY=key)


KEY = Fernet.generate_key().decode()


def test_production_starts_with_a_real_secret_and_secure_cookies(clean_env):
    app = make(
        clean_env, ENVIRONMENT="production", SECRET_KEY="x" * 40, TWO_FACTOR_ENCRYPTION_KEYS=[KEY]
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_runs_without_secret_on_plain_http(clean_env):
    app = make(clean_env, ENVIRONMENT="development")
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_environment_overrides_defaults(clean_env, monkeypatch):
    monkeypatch.setenv("TRAINING_ENVIRONMENT", "development")
    monkeypatch.setenv("TRAINING_PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("TRAINING_PLATFORM_NAME", "Школа актива")
    app = layered(clean_env / "instance")
    assert app.config["ENVIRONMENT"] == "development"
    assert app.config["PASSWORD_MIN_LENGTH"] == 12
    assert app.config["PLATFORM_NAME"] == "Школа актива"


def test_instance_config_sits_between_defaults_and_environment(clean_env, monkeypatch):
    instance = clean_env / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'ENVIRONMENT = "development"\nPLATFORM_NAME = "Из файла"\nPASSWORD_MIN_LENGTH = 10\n'
    )
    monkeypatch.setenv("TRAINING_PASSWORD_MIN_LENGTH", "14")
    app = layered(instance)
    assert app.config["PLATFORM_NAME"] == "Из файла"  # file beats defaults
    assert app.config["PASSWORD_MIN_LENGTH"] == 14  # environment beats file
    assert layered(instance, PASSWORD_MIN_LENGTH=16).config["PASSWORD_MIN_LENGTH"] == 16


def test_database_url_selects_psycopg(clean_env, monkeypatch):
    monkeypatch.setenv("TRAINING_ENVIRONMENT", "development")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.invalid:5432/training")
    app = layered(clean_env / "instance")
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.invalid:5432/training"
    )
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_create_app_opens_no_database_connection(clean_env):
    # A host that does not exist: any connection attempt at start-up would fail loudly.
    app = make(
        clean_env,
        ENVIRONMENT="development",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@db.invalid:1/none",
    )
    assert app.name == "app"


def test_redis_url_moves_rate_limits_to_redis(clean_env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = layered(clean_env / "instance", ENVIRONMENT="development")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_to_start_without_two_factor_keys(clean_env):
    with pytest.raises(SystemExit) as exc:
        make(clean_env, ENVIRONMENT="production", SECRET_KEY="x" * 40)
    assert str(exc.value.code).startswith("Configuration error: TWO_FACTOR_ENCRYPTION_KEYS")
    for bad in (["not-a-key"], [KEY, "short"]):
        with pytest.raises(SystemExit) as exc:
            make(
                clean_env,
                ENVIRONMENT="production",
                SECRET_KEY="x" * 40,
                TWO_FACTOR_ENCRYPTION_KEYS=bad,
            )
        assert "is not a Fernet key" in str(exc.value.code)


def test_two_factor_keys_read_as_a_list_or_comma_separated_and_derived_in_development(
    clean_env,
):
    other = Fernet.generate_key().decode()
    app = layered(ENVIRONMENT="testing", TWO_FACTOR_ENCRYPTION_KEYS=f" {KEY}, {other} ")
    assert app.config["TWO_FACTOR_ENCRYPTION_KEYS"] == (KEY, other)
    derived = layered(ENVIRONMENT="development", SECRET_KEY="a" * 32)
    again = layered(ENVIRONMENT="development", SECRET_KEY="a" * 32)
    changed = layered(ENVIRONMENT="development", SECRET_KEY="b" * 32)
    keys = derived.config["TWO_FACTOR_ENCRYPTION_KEYS"]
    assert len(keys) == 1 and Fernet(keys[0])  # a valid key, the same for the same SECRET_KEY
    assert again.config["TWO_FACTOR_ENCRYPTION_KEYS"] == keys
    assert changed.config["TWO_FACTOR_ENCRYPTION_KEYS"] != keys
