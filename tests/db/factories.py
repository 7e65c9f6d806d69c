"""Minimal valid rows for database tests: a workspace down to a respondent, and a webhook delivery."""

from __future__ import annotations

import hashlib
import uuid

from sqlmodel import Session

from app.db.tables import Assessment, Organization, Respondent, Webhook, WebhookDelivery, Workspace


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def seed_workspace(session: Session) -> Workspace:
    name = _unique("workspace")
    workspace = Workspace(name=name, slug=name)
    session.add(workspace)
    session.flush()
    return workspace


def seed_organization(session: Session, workspace_id: str | None = None) -> Organization:
    organization = Organization(workspace_id=workspace_id or seed_workspace(session).id, name=_unique("org"))
    session.add(organization)
    session.flush()
    return organization


def seed_assessment(session: Session, organization: Organization | None = None) -> Assessment:
    organization = organization or seed_organization(session)
    assessment = Assessment(
        workspace_id=organization.workspace_id,
        organization_id=organization.id,
        title="Baseline",
        questionnaire_id="mini",
        questionnaire_version="1",
        questionnaire_hash="0" * 64,
        questionnaire_snapshot={"id": "mini", "version": "1"},
        target_level=3,
    )
    session.add(assessment)
    session.flush()
    return assessment


def seed_respondent(session: Session, assessment: Assessment | None = None) -> Respondent:
    assessment = assessment or seed_assessment(session)
    respondent = Respondent(
        workspace_id=assessment.workspace_id,
        assessment_id=assessment.id,
        role="manager",
        function="sales",
        token_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
    )
    session.add(respondent)
    session.flush()
    return respondent


def seed_webhook(session: Session, workspace_id: str, events: list[str] | None = None) -> Webhook:
    webhook = Webhook(
        workspace_id=workspace_id, url="https://example.invalid/hook", secret="s" * 32, events=events or ["x"]
    )
    session.add(webhook)
    session.flush()
    return webhook


def seed_webhook_delivery(session: Session, workspace_id: str) -> WebhookDelivery:
    webhook = seed_webhook(session, workspace_id)
    delivery = WebhookDelivery(webhook_id=webhook.id, event="response.submitted", payload={})
    session.add(delivery)
    session.flush()
    return delivery
