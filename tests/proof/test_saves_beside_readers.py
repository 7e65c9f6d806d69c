"""Reads never hold SQLite's write lock: answer saves through a real server all succeed while two
clients loop over the questionnaire list (YAML parsing) and the results page (scoring).

Before reads ran on read sessions, every request's first SELECT began `BEGIN IMMEDIATE` and held
the lock for its whole handler: two such readers made saves wait past the busy timeout and fail
with 500 "database is locked". The busy timeout here is short (1 s), so a read that held the lock
for a few hundred milliseconds, twice over, would make saves fail in this test; and between saves
a probe asks for the write lock without waiting at all, which any reader holding it, however
briefly, would make fail.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.db.engine import get_engine
from app.settings import get_settings
from tests.api.conftest import Tenant, pulse_answers
from tests.live_server import serving
from tests.web.conftest import PASSWORD, make_account

SAVES = 60
READERS = 2
# Bounds: the readers stop when the saves are done, or at this deadline whatever happens.
DEADLINE_SECONDS = 120.0
REQUEST_TIMEOUT = 30.0


@pytest.fixture
def short_busy_timeout(app_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if make_url(app_database).get_backend_name() != "sqlite":
        pytest.skip("the write lock of a whole database is SQLite's")
    monkeypatch.setenv("CENTRICITY_SQLITE_BUSY_TIMEOUT_MS", "1000")
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def server(short_busy_timeout: None, app_database: str, tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path / "server.log") as base_url:
        yield base_url


def session_cookie(base_url: str, email: str) -> dict[str, str]:
    """Sign in through the real server; the session cookie, to send by hand (it may be marked Secure)."""
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        form = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        signed_in = http.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
        )
        assert signed_in.status_code == 303, signed_in.text[:300]
        name = get_settings().session_cookie_name
        match = re.search(rf"{re.escape(name)}=([^;]+)", signed_in.headers["set-cookie"])
        assert match
        return {"cookie": f"{name}={match.group(1)}"}


@pytest.mark.slow
def test_answer_saves_never_fail_while_two_clients_loop_over_slow_reads(
    server: str, client: TestClient, tenant: Tenant
) -> None:
    assessment = tenant.open_assessment()
    answers = pulse_answers(client, tenant)
    for function in ("sales", "service", "it"):  # enough submissions for the results page to score
        tenant.respond(assessment["id"], "manager", function, answers)
    [token] = tenant.invite(assessment["id"], ("executive", "sales"))
    cookie = session_cookie(server, make_account("ann@acme.example", "Acme Consulting").email)
    key = {"authorization": f"Bearer {tenant.key}"}
    results_page = f"/assessments/{assessment['id']}/results"

    done = threading.Event()
    reads: list[int] = []
    read_failures: list[str] = []

    def read_in_a_loop() -> None:
        with httpx.Client(base_url=server, timeout=REQUEST_TIMEOUT) as http:
            for turn in itertools.count():
                if done.is_set():
                    return
                path, headers = ("/api/v1/questionnaires", key) if turn % 2 == 0 else (results_page, cookie)
                response = http.get(path, headers=headers)
                reads.append(response.status_code)
                if response.status_code != 200:
                    read_failures.append(f"{path}: {response.status_code} {response.text[:200]}")

    readers = [threading.Thread(target=read_in_a_loop, daemon=True) for _ in range(READERS)]
    for reader in readers:
        reader.start()
    save_failures: list[str] = []
    probe_failures: list[str] = []
    probe = sqlite3.connect(str(make_url(str(get_settings().database_url)).database), isolation_level=None, timeout=0)
    plan = list(answers.items())
    started = time.monotonic()
    try:
        with httpx.Client(base_url=server, timeout=REQUEST_TIMEOUT) as http:
            # The readers are under way before the first save (and their key's last use is written by then).
            while len(reads) < 2 * READERS and time.monotonic() - started < DEADLINE_SECONDS:
                time.sleep(0.05)
            for number in range(SAVES):
                if time.monotonic() - started > DEADLINE_SECONDS:
                    break
                question, value = plan[number % len(plan)]
                saved = http.put(f"/api/v1/respond/{token}/answers", json={"answers": {question: value}})
                if saved.status_code != 200:
                    save_failures.append(f"{saved.status_code} {saved.text[:200]}")
                try:
                    probe.execute("BEGIN IMMEDIATE")
                    probe.execute("ROLLBACK")
                except sqlite3.OperationalError as exc:  # "database is locked": a reader holds the lock
                    probe_failures.append(str(exc))
            final: dict[str, Any] = http.get(f"/api/v1/respond/{token}").json()
    finally:
        probe.close()
        done.set()
        for reader in readers:
            reader.join(timeout=REQUEST_TIMEOUT + 5)

    assert save_failures == [], save_failures[:3]
    assert read_failures == [], read_failures[:3]
    assert probe_failures == [], f"{len(probe_failures)} of {SAVES} probes found the write lock taken"
    # The readers really ran beside the saves, and the saves really stored what they sent.
    assert len(reads) >= 2 * READERS
    assert all(final["answers"][question] == value for question, value in plan[: min(SAVES, len(plan))])
