"""Assessments: lifecycle, respondents, pushed responses, results, comparison and benchmark."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import PrincipalDep
from app.api.schemas import (
    AssessmentPublic,
    InvitedRespondent,
    InviteRequest,
    Page,
    ProgressPublic,
    PushedResponse,
    RespondentPublic,
    ResponsePush,
)
from app.db.tables import AssessmentStatus
from app.http.checked_input import CheckedRoute
from app.http.idempotency import IdempotencyKey, idempotency_scope, run_once
from app.http.inputs import AssessmentCreate, AssessmentUpdate
from app.http.paging import PagingDep
from app.http.sessions import ReadSessionDep, SessionDep
from app.scoring.benchmark import Benchmark
from app.scoring.comparison import Comparison
from app.scoring.result import AssessmentResult
from app.services import assessments, reports, responses, results
from app.services.responses import Invitee

router = APIRouter(prefix="/assessments", tags=["assessments"], route_class=CheckedRoute)


@router.post("", status_code=201, response_model=AssessmentPublic)
def create_assessment(
    body: AssessmentCreate, request: Request, session: SessionDep, principal: PrincipalDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Create an assessment in draft, pinning a snapshot of the questionnaire as it is now."""

    def work() -> tuple[int, AssessmentPublic]:
        assessment = assessments.create(session, principal, body.model_dump())
        return 201, AssessmentPublic.model_validate(assessment)

    return run_once(session, request, idempotency_scope(principal), key, body.model_dump(), work)


@router.get("", response_model=Page[AssessmentPublic])
def list_assessments(
    session: ReadSessionDep,
    principal: PrincipalDep,
    paging: PagingDep,
    organization_id: Annotated[str | None, Query(max_length=36)] = None,
    status: AssessmentStatus | None = None,
) -> Page[AssessmentPublic]:
    """The workspace's assessments, newest first, optionally for one organization or in one status."""
    rows, total = assessments.list_page(session, principal, paging.limit, paging.offset, organization_id, status)
    return Page(
        items=[AssessmentPublic.model_validate(a) for a in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/{assessment_id}", response_model=AssessmentPublic)
def get_assessment(assessment_id: str, session: ReadSessionDep, principal: PrincipalDep) -> AssessmentPublic:
    """One assessment."""
    return AssessmentPublic.model_validate(assessments.get(session, principal, assessment_id))


@router.patch("/{assessment_id}", response_model=AssessmentPublic)
def update_assessment(
    assessment_id: str, body: AssessmentUpdate, session: SessionDep, principal: PrincipalDep
) -> AssessmentPublic:
    """Change the title, target level, dates, anonymity or group size; the questionnaire stays pinned."""
    assessment = assessments.update(session, principal, assessment_id, body.model_dump(exclude_unset=True))
    return AssessmentPublic.model_validate(assessment)


@router.post("/{assessment_id}/open", response_model=AssessmentPublic)
def open_assessment(assessment_id: str, session: SessionDep, principal: PrincipalDep) -> AssessmentPublic:
    """Open a draft assessment for answers."""
    assessment = assessments.open_assessment(session, principal, assessment_id)
    return AssessmentPublic.model_validate(assessment)


@router.post("/{assessment_id}/close", response_model=AssessmentPublic)
def close_assessment(assessment_id: str, session: SessionDep, principal: PrincipalDep) -> AssessmentPublic:
    """Close an open assessment: no more answers; fires `assessment.closed`; its report renders in the background."""
    assessment = assessments.close_assessment(session, principal, assessment_id)
    reports.render_when_committed(session, principal, assessment_id)
    return AssessmentPublic.model_validate(assessment)


@router.post("/{assessment_id}/respondents", status_code=201, response_model=list[InvitedRespondent])
def invite_respondents(
    assessment_id: str,
    body: InviteRequest,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Invite respondents (role and function from the questionnaire). Each link is shown only in this response."""

    def work() -> tuple[int, list[InvitedRespondent]]:
        people = [Invitee(p.role, p.function, p.name, p.email) for p in body.respondents]
        created = responses.invite(session, principal, assessment_id, people)
        return 201, [
            InvitedRespondent(
                id=r.id,
                role=r.role,
                function=r.function,
                name=r.name,
                email=r.email,
                link=responses.page_link(token),
                api_link=responses.api_link(token),
            )
            for r, token in created
        ]

    return run_once(session, request, idempotency_scope(principal), key, body.model_dump(), work)


@router.get("/{assessment_id}/respondents", response_model=Page[RespondentPublic])
def list_respondents(
    assessment_id: str, session: ReadSessionDep, principal: PrincipalDep, paging: PagingDep
) -> Page[RespondentPublic]:
    """Respondents with their progress (never their links). In an anonymous assessment times are to the day
    and a submitted respondent's progress is null, so nothing here joins a person to their exported answers."""
    rows, total = responses.list_page(session, principal, assessment_id, paging.limit, paging.offset)
    items = [
        RespondentPublic(
            id=row.respondent.id,
            role=row.respondent.role,
            function=row.respondent.function,
            name=row.respondent.name,
            email=row.respondent.email,
            created_at=row.created_at,
            started_at=row.started_at,
            submitted_at=row.submitted_at,
            status=responses.progress_status(row.respondent),
            progress=ProgressPublic.of(row.progress) if row.progress is not None else None,
        )
        for row in rows
    ]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/{assessment_id}/responses", status_code=201, response_model=PushedResponse)
def push_response(
    assessment_id: str,
    body: ResponsePush,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Push one complete response (respondent and answers) and submit it, in one call."""

    def work() -> tuple[int, PushedResponse]:
        person = Invitee(body.role, body.function, body.name, body.email)
        pushed = responses.push_response(session, principal, assessment_id, person, body.answers, body.comments)
        return 201, PushedResponse(respondent_id=pushed.respondent_id, submitted_at=pushed.submitted_at)

    return run_once(session, request, idempotency_scope(principal), key, body.model_dump(), work)


@router.get("/{assessment_id}/results", response_model=AssessmentResult)
def assessment_results(
    assessment_id: str,
    session: ReadSessionDep,
    principal: PrincipalDep,
    include_in_progress: Annotated[bool, Query(description="Also count answers not yet submitted.")] = False,
) -> AssessmentResult:
    """The full result: scores, levels, spread, breakdowns (small groups hidden), gaps, outcomes, roadmap."""
    return results.results(session, principal, assessment_id, include_in_progress)


@router.get("/{assessment_id}/compare/{other_id}", response_model=Comparison)
def compare_assessments(
    assessment_id: str, other_id: str, session: ReadSessionDep, principal: PrincipalDep
) -> Comparison:
    """This assessment against another (usually the previous one), with method changes flagged."""
    return results.compare(session, principal, assessment_id, other_id)


@router.get("/{assessment_id}/benchmark", response_model=Benchmark)
def benchmark(
    assessment_id: str,
    session: ReadSessionDep,
    principal: PrincipalDep,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    size_band: Annotated[str | None, Query(max_length=40)] = None,
) -> Benchmark:
    """Percentile of each dimension among the workspace's other organizations (at least 5 peers)."""
    return results.benchmark(session, principal, assessment_id, industry, size_band)
