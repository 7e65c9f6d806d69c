"""The settings object: where each value comes from, and the mistakes it refuses at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import DEFAULT_SQLITE_PATH, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "CENTRICITY_ENVIRONMENT", "CENTRICITY_SECRET_KEY", "CENTRICITY_DB_POOL_SIZE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_to_a_sqlite_file_under_var_and_a_pool_as_large_as_fastapis() -> None:
    settings = Settings()
    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "var"
    assert settings.environment == "development"
    assert settings.db_pool_size == 40
    assert settings.sqlite_busy_timeout_ms == 15_000


def test_database_url_is_read_without_prefix_and_the_rest_with(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@db/centricity")
    monkeypatch.setenv("CENTRICITY_DB_POOL_SIZE", "12")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db/centricity"
    assert settings.db_pool_size == 12


@pytest.mark.parametrize("url", ["postgres://u:p@db/c", "postgresql://u:p@db/c"])
def test_a_plain_postgres_url_uses_the_installed_driver(url: str) -> None:
    assert Settings(database_url=url).database_url == "postgresql+psycopg://u:p@db/c"


def test_development_gets_a_random_secret_key() -> None:
    first, second = Settings().secret_key, Settings().secret_key
    assert len(first) >= 32
    assert first != second


def test_production_without_a_secret_key_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="CENTRICITY_SECRET_KEY must be set"):
        Settings()


def test_production_refuses_a_short_secret_key_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "production")
    monkeypatch.setenv("CENTRICITY_SECRET_KEY", "hunter2")
    with pytest.raises(ValidationError, match="shorter than 32") as error:
        Settings()
    assert "hunter2" not in str(error.value)


def test_production_accepts_a_real_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "production")
    monkeypatch.setenv("CENTRICITY_SECRET_KEY", "k" * 40)
    assert Settings().secret_key == "k" * 40


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        Settings()
