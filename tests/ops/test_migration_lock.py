"""Several app instances migrate one PostgreSQL database on start: one at a time, under an advisory lock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from app.db.migrate import current_revision, head_revision, upgrade_to_head

KEY = "hashtext('centricity-migrations:' || coalesce(current_schema(), ''))"
LOCK = f"SELECT pg_advisory_lock({KEY})"
UNLOCK = f"SELECT pg_advisory_unlock({KEY})"
# Requests for this schema's migration lock that are waiting (pg_locks shows a bigint key's low 32 bits as objid).
WAITING = f"""SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
              AND objid = ({KEY}::bigint & 4294967295)::text::oid"""
WAIT_LIMIT = 60.0


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the migration lock is PostgreSQL's")
    return database_url


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_migration_waits_while_another_instance_holds_the_lock(postgres_url: str) -> None:
    holder = create_engine(postgres_url)
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade_to_head(postgres_url)
        except BaseException as exc:
            errors.append(exc)

    try:
        with holder.connect() as connection:
            connection.execute(text(LOCK))
            connection.commit()
            thread = threading.Thread(target=migrate)
            thread.start()
            # wait until the migration is blocked on the lock (pg_locks shows it waiting)
            deadline = time.monotonic() + WAIT_LIMIT
            while time.monotonic() < deadline:
                waiting = connection.execute(text(WAITING)).scalar()
                connection.commit()
                if waiting:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the migration never waited for the lock")
            # while the lock is held, nothing was migrated
            assert current_revision(postgres_url) is None
            connection.execute(text(UNLOCK))
            connection.commit()
        thread.join(WAIT_LIMIT)
        assert not thread.is_alive() and not errors, errors
        assert current_revision(postgres_url) == head_revision()
    finally:
        holder.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_instances_migrating_at_once_all_succeed(postgres_url: str) -> None:
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def migrate() -> None:
        start.wait()
        try:
            upgrade_to_head(postgres_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_LIMIT)
    assert not errors, errors
    assert current_revision(postgres_url) == head_revision()
    # and no instance still holds the lock: another connection takes it at once
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT pg_try_advisory_lock({KEY})")).scalar() is True
            connection.execute(text(UNLOCK))
    finally:
        engine.dispose()
