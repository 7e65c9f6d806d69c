"""How fast the API saves answers, as a ratio to the cheapest possible save on the same database.

Both sides are real HTTP servers on 127.0.0.1: uvicorn in its own process, started the
same way, over the same database (a fresh SQLite file; also a fresh PostgreSQL schema when
CENTRICITY_TEST_POSTGRES_URL is set) with the same engine settings
(`app.db.engine.create_db_engine`: WAL and BEGIN IMMEDIATE on SQLite, the same pool sizes).

* measured: `PUT /api/v1/respond/{token}/answers` with one answer per request, cycling over
  the questions of several respondents, so the first saves insert and the later ones replace.
* baseline: a minimal FastAPI endpoint, defined below, that inserts one row per request.

The ratio says what the real save (token lookup, the pinned questionnaire, validation
against the rule book, conditions, progress) costs on top of one insert behind FastAPI.
Client threads, request counts and warm-up are the same for both; the client runs on the
same machine, so its own cost is in both figures.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, String, Table, create_engine, func, insert
from sqlalchemy.engine import make_url

from app.db.engine import create_db_engine
from app.db.migrate import upgrade_to_head
from app.db.session import session_scope
from app.questionnaire.library import find_questionnaire
from app.services import accounts
from app.settings import Settings
from bench.scoring import synthetic_respondents

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL_VARIABLE = "CENTRICITY_TEST_POSTGRES_URL"
QUESTIONNAIRE = "customer-centricity"

CLIENT_THREADS = 8
WARMUP_PER_THREAD = 10
ROUNDS = 2
REQUESTS_PER_THREAD = 100  # per round: 1,600 measured requests per server in all
RESPONDENTS_PER_THREAD = 2
# Bounds: a request waits at most REQUEST_TIMEOUT; a measurement stops at MEASURE_DEADLINE
# (and says so) even if requests are still left.
REQUEST_TIMEOUT = 30.0
MEASURE_DEADLINE = 120.0
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 15.0


# ---- the baseline server: one insert per request, nothing else

bench_metadata = MetaData()
bench_rows = Table(
    "bench_rows",
    bench_metadata,
    Column("id", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class RowIn(BaseModel):
    value: Any


def create_baseline_app() -> FastAPI:
    """The baseline: a sync endpoint (like the app's) inserting the request body as one row."""
    engine = create_db_engine(os.environ["DATABASE_URL"])
    baseline = FastAPI()

    @baseline.put("/rows/{key}")
    def save_row(key: str, body: RowIn) -> dict[str, int]:
        with engine.begin() as connection:
            connection.execute(insert(bench_rows).values(id=uuid.uuid4().hex, value={"key": key, "value": body.value}))
        return {"saved": 1}

    return baseline


# ---- servers and databases


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(target: str, database_url: str, *, factory: bool = False, workers: int = 1) -> Iterator[str]:
    """uvicorn serving `target` on a free loopback port in its own process(es); yields the base URL."""
    port = _free_port()
    # One worker by default, as `centricity serve` runs. No access log: a deployment
    # chooses its logging, and formatting log lines is not what is measured.
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    command += ["--factory"] if factory else []
    env = {**os.environ, "DATABASE_URL": database_url, "CENTRICITY_ENVIRONMENT": "test"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_listening(process, base_url, log)
            yield base_url
        finally:
            process.terminate()  # uvicorn shuts down gracefully on SIGTERM
            try:
                process.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=SERVER_STOP_TIMEOUT)


def _wait_until_listening(process: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"the server did not start:\n{log.read().decode(errors='replace')[-2000:]}")
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="centricity-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'centricity.db'}"


@contextmanager
def postgres_database(configured: str) -> Iterator[str]:
    """A fresh schema in the test PostgreSQL, dropped afterwards (as the test suite does)."""
    base_url = Settings(database_url=configured).database_url
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


# ---- the load


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    failures: list[str]
    stopped_early: bool

    @classmethod
    def total(cls, rounds: list[Measurement]) -> Measurement:
        return cls(
            sum(r.requests for r in rounds),
            sum(r.seconds for r in rounds),
            [f for r in rounds for f in r.failures],
            any(r.stopped_early for r in rounds),
        )

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


Request = Callable[[httpx.Client, int], httpx.Response]


def measure(base_url: str, requests_of_thread: Callable[[int], Request], round_number: int) -> Measurement:
    """CLIENT_THREADS clients, each with its own connection: a warm-up, then REQUESTS_PER_THREAD timed requests.

    `requests_of_thread(t)` gives thread t's request maker, called with the request number
    (numbers go on from round to round, so that no round repeats an earlier one).
    The clock runs from the moment every client is warm to the moment the last one is done.
    """
    warm = threading.Barrier(CLIENT_THREADS + 1)
    go = threading.Event()
    stop_at = [float("inf")]
    finished_at = [0.0] * CLIENT_THREADS
    counted = [0] * CLIENT_THREADS
    failures: list[str] = []

    def attempt(send: Request, http: httpx.Client, number: int) -> None:
        try:
            response = send(http, number)
        except httpx.HTTPError as exc:
            failures.append(repr(exc))
            return
        if not response.is_success:
            request = response.request
            failures.append(f"{request.method} {request.url.path}: {response.status_code} {response.text[:200]}")

    def client(thread: int) -> None:
        send = requests_of_thread(thread)
        numbers = itertools.count(round_number * (WARMUP_PER_THREAD + REQUESTS_PER_THREAD))
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
            try:
                for _ in range(WARMUP_PER_THREAD):
                    attempt(send, http, next(numbers))
            finally:
                warm.wait(timeout=MEASURE_DEADLINE)
            go.wait(timeout=MEASURE_DEADLINE)
            for _ in range(REQUESTS_PER_THREAD):
                if time.perf_counter() > stop_at[0]:
                    break
                attempt(send, http, next(numbers))
                counted[thread] += 1
            finished_at[thread] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    warm.wait(timeout=MEASURE_DEADLINE)
    began = time.perf_counter()
    stop_at[0] = began + MEASURE_DEADLINE
    go.set()
    for thread in threads:
        thread.join(timeout=MEASURE_DEADLINE + REQUEST_TIMEOUT)
    seconds = max(finished_at) - began
    total = sum(counted)
    return Measurement(total, seconds, failures, stopped_early=total < CLIENT_THREADS * REQUESTS_PER_THREAD)


def baseline_requests(thread: int) -> Request:
    def send(http: httpx.Client, number: int) -> httpx.Response:
        return http.put(f"/rows/t{thread}-{number}", json={"value": number % 5 + 1})

    return send


def answer_save_requests(tokens: list[str], plan: list[tuple[str, Any]]) -> Callable[[int], Request]:
    """Thread t saves the plan's (question, value) answers, one per request, for its own respondents."""

    def of_thread(thread: int) -> Request:
        mine = tokens[thread * RESPONDENTS_PER_THREAD : (thread + 1) * RESPONDENTS_PER_THREAD]

        def send(http: httpx.Client, number: int) -> httpx.Response:
            # Respondents take turns; each goes through the questions in order, then again with other values.
            token = mine[number % len(mine)]
            question_id, value = plan[number // len(mine) % len(plan)]
            return http.put(f"/api/v1/respond/{token}/answers", json={"answers": {question_id: value}})

        return send

    return of_thread


def answer_plan() -> list[tuple[str, Any]]:
    """Rounds of valid answers to every question no condition hides (any of them can be saved alone):
    the first round inserts a respondent's answers, the next ones replace them with other values."""
    questionnaire = find_questionnaire(QUESTIONNAIRE)
    always_shown = [q.id for q in questionnaire.questions if q.condition is None]
    people = synthetic_respondents(questionnaire, 4, seed=11)
    return [(q, person.answers[q]) for person in people for q in always_shown]


def workspace_key(database_url: str) -> str:
    """An API key of the bench's workspace, made through the services."""
    engine: Engine = create_db_engine(database_url)
    try:
        with session_scope(engine) as session:
            workspace = accounts.get_or_create_workspace(session, "Bench Consulting")
            _record, key = accounts.create_api_key(session, workspace.id, "bench", actor="bench")
            return key
    finally:
        engine.dispose()


def open_assessment(base_url: str, database_url: str, respondents: int) -> list[str]:
    """A workspace and key (through the services), then an open assessment with invitees (through the API)."""
    headers = {"Authorization": f"Bearer {workspace_key(database_url)}"}
    with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=REQUEST_TIMEOUT) as http:
        organization = http.post("/organizations", json={"name": "Globex"}).raise_for_status().json()
        assessment = (
            http.post("/assessments", json={"organization_id": organization["id"], "questionnaire_id": QUESTIONNAIRE})
            .raise_for_status()
            .json()
        )
        http.post(f"/assessments/{assessment['id']}/open").raise_for_status()
        people = [{"role": "manager", "function": "service"}] * respondents
        invited = http.post(f"/assessments/{assessment['id']}/respondents", json={"respondents": people})
        return [item["api_link"].rsplit("/", 1)[1] for item in invited.raise_for_status().json()]


def compare_on(database_url: str) -> tuple[Measurement, Measurement]:
    """Answer saves and the baseline on one database; returns (answer saves, baseline).

    Both servers run at once and are measured in alternating rounds, so that a change in
    the machine's load during the run (other processes) weighs on both alike.
    """
    upgrade_to_head(database_url)
    engine = create_db_engine(database_url)
    try:
        bench_metadata.create_all(engine)  # the baseline's own table, beside the app's
    finally:
        engine.dispose()
    plan = answer_plan()
    saves: list[Measurement] = []
    baseline: list[Measurement] = []
    with (
        served("app.main:app", database_url) as app_url,
        served("bench.api:create_baseline_app", database_url, factory=True) as baseline_url,
    ):
        tokens = open_assessment(app_url, database_url, CLIENT_THREADS * RESPONDENTS_PER_THREAD)
        for round_number in range(ROUNDS):
            baseline.append(measure(baseline_url, baseline_requests, round_number))
            saves.append(measure(app_url, answer_save_requests(tokens, plan), round_number))
    return Measurement.total(saves), Measurement.total(baseline)


def _line(name: str, saves: Measurement, baseline: Measurement) -> list[str]:
    ratio = saves.per_second / baseline.per_second if baseline.per_second else 0.0
    lines = [
        f"  {name:<10} answer saves {saves.per_second:7.0f} req/s, baseline inserts {baseline.per_second:7.0f} req/s"
        f"  = {ratio:.2f}x the baseline (goal: at least 0.5)"
    ]
    for label, measurement in (("answer saves", saves), ("baseline", baseline)):
        if measurement.failures:
            lines.append(f"    {label}: {len(measurement.failures)} failed requests, first: {measurement.failures[0]}")
        if measurement.stopped_early:
            lines.append(f"    {label}: stopped at the {MEASURE_DEADLINE:.0f} s limit after {measurement.requests}")
    return lines


def run() -> list[str]:
    lines = [
        f"answer saves over HTTP ({CLIENT_THREADS} client threads, {ROUNDS} alternating rounds of "
        f"{REQUESTS_PER_THREAD} requests per thread after {WARMUP_PER_THREAD} warm-up; one answer per PUT; "
        "baseline: a one-row insert behind FastAPI)"
    ]
    with sqlite_database() as url:
        lines += _line("sqlite", *compare_on(url))
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    if configured:
        with postgres_database(configured) as url:
            lines += _line("postgresql", *compare_on(url))
    else:
        lines.append(f"  postgresql skipped: set {POSTGRES_URL_VARIABLE} to measure it too")
    return lines
