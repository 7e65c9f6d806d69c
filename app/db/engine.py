"""The SQLAlchemy engine, configured for the two supported databases: SQLite (embedded default) and PostgreSQL.

SQLite is tuned so that many respondents saving at once wait for each other instead of
failing: WAL (cheap commits; readers outside the app, such as a backup, never block it),
a busy timeout, and every transaction started with `BEGIN IMMEDIATE`. The last one
matters most: a deferred transaction that reads and then writes cannot wait for the
write lock (SQLite answers "database is locked" at once, whatever the busy timeout,
because waiting could deadlock), so the lock is taken up front, where the busy timeout
applies. The price is that the app runs one transaction at a time on SQLite; they last
milliseconds, and deployments that need more use PostgreSQL.

The SQLite file holds everything (answers, password hashes), so it is made readable by its
owner only (0600, its folder 0700 when created here) before SQLite first opens it: SQLite
gives its -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from app.settings import Settings, get_settings

# Connections beyond the pool for short bursts (background jobs, the CLI next to the server).
MAX_OVERFLOW = 10


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return Path(database)


READ_ONLY_OPTION = "centricity_read_only"
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
# Beside the database, SQLite writes these; they hold its latest pages.
SQLITE_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


def make_private_sqlite_file(file: Path) -> None:
    """Create `file` (an empty file is an empty SQLite database) readable by its owner only, or take
    the group's and others' access away from an existing one and its companions (-wal, -shm)."""
    file.parent.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        pass
    else:
        # The mode given to open() is narrowed by the umask, never widened: 0600 stays 0600 or less.
        os.close(descriptor)
    for path in (file, *(file.with_name(file.name + suffix) for suffix in SQLITE_COMPANION_SUFFIXES)):
        try:
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(PRIVATE_FILE_MODE)
        except FileNotFoundError:
            continue
        except PermissionError:
            # Someone else's file (a shared, read-only deployment): theirs to set; SQLite reports real problems.
            continue


def create_db_engine(url: str | URL | None = None, *, settings: Settings | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: the settings' database); `options` go to `create_engine` and win.

    Passing `poolclass` (e.g. `StaticPool` for an in-memory test database) turns off the
    pool sizing done here, which only applies to the default queue pool.
    """
    settings = settings or get_settings()
    parsed = make_url(url if url is not None else settings.database_url)
    engine_options: dict[str, Any] = {}
    custom_pool = "poolclass" in options or "pool" in options

    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(parsed)
        if file is not None:
            make_private_sqlite_file(file)
            if not custom_pool:
                engine_options.update(pool_size=settings.db_pool_size, max_overflow=MAX_OVERFLOW)
        # Sessions are used by FastAPI's worker threads, not the thread that opened the connection.
        engine_options["connect_args"] = {"check_same_thread": False, **options.pop("connect_args", {})}
        engine_options.update(options)
        engine = create_engine(parsed, **engine_options)
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine

    if parsed.get_backend_name() == "postgresql" and not custom_pool:
        engine_options.update(
            pool_size=settings.db_pool_size,
            max_overflow=MAX_OVERFLOW,
            # Several app instances share the server; a connection it dropped (restart,
            # idle timeout) is replaced instead of failing the request that draws it.
            pool_pre_ping=True,
        )
    engine_options.update(options)
    return create_engine(parsed, **engine_options)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (which would emit a
        # deferred BEGIN lazily) so that `_on_begin` decides how transactions start; this
        # also lets the PRAGMAs below run outside any transaction, where they take effect.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            # Safe with WAL (a power cut may lose the last commits, never corrupt the file)
            # and it saves an fsync per commit.
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A connection marked read-only begins deferred: in WAL mode it then takes no lock
        # at all and never waits for writers. It must not write (see session.read_session).
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for the configured database (one pool per process)."""
    return create_db_engine()
