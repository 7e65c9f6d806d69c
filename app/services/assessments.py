"""Assessments: one run of a questionnaire for one organization, pinned to a snapshot of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update as sa_update
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.db.paging import paginate
from app.db.tables import Assessment, AssessmentStatus, utc_now
from app.questionnaire.models import Questionnaire
from app.services import audit, organizations, privacy, questionnaires, webhooks
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput, NotFound

# Fields that may change while an assessment runs; the questionnaire never changes.
EDITABLE = {"title", "target_level", "opens_at", "closes_at", "anonymity", "min_group_size", "show_personal_result"}


def get(session: Session, principal: Principal, assessment_id: str) -> Assessment:
    assessment = session.exec(
        select(Assessment)
        .options(without_snapshot())
        .where(Assessment.id == assessment_id, Assessment.workspace_id == principal.workspace_id)
    ).first()
    if assessment is None:
        raise NotFound("no such assessment")
    return assessment


def open_for_invites(session: Session, principal: Principal, assessment_id: str) -> Assessment:
    """The principal's assessment, refused (409) once it is closed: no one can be invited to it any more."""
    assessment = get(session, principal, assessment_id)
    if assessment.status is AssessmentStatus.CLOSED:
        raise Conflict("the assessment is closed: no one can be invited any more")
    return assessment


def questionnaire_of(assessment: Assessment) -> Questionnaire:
    return questionnaires.from_snapshot(lambda: assessment.questionnaire_snapshot, assessment.questionnaire_hash)


def without_snapshot() -> Any:
    """Query option: leave the snapshot column out until it is read (see `questionnaire_of`)."""
    return defer(Assessment.questionnaire_snapshot)  # type: ignore[arg-type]


def list_page(
    session: Session,
    principal: Principal,
    limit: int,
    offset: int,
    organization_id: str | None = None,
    status: AssessmentStatus | None = None,
) -> tuple[list[Assessment], int]:
    conditions: list[Any] = [Assessment.workspace_id == principal.workspace_id]
    if organization_id is not None:
        conditions.append(Assessment.organization_id == organization_id)
    if status is not None:
        conditions.append(Assessment.status == status)
    query = (
        select(Assessment)
        .options(without_snapshot())
        .where(*conditions)
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id))
    )
    return paginate(session, query, limit, offset)


def _check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise InvalidInput("closes_at must be after opens_at", [{"field": "closes_at", "message": "before opens_at"}])


def create(session: Session, principal: Principal, fields: dict[str, Any]) -> Assessment:
    organization = organizations.get(session, principal, fields["organization_id"])
    loaded = questionnaires.loaded_from_library(fields.pop("questionnaire_id"))
    questionnaire = loaded.questionnaire
    _check_dates(fields.get("opens_at"), fields.get("closes_at"))
    if fields.get("target_level") is None:
        fields["target_level"] = questionnaire.rubric.default_target_level
    if not fields.get("title"):
        fields["title"] = f"{questionnaire.title} — {organization.name}"
    assessment = Assessment(
        workspace_id=principal.workspace_id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_hash=loaded.content_hash,
        questionnaire_snapshot=questionnaires.snapshot_of(questionnaire),
        **fields,
    )
    privacy.check_settings(assessment.anonymity, assessment.min_group_size)
    session.add(assessment)
    session.flush()
    audit.record(
        session,
        principal.workspace_id,
        principal.actor,
        "assessment.created",
        "assessment",
        assessment.id,
        questionnaire=f"{questionnaire.id} {questionnaire.version}",
        hash=assessment.questionnaire_hash,
    )
    return assessment


def update(session: Session, principal: Principal, assessment_id: str, changes: dict[str, Any]) -> Assessment:
    assessment = get(session, principal, assessment_id)
    if assessment.status is AssessmentStatus.CLOSED:
        raise Conflict("a closed assessment cannot be changed")
    _check_dates(changes.get("opens_at", assessment.opens_at), changes.get("closes_at", assessment.closes_at))
    for field in changes:
        if field not in EDITABLE:
            raise InvalidInput(f"'{field}' cannot be changed")
    privacy.check_change(session, assessment, changes)
    for field, value in changes.items():
        setattr(assessment, field, value)
    assessment.updated_at = utc_now()
    audit.record(
        session,
        principal.workspace_id,
        principal.actor,
        "assessment.updated",
        "assessment",
        assessment.id,
        fields=sorted(changes),
    )
    return assessment


def _move(
    session: Session, principal: Principal, assessment_id: str, expected: AssessmentStatus, new: AssessmentStatus
) -> Assessment:
    """Move the assessment from `expected` to `new`, or raise Conflict: one conditional UPDATE, so of
    concurrent callers exactly one moves it (PostgreSQL makes the others wait for its row lock and then
    finds the status changed) and the others get the answer a later sequential call gets."""
    assessment = get(session, principal, assessment_id)
    if assessment.status is expected:
        now = utc_now()
        values: dict[str, Any] = {"status": new, "updated_at": now}
        if new is AssessmentStatus.CLOSED:
            values["closed_at"] = now
        moved = session.connection().execute(
            sa_update(Assessment)
            .where(col(Assessment.id) == assessment.id, col(Assessment.status) == expected)
            .values(**values)
        )
        if moved.rowcount == 1:
            for name, value in values.items():
                set_committed_value(assessment, name, value)
            return assessment
        session.refresh(assessment, ["status"])  # a concurrent caller moved it first: say where it is now
    verb = "opened" if new is AssessmentStatus.OPEN else "closed"
    raise Conflict(f"only {_article(expected)} assessment can be {verb}; this one is {assessment.status.value}")


def _article(status: AssessmentStatus) -> str:
    return f"an {status.value}" if status.value[0] in "aeiou" else f"a {status.value}"


def open_assessment(session: Session, principal: Principal, assessment_id: str) -> Assessment:
    assessment = _move(session, principal, assessment_id, AssessmentStatus.DRAFT, AssessmentStatus.OPEN)
    audit.record(session, principal.workspace_id, principal.actor, "assessment.opened", "assessment", assessment.id)
    return assessment


def close_assessment(session: Session, principal: Principal, assessment_id: str) -> Assessment:
    assessment = _move(session, principal, assessment_id, AssessmentStatus.OPEN, AssessmentStatus.CLOSED)
    audit.record(session, principal.workspace_id, principal.actor, "assessment.closed", "assessment", assessment.id)
    webhooks.enqueue(
        session,
        principal.workspace_id,
        "assessment.closed",
        {
            "assessment_id": assessment.id,
            "organization_id": assessment.organization_id,
            "closed_at": assessment.closed_at,
        },
    )
    return assessment


class Schedule(Protocol):
    """What `accepts_answers` reads: an Assessment, or just these columns of one (a save loads no more)."""

    @property
    def status(self) -> AssessmentStatus: ...
    @property
    def opens_at(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...


def accepts_answers(assessment: Schedule, now: datetime | None = None) -> bool:
    """Open, and inside its dates when it has any."""
    moment = now or utc_now()
    return (
        assessment.status is AssessmentStatus.OPEN
        and (assessment.opens_at is None or moment >= assessment.opens_at)
        and (assessment.closes_at is None or moment < assessment.closes_at)
    )
