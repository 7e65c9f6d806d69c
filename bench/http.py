"""What a request costs on top of FastAPI itself, and whether reads slow answer saves down.

Every figure is a ratio of two measurements taken in the same run on 127.0.0.1 (uvicorn in its
own process, one worker, no access log, a fresh SQLite database), requests of the two sides
interleaved one for one, so that a change in the machine's load weighs on both alike:

* `/healthz`: the app's median against a bare FastAPI app's `/healthz` (no middleware, the
  same async handler returning the same JSON).
* a trivial authenticated GET (`GET /api/v1/branding`: the API key check and the workspace's
  branding): the app's median against a bare FastAPI endpoint that does the same reads by index
  (the key's row by its digest, the workspace's row by id) with no middleware.
* answer saves beside readers: the median of `PUT /api/v1/respond/{token}/answers`, one client,
  while two other clients loop over `GET /api/v1/questionnaires` and the results page, against
  the median of the same saves with nobody reading.
* the middleware stack, in process: what each of the app's ASGI middlewares adds to a request
  that does nothing, in microseconds (wrapping a bare ASGI app, N calls each).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.engine import create_db_engine
from app.db.migrate import upgrade_to_head
from app.db.session import session_scope
from app.db.tables import ApiKey, Workspace
from app.questionnaire.library import find_questionnaire
from app.security import digest
from app.services import accounts
from bench.api import REQUEST_TIMEOUT, served, sqlite_database
from bench.scoring import synthetic_respondents

QUESTIONNAIRE = "customer-centricity"
WARMUP = 30
REQUESTS = 400  # per side, interleaved
SAVES = 150  # idle, then as many beside the readers
READERS = 2
SUBMITTED = 5  # responses the results page scores
MEASURE_DEADLINE = 180.0
MIDDLEWARE_CALLS = 5000
PASSWORD = "a long enough bench password"

HEALTHZ_GOAL = 1.5
AUTHENTICATED_GOAL = 1.5
SAVES_GOAL = 3.0


# ---- the bare app: FastAPI and nothing else


def create_bare_app() -> FastAPI:
    """The floor: no middleware, no exception handlers of ours, the same engine settings."""
    engine = create_db_engine(os.environ["DATABASE_URL"])
    bare = FastAPI()

    @bare.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @bare.get("/branding")
    def branding(authorization: str = Header()) -> dict[str, Any]:
        key = authorization.removeprefix("Bearer ")
        with engine.connect() as connection:
            key_row = connection.execute(select(ApiKey.workspace_id).where(ApiKey.key_hash == digest(key))).first()
            if key_row is None:
                raise HTTPException(401)
            workspace = connection.execute(
                select(Workspace.name, Workspace.accent_color).where(Workspace.id == key_row[0])
            ).one()
        return {"name": workspace[0], "accent_color": workspace[1]}

    return bare


# ---- measuring


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000 if samples else float("nan")


def interleaved(
    app_url: str, bare_url: str, app_path: str, bare_path: str, headers: dict[str, str]
) -> tuple[float, float, list[str]]:
    """Medians (ms) of `app_path` on the app and `bare_path` on the bare app, one request of each in turn."""
    failures: list[str] = []
    samples: dict[str, list[float]] = {"app": [], "bare": []}
    with (
        httpx.Client(base_url=app_url, headers=headers, timeout=REQUEST_TIMEOUT) as app_http,
        httpx.Client(base_url=bare_url, headers=headers, timeout=REQUEST_TIMEOUT) as bare_http,
    ):
        deadline = time.monotonic() + MEASURE_DEADLINE
        for number in range(WARMUP + REQUESTS):
            if time.monotonic() > deadline:
                failures.append(f"stopped at the {MEASURE_DEADLINE:.0f} s limit")
                break
            for side, http, path in (("app", app_http, app_path), ("bare", bare_http, bare_path)):
                started = time.perf_counter()
                response = http.get(path)
                seconds = time.perf_counter() - started
                if response.status_code != 200:
                    failures.append(f"{side} {path}: {response.status_code} {response.text[:200]}")
                elif number >= WARMUP:
                    samples[side].append(seconds)
    return _median_ms(samples["app"]), _median_ms(samples["bare"]), failures


class BenchSetup:
    """What the bench sets up through the services and the API: a key, a signed-in user, an open
    assessment with a few submitted responses (for the results page) and a respondent's link."""

    def __init__(self, base_url: str, database_url: str):
        engine = create_db_engine(database_url)
        try:
            with session_scope(engine) as session:
                workspace = accounts.get_or_create_workspace(session, "Bench Consulting")
                _record, self.key = accounts.create_api_key(session, workspace.id, "bench", actor="bench")
                accounts.create_user(session, workspace, "bench@example.com", PASSWORD)
        finally:
            engine.dispose()
        self.headers = {"Authorization": f"Bearer {self.key}"}
        questionnaire = find_questionnaire(QUESTIONNAIRE)
        with httpx.Client(base_url=f"{base_url}/api/v1", headers=self.headers, timeout=REQUEST_TIMEOUT) as http:
            organization = http.post("/organizations", json={"name": "Globex"}).raise_for_status().json()
            body = {"organization_id": organization["id"], "questionnaire_id": QUESTIONNAIRE}
            assessment = http.post("/assessments", json=body).raise_for_status().json()
            self.assessment_id = assessment["id"]
            http.post(f"/assessments/{self.assessment_id}/open").raise_for_status()
            for person in synthetic_respondents(questionnaire, SUBMITTED, seed=5):
                pushed = {"role": person.role, "function": person.function, "answers": person.answers}
                http.post(f"/assessments/{self.assessment_id}/responses", json=pushed).raise_for_status()
            invited = http.post(
                f"/assessments/{self.assessment_id}/respondents",
                json={"respondents": [{"role": "manager", "function": "service"}]},
            )
            self.token = invited.raise_for_status().json()[0]["api_link"].rsplit("/", 1)[1]
        always_shown = [q.id for q in questionnaire.questions if q.condition is None]
        person = synthetic_respondents(questionnaire, 1, seed=11)[0]
        self.plan = [(q, person.answers[q]) for q in always_shown]
        self.cookie = self._sign_in(base_url)

    @staticmethod
    def _sign_in(base_url: str) -> dict[str, str]:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
            form = http.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token, "the sign-in page has no CSRF field"
            data = {"email": "bench@example.com", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
            signed_in = http.post("/login", data=data)
            if signed_in.status_code != 303:
                raise RuntimeError(f"sign-in failed: {signed_in.status_code} {signed_in.text[:200]}")
            # Sent by hand: the cookie may be marked Secure, which httpx keeps from plain http.
            match = re.search(r"((?:__Host-)?centricity-session)=([^;]+)", signed_in.headers["set-cookie"])
            assert match, "no session cookie"
            return {"cookie": f"{match.group(1)}={match.group(2)}"}


def read_in_a_loop(
    base_url: str,
    reads_of: list[tuple[str, dict[str, str]]],
    done: Any,
    reads: Any,
    failures: Any,
) -> None:
    """A reader client (its own process): GET each of `reads_of` in turn until `done` is set or the deadline."""
    deadline = time.monotonic() + MEASURE_DEADLINE
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        for turn in itertools.count():
            if done.is_set() or time.monotonic() > deadline:
                return
            path, headers = reads_of[turn % len(reads_of)]
            response = http.get(path, headers=headers)
            with reads.get_lock():
                reads.value += 1
            if response.status_code != 200:
                failures.put(f"read {path}: {response.status_code} {response.text[:200]}")


def save_medians(
    base_url: str, setup: BenchSetup, *, with_questionnaires: bool = True
) -> tuple[float, float, list[str], int]:
    """Median save (ms) with nobody reading, then with READERS clients looping over the slow reads
    (the questionnaire list and the results page, or the results page alone); also the failures and
    how many reads ran beside the saves."""
    failures: list[str] = []
    numbers = itertools.count()

    def saves(http: httpx.Client) -> list[float]:
        samples = []
        for _ in range(SAVES):
            question, value = setup.plan[next(numbers) % len(setup.plan)]
            started = time.perf_counter()
            response = http.put(f"/api/v1/respond/{setup.token}/answers", json={"answers": {question: value}})
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures.append(f"save: {response.status_code} {response.text[:200]}")
        return samples

    # The readers are processes of their own, as other clients are: as threads of this process they
    # would hold its GIL while parsing their pages, and the timed saves would wait on the client side.
    context = multiprocessing.get_context("spawn")
    done = context.Event()
    reads = context.Value("i", 0)
    read_failures = context.Queue()
    reads_of = [("/api/v1/questionnaires", setup.headers)] if with_questionnaires else []
    reads_of.append((f"/assessments/{setup.assessment_id}/results", setup.cookie))

    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        for _ in range(WARMUP):
            http.put(f"/api/v1/respond/{setup.token}/answers", json={"answers": dict(setup.plan[:1])})
        idle = saves(http)
        readers = [
            context.Process(target=read_in_a_loop, args=(base_url, reads_of, done, reads, read_failures), daemon=True)
            for _ in range(READERS)
        ]
        for reader in readers:
            reader.start()
        try:
            while reads.value < 2 * READERS and not done.is_set():
                time.sleep(0.05)  # both readers are going before the saves are timed
            busy = saves(http)
        finally:
            done.set()
            for reader in readers:
                reader.join(timeout=REQUEST_TIMEOUT + 5)
                if reader.is_alive():
                    reader.kill()
    while not read_failures.empty():
        failures.append(read_failures.get())
    return _median_ms(idle), _median_ms(busy), failures, reads.value


# ---- the middleware stack, in process


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


def _middlewares() -> list[tuple[str, Callable[[ASGIApp], ASGIApp]]]:
    from app.http.limits import SQLITE_CONCURRENT_REQUESTS, DatabaseConcurrencyLimit, RequestBodyLimit
    from app.observability.middleware import RequestObservability
    from app.web.security import SecurityHeaders

    return [
        ("observability (request id, log line, metrics)", RequestObservability),
        ("security headers and Cache-Control", SecurityHeaders),
        ("body limit", RequestBodyLimit),
        ("SQLite concurrency limit", lambda app: DatabaseConcurrencyLimit(app, limit=SQLITE_CONCURRENT_REQUESTS)),
    ]


async def _per_call_us(app: ASGIApp, path: str) -> float:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    for _ in range(200):
        await app(dict(scope), receive, send)
    started = time.perf_counter()
    for _ in range(MIDDLEWARE_CALLS):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / MIDDLEWARE_CALLS * 1e6


def middleware_costs() -> list[str]:
    import logging.config

    from app.observability.logs import log_config

    # As `centricity serve` configures logging: the request log line is formatted and written.
    logging.config.dictConfig(log_config())
    for handler in logging.getLogger().handlers + logging.getLogger("centricity").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - the bench's lifetime

    async def measure() -> list[str]:
        floor = await _per_call_us(_nothing, "/api/v1/branding")
        lines = [f"    floor (an ASGI app that answers at once): {floor:6.1f} us per call"]
        stacked: ASGIApp = _nothing
        for name, wrap in _middlewares():
            alone = await _per_call_us(wrap(_nothing), "/api/v1/branding")
            stacked = wrap(stacked)
            lines.append(f"    + {name:<48} {alone - floor:6.1f} us")
        total = await _per_call_us(stacked, "/api/v1/branding")
        lines.append(f"    = the whole stack: {total - floor:6.1f} us per request")
        return lines

    return asyncio.run(measure())


# ---- the report


def _ratio_line(name: str, app_ms: float, bare_ms: float, goal: float, against: str) -> str:
    ratio = app_ms / bare_ms if bare_ms else float("nan")
    verdict = "meets" if ratio <= goal else "misses"
    return (
        f"  {name:<34} {app_ms:6.2f} ms, {against} {bare_ms:6.2f} ms = {ratio:.2f}x "
        f"(goal: at most {goal:g}x; {verdict} it)"
    )


def run() -> list[str]:
    lines = [
        f"request overhead over HTTP (medians of {REQUESTS} requests per side after {WARMUP} warm-up, "
        "interleaved; bare: FastAPI on the same uvicorn, no middleware)"
    ]
    with sqlite_database() as database_url:
        upgrade_to_head(database_url)
        with (
            served("app.main:app", database_url) as app_url,
            served("bench.http:create_bare_app", database_url, factory=True) as bare_url,
        ):
            setup = BenchSetup(app_url, database_url)
            app_ms, bare_ms, failures = interleaved(app_url, bare_url, "/healthz", "/healthz", {})
            lines.append(_ratio_line("GET /healthz", app_ms, bare_ms, HEALTHZ_GOAL, "bare"))
            app_ms, bare_ms, more = interleaved(app_url, bare_url, "/api/v1/branding", "/branding", setup.headers)
            failures += more
            lines.append(
                _ratio_line("GET /api/v1/branding (API key)", app_ms, bare_ms, AUTHENTICATED_GOAL, "bare 2 reads")
            )
            idle_ms, busy_ms, save_failures, reads = save_medians(app_url, setup)
            lines.append(
                _ratio_line(f"answer save beside {READERS} readers", busy_ms, idle_ms, SAVES_GOAL, "idle")
                + f"; {reads} reads ran beside them"
            )
            failures += save_failures
            # The same, the readers on the results page alone: what the questionnaire list's parsing
            # (on every call until the library is cached) takes from the saves, by difference.
            idle_ms, busy_ms, save_failures, reads = save_medians(app_url, setup, with_questionnaires=False)
            lines.append(
                _ratio_line(f"  the same, {READERS} readers of results only", busy_ms, idle_ms, SAVES_GOAL, "idle")
                + f"; {reads} reads"
            )
            failures += save_failures
    lines.append(f"  failed requests: {len(failures)}" + (f", first: {failures[0]}" if failures else ""))
    lines.append("  the middleware stack in process (what each adds to a request that does nothing):")
    lines += middleware_costs()
    return lines
