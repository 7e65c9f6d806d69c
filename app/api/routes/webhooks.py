"""The workspace's webhooks: subscribe a URL to events (the signing secret is shown once), list, delete,
and read each webhook's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import PrincipalDep
from app.api.schemas import Page
from app.db.tables import URL_MAX, DeliveryStatus
from app.http.checked_input import CheckedRoute
from app.http.idempotency import IdempotencyKey, idempotency_scope, run_once
from app.http.paging import PagingDep
from app.http.sessions import ReadSessionDep, SessionDep
from app.services import webhooks

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=CheckedRoute)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=URL_MAX,
            description="https:// URL on the public internet that receives the events (private, loopback and "
            "link-local addresses are refused, also after DNS resolution when sending).",
            examples=["https://crm.example.com/hooks/centricity"],
        ),
    ]
    events: list[webhooks.EventName] = Field(
        default_factory=lambda: list(webhooks.EVENTS),
        min_length=1,
        max_length=len(webhooks.EVENTS),
        description="Events to receive; all of them when left out.",
    )


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="Signs every delivery: `Centricity-Signature: sha256=<hex HMAC-SHA256 of the body>`. "
        "Shown only in this response."
    )


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Also sent as the `Centricity-Delivery` header: the same id means the same event.")
    webhook_id: str
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="When the next attempt is due; null once settled.")
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(
    body: WebhookCreate, request: Request, session: SessionDep, principal: PrincipalDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Subscribe a URL to events; the signing secret is shown only in this response."""

    def work() -> tuple[int, WebhookCreated]:
        webhook = webhooks.create(session, principal, body.url, body.events)
        return 201, WebhookCreated(**WebhookPublic.model_validate(webhook).model_dump(), secret=webhook.secret)

    return run_once(session, request, idempotency_scope(principal), key, body.model_dump(), work)


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(session: ReadSessionDep, principal: PrincipalDep, paging: PagingDep) -> Page[WebhookPublic]:
    """The workspace's webhooks, oldest first, without their secrets."""
    rows, total = webhooks.list_page(session, principal, paging.limit, paging.offset)
    return Page(
        items=[WebhookPublic.model_validate(w) for w in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: str, session: ReadSessionDep, principal: PrincipalDep) -> WebhookPublic:
    """One webhook, without its secret."""
    return WebhookPublic.model_validate(webhooks.get(session, principal, webhook_id))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Delete a webhook: nothing more is sent to it, and its pending deliveries and log are removed."""
    webhooks.delete(session, principal, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(
    webhook_id: str, session: ReadSessionDep, principal: PrincipalDep, paging: PagingDep
) -> Page[DeliveryPublic]:
    """The webhook's delivery log, newest first: each event's status, attempts and last error."""
    rows, total = webhooks.deliveries_page(session, principal, webhook_id, paging.limit, paging.offset)
    return Page(
        items=[DeliveryPublic.model_validate(d) for d in rows], total=total, limit=paging.limit, offset=paging.offset
    )
