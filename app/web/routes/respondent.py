"""The respondent's pages, from the invitation link: welcome, one page per dimension, review, submit, thanks.

Everything works with plain form posts; `static/js/autosave.js` adds saving on every change
through the JSON API. Answers go through `responses.save_answers`, the same rule book as the
API, and a page post saves all its answers or none of them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.db.tables import Anonymity
from app.http.checked_input import CheckedRoute
from app.http.sessions import ReadSessionDep, SessionDep
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire, QuestionType
from app.questionnaire.normalized import TEXT_MAX_LENGTH, accepted_answers
from app.scoring.answers import Respondent as ScoredRespondent
from app.scoring.answers import visibility
from app.scoring.engine import score_assessment
from app.services import responses
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.responses import COMMENT_MAX, RespondentContext
from app.text import whole_number
from app.web.deps import CsrfFailed
from app.web.security import respondent_csrf_token, tokens_match
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

OUTCOMES_TITLE = "Results your organization tracks"
OUTCOMES_DESCRIPTION = (
    "A few figures about customers and employees, as your organization reports them. "
    "They are shown next to the result and do not change the score. Leave out any you do not know."
)
SPECIAL_LABELS = {DONT_KNOW: "Don't know", NOT_APPLICABLE: "Not applicable"}
# Form value of "none of these" on a checklist: an answered checklist with nothing ticked.
NONE_TICKED = "none"


# ---- pages of the questionnaire


@dataclass(frozen=True)
class Page:
    number: int
    dimension: str | None
    title: str
    description: str | None
    questions: list[Question]


def pages_of(questionnaire: Questionnaire) -> list[Page]:
    """One page per dimension, then the questions without one. Every question is on one page
    whatever the answers, so page numbers stay put while conditions show and hide questions."""
    pages: list[Page] = []
    for dimension in questionnaire.dimensions:
        questions = [q for q in questionnaire.questions if q.dimension == dimension.id]
        if questions:
            pages.append(Page(len(pages) + 1, dimension.id, dimension.title, dimension.description, questions))
    unplaced = [q for q in questionnaire.questions if q.dimension is None]
    if unplaced:
        pages.append(Page(len(pages) + 1, None, OUTCOMES_TITLE, OUTCOMES_DESCRIPTION, unplaced))
    return pages


def _page(pages: list[Page], number: int) -> Page:
    if not 1 <= number <= len(pages):
        raise NotFound("there is no such page")
    return pages[number - 1]


def _resume_page(pages: list[Page], missing: list[str]) -> int | None:
    """The first page with a required question still open; None when everything required is answered."""
    for page in pages:
        if any(q.id in missing for q in page.questions):
            return page.number
    return None


# ---- one question: what the form holds, what it means, how it is shown


@dataclass
class Entered:
    """What the form holds for one question, as text: from a post, or from the stored answer."""

    value: str = ""  # a radio's value, or what was typed
    items: list[str] = field(default_factory=list)  # ticked checklist items
    none: bool = False  # checklist: "none of these"
    special: str = ""  # don't know / not applicable, for questions whose answer is not a radio
    comment: str = ""
    kept_ratings: int = 0  # an outcome answered with raw ratings through the API


def _kind(question: Question, questionnaire: Questionnaire) -> str:
    spec = accepted_answers(question, questionnaire)
    kind = str(spec["kind"])
    if kind == "outcome":
        return "ratings" if spec["accepts"] == "ratings" else "figure"
    return kind


def _uses_radios(kind: str) -> bool:
    return kind in ("level", "choice")


def _specials(question: Question) -> list[str]:
    # An optional text box is simply left empty; "don't know" there would only be noise.
    if question.type is QuestionType.TEXT and not question.required:
        return []
    offered = ((DONT_KNOW, question.allow_dont_know), (NOT_APPLICABLE, question.allow_not_applicable))
    return [special for special, ok in offered if ok]


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def entered_from_stored(question: Question, kind: str, value: Any, comment: str | None) -> Entered:
    entered = Entered(comment=comment or "")
    if value is None:
        return entered
    if value in (DONT_KNOW, NOT_APPLICABLE):
        if _uses_radios(kind):
            entered.value = str(value)
        else:
            entered.special = str(value)
    elif kind == "checklist":
        entered.items = [str(v) for v in value]
        entered.none = not value
    elif isinstance(value, list):
        if kind == "ratings":
            entered.value = ", ".join(str(v) for v in value)
        else:
            entered.kept_ratings = len(value)
    elif kind in ("figure", "number"):
        entered.value = _number_text(value)
    else:
        entered.value = str(value)
    return entered


def entered_from_form(question: Question, kind: str, form: FormData) -> Entered:
    def text(name: str) -> str:
        found = form.get(name)
        return found if isinstance(found, str) else ""

    return Entered(
        value=text(f"answer-{question.id}"),
        items=[v for v in form.getlist(f"answer-{question.id}") if isinstance(v, str)] if kind == "checklist" else [],
        none=text(f"none-{question.id}") == NONE_TICKED,
        special=text(f"special-{question.id}"),
        comment=text(f"comment-{question.id}"),
    )


class _Keep:
    """The stored answer stays as it is (an outcome given as raw ratings, not shown in the form)."""


KEEP = _Keep()


def parse_entered(question: Question, questionnaire: Questionnaire, kind: str, entered: Entered) -> Any:
    """The answer the form means (None: no answer), or raise ValueError with a message for the person.
    Range and option checks are left to the service, so the web and the API refuse the same things."""
    if entered.special and not _uses_radios(kind):
        return entered.special
    if kind == "level":
        level = whole_number(entered.value)
        return level if level is not None else (entered.value or None)
    if kind == "choice":
        if not entered.value:
            return None
        by_text = {str(o["value"]): o["value"] for o in accepted_answers(question, questionnaire)["values"]}
        return by_text.get(entered.value, entered.value)
    if kind == "checklist":
        if entered.items:
            return entered.items
        return [] if entered.none else None
    typed = entered.value.strip()
    if kind == "text":
        return entered.value if typed else None
    if not typed:
        return KEEP if entered.kept_ratings else None
    if kind == "ratings":
        ratings = [whole_number(part) for part in typed.replace(";", ",").split(",") if part.strip()]
        if None in ratings:
            raise ValueError("Please enter whole numbers separated by commas, for example 9, 10, 7.")
        return ratings
    try:
        number = float(typed.replace(" ", ""))
    except ValueError:
        raise ValueError("Please enter a number, for example 12 or 3.5.") from None
    if not math.isfinite(number):
        raise ValueError("Please enter a number, for example 12 or 3.5.")
    return int(number) if number.is_integer() and "." not in typed else number


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox."""

    id: str
    value: str
    json: str  # the value as the API takes it, for the autosave script
    label: str
    description: str | None
    checked: bool
    special: bool = False


