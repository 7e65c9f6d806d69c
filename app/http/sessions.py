"""The request's database sessions as dependencies: one unit of work per writing request, read sessions for the rest.

`SessionDep` is the unit of work: the handler and the services it calls add and flush, and the
dependency commits once when the handler returns, or rolls back when it raises. Its scope is
"function", so the commit is done before the response is sent: a client that gets a 201 finds
the row. A session starts its transaction (on SQLite `BEGIN IMMEDIATE`, the write lock) only at
its first statement, so a handler should do its slow work (parsing, hashing, scoring,
rendering) before that and read what it needs on a read session.

`ReadSessionDep` is for requests that only read: on SQLite its transaction takes no lock and
never waits for a writer (see `app.db.session.read_session`). Every GET route takes this one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db.engine import get_engine
from app.db.session import read_session


async def request_session() -> AsyncIterator[Session]:
    """The request's unit of work. An async dependency on purpose: a sync one costs two trips through
    the thread pool per request (enter and exit) even when the handler writes nothing; the commit,
    which waits on the database, goes to the thread pool only when there is something to commit."""
    with Session(get_engine()) as session:
        try:
            yield session
        except BaseException:
            if session.in_transaction():
                await run_in_threadpool(session.rollback)
            raise
        if session.in_transaction():
            await run_in_threadpool(session.commit)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]


async def request_read_session() -> AsyncIterator[Session]:
    """A read session for a request that only reads (on SQLite it takes no write lock; see `read_session`)."""
    with read_session() as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(request_read_session)]
