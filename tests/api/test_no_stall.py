"""Slow work never waits for (or holds) SQLite's write lock: with another connection holding it, /readyz,
the respondent's pages and form, and a report still answer; a report's render gives up its place under the
SQLite request limit; and /readyz answers 503 when the database cannot answer within its timeout."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.api import app as app_module
from app.api.limits import DatabaseConcurrencyLimit, done_with_database
from app.db.engine import get_engine
from app.settings import get_settings
from tests.api.conftest import Tenant, pulse_answers

# Far below the busy timeout the app would otherwise wait (15 s by default), far above a plain answer.
ANSWER_WITHIN_SECONDS = 3.0


def sqlite_file(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock of a whole database is SQLite's")
    assert url.database
    return url.database


@pytest.fixture
def short_busy_timeout(app_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that does wait for the lock fails after 1 s instead of 15 (made before the app's engine)."""
    monkeypatch.setenv("CENTRICITY_SQLITE_BUSY_TIMEOUT_MS", "1000")
    get_settings.cache_clear()
    get_engine.cache_clear()


def timed(call: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()  # type: ignore[operator]
    return response, time.monotonic() - started


def test_reads_answer_while_another_connection_holds_the_write_lock(
    short_busy_timeout: None, client: TestClient, tenant: Tenant
) -> None:
    assessment = tenant.open_assessment()
    [token] = tenant.invite(assessment["id"], ("executive", "sales"))
    for _ in range(3):  # three submitted people: fewer withhold the results and refuse the report
        tenant.respond(assessment["id"], "manager", "sales", pulse_answers(client, tenant))
    tenant.get("/organizations")  # the key's last use is written now, not under the lock below
    holder = sqlite3.connect(sqlite_file(str(get_settings().database_url)), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for path in (
            "/readyz",
            f"/r/{token}",
            f"/r/{token}/page/1",
            f"/r/{token}/review",
            f"/api/v1/respond/{token}",
        ):
            response, seconds = timed(lambda path=path: client.get(path))
            assert response.status_code == 200, (path, response.text[:300])
            assert seconds < ANSWER_WITHIN_SECONDS, (path, seconds)
        report, seconds = timed(lambda: tenant.get(f"/assessments/{assessment['id']}/report.html"))
        assert report.status_code == 200, report.text[:300]
        assert "<html" in report.text.lower()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_readyz_is_503_when_the_database_does_not_answer_in_time(
    client: TestClient, app_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "READY_TIMEOUT_SECONDS", 0.5)
    assert client.get("/readyz").status_code == 200
    url = make_url(app_database)
    if url.get_backend_name() == "sqlite":
        # A connection in exclusive locking mode keeps even readers out (they wait for the busy timeout).
        get_engine().dispose()
        assert url.database
        blocker = sqlite3.connect(url.database, isolation_level=None)
        blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
        blocker.execute("BEGIN EXCLUSIVE")
        release = blocker.close
    else:
        other = create_engine(url)
        connection = other.connect()
        connection.exec_driver_sql("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")

        def release() -> None:
            connection.rollback()
            connection.close()
            other.dispose()

    try:
        response, seconds = timed(lambda: client.get("/readyz"))
    finally:
        release()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "the database did not answer within 0.5 s"}
    assert seconds < ANSWER_WITHIN_SECONDS
    assert client.get("/readyz").status_code == 200  # and ready again once it answers


def test_a_request_done_with_the_database_gives_up_its_place_under_the_limit() -> None:
    async def scenario() -> None:
        renders = asyncio.Event()

        async def render(request: Request) -> PlainTextResponse:
            if request.query_params.get("done") == "yes":
                done_with_database()
            await renders.wait()
            return PlainTextResponse("report")

        async def page(request: Request) -> PlainTextResponse:
            return PlainTextResponse("page")

        limited = DatabaseConcurrencyLimit(Starlette(routes=[Route("/render", render), Route("/page", page)]), limit=1)
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            # A request that keeps its place: the next one waits for it.
            holding = asyncio.create_task(http.get("/render"))
            await asyncio.sleep(0.05)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(http.get("/page"), 0.3)
            renders.set()
            assert (await holding).text == "report"
            renders.clear()
            # One that said it is done with the database: the next one goes ahead while it renders.
            rendering = asyncio.create_task(http.get("/render", params={"done": "yes"}))
            await asyncio.sleep(0.05)
            assert (await asyncio.wait_for(http.get("/page"), 2)).text == "page"
            assert not rendering.done()
            renders.set()
            assert (await rendering).text == "report"

    asyncio.run(scenario())
