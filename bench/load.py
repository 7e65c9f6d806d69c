"""Load: many respondents at once, each completing the flagship questionnaire page by page over HTTP.

Each respondent is an asyncio task with its own connection, doing what the web pages do:
open the form (`GET /api/v1/respond/{token}`), then for every page (one per dimension, the
outcome figures last) read the form again and save that page's answers
(`PUT .../answers` with an `Idempotency-Key`), read the form once more to review, and
submit (`POST .../submit`). Like any client that keeps what it read, a respondent sends the
form's last ETag in `If-None-Match`: an unchanged form is a 304 with no body.
Answers come from `bench.scoring.synthetic_respondents`
(conditions respected), so every request is one the server must accept.

Bounded: each request waits at most REQUEST_TIMEOUT and the whole run stops at DEADLINE;
a respondent stops at its first failed request (an error, or a status that is neither 2xx
nor a 304 to a form read).
The figures: latency percentiles over every request, throughput, errors.

`python -m bench load` (part of `make bench`) runs it against fresh databases (SQLite, and
PostgreSQL when CENTRICITY_TEST_POSTGRES_URL is set; one and two uvicorn workers), checks that
every acknowledged answer is in the database, and drives a baseline the same way in the same run:
as many clients and requests against a bare FastAPI endpoint doing one indexed read and one
insert per request. tests/proof drives the same code.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.db.engine import create_db_engine
from app.db.migrate import upgrade_to_head
from app.db.tables import Answer, Respondent
from app.questionnaire.library import find_questionnaire
from app.questionnaire.models import Questionnaire
from app.security import digest
from bench.api import (
    POSTGRES_URL_VARIABLE,
    RowIn,
    bench_metadata,
    bench_rows,
    open_assessment,
    postgres_database,
    served,
    sqlite_database,
)
from bench.scoring import synthetic_respondents

QUESTIONNAIRE = "customer-centricity"
RESPONDENTS = 100
REQUEST_TIMEOUT = 30.0
KEEPALIVE_EXPIRY = 2.0  # seconds; below the server's keep-alive timeout
DEADLINE = 300.0
NOT_MODIFIED = 304


@dataclass
class Sent:
    """One request as the client saw it: what it sent and, if it got one, the response."""

    method: str
    path: str
    body: Any
    idempotency_key: str | None
    status: int | None = None
    response: Any = None
    seconds: float | None = None

    @property
    def acknowledged(self) -> bool:
        if self.status == NOT_MODIFIED:
            return self.method == "GET"
        return self.status is not None and 200 <= self.status < 300


@dataclass
class RespondentRun:
    """One respondent's way through the questionnaire, as far as it got."""

    token: str
    pages: list[dict[str, Any]]  # answers per page, in page order
    acknowledged: dict[str, Any] = field(default_factory=dict)  # question -> value of saves that got a 2xx
    sent: list[Sent] = field(default_factory=list)
    form_etag: str | None = None  # the ETag of the form as last read, sent back in If-None-Match
    submitted: bool = False

    @property
    def last_save(self) -> Sent | None:
        saves = [s for s in self.sent if s.method == "PUT"]
        return saves[-1] if saves else None

    @property
    def planned_answers(self) -> dict[str, Any]:
        return {q: v for page in self.pages for q, v in page.items()}