@dataclass
class QuestionView:
    id: str
    kind: str
    text: str
    help: str | None
    required: bool
    choices: list[Choice]
    specials: list[Choice]  # a separate radio group, for answers that are not radios
    none_checked: bool
    typed: str
    input_label: str
    unit: str | None
    min: float | None
    max: float | None
    max_length: int
    comment_prompt: str | None
    comment: str
    comment_max: int
    error: str | None
    note: str | None


def _input_label(kind: str, spec: dict[str, Any]) -> tuple[str, str | None, float | None, float | None]:
    """The label, unit and bounds of a typed answer."""
    if kind == "figure":
        low, high = spec.get("reported_min"), spec.get("reported_max")
        unit = spec.get("unit")
        span = f", from {_number_text(low)} to {_number_text(high)}" if low is not None and high is not None else ""
        return f"The reported figure{span}", unit, low, high
    if kind == "number":
        return "Your answer", spec.get("unit"), spec.get("min"), spec.get("max")
    if kind == "ratings":
        low, high = spec["rating_min"], spec["rating_max"]
        return f"Customer ratings from {low} to {high}, separated by commas", None, None, None
    return "Your answer", None, None, None


def question_view(
    question: Question, questionnaire: Questionnaire, entered: Entered, error: str | None
) -> QuestionView:
    kind = _kind(question, questionnaire)
    spec = accepted_answers(question, questionnaire)
    qid = question.id
    choices: list[Choice] = []
    specials: list[Choice] = []
    if _uses_radios(kind):
        for i, option in enumerate(spec["values"]):
            label = str(option["label"])
            choices.append(
                Choice(
                    id=f"answer-{qid}-{i}",
                    value=str(option["value"]),
                    json=json.dumps(option["value"]),
                    label=label,
                    description=option.get("description"),
                    checked=entered.value == str(option["value"]),
                )
            )
        for special in _specials(question):
            choices.append(
                Choice(
                    id=f"answer-{qid}-{special}",
                    value=special,
                    json=json.dumps(special),
                    label=SPECIAL_LABELS[special],
                    description=None,
                    checked=entered.value == special,
                    special=True,
                )
            )
    else:
        if kind == "checklist":
            for i, item in enumerate(spec["values"]):
                choices.append(
                    Choice(
                        id=f"answer-{qid}-{i}",
                        value=str(item["value"]),
                        json=json.dumps(item["value"]),
                        label=str(item["label"]),
                        description=None,
                        checked=str(item["value"]) in entered.items,
                    )
                )
        offered = _specials(question)
        if offered:
            specials.append(
                Choice(f"special-{qid}-answer", "", '""', "My answer is above", None, entered.special not in offered)
            )
            for special in offered:
                specials.append(
                    Choice(
                        f"special-{qid}-{special}",
                        special,
                        json.dumps(special),
                        SPECIAL_LABELS[special],
                        None,
                        entered.special == special,
                        special=True,
                    )
                )
    label, unit, low, high = _input_label(kind, spec)
    note = None
    if entered.kept_ratings:
        note = f"Already answered with {entered.kept_ratings} customer ratings. Leave the box empty to keep them."
    return QuestionView(
        id=qid,
        kind=kind,
        text=question.text,
        help=question.help,
        required=question.required,
        choices=choices,
        specials=specials,
        none_checked=entered.none,
        typed=entered.value if not _uses_radios(kind) else "",
        input_label=label,
        unit=unit,
        min=low,
        max=high,
        max_length=TEXT_MAX_LENGTH,
        comment_prompt=question.comment,
        comment=entered.comment,
        comment_max=COMMENT_MAX,
        error=error,
        note=note,
    )


