"""The consultant's pages do their slow reading (the sign-in check, scoring the results) on read sessions:
on SQLite they answer while another connection holds the write lock, instead of waiting for it."""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.db.engine import get_engine
from app.settings import get_settings
from tests.api.conftest import make_tenant
from tests.web.conftest import Account, sign_in

ANSWER_WITHIN_SECONDS = 3.0


@pytest.fixture
def short_busy_timeout(app_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SQLite file; a request that does wait for the lock fails after 1 s instead of 15."""
    url = make_url(app_database)
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("the write lock of a whole database is SQLite's")
    monkeypatch.setenv("CENTRICITY_SQLITE_BUSY_TIMEOUT_MS", "1000")
    get_settings.cache_clear()
    get_engine.cache_clear()
    return url.database


def test_the_results_page_answers_while_another_connection_holds_the_write_lock(
    short_busy_timeout: str, client: TestClient, account: Account
) -> None:
    tenant = make_tenant(client, "Acme Consulting")
    assessment = tenant.open_assessment()
    sign_in(client, account.email)
    holder = sqlite3.connect(short_busy_timeout, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        page = client.get(f"/assessments/{assessment['id']}/results")
        seconds = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert page.status_code == 200, page.text[:300]
    assert assessment["title"] in page.text
    assert seconds < ANSWER_WITHIN_SECONDS
