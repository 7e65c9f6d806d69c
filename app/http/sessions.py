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

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import Depends
from sqlmodel import Session

from app.db.engine import MAX_OVERFLOW, get_engine
from app.db.session import read_session
from app.settings import get_settings

# Sync handlers run in the shared thread pool, and a finished handler's session keeps its connection
# until it is committed. Were commits queued for those same threads, the handlers that started next
# could take every thread while waiting for a connection, while every connection waits for a thread
# to commit it: a deadlock until the pool's timeout (seen with 100 respondents at once on
# PostgreSQL, one worker). So commits and rollbacks have threads of their own, as many as the
# engine has connections: a session that holds one can always finish.
_finishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = weakref.WeakKeyDictionary()


def _finisher() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _finishers.get(loop)
    if limiter is None:
        limiter = _finishers[loop] = CapacityLimiter(get_settings().db_pool_size + MAX_OVERFLOW)
    return limiter


async def _finish(step: Callable[[], None]) -> None:
    """Commit or roll back off the event loop, on a thread no handler can be holding."""
    await to_thread.run_sync(step, limiter=_finisher())


async def request_session() -> AsyncIterator[Session]:
    """The request's unit of work. An async dependency on purpose: a sync one costs two trips through
    the thread pool per request (enter and exit) even when the handler writes nothing; the commit,
    which waits on the database, goes to the thread pool only when there is something to commit."""
    with Session(get_engine()) as session:
        try:
            yield session
        except BaseException:
            if session.in_transaction():
                await _finish(session.rollback)
            raise
        if session.in_transaction():
            await _finish(session.commit)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]


async def request_read_session() -> AsyncIterator[Session]:
    """A read session for a request that only reads (on SQLite it takes no write lock; see `read_session`)."""
    with read_session() as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(request_read_session)]