@dataclass
class LoadReport:
    respondents: list[RespondentRun]
    seconds: float
    errors: list[str]
    stopped_at_deadline: bool = False

    @property
    def latencies(self) -> list[float]:
        return sorted(s.seconds for r in self.respondents for s in r.sent if s.seconds is not None)

    @property
    def requests(self) -> int:
        return sum(len(r.sent) for r in self.respondents)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the request latencies, in seconds."""
        latencies = self.latencies
        if not latencies:
            return 0.0
        return latencies[max(0, math.ceil(share * len(latencies)) - 1)]

    def figures(self) -> dict[str, Any]:
        answered = sum(len(r.acknowledged) for r in self.respondents)
        return {
            "respondents": len(self.respondents),
            "submitted": sum(r.submitted for r in self.respondents),
            "requests": self.requests,
            "answers_acknowledged": answered,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p95_ms": round(self.percentile(0.95) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "errors": len(self.errors),
            "stopped_at_deadline": self.stopped_at_deadline,
            "forms_not_modified": sum(1 for r in self.respondents for s in r.sent if s.status == NOT_MODIFIED),
        }

    def lines(self) -> list[str]:
        f = self.figures()
        lines = [
            f"  {f['respondents']} respondents, {f['submitted']} submitted; {f['requests']} requests "
            f"({f['answers_acknowledged']} answers acknowledged) in {f['seconds']:.1f} s "
            f"= {f['requests_per_second']:.0f} req/s; {f['forms_not_modified']} form reads answered 304 (unchanged)",
            f"  latency p50 {f['p50_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms; "
            f"errors: {f['errors']}",
        ]
        lines += [f"    error: {error}" for error in self.errors[:5]]
        if self.stopped_at_deadline:
            lines.append(f"  stopped at the {DEADLINE:.0f} s deadline")
        return lines


def answer_pages(questionnaire: Questionnaire, count: int, seed: int = 2026) -> list[list[dict[str, Any]]]:
    """For each of `count` respondents, complete answers split into the respondent's pages: one per
    dimension in order, then the outcome figures (questions of no dimension)."""
    pages: list[str | None] = [d.id for d in questionnaire.dimensions] + [None]
    dimension_of = {q.id: q.dimension for q in questionnaire.questions}
    plans = []
    for person in synthetic_respondents(questionnaire, count, seed=seed):
        split = [{q: v for q, v in person.answers.items() if dimension_of[q] == page} for page in pages]
        plans.append([page for page in split if page])
    return plans


async def _request(http: httpx.AsyncClient, run: RespondentRun, sent: Sent) -> Sent:
    run.sent.append(sent)
    headers = {"Idempotency-Key": sent.idempotency_key} if sent.idempotency_key else {}
    reads_form = sent.method == "GET"
    if reads_form and run.form_etag:
        headers["If-None-Match"] = run.form_etag
    started = time.perf_counter()
    response = await http.request(sent.method, sent.path, json=sent.body, headers=headers)
    sent.seconds = time.perf_counter() - started
    sent.status = response.status_code
    if reads_form and "etag" in response.headers:
        run.form_etag = response.headers["etag"]
    sent.response = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    if not sent.acknowledged:
        raise RuntimeError(f"{sent.method} {sent.path}: {response.status_code} {response.text[:200]}")
    return sent


async def complete(http: httpx.AsyncClient, run: RespondentRun, on_saved: Callable[[int], None]) -> None:
    """One respondent, page by page: read, save the page, ..., review, submit."""
    base = f"/api/v1/respond/{run.token}"
    await _request(http, run, Sent("GET", base, None, None))
    for answers in run.pages:
        await _request(http, run, Sent("GET", base, None, None))
        save = Sent("PUT", f"{base}/answers", {"answers": answers}, str(uuid.uuid4()))
        await _request(http, run, save)
        run.acknowledged.update(answers)
        on_saved(len(answers))
    await _request(http, run, Sent("GET", base, None, None))
    await _request(http, run, Sent("POST", f"{base}/submit", None, None))
    run.submitted = True


async def drive(
    base_url: str,
    tokens: Sequence[str],
    pages: Sequence[list[dict[str, Any]]],
    on_saved: Callable[[int], None] = lambda count: None,
) -> LoadReport:
    """Every respondent at once, each on its own connection; returns when all are done or stopped,
    or at the DEADLINE. `on_saved(n)` is called after each acknowledged save of n answers."""
    runs = [RespondentRun(token, list(plan)) for token, plan in zip(tokens, pages, strict=True)]
    return await drive_runs(base_url, runs, on_saved)


async def drive_runs(
    base_url: str, runs: list[RespondentRun], on_saved: Callable[[int], None] = lambda count: None
) -> LoadReport:
    """`drive` for respondents made by the caller (for example the rest of a run cut short)."""
    errors: list[str] = []

    async def one(run: RespondentRun) -> None:
        # An idle connection is dropped after KEEPALIVE_EXPIRY, before uvicorn's keep-alive (5 s)
        # closes it from its side: reusing a connection the server is closing fails with
        # "Server disconnected without sending a response", which a loaded machine makes common.
        limits = httpx.Limits(max_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY)
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits) as http:
            try:
                await complete(http, run, on_saved)
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                errors.append(f"respondent {run.token[:6]}…: {exc!r}"[:300])

    seconds, stopped = await _all_at_once(one, runs)
    return LoadReport(runs, seconds, errors, stopped_at_deadline=stopped)


async def _all_at_once(one: Callable[[RespondentRun], Any], runs: Sequence[RespondentRun]) -> tuple[float, bool]:
    """Run `one(run)` for every run at once until all end or DEADLINE passes; (seconds, stopped at the deadline)."""
    started = time.perf_counter()
    tasks = [asyncio.create_task(one(run)) for run in runs]
    _done, pending = await asyncio.wait(tasks, timeout=DEADLINE)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return time.perf_counter() - started, bool(pending)


# ---- what the database holds afterwards


def stored_answers(engine: Engine, token: str) -> tuple[Respondent | None, dict[str, Any]]:
    """The respondent of a link token and its stored answers (question -> value)."""
    with Session(engine) as session:
        respondent = session.exec(select(Respondent).where(Respondent.token_hash == digest(token))).first()
        if respondent is None:
            return None, {}
        rows = session.exec(select(Answer.question_id, Answer.value).where(Answer.respondent_id == respondent.id))
        return respondent, dict(rows.all())


def missing_acknowledged(engine: Engine, runs: Sequence[RespondentRun]) -> list[str]:
    """Every acknowledged answer that the database does not hold with the value sent (empty: none lost)."""
    missing = []
    for run in runs:
        _respondent, stored = stored_answers(engine, run.token)
        for question_id, value in run.acknowledged.items():
            if question_id not in stored or _canonical(stored[question_id]) != _canonical(value):
                missing.append(f"{run.token[:6]}…/{question_id}: sent {value!r}, stored {stored.get(question_id)!r}")
    return missing


def answer_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count(col(Answer.id)))).one())


def _canonical(value: Any) -> Any:
    """The value with every number as a float: 7 and 7.0 are the same answer, whatever JSON made of them."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return value


