"""The workspace's API keys: list, create (the key is shown once), revoke. Only `admin` keys reach
these routes (app/api/app.py ROUTER_SCOPES).

Revoking a key does not revoke the keys it made: rotating a key (make the new one, then revoke
the old one) must leave the new one working. What closes the door a leaked key would open is
that only an admin key can make keys at all, and never with a scope it does not have."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PrincipalDep
from app.api.schemas import ApiKeyCreated, ApiKeyPublic, Page
from app.http.checked_input import CheckedRoute
from app.http.inputs import ApiKeyCreate
from app.http.paging import PagingDep
from app.http.sessions import ReadSessionDep, SessionDep
from app.services import accounts

router = APIRouter(prefix="/api-keys", tags=["api keys"], route_class=CheckedRoute)


@router.get("", response_model=Page[ApiKeyPublic])
def list_api_keys(session: ReadSessionDep, principal: PrincipalDep, paging: PagingDep) -> Page[ApiKeyPublic]:
    """The workspace's keys, oldest first, without the keys themselves."""
    rows, total = accounts.api_keys_page(session, principal.workspace_id, paging.limit, paging.offset)
    return Page(
        items=[ApiKeyPublic.model_validate(k) for k in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: PrincipalDep) -> ApiKeyCreated:
    """A new key with the scopes asked for (by default the asking key's); the response is the only time it is shown."""
    scopes = principal.scopes if body.scopes is None else frozenset(body.scopes)
    record, key = accounts.create_api_key(
        session, principal.workspace_id, body.name, principal.actor, scopes, granted_by=principal.scopes
    )
    return ApiKeyCreated(**ApiKeyPublic.model_validate(record).model_dump(), key=key)


@router.post("/{key_id}/revoke", response_model=ApiKeyPublic)
def revoke_api_key(key_id: str, session: SessionDep, principal: PrincipalDep) -> ApiKeyPublic:
    """Revoke a key: it stops working at once."""
    record = accounts.revoke_api_key(session, principal.workspace_id, key_id, principal.actor)
    return ApiKeyPublic.model_validate(record)
