"""Workspace settings pages: API keys and webhooks (each secret shown once when it is made), and the report branding."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.db.tables import NAME_MAX, ApiKeyScope
from app.http.branding import logo_response
from app.http.checked_input import CheckedRoute
from app.http.inputs import ApiKeyCreate
from app.http.sessions import ReadSessionDep, SessionDep
from app.services import accounts, branding, webhooks
from app.services.errors import Conflict, InvalidInput, ServiceError
from app.web.deps import PostingViewerDep, Viewer, ViewerDep
from app.web.forms import NO_STORE, Errors, errors_of, problems_of, when
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

DELIVERIES_SHOWN = 5
EVENT_DESCRIPTIONS = {
    "response.submitted": "A respondent submitted their answers",
    "assessment.closed": "An assessment was closed",
}

SCOPE_DESCRIPTIONS = {
    ApiKeyScope.READ: "Read organizations, assessments, results, exports and reports",
    ApiKeyScope.WRITE: "Create and change organizations and assessments, invite respondents, push responses",
    ApiKeyScope.ADMIN: "Manage API keys, webhooks and the report branding",
}


# ---- API keys


def _api_keys_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    new_key: dict[str, str] | None = None,
    name: str = "",
    scopes: list[str] | None = None,
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
                "scopes": key.scopes.split(),
                "created": when(key.created_at),
                "last_used": when(key.last_used_at) or "Never",
                "revoked": when(key.revoked_at),
            }
            for key in keys
        ],
        new_key=new_key,
        scopes=[{"id": scope.value, "description": SCOPE_DESCRIPTIONS[scope]} for scope in ApiKeyScope],
        values={"name": name, "scopes": [scope.value for scope in ApiKeyScope] if scopes is None else scopes},
        errors=errors or {},
    )
    if new_key is not None:
        response.headers.update(NO_STORE)
    return response


@router.get("/settings/api-keys")
def api_keys_page(request: Request, session: ReadSessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _api_keys_page(request, session, viewer)


@router.post("/settings/api-keys")
def create_api_key(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    chosen = scopes or []
    if not chosen:
        errors: Errors = {"scopes": ["Choose at least one scope."]}
        return _api_keys_page(request, session, viewer, name=name, scopes=chosen, errors=errors, status=422)
    try:
        checked = ApiKeyCreate.model_validate({"name": name, "scopes": chosen})
    except ValidationError as exc:
        return _api_keys_page(request, session, viewer, name=name, scopes=chosen, errors=errors_of(exc), status=422)
    assert checked.scopes is not None
    record, key = accounts.create_api_key(
        session,
        viewer.principal.workspace_id,
        checked.name,
        viewer.principal.actor,
        frozenset(checked.scopes),
        granted_by=viewer.principal.scopes,
    )
    # Shown in this response only: the key is stored as a digest and cannot be shown again.
    return _api_keys_page(request, session, viewer, new_key={"name": record.name, "key": key})


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke_api_key(session: SessionDep, viewer: PostingViewerDep, key_id: str) -> RedirectResponse:
    accounts.revoke_api_key(session, viewer.principal.workspace_id, key_id, viewer.principal.actor)
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
def webhooks_page(request: Request, session: ReadSessionDep, viewer: ViewerDep) -> HTMLResponse:
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
    return _webhooks_page(request, session, viewer, new_secret={"url": url, "secret": secret})


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete_webhook(session: SessionDep, viewer: PostingViewerDep, webhook_id: str) -> RedirectResponse:
    webhooks.delete(session, viewer.principal, webhook_id)
    return RedirectResponse("/settings/webhooks", status_code=303)


# ---- report branding

PREVIEW_NAME_MAX = 40  # characters of the name the cover preview shows; the report itself wraps
BRANDING_SAVED = {
    "settings": "Saved. The next report you download shows the new name and colour.",
    "logo": "Logo uploaded. The next report you download shows it on the cover.",
    "logo-removed": "Logo removed. Reports show the name alone.",
}


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _field_errors(exc: ServiceError, fallback: str) -> Errors:
    """A service's refusal as sentences by field; problems without a field go to `fallback`."""
    errors: Errors = {}
    for problem in exc.detail if isinstance(exc.detail, list) else []:
        if isinstance(problem, dict) and problem.get("field"):
            errors.setdefault(str(problem["field"]), []).append(_sentence(str(problem.get("message", exc.message))))
    return errors or {fallback: [_sentence(exc.message)]}