# ---- the baseline: the same clients against the least a save can do


def create_read_insert_app() -> FastAPI:
    """The load's baseline: one indexed read and one insert per request behind FastAPI, nothing else."""
    engine = create_db_engine(os.environ["DATABASE_URL"])
    baseline = FastAPI()

    @baseline.put("/rows/{key}")
    def read_and_insert(key: str, body: RowIn) -> dict[str, int]:
        with engine.begin() as connection:
            found = connection.execute(core_select(bench_rows.c.id).where(bench_rows.c.id == key)).first()
            connection.execute(insert(bench_rows).values(id=uuid.uuid4().hex, value={"key": key, "value": body.value}))
        return {"found": int(found is not None)}

    return baseline


async def drive_baseline(base_url: str, clients: int, requests_per_client: int) -> LoadReport:
    """`clients` at once, each on its own connection, each sending `requests_per_client` saves to the
    baseline: the shape of `drive` (as many requests, as many connections) without the questionnaire."""
    errors: list[str] = []
    runs = [RespondentRun(f"client{number:03d}", []) for number in range(clients)]

    async def one(run: RespondentRun) -> None:
        limits = httpx.Limits(max_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY)
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits) as http:
            try:
                for number in range(requests_per_client):
                    body = {"value": {"page": number, "answers": {"q1": 3, "q2": "often"}}}
                    await _request(http, run, Sent("PUT", f"/rows/{run.token}-{number}", body, None))
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                errors.append(f"{run.token}: {exc!r}"[:300])

    seconds, stopped = await _all_at_once(one, runs)
    return LoadReport(runs, seconds, errors, stopped_at_deadline=stopped)


# The goal of issue 12: the load's throughput at least this share of the baseline's, same run.
BASELINE_SHARE_GOAL = 0.3


def compare_with_baseline(database_url: str, workers: int, questionnaire: Questionnaire) -> list[str]:
    """The load drive and its baseline on one fresh database, each served by `workers` uvicorn processes."""
    upgrade_to_head(database_url)
    engine = create_db_engine(database_url)
    try:
        bench_metadata.create_all(engine)
    finally:
        engine.dispose()
    # One server after the other: the app's idle pooled connections (up to pool size x workers)
    # would otherwise take PostgreSQL's connection slots from the baseline (500 "too many clients").
    with served("app.main:app", database_url, workers=workers) as app_url:
        tokens = open_assessment(app_url, database_url, RESPONDENTS)
        report = asyncio.run(drive(app_url, tokens, answer_pages(questionnaire, RESPONDENTS)))
    per_client = max(1, report.requests // RESPONDENTS)
    with served("bench.load:create_read_insert_app", database_url, factory=True, workers=workers) as baseline_url:
        baseline = asyncio.run(drive_baseline(baseline_url, RESPONDENTS, per_client))
    engine = create_db_engine(database_url)
    try:
        missing = missing_acknowledged(engine, report.respondents)
    finally:
        engine.dispose()
    ours, bare = report.figures(), baseline.figures()
    share = ours["requests_per_second"] / bare["requests_per_second"] if bare["requests_per_second"] else 0.0
    clean = not report.errors and not missing and not baseline.errors
    verdict = "met" if share >= BASELINE_SHARE_GOAL and clean else "NOT met"
    lines = report.lines()
    lines.append(
        f"  baseline (one indexed read and one insert per request, {RESPONDENTS} clients x {per_client}): "
        f"{bare['requests_per_second']:.0f} req/s, p50 {bare['p50_ms']:.0f} ms, p99 {bare['p99_ms']:.0f} ms; "
        f"errors: {bare['errors']}"
    )
    lines += [f"    baseline error: {error}" for error in baseline.errors[:3]]
    lines.append(
        f"  throughput {share:.2f}x the baseline (goal: at least {BASELINE_SHARE_GOAL}x): {verdict}; "
        f"acknowledged answers missing from the database: {len(missing)}"
    )
    return lines


# ---- `python -m bench load`


def run() -> list[str]:
    questionnaire = find_questionnaire(QUESTIONNAIRE)
    lines = [
        f"load: {RESPONDENTS} respondents at once, each completing '{QUESTIONNAIRE}' "
        f"({len(questionnaire.questions)} questions) page by page over HTTP, no pauses; against a baseline "
        "driven the same way in the same run"
    ]
    for workers in (1, 2):
        with sqlite_database() as url:
            lines.append(f"  sqlite, {workers} uvicorn worker(s):")
            lines += ["  " + line for line in compare_with_baseline(url, workers, questionnaire)]
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    if not configured:
        lines.append(f"  postgresql skipped: set {POSTGRES_URL_VARIABLE} to measure it too")
        return lines
    for workers in (1, 2):
        with postgres_database(configured) as url:
            lines.append(f"  postgresql, {workers} uvicorn worker(s):")
            lines += ["  " + line for line in compare_with_baseline(url, workers, questionnaire)]
    return lines
