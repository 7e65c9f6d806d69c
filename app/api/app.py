"""The FastAPI application: routers, error mapping, health checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from app.api import errors
from app.api.deps import require_scope
from app.api.docs import mount_docs
from app.api.limits import SQLITE_CONCURRENT_REQUESTS, DatabaseConcurrencyLimit, RequestBodyLimit
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
from app.db.engine import READ_ONLY_OPTION, get_engine
from app.db.migrate import head_revision
from app.db.tables import ApiKeyScope
from app.observability import install as install_observability
from app.services import reports as report_service
from app.services import webhook_sender
from app.settings import get_settings
from app.web.app import mount_web

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


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Webhook events are queued in the database by the requests that cause them; this
    # instance's sender delivers them in the background for as long as the app serves.
    sender = webhook_sender.start_background_sender()
    try:
        yield
    finally:
        if sender is not None:
            # Joining waits for a delivery in flight; off the event loop, which keeps serving meanwhile.
            await asyncio.to_thread(sender.stop)
        # Report workers are separate processes; stop them with the app rather than orphan them.
        await asyncio.to_thread(report_service.shutdown)


# A load balancer probes often and expects a quick answer: a database slower than this is not ready.
READY_TIMEOUT_SECONDS = 2.0


def database_revision() -> str | None:
    """The schema revision, read on a read-only connection (on SQLite it waits for no writer) whose
    statements give up after READY_TIMEOUT_SECONDS, so a stuck database does not keep the thread."""
    engine = get_engine().execution_options(**{READ_ONLY_OPTION: True})
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(READY_TIMEOUT_SECONDS * 1000)}")
        return MigrationContext.configure(connection).get_current_revision()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Centricity",
        version="1.0",
        summary="Measure how customer-centric an organization is, explain the result, recommend what to do next.",
        openapi_url="/openapi.json",
        docs_url=None,  # served by mount_docs, without a CDN or inline script
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(RequestBodyLimit)
    if get_settings().is_sqlite:
        app.add_middleware(DatabaseConcurrencyLimit, limit=SQLITE_CONCURRENT_REQUESTS)
    api = APIRouter(prefix=API_PREFIX)
    # Respondents' autosaves are the most frequent requests and FastAPI tries routes in order
    # (each costs time even when it does not match): their router goes first in ROUTER_SCOPES. No two routers'
    # paths overlap, so the order changes nothing else.
    for router, scopes in ROUTER_SCOPES:
        if scopes is None:
            api.include_router(router)
            continue
        reads, writes = scopes
        forbidden = f"Forbidden: the API key lacks the scope needed (`{reads}` to read, `{writes}` to change)"
        api.include_router(
            router,
            dependencies=[Depends(require_scope(reads, writes))],
            responses={403: {"model": errors.ErrorBody, "description": forbidden}},
        )
    app.include_router(api)
    mount_docs(app)
    mount_web(app)
    install_observability(app)  # last: its middleware wraps the others

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        responses={
            200: {"description": "Ready.", "content": {"application/json": {"example": {"status": "ok"}}}},
            503: {
                "description": "Not ready: the database does not answer, or migrations are pending.",
                "content": {"application/json": {"example": {"status": "migrations pending"}}},
            },
        },
    )
    async def readyz() -> JSONResponse:
        """Ready: the database answers within READY_TIMEOUT_SECONDS and its schema is at the latest migration."""
        try:
            revision = await asyncio.wait_for(asyncio.to_thread(database_revision), READY_TIMEOUT_SECONDS)
        except TimeoutError:
            message = f"the database did not answer within {READY_TIMEOUT_SECONDS:g} s"
            return JSONResponse(status_code=503, content={"status": "unavailable", "database": message})
        except Exception as exc:  # any database failure means not ready
            return JSONResponse(status_code=503, content={"status": "unavailable", "database": str(exc)[:200]})
        if revision != head_revision():
            return JSONResponse(status_code=503, content={"status": "migrations pending"})
        return JSONResponse(content={"status": "ok"})

    return app
