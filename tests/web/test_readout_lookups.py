"""One results readout: the results page, the report and an export each look their assessment up once,
compute its result's fingerprint once and read its respondents (with their pseudonyms) in one query,
however much the page prints beside the result (the demo has a previous run and a peer benchmark)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import reporting
from app.services import assessments, demo, results
from tests.api.conftest import Tenant


class Lookups:
    """What one request did to one assessment: lookups by id, fingerprints, reads of its respondents' rows."""

    def __init__(self, assessment_id: str) -> None:
        self.assessment_id = assessment_id
        self.gets: Counter[str] = Counter()
        self.fingerprints: Counter[str] = Counter()
        self.respondent_reads = 0

    def reset(self) -> None:
        self.gets.clear()
        self.fingerprints.clear()
        self.respondent_reads = 0

    def counts(self) -> tuple[int, int, int]:
        return self.gets[self.assessment_id], self.fingerprints[self.assessment_id], self.respondent_reads


@pytest.fixture(autouse=True, scope="module")
def _stop_render_workers() -> Iterator[None]:
    yield
    reporting.shutdown()


@pytest.fixture
def lookups(demo_site: tuple[demo.DemoInfo, Tenant], monkeypatch: pytest.MonkeyPatch) -> Iterator[Lookups]:
    info, _ = demo_site
    seen = Lookups(info.current_assessment_id)
    get, fingerprint = assessments.get, results._fingerprint

    def counted_get(session: Any, principal: Any, assessment_id: str) -> Any:
        seen.gets[assessment_id] += 1
        return get(session, principal, assessment_id)

    def counted_fingerprint(session: Any, assessment: Any, include_in_progress: bool) -> Any:
        seen.fingerprints[assessment.id] += 1
        return fingerprint(session, assessment, include_in_progress)

    def statement(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool) -> None:
        # A read of respondents' rows (the pseudonym column comes with every full row) of this assessment.
        values = parameters.values() if isinstance(parameters, dict) else parameters
        if "respondents.pseudonym" in sql and seen.assessment_id in tuple(values):
            seen.respondent_reads += 1

    monkeypatch.setattr(assessments, "get", counted_get)
    monkeypatch.setattr(results, "_fingerprint", counted_fingerprint)
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)


def test_the_results_page_gathers_its_readout_once(client: TestClient, lookups: Lookups) -> None:
    for _ in range(2):  # scored the first time, from the cache the second: the lookups are the same
        lookups.reset()
        page = client.get(f"/assessments/{lookups.assessment_id}/results")
        assert page.status_code == 200 and "percentile" in page.text  # the benchmark is shown
        assert lookups.counts() == (1, 1, 1)


def test_the_report_gathers_its_readout_once(client: TestClient, lookups: Lookups) -> None:
    response = client.get(f"/assessments/{lookups.assessment_id}/report.html")
    assert response.status_code == 200 and "Compared with" in response.text  # the previous run is in it
    assert lookups.counts() == (1, 1, 1)


def test_an_export_gathers_its_readout_once(demo_site: tuple[demo.DemoInfo, Tenant], lookups: Lookups) -> None:
    _, api = demo_site
    response = api.get(f"/assessments/{lookups.assessment_id}/export.json")
    assert response.status_code == 200 and response.json()["result"] is not None
    assert lookups.counts() == (1, 1, 1)
