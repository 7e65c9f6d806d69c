"""A questionnaire as plain, normalized data: every question with the answers it accepts.

This is what the CLI prints and what API clients read to know which value to send for
which question, without having to resolve scales or defaults themselves.
"""

from __future__ import annotations

from typing import Any

from app.questionnaire.builtin_scales import option_scores, options_of
from app.questionnaire.models import (
    DONT_KNOW,
    LEVEL_NUMBERS,
    NOT_APPLICABLE,
    RATING_RANGES,
    Question,
    Questionnaire,
    QuestionType,
)


def accepted_answers(question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
    """The answer a question takes, described as data."""
    kind = question.type
    special = [
        v for v, ok in ((DONT_KNOW, question.allow_dont_know), (NOT_APPLICABLE, question.allow_not_applicable)) if ok
    ]
    described: dict[str, Any] = {"special": special}
    if kind is QuestionType.MATURITY:
        levels = question.levels
        described["kind"] = "level"
        described["values"] = [
            {"value": n, "label": questionnaire.level_name(n), "description": levels.describe(n) if levels else None}
            for n in LEVEL_NUMBERS
        ]
    elif kind.uses_options:
        options = options_of(question, questionnaire)
        scores = option_scores(options)
        described["kind"] = "choice"
        described["values"] = [{"value": o.value, "label": o.label, "score": scores[o.value]} for o in options]
    elif kind is QuestionType.CHECKLIST:
        described["kind"] = "checklist"
        described["values"] = [{"value": item.id, "label": item.label} for item in question.items or []]
    elif kind is QuestionType.NUMBER:
        described["kind"] = "number"
        described["min"] = question.min_value if question.min_value is not None else 0
        described["max"] = question.max_value
        described["unit"] = question.unit
        described["bands"] = [b.model_dump() for b in question.bands or []]
    elif kind is QuestionType.TEXT:
        described["kind"] = "text"
        described["max_length"] = TEXT_MAX_LENGTH
    else:
        described["kind"] = "outcome"
        described.update(outcome_bounds(question))
    return described


TEXT_MAX_LENGTH = 5000


def outcome_bounds(question: Question) -> dict[str, Any]:
    """What an outcome question accepts: a reported figure in range, raw ratings, or both."""
    kind = question.type
    bounds: dict[str, Any] = {"metric": kind.value}
    if kind in RATING_RANGES:
        low, high = RATING_RANGES[kind]
        bounds["accepts"] = question.accepts
        bounds["rating_min"], bounds["rating_max"] = low, high
        bounds["reported_min"], bounds["reported_max"] = {
            QuestionType.NPS: (-100, 100),
            QuestionType.CSAT: (0, 100),
            QuestionType.CES: (1, 7),
        }[kind]
    else:
        bounds["accepts"] = "reported"
        default_max = 100 if kind is QuestionType.PERCENT else None
        bounds["reported_min"] = question.min_value if question.min_value is not None else 0
        bounds["reported_max"] = question.max_value if question.max_value is not None else default_max
        bounds["unit"] = "%" if kind is QuestionType.PERCENT else question.unit
    return bounds


def normalize(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "hash": questionnaire.content_hash(),
        "title": questionnaire.title,
        "locale": questionnaire.locale,
        "levels": [lv.model_dump() for lv in questionnaire.levels],
        "roles": [r.model_dump(mode="json") for r in questionnaire.roles],
        "functions": [f.model_dump() for f in questionnaire.functions],
        "dimensions": [
            {
                "id": d.id,
                "title": d.title,
                "weight": d.weight,
                "questions": [q.id for q in questionnaire.questions if q.dimension == d.id],
            }
            for d in questionnaire.dimensions
        ],
        "questions": [
            {
                "id": q.id,
                "dimension": q.dimension,
                "type": q.type.value,
                "text": q.text,
                "required": q.required,
                "scored": q.type.is_scored,
                "weight": q.weight,
                "condition": q.condition.model_dump(by_alias=True, exclude_none=True) if q.condition else None,
                "answers": accepted_answers(q, questionnaire),
            }
            for q in questionnaire.questions
        ],
    }
