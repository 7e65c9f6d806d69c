"""Respondents and their answers: invitations, the respondent's own view, saving, submitting.

A respondent is reached by a secret link; only the token's digest is stored, so the link
is shown once, when it is made. Every save is validated by the scoring core's rule book
and written in one transaction: a request either saves all its answers or none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, col, func, select

from app.db.paging import paginate
from app.db.tables import Answer, Assessment, AssessmentStatus, Respondent, new_id, utc_now
from app.observability.metrics import ANSWERS_SAVED, count_answers_saved
from app.questionnaire.models import Questionnaire
from app.scoring.answers import AnswerError, validate_answer, visibility
from app.security import digest, new_link_token
from app.services import assessments, audit, privacy, questionnaires, webhooks
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput, NotFound, TooLarge
from app.text import text_problem

MAX_INVITES_PER_CALL = 1000
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
COMMENT_MAX = 2000


@dataclass(frozen=True)
class Invitee:
    role: str
    function: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Progress:
    answered: int
    required: int
    required_answered: int
    missing_required: list[str]

    @property
    def share(self) -> float:
        return self.required_answered / self.required if self.required else 1.0


def _check_people(questionnaire: Questionnaire, people: Sequence[Invitee]) -> None:
    roles = {r.id for r in questionnaire.roles}
    functions = {f.id for f in questionnaire.functions}
    problems = []
    for i, person in enumerate(people):
        if person.role not in roles:
            problems.append({"field": f"respondents[{i}].role", "message": f"unknown role '{person.role}'"})
        if person.function not in functions:
            problems.append({"field": f"respondents[{i}].function", "message": f"unknown function '{person.function}'"})
    if problems:
        raise InvalidInput(
            f"roles and functions must come from the questionnaire: roles {', '.join(sorted(roles))}; "
            f"functions {', '.join(sorted(functions))}",
            problems,
        )


def invite(
    session: Session, principal: Principal, assessment_id: str, people: Sequence[Invitee]
) -> list[tuple[Respondent, str]]:
    """Create respondents and their secret link tokens; the tokens are returned only here."""
    assessment = assessments.get(session, principal, assessment_id)
    if assessment.status is AssessmentStatus.CLOSED:
        raise Conflict("the assessment is closed")
    if len(people) > MAX_INVITES_PER_CALL:
        raise TooLarge(f"at most {MAX_INVITES_PER_CALL} respondents per call")
    _check_people(assessments.questionnaire_of(assessment), people)
    created = []
    for person in people:
        token, token_hash = new_link_token()
        respondent = Respondent(
            workspace_id=assessment.workspace_id,
            assessment_id=assessment.id,
            role=person.role,
            function=person.function,
            name=person.name,
            email=person.email,
            token_hash=token_hash,
        )
        created.append((respondent, token))
    privacy.assign_pseudonyms(session, assessment.id, [respondent for respondent, _ in created])
    session.add_all([respondent for respondent, _ in created])
    session.flush()
    audit.record(
        session,
        principal.workspace_id,
        principal.actor,
        "respondents.invited",
        "assessment",
        assessment.id,
        count=len(people),
    )
    return created


def answers_of(session: Session, respondent_ids: Sequence[str]) -> dict[str, dict[str, Answer]]:
    """Stored answers by respondent id, then question id."""
    by_respondent: dict[str, dict[str, Answer]] = {rid: {} for rid in respondent_ids}
    if respondent_ids:
        for answer in session.exec(select(Answer).where(col(Answer.respondent_id).in_(respondent_ids))).all():
            by_respondent[answer.respondent_id][answer.question_id] = answer
    return by_respondent


def progress_of(questionnaire: Questionnaire, values: Mapping[str, Any]) -> Progress:
    return progress_from(questionnaire, values, visibility(questionnaire, values))


def progress_from(questionnaire: Questionnaire, values: Mapping[str, Any], visible: Mapping[str, bool]) -> Progress:
    """Progress given the answers and the visibility they produce (computed once by the caller)."""
    required = [q.id for q in questionnaire.questions if q.required and visible[q.id]]
    missing = [qid for qid in required if qid not in values]
    return Progress(
        answered=sum(1 for qid in values if visible.get(qid)),
        required=len(required),
        required_answered=len(required) - len(missing),
        missing_required=missing,
    )


@dataclass(frozen=True)
class Listed:
    """A respondent as the respondents listing shows them (identity and progress, never answers).

    In an anonymous assessment its times are to the day, and a submitted respondent's progress is
    left out: how many questions someone answered would join them to their row in the exports."""

    respondent: Respondent
    created_at: datetime
    started_at: datetime | None
    submitted_at: datetime | None
    progress: Progress | None


def list_page(
    session: Session, principal: Principal, assessment_id: str, limit: int, offset: int
) -> tuple[list[Listed], int]:
    assessment = assessments.get(session, principal, assessment_id)
    questionnaire = assessments.questionnaire_of(assessment)
    query = (
        select(Respondent)
        .where(Respondent.assessment_id == assessment.id)
        .order_by(col(Respondent.created_at), col(Respondent.id))
    )
    rows, total = paginate(session, query, limit, offset)
    stored = answers_of(session, [r.id for r in rows])
    listed = []
    for r in rows:
        progress = None
        if privacy.progress_shown(assessment, r):
            progress = progress_of(questionnaire, {q: a.value for q, a in stored[r.id].items()})
        created_at = privacy.coarse_time(assessment, r.created_at)
        assert created_at is not None
        listed.append(
            Listed(
                r,
                created_at,
                privacy.coarse_time(assessment, r.started_at),
                privacy.coarse_time(assessment, r.submitted_at),
                progress,
            )
        )
    return listed, total


@dataclass
class RespondentContext:
    respondent: Respondent
    assessment: Assessment
    questionnaire: Questionnaire


def by_token(session: Session, token: str, *, for_update: bool = False) -> RespondentContext:
    """The respondent a link token belongs to; any token that is not valid is simply not found."""
    query = (
        select(Respondent, Assessment)
        .join(Assessment, col(Assessment.id) == col(Respondent.assessment_id))
        .options(assessments.without_snapshot())
        .where(Respondent.token_hash == digest(token))
    )
    if for_update:  # serializes saves of one respondent on PostgreSQL; SQLite already runs one writer
        query = query.with_for_update(of=Respondent)
    found = session.exec(query).first()
    if found is None:
        raise NotFound("this link is not valid")
    respondent, assessment = found
    return RespondentContext(respondent, assessment, assessments.questionnaire_of(assessment))


def stored_values(session: Session, respondent_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    answers = answers_of(session, [respondent_id])[respondent_id]
    return {q: a.value for q, a in answers.items()}, {q: a.comment for q, a in answers.items() if a.comment}


def _ensure_writable(context: RespondentContext) -> None:
    _ensure_link_writable(_link_of_context(context))


# ---- saving answers
#
# A save is the request respondents make most (an autosave per answer), so it runs on SQLAlchemy
# Core: statements built once per database kind (SQLAlchemy caches their compiled SQL), a few
# columns instead of ORM objects, stored answers as one JSON object made by the database, and
# one upsert for the answers a request writes.

_RESPONDENTS = cast(Table, Respondent.__table__)  # type: ignore[attr-defined]
_ASSESSMENTS = cast(Table, Assessment.__table__)  # type: ignore[attr-defined]
_ANSWERS = cast(Table, Answer.__table__)  # type: ignore[attr-defined]

_SNAPSHOT = sa.select(_ASSESSMENTS.c.questionnaire_snapshot).where(_ASSESSMENTS.c.id == sa.bindparam("b_assessment"))
_REMOVE = sa.delete(_ANSWERS).where(
    _ANSWERS.c.respondent_id == sa.bindparam("b_respondent"),
    _ANSWERS.c.question_id.in_(sa.bindparam("b_questions", expanding=True)),
)
# A comment alone, on a stored answer (the column's onupdate stamps updated_at, as any update does).
_COMMENT_ONLY = (
    sa.update(_ANSWERS)
    .where(
        _ANSWERS.c.respondent_id == sa.bindparam("b_respondent"), _ANSWERS.c.question_id == sa.bindparam("b_question")
    )
    .values(comment=sa.bindparam("b_comment"))
)


@dataclass(frozen=True)
class _Statements:
    """The statements of a save on one kind of database."""

    link: Executable  # the respondent and assessment columns a save needs, by token digest
    link_for_update: Executable
    link_has_answers: bool  # whether `link` also returns the stored answers (see below)
    stored: Executable  # {question id: value} of one respondent
    upsert: Executable  # answers whose comment stays as it is
    upsert_with_comment: Executable


_STATEMENTS: dict[str, _Statements] = {}


def _statements(dialect: str) -> _Statements:
    found = _STATEMENTS.get(dialect)
    if found is not None:
        return found
    insert: Any
    if dialect == "sqlite":
        # json(): the stored text is JSON, not a string to quote. An empty set gives {}.
        answers_object: Any = sa.func.json_group_object(_ANSWERS.c.question_id, sa.func.json(_ANSWERS.c.value))
        insert = sqlite_insert(_ANSWERS)
    elif dialect == "postgresql":
        answers_object = sa.func.jsonb_object_agg(_ANSWERS.c.question_id, _ANSWERS.c.value)  # NULL when empty
        insert = postgresql_insert(_ANSWERS)
    else:
        raise RuntimeError(f"answers are saved on SQLite or PostgreSQL, not {dialect}")
    columns: list[Any] = [
        _RESPONDENTS.c.id,
        _RESPONDENTS.c.assessment_id,
        _RESPONDENTS.c.started_at,
        _RESPONDENTS.c.submitted_at,
        _RESPONDENTS.c.last_seen_at,
        _ASSESSMENTS.c.status,
        _ASSESSMENTS.c.opens_at,
        _ASSESSMENTS.c.closes_at,
        _ASSESSMENTS.c.questionnaire_hash,
    ]
    # SQLite: the stored answers come with the link, in the same statement. That is safe there
    # because a writing transaction holds the database's write lock from its first statement
    # (BEGIN IMMEDIATE, see app.db.engine), so nothing changes them before the save writes.
    # PostgreSQL reads them in a statement of its own after the respondent's row is locked: a
    # statement that waited for the lock would otherwise return answers as they were before.
    link_has_answers = dialect == "sqlite"
    if link_has_answers:
        stored_of_row = sa.select(answers_object).where(_ANSWERS.c.respondent_id == _RESPONDENTS.c.id)
        columns.append(sa.type_coerce(stored_of_row.scalar_subquery(), sa.JSON))
    link = (
        sa.select(*columns)
        .join_from(_RESPONDENTS, _ASSESSMENTS, _ASSESSMENTS.c.id == _RESPONDENTS.c.assessment_id)
        .where(_RESPONDENTS.c.token_hash == sa.bindparam("b_token_hash"))
    )

    def upsert(with_comment: bool) -> Executable:
        # INSERT ... ON CONFLICT (respondent_id, question_id) DO UPDATE: one row per question,
        # whatever runs at the same time. The comment is replaced only when the request sent one.
        replaced = {"value": insert.excluded.value, "updated_at": insert.excluded.updated_at}
        if with_comment:
            replaced["comment"] = insert.excluded.comment
        return cast(
            Executable, insert.on_conflict_do_update(index_elements=["respondent_id", "question_id"], set_=replaced)
        )

    found = _Statements(
        link=link,
        # Serializes saves of one respondent on PostgreSQL; SQLite runs one writer at a time anyway.
        link_for_update=link.with_for_update(of=_RESPONDENTS),
        link_has_answers=link_has_answers,
        stored=sa.select(sa.type_coerce(answers_object, sa.JSON)).where(
            _ANSWERS.c.respondent_id == sa.bindparam("b_respondent")
        ),
        upsert=upsert(with_comment=False),
        upsert_with_comment=upsert(with_comment=True),
    )
    _STATEMENTS[dialect] = found
    return found


@dataclass(frozen=True, slots=True)
class Link:
    """What a save needs of the respondent a link token belongs to, and of their assessment."""

    respondent_id: str
    assessment_id: str
    started_at: datetime | None
    submitted_at: datetime | None
    last_seen_at: datetime | None
    status: AssessmentStatus
    opens_at: datetime | None
    closes_at: datetime | None
    # The stored answers, when the lookup read them too (SQLite); else the save reads them.
    stored: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    progress: Progress
    written: int  # answer values written: the answers-saved metric counts them once committed
    touched: dict[str, datetime]  # the respondent's timestamps the save set (started_at, last_seen_at)
    visible: dict[str, bool]  # which questions the answers as saved show


# What a save does with an answer to a question that the answers, once saved, hide: refuse the
# request (the API: the client sent an answer it could not have been shown), or leave it out (a
# page post, where this very post may have hidden a follow-up the person had filled in).
HiddenAnswers = Literal["refuse", "leave_out"]


def _link_of_context(context: RespondentContext, stored: dict[str, Any] | None = None) -> Link:
    respondent, assessment = context.respondent, context.assessment
    return Link(
        respondent.id,
        assessment.id,
        respondent.started_at,
        respondent.submitted_at,
        respondent.last_seen_at,
        assessment.status,
        assessment.opens_at,
        assessment.closes_at,
        stored=stored,
    )


def _ensure_link_writable(link: Link) -> None:
    if link.submitted_at is not None:
        raise Conflict("these answers were already submitted")
    if not assessments.accepts_answers(link):
        raise Conflict("this assessment is not accepting answers")


def link_by_token(connection: Connection, token: str, *, for_update: bool = False) -> tuple[Link, Questionnaire]:
    """`by_token` for a save: the same lookup (any token that is not valid is not found) in one
    Core query, with the questionnaire from the snapshot cache (the snapshot is read only on a miss).
    `for_update` locks the respondent's row until the transaction ends (PostgreSQL)."""
    statements = _statements(connection.dialect.name)
    statement = statements.link_for_update if for_update else statements.link
    row = connection.execute(statement, {"b_token_hash": digest(token)}).first()
    if row is None:
        raise NotFound("this link is not valid")
    stored = (row[9] or {}) if statements.link_has_answers else None
    link = Link(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], stored=stored)
    questionnaire_hash = row[8]
    questionnaire = questionnaires.from_snapshot(
        lambda: connection.execute(_SNAPSHOT, {"b_assessment": link.assessment_id}).scalar_one(), questionnaire_hash
    )
    return link, questionnaire


