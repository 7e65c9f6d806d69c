"""Alembic environment: runs the migrations against the configured database (or the one a caller gives).

Where the database comes from, first found wins: `config.attributes["connection"]` (an
open SQLAlchemy connection, e.g. a test's in-memory database), `config.attributes["url"]`
(`app.db.migrate` and the tests), then the application settings (`DATABASE_URL`), so the
`alembic` command and the service always agree on which database they mean.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

from app.db.engine import create_db_engine
from app.db.tables import AwareDateTime, metadata
from app.settings import get_settings

config = context.config

# Only the `alembic` command configures logging: when the service migrates on start-up,
# reconfiguring here would disable the loggers the server has already set up.
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render the application's column types as plain SQLAlchemy ones, so migrations never import `app`."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, sa.JSON) and "postgresql" in obj._variant_mapping:
        # Alembic's own rendering of this variant names `Text` without importing it.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        render_item=render_item,
        **options,
    )


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    url = config.attributes.get("url") or get_settings().database_url
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=str(url).startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    driver_connection: Any = connection.connection.driver_connection if sqlite else None
    # SQLite alters a table by copying it and dropping the original; with foreign keys on,
    # that drop deletes (ON DELETE CASCADE) every row that references the table. The pragma
    # only works outside a transaction, hence on the driver connection, before BEGIN.
    toggle_foreign_keys = sqlite and not driver_connection.in_transaction
    if toggle_foreign_keys:
        driver_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        _configure(
            connection=connection,
            render_as_batch=sqlite,
            # The engine starts SQLite transactions itself (BEGIN IMMEDIATE), which makes its
            # DDL transactional: a failed upgrade leaves the database as it was.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")
    finally:
        if toggle_foreign_keys:
            driver_connection.execute("PRAGMA foreign_keys = ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_db_engine(config.attributes.get("url") or get_settings().database_url)
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
