"""The questionnaire library."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import PrincipalDep
from app.api.questionnaire_schemas import QuestionnaireDetail
from app.api.schemas import QuestionnaireSummary
from app.http.checked_input import CheckedRoute
from app.services import questionnaires

router = APIRouter(prefix="/questionnaires", tags=["questionnaires"], route_class=CheckedRoute)


@router.get("", response_model=list[QuestionnaireSummary])
def list_questionnaires(principal: PrincipalDep) -> list[QuestionnaireSummary]:
    """The questionnaires an assessment can be created from."""
    return [
        QuestionnaireSummary(
            id=item.questionnaire.id,
            version=item.questionnaire.version,
            title=item.questionnaire.title,
            description=item.questionnaire.description,
            locale=item.questionnaire.locale,
            estimated_minutes=item.questionnaire.estimated_minutes,
            dimensions=len(item.questionnaire.dimensions),
            questions=len(item.questionnaire.questions),
            hash=item.content_hash,
        )
        for item in questionnaires.listing()
    ]


@router.get("/{questionnaire_id}", response_model=QuestionnaireDetail)
def get_questionnaire(questionnaire_id: str, principal: PrincipalDep) -> dict[str, Any]:
    """One questionnaire, normalized: every question with its dimension, type and the answers it accepts."""
    return questionnaires.normalized(questionnaires.loaded_from_library(questionnaire_id))