def save_by_token(engine: Engine, token: str, answers: Mapping[str, Any], comments: Mapping[str, str | None]) -> Saved:
    """Save answers through a link token in a transaction of its own on `engine` (committed on return)."""
    with engine.begin() as connection:
        link, questionnaire = link_by_token(connection, token, for_update=True)
        saved = save_to_link(connection, link, questionnaire, answers, comments)
    ANSWERS_SAVED.inc(saved.written)  # committed: see count_answers_saved for saves in a session
    return saved


def save_answers(
    session: Session,
    context: RespondentContext,
    answers: Mapping[str, Any],
    comments: Mapping[str, str | None],
    *,
    stored: dict[str, Any] | None = None,
    hidden: HiddenAnswers = "refuse",
) -> Saved:
    """`save_to_link` for a respondent loaded as ORM objects (the web form, pushed responses, the demo),
    in the session's transaction. The respondent object is kept up to date; stored answers the session
    holds are reloaded when next read. `stored`: the stored answers (question -> value) when the caller
    read them in this transaction after `by_token(..., for_update=True)`, so the save does not read them again."""
    session.flush()  # the statements below go straight to the connection: pending objects first
    link = _link_of_context(context, stored)
    saved = save_to_link(session.connection(), link, context.questionnaire, answers, comments, hidden=hidden)
    respondent = context.respondent
    for name, value in saved.touched.items():  # already written: no second UPDATE
        set_committed_value(respondent, name, value)
    for stale in [obj for obj in session.identity_map.values() if isinstance(obj, Answer)]:
        if stale.respondent_id == respondent.id:
            session.expire(stale)
    count_answers_saved(session, saved.written)
    return saved


