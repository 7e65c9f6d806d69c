"""Webhooks: events queued for delivery in the same transaction as the change that caused them."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from app.db.tables import Webhook, WebhookDelivery, utc_now

EVENTS = ("response.submitted", "assessment.closed")


def enqueue(session: Session, workspace_id: str, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook of the workspace that subscribes to it; the sender
    delivers it after commit, so an event exists exactly when its change does."""
    hooks = session.exec(
        select(Webhook).where(Webhook.workspace_id == workspace_id, col(Webhook.active).is_(True))
    ).all()
    payload = {"event": event, "created_at": utc_now(), "data": data}
    count = 0
    for hook in hooks:
        if event in hook.events:
            delivery = WebhookDelivery(
                webhook_id=hook.id, event=event, payload=to_jsonable_python(payload), next_attempt_at=utc_now()
            )
            session.add(delivery)
            count += 1
    return count