def _branding_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    logo_errors: Errors | None = None,
    saved: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = branding.of(session, viewer.principal)
    custom = branding.custom_name(session, viewer.principal)
    name = found.name or viewer.workspace_name
    digest = found.logo_digest
    logo_url = f"/settings/branding/logo?v={digest[:16]}" if digest else None
    accent = found.accent_color or branding.DEFAULT_ACCENT_COLOR
    return render(
        request,
        "web/consultant/branding.html",
        status_code=status,
        viewer=viewer,
        # the form shows what was sent when it is refused, and the stored settings otherwise
        values=values or {"name": custom or "", "accent_color": found.accent_color or ""},
        errors=errors or {},
        logo_errors=logo_errors or {},
        saved=BRANDING_SAVED.get(saved or ""),
        # the preview always shows what is stored: what the next report will look like
        preview={
            "name": name if len(name) <= PREVIEW_NAME_MAX else name[: PREVIEW_NAME_MAX - 1] + "…",
            "accent": accent,
            "is_default_accent": found.accent_color is None,
            "logo_url": logo_url,
        },
        picker=accent,
        logo=(
            {
                "url": logo_url,
                "type": "PNG" if found.logo_mime == branding.PNG else "JPEG",
                "kib": -(-len(found.logo) // 1024),
            }
            if found.logo is not None and logo_url
            else None
        ),
        limits={
            "kib": branding.MAX_LOGO_BYTES // 1024,
            "min": branding.MIN_LOGO_SIDE,
            "max": branding.MAX_LOGO_SIDE,
            "name": NAME_MAX,
            "default_accent": branding.DEFAULT_ACCENT_COLOR,
        },
    )


@router.get("/settings/branding")
def branding_page(
    request: Request, session: ReadSessionDep, viewer: ViewerDep, saved: str | None = None
) -> HTMLResponse:
    return _branding_page(request, session, viewer, saved=saved)


@router.post("/settings/branding", response_model=None)
def save_branding(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    name: Annotated[str, Form()] = "",
    accent_color: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """An empty field clears the setting: the workspace's name, the default colour."""
    values = {"name": name, "accent_color": accent_color}
    new_name, new_color = name.strip() or None, accent_color.strip() or None
    errors: Errors = {}
    # Both fields are checked before anything is saved, so that one answer names every problem.
    for field, value, check in (
        ("name", new_name, branding.check_name),
        ("accent_color", new_color, branding.check_color),
    ):
        if value is not None:
            try:
                check(value)
            except InvalidInput as exc:
                errors.update(_field_errors(exc, field))
    if errors:
        return _branding_page(request, session, viewer, values=values, errors=errors, status=422)
    branding.update(session, viewer.principal, name=new_name, accent_color=new_color)
    return RedirectResponse("/settings/branding?saved=settings", status_code=303)


@router.post("/settings/branding/logo", response_model=None)
def upload_logo(
    request: Request,
    session: SessionDep,
    viewer: PostingViewerDep,
    logo: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    if logo is None or (not logo.filename and not logo.size):
        errors = {"logo": [f"Choose a PNG or JPEG file to upload ({branding.ACCEPTED_LOGO})."]}
        return _branding_page(request, session, viewer, logo_errors=errors, status=422)
    # One byte past the limit is enough to refuse: the rest of the file is never read into memory.
    data = logo.file.read(branding.MAX_LOGO_BYTES + 1)
    # Browsers declare the type from the file name; "application/octet-stream" means they did not know.
    declared = logo.content_type if logo.content_type not in (None, "", "application/octet-stream") else None
    try:
        branding.set_logo(session, viewer.principal, data, declared)
    except ServiceError as exc:
        if exc.status_code not in (413, 422):
            raise
        session.rollback()
        errors = _field_errors(exc, "logo")
        return _branding_page(request, session, viewer, logo_errors=errors, status=exc.status_code)
    return RedirectResponse("/settings/branding?saved=logo", status_code=303)


@router.post("/settings/branding/logo/delete")
def delete_logo(session: SessionDep, viewer: PostingViewerDep) -> RedirectResponse:
    branding.remove_logo(session, viewer.principal)
    return RedirectResponse("/settings/branding?saved=logo-removed", status_code=303)


@router.get("/settings/branding/logo")
def branding_logo(
    session: ReadSessionDep, viewer: ViewerDep, if_none_match: Annotated[str | None, Header(max_length=200)] = None
) -> Response:
    """The stored logo, for the signed-in user's own workspace only (the preview on the page)."""
    return logo_response(branding.of(session, viewer.principal), if_none_match)
