"""The JSON API: its routers under /api/v1, each behind the API-key scopes it needs.

`include_api` adds them to the application that `app.main` composes; the API knows nothing of
the web app, the docs page or the health checks beside it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from app.api.deps import require_scope
from app.api.routes import (
    api_keys,
    assessments,
    branding,
    exports,
    organizations,
    questionnaires,
    reports,
    respond,
    webhooks,
)
from app.db.tables import ApiKeyScope
from app.http import errors

API_PREFIX = "/api/v1"

READ, WRITE, ADMIN = ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.ADMIN
# The scope each router's requests need, as (GET and HEAD, other methods); the one place this
# is decided. Managing the workspace (its keys, webhooks and report branding) is `admin`;
# the respondent routes take a link token, not an API key, and need none.
ROUTER_SCOPES: list[tuple[APIRouter, tuple[ApiKeyScope, ApiKeyScope] | None]] = [
    (respond.router, None),
    (questionnaires.router, (READ, WRITE)),
    (organizations.router, (READ, WRITE)),
    (assessments.router, (READ, WRITE)),
    (exports.router, (READ, WRITE)),
    (reports.router, (READ, WRITE)),
    (api_keys.router, (ADMIN, ADMIN)),
    (webhooks.router, (ADMIN, ADMIN)),
    (branding.router, (READ, ADMIN)),
]


def include_api(app: FastAPI) -> None:
    """Add every API router to `app` under API_PREFIX, each on its own (not inside one /api/v1 router),
    so that the dispatch by prefix (app.http.routing) sends a request to its router's routes alone."""
    for router, scopes in ROUTER_SCOPES:
        if scopes is None:
            app.include_router(router, prefix=API_PREFIX)
            continue
        reads, writes = scopes
        forbidden = f"Forbidden: the API key lacks the scope needed (`{reads}` to read, `{writes}` to change)"
        app.include_router(
            router,
            prefix=API_PREFIX,
            dependencies=[Depends(require_scope(reads, writes))],
            responses={403: {"model": errors.ErrorBody, "description": forbidden}},
        )
