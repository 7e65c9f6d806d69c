"""The recommendation report as an HTTP response: a PDF download or an HTML page, for the JSON API
and the web app alike (each checks who is asking its own way, then hands over here)."""

from __future__ import annotations

import secrets

from fastapi import Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import reporting as reports
from app.db.session import read_session
from app.http.limits import done_with_database
from app.report.printer import ReportSource
from app.services.accounts import Principal


def gather(principal: Principal, assessment_id: str) -> ReportSource:
    """Read what the report shows in its own read-only session, closed before rendering starts:
    on SQLite a request session would otherwise hold the write lock for the whole render."""
    with read_session() as session:
        return reports.source_of(session, principal, assessment_id)


def _headers(source: ReportSource, extension: str, disposition: str) -> dict[str, str]:
    # A report holds people's answers: no shared cache may keep a copy.
    return {
        "Content-Disposition": f'{disposition}; filename="{reports.filename(source, extension)}"',
        "Cache-Control": "no-store",
    }


async def _release(session: Session) -> None:
    """End the request's transaction, if the sign-in check began one: a render takes seconds, and on
    SQLite an open transaction holds the write lock (every transaction begins IMMEDIATE here). From
    here on the request reads on read sessions, and at most stores a fresh print in one short
    transaction of its own after the render, so it leaves the SQLite request limit too."""
    await run_in_threadpool(session.rollback)
    done_with_database()


async def pdf_response(session: Session, principal: Principal, assessment_id: str) -> Response:
    """The report as a PDF download for `principal` (the API and the web app both serve it)."""
    await _release(session)
    source = await run_in_threadpool(gather, principal, assessment_id)
    printed = await reports.printed_of(principal, assessment_id, source)
    return Response(printed.pdf, media_type="application/pdf", headers=_headers(source, "pdf", "attachment"))


async def html_response(session: Session, principal: Principal, assessment_id: str) -> HTMLResponse:
    """The report as one self-contained HTML page, with a policy that lets only its own stylesheet apply."""
    await _release(session)
    source = await run_in_threadpool(gather, principal, assessment_id)
    nonce = secrets.token_urlsafe(16)
    html = await reports.html_of(principal, assessment_id, source, nonce)
    headers = _headers(source, "html", "inline")
    # Its own policy: the stylesheet is inline (allowed by nonce), the logo a data: URL, nothing else loads.
    headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers=headers)
