"""`centricity backup` and `centricity restore` on SQLite: online and consistent copies, restores that check the
file first and change nothing when it is refused, and PostgreSQL pointed to pg_dump / pg_restore."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from app.cli import cli
from app.db import backup as backup_module
from app.db.engine import create_db_engine
from app.db.migrate import head_revision, upgrade_to_head
from app.settings import get_settings

runner = CliRunner()
# How many batches the writer commits before the backup runs, and at most in all (it stops by itself).
BATCHES_BEFORE_BACKUP = 20
MAX_BATCHES = 5000
ROWS_PER_BATCH = 3


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrated SQLite database (WAL, as the service leaves it) with a `probe` table of 10 rows."""
    path = tmp_path / "live" / "centricity.db"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE probe (batch INTEGER NOT NULL, n INTEGER NOT NULL)")
        connection.executemany("INSERT INTO probe VALUES (0, ?)", [(n,) for n in range(10)])
    connection.close()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "test")
    # A backup that wrongly waited for the write lock fails after this instead of hanging.
    monkeypatch.setenv("CENTRICITY_SQLITE_BUSY_TIMEOUT_MS", "3000")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, list(args), input=input)


def rows(path: Path, query: str = "SELECT batch, n FROM probe ORDER BY rowid") -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def content(path: Path) -> list[str]:
    """Everything in a database, as SQL."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_sound_centricity_backup(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
        # a single self-contained file: no -wal file is needed beside it
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        connection.close()


# ---- backup


def test_backup_runs_while_a_writer_holds_the_lock_and_copies_only_what_was_committed(
    database: Path, tmp_path: Path
) -> None:
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.executemany("INSERT INTO probe VALUES (1, ?)", [(n,) for n in range(5)])
        target = tmp_path / "copy.db"
        result = run("backup", str(target))
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    assert f"backed up {database} to {target}" in result.output
    assert_sound_centricity_backup(target)
    assert rows(target) == [(0, n) for n in range(10)]  # not the 5 rows uncommitted at the time
    assert len(rows(database)) == 15
    assert not list(tmp_path.glob(".copy.db.*"))  # no partial file left behind


def test_backup_while_another_connection_writes_holds_whole_transactions_only(database: Path, tmp_path: Path) -> None:
    enough = threading.Event()
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        connection = sqlite3.connect(database, isolation_level=None, timeout=10, check_same_thread=False)
        try:
            for batch in range(1, MAX_BATCHES + 1):
                if stop.is_set():
                    return
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany("INSERT INTO probe VALUES (?, ?)", [(batch, n) for n in range(ROWS_PER_BATCH)])
                connection.execute("COMMIT")
                if batch == BATCHES_BEFORE_BACKUP:
                    enough.set()
        except BaseException as exc:
            failures.append(exc)
        finally:
            enough.set()
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert enough.wait(60)
        first, second = tmp_path / "first.db", tmp_path / "second.db"
        results = [run("backup", str(first)), run("backup", str(second))]
    finally:
        stop.set()
        thread.join(60)
    assert not failures, failures
    for result, target in zip(results, (first, second), strict=True):
        assert result.exit_code == 0, result.output
        assert_sound_centricity_backup(target)
        sizes = rows(target, "SELECT batch, count(*) FROM probe WHERE batch > 0 GROUP BY batch ORDER BY batch")
        batches = [batch for batch, _ in sizes]
        assert len(batches) >= BATCHES_BEFORE_BACKUP
        # every transaction is in the copy whole or not at all, and none is missing before the last copied
        assert all(count == ROWS_PER_BATCH for _, count in sizes), sizes
        assert batches == list(range(1, len(batches) + 1))
    assert len(rows(second)) >= len(rows(first))


def test_backup_refuses_to_replace_a_file_unless_forced(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "existing.db"
    target.write_text("keep me")
    refused = run("backup", str(target))
    assert refused.exit_code == 2 and "already exists" in refused.output and "--force" in refused.output
    assert target.read_text() == "keep me"
    forced = run("backup", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert_sound_centricity_backup(target)


def test_backup_of_a_missing_database_or_into_a_missing_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Path
) -> None:
    into_nowhere = run("backup", str(tmp_path / "no" / "such" / "folder" / "copy.db"))
    assert into_nowhere.exit_code == 2 and "does not exist" in into_nowhere.output
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    get_settings.cache_clear()
    result = run("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 2 and "there is no database at" in result.output
    assert not (tmp_path / "absent.db").exists() and not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize(
    ("command", "tool"),
    [("backup", "pg_dump --format=custom"), ("restore", "pg_restore --clean --if-exists")],
)
def test_postgresql_is_pointed_to_its_own_tools(
    command: str, tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone:secret@db.invalid/centricity")
    get_settings.cache_clear()
    try:
        file = tmp_path / "file.db"
        file.write_bytes(b"")
        result = run(command, str(file), "--yes") if command == "restore" else run(command, str(tmp_path / "x.db"))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output and tool in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


# ---- restore


def test_restore_brings_back_the_backup_and_running_connections_see_it(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    expected, backup_bytes = content(backup), digest(backup)
    # what happens after the backup: more rows, fewer rows
    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO probe VALUES (9, 9)")
        connection.execute("DELETE FROM probe WHERE n < 5")
    connection.close()
    # an app engine with a pooled connection open, as a running server has
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as live:
            assert live.execute(text("SELECT count(*) FROM probe")).scalar() == 6
        result = run("restore", str(backup), "--yes")
        assert result.exit_code == 0, result.output
        assert f"restored {database} from {backup}" in result.output
        with engine.connect() as live:
            assert live.execute(text("SELECT count(*) FROM probe")).scalar() == 10
    finally:
        engine.dispose()
    assert rows(database) == [(0, n) for n in range(10)]
    assert [line for line in content(database) if "probe" in line] == [line for line in expected if "probe" in line]
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # still as the service set it
    finally:
        connection.close()
    assert digest(backup) == backup_bytes  # the backup file is left as it was
    assert not (tmp_path / "backup.db-wal").exists()


def _refused_and_unchanged(database: Path, file: Path, *expected: str) -> None:
    before_bytes, before_content = digest(database), content(database)
    file_bytes = file.read_bytes()
    result = run("restore", str(file), "--yes")
    assert result.exit_code == 2, result.output
    for words in expected:
        assert words in result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert digest(database) == before_bytes and content(database) == before_content
    assert file.read_bytes() == file_bytes


def test_restore_of_a_file_that_is_not_a_database_is_refused_and_changes_nothing(
    database: Path, tmp_path: Path
) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("These are not the tables you are looking for.\n" * 200)
    _refused_and_unchanged(database, file, "is not a SQLite database")


def test_restore_of_another_sqlite_database_is_refused(database: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
        connection.execute("INSERT INTO contacts VALUES ('Ada')")
    connection.close()
    _refused_and_unchanged(database, other, "not a Centricity database", "alembic_version")


def test_restore_of_an_empty_file_is_refused(database: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    _refused_and_unchanged(database, empty, "not a Centricity database")


def test_restore_of_a_backup_from_an_unknown_schema_is_refused(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "future.db"
    assert run("backup", str(backup)).exit_code == 0
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    connection.close()
    _refused_and_unchanged(database, backup, "f00dfeedbeef", "does not know")


def test_restore_of_a_damaged_backup_is_refused(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "damaged.db"
    assert run("backup", str(backup)).exit_code == 0
    data = bytearray(backup.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) >= 4 * page_size
    # scribble over the middle of the file (b-tree pages), keeping the header readable
    middle = len(data) // 2
    data[middle : middle + page_size] = bytes((i * 37) % 251 for i in range(page_size))
    backup.write_bytes(bytes(data))
    before = digest(database)
    result = run("restore", str(backup), "--yes")
    assert result.exit_code == 2, result.output
    assert "integrity check" in result.output or "not a readable SQLite database" in result.output
    assert digest(database) == before


def test_restore_asks_first_and_a_no_changes_nothing(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO probe VALUES (9, 9)")
    connection.close()
    result = run("restore", str(backup), input="n\n")
    assert result.exit_code == 2 and "Replace everything in" in result.output and "nothing was changed" in result.output
    assert len(rows(database)) == 11


def test_a_backup_and_a_restored_database_are_readable_by_their_owner_only(database: Path, tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, under which new files are world-readable
    try:
        target = tmp_path / "centricity-backup.db"
        assert run("backup", str(target)).exit_code == 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        database.chmod(0o644)
        assert run("restore", str(target), "--yes").exit_code == 0
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        # and a restore into a database that is not there yet creates it private
        fresh = tmp_path / "new" / "centricity.db"
        assert backup_module.restore(f"sqlite:///{fresh}", target).file == target
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
