"""Workspace settings pages: API keys and webhooks, each secret shown once when it is made."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.api.deps import SessionDep
from app.api.schemas import ApiKeyCreate
from app.services import accounts, webhooks
from app.services.errors import Conflict, InvalidInput
from app.web.deps import PostingViewerDep, Viewer, ViewerDep
from app.web.routes.manage import NO_STORE, Errors, errors_of, problems_of, when
from app.web.templating import render

router = APIRouter(include_in_schema=False)

DELIVERIES_SHOWN = 5
EVENT_DESCRIPTIONS = {
    "response.submitted": "A respondent submitted their answers",
    "assessment.closed": "An assessment was closed",
}


# ---- API keys


def _api_keys_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    new_key: dict[str, str] | None = None,
    name: str = "",
    errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    keys = accounts.list_api_keys(session, viewer.principal.workspace_id)
    response = render(
        request,
        "web/consultant/api_keys.html",
        status_code=status,
        viewer=viewer,
        keys=[
            {
                "id": key.id,
                "name": key.name,
                "prefix": key.prefix,
                "created": when(key.created_at),
                "last_used": when(key.last_used_at) or "Never",
                "revoked": when(key.revoked_at),
            }
            for key in keys
        ],
        new_key=new_key,
        values={"name": name},
        errors=errors or {},
    )
    if new_key is not None:
        response.headers.update(NO_STORE)
    return response


@router.get("/settings/api-keys")
def api_keys_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _api_keys_page(request, session, viewer)


@router.post("/settings/api-keys")
def create_api_key(
    request: Request, session: SessionDep, viewer: PostingViewerDep, name: Annotated[str, Form()] = ""
) -> HTMLResponse:
    try:
        checked = ApiKeyCreate(name=name)
    except ValidationError as exc:
        return _api_keys_page(request, session, viewer, name=name, errors=errors_of(exc), status=422)
    record, key = accounts.create_api_key(session, viewer.principal.workspace_id, checked.name, viewer.principal.actor)
    session.commit()
    # Shown in this response only: the key is stored as a digest and cannot be shown again.
    return _api_keys_page(request, session, viewer, new_key={"name": record.name, "key": key})


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke_api_key(session: SessionDep, viewer: PostingViewerDep, key_id: str) -> RedirectResponse:
    accounts.revoke_api_key(session, viewer.principal.workspace_id, key_id, viewer.principal.actor)
    session.commit()
    return RedirectResponse("/settings/api-keys", status_code=303)


# ---- webhooks


def _webhooks_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    new_secret: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    hooks, _ = webhooks.list_page(session, viewer.principal, webhooks.MAX_WEBHOOKS_PER_WORKSPACE, 0)
    listed = []
    for hook in hooks:
        deliveries, delivered_total = webhooks.deliveries_page(session, viewer.principal, hook.id, DELIVERIES_SHOWN, 0)
        listed.append(
            {
                "id": hook.id,
                "url": hook.url,
                "events": list(hook.events),
                "active": hook.active,
                "created": when(hook.created_at),
                "deliveries": [
                    {
                        "event": d.event,
                        "status": d.status.value,
                        "attempts": d.attempts,
                        "last_status_code": d.last_status_code if d.last_status_code is not None else "",
                        "created": when(d.created_at),
                    }
                    for d in deliveries
                ],
                "delivery_total": delivered_total,
            }
        )
    response = render(
        request,
        "web/consultant/webhooks.html",
        status_code=status,
        viewer=viewer,
        webhooks=listed,
        events=[{"id": e, "description": EVENT_DESCRIPTIONS.get(e, e)} for e in webhooks.EVENTS],
        new_secret=new_secret,
        values=values or {"url": "", "events": list(webhooks.EVENTS)},
        errors=errors or {},
        limit=webhooks.MAX_WEBHOOKS_PER_WORKSPACE,
    )
    if new_secret is not None:
        response.headers.update(NO_STORE)
    return response


@router.get("/settings/webhooks")
def webhooks_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _webhooks_page(request, session, viewer)


@router.post("/settings/webhooks")
def create_webhook(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    url: Annotated[str, Form()] = "",
    events: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    chosen = events or []
    values: dict[str, object] = {"url": url, "events": chosen}
    url = url.strip()
    errors: Errors = {}
    if not url:
        errors["url"] = ["Give the https:// address that should receive the events."]
    if not chosen:
        errors["events"] = ["Choose at least one event."]
    if errors:
        return _webhooks_page(request, session, viewer, values=values, errors=errors, status=422)
    try:
        hook = webhooks.create(session, viewer.principal, url, chosen)
    except InvalidInput as exc:
        found = problems_of(exc, "url")
        errors = {
            field: [m[0].upper() + m[1:] + "." if m else m for m in messages] for field, messages in found.items()
        }
        return _webhooks_page(request, session, viewer, values=values, errors=errors, status=422)
    except Conflict as exc:
        return _webhooks_page(request, session, viewer, values=values, errors={"url": [exc.message]}, status=409)
    secret = hook.secret
    session.commit()
    return _webhooks_page(request, session, viewer, new_secret={"url": url, "secret": secret})


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete_webhook(session: SessionDep, viewer: PostingViewerDep, webhook_id: str) -> RedirectResponse:
    webhooks.delete(session, viewer.principal, webhook_id)
    session.commit()
    return RedirectResponse("/settings/webhooks", status_code=303)
