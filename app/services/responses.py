"""Respondents and their answers: invitations, the respondent's own view, saving, submitting.

A respondent is reached by a secret link; only the token's digest is stored, so the link
is shown once, when it is made. Every save is validated by the scoring core's rule book
and written in one transaction: a request either saves all its answers or none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, delete, func, select, update

from app.db.tables import Answer, Assessment, AssessmentStatus, Respondent, utc_now
from app.observability.metrics import count_answers_saved
from app.questionnaire.models import Questionnaire
from app.scoring.answers import AnswerError, validate_answer, visibility
from app.security import digest, new_link_token
from app.services import assessments, audit, webhooks
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput, NotFound, TooLarge

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
        session.add(respondent)
        created.append((respondent, token))
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


def list_page(
    session: Session, principal: Principal, assessment_id: str, limit: int, offset: int
) -> tuple[list[tuple[Respondent, Progress]], int]:
    assessment = assessments.get(session, principal, assessment_id)
    questionnaire = assessments.questionnaire_of(assessment)
    where = Respondent.assessment_id == assessment.id
    total = len(session.exec(select(Respondent.id).where(where)).all())
    rows = session.exec(
        select(Respondent)
        .where(where)
        .order_by(col(Respondent.created_at), col(Respondent.id))
        .limit(limit)
        .offset(offset)
    ).all()
    stored = answers_of(session, [r.id for r in rows])
    return [(r, progress_of(questionnaire, {q: a.value for q, a in stored[r.id].items()})) for r in rows], total


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
    if context.respondent.submitted_at is not None:
        raise Conflict("these answers were already submitted")
    if not assessments.accepts_answers(context.assessment):
        raise Conflict("this assessment is not accepting answers")


def save_answers(
    session: Session,
    context: RespondentContext,
    answers: Mapping[str, Any],
    comments: Mapping[str, str | None],
) -> Progress:
    """Save some or all answers (a None value clears one). Every answer of the request is checked
    first: one refused answer and nothing of the request is saved. Answers that an earlier
    change now hides are removed, so stored answers always match what the respondent saw."""
    _ensure_writable(context)
    questionnaire = context.questionnaire
    by_id = {q.id: q for q in questionnaire.questions}
    # Plain rows, not ORM objects: a save reads every stored answer, and most are left as they are.
    stored = {
        question_id: (answer_id, value)
        for answer_id, question_id, value in session.exec(
            select(Answer.id, Answer.question_id, Answer.value).where(Answer.respondent_id == context.respondent.id)
        ).all()
    }
    merged: dict[str, Any] = {q: value for q, (_, value) in stored.items()}
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
        elif question_id not in merged and comment:
            problems.append({"question": question_id, "message": "a comment needs an answer to go with it"})
    visible = visibility(questionnaire, merged)
    for question_id in answers:
        if question_id in by_id and answers[question_id] is not None and not visible[question_id]:
            problems.append({"question": question_id, "message": "this question is hidden by an earlier answer"})
    if problems:
        names = ", ".join(sorted({p["question"] for p in problems}))
        raise InvalidInput(f"answers refused for {names}; nothing was saved", problems)

    now = utc_now()
    gone = [answer_id for q, (answer_id, _) in stored.items() if q not in merged or not visible[q]]
    if gone:
        session.exec(delete(Answer).where(col(Answer.id).in_(gone)))
    written = 0
    for question_id in set(answers) | set(comments):
        if question_id not in merged or not visible[question_id]:
            continue
        changes: dict[str, Any] = {}
        if question_id in answers:
            changes.update(value=merged[question_id], updated_at=now)
            written += 1
        if question_id in comments:
            changes["comment"] = comments[question_id] or None
        if question_id in stored:
            session.exec(update(Answer).where(col(Answer.id) == stored[question_id][0]).values(**changes))
        else:
            session.add(Answer(respondent_id=context.respondent.id, question_id=question_id, **changes))
    respondent = context.respondent
    if respondent.started_at is None:
        respondent.started_at = now
    # Progress lists show "last seen" to the minute; writing it on every autosave would add
    # a row update to each keystroke-sized save.
    if respondent.last_seen_at is None or now - respondent.last_seen_at > LAST_SEEN_RESOLUTION:
        respondent.last_seen_at = now
    session.flush()
    count_answers_saved(session, written)
    return progress_from(questionnaire, {q: v for q, v in merged.items() if visible[q]}, visible)


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
        {
            "assessment_id": respondent.assessment_id,
            "respondent_id": respondent.id,
            "role": respondent.role,
            "function": respondent.function,
            "submitted_at": respondent.submitted_at,
        },
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