def save_to_link(
    connection: Connection,
    link: Link,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    comments: Mapping[str, str | None],
    *,
    hidden: HiddenAnswers = "refuse",
) -> Saved:
    """Save some or all answers (a None value clears one), in the connection's transaction (which
    the caller commits). Every answer of the request is checked first: one refused answer and
    nothing of the request is saved. Answers that an earlier change now hides are removed, so
    stored answers always match what the respondent saw; answers (and comments) the request sends
    for questions hidden once it is saved are refused, or left out unchecked (see `HiddenAnswers`)."""
    _ensure_link_writable(link)
    statements = _statements(connection.dialect.name)
    stored = link.stored
    if stored is None:
        # None: PostgreSQL's aggregate of no rows.
        stored = connection.execute(statements.stored, {"b_respondent": link.respondent_id}).scalar_one() or {}
    by_id = {q.id: q for q in questionnaire.questions}
    merged = dict(stored)
    problems = []
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question is None:
            problems.append({"question": question_id, "message": "no such question in this questionnaire"})
            continue
        if value is None:
            merged.pop(question_id, None)
            continue
        try:
            merged[question_id] = validate_answer(question, questionnaire, value)
        except AnswerError as exc:
            problems.append({"question": question_id, "message": exc.reason})
    for question_id, comment in comments.items():
        question = by_id.get(question_id)
        if question is None or question.comment is None:
            problems.append({"question": question_id, "message": "this question takes no comment"})
        elif comment is not None and len(comment) > COMMENT_MAX:
            problems.append({"question": question_id, "message": f"the comment is over {COMMENT_MAX} characters"})
        elif comment is not None and (problem := text_problem(comment, multiline=True)) is not None:
            problems.append({"question": question_id, "message": f"the comment: {problem}"})
        elif question_id not in merged and comment:
            problems.append({"question": question_id, "message": "a comment needs an answer to go with it"})
    # A hidden question's own answer never counts in a condition, so this is also the visibility
    # of the answers without those that a leave_out save leaves out.
    visible = visibility(questionnaire, merged)
    if hidden == "leave_out":
        problems = [p for p in problems if visible.get(p["question"], True)]
    else:
        for question_id in answers:
            if question_id in by_id and answers[question_id] is not None and not visible[question_id]:
                problems.append({"question": question_id, "message": "this question is hidden by an earlier answer"})
    if problems:
        names = ", ".join(sorted({p["question"] for p in problems}))
        raise InvalidInput(f"answers refused for {names}; nothing was saved", problems)

    now = utc_now()
    gone = [q for q in stored if q not in merged or not visible[q]]
    if gone:
        connection.execute(_REMOVE, {"b_respondent": link.respondent_id, "b_questions": gone})
    values: list[dict[str, Any]] = []
    values_and_comments: list[dict[str, Any]] = []
    comments_alone: list[dict[str, Any]] = []
    for question_id in sorted(answers.keys() | comments.keys()):  # one order: no lock-order surprises
        if question_id not in merged or not visible[question_id]:
            continue
        if question_id in answers:
            row = {
                "id": new_id(),
                "respondent_id": link.respondent_id,
                "question_id": question_id,
                "value": merged[question_id],
                "updated_at": now,
            }
            if question_id in comments:
                row["comment"] = comments[question_id] or None
                values_and_comments.append(row)
            else:
                values.append(row)
        else:  # a comment on an answer stored earlier
            comment = comments[question_id] or None
            comments_alone.append({"b_respondent": link.respondent_id, "b_question": question_id, "b_comment": comment})
    if values:
        connection.execute(statements.upsert, values)
    if values_and_comments:
        connection.execute(statements.upsert_with_comment, values_and_comments)
    if comments_alone:
        connection.execute(_COMMENT_ONLY, comments_alone)
    touched: dict[str, datetime] = {}
    if link.started_at is None:
        touched["started_at"] = now
    # Progress lists show "last seen" to the minute; writing it on every autosave would add
    # a row update to each keystroke-sized save.
    if link.last_seen_at is None or now - link.last_seen_at > LAST_SEEN_RESOLUTION:
        touched["last_seen_at"] = now
    if touched:
        connection.execute(sa.update(_RESPONDENTS).where(_RESPONDENTS.c.id == link.respondent_id).values(touched))
    progress = progress_from(questionnaire, {q: v for q, v in merged.items() if visible[q]}, visible)
    return Saved(progress, len(values) + len(values_and_comments), touched, visible)


