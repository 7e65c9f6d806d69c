"""The results page of an assessment, and its recommendation report (PDF and HTML) for the signed-in consultant.

The handler only gathers data from the services; `app.presentation.results.results_view`
turns it into display values, the same ones the PDF report prints.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app.http.checked_input import CheckedRoute
from app.http.reports import html_response, pdf_response
from app.http.sessions import ReadSessionDep
from app.presentation.results import date, results_view
from app.services import assessments, organizations, responses, results
from app.web.deps import ViewerDep
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/assessments/{assessment_id}/results")
def results_page(request: Request, assessment_id: str, session: ReadSessionDep, viewer: ViewerDep) -> HTMLResponse:
    principal = viewer.principal
    assessment = assessments.get(session, principal, assessment_id)
    organization = organizations.get(session, principal, assessment.organization_id)
    result = results.result_of(session, assessment)
    invited, submitted = responses.counts(session, [assessment.id])[assessment.id]
    previous = results.previous_of(session, principal, assessment)
    peer_benchmark = results.benchmark(session, principal, assessment.id) if result.respondents else None
    view = results_view(
        assessments.questionnaire_of(assessment),
        result,
        previous=previous,
        benchmark=peer_benchmark,
    )
    return render(
        request,
        "web/consultant/results.html",
        viewer=viewer,
        assessment={
            "id": assessment.id,
            "title": assessment.title,
            "status": assessment.status.value,
            "organization": organization.name,
            "questionnaire": f"{assessment.questionnaire_id} {assessment.questionnaire_version}",
            "created": date(assessment.created_at),
            "invited": invited,
            "submitted": submitted,
            "not_submitted": invited - submitted,
        },
        view=view,
    )


@router.get("/assessments/{assessment_id}/report.pdf")
async def report_pdf(assessment_id: str, viewer: ViewerDep, session: ReadSessionDep) -> Response:
    """The recommendation report to download, for the signed-in consultant's workspace only."""
    return await pdf_response(session, viewer.principal, assessment_id)


@router.get("/assessments/{assessment_id}/report.html")
async def report_html(assessment_id: str, viewer: ViewerDep, session: ReadSessionDep) -> HTMLResponse:
    """The same report to read in the browser."""
    return await html_response(session, viewer.principal, assessment_id)
