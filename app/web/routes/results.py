"""The results page of an assessment, and its recommendation report (PDF and HTML) for the signed-in consultant.

The handler takes the results readout (one service call, `app.services.results.readout`, the one the
report gathers too); `app.presentation.results.results_view` turns it into display values, the same
ones the PDF report prints.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app.http.checked_input import CheckedRoute
from app.http.reports import html_response, pdf_response
from app.http.sessions import ReadSessionDep
from app.presentation.results import date, results_view
from app.services import results
from app.web.deps import ViewerDep
from app.web.templating import fragment, render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/assessments/{assessment_id}/results")
def results_page(request: Request, assessment_id: str, session: ReadSessionDep, viewer: ViewerDep) -> HTMLResponse:
    readout = results.readout(session, viewer.principal, assessment_id)
    assessment = readout.assessment
    view = results_view(readout.questionnaire, readout.result, previous=readout.previous, benchmark=readout.benchmark)
    shown = {
        "id": assessment.id,
        "title": assessment.title,
        "status": assessment.status.value,
        "organization": readout.organization.name,
        "questionnaire": f"{assessment.questionnaire_id} {assessment.questionnaire_version}",
        "created": date(assessment.created_at),
        "invited": readout.invited,
        "submitted": readout.submitted,
        "not_submitted": readout.invited - readout.submitted,
    }
    content = fragment("web/consultant/_results_content.html", assessment=shown, view=view)
    return render(request, "web/consultant/results.html", viewer=viewer, assessment=shown, content=content)


@router.get("/assessments/{assessment_id}/report.pdf")
async def report_pdf(assessment_id: str, viewer: ViewerDep, session: ReadSessionDep) -> Response:
    """The recommendation report to download, for the signed-in consultant's workspace only."""
    return await pdf_response(session, viewer.principal, assessment_id)


@router.get("/assessments/{assessment_id}/report.html")
async def report_html(assessment_id: str, viewer: ViewerDep, session: ReadSessionDep) -> HTMLResponse:
    """The same report to read in the browser."""
    return await html_response(session, viewer.principal, assessment_id)
