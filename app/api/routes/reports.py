"""The recommendation report of an assessment: as a PDF to hand over, and as HTML for a browser (same content)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.deps import PrincipalDep
from app.http.checked_input import CheckedRoute
from app.http.reports import html_response, pdf_response
from app.http.sessions import ReadSessionDep

router = APIRouter(prefix="/assessments", tags=["reports"], route_class=CheckedRoute)

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


@router.get("/{assessment_id}/report.pdf", response_class=Response, responses=PDF_RESPONSE)
async def report_pdf(assessment_id: str, principal: PrincipalDep, session: ReadSessionDep) -> Response:
    """The recommendation report as PDF: summary, levels, a page per dimension, gaps, outcomes, trend,
    benchmark, roadmap, method and answers. Rendered in a worker process; the same report is served
    from a cache until its result or the branding changes. 503 when a render overruns its time limit."""
    return await pdf_response(session, principal, assessment_id)


# response_class=Response, not HTMLResponse: the latter would document the JSON errors as text/html.
@router.get("/{assessment_id}/report.html", response_class=Response, responses=HTML_RESPONSE)
async def report_html(assessment_id: str, principal: PrincipalDep, session: ReadSessionDep) -> Response:
    """The recommendation report as HTML, for reading in a browser; the logo is inlined."""
    return await html_response(session, principal, assessment_id)
