"""Printing reports, each version once: a report's identity, a small in-memory front of recent prints, the
render workers, and at most one render under way per report. The entry point the services use into app.report.

Where prints are kept for good (the database, shared by every app instance) is the report service's
business; this module works on plain data only. A report's identity is a hash of everything it
prints except the day it was printed, so a print made when an assessment closes is still the
current report on a later day (its cover says the day it was printed).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from app.report.context import build_context
from app.report.pool import RenderFailed, RenderTimeout, Rendition, ReportRenderer, outcome
from app.report.render import logo_data_url, render_html, with_nonce
from app.report.source import DEFAULT_ACCENT, Comment, ReportBranding, ReportSource
from app.settings import get_settings

__all__ = [
    "DEFAULT_ACCENT",
    "Comment",
    "Prepared",
    "Printed",
    "RenderFailed",
    "RenderTimeout",
    "ReportBranding",
    "ReportSource",
    "forget_all",
    "html_now",
    "prepare",
    "print_async",
    "print_blocking",
    "remember",
    "remembered",
    "renderer",
    "shutdown",
]

# Recent prints kept in this process in front of the database; a full report is a few hundred kilobytes.
FRONT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Prepared:
    """A report ready to print: its template context, its identity, and the logo the PDF may load."""

    context: dict[str, Any]
    key: str
    logo: bytes | None
    logo_mime: str | None


@dataclass(frozen=True)
class Printed:
    """A printed report: the PDF, and the HTML twin for browsers whose style nonce is still a placeholder."""

    key: str
    pdf: bytes
    html: str

    def html_with_nonce(self, nonce: str) -> str:
        return with_nonce(self.html, nonce)


def identity(context: dict[str, Any], logo_digest: str | None) -> str:
    """A report's identity: its whole printed content and the logo's bytes, the day of printing aside."""
    undated = {**context, "cover": {name: value for name, value in context["cover"].items() if name != "generated"}}
    canonical = json.dumps(undated, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{canonical}|{logo_digest}".encode()).hexdigest()


def prepare(source: ReportSource) -> Prepared:
    """The context and identity of `source`'s report (~5 ms of CPU: call it off the event loop)."""
    context = build_context(source)
    branding = source.branding
    return Prepared(context, identity(context, branding.logo_digest), branding.logo, branding.logo_mime)


def html_now(prepared: Prepared, nonce: str) -> str:
    """The HTML twin rendered here and now (tens of milliseconds), for a browser that should not wait for the PDF."""
    logo_url = logo_data_url(prepared.logo, prepared.logo_mime)
    return render_html(prepared.context, style_nonce=nonce, logo_url=logo_url)


# ---- the front: recent prints of this process, by (workspace, identity)

_front: LRUCache[tuple[str, str], Printed] = LRUCache(
    maxsize=FRONT_MAX_BYTES, getsizeof=lambda printed: len(printed.pdf) + len(printed.html)
)
_front_lock = threading.Lock()


def remembered(workspace_id: str, key: str) -> Printed | None:
    """The print of report `key` if this process has it at hand (it is in the database too)."""
    with _front_lock:
        printed = _front.get((workspace_id, key))
    return printed


def remember(workspace_id: str, printed: Printed) -> None:
    """Keep a print read from the database at hand (one too large for the front is not kept)."""
    with _front_lock:
        if len(printed.pdf) + len(printed.html) <= FRONT_MAX_BYTES:
            _front[(workspace_id, printed.key)] = printed


def forget_all() -> None:
    """Empty the front, as a restart would (the database still has every print)."""
    with _front_lock:
        _front.clear()


# ---- rendering: the workers, and one render per report at a time

# Told how each render ended ("ok", "timeout", "error"), once per render however many wait for it.
Count = Callable[[str], None]

_renderer: ReportRenderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> ReportRenderer:
    """This process's render workers (their processes start with the first report)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            settings = get_settings()
            _renderer = ReportRenderer(
                settings.report_workers, settings.report_timeout_seconds, settings.report_renders_per_worker
            )
        return _renderer


def shutdown() -> None:
    """Stop the render workers, if any started; a later report starts them again."""
    with _renderer_lock:
        if _renderer is not None:
            _renderer.close()


@dataclass
class _Render:
    """A render under way and how many wait for it: it is stopped only when the last one gives up."""

    slot: tuple[str, str]
    future: Future[Rendition]
    waiters: int = 1


_under_way: dict[tuple[str, str], _Render] = {}
# Reentrant: cancelling a render runs its done callback at once, in the thread that holds the lock.
_under_way_lock = threading.RLock()


def _join(workspace_id: str, prepared: Prepared, count: Count) -> _Render:
    """The render of this report under way, joined, or a new one started."""
    slot = (workspace_id, prepared.key)
    with _under_way_lock:
        render = _under_way.get(slot)
        if render is not None:
            render.waiters += 1
            return render
        future = renderer().submit(prepared.context, prepared.logo, prepared.logo_mime)
        render = _under_way[slot] = _Render(slot, future)
    future.add_done_callback(lambda done: _finished(render, done, count))
    return render


def _finished(render: _Render, done: Future[Rendition], count: Count) -> None:
    with _under_way_lock:
        if _under_way.get(render.slot) is render:
            del _under_way[render.slot]
    if done.cancelled():
        return
    try:
        outcome(done)
    except RenderTimeout:
        count("timeout")
    except RenderFailed:
        count("error")
    else:
        count("ok")


def _give_up(render: _Render) -> None:
    """One waiter is gone; the last one to go stops the render (pebble replaces the worker)."""
    with _under_way_lock:
        render.waiters -= 1
        if render.waiters == 0:
            render.future.cancel()  # under the lock, so nobody joins a render being stopped


def _printed(workspace_id: str, prepared: Prepared, render: _Render) -> Printed:
    pdf, html = outcome(render.future)
    printed = Printed(prepared.key, pdf, html)
    remember(workspace_id, printed)
    return printed


async def print_async(workspace_id: str, prepared: Prepared, count: Count) -> Printed:
    """Print the report in a worker, or wait for the render of it already under way; never on the event loop.

    Raises RenderTimeout or RenderFailed. A waiter that goes away (the client left) stops the render
    only when nobody else waits for it."""
    render = _join(workspace_id, prepared, count)
    try:
        await asyncio.wrap_future(render.future)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # this request was cancelled, not the render
            _give_up(render)
            raise
    except Exception:
        pass  # outcome() says what went wrong
    return _printed(workspace_id, prepared, render)


def print_blocking(workspace_id: str, prepared: Prepared, count: Count) -> Printed:
    """Print the report in a worker and wait in this thread (a background job's); raises as print_async does."""
    render = _join(workspace_id, prepared, count)
    wait([render.future])  # pebble's own time limit ends a render that overruns
    return _printed(workspace_id, prepared, render)
