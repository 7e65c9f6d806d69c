"""The respondent's side, authorized by the secret link token alone: read, save, submit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from app.api import respond_form
from app.api.schemas import AnswersIn, RespondView, SavedAnswers, SubmittedPublic
from app.db.engine import READ_ONLY_OPTION, get_engine
from app.http.checked_input import CheckedRoute
from app.http.idempotency import IdempotencyKey, run_once
from app.http.sessions import SessionDep
from app.observability.metrics import count_answers_saved
from app.services import responses
from app.services.responses import Progress

router = APIRouter(prefix="/respond", tags=["respond"], route_class=CheckedRoute)


def progress_body(progress: Progress) -> dict[str, Any]:
    """`ProgressPublic.of(progress)` as the JSON it turns into, without making the model."""
    return {
        "answered": progress.answered,
        "required": progress.required,
        "required_answered": progress.required_answered,
        "share": progress.share,
    }


@router.get(
    "/{token}",
    response_model=RespondView,
    responses={304: {"description": "Not Modified: the form is still the one the If-None-Match ETag names"}},
)
def get_form(
    token: str,
    if_none_match: Annotated[
        str | None, Header(description="The ETag of a form read earlier: a 304 with no body while it is current")
    ] = None,
) -> Response:
    """The questions this respondent sees (conditions applied), their saved answers and progress.
    The ETag names the form and its answers: send it back in If-None-Match to be told 304 while nothing changed."""
    # A read transaction: on SQLite it takes no lock and never waits for a writer.
    with get_engine().execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        state = responses.form_state(connection, token)
    form = respond_form.form_of(state.questionnaire, state.questionnaire_hash)
    etag = respond_form.etag_of(form, state)
    if respond_form.matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(respond_form.body_of(form, state), media_type="application/json", headers={"ETag": etag})


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
    link, questionnaire = responses.link_by_token(connection, token, for_update=True, with_answers=True)

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
    context = responses.by_token(session.connection(), token, for_update=True)
    return SubmittedPublic(submitted_at=responses.submit(session, context).submitted_at)
