"""Backup and restore of the SQLite database, online and consistent; PostgreSQL has pg_dump and pg_restore.

Both go through SQLite's backup API, never a file copy of a live database (which can catch
a page half-written, or miss what still sits in the WAL file):

* a backup copies one snapshot in a single read transaction: in WAL mode the service keeps
  writing meanwhile, and the copy has every transaction committed before it began and none
  after. It is written beside the target, checked, and renamed into place.
* a restore first checks a private copy of the file (SQLite can read it, `integrity_check`
  is ok, it has an `alembic_version` of this code's migrations), then writes it into the
  database as one write transaction: running processes and a crash midway see the old
  database or the new one, never a mix. A file that fails a check changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from app.db.engine import make_private_sqlite_file
from app.db.migrate import alembic_config, head_revision

POSTGRES_BACKUP_HINT = (
    "backup works on the SQLite database; this DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g. "
    'pg_dump --format=custom --file=centricity.dump "postgresql://user:pass@host/db"'
)
POSTGRES_RESTORE_HINT = (
    "restore works on the SQLite database; this DATABASE_URL is PostgreSQL: restore a pg_dump file with pg_restore, "
    'e.g. pg_restore --clean --if-exists --no-owner --dbname="postgresql://user:pass@host/db" centricity.dump'
)


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why, and nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Copied:
    database: Path
    file: Path
    revision: str
    at_head: bool


def sqlite_database(database_url: str, *, postgres_hint: str) -> Path:
    """The file of a SQLite DATABASE_URL; a PostgreSQL or in-memory database is refused with a hint."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        raise BackupError(postgres_hint)
    if backend != "sqlite":
        raise BackupError(f"backup and restore work on SQLite databases, not {backend}")
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("the database is in memory: there is no file to back up or restore")
    return Path(database)


def backup(database_url: str, target: Path, *, overwrite: bool = False, busy_timeout_ms: int = 15_000) -> Copied:
    """Copy the database to `target` while the service runs; refuses to replace a file unless `overwrite`."""
    database = sqlite_database(database_url, postgres_hint=POSTGRES_BACKUP_HINT)
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose another file or pass --force to replace it")
    if target.exists() and target.resolve() == database.resolve():
        raise BackupError(f"{target} is the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        source = sqlite3.connect(database, timeout=busy_timeout_ms / 1000)
        # A backup is the whole database: as private as the database (0600), kept so by the rename.
        make_private_sqlite_file(partial)
        copy = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, so one snapshot (a backup in several steps
            # starts over whenever another process writes between them).
            source.backup(copy, pages=-1)
            # A self-contained file: no -wal file needed beside it to read it.
            copy.execute("PRAGMA journal_mode = DELETE")
            revision = _check(copy, str(database))
        finally:
            copy.close()
            source.close()
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(database, target, revision, revision == head_revision())


def restore(database_url: str, source: Path, *, busy_timeout_ms: int = 15_000) -> Copied:
    """Replace the database's content with the backup `source`, after checking it is a sound Centricity database."""
    database = sqlite_database(database_url, postgres_hint=POSTGRES_RESTORE_HINT)
    if not source.is_file():
        raise BackupError(f"there is no file at {source}")
    if database.exists() and source.resolve() == database.resolve():
        raise BackupError(f"{source} is the database itself")
    with tempfile.TemporaryDirectory(prefix="centricity-restore-") as folder:
        # Checked and read from a private copy: what was checked is exactly what is restored,
        # and the backup file itself is never modified (no journal, no -wal files beside it).
        checked = Path(folder) / "restore.db"
        shutil.copyfile(source, checked)
        copy = sqlite3.connect(checked)
        try:
            try:
                copy.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"{source} is not a SQLite database ({exc}); nothing was changed") from None
            revision = _check(copy, str(source), suffix="; nothing was changed")
            make_private_sqlite_file(database)
            target = sqlite3.connect(database, timeout=busy_timeout_ms / 1000)
            try:
                _match_page_size(copy, target)
                # One step: one write transaction on the database, committed at the end or not at all.
                copy.backup(target, pages=-1)
            except sqlite3.Error as exc:
                raise BackupError(f"the restore failed and was rolled back, nothing was changed: {exc}") from None
            finally:
                target.close()
        finally:
            copy.close()
    return Copied(database, source, revision, revision == head_revision())


def _check(connection: sqlite3.Connection, name: str, suffix: str = "") -> str:
    """The revision of a sound Centricity database; BackupError (naming `name`) otherwise."""
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise BackupError(f"{name} failed SQLite's integrity check: {'; '.join(problems[:5])}{suffix}")
        has_versions = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if not has_versions:
            raise BackupError(f"{name} is not a Centricity database (it has no alembic_version table){suffix}")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} is not a readable SQLite database ({exc}){suffix}") from None
    if row is None:
        raise BackupError(f"{name} has an empty alembic_version table: its schema was never migrated{suffix}")
    revision = str(row[0])
    if not _known_revision(revision):
        raise BackupError(
            f"{name} is at schema revision {revision}, which this version of Centricity does not know "
            f"(made by a newer version?){suffix}"
        )
    return revision


def _known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False


def _match_page_size(copy: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """The backup API cannot copy into a WAL database of another page size; rebuild the copy with the target's."""
    wanted = target.execute("PRAGMA page_size").fetchone()[0]
    if copy.execute("PRAGMA page_size").fetchone()[0] != wanted:
        copy.execute(f"PRAGMA page_size = {int(wanted)}")
        copy.execute("VACUUM")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
