"""Render workers: PDFs are printed in separate processes, with a time limit, so no request waits behind one.

WeasyPrint holds the GIL for the whole render (a second or more); in FastAPI's thread pool a
render raised another endpoint's p99 from 2 ms to 153 ms on this machine class. Here each
render runs in a pebble process pool: a render that overruns its limit is killed and its
worker replaced, workers are recycled after a number of renders (WeasyPrint's caches only
grow), and they run at a lower CPU priority so the web process stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pebble import ProcessPool

# Added to the workers' niceness (19, the lowest priority): the scheduler serves the web process first.
WORKER_NICENESS = 19


class RenderTimeout(Exception):
    """A render took longer than the limit; its worker was stopped and replaced."""


class RenderFailed(Exception):
    """A render raised an error or its worker died."""


def _start_worker() -> None:
    with contextlib.suppress(OSError):  # not permitted on some platforms; rendering still works
        os.nice(WORKER_NICENESS)
    # Load WeasyPrint and fontconfig once per worker, before the first request waits on them.
    from app.report.pdf import html_to_pdf

    html_to_pdf("<p>warm-up 0123456789</p>")


def _render(context: dict[str, Any], logo: bytes | None, logo_mime: str | None) -> bytes:
    from app.report.pdf import render_pdf

    return render_pdf(context, logo, logo_mime)


class ReportRenderer:
    """A lazily started process pool for reports; one per web process."""

    def __init__(self, workers: int, timeout_seconds: float, max_renders_per_worker: int):
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self.max_renders_per_worker = max_renders_per_worker
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def _started(self) -> ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                # forkserver: workers never inherit the web process's threads, sockets or locks.
                self._pool = ProcessPool(
                    max_workers=self.workers,
                    max_tasks=self.max_renders_per_worker,
                    initializer=_start_worker,
                    context=multiprocessing.get_context("forkserver"),
                )
            return self._pool

    def submit(self, context: dict[str, Any], logo: bytes | None = None, logo_mime: str | None = None) -> Future[bytes]:
        future: Future[bytes] = self._started().schedule(
            _render, args=(context, logo, logo_mime), timeout=self.timeout_seconds
        )
        return future

    async def render_async(
        self, context: dict[str, Any], logo: bytes | None = None, logo_mime: str | None = None
    ) -> bytes:
        """Render and wait without holding a thread or the event loop."""
        future = self.submit(context, logo, logo_mime)
        try:
            await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()  # the client went away: pebble stops the render and replaces the worker
            raise
        except Exception:
            pass  # _outcome says what went wrong
        return _outcome(future)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
                self._pool.join()
                self._pool = None


def _outcome(future: Future[bytes]) -> bytes:
    try:
        return future.result()
    except FutureTimeout as exc:
        raise RenderTimeout("the report took too long to render and was stopped") from exc
    except Exception as exc:
        raise RenderFailed(f"the report could not be rendered: {exc}") from exc
