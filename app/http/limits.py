"""Limits on requests: how many may run at once against the database (so that SQLite never
deadlocks the thread pool), and how large a body may be.

On SQLite every transaction takes the write lock when it begins (BEGIN IMMEDIATE), reads
included. A request that holds the lock can still need a second thread to finish (FastAPI
validates a response model in the thread pool). With 40 requests blocked on the lock
holding all 40 threads, the holder never gets one, and everyone waits until the busy
timeout fails them. Keeping fewer requests in flight than there are threads means the
holder always finds a thread; the rest wait here, on the event loop, using no thread.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SQLITE_CONCURRENT_REQUESTS = 4
# /readyz reads on a read-only connection, which never waits for the write lock.
_UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics", "/static/")


class _Place:
    """A request's place among those running against the database, given up at most once."""

    def __init__(self, semaphore: asyncio.Semaphore):
        self._semaphore = semaphore
        self._held = False

    async def take(self) -> None:
        await self._semaphore.acquire()
        self._held = True

    def give_up(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


_current_place: ContextVar[_Place | None] = ContextVar("centricity_database_place", default=None)


def done_with_database() -> None:
    """Give up the running request's place under the limit: for a request whose remaining work is slow
    and needs no write lock (a report's render takes seconds in a worker process). Without this, a few
    report downloads would keep every respondent waiting in the queue until their renders end."""
    place = _current_place.get()
    if place is not None:
        place.give_up()


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
        place = _Place(self._semaphore)
        await place.take()
        token = _current_place.set(place)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_place.reset(token)
            place.give_up()


# The largest body any route takes: a logo (512 KiB) as a multipart form, a pasted invitation
# list, pushed responses. Bodies are read into memory before validation, so without a limit one
# request could take as much memory as it liked.
MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024


class RequestBodyLimit:
    """Refuses a request body over `max_bytes` with 413, whether its Content-Length says so up
    front or it streams in chunks, before more than `max_bytes` are read. The refusal is raised
    where the route reads its body, so the app's own error handlers answer it (JSON under /api,
    a page elsewhere) and the route does nothing."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self) -> HTTPException:
        return HTTPException(413, f"the request body is larger than {self.max_bytes // 1024} KiB")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
