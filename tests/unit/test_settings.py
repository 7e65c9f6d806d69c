"""The settings object: where each value comes from, and the mistakes it refuses at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import DEFAULT_SQLITE_PATH, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "CENTRICITY_ENVIRONMENT",
        "CENTRICITY_SECRET_KEY",
        "CENTRICITY_DB_POOL_SIZE",
        "CENTRICITY_BASE_URL",
        "CENTRICITY_SECURE_COOKIES",
        "CENTRICITY_METRICS_TOKEN",
        "CENTRICITY_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


def production(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    """A production environment that passes every check, changed by `variables`."""
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "production")
    monkeypatch.setenv("CENTRICITY_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("CENTRICITY_BASE_URL", "https://centricity.example.com")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


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


def test_production_accepts_a_real_secret_key_and_https(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)
    settings = Settings()
    assert settings.secret_key == "k" * 40
    assert settings.secure_cookies and settings.session_cookie_name == "__Host-centricity-session"


def test_production_accepts_secure_cookies_set_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, CENTRICITY_SECURE_COOKIES="true")
    assert Settings().secure_cookies


def test_production_refuses_cookies_without_https_and_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, CENTRICITY_SECURE_COOKIES="false")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = str(error.value)
    assert "CENTRICITY_SECURE_COOKIES=false is refused" in message
    assert "unset CENTRICITY_SECURE_COOKIES or set it to true" in message


@pytest.mark.parametrize("url", ["http://centricity.example.com", "centricity.example.com", "http://127.0.0.1:8000"])
def test_production_refuses_a_base_url_that_is_not_https(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    production(monkeypatch, CENTRICITY_BASE_URL=url)
    with pytest.raises(ValidationError, match="CENTRICITY_BASE_URL must be an https:// address") as error:
        Settings()
    assert "e.g. CENTRICITY_BASE_URL=https://" in str(error.value)


def test_production_refuses_the_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)
    monkeypatch.delenv("CENTRICITY_BASE_URL")
    with pytest.raises(ValidationError, match="CENTRICITY_BASE_URL must be an https:// address"):
        Settings()


def test_development_allows_plain_http_and_insecure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_SECURE_COOKIES", "false")
    settings = Settings()
    assert settings.base_url.startswith("http://") and not settings.secure_cookies
    assert settings.session_cookie_name == "centricity-session"


def test_metrics_token_and_log_level_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().metrics_token is None and Settings().log_level == "info"
    monkeypatch.setenv("CENTRICITY_METRICS_TOKEN", "scrape-me")
    monkeypatch.setenv("CENTRICITY_LOG_LEVEL", "warning")
    settings = Settings()
    assert settings.metrics_token == "scrape-me" and settings.log_level == "warning"
    assert "scrape-me" not in repr(settings)


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        Settings()
