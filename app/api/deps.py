"""Dependencies of the API routes alone: the calling workspace (from its API key) and the scopes a route needs.

The plumbing the pages share (sessions, paging, idempotency) is in app.http."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db.tables import ApiKeyScope
from app.http.sessions import ReadSessionDep
from app.services import accounts
from app.services.accounts import Principal
from app.services.errors import Unauthorized

_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "An API key of the workspace: `Authorization: Bearer ck_...`. Its scopes say what it may call: "
        "`read` the GET routes, `write` the others, `admin` API keys, webhooks and branding changes (else 403)."
    ),
)


def current_principal(
    reading: ReadSessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    return accounts.principal_for_api_key(reading, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]

# Methods that change nothing: a `read` key may call them.
_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_scope(
    reads: ApiKeyScope = ApiKeyScope.READ, writes: ApiKeyScope = ApiKeyScope.WRITE
) -> Callable[[Request, Principal], Coroutine[Any, Any, None]]:
    """A dependency that lets through only a caller with the scope the request needs: `reads` for
    GET and HEAD, `writes` for the other methods; 403 naming the missing scope otherwise."""

    # async: a comparison of scopes, not worth a trip through the thread pool on every API request.
    async def check_scope(request: Request, principal: PrincipalDep) -> None:
        accounts.require_scope(principal, reads if request.method in _READING_METHODS else writes)

    return check_scope
