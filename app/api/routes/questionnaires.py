"""The questionnaire library."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import PrincipalDep
from app.api.schemas import QuestionnaireSummary
from app.http.checked_input import CheckedRoute
from app.questionnaire.normalized import normalize
from app.services import questionnaires

router = APIRouter(prefix="/questionnaires", tags=["questionnaires"], route_class=CheckedRoute)


@router.get("", response_model=list[QuestionnaireSummary])
def list_questionnaires(principal: PrincipalDep) -> list[QuestionnaireSummary]:
    """The questionnaires an assessment can be created from."""
    return [
        QuestionnaireSummary(
            id=q.id,
            version=q.version,
            title=q.title,
            description=q.description,
            locale=q.locale,
            estimated_minutes=q.estimated_minutes,
            dimensions=len(q.dimensions),
            questions=len(q.questions),
            hash=q.content_hash(),
        )
        for q in questionnaires.library()
    ]


@router.get("/{questionnaire_id}")
def get_questionnaire(questionnaire_id: str, principal: PrincipalDep) -> dict[str, Any]:
    """One questionnaire, normalized: every question with its dimension, type and the answers it accepts."""
    return normalize(questionnaires.from_library(questionnaire_id))
