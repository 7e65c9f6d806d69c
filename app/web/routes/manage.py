"""Consultant pages that run organizations and assessments: create, invite, watch progress, open, close.

Every page reads and writes through the services, exactly as the API does; the handlers only turn
form fields into service calls and service errors into messages next to the fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.db.tables import Anonymity, Assessment, Respondent
from app.http.checked_input import CheckedRoute
from app.http.inputs import DATE_RANGE, AssessmentCreate, AssessmentUpdate, InviteeIn, OrganizationCreate, date_in_range
from app.http.paging import MAX_OFFSET
from app.http.sessions import ReadSessionDep, SessionDep
from app.questionnaire.models import Questionnaire
from app.services import assessments, organizations, privacy, questionnaires, reports, responses
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.exports import neutralize
from app.services.responses import Invitee
from app.text import whole_number
from app.web.deps import PostingViewerDep, Viewer, ViewerDep
from app.web.forms import NO_STORE, Errors, day, errors_of, last_day, problems_of, when
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

SIZE_BANDS = ("1-49", "50-249", "250-999", "1,000-4,999", "5,000 or more")
ASSESSMENTS_PER_ORGANIZATION_PAGE = 200
RESPONDENTS_PER_PAGE = 200
MAX_PAGE = MAX_OFFSET // RESPONDENTS_PER_PAGE  # the list's offset stays inside what the database takes


def _blank_to_none(value: str) -> str | None:
    value = value.strip()
    return value or None


# ---- organizations


def _organization_form(
    request: Request, viewer: Viewer, values: dict[str, str], errors: Errors, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "web/consultant/organization_new.html",
        status_code=status,
        viewer=viewer,
        values=values,
        errors=errors,
        size_bands=SIZE_BANDS,
    )


@router.get("/organizations/new")
def new_organization_form(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return _organization_form(request, viewer, {"name": "", "industry": "", "size_band": "", "region": ""}, {})


@router.post("/organizations/new", response_model=None)
def create_organization(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    name: Annotated[str, Form()] = "",
    industry: Annotated[str, Form()] = "",
    size_band: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
) -> Response:
    values = {"name": name, "industry": industry, "size_band": size_band, "region": region}
    try:
        fields = OrganizationCreate(
            name=name,
            industry=_blank_to_none(industry),
            size_band=_blank_to_none(size_band),
            region=_blank_to_none(region),
        )
        organizations.create(session, viewer.principal, fields.model_dump())
    except ValidationError as exc:
        return _organization_form(request, viewer, values, errors_of(exc), 422)
    except Conflict as exc:
        return _organization_form(request, viewer, values, {"name": [f"{exc.message.capitalize()}."]}, 422)
    return RedirectResponse("/", status_code=303)


@router.get("/organizations/{organization_id}")
def organization_page(
    request: Request, session: ReadSessionDep, viewer: ViewerDep, organization_id: str
) -> HTMLResponse:
    organization = organizations.get(session, viewer.principal, organization_id)
    runs, total = assessments.list_page(
        session, viewer.principal, ASSESSMENTS_PER_ORGANIZATION_PAGE, 0, organization_id=organization.id
    )
    counted = responses.counts(session, [run.id for run in runs])
    return render(
        request,
        "web/consultant/organization.html",
        viewer=viewer,
        organization={
            "id": organization.id,
            "name": organization.name,
            "industry": organization.industry or "",
            "size_band": organization.size_band or "",
            "region": organization.region or "",
            "created": day(organization.created_at),
        },
        runs=[
            {
                "id": run.id,
                "title": run.title,
                "status": run.status.value,
                "questionnaire": f"{run.questionnaire_id} {run.questionnaire_version}",
                "invited": counted[run.id][0],
                "submitted": counted[run.id][1],
                "opens": day(run.opens_at),
                "closes": last_day(run.closes_at),
                "created": day(run.created_at),
            }
            for run in runs
        ],
        total=total,
    )


# ---- new assessment


def _library_choices() -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "title": q.title,
            "version": q.version,
            "questions": len(q.questions),
            "minutes": q.estimated_minutes,
            "default_level": q.rubric.default_target_level,
        }
        for q in questionnaires.library()
    ]


def _level_choices() -> list[dict[str, Any]]:
    """Levels 1-5, named when every questionnaire of the library names them the same way."""
    library = questionnaires.library()
    names = {tuple(level.name for level in sorted(q.levels, key=lambda lv: lv.level)) for q in library}
    shared = names.pop() if len(names) == 1 else None
    return [{"value": n, "name": shared[n - 1] if shared else ""} for n in range(1, 6)]


def _assessment_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    organization_id: str,
    values: dict[str, Any],
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    organization = organizations.get(session, viewer.principal, organization_id)
    return render(
        request,
        "web/consultant/assessment_new.html",
        status_code=status,
        viewer=viewer,
        organization={"id": organization.id, "name": organization.name},
        library=_library_choices(),
        levels=_level_choices(),
        values=values,
        errors=errors,
    )


@router.get("/assessments/new")
def new_assessment_form(
    request: Request, session: ReadSessionDep, viewer: ViewerDep, organization_id: str = ""
) -> HTMLResponse:
    library = questionnaires.library()
    values = {
        "questionnaire_id": library[0].id if len(library) == 1 else "",
        "title": "",
        "target_level": "",
        "opens_on": "",
        "last_day": "",
        "anonymity": Anonymity.ANONYMOUS.value,
        "min_group_size": "3",
        "show_personal_result": False,
    }
    return _assessment_form(request, session, viewer, organization_id, values, {})


def _parse_day(value: str, field: str, errors: Errors) -> date | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        errors.setdefault(field, []).append("Give a date as YYYY-MM-DD.")
        return None
    if not date_in_range(day):
        errors.setdefault(field, []).append(f"Give {DATE_RANGE}.")
        return None
    return day


def _midnight_utc(on: date) -> datetime:
    return datetime.combine(on, time(0, 0), tzinfo=UTC)


@router.post("/assessments/new", response_model=None)
def create_assessment(
    request: Request,
    session: SessionDep,
    reading: ReadSessionDep,
    viewer: PostingViewerDep,
    organization_id: Annotated[str, Form()] = "",
    questionnaire_id: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    target_level: Annotated[str, Form()] = "",
    opens_on: Annotated[str, Form()] = "",
    last_day: Annotated[str, Form()] = "",
    anonymity: Annotated[str, Form()] = "",
    min_group_size: Annotated[str, Form()] = "",
    show_personal_result: Annotated[str, Form()] = "",
) -> Response:
    # Read on a read session, and the form re-shown from it: only the create itself writes.
    organization = organizations.get(reading, viewer.principal, organization_id)
    values: dict[str, Any] = {
        "questionnaire_id": questionnaire_id,
        "title": title,
        "target_level": target_level,
        "opens_on": opens_on,
        "last_day": last_day,
        "anonymity": anonymity,
        "min_group_size": min_group_size,
        "show_personal_result": bool(show_personal_result),
    }
    errors: Errors = {}
    if not questionnaire_id:
        errors["questionnaire_id"] = ["Choose a questionnaire."]
    opens = _parse_day(opens_on, "opens_on", errors)
    last = _parse_day(last_day, "last_day", errors)
    # Dates are whole days in UTC: answers are taken from the start of the first day to the end of the last.
    opens_at = _midnight_utc(opens) if opens else None
    closes_at = _midnight_utc(last) + timedelta(days=1) if last else None
    fields: AssessmentCreate | None = None
    try:
        fields = AssessmentCreate(
            organization_id=organization.id,
            questionnaire_id=questionnaire_id or "-",
            title=_blank_to_none(title),
            target_level=target_level or None,  # pydantic parses the text
            opens_at=opens_at,
            closes_at=closes_at,
            anonymity=anonymity or Anonymity.ANONYMOUS.value,
            min_group_size=min_group_size.strip() or 3,
            show_personal_result=bool(show_personal_result),
        )
    except ValidationError as exc:
        for field, messages in errors_of(exc).items():
            errors.setdefault(field, []).extend(messages)
    if errors or fields is None:
        return _assessment_form(request, reading, viewer, organization.id, values, errors, 422)
    try:
        created = assessments.create(session, viewer.principal, fields.model_dump())
    except NotFound:
        return _assessment_form(
            request, reading, viewer, organization.id, values, {"questionnaire_id": ["Choose a questionnaire."]}, 422
        )
    except InvalidInput as exc:
        found = problems_of(exc, "questionnaire_id")
        if "closes_at" in found:  # the service checks the order of the dates; say it in the form's terms
            found = {"last_day": ["The last day cannot be before the opening day."]}
        return _assessment_form(request, reading, viewer, organization.id, values, found, 422)
    return RedirectResponse(f"/assessments/{created.id}", status_code=303)


# ---- the assessment page


def _labels(questionnaire: Questionnaire) -> tuple[dict[str, str], dict[str, str]]:
    return {r.id: r.label for r in questionnaire.roles}, {f.id: f.label for f in questionnaire.functions}


def _empty_invite_forms() -> dict[str, dict[str, str]]:
    return {"people": {"people": ""}, "anonymous": {"count": "10", "role": "", "function": ""}}


def _assessment_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    assessment_id: str,
    *,
    page: int = 1,
    invite_values: dict[str, dict[str, str]] | None = None,
    invite_errors: dict[str, Errors] | None = None,
    settings_values: dict[str, str] | None = None,
    settings_errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    assessment = assessments.get(session, viewer.principal, assessment_id)
    organization = organizations.get(session, viewer.principal, assessment.organization_id)
    questionnaire = assessments.questionnaire_of(assessment)
    roles, functions = _labels(questionnaire)
    page = max(page, 1)
    rows, total = responses.list_page(
        session, viewer.principal, assessment.id, RESPONDENTS_PER_PAGE, (page - 1) * RESPONDENTS_PER_PAGE
    )
    invited, submitted = responses.counts(session, [assessment.id])[assessment.id]
    respondents = [
        {
            "role": roles.get(row.respondent.role, row.respondent.role),
            "function": functions.get(row.respondent.function, row.respondent.function),
            "name": row.respondent.name or "",
            "status": responses.progress_status(row.respondent).replace("_", " "),
            "percent": round(row.progress.share * 100) if row.progress is not None else 100,
        }
        for row in rows
    ]
    return render(
        request,
        "web/consultant/assessment.html",
        status_code=status,
        viewer=viewer,
        organization={"id": organization.id, "name": organization.name},
        assessment={
            "id": assessment.id,
            "title": assessment.title,
            "status": assessment.status.value,
            "questionnaire_id": assessment.questionnaire_id,
            "questionnaire_version": assessment.questionnaire_version,
            "questionnaire_title": questionnaire.title,
            "target_level": assessment.target_level,
            "target_level_name": questionnaire.level_name(assessment.target_level),
            "opens": when(assessment.opens_at) or "When it is opened",
            "closes": when(assessment.closes_at) or "When it is closed",
            "closed": when(assessment.closed_at),
            "anonymity": assessment.anonymity.value,
            "min_group_size": privacy.effective_min_group_size(assessment),
            "show_personal_result": assessment.show_personal_result,
            "created": when(assessment.created_at),
        },
        settings_values=settings_values
        or {"anonymity": assessment.anonymity.value, "min_group_size": str(assessment.min_group_size)},
        settings_errors=settings_errors or {},
        respondents=respondents,
        totals={
            "invited": invited,
            "submitted": submitted,
            "submitted_percent": round(100 * submitted / invited) if invited else 0,
            "in_progress": sum(1 for r in respondents if r["status"] == "in progress") if total == len(rows) else None,
        },
        paging={
            "page": page,
            "previous": page - 1 if page > 1 else None,
            "next": page + 1 if page * RESPONDENTS_PER_PAGE < total else None,
        },
        roles=[{"id": r.id, "label": r.label} for r in questionnaire.roles],
        functions=[{"id": f.id, "label": f.label} for f in questionnaire.functions],
        invite_values=invite_values or _empty_invite_forms(),
        invite_errors=invite_errors or {"people": {}, "anonymous": {}},
        max_invites=responses.MAX_INVITES_PER_CALL,
    )


@router.get("/assessments/{assessment_id}")
def assessment_page(
    request: Request,
    session: ReadSessionDep,
    viewer: ViewerDep,
    assessment_id: str,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    return _assessment_page(request, session, viewer, assessment_id, page=page)


@router.post("/assessments/{assessment_id}/privacy", response_model=None)
def change_privacy(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    assessment_id: str,
    anonymity: Annotated[str, Form()] = "",
    min_group_size: Annotated[str, Form()] = "",
) -> Response:
    """The anonymity and minimum group size; once people have answered they may only become stricter (409)."""
    values = {"anonymity": anonymity, "min_group_size": min_group_size}
    status, errors = 422, None
    try:
        changes = AssessmentUpdate(anonymity=anonymity or None, min_group_size=min_group_size.strip() or None)
        assessments.update(session, viewer.principal, assessment_id, changes.model_dump(exclude_none=True))
    except ValidationError as exc:
        errors = errors_of(exc)
    except InvalidInput as exc:
        errors = problems_of(exc, "min_group_size")
    except Conflict as exc:
        status, errors = 409, {"form": [f"{exc.message[0].upper()}{exc.message[1:]}."]}
    if errors is not None:  # the service refused before changing anything
        return _assessment_page(
            request, session, viewer, assessment_id, settings_values=values, settings_errors=errors, status=status
        )
    return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)


@router.post("/assessments/{assessment_id}/open")
def open_assessment(session: SessionDep, viewer: PostingViewerDep, assessment_id: str) -> RedirectResponse:
    assessments.open_assessment(session, viewer.principal, assessment_id)
    return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)


@router.get("/assessments/{assessment_id}/close")
def close_confirmation(
    request: Request, session: ReadSessionDep, viewer: ViewerDep, assessment_id: str
) -> HTMLResponse:
    assessment = assessments.get(session, viewer.principal, assessment_id)
    invited, submitted = responses.counts(session, [assessment.id])[assessment.id]
    return render(
        request,
        "web/consultant/assessment_close.html",
        viewer=viewer,
        assessment={"id": assessment.id, "title": assessment.title, "status": assessment.status.value},
        invited=invited,
        submitted=submitted,
    )


@router.post("/assessments/{assessment_id}/close")
def close_assessment(
    session: SessionDep, viewer: PostingViewerDep, assessment_id: str, confirm: Annotated[str, Form()] = ""
) -> RedirectResponse:
    if confirm != "yes":  # closing cannot be undone: only the confirmation page's button closes
        return RedirectResponse(f"/assessments/{assessment_id}/close", status_code=303)
    assessments.close_assessment(session, viewer.principal, assessment_id)
    reports.render_when_committed(session, viewer.principal, assessment_id)
    return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)


# ---- inviting respondents


def parse_people(text: str, questionnaire: Questionnaire) -> tuple[list[Invitee], list[str]]:
    """People from pasted lines `role, function[, name[, email]]`; roles and functions by id or label.

    Returns the people, or the problems, each naming its line."""
    roles = {key.casefold(): r.id for r in questionnaire.roles for key in (r.id, r.label)}
    functions = {key.casefold(): f.id for f in questionnaire.functions for key in (f.id, f.label)}
    people: list[Invitee] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in next(csv.reader([line], skipinitialspace=True))]
        if len(parts) < 2 or len(parts) > 4:
            problems.append(f"Line {number}: write role, function, and optionally a name and an email.")
            continue
        role = roles.get(parts[0].casefold())
        function = functions.get(parts[1].casefold())
        if role is None:
            problems.append(f"Line {number}: unknown role '{parts[0]}'.")
        if function is None:
            problems.append(f"Line {number}: unknown function '{parts[1]}'.")
        if role is None or function is None:
            continue
        try:
            person = InviteeIn(
                role=role,
                function=function,
                name=parts[2] if len(parts) > 2 and parts[2] else None,
                email=parts[3] if len(parts) > 3 and parts[3] else None,
            )
        except ValidationError as exc:
            for field, messages in errors_of(exc).items():
                problems.extend(f"Line {number}, {field}: {message}" for message in messages)
            continue
        people.append(Invitee(person.role, person.function, person.name, person.email))
    return people, problems


def _links_csv(created: Sequence[tuple[Respondent, str]]) -> bytes:
    """The new links as CSV (UTF-8 with a byte order mark for Excel), every cell safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["role", "function", "name", "email", "link"])
    for respondent, token in created:
        cells = [
            respondent.role,
            respondent.function,
            respondent.name or "",
            respondent.email or "",
            responses.page_link(token),
        ]
        writer.writerow([neutralize(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _deliver_links(
    request: Request, viewer: Viewer, assessment: Assessment, created: list[tuple[Respondent, str]], deliver: str
) -> Response:
    if deliver == "csv":
        return Response(
            _links_csv(created),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="invitation-links-{assessment.id}.csv"',
                **NO_STORE,
            },
        )
    roles, functions = _labels(assessments.questionnaire_of(assessment))
    return render(
        request,
        "web/consultant/invited.html",
        viewer=viewer,
        assessment={"id": assessment.id, "title": assessment.title},
        links=[
            {
                "role": roles.get(r.role, r.role),
                "function": functions.get(r.function, r.function),
                "name": r.name or "",
                "email": r.email or "",
                "link": responses.page_link(token),
            }
            for r, token in created
        ],
    )


def _with_no_store(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response


@router.post("/assessments/{assessment_id}/invite", response_model=None)
def invite_people(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    assessment_id: str,
    people: Annotated[str, Form()] = "",
    deliver: Annotated[str, Form()] = "page",
) -> Response:
    assessment = assessments.open_for_invites(session, viewer.principal, assessment_id)
    invitees, problems = parse_people(people, assessments.questionnaire_of(assessment))
    if not problems and not invitees:
        problems = ["Paste at least one line: role, function, and optionally a name and an email."]
    if len(invitees) > responses.MAX_INVITES_PER_CALL:
        problems = [f"At most {responses.MAX_INVITES_PER_CALL} people at a time; split the list."]
    if problems:
        values = _empty_invite_forms()
        values["people"]["people"] = people
        return _assessment_page(
            request,
            session,
            viewer,
            assessment_id,
            invite_values=values,
            invite_errors={"people": {"people": problems}, "anonymous": {}},
            status=422,
        )
    created = responses.invite(session, viewer.principal, assessment.id, invitees)
    return _with_no_store(_deliver_links(request, viewer, assessment, created, deliver))


@router.post("/assessments/{assessment_id}/invite-anonymous", response_model=None)
def invite_anonymous(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    assessment_id: str,
    count: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    function: Annotated[str, Form()] = "",
    deliver: Annotated[str, Form()] = "page",
) -> Response:
    assessment = assessments.open_for_invites(session, viewer.principal, assessment_id)
    roles, functions = _labels(assessments.questionnaire_of(assessment))
    errors: Errors = {}
    how_many = whole_number(count) or 0
    if not 1 <= how_many <= responses.MAX_INVITES_PER_CALL:
        errors["count"] = [f"Give a whole number from 1 to {responses.MAX_INVITES_PER_CALL}."]
    if role not in roles:
        errors["role"] = ["Choose a role."]
    if function not in functions:
        errors["function"] = ["Choose a function."]
    if errors:
        values = _empty_invite_forms()
        values["anonymous"] = {"count": count, "role": role, "function": function}
        return _assessment_page(
            request,
            session,
            viewer,
            assessment_id,
            invite_values=values,
            invite_errors={"people": {}, "anonymous": errors},
            status=422,
        )
    created = responses.invite(session, viewer.principal, assessment.id, [Invitee(role, function)] * how_many)
    return _with_no_store(_deliver_links(request, viewer, assessment, created, deliver))
