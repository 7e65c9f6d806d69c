"""The consultant's start page: organizations and their assessments, with status and response counts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.http.checked_input import CheckedRoute
from app.http.sessions import ReadSessionDep
from app.services import assessments, organizations, responses
from app.web.deps import ViewerDep
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
DASHBOARD_LIMIT = 200


@router.get("/")
def dashboard(request: Request, session: ReadSessionDep, viewer: ViewerDep) -> HTMLResponse:
    orgs, org_total = organizations.list_page(session, viewer.principal, DASHBOARD_LIMIT, 0)
    runs, _ = assessments.list_page(session, viewer.principal, DASHBOARD_LIMIT, 0)
    counted = responses.counts(session, [a.id for a in runs])
    by_org: dict[str, list[dict[str, object]]] = {o.id: [] for o in orgs}
    for run in runs:
        invited, submitted = counted[run.id]
        if run.organization_id in by_org:
            by_org[run.organization_id].append(
                {
                    "id": run.id,
                    "title": run.title,
                    "status": run.status.value,
                    "questionnaire": f"{run.questionnaire_id} {run.questionnaire_version}",
                    "invited": invited,
                    "submitted": submitted,
                    "created": run.created_at.strftime("%d %b %Y"),
                }
            )
    return render(
        request,
        "web/consultant/dashboard.html",
        viewer=viewer,
        organizations=[{"id": o.id, "name": o.name, "industry": o.industry, "runs": by_org[o.id]} for o in orgs],
        organization_total=org_total,
    )
