"""Database sessions: one per request (`get_session`) or per unit of work outside HTTP (`session_scope`).

Repositories never commit; the service function that owns a use case commits once, so a
request either changes everything it meant to or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from app.db.engine import READ_ONLY_OPTION, get_engine


def get_session() -> Iterator[Session]:
    """A session for one request (a FastAPI dependency); whatever was not committed is rolled back."""
    with Session(get_engine()) as session:
        yield session


def read_session(engine: Engine | None = None) -> Session:
    """A session for reads only. On SQLite its transactions take no write lock (they begin deferred,
    and WAL readers never wait for the writer); a write through it would fail or deadlock, so
    use it only to look things up before a short write transaction elsewhere."""
    return Session((engine or get_engine()).execution_options(**{READ_ONLY_OPTION: True}))


def engine_of(session: Session) -> Engine:
    """The engine a session works on (to open a read session beside it)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on any exception (CLI, jobs)."""
    with Session(engine or get_engine()) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