def submit(session: Session, context: RespondentContext, actor: str | None = None) -> Respondent:
    """Hand in the answers: every visible required question must be answered (don't know counts)."""
    _ensure_writable(context)
    values, _ = stored_values(session, context.respondent.id)
    progress = progress_of(context.questionnaire, values)
    if progress.missing_required:
        raise InvalidInput(
            f"{len(progress.missing_required)} required question(s) not answered",
            [{"question": q, "message": "required"} for q in progress.missing_required],
        )
    respondent = context.respondent
    respondent.submitted_at = utc_now()
    respondent.started_at = respondent.started_at or respondent.submitted_at
    audit.record(
        session,
        respondent.workspace_id,
        actor or f"respondent:{respondent.id}",
        "response.submitted",
        "respondent",
        respondent.id,
    )
    webhooks.enqueue(
        session,
        respondent.workspace_id,
        "response.submitted",
        privacy.submitted_payload(context.assessment, respondent),
    )
    return respondent


def push_response(
    session: Session,
    principal: Principal,
    assessment_id: str,
    person: Invitee,
    answers: Mapping[str, Any],
    comments: Mapping[str, str | None],
) -> Respondent:
    """One complete response from another tool: the respondent, the answers and the submit, at once."""
    ((respondent, _token),) = invite(session, principal, assessment_id, [person])
    assessment = assessments.get(session, principal, assessment_id)
    context = RespondentContext(respondent, assessment, assessments.questionnaire_of(assessment))
    save_answers(session, context, answers, comments)
    return submit(session, context, actor=principal.actor)


