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

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
