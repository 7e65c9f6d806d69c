"""Webhooks: a workspace's subscriptions, and events queued for delivery in the same transaction as the
change that caused them (the sender, `app.services.webhook_sender`, posts them after commit)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, Literal, get_args

from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, func, select

from app.db.paging import paginate
from app.db.tables import URL_MAX, Webhook, WebhookDelivery, utc_now
from app.net import outbound
from app.services import audit
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput, NotFound

EventName = Literal["response.submitted", "assessment.closed"]
EVENTS: tuple[EventName, ...] = get_args(EventName)
# Each webhook multiplies every event into a delivery; a bound keeps one workspace from
# turning the sender into a fan-out engine.
MAX_WEBHOOKS_PER_WORKSPACE = 20
SECRET_PREFIX = "whsec_"


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


def url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks, or None when it can: the outbound guard's rules, and what fits the column."""
    if len(url) > URL_MAX:
        return f"at most {URL_MAX} characters"
    try:
        outbound.guard_from_settings().check(url)
    except outbound.Refused as refused:
        return refused.message
    return None


def new_secret() -> str:
    """A signing secret: 256 random bits, shown once when the webhook is created."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create(session: Session, principal: Principal, url: str, events: Sequence[str]) -> Webhook:
    """Subscribe `url` to `events`; the returned webhook's secret is shown to the caller only now."""
    problem = url_problem(url)
    if problem is not None:
        raise InvalidInput(f"url: {problem}", [{"field": "url", "message": problem}])
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        message = f"events must be some of {', '.join(EVENTS)}"
        raise InvalidInput(message, [{"field": "events", "message": message}])
    existing = session.exec(
        select(func.count()).select_from(Webhook).where(Webhook.workspace_id == principal.workspace_id)
    ).one()
    if existing >= MAX_WEBHOOKS_PER_WORKSPACE:
        raise Conflict(f"a workspace has at most {MAX_WEBHOOKS_PER_WORKSPACE} webhooks; delete one first")
    # Kept in the order of EVENTS, without repeats, whatever order the caller gave.
    webhook = Webhook(
        workspace_id=principal.workspace_id,
        url=url,
        secret=new_secret(),
        events=[e for e in EVENTS if e in events],
    )
    session.add(webhook)
    session.flush()
    audit.record(session, principal.workspace_id, principal.actor, "webhook.created", "webhook", webhook.id, url=url)
    return webhook


def get(session: Session, principal: Principal, webhook_id: str) -> Webhook:
    webhook = session.exec(
        select(Webhook).where(Webhook.id == webhook_id, Webhook.workspace_id == principal.workspace_id)
    ).first()
    if webhook is None:
        raise NotFound("no such webhook")
    return webhook


def list_page(session: Session, principal: Principal, limit: int, offset: int) -> tuple[list[Webhook], int]:
    query = select(Webhook).where(Webhook.workspace_id == principal.workspace_id)
    return paginate(session, query.order_by(col(Webhook.created_at), col(Webhook.id)), limit, offset)


def delete(session: Session, principal: Principal, webhook_id: str) -> None:
    """Remove the webhook; its pending deliveries and its log go with it (ON DELETE CASCADE)."""
    webhook = get(session, principal, webhook_id)
    audit.record(
        session, principal.workspace_id, principal.actor, "webhook.deleted", "webhook", webhook.id, url=webhook.url
    )
    session.delete(webhook)
    session.flush()


def deliveries_page(
    session: Session, principal: Principal, webhook_id: str, limit: int, offset: int
) -> tuple[list[WebhookDelivery], int]:
    """The webhook's delivery log, newest first."""
    webhook = get(session, principal, webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
    )
    return paginate(session, query, limit, offset)
