"""Load: 100 respondents at once each complete the flagship questionnaire page by page against a real
uvicorn server on a SQLite file; no request fails and every acknowledged answer is in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.db.engine import create_db_engine
from app.db.tables import Respondent
from app.questionnaire.library import find_questionnaire
from bench import load
from bench.api import open_assessment
from tests.live_server import server_process
from tests.proof.conftest import Record

pytestmark = pytest.mark.slow


@pytest.fixture
def engine(live_environment: tuple[str, int]) -> Iterator[Engine]:
    engine = create_db_engine(live_environment[0])
    yield engine
    engine.dispose()


def test_100_respondents_at_once_complete_the_questionnaire_and_nothing_is_lost(
    live_environment: tuple[str, int], engine: Engine, tmp_path: Path, record_figures: Record
) -> None:
    database_url, port = live_environment
    questionnaire = find_questionnaire(load.QUESTIONNAIRE)
    pages = load.answer_pages(questionnaire, load.RESPONDENTS)
    with server_process(tmp_path / "server.log", port) as server:
        tokens = open_assessment(server.base_url, database_url, load.RESPONDENTS)
        report = asyncio.run(load.drive(server.base_url, tokens, pages))

    record_figures("load", report.lines(), report.figures())
    assert report.errors == []
    assert not report.stopped_at_deadline
    assert all(run.submitted for run in report.respondents)
    planned = sum(len(run.planned_answers) for run in report.respondents)
    assert sum(len(run.acknowledged) for run in report.respondents) == planned
    assert load.missing_acknowledged(engine, report.respondents) == []
    assert load.answer_count(engine) == planned  # nothing more than was sent, either
    with Session(engine) as session:
        unsubmitted = session.exec(select(Respondent).where(col(Respondent.submitted_at).is_(None))).all()
    assert unsubmitted == []
