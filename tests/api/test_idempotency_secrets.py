"""Idempotency records keep no secrets: outcomes stored sealed, bound to the key that sent them,
gone after IDEMPOTENCY_TTL; an outcome the current secret cannot open answers 409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import select

from app.db.session import session_scope
from app.db.tables import IdempotencyRecord, utc_now
from app.services.idempotency import IDEMPOTENCY_TTL
from app.settings import get_settings
from tests.api.conftest import Tenant

INVITE = {"respondents": [{"role": "executive", "function": "sales"}, {"role": "frontline", "function": "service"}]}


def invite(tenant: Tenant, assessment_id: str, key: str) -> Any:
    return tenant.post(f"/assessments/{assessment_id}/respondents", INVITE, headers={"Idempotency-Key": key})


def records() -> list[IdempotencyRecord]:
    with session_scope() as session:
        found = list(session.exec(select(IdempotencyRecord)).all())
        session.expunge_all()
        return found


def age_records(by: timedelta) -> None:
    with session_scope() as session:
        session.execute(update(IdempotencyRecord).values(created_at=utc_now() - by))


def respondents_total(tenant: Tenant, assessment_id: str) -> int:
    return int(tenant.get(f"/assessments/{assessment_id}/respondents").json()["total"])


def test_an_invitation_is_replayed_but_its_links_are_not_stored_in_plain_text(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    first = invite(tenant, assessment["id"], "invite-1")
    assert first.status_code == 201
    tokens = [item["api_link"].rsplit("/", 1)[1] for item in first.json()]
    (record,) = records()
    stored = str(record.response_body)
    assert not any(token in stored for token in tokens)
    assert "/r/" not in stored and "api_link" not in stored
    again = invite(tenant, assessment["id"], "invite-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert respondents_total(tenant, assessment["id"]) == 2


def test_another_api_key_of_the_workspace_does_not_get_the_replay(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    first = invite(tenant, assessment["id"], "shared-key")
    created = tenant.post("/api-keys", {"name": "second tool", "scopes": ["read", "write"]}).json()
    second_tool = Tenant(tenant.workspace_id, created["key"], tenant.client)
    theirs = invite(second_tool, assessment["id"], "shared-key")
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    first_links = {item["api_link"] for item in first.json()}
    assert first_links.isdisjoint(item["api_link"] for item in theirs.json())
    assert respondents_total(tenant, assessment["id"]) == 4


def test_the_same_key_on_another_path_or_body_is_refused(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    other = tenant.assessment(assessment["organization_id"])
    invite(tenant, assessment["id"], "bound")
    elsewhere = invite(tenant, other["id"], "bound")
    assert elsewhere.status_code == 422 and "different request" in elsewhere.json()["detail"]["message"]
    changed = tenant.post(
        f"/assessments/{assessment['id']}/respondents",
        {"respondents": [{"role": "executive", "function": "sales"}]},
        headers={"Idempotency-Key": "bound"},
    )
    assert changed.status_code == 422
    assert respondents_total(tenant, assessment["id"]) == 2


def test_a_record_past_its_time_is_ignored_and_purged(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    invite(tenant, assessment["id"], "old")
    age_records(IDEMPOTENCY_TTL + timedelta(minutes=1))
    fresh = invite(tenant, assessment["id"], "old")
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert respondents_total(tenant, assessment["id"]) == 4
    (record,) = records()  # the expired one went when the new one was written
    assert utc_now() - record.created_at < timedelta(minutes=1)
    # one just inside its time is still replayed
    age_records(IDEMPOTENCY_TTL - timedelta(minutes=1))
    assert invite(tenant, assessment["id"], "old").headers["Idempotent-Replayed"] == "true"
    # and writing another key purges expired records of any key
    age_records(IDEMPOTENCY_TTL + timedelta(minutes=1))
    tenant.post("/organizations", {"name": "Initech"}, headers={"Idempotency-Key": "another"})
    assert [r.key for r in records()] == ["another"]


def test_an_outcome_the_current_secret_cannot_open_answers_409_and_does_nothing(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = tenant.open_assessment()
    invite(tenant, assessment["id"], "before-restart")
    # Outside production the secret is random per process: a restart is a new secret.
    monkeypatch.setenv("CENTRICITY_SECRET_KEY", "another-secret-after-a-restart-of-the-service")
    get_settings.cache_clear()
    replay = invite(tenant, assessment["id"], "before-restart")
    assert replay.status_code == 409
    body = replay.json()
    assert body["error"] == "Conflict"
    assert "already carried out" in body["detail"]["message"] and "new key" in body["detail"]["message"]
    assert respondents_total(tenant, assessment["id"]) == 2
