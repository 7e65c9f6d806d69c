"""The engine's configuration: SQLite tuned for concurrent respondents, pools sized to FastAPI's thread pool."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import select

from app.db.engine import MAX_OVERFLOW, create_db_engine
from app.db.session import session_scope
from app.db.tables import Answer, Respondent, WebhookDelivery
from app.settings import get_settings
from tests.conftest import backend
from tests.db.factories import seed_respondent, seed_webhook_delivery

THREADS = 20
TRANSACTIONS_PER_THREAD = 5


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
        }
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": get_settings().sqlite_busy_timeout_ms,
        "synchronous": 1,  # NORMAL
        "foreign_keys": 1,
    }


def test_sqlite_transactions_begin_immediate(sqlite_engine: Engine) -> None:
    statements: list[str] = []
    event.listen(sqlite_engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert statements[0] == "BEGIN IMMEDIATE"


def test_the_pool_is_sized_for_fastapis_thread_pool(engine: Engine) -> None:
    settings = get_settings()
    assert settings.db_pool_size == 40
    assert engine.pool.size() == settings.db_pool_size  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == MAX_OVERFLOW  # type: ignore[attr-defined]
    if backend(engine) == "postgresql":
        assert engine.pool._pre_ping


def test_concurrent_read_then_write_transactions_all_succeed(migrated_engine: Engine) -> None:
    """The trap measured on this machine: on SQLite, a deferred read-then-write fails with
    "database is locked" under concurrency; with BEGIN IMMEDIATE every transaction waits its turn."""
    with session_scope(migrated_engine) as session:
        respondent = seed_respondent(session)
        delivery = seed_webhook_delivery(session, respondent.workspace_id)
        respondent_id, delivery_id = respondent.id, delivery.id

    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def respondent_saving(thread: int) -> None:
        start.wait()
        for n in range(TRANSACTIONS_PER_THREAD):
            try:
                with session_scope(migrated_engine) as session:
                    # Read first, then write in the same transaction: the pattern that fails.
                    session.exec(select(Answer).where(Answer.respondent_id == respondent_id)).all()
                    counter = session.get(WebhookDelivery, delivery_id, with_for_update=True)
                    assert counter is not None
                    counter.attempts += 1
                    session.add(Answer(respondent_id=respondent_id, question_id=f"q-{thread}-{n}", value=n))
            except BaseException as exc:  # collected: a failure in a thread must fail the test
                errors.append(exc)

    threads = [threading.Thread(target=respondent_saving, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [], f"{len(errors)} of {THREADS * TRANSACTIONS_PER_THREAD} transactions failed: {errors[0]!r}"
    with session_scope(migrated_engine) as session:
        answers = session.exec(select(func.count()).select_from(Answer)).one()
        counter = session.get(WebhookDelivery, delivery_id)
        assert counter is not None
        assert answers == THREADS * TRANSACTIONS_PER_THREAD
        # No lost update either: each read-modify-write saw the previous one's result.
        assert counter.attempts == THREADS * TRANSACTIONS_PER_THREAD


def test_session_scope_commits_on_success_and_rolls_back_on_error(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        respondent_id = seed_respondent(session).id

    with pytest.raises(RuntimeError), session_scope(migrated_engine) as session:
        session.add(Answer(respondent_id=respondent_id, question_id="lost", value=1))
        session.flush()
        raise RuntimeError("the use case failed after writing")

    with session_scope(migrated_engine) as session:
        assert session.exec(select(Answer)).all() == []
        assert session.get(Respondent, respondent_id) is not None


def test_a_read_session_reads_while_a_writer_holds_the_lock(sqlite_engine: Engine) -> None:
    from app.db.session import read_session

    with sqlite_engine.begin() as setup:
        setup.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        setup.exec_driver_sql("INSERT INTO notes (body) VALUES ('committed')")
    writer = sqlite_engine.connect()
    transaction = writer.begin()  # BEGIN IMMEDIATE: the write lock is held until commit
    writer.exec_driver_sql("INSERT INTO notes (body) VALUES ('uncommitted')")
    try:
        with read_session(sqlite_engine) as reading:
            # a normal session would wait for the lock here (busy timeout); a read session sees the
            # last committed state at once
            rows = reading.connection().exec_driver_sql("SELECT body FROM notes").scalars().all()
        assert rows == ["committed"]
    finally:
        transaction.rollback()
        writer.close()


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created world-readable unless the code says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_its_wal_shm_and_folder_are_private(tmp_path: Path, permissive_umask: None) -> None:
    file = tmp_path / "var" / "centricity.db"
    engine = create_db_engine(f"sqlite:///{file}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE probe (n INTEGER)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        wal, shm = file.with_name("centricity.db-wal"), file.with_name("centricity.db-shm")
        assert wal.exists() and shm.exists()  # still open: WAL mode keeps them
        assert {path.name: mode(path) for path in (file, wal, shm)} == {
            "centricity.db": 0o600,
            "centricity.db-wal": 0o600,
            "centricity.db-shm": 0o600,
        }
        assert mode(file.parent) == 0o700
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path, permissive_umask: None) -> None:
    file = tmp_path / "centricity.db"
    sqlite3.connect(file).close()  # created as SQLite does it: 0644 under this umask
    file.chmod(0o644)
    engine = create_db_engine(f"sqlite:///{file}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert mode(file) == 0o600
        assert mode(file.with_name("centricity.db-wal")) == 0o600
    finally:
        engine.dispose()
