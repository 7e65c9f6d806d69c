"""Respondents and their answers: invitations, the respondent's own view, saving, submitting.

A respondent is reached by a secret link; only the token's digest is stored, so the link
is shown once, when it is made. Every save is validated by the scoring core's rule book
and written in one transaction: a request either saves all its answers or none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, RowMapping, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, col, func, select

from app.db.paging import paginate
from app.db.tables import Anonymity, Answer, Assessment, AssessmentStatus, Respondent, new_id, utc_now
from app.questionnaire.models import Questionnaire
from app.scoring.answers import AnswerError, validate_answer, visibility
from app.security import digest, new_link_token
from app.services import assessments, audit, privacy, questionnaires, webhooks
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput, NotFound, TooLarge
from app.settings import get_settings
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
    assessment = assessments.open_for_invites(session, principal, assessment_id)
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


# ---- the respondent a link reaches
#
# One model of a respondent reached by their link, `Link`, read in one Core statement by every
# use of a link: the API's form, its saves and submit, and every respondent page. The save is the
# request respondents make most (an autosave per answer), so the statements are built once per
# database kind (SQLAlchemy caches their compiled SQL), read a few named columns instead of ORM
# objects, get stored answers as one JSON object made by the database, and write the answers a
# request sends in one upsert.

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
# The stored answers and comments of one respondent, in question id order (the pages and the API's form).
_STORED = (
    sa.select(_ANSWERS.c.question_id, _ANSWERS.c.value, _ANSWERS.c.comment)
    .where(_ANSWERS.c.respondent_id == sa.bindparam("b_respondent"))
    .order_by(_ANSWERS.c.question_id)
)
_SUBMIT = (
    sa.update(_RESPONDENTS)
    .where(_RESPONDENTS.c.id == sa.bindparam("b_respondent"))
    .values(
        submitted_at=sa.bindparam("b_now"),
        started_at=sa.func.coalesce(_RESPONDENTS.c.started_at, sa.bindparam("b_now")),
    )
)

# The columns of a `Link`, each labelled with the field it fills (read by name, never by position).
_LINK_COLUMNS: list[Any] = [
    _RESPONDENTS.c.id.label("respondent_id"),
    _RESPONDENTS.c.workspace_id,
    _RESPONDENTS.c.assessment_id,
    _RESPONDENTS.c.role,
    _RESPONDENTS.c.function,
    _RESPONDENTS.c.started_at,
    _RESPONDENTS.c.submitted_at,
    _RESPONDENTS.c.last_seen_at,
    _ASSESSMENTS.c.title,
    _ASSESSMENTS.c.status,
    _ASSESSMENTS.c.opens_at,
    _ASSESSMENTS.c.closes_at,
    _ASSESSMENTS.c.anonymity,
    _ASSESSMENTS.c.min_group_size,
    _ASSESSMENTS.c.show_personal_result,
    _ASSESSMENTS.c.target_level,
    _ASSESSMENTS.c.questionnaire_hash,
]


@dataclass(frozen=True, slots=True)
class Link:
    """A respondent a link token reaches, with what any use of the link reads of their assessment.

    Immutable: a save or a submit writes the database, and whoever needs the new state reads it again."""

    respondent_id: str
    workspace_id: str
    assessment_id: str
    role: str
    function: str
    started_at: datetime | None
    submitted_at: datetime | None
    last_seen_at: datetime | None
    title: str
    status: AssessmentStatus
    opens_at: datetime | None
    closes_at: datetime | None
    anonymity: Anonymity
    min_group_size: int
    show_personal_result: bool
    target_level: int
    questionnaire_hash: str
    # The stored answers, when the lookup read them too (a save on SQLite); else the save reads them.
    stored: dict[str, Any] | None = None


@dataclass(frozen=True)
class RespondentContext:
    """A link and the questionnaire its respondent answers (pinned by the assessment's snapshot)."""

    link: Link
    questionnaire: Questionnaire


@dataclass(frozen=True)
class _Statements:
    """The statements reading a link and saving its answers on one kind of database."""

    link: Executable  # the `Link` columns, by token digest
    link_for_update: Executable
    # `link_for_update` with the stored answers as the column "stored" (SQLite; see below), else None
    link_with_answers: Executable | None
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

    def link_of(columns: list[Any]) -> Any:
        return (
            sa.select(*columns)
            .join_from(_RESPONDENTS, _ASSESSMENTS, _ASSESSMENTS.c.id == _RESPONDENTS.c.assessment_id)
            .where(_RESPONDENTS.c.token_hash == sa.bindparam("b_token_hash"))
        )

    link = link_of(_LINK_COLUMNS)
    # SQLite: a save gets the stored answers with the link, in the same statement. That is safe there
    # because a writing transaction holds the database's write lock from its first statement
    # (BEGIN IMMEDIATE, see app.db.engine), so nothing changes them before the save writes.
    # PostgreSQL reads them in a statement of its own after the respondent's row is locked: a
    # statement that waited for the lock would otherwise return answers as they were before.
    link_with_answers = None
    if dialect == "sqlite":
        stored_of_row = sa.select(answers_object).where(_ANSWERS.c.respondent_id == _RESPONDENTS.c.id)
        link_with_answers = link_of(
            [*_LINK_COLUMNS, sa.type_coerce(stored_of_row.scalar_subquery(), sa.JSON).label("stored")]
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
        link_with_answers=link_with_answers,
        stored=sa.select(sa.type_coerce(answers_object, sa.JSON)).where(
            _ANSWERS.c.respondent_id == sa.bindparam("b_respondent")
        ),
        upsert=upsert(with_comment=False),
        upsert_with_comment=upsert(with_comment=True),
    )
    _STATEMENTS[dialect] = found
    return found


def _link_of(row: RowMapping) -> Link:
    """A `Link` from a row of the link statements, field by column name."""
    fields = dict(row)
    stored = fields.pop("stored", None)
    return Link(**fields, stored=(stored or {}) if "stored" in row else None)


def _unknown_link() -> NotFound:
    # One answer for every token that reaches no one: forged, mistyped or never made look the same.
    return NotFound("this link is not valid")


def link_by_token(
    connection: Connection, token: str, *, for_update: bool = False, with_answers: bool = False
) -> tuple[Link, Questionnaire]:
    """The respondent a link token belongs to (any token that is not valid is not found), in one Core
    query, with the questionnaire from the snapshot cache (the snapshot is read only on a miss).
    `for_update` locks the respondent's row until the transaction ends (PostgreSQL). `with_answers`:
    for a save that follows, also the stored answers where that is safe in the same statement (SQLite)."""
    statements = _statements(connection.dialect.name)
    statement = statements.link_for_update if for_update else statements.link
    if with_answers and statements.link_with_answers is not None:
        statement = statements.link_with_answers
    row = connection.execute(statement, {"b_token_hash": digest(token)}).mappings().first()
    if row is None:
        raise _unknown_link()
    link = _link_of(row)
    questionnaire = questionnaires.from_snapshot(
        lambda: connection.execute(_SNAPSHOT, {"b_assessment": link.assessment_id}).scalar_one(),
        link.questionnaire_hash,
    )
    return link, questionnaire


def by_token(connection: Connection, token: str, *, for_update: bool = False) -> RespondentContext:
    """`link_by_token` as one value: what the respondent pages and submit work with."""
    return RespondentContext(*link_by_token(connection, token, for_update=for_update))


def stored_values(connection: Connection, respondent_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A respondent's stored answers (question id -> value) and non-empty comments, in question id order."""
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for question_id, value, comment in connection.execute(_STORED, {"b_respondent": respondent_id}):
        values[question_id] = value
        if comment:
            comments[question_id] = comment
    return values, comments


# ---- where a respondent stands: the guards of every front door

RespondentStatus = Literal["open", "not_open", "closed", "submitted"]
ALREADY_SUBMITTED = "these answers were already submitted"
NOT_ACCEPTING = "this assessment is not accepting answers"


def respondent_status(
    submitted_at: datetime | None, assessment: assessments.Schedule, now: datetime | None = None
) -> RespondentStatus:
    """Where a respondent stands: handed in; or their assessment takes answers now, has not opened
    (a draft, or before its first day) or is closed (closed, or past its last day)."""
    if submitted_at is not None:
        return "submitted"
    moment = now or utc_now()
    if assessments.accepts_answers(assessment, moment):
        return "open"
    if assessment.status is AssessmentStatus.CLOSED:
        return "closed"
    not_yet = assessment.opens_at is not None and moment < assessment.opens_at
    if assessment.status is AssessmentStatus.DRAFT or not_yet:
        return "not_open"
    return "closed"


def ensure_writable(link: Link) -> None:
    """Refuse (409) a save or a submit by a respondent who handed in, or whose assessment takes no answers."""
    status = respondent_status(link.submitted_at, link)
    if status == "submitted":
        raise Conflict(ALREADY_SUBMITTED)
    if status != "open":
        raise Conflict(NOT_ACCEPTING)


def page_link(token: str) -> str:
    """The respondent's page a link token opens, as sent to them."""
    return f"{get_settings().base_url.rstrip('/')}/r/{token}"


def api_link(token: str) -> str:
    """The same link on the API."""
    return f"{get_settings().base_url.rstrip('/')}/api/v1/respond/{token}"


def progress_status(respondent: Respondent) -> Literal["invited", "in_progress", "submitted"]:
    """Where an invited respondent is, as the respondents listings show it."""
    if respondent.submitted_at is not None:
        return "submitted"
    return "in_progress" if respondent.started_at is not None else "invited"


# ---- saving answers

# Told of every answer value a save writes: (the session whose commit stores them, or None when they
# are committed already; how many). The composition root installs the metrics' counter here, so the
# use cases do not depend on the observability layer.
AnswersSavedHook = Callable[[Session | None, int], None]
_answers_saved: AnswersSavedHook | None = None


def on_answers_saved(hook: AnswersSavedHook | None) -> None:
    """Install (or, with None, remove) the hook told of answers saved."""
    global _answers_saved
    _answers_saved = hook


def _saved(session: Session | None, count: int) -> None:
    if _answers_saved is not None and count > 0:
        _answers_saved(session, count)


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


def save_by_token(engine: Engine, token: str, answers: Mapping[str, Any], comments: Mapping[str, str | None]) -> Saved:
    """Save answers through a link token in a transaction of its own on `engine` (committed on return)."""
    with engine.begin() as connection:
        link, questionnaire = link_by_token(connection, token, for_update=True, with_answers=True)
        saved = save_to_link(connection, link, questionnaire, answers, comments)
    _saved(None, saved.written)  # committed
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
    """`save_to_link` in the session's transaction (the web form, pushed responses, the demo).
    `stored`: the stored answers (question -> value) when the caller read them in this transaction
    after `by_token(..., for_update=True)`, so the save does not read them again. The link is not
    changed: read it again for its new state."""
    session.flush()  # the statements below go straight to the connection: pending objects first
    link = context.link if stored is None else replace(context.link, stored=stored)
    saved = save_to_link(session.connection(), link, context.questionnaire, answers, comments, hidden=hidden)
    _saved(session, saved.written)
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
    ensure_writable(link)
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


@dataclass(frozen=True, slots=True)
class Submitted:
    respondent_id: str
    submitted_at: datetime


def submit(session: Session, context: RespondentContext, actor: str | None = None) -> Submitted:
    """Hand in the answers: every visible required question must be answered (don't know counts)."""
    link = context.link
    ensure_writable(link)
    connection = session.connection()
    values, _ = stored_values(connection, link.respondent_id)
    progress = progress_of(context.questionnaire, values)
    if progress.missing_required:
        raise InvalidInput(
            f"{len(progress.missing_required)} required question(s) not answered",
            [{"question": q, "message": "required"} for q in progress.missing_required],
        )
    now = utc_now()
    connection.execute(_SUBMIT, {"b_respondent": link.respondent_id, "b_now": now})
    audit.record(
        session,
        link.workspace_id,
        actor or f"respondent:{link.respondent_id}",
        "response.submitted",
        "respondent",
        link.respondent_id,
    )
    webhooks.enqueue(session, link.workspace_id, "response.submitted", privacy.submitted_payload(link, now))
    return Submitted(link.respondent_id, now)


def push_response(
    session: Session,
    principal: Principal,
    assessment_id: str,
    person: Invitee,
    answers: Mapping[str, Any],
    comments: Mapping[str, str | None],
) -> Submitted:
    """One complete response from another tool: the respondent, the answers and the submit, at once."""
    ((_respondent, token),) = invite(session, principal, assessment_id, [person])
    context = by_token(session.connection(), token, for_update=True)
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
# `GET /respond/{token}` comes before every page a client shows, so it reads only the link and
# the stored answers (the questions come from the snapshot cache), in two Core statements.


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


def form_state(connection: Connection, token: str) -> FormState:
    """The state of the form a link token opens (any token that is not valid is not found), read
    in the connection's transaction; the two statements see one snapshot when it is a read transaction."""
    link, questionnaire = link_by_token(connection, token)
    values, comments = stored_values(connection, link.respondent_id)
    return FormState(
        questionnaire,
        link.questionnaire_hash,
        link.title,
        respondent_status(link.submitted_at, link),
        link.role,
        link.function,
        values,
        comments,
    )
