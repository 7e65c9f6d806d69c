"""Database sessions: read sessions (no write lock on SQLite) and units of work outside HTTP (`session_scope`).

The unit-of-work rule: services add and flush, and never commit; whoever owns the unit of work
commits once, so a request or a job either changes everything it meant to or nothing. For a
request that is the session dependency (`app.http.sessions.SessionDep`); for the CLI and the
background jobs it is `session_scope`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from app.db.engine import READ_ONLY_OPTION, get_engine


def read_session(engine: Engine | None = None) -> Session:
    """A session for reads only. On SQLite its transactions take no write lock (they begin deferred,
    and WAL readers never wait for the writer); a write through it would fail or deadlock, so
    use it only to look things up before a short write transaction elsewhere."""
    return Session((engine or get_engine()).execution_options(**{READ_ONLY_OPTION: True}))


def engine_of(session: Session) -> Engine:
    """The engine a session works on (to open a read session beside it)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def writing_engine(engine: Engine) -> Engine:
    """`engine` for writes, even when it is a read session's (whose SQLite transactions begin deferred)."""
    return engine.execution_options(**{READ_ONLY_OPTION: False})


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on any exception (CLI, jobs,
    and the tiny transactions that must be committed before a request goes on)."""
    with Session(writing_engine(engine or get_engine())) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
