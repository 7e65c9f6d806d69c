"""What the schema itself guarantees, whatever a service does: uniqueness, tenancy, checks, names, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, func, select

from app.db.session import session_scope
from app.db.tables import (
    Answer,
    Assessment,
    AssessmentStatus,
    Respondent,
    User,
    UserRole,
    Workspace,
    metadata,
)
from tests.db.factories import seed_assessment, seed_organization, seed_respondent, seed_workspace

PREFIXES = {
    sa.PrimaryKeyConstraint: "pk_",
    sa.ForeignKeyConstraint: "fk_",
    sa.UniqueConstraint: "uq_",
    sa.CheckConstraint: "ck_",
}


def _count(session: Session, table: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def test_one_answer_per_respondent_and_question(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        respondent_id = seed_respondent(session).id
        session.add(Answer(respondent_id=respondent_id, question_id="vc-1", value=3))

    duplicate = r"(?i)unique|uq_answers_respondent_id_question_id"
    with pytest.raises(IntegrityError, match=duplicate), session_scope(migrated_engine) as session:
        session.add(Answer(respondent_id=respondent_id, question_id="vc-1", value="dont_know"))

    with Session(migrated_engine) as session:
        answers = session.exec(select(Answer)).all()
        assert [(a.question_id, a.value) for a in answers] == [("vc-1", 3)]


def test_an_answer_needs_an_existing_respondent(migrated_engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        session.add(Answer(respondent_id="no-such-respondent", question_id="vc-1", value=3))


def test_an_assessment_cannot_point_at_another_workspaces_organization(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        theirs = seed_organization(session)
        ours = seed_workspace(session)
        theirs_id, ours_id = theirs.id, ours.id

    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        session.add(
            Assessment(
                workspace_id=ours_id,
                organization_id=theirs_id,
                title="cross-tenant",
                questionnaire_id="mini",
                questionnaire_version="1",
                questionnaire_hash="0" * 64,
                questionnaire_snapshot={},
                target_level=3,
            )
        )


def test_a_respondent_cannot_point_at_another_workspaces_assessment(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        theirs = seed_assessment(session)
        ours = seed_workspace(session)
        theirs_id, ours_id = theirs.id, ours.id

    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        session.add(
            Respondent(workspace_id=ours_id, assessment_id=theirs_id, role="r", function="f", token_hash="1" * 64)
        )


def test_deleting_a_workspace_deletes_everything_it_owns(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        respondent = seed_respondent(session)
        session.add(Answer(respondent_id=respondent.id, question_id="vc-1", value=3))
        other = seed_respondent(session)
        session.add(Answer(respondent_id=other.id, question_id="vc-1", value=4))
        workspace_id = respondent.workspace_id

    with session_scope(migrated_engine) as session:
        workspace = session.get(Workspace, workspace_id)
        session.delete(workspace)

    with Session(migrated_engine) as session:
        assert _count(session, Workspace) == 1
        assert _count(session, Assessment) == 1
        assert _count(session, Respondent) == 1
        assert [a.value for a in session.exec(select(Answer)).all()] == [4]


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE assessments SET status = 'archived'", "ck_assessments_status"),
        ("UPDATE assessments SET anonymity = 'public'", "ck_assessments_anonymity"),
        ("UPDATE assessments SET target_level = 6", "ck_assessments_target_level"),
        ("UPDATE assessments SET min_group_size = 0", "ck_assessments_min_group_size"),
        ("UPDATE workspaces SET logo_mime = 'image/png'", "ck_workspaces_logo_has_mime"),
    ],
)
def test_check_constraints_refuse_values_the_models_do_not_allow(
    migrated_engine: Engine, statement: str, constraint: str
) -> None:
    with session_scope(migrated_engine) as session:
        seed_assessment(session)
    with pytest.raises(IntegrityError, match=constraint), migrated_engine.begin() as connection:
        connection.exec_driver_sql(statement)


def test_enum_columns_come_back_as_enums(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        assessment_id = seed_assessment(session).id
        workspace_id = seed_workspace(session).id
        session.add(User(workspace_id=workspace_id, email="a@example.com", password_hash="x", role=UserRole.OWNER))
    with Session(migrated_engine) as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        assert assessment.status is AssessmentStatus.DRAFT
        assert session.exec(select(User.role)).one() is UserRole.OWNER
        stored = session.exec(sa.text("SELECT status FROM assessments")).one()  # type: ignore[call-overload]
        assert stored[0] == "draft"  # the value, not the member name


def test_timestamps_are_stored_and_read_as_utc(migrated_engine: Engine) -> None:
    paris_summer = timezone(timedelta(hours=2))
    opens = datetime(2026, 6, 1, 9, 30, tzinfo=paris_summer)
    with session_scope(migrated_engine) as session:
        assessment = seed_assessment(session)
        assessment.opens_at = opens
        assessment_id = assessment.id
    with Session(migrated_engine) as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        assert assessment.opens_at == opens
        assert assessment.opens_at is not None and assessment.opens_at.tzinfo is UTC
        assert assessment.opens_at.hour == 7
        assert assessment.created_at.tzinfo is UTC


def test_a_naive_timestamp_is_refused(migrated_engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(migrated_engine) as session:
        assessment = seed_assessment(session)
        assessment.closes_at = datetime(2026, 6, 1, 9, 30)
        session.flush()


def test_the_models_name_every_constraint_by_the_convention() -> None:
    for table in metadata.tables.values():
        for constraint in table.constraints:
            prefix = PREFIXES[type(constraint)]
            assert constraint.name and str(constraint.name).startswith(prefix), (table.name, constraint)
        for index in table.indexes:
            assert str(index.name).startswith(f"ix_{table.name}_"), (table.name, index.name)


def test_the_database_has_the_conventional_names(migrated_engine: Engine) -> None:
    inspector = inspect(migrated_engine)
    for table in metadata.tables:
        assert inspector.get_pk_constraint(table)["name"] == f"pk_{table}"
        names = [fk["name"] for fk in inspector.get_foreign_keys(table)]
        names += [uq["name"] for uq in inspector.get_unique_constraints(table)]
        names += [ck["name"] for ck in inspector.get_check_constraints(table)]
        names += [ix["name"] for ix in inspector.get_indexes(table)]
        for name in names:
            assert name is not None and name.startswith(
                (f"fk_{table}_", f"uq_{table}_", f"ck_{table}_", f"ix_{table}_")
            )
    assert {fk["name"] for fk in inspector.get_foreign_keys("answers")} == {"fk_answers_respondent_id_respondents"}
    assert {uq["name"] for uq in inspector.get_unique_constraints("answers")} == {
        "uq_answers_respondent_id_question_id"
    }
