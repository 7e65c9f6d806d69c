"""The respondent's side, authorized by the secret link token alone: read, save, submit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.schemas import (
    AnswersIn,
    ProgressPublic,
    RespondQuestion,
    RespondSection,
    RespondView,
    SavedAnswers,
    SubmittedPublic,
)
from app.db.engine import get_engine
from app.db.session import read_session
from app.db.tables import AssessmentStatus
from app.http.checked_input import CheckedRoute
from app.http.idempotency import IdempotencyKey, run_once
from app.http.sessions import SessionDep
from app.observability.metrics import count_answers_saved
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import visibility
from app.services import assessments, responses
from app.services.responses import Progress, RespondentContext

router = APIRouter(prefix="/respond", tags=["respond"], route_class=CheckedRoute)


def _status(context: RespondentContext) -> str:
    if context.respondent.submitted_at is not None:
        return "submitted"
    if assessments.accepts_answers(context.assessment):
        return "open"
    return "closed" if context.assessment.status is AssessmentStatus.CLOSED else "not_open"


def respond_view(context: RespondentContext, values: dict[str, Any], comments: dict[str, str]) -> RespondView:
    questionnaire = context.questionnaire
    visible = visibility(questionnaire, values)
    sections: list[RespondSection] = []
    for dimension in questionnaire.dimensions:
        shown = [q for q in questionnaire.questions if q.dimension == dimension.id and visible[q.id]]
        if shown:
            sections.append(
                RespondSection(id=dimension.id, title=dimension.title, description=dimension.description, questions=[])
            )
            sections[-1].questions.extend(_question(q, questionnaire) for q in shown)
    unplaced = [q for q in questionnaire.questions if q.dimension is None and visible[q.id]]
    if unplaced:
        sections.append(
            RespondSection(
                id=None,
                title="Results your organization tracks",
                description="Figures about customers and employees; they are reported beside the maturity score.",
                questions=[_question(q, questionnaire) for q in unplaced],
            )
        )
    progress = responses.progress_of(questionnaire, {q: v for q, v in values.items() if visible.get(q)})
    return RespondView(
        assessment_title=context.assessment.title,
        questionnaire={"id": questionnaire.id, "version": questionnaire.version, "title": questionnaire.title},
        status=_status(context),
        role=context.respondent.role,
        function=context.respondent.function,
        sections=sections,
        answers={q: v for q, v in values.items() if visible.get(q)},
        comments=comments,
        progress=ProgressPublic.of(progress),
        missing_required=progress.missing_required,
    )


def _question(question: Any, questionnaire: Any) -> RespondQuestion:
    return RespondQuestion(
        id=question.id,
        dimension=question.dimension,
        type=question.type.value,
        text=question.text,
        help=question.help,
        required=question.required,
        comment_prompt=question.comment,
        answers=accepted_answers(question, questionnaire),
    )


def progress_body(progress: Progress) -> dict[str, Any]:
    """`ProgressPublic.of(progress)` as the JSON it turns into, without making the model."""
    return {
        "answered": progress.answered,
        "required": progress.required,
        "required_answered": progress.required_answered,
        "share": progress.share,
    }


@router.get("/{token}", response_model=RespondView)
def get_form(token: str) -> RespondView:
    """The questions this respondent sees (conditions applied), their saved answers and progress."""
    with read_session() as reading:
        context = responses.by_token(reading, token)
        values, comments = responses.stored_values(reading, context.respondent.id)
        return respond_view(context, values, comments)


@router.put("/{token}/answers", response_model=SavedAnswers)
def save_answers(
    token: str, body: AnswersIn, request: Request, session: SessionDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Save some or all answers; partial is fine, null clears one. One refused answer and nothing is saved."""
    # The most frequent request there is (an autosave per answer): one Core transaction on a pooled
    # connection, no ORM session, and the SavedAnswers shape built as plain JSON.
    if key is None:
        saved = responses.save_by_token(get_engine(), token, body.answers, body.comments)
        return JSONResponse(_saved_body(body, saved))
    # With a key: the request's unit of work (the session dependency commits it), which the stored
    # outcome shares. A session opens no connection until used, so the autosave above pays nothing for it.
    connection = session.connection()
    link, questionnaire = responses.link_by_token(connection, token, for_update=True)

    def work() -> tuple[int, dict[str, Any]]:
        saved = responses.save_to_link(connection, link, questionnaire, body.answers, body.comments)
        count_answers_saved(session, saved.written)
        return 200, _saved_body(body, saved)

    scope = f"respondent:{link.respondent_id}"
    return run_once(session, request, scope, key, body.model_dump(), work, encoded=True)


def _saved_body(body: AnswersIn, saved: responses.Saved) -> dict[str, Any]:
    """The SavedAnswers response as the JSON it serializes to."""
    return {
        "saved": len(body.answers),
        "progress": progress_body(saved.progress),
        "missing_required": saved.progress.missing_required,
    }


@router.post("/{token}/submit", response_model=SubmittedPublic)
def submit(token: str, session: SessionDep) -> SubmittedPublic:
    """Hand in the answers; every visible required question must be answered. Twice is a 409."""
    context = responses.by_token(session, token, for_update=True)
    respondent = responses.submit(session, context)
    assert respondent.submitted_at is not None
    return SubmittedPublic(submitted_at=respondent.submitted_at)
