"""The audit trail: who changed what and when, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.db.tables import AuditEvent


def record(
    session: Session,
    workspace_id: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            workspace_id=workspace_id, actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail
        )
    )
