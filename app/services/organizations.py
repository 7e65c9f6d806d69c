"""Client organizations of a workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db.paging import paginate
from app.db.tables import Organization, utc_now
from app.services import audit
from app.services.accounts import Principal
from app.services.errors import Conflict, NotFound


def get(session: Session, principal: Principal, organization_id: str) -> Organization:
    organization = session.exec(
        select(Organization).where(
            Organization.id == organization_id, Organization.workspace_id == principal.workspace_id
        )
    ).first()
    if organization is None:
        raise NotFound("no such organization")
    return organization


def list_page(session: Session, principal: Principal, limit: int, offset: int) -> tuple[list[Organization], int]:
    query = select(Organization).where(Organization.workspace_id == principal.workspace_id)
    return paginate(session, query.order_by(col(Organization.name), col(Organization.id)), limit, offset)


def _name_taken(session: Session, principal: Principal, name: str, except_id: str | None = None) -> bool:
    query = select(Organization.id).where(
        Organization.workspace_id == principal.workspace_id, Organization.name == name
    )
    if except_id is not None:
        query = query.where(Organization.id != except_id)
    return session.exec(query).first() is not None


def create(session: Session, principal: Principal, fields: dict[str, Any]) -> Organization:
    if _name_taken(session, principal, fields["name"]):
        raise Conflict(f"an organization named '{fields['name']}' already exists")
    organization = Organization(workspace_id=principal.workspace_id, **fields)
    session.add(organization)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create with the same name won the race
        session.rollback()
        raise Conflict(f"an organization named '{fields['name']}' already exists") from None
    audit.record(
        session, principal.workspace_id, principal.actor, "organization.created", "organization", organization.id
    )
    return organization


def update(session: Session, principal: Principal, organization_id: str, changes: dict[str, Any]) -> Organization:
    organization = get(session, principal, organization_id)
    if "name" in changes and _name_taken(session, principal, changes["name"], except_id=organization.id):
        raise Conflict(f"an organization named '{changes['name']}' already exists")
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.updated_at = utc_now()
    audit.record(
        session,
        principal.workspace_id,
        principal.actor,
        "organization.updated",
        "organization",
        organization.id,
        fields=sorted(changes),
    )
    return organization


def delete(session: Session, principal: Principal, organization_id: str) -> None:
    """Delete an organization and, by cascade, its assessments, respondents and answers."""
    organization = get(session, principal, organization_id)
    audit.record(
        session,
        principal.workspace_id,
        principal.actor,
        "organization.deleted",
        "organization",
        organization.id,
        name=organization.name,
    )
    session.delete(organization)
