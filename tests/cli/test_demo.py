"""The demo workspace: what `centricity demo` creates, and that running it again changes nothing."""

from __future__ import annotations

import time
from typing import Any

from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from app.cli import cli
from app.db.session import session_scope
from app.db.tables import Assessment, AssessmentStatus, Organization, Respondent, User, Workspace
from app.services import accounts, demo, results
from app.services.accounts import Principal

runner = CliRunner()


def _counts(session: Session, assessment_id: str) -> tuple[int, int]:
    people = session.exec(select(Respondent).where(Respondent.assessment_id == assessment_id)).all()
    return len(people), sum(1 for p in people if p.submitted_at is not None)


def test_the_demo_creates_a_full_workspace(app_database: str) -> None:
    start = time.perf_counter()
    with session_scope() as session:
        info = demo.create_demo(session)
    assert time.perf_counter() - start < 30, "the demo must be ready well within a minute"
    assert info.created and info.email == demo.EMAIL and info.password == demo.PASSWORD
    assert info.current_assessment_id and info.previous_assessment_id and info.organization_id

    with session_scope() as session:
        user = accounts.authenticate_user(session, demo.EMAIL, demo.PASSWORD)
        workspace = session.get(Workspace, user.workspace_id)
        assert workspace is not None and workspace.name == demo.WORKSPACE
        organizations = session.exec(select(Organization).where(Organization.workspace_id == workspace.id)).all()
        assert len(organizations) == 1 + len(demo.PEERS)
        northwind = next(o for o in organizations if o.name == demo.ORGANIZATION)
        assert (northwind.industry, northwind.size_band, northwind.region) == ("retail", "250-999", "EU")
        current = session.get(Assessment, info.current_assessment_id)
        previous = session.get(Assessment, info.previous_assessment_id)
        assert current is not None and previous is not None
        assert current.status is AssessmentStatus.OPEN and previous.status is AssessmentStatus.CLOSED
        assert previous.created_at < current.created_at
        assert current.questionnaire_id == previous.questionnaire_id == "customer-centricity"
        peers_closed = session.exec(
            select(func.count())
            .select_from(Assessment)
            .where(
                Assessment.workspace_id == workspace.id,
                Assessment.organization_id != northwind.id,
                Assessment.status == AssessmentStatus.CLOSED,
            )
        ).one()
        assert peers_closed == len(demo.PEERS)
        principal = Principal(workspace.id, "tests")

        invited, submitted = _counts(session, current.id)
        assert invited == 40 and submitted == 40 - demo.IN_PROGRESS
        started = session.exec(
            select(func.count()).where(
                Respondent.assessment_id == current.id,
                col(Respondent.submitted_at).is_(None),
                col(Respondent.started_at).is_not(None),
            )
        ).one()
        assert started == demo.IN_PROGRESS
        assert _counts(session, previous.id) == (30, 30)

        now = results.results(session, principal, current.id)
        before = results.results(session, principal, previous.id)
        assert now.overall.index is not None and before.overall.index is not None
        assert now.overall.index > before.overall.index  # the earlier round scored lower
        assert any(g.flagged for g in now.gaps.perception)
        assert any(g.flagged and g.lowest_function == demo.WEAK_FUNCTION for g in now.gaps.silo)
        assert {o.metric: o.source for o in now.outcomes}["nps"] == "ratings"
        assert {o.question_id: o.source for o in now.outcomes}["outcome-retention"] == "reported"
        assert now.recommendations and now.roadmap.days_90
        assert results.benchmark(session, principal, current.id).available


def test_a_second_run_changes_nothing_and_gives_the_login_again(app_database: str) -> None:
    with session_scope() as session:
        first = demo.create_demo(session)
    with session_scope() as session:
        second = demo.create_demo(session)
    assert not second.created
    assert (second.email, second.password) == (demo.EMAIL, demo.PASSWORD)
    assert second.current_assessment_id == first.current_assessment_id
    assert second.previous_assessment_id == first.previous_assessment_id
    with session_scope() as session:

        def count(query: Any) -> int:
            return int(session.exec(query).one())

        assert count(select(func.count()).select_from(Workspace).where(Workspace.name == demo.WORKSPACE)) == 1
        assert count(select(func.count()).select_from(User).where(User.email == demo.EMAIL)) == 1
        assert count(select(func.count()).select_from(Organization)) == 1 + len(demo.PEERS)


def test_the_demo_answers_are_the_same_on_every_run(app_database: str) -> None:
    with session_scope() as session:
        info = demo.create_demo(session)
        workspace = accounts.find_workspace(session, demo.WORKSPACE)
        assert info.current_assessment_id is not None
        index = results.results(session, Principal(workspace.id, "tests"), info.current_assessment_id).overall.index
    assert index is not None
    # Seeded: a change here means the demo (and the README's screenshots) changed too.
    assert 35 < index < 50


def test_the_command_prints_the_login_and_is_idempotent(app_database: str) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert demo.EMAIL in first.output and demo.PASSWORD in first.output and "/results" in first.output
    again = runner.invoke(cli, ["demo"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output and demo.PASSWORD in again.output
