"""Status changes under concurrency: of 20 callers opening or closing one assessment at once, exactly one
changes it (one audit row, one webhook delivery) and the others get the 409 a later call gets."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from app.db.session import session_scope
from app.db.tables import AuditEvent, WebhookDelivery
from tests.api.conftest import Tenant
from tests.db.factories import seed_webhook
from tests.parallel import PARALLEL, all_at_once


def audit_count(assessment_id: str, action: str) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_id == assessment_id, AuditEvent.action == action)
        ).one()


def test_parallel_closes_close_once_with_one_audit_row_and_one_delivery(client: TestClient, tenant: Tenant) -> None:
    with session_scope() as session:
        webhook_id = seed_webhook(session, tenant.workspace_id, ["assessment.closed"]).id
    assessment = tenant.open_assessment()
    answers = all_at_once(lambda: tenant.post(f"/assessments/{assessment['id']}/close"))
    statuses = Counter(response.status_code for response in answers)
    assert statuses == {200: 1, 409: PARALLEL - 1}, statuses
    refused = next(response for response in answers if response.status_code == 409)
    sequential = tenant.post(f"/assessments/{assessment['id']}/close")
    assert sequential.status_code == 409
    assert refused.json() == sequential.json()  # the same answer a later call gets
    assert "this one is closed" in refused.json()["detail"]["message"]
    assert audit_count(assessment["id"], "assessment.closed") == 1
    with session_scope() as session:
        queued = session.exec(
            select(WebhookDelivery.payload).where(col(WebhookDelivery.webhook_id) == webhook_id)
        ).all()
    assert [payload["data"]["assessment_id"] for payload in queued] == [assessment["id"]]
    assert tenant.get(f"/assessments/{assessment['id']}").json()["status"] == "closed"


def test_parallel_opens_open_once(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.assessment(tenant.organization()["id"])
    answers = all_at_once(lambda: tenant.post(f"/assessments/{assessment['id']}/open"))
    statuses = Counter(response.status_code for response in answers)
    assert statuses == {200: 1, 409: PARALLEL - 1}, statuses
    opened = next(response for response in answers if response.status_code == 200)
    assert opened.json()["status"] == "open"
    refused = next(response for response in answers if response.status_code == 409)
    assert refused.json() == tenant.post(f"/assessments/{assessment['id']}/open").json()
    assert audit_count(assessment["id"], "assessment.opened") == 1
