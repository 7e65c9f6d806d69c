"""The cached result is scored again exactly when what it scores changed: an autosave of someone who has not
submitted changes nothing of the submitted-only result, but it does change the result with answers in progress."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services import results
from tests.api.conftest import Tenant, pulse_answers


def test_autosaves_rescore_only_the_result_that_includes_them(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = tenant.open_assessment()
    for _ in range(3):
        tenant.respond(assessment["id"], "manager", "sales", pulse_answers(client, tenant))
    tokens = tenant.invite(assessment["id"], *[("manager", "sales")] * 3)
    scorings: list[Any] = []
    score = results.score_assessment
    monkeypatch.setattr(results, "score_assessment", lambda *a, **kw: scorings.append(1) or score(*a, **kw))
    path = f"/assessments/{assessment['id']}/results"

    first = tenant.get(path).json()
    in_progress = tenant.get(f"{path}?include_in_progress=true").json()
    assert len(scorings) == 2
    answers = pulse_answers(client, tenant, level=5)
    for token in tokens:
        assert client.put(f"/api/v1/respond/{token}/answers", json={"answers": answers}).status_code == 200
    assert tenant.get(path).json() == first and len(scorings) == 2  # the same result, not scored again
    assert tenant.get(f"{path}?include_in_progress=true").json() != in_progress and len(scorings) == 3
    # A submit changes the submitted-only result: it is scored again and counts the new person.
    assert client.post(f"/api/v1/respond/{tokens[0]}/submit").status_code == 200
    after = tenant.get(path).json()
    assert len(scorings) == 4 and after != first
