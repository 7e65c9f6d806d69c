"""Render workers: PDFs are printed in separate processes, with a time limit, so no request waits behind one.

WeasyPrint holds the GIL for the whole render (a second or more); in FastAPI's thread pool a
render raised another endpoint's p99 from 2 ms to 153 ms on this machine class. Here each
render runs in a pebble process pool: a render that overruns its limit is killed and its
worker replaced, workers are recycled after a number of renders (WeasyPrint's caches only
grow), and they run at a lower CPU priority so the web process stays responsive.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from concurrent.futures import Future, InvalidStateError
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


# What a render returns: the PDF, and the HTML twin for browsers with its style nonce a placeholder.
Rendition = tuple[bytes, str]


def _render(context: dict[str, Any], logo: bytes | None, logo_mime: str | None) -> Rendition:
    from app.report.pdf import render_pdf
    from app.report.render import NONCE_PLACEHOLDER, logo_data_url, render_html

    browser_html = render_html(context, style_nonce=NONCE_PLACEHOLDER, logo_url=logo_data_url(logo, logo_mime))
    return render_pdf(context, logo, logo_mime), browser_html


class ReportRenderer:
    """A lazily started process pool for reports; one per web process."""

    def __init__(self, workers: int, timeout_seconds: float, max_renders_per_worker: int):
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self.max_renders_per_worker = max_renders_per_worker
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()
        # Its own lock: pebble's threads run the done callbacks, and close() holds _lock while joining them.
        self._unfinished: set[Future[Rendition]] = set()
        self._unfinished_lock = threading.Lock()

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

    def submit(
        self, context: dict[str, Any], logo: bytes | None = None, logo_mime: str | None = None
    ) -> Future[Rendition]:
        """Start a render in a worker; the future gives the PDF and the HTML twin, or the render's error."""
        future: Future[Rendition] = self._started().schedule(
            _render, args=(context, logo, logo_mime), timeout=self.timeout_seconds
        )
        with self._unfinished_lock:
            self._unfinished.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: Future[Rendition]) -> None:
        with self._unfinished_lock:
            self._unfinished.discard(future)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
                self._pool.join()
                self._pool = None
        with self._unfinished_lock:
            unfinished, self._unfinished = self._unfinished, set()
        # pebble leaves some renders of a stopped pool unfinished for good: end them, so nobody waits forever.
        for future in unfinished:
            with contextlib.suppress(InvalidStateError):  # pebble finished it meanwhile
                future.set_exception(RenderFailed("the render workers were stopped"))


def outcome(future: Future[Rendition]) -> Rendition:
    """What a finished render gave, or RenderTimeout / RenderFailed."""
    try:
        return future.result()
    except FutureTimeout as exc:
        raise RenderTimeout("the report took too long to render and was stopped") from exc
    except Exception as exc:
        raise RenderFailed(f"the report could not be rendered: {exc}") from exc
