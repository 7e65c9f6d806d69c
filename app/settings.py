"""The one settings object of the service, read from the environment (prefix `CENTRICITY_`, and `DATABASE_URL`).

Every part of the shell (database, API, web, CLI) reads its configuration from here, so a
deployment is configured in one place and a wrong value stops the service at start-up
instead of failing on the first request that needs it.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "centricity.db"
# A production secret shorter than this is more likely a placeholder than a key.
MIN_PRODUCTION_SECRET_LENGTH = 32

Environment = Literal["development", "test", "production"]


def _default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


class Settings(BaseSettings):
    """Configuration of one running instance; see the README for each variable."""

    # Errors must not echo the input: it holds the secret key and the database password.
    model_config = SettingsConfigDict(
        env_prefix="CENTRICITY_", validate_by_name=True, extra="ignore", hide_input_in_errors=True
    )

    # Read as `DATABASE_URL` without the prefix: it is the name every platform and tool sets.
    database_url: str = Field(default_factory=_default_database_url, validation_alias="DATABASE_URL")
    environment: Environment = "development"
    secret_key: str = Field(default="", repr=False)
    # FastAPI runs sync routes in a thread pool of 40; a smaller connection pool makes
    # requests queue for a connection (and time out) while threads are free.
    db_pool_size: int = Field(default=40, ge=1)
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)
    # The address people reach the service at; respondent links are built from it.
    base_url: str = "http://127.0.0.1:8000"
    # Cookies only over HTTPS (Secure, `__Host-` prefix) and HSTS; on unless in development or tests.
    secure_cookies_setting: bool | None = Field(default=None, validation_alias="CENTRICITY_SECURE_COOKIES")
    # Each app instance runs a webhook sender thread; instances share the queue safely.
    # Off for tests (they call `deliver_due` themselves) or to run delivery elsewhere.
    webhook_sender: bool = True
    # Requests the service sends (webhooks) may go to this machine's loopback addresses: for
    # tests and local development only, refused in production. Private and link-local never.
    outbound_allow_loopback: bool = False
    # When set, GET /metrics answers only `Authorization: Bearer <token>`; unset, it is open
    # (keep it off the public address then, as the compose example's proxy does).
    metrics_token: str | None = Field(default=None, repr=False)
    # The level of the JSON log lines on stderr (uvicorn's and the app's alike).
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # PDF reports render in worker processes of each app instance: how many at once, how long
    # one may take before it is stopped, and after how many renders a worker is replaced.
    report_workers: int = Field(default=2, ge=1, le=16)
    report_timeout_seconds: float = Field(default=60.0, gt=0)
    report_renders_per_worker: int = Field(default=50, ge=1)
    # Render a report in the background when its assessment closes, and when an HTML download finds
    # none stored, so the PDF is ready before anyone asks (tests that do not look at it turn it off).
    report_background_renders: bool = True
    # uvicorn's own variable: the proxies whose X-Forwarded-For/-Proto are believed (addresses or
    # networks, comma-separated). Empty: none, and the sign-in limits count the connection's own
    # address; anyone else could otherwise name any address they like and escape the limits.
    forwarded_allow_ips: str = Field(default="", validation_alias="FORWARDED_ALLOW_IPS")
    # Where the questionnaire library is read from (each file parsed once, again when it changes).
    questionnaires_dir: Path = PROJECT_ROOT / "questionnaires"

    @field_validator("database_url")
    @classmethod
    def _use_installed_postgres_driver(cls, url: str) -> str:
        # Platforms hand out `postgres://` / `postgresql://`, which SQLAlchemy maps to
        # psycopg2; the driver this project installs is psycopg 3.
        for scheme in ("postgres://", "postgresql://"):
            if url.startswith(scheme):
                return "postgresql+psycopg://" + url.removeprefix(scheme)
        return url

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        if self.secret_key:
            if self.environment == "production" and len(self.secret_key) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    f"CENTRICITY_SECRET_KEY is shorter than {MIN_PRODUCTION_SECRET_LENGTH} characters; "
                    'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
                )
            return self
        if self.environment == "production":
            raise ValueError(
                "CENTRICITY_SECRET_KEY must be set when CENTRICITY_ENVIRONMENT=production; "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        # Development and tests get a fresh key per process: nothing signed with it survives
        # a restart, which is acceptable there and never silently shared between machines.
        self.secret_key = secrets.token_urlsafe(32)
        return self

    @model_validator(mode="after")
    def _require_https_in_production(self) -> Settings:
        # Sessions and CSRF cookies sent over plain HTTP can be read and replayed by anyone on
        # the path; respondent links on an http:// address leak the same way.
        if self.environment != "production":
            return self
        if self.secure_cookies_setting is False:
            raise ValueError(
                "CENTRICITY_SECURE_COOKIES=false is refused when CENTRICITY_ENVIRONMENT=production: "
                "serve the app over HTTPS (e.g. behind a TLS-terminating proxy) and unset CENTRICITY_SECURE_COOKIES "
                "or set it to true; for a plain-HTTP trial use CENTRICITY_ENVIRONMENT=development"
            )
        if self.outbound_allow_loopback:
            raise ValueError(
                "CENTRICITY_OUTBOUND_ALLOW_LOOPBACK=true is refused when CENTRICITY_ENVIRONMENT=production: "
                "it lets anyone who can create a webhook make the service post to its own machine; "
                "it is for tests and local development"
            )
        if not self.base_url.lower().startswith("https://"):
            raise ValueError(
                "CENTRICITY_BASE_URL must be an https:// address when CENTRICITY_ENVIRONMENT=production "
                "(the address people reach the service at, which respondent links are built on), "
                "e.g. CENTRICITY_BASE_URL=https://centricity.example.com"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.secure_cookies_setting is not None:
            return self.secure_cookies_setting
        return self.environment == "production"

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
        return "__Host-centricity-session" if self.secure_cookies else "centricity-session"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; tests call `get_settings.cache_clear()` after changing the environment."""
    return Settings()
