"""Crash: the server is killed with SIGKILL (its whole process group) in the middle of the load, then
restarted on the same SQLite file. Every answer that got a 2xx is still there, no save is half-written,
a client retrying with its Idempotency-Key gets the first outcome and creates no duplicate, the
database passes `PRAGMA integrity_check`, and the interrupted respondents can finish."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app.db.engine import create_db_engine
from app.db.tables import IdempotencyRecord, Respondent
from app.questionnaire.library import find_questionnaire
from bench import load
from bench.api import open_assessment
from tests.live_server import server_process
from tests.proof.conftest import Record

pytestmark = pytest.mark.slow

KILL_AFTER_SHARE = 0.4  # of all the answers the respondents will save


@pytest.fixture
def engine(live_environment: tuple[str, int]) -> Iterator[Engine]:
    engine = create_db_engine(live_environment[0])
    yield engine
    engine.dispose()


def sqlite_checks(database_url: str) -> tuple[list[Any], list[Any]]:
    """(PRAGMA integrity_check, PRAGMA foreign_key_check) of the file, read with the plain sqlite3 module."""
    path = make_url(database_url).database
    assert path
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall(), connection.execute(
            "PRAGMA foreign_key_check"
        ).fetchall()
    finally:
        connection.close()


def idempotency_records(engine: Engine, respondent_id: str) -> list[IdempotencyRecord]:
    with Session(engine) as session:
        return list(
            session.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == f"respondent:{respondent_id}"))
        )


def retry(http: httpx.Client, save: load.Sent) -> httpx.Response:
    assert save.idempotency_key
    return http.put(save.path, json=save.body, headers={"Idempotency-Key": save.idempotency_key})


def test_sigkill_in_the_middle_of_the_load_loses_nothing_acknowledged(
    live_environment: tuple[str, int], engine: Engine, tmp_path: Path, record_figures: Record
) -> None:
    database_url, port = live_environment
    pages = load.answer_pages(find_questionnaire(load.QUESTIONNAIRE), load.RESPONDENTS)
    planned_total = sum(len(page) for plan in pages for page in plan)
    log = tmp_path / "server.log"

    with server_process(log, port) as server:
        tokens = open_assessment(server.base_url, database_url, load.RESPONDENTS)
        saved = [0]
        killed_after: list[int] = []

        def kill_midway(count: int) -> None:
            saved[0] += count
            if not killed_after and saved[0] >= planned_total * KILL_AFTER_SHARE:
                server.kill()
                killed_after.append(saved[0])

        report = asyncio.run(load.drive(server.base_url, tokens, pages, kill_midway))
    assert killed_after, "the load ended before the server was killed"
    assert report.errors, "killing the server cut no request off"
    runs = report.respondents
    in_flight = {run.token: run.last_save for run in runs if run.last_save and not run.last_save.acknowledged}

    # The file as the crash left it (its WAL included): consistent before any server touches it again.
    assert sqlite_checks(database_url) == ([("ok",)], [])

    limits = httpx.Limits(keepalive_expiry=load.KEEPALIVE_EXPIRY)  # see bench/load.py
    with (
        server_process(log, port) as server,
        httpx.Client(base_url=server.base_url, timeout=30.0, limits=limits) as http,
    ):
        # Every acknowledged answer survived, with the value sent.
        assert load.missing_acknowledged(engine, runs) == []

        # Nothing half-written: a save is all of its page or none of it, and its idempotency record
        # was committed with it; a submitted respondent has every answer.
        committed_in_flight = 0
        for run in runs:
            respondent, stored = load.stored_answers(engine, run.token)
            assert respondent is not None
            acknowledged = set(run.acknowledged)
            saves_done = sum(1 for sent in run.sent if sent.method == "PUT" and sent.acknowledged)
            pending = in_flight.get(run.token)
            if pending is not None and set(stored) != acknowledged:
                assert set(stored) == acknowledged | set(pending.body["answers"]), run.token
                committed_in_flight += 1
                saves_done += 1
            else:
                assert set(stored) == acknowledged, run.token
            records = idempotency_records(engine, respondent.id)
            assert len(records) == saves_done
            assert all(record.response_status == 200 for record in records)
            if respondent.submitted_at is not None:
                assert stored.keys() == run.planned_answers.keys()
            if run.submitted:
                assert respondent.submitted_at is not None
            if stored:
                assert respondent.started_at is not None

        # A client retrying its last save with the same Idempotency-Key: the first outcome, no duplicate.
        replayed = redone = 0
        for run in runs:
            save = run.last_save
            if save is None:
                continue
            before = load.answer_count(engine)
            was_committed = set(save.body["answers"]) <= set(load.stored_answers(engine, run.token)[1])
            first = retry(http, save)
            assert first.status_code == 200, first.text
            if save.acknowledged:
                assert was_committed
                assert first.json() == save.response
                assert first.headers.get("Idempotent-Replayed") == "true"
                assert load.answer_count(engine) == before
                replayed += 1
            else:
                first_replayed = first.headers.get("Idempotent-Replayed") == "true"
                assert first_replayed == was_committed  # replayed exactly when the crash came after the commit
                _respondent, stored = load.stored_answers(engine, run.token)
                assert set(save.body["answers"]) <= set(stored)
                run.acknowledged.update(save.body["answers"])
                again = retry(http, save)
                assert again.status_code == 200
                assert again.json() == first.json()
                assert again.headers.get("Idempotent-Replayed") == "true"
                redone += not first_replayed
        assert load.missing_acknowledged(engine, runs) == []

        # The interrupted respondents carry on where they were and finish.
        rest = []
        for run in runs:
            respondent, stored = load.stored_answers(engine, run.token)
            assert respondent is not None
            if respondent.submitted_at is None:
                remaining = [page for page in run.pages if not set(page) <= set(stored)]
                rest.append(load.RespondentRun(run.token, remaining))
        finish = asyncio.run(load.drive_runs(server.base_url, rest))
        assert finish.errors == []

    assert load.answer_count(engine) == planned_total
    with Session(engine) as session:
        assert session.exec(select(Respondent).where(col(Respondent.submitted_at).is_(None))).all() == []
    assert load.missing_acknowledged(engine, runs) == []
    assert sqlite_checks(database_url) == ([("ok",)], [])

    figures = {
        **report.figures(),
        "killed_after_answers": killed_after[0],
        "saves_in_flight_at_kill": len(in_flight),
        "in_flight_saves_committed": committed_in_flight,
        "retries_replayed": replayed,
        "in_flight_retries_redone": redone,
        "finished_after_restart": len(rest),
    }
    record_figures(
        "crash",
        [
            f"  SIGKILL after {killed_after[0]} of {planned_total} answers; {len(report.errors)} requests cut off; "
            f"{len(in_flight)} saves in flight ({committed_in_flight} had committed)",
            f"  after restart: {replayed} acknowledged saves retried and replayed, {redone} in-flight saves redone, "
            f"{len(rest)} respondents finished; integrity_check ok",
        ],
        figures,
    )
