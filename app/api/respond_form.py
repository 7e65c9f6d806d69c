"""The respondent's form as `GET /respond/{token}` sends it (a `RespondView`), and the ETag that names it.

A pinned questionnaire never changes, so what it contributes to the form (every question with
the answers it accepts, grouped in sections) is made once per process and content hash; a
request adds only what depends on the link: which questions its answers make visible, those
answers, progress and status. The JSON is the one `RespondView` serializes to, field for field.

The ETag is strong: it is a digest of everything the body is made from (the form's own
fingerprint and the link's state), so two bodies with one ETag are the same bytes. A client
that sends it back in `If-None-Match` gets a 304 with no body while nothing changed.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from pydantic_core import to_json

from app.api.schemas import RespondQuestion, RespondSection
from app.questionnaire.models import Question, Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import visibility
from app.services.responses import FormState, progress_from

OUTCOMES_TITLE = "Results your organization tracks"
OUTCOMES_DESCRIPTION = "Figures about customers and employees; they are reported beside the maturity score."
_FORMS_CACHED = 64


@dataclass(frozen=True)
class _Section:
    header: dict[str, Any]  # the RespondSection's fields but its questions
    questions: tuple[tuple[str, dict[str, Any]], ...]  # (question id, the RespondQuestion as JSON data)


@dataclass(frozen=True)
class Form:
    """What a pinned questionnaire contributes to every respondent's form."""

    questionnaire_header: dict[str, str]
    sections: tuple[_Section, ...]
    fingerprint: str  # a digest of all of the above: a change in how forms are built changes every ETag


_forms: LRUCache[str, Form] = LRUCache(maxsize=_FORMS_CACHED)
_lock = threading.Lock()


def form_of(questionnaire: Questionnaire, content_hash: str) -> Form:
    """The form of a pinned questionnaire, made once per content hash. Callers must not change it."""
    with _lock:
        found = _forms.get(content_hash)
    if found is None:
        found = _build(questionnaire)
        with _lock:
            _forms[content_hash] = found
    return found


def _build(questionnaire: Questionnaire) -> Form:
    groups: list[tuple[dict[str, Any], list[Question]]] = [
        (
            {"id": dimension.id, "title": dimension.title, "description": dimension.description},
            [q for q in questionnaire.questions if q.dimension == dimension.id],
        )
        for dimension in questionnaire.dimensions
    ]
    unplaced = [q for q in questionnaire.questions if q.dimension is None]
    groups.append(({"id": None, "title": OUTCOMES_TITLE, "description": OUTCOMES_DESCRIPTION}, unplaced))
    sections = tuple(
        _Section(
            # Through the response models, so the data is exactly what they serialize to.
            RespondSection(**header, questions=[]).model_dump(mode="json", exclude={"questions"}),
            tuple((q.id, _question(q, questionnaire).model_dump(mode="json")) for q in questions),
        )
        for header, questions in groups
        if questions
    )
    header = {"id": questionnaire.id, "version": questionnaire.version, "title": questionnaire.title}
    fingerprint = hashlib.sha256(to_json([header, [[s.header, s.questions] for s in sections]])).hexdigest()
    return Form(header, sections, fingerprint)


def _question(question: Question, questionnaire: Questionnaire) -> RespondQuestion:
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


def etag_of(form: Form, state: FormState) -> str:
    """The strong ETag of the body `body_of(form, state)` is: a digest of all it is made from."""
    parts = [
        form.fingerprint,
        state.assessment_title,
        state.status,
        state.role,
        state.function,
        state.values,
        state.comments,
    ]
    return '"' + hashlib.sha256(to_json(parts)).hexdigest()[:32] + '"'


def body_of(form: Form, state: FormState) -> bytes:
    """The form as JSON: the questions the answers make visible, those answers, progress and status."""
    questionnaire = state.questionnaire
    visible = visibility(questionnaire, state.values)
    sections = []
    for section in form.sections:
        shown = [data for question_id, data in section.questions if visible[question_id]]
        if shown:
            sections.append({**section.header, "questions": shown})
    answers = {q: v for q, v in state.values.items() if visible.get(q)}
    # Hidden answers count as unanswered in conditions, so this visibility is also the answers' own.
    progress = progress_from(questionnaire, answers, visible)
    return to_json(
        {
            "assessment_title": state.assessment_title,
            "questionnaire": form.questionnaire_header,
            "status": state.status,
            "role": state.role,
            "function": state.function,
            "sections": sections,
            "answers": answers,
            "comments": state.comments,
            "progress": {
                "answered": progress.answered,
                "required": progress.required,
                "required_answered": progress.required_answered,
                "share": progress.share,
            },
            "missing_required": progress.missing_required,
        }
    )


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 has it for GET)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False
