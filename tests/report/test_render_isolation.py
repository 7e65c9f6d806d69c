"""A report rendering on a real server does not hold up other requests (it prints in a worker process)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from app.db.session import session_scope
from app.questionnaire.library import find_questionnaire
from app.services import accounts
from bench.scoring import synthetic_respondents
from tests.live_server import serving


def test_other_requests_are_answered_while_a_report_renders(app_database: str, tmp_path: Path) -> None:
    if not app_database.startswith("sqlite"):
        pytest.skip("the worker pool is the same on PostgreSQL; one database is enough here")
    with session_scope() as session:
        workspace = accounts.get_or_create_workspace(session, "Render Test")
        _record, key = accounts.create_api_key(session, workspace.id, "tests", actor="tests")
    headers = {"Authorization": f"Bearer {key}"}
    with (
        serving(tmp_path / "server.log") as base_url,
        httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=120.0) as http,
    ):
        organization = http.post("/organizations", json={"name": "Globex"}).json()
        body = {"organization_id": organization["id"], "questionnaire_id": "customer-centricity"}
        assessment_id = http.post("/assessments", json=body).json()["id"]
        assert http.post(f"/assessments/{assessment_id}/open").status_code == 200
        for person in synthetic_respondents(find_questionnaire("customer-centricity"), 6):
            pushed = {"role": person.role, "function": person.function, "answers": dict(person.answers)}
            assert http.post(f"/assessments/{assessment_id}/responses", json=pushed).status_code == 201

        report: dict[str, httpx.Response] = {}

        def download() -> None:
            with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=120.0) as own:
                report["response"] = own.get(f"/assessments/{assessment_id}/report.pdf")

        rendering = threading.Thread(target=download)
        rendering.start()
        answered_meanwhile = 0
        # The first report also starts the workers, so it takes seconds; meanwhile the server keeps answering.
        while rendering.is_alive() and answered_meanwhile < 5:
            assert httpx.get(f"{base_url}/healthz", timeout=10.0).status_code == 200
            assert http.get(f"/assessments/{assessment_id}").status_code == 200  # a database read too
            if rendering.is_alive():
                answered_meanwhile += 1
        rendering.join(timeout=120)
        assert answered_meanwhile == 5, "requests waited for the report"
        assert report["response"].status_code == 200
        assert report["response"].content.startswith(b"%PDF")
