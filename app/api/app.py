"""The FastAPI application: routers, error mapping, health checks."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api import errors
from app.api.routes import api_keys, assessments, organizations, questionnaires, respond
from app.db.engine import get_engine
from app.db.migrate import is_at_head

API_PREFIX = "/api/v1"


def create_app() -> FastAPI:
    app = FastAPI(
        title="Centricity",
        version="1.0",
        summary="Measure how customer-centric an organization is, explain the result, recommend what to do next.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
    )
    errors.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (questionnaires, organizations, assessments, respond, api_keys):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """Ready: the database answers and its schema is at the latest migration."""
        engine = get_engine()
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            at_head = is_at_head(engine)
        except Exception as exc:  # any database failure means not ready
            return JSONResponse(status_code=503, content={"status": "unavailable", "database": str(exc)[:200]})
        if not at_head:
            return JSONResponse(status_code=503, content={"status": "migrations pending"})
        return JSONResponse(content={"status": "ok"})

    return app
