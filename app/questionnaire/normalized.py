"""A questionnaire as plain, normalized data: every question with the answers it accepts.

This is what the CLI prints and what API clients read to know which value to send for
which question, without having to resolve scales or defaults themselves.
"""

from __future__ import annotations

from typing import Any

from app.questionnaire.kinds import kind_of
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire


def accepted_answers(question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
    """The answer a question takes, described as data: its kind's description, after the special answers."""
    kind = kind_of(question.type)
    special = [
        v for v, ok in ((DONT_KNOW, question.allow_dont_know), (NOT_APPLICABLE, question.allow_not_applicable)) if ok
    ]
    return {"special": special, "kind": kind.name, **kind.describe(question, questionnaire)}


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
                "scored": kind_of(q.type).scored,
                "weight": q.weight,
                "condition": q.condition.model_dump(by_alias=True, exclude_none=True) if q.condition else None,
                "answers": accepted_answers(q, questionnaire),
            }
            for q in questionnaire.questions
        ],
    }
