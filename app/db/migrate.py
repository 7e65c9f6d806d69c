"""Running the Alembic migrations from Python: on start-up (`centricity serve`, `centricity migrate`) and in tests.

Alembic owns the schema; nothing in the application calls `create_all`. A database is
"ready" when its revision is the head of `migrations/`. On PostgreSQL, where several app
instances may start (and migrate) at once, migrations run under an advisory lock.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from app.db.engine import create_db_engine
from app.settings import PROJECT_ROOT, get_settings

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

Target = str | Engine | None


def alembic_config(target: Target = None) -> Config:
    """Alembic's configuration for a database URL or engine (default: the settings' database).

    With an engine, migrations run on one of its connections, which is how an in-memory
    SQLite database (alive only while its pool holds it) gets its schema.
    """
    config = Config(str(ALEMBIC_INI))
    # Absolute, so the commands work from any working directory.
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["configure_logging"] = False
    if isinstance(target, str):
        config.attributes["url"] = target
    return config


def upgrade_to_head(target: Target = None) -> None:
    """Bring the database to the newest schema; creates it (the SQLite file too) when empty."""
    _run(target, lambda config: command.upgrade(config, "head"))


def downgrade_to(revision: str, target: Target = None) -> None:
    """Go back to `revision` ("base" drops every table); for tests and rollbacks of a release."""
    _run(target, lambda config: command.downgrade(config, revision))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(target: Target = None) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    engine = target if isinstance(target, Engine) else create_db_engine(target)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if engine is not target:
            engine.dispose()


def is_at_head(target: Target = None) -> bool:
    return current_revision(target) == head_revision()


def _run(target: Target, run: Callable[[Config], None]) -> None:
    config = alembic_config(target)
    engine = target if isinstance(target, Engine) else None
    owned = engine is None and _is_postgresql(target if isinstance(target, str) else None)
    if owned:
        engine = create_db_engine(target if isinstance(target, str) else None)
    if engine is None:
        run(config)
        return
    try:
        with engine.connect() as connection:
            locked = connection.dialect.name == "postgresql"
            if locked:
                _lock_migrations(connection)
            try:
                config.attributes["connection"] = connection
                run(config)
            finally:
                if locked:
                    # The connection may go back to a pool and live on: never leave it holding the lock.
                    connection.rollback()
                    connection.execute(text(f"SELECT pg_advisory_unlock({_LOCK_KEY})"))
                    connection.commit()
    finally:
        if owned:
            engine.dispose()


def _is_postgresql(url: str | None) -> bool:
    return make_url(url or get_settings().database_url).get_backend_name() == "postgresql"


_LOCK_KEY = "hashtext('centricity-migrations:' || coalesce(current_schema(), ''))"


def _lock_migrations(connection: Connection) -> None:
    """Several app instances start at once on one PostgreSQL and each migrates on start: one at a
    time, so the others wait, then find the schema at head and do nothing. A session-level advisory
    lock (per schema), released when the migration ends or fails, or the connection closes."""
    connection.execute(text(f"SELECT pg_advisory_lock({_LOCK_KEY})"))
    connection.commit()