def _sentence(message: str) -> str:
    """A service message ("150 is above the maximum 100") as a sentence for the page."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


# ---- loading the link and checking the form


async def posted_form(request: Request) -> FormData:
    """The posted form, read before the (sync) page handler runs in the thread pool."""
    return await request.form(max_files=0, max_fields=3000)


FormDep = Annotated[FormData, Depends(posted_form)]
Flag = Annotated[int, Query(ge=0, le=1)]  # ?saved=1, ?more=1: the notes the page shows after a redirect


def _check_csrf(token: str, form: FormData) -> None:
    given = form.get("csrf_token")
    if not tokens_match(respondent_csrf_token(token), given if isinstance(given, str) else None):
        raise CsrfFailed()


def _load(request: Request, session: Session, token: str, *, for_update: bool = False) -> RespondentContext | Response:
    try:
        return responses.by_token(session.connection(), token, for_update=for_update)
    except NotFound:
        # One page for every link that does not work: forged, mistyped or never made look the same.
        return render(request, "web/respondent/unknown.html", status_code=404)


def _closed_page(request: Request, context: RespondentContext) -> HTMLResponse:
    link = context.link
    opens_at = link.opens_at
    # Where the assessment stands whether or not this respondent handed in: not open yet, or closed.
    if responses.respondent_status(None, link) == "not_open":
        when = f" It opens on {opens_at.strftime('%d %B %Y at %H:%M UTC')}." if opens_at else ""
        heading = "This assessment has not opened yet"
        message = f"You cannot answer just yet.{when} Your link stays the same: please come back to it then."
    else:
        heading = "This assessment is closed"
        message = (
            "Answers can no longer be given or changed. Thank you for your interest; if you think "
            "this is a mistake, please contact the person who sent you the link."
        )
    return render(
        request, "web/respondent/closed.html", status_code=409, title=link.title, heading=heading, message=message
    )


def _gate(request: Request, context: RespondentContext, token: str) -> Response | None:
    """Where a respondent who may no longer answer goes: their thank-you page, or a closed page."""
    status = responses.respondent_status(context.link.submitted_at, context.link)
    if status == "submitted":
        return RedirectResponse(f"/r/{token}/thanks", status_code=303)
    if status != "open":
        return _closed_page(request, context)
    return None


def _load_for_answers(request: Request, session: Session, token: str, form: FormData) -> RespondentContext | Response:
    """What every post of answers starts with: the link locked for update, the CSRF token checked,
    and a respondent who may no longer answer sent where `_gate` says."""
    loaded = _load(request, session, token, for_update=True)
    if isinstance(loaded, Response):
        return loaded
    _check_csrf(token, form)
    return _gate(request, loaded, token) or loaded


def _chrome(token: str, context: RespondentContext) -> dict[str, Any]:
    """What every respondent page shows around its content."""
    return {
        "token": token,
        "csrf_token": respondent_csrf_token(token),
        "assessment_title": context.link.title,
    }


# ---- the pages


@router.get("/r/{token}")
def welcome(request: Request, token: str, session: ReadSessionDep, saved: Flag = 0) -> Response:
    loaded = _load(request, session, token)
    if isinstance(loaded, Response):
        return loaded
    context = loaded
    link, questionnaire = context.link, context.questionnaire
    status = responses.respondent_status(link.submitted_at, link)
    submitted = status == "submitted"
    if status not in ("submitted", "open"):
        return _closed_page(request, context)
    values, _ = responses.stored_values(session.connection(), link.respondent_id)
    pages = pages_of(questionnaire)
    progress = responses.progress_of(questionnaire, values)
    resume = _resume_page(pages, progress.missing_required)
    continue_href = f"/r/{token}/page/{resume}" if resume is not None else f"/r/{token}/review"
    roles = {r.id: r.label for r in questionnaire.roles}
    functions = {f.id: f.label for f in questionnaire.functions}
    return render(
        request,
        "web/respondent/welcome.html",
        **_chrome(token, context),
        purpose=questionnaire.description,
        minutes=questionnaire.estimated_minutes,
        page_count=len(pages),
        anonymous=link.anonymity is Anonymity.ANONYMOUS,
        min_group_size=link.min_group_size,
        role=roles.get(link.role, link.role),
        function=functions.get(link.function, link.function),
        closes=link.closes_at.strftime("%d %B %Y") if link.closes_at else None,
        started=bool(values),
        submitted=submitted,
        saved_note=bool(saved) and not submitted,
        start_href=continue_href if values else f"/r/{token}/page/1",
        progress=progress,
    )


def _page_response(
    request: Request,
    token: str,
    context: RespondentContext,
    page: Page,
    page_count: int,
    values: dict[str, Any],
    comments: dict[str, str],
    *,
    entered: dict[str, Entered] | None = None,
    errors: dict[str, str] | None = None,
    general_errors: list[str] | None = None,
    grew: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    questionnaire = context.questionnaire
    visible = visibility(questionnaire, values)  # once: the questions shown and the progress
    entered = entered or {}
    errors = errors or {}
    shown = []
    for question in page.questions:
        if not visible[question.id] and question.id not in entered:
            continue
        kind = _kind(question, questionnaire)
        state = entered.get(question.id) or entered_from_stored(
            question, kind, values.get(question.id), comments.get(question.id)
        )
        shown.append(question_view(question, questionnaire, state, errors.get(question.id)))
    progress = responses.progress_from(questionnaire, values, visible)
    return render(
        request,
        "web/respondent/page.html",
        status_code=status_code,
        **_chrome(token, context),
        page={"number": page.number, "count": page_count, "title": page.title, "description": page.description},
        section=page.dimension or "",
        questions=shown,
        errors=[(qid, message) for qid, message in errors.items()],
        general_errors=general_errors or [],
        grew=grew,
        progress=progress,
        progress_share=round(100 * progress.share),
    )


@router.get("/r/{token}/page/{number}")
def show_page(request: Request, token: str, number: int, session: ReadSessionDep, more: Flag = 0) -> Response:
    loaded = _load(request, session, token)
    if isinstance(loaded, Response):
        return loaded
    context = loaded
    gate = _gate(request, context, token)
    if gate is not None:
        return gate
    pages = pages_of(context.questionnaire)
    page = _page(pages, number)
    values, comments = responses.stored_values(session.connection(), context.link.respondent_id)
    return _page_response(request, token, context, page, len(pages), values, comments, grew=bool(more))


@router.post("/r/{token}/page/{number}")
def save_page(request: Request, token: str, number: int, session: SessionDep, form: FormDep) -> Response:
    loaded = _load_for_answers(request, session, token, form)
    if isinstance(loaded, Response):
        return loaded
    context = loaded
    questionnaire = context.questionnaire
    pages = pages_of(questionnaire)
    page = _page(pages, number)
    # The stored answers, read once under the link's lock: the save, and the page if it is shown again.
    values, comments = responses.stored_values(session.connection(), context.link.respondent_id)

    # Only the questions the form showed: one that appeared since (an autosave elsewhere) is left alone.
    shown_ids = {v for v in form.getlist("shown") if isinstance(v, str)}
    on_form = [q for q in page.questions if q.id in shown_ids]
    entered = {q.id: entered_from_form(q, _kind(q, questionnaire), form) for q in on_form}
    answers: dict[str, Any] = {}
    new_comments: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for question in on_form:
        try:
            value = parse_entered(question, questionnaire, _kind(question, questionnaire), entered[question.id])
        except ValueError as exc:
            errors[question.id] = str(exc)
            continue
        if value is not KEEP:
            answers[question.id] = value
        if question.comment is not None:
            new_comments[question.id] = entered[question.id].comment

    general: list[str] = []
    saved: responses.Saved | None = None
    if not errors:
        try:
            # A follow-up on this page that this very post hides (its condition no longer holds) is
            # left out, not refused: the person could not have known before saving. The answers read
            # above, under the link's lock, are the stored ones: the save need not read them again.
            saved = responses.save_answers(session, context, answers, new_comments, stored=values, hidden="leave_out")
        except InvalidInput as exc:
            page_ids = {q.id for q in page.questions}
            for problem in exc.detail or []:
                qid = problem.get("question")
                if qid in page_ids:
                    errors.setdefault(qid, _sentence(problem["message"]))
                else:
                    general.append(_sentence(problem["message"]))
            if not errors and not general:
                general.append(_sentence(exc.message))
        except Conflict:
            session.rollback()
            return _gate(request, context, token) or _closed_page(request, context)
    if errors or general or saved is None:
        session.rollback()  # nothing was written: the answers read above are still the stored ones
        return _page_response(
            request,
            token,
            context,
            page,
            len(pages),
            values,
            comments,
            entered=entered,
            errors=errors,
            general_errors=general,
            status_code=422,
        )

    action = form.get("action")
    if action == "later":
        return RedirectResponse(f"/r/{token}?saved=1", status_code=303)
    if action == "back":
        target = f"/r/{token}/page/{number - 1}" if number > 1 else f"/r/{token}"
        return RedirectResponse(target, status_code=303)
    grew = [q.id for q in page.questions if saved.visible[q.id] and q.id not in shown_ids]
    if grew:
        return RedirectResponse(f"/r/{token}/page/{number}?more=1#q-{grew[0]}", status_code=303)
    target = f"/r/{token}/page/{number + 1}" if number < len(pages) else f"/r/{token}/review"
    return RedirectResponse(target, status_code=303)


def _review_response(
    request: Request, token: str, context: RespondentContext, session: Session, *, refused: bool = False
) -> HTMLResponse:
    questionnaire = context.questionnaire
    values, _ = responses.stored_values(session.connection(), context.link.respondent_id)
    progress = responses.progress_of(questionnaire, values)
    missing = set(progress.missing_required)
    pages = pages_of(questionnaire)
    open_pages = []
    for page in pages:
        questions = [{"id": q.id, "text": q.text} for q in page.questions if q.id in missing]
        if questions:
            open_pages.append({"number": page.number, "title": page.title, "questions": questions})
    return render(
        request,
        "web/respondent/review.html",
        status_code=422 if refused else 200,
        **_chrome(token, context),
        open_pages=open_pages,
        missing_count=len(missing),
        refused=refused,
        progress=progress,
        last_page=len(pages),
    )


@router.get("/r/{token}/review")
def review(request: Request, token: str, session: ReadSessionDep) -> Response:
    loaded = _load(request, session, token)
    if isinstance(loaded, Response):
        return loaded
    gate = _gate(request, loaded, token)
    return gate or _review_response(request, token, loaded, session)


@router.post("/r/{token}/submit")
def submit(request: Request, token: str, session: SessionDep, form: FormDep) -> Response:
    # A second submit (a double click, the back button) lands on the thank-you page like the first.
    loaded = _load_for_answers(request, session, token, form)
    if isinstance(loaded, Response):
        return loaded
    context = loaded
    try:
        responses.submit(session, context)
    except InvalidInput:
        session.rollback()
        return _review_response(request, token, context, session, refused=True)
    except Conflict:
        session.rollback()
        return _gate(request, context, token) or _closed_page(request, context)
    return RedirectResponse(f"/r/{token}/thanks", status_code=303)


def personal_result(context: RespondentContext, values: dict[str, Any]) -> dict[str, Any]:
    """This respondent's own reading: their answers scored as if they were the only respondent."""
    link = context.link
    scored = score_assessment(
        context.questionnaire,
        [ScoredRespondent(link.respondent_id, link.role, link.function, values)],
        target_level=link.target_level,
    )
    overall = scored.overall
    return {
        "index": round(overall.index) if overall.index is not None else None,
        "level": overall.level,
        "level_name": overall.level_name,
        "dimensions": [
            {
                "title": d.title,
                "score": round(d.score) if d.score is not None else None,
                "level": d.level,
                "level_name": d.level_name,
            }
            for d in scored.dimensions
        ],
    }


@router.get("/r/{token}/thanks")
def thanks(request: Request, token: str, session: ReadSessionDep) -> Response:
    loaded = _load(request, session, token)
    if isinstance(loaded, Response):
        return loaded
    context = loaded
    if context.link.submitted_at is None:
        gate = _gate(request, context, token)
        return gate or RedirectResponse(f"/r/{token}/review", status_code=303)
    result = None
    if context.link.show_personal_result:
        values, _ = responses.stored_values(session.connection(), context.link.respondent_id)
        result = personal_result(context, values)
    return render(
        request,
        "web/respondent/thanks.html",
        **_chrome(token, context),
        anonymous=context.link.anonymity is Anonymity.ANONYMOUS,
        result=result,
    )
