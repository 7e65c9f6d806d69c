"""Many writes at once never deadlock the connection pool against the thread pool.

A finished handler's unit of work keeps its connection until it is committed. With the commit
queued behind handlers for the same threads, the handlers that start next can hold every thread
while waiting for a connection, and every connection waits for a thread to commit it. Made small
enough to happen every time: 2 threads, a pool of 1 + 10 overflow, 24 keyed saves at once. Before
the fix every request stalled until the pool's 30 s timeout; now they all answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from app.db.engine import get_engine
from app.main import create_app
from app.settings import get_settings
from tests.api.conftest import make_tenant

AT_ONCE = 24
THREADS = 2


@pytest.fixture
def small_pools(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if database_url.startswith("sqlite"):
        pytest.skip("on SQLite at most 4 requests run at once (app/http/limits.py), below any thread pool")
    monkeypatch.setenv("CENTRICITY_DB_POOL_SIZE", "1")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine.cache_clear()
    get_settings.cache_clear()


def test_saves_at_once_finish_with_few_threads_and_connections(small_pools: None, app_database: str) -> None:
    app = create_app()
    with TestClient(app) as client:
        tenant = make_tenant(client, "Acme Consulting")
        assessment = tenant.open_assessment()
        tokens = tenant.invite(assessment["id"], *[("manager", "sales")] * AT_ONCE)
        question = next(
            q for q in tenant.get("/questionnaires/pulse").json()["questions"] if q["answers"]["kind"] == "level"
        )

    async def all_at_once() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:

            async def save(token: str) -> int:
                body = {"answers": {question["id"]: 3}}
                headers = {"Idempotency-Key": str(uuid.uuid4())}
                response = await http.put(f"/api/v1/respond/{token}/answers", json=body, headers=headers)
                return response.status_code

            return await asyncio.wait_for(asyncio.gather(*(save(t) for t in tokens)), timeout=20)

    assert asyncio.run(all_at_once()) == [200] * AT_ONCE
