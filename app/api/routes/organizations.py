"""Client organizations, and the trend across their assessments."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import PrincipalDep
from app.api.schemas import OrganizationPublic, OrganizationUpdate, Page
from app.http.checked_input import CheckedRoute
from app.http.idempotency import IdempotencyKey, idempotency_scope, run_once
from app.http.inputs import OrganizationCreate
from app.http.paging import PagingDep
from app.http.sessions import ReadSessionDep, SessionDep
from app.services import organizations, results
from app.services.results import TrendEntry

router = APIRouter(prefix="/organizations", tags=["organizations"], route_class=CheckedRoute)


@router.post("", status_code=201, response_model=OrganizationPublic)
def create_organization(
    body: OrganizationCreate, request: Request, session: SessionDep, principal: PrincipalDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Add a client organization to the workspace."""

    def work() -> tuple[int, OrganizationPublic]:
        organization = organizations.create(session, principal, body.model_dump())
        return 201, OrganizationPublic.model_validate(organization)

    return run_once(session, request, idempotency_scope(principal), key, body.model_dump(), work)


@router.get("", response_model=Page[OrganizationPublic])
def list_organizations(session: ReadSessionDep, principal: PrincipalDep, paging: PagingDep) -> Page[OrganizationPublic]:
    """The workspace's organizations, by name."""
    rows, total = organizations.list_page(session, principal, paging.limit, paging.offset)
    return Page(
        items=[OrganizationPublic.model_validate(o) for o in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/{organization_id}", response_model=OrganizationPublic)
def get_organization(organization_id: str, session: ReadSessionDep, principal: PrincipalDep) -> OrganizationPublic:
    """One organization."""
    return OrganizationPublic.model_validate(organizations.get(session, principal, organization_id))


@router.patch("/{organization_id}", response_model=OrganizationPublic)
def update_organization(
    organization_id: str, body: OrganizationUpdate, session: SessionDep, principal: PrincipalDep
) -> OrganizationPublic:
    """Change an organization's name, industry, size band or region."""
    organization = organizations.update(session, principal, organization_id, body.model_dump(exclude_unset=True))
    return OrganizationPublic.model_validate(organization)


@router.delete("/{organization_id}", status_code=204)
def delete_organization(organization_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Delete an organization with all its assessments, respondents and answers."""
    organizations.delete(session, principal, organization_id)
    return Response(status_code=204)


@router.get("/{organization_id}/trend", response_model=list[TrendEntry])
def organization_trend(organization_id: str, session: ReadSessionDep, principal: PrincipalDep) -> list[TrendEntry]:
    """The organization's open and closed assessments, oldest first, each compared with the one before."""
    return results.organization_trend(session, principal, organization_id)