def counts(session: Session, assessment_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(respondents, submitted) for each assessment, in one query."""
    found: dict[str, tuple[int, int]] = {a: (0, 0) for a in assessment_ids}
    if assessment_ids:
        rows = session.exec(
            select(Respondent.assessment_id, func.count(), func.count(col(Respondent.submitted_at)))
            .where(col(Respondent.assessment_id).in_(assessment_ids))
            .group_by(col(Respondent.assessment_id))
        ).all()
        for assessment_id, invited, submitted in rows:
            found[assessment_id] = (invited, submitted)
    return found


# ---- reading the respondent's form
#
# `GET /respond/{token}` comes before every page a client shows, so it reads only what the form
# shows besides the questions (which come from the snapshot cache), in two Core statements.

RespondentStatus = Literal["open", "not_open", "closed", "submitted"]


def respondent_status(submitted_at: datetime | None, assessment: assessments.Schedule) -> RespondentStatus:
    """Where a respondent stands: handed in, or whether their assessment takes answers now."""
    if submitted_at is not None:
        return "submitted"
    if assessments.accepts_answers(assessment):
        return "open"
    return "closed" if assessment.status is AssessmentStatus.CLOSED else "not_open"


@dataclass(frozen=True, slots=True)
class FormState:
    """Everything a respondent's form depends on: the pinned questionnaire and the link's own state."""

    questionnaire: Questionnaire
    questionnaire_hash: str
    assessment_title: str
    status: RespondentStatus
    role: str
    function: str
    values: dict[str, Any]  # stored answers by question id, in question id order
    comments: dict[str, str]  # the non-empty comments, in question id order


@dataclass(frozen=True, slots=True)
class _Schedule:
    status: AssessmentStatus
    opens_at: datetime | None
    closes_at: datetime | None


_FORM_LINK = (
    sa.select(
        _RESPONDENTS.c.id,
        _RESPONDENTS.c.role,
        _RESPONDENTS.c.function,
        _RESPONDENTS.c.submitted_at,
        _ASSESSMENTS.c.id,
        _ASSESSMENTS.c.title,
        _ASSESSMENTS.c.status,
        _ASSESSMENTS.c.opens_at,
        _ASSESSMENTS.c.closes_at,
        _ASSESSMENTS.c.questionnaire_hash,
    )
    .join_from(_RESPONDENTS, _ASSESSMENTS, _ASSESSMENTS.c.id == _RESPONDENTS.c.assessment_id)
    .where(_RESPONDENTS.c.token_hash == sa.bindparam("b_token_hash"))
)
_FORM_ANSWERS = (
    sa.select(_ANSWERS.c.question_id, _ANSWERS.c.value, _ANSWERS.c.comment)
    .where(_ANSWERS.c.respondent_id == sa.bindparam("b_respondent"))
    .order_by(_ANSWERS.c.question_id)
)


def form_state(connection: Connection, token: str) -> FormState:
    """The state of the form a link token opens (any token that is not valid is not found), read
    in the connection's transaction; the two statements see one snapshot when it is a read transaction."""
    row = connection.execute(_FORM_LINK, {"b_token_hash": digest(token)}).first()
    if row is None:
        raise NotFound("this link is not valid")
    respondent_id, role, function, submitted_at, assessment_id, title, status, opens_at, closes_at, pinned = row
    questionnaire = questionnaires.from_snapshot(
        lambda: connection.execute(_SNAPSHOT, {"b_assessment": assessment_id}).scalar_one(), pinned
    )
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for question_id, value, comment in connection.execute(_FORM_ANSWERS, {"b_respondent": respondent_id}):
        values[question_id] = value
        if comment:
            comments[question_id] = comment
    return FormState(
        questionnaire,
        pinned,
        title,
        respondent_status(submitted_at, _Schedule(status, opens_at, closes_at)),
        role,
        function,
        values,
        comments,
    )
