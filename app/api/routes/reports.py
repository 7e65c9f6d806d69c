"""The recommendation report of an assessment: as a PDF to hand over, and as HTML for a browser (same content)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api.deps import PrincipalDep, SessionDep
from app.db.session import read_session
from app.report.context import build_context
from app.report.render import logo_data_url, render_html
from app.report.source import ReportSource
from app.services import reports
from app.services.accounts import Principal

router = APIRouter(prefix="/assessments", tags=["reports"])


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


PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The report as PDF (A4), with the workspace's branding.",
    }
}
HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "The same report as one self-contained HTML page.",
    }
}


async def _release(session: Session) -> None:
    """End the request's transaction, begun by the sign-in check: a render takes seconds, and on
    SQLite an open transaction holds the write lock (every transaction begins IMMEDIATE here)."""
    await run_in_threadpool(session.rollback)


async def pdf_response(session: Session, principal: Principal, assessment_id: str) -> Response:
    """The report as a PDF download for `principal` (the API and the web app both serve it)."""
    await _release(session)
    source = await run_in_threadpool(gather, principal, assessment_id)
    pdf = await reports.pdf_of(source)
    return Response(pdf, media_type="application/pdf", headers=_headers(source, "pdf", "attachment"))


async def html_response(session: Session, principal: Principal, assessment_id: str) -> HTMLResponse:
    """The report as one self-contained HTML page, with a policy that lets only its own stylesheet apply."""
    await _release(session)
    source = await run_in_threadpool(gather, principal, assessment_id)
    nonce = secrets.token_urlsafe(16)
    html = await run_in_threadpool(
        lambda: render_html(
            build_context(source),
            style_nonce=nonce,
            logo_url=logo_data_url(source.branding.logo, source.branding.logo_mime),
        )
    )
    headers = _headers(source, "html", "inline")
    # Its own policy: the stylesheet is inline (allowed by nonce), the logo a data: URL, nothing else loads.
    headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers=headers)


@router.get("/{assessment_id}/report.pdf", response_class=Response, responses=PDF_RESPONSE)
async def report_pdf(assessment_id: str, principal: PrincipalDep, session: SessionDep) -> Response:
    """The recommendation report as PDF: summary, levels, a page per dimension, gaps, outcomes, trend,
    benchmark, roadmap, method and answers. Rendered in a worker process; the same report is served
    from a cache until its result or the branding changes. 503 when a render overruns its time limit."""
    return await pdf_response(session, principal, assessment_id)


# response_class=Response, not HTMLResponse: the latter would document the JSON errors as text/html.
@router.get("/{assessment_id}/report.html", response_class=Response, responses=HTML_RESPONSE)
async def report_html(assessment_id: str, principal: PrincipalDep, session: SessionDep) -> Response:
    """The recommendation report as HTML, for reading in a browser; the logo is inlined."""
    return await html_response(session, principal, assessment_id)
