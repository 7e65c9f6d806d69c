"""How many requests may run at once against the database, so that SQLite never deadlocks the thread pool.

On SQLite every transaction takes the write lock when it begins (BEGIN IMMEDIATE), reads
included. A request that holds the lock can still need a second thread to finish (FastAPI
validates a response model in the thread pool). With 40 requests blocked on the lock
holding all 40 threads, the holder never gets one, and everyone waits until the busy
timeout fails them. Keeping fewer requests in flight than there are threads means the
holder always finds a thread; the rest wait here, on the event loop, using no thread.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

SQLITE_CONCURRENT_REQUESTS = 4
_UNLIMITED_PATHS = ("/healthz", "/metrics", "/static/")


class DatabaseConcurrencyLimit:
    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNLIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:  # made on first use, inside the server's event loop
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
