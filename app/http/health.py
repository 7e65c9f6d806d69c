"""`/healthz` (the process answers) and `/readyz` (the database answers, at the latest migration)."""

from __future__ import annotations

import asyncio

from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.db.engine import READ_ONLY_OPTION, get_engine
from app.db.migrate import head_revision

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


def mount_health(app: FastAPI) -> None:
    # async: an answer that waits on nothing should not take a trip through the thread pool.
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
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
