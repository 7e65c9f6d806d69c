"""Shared fixtures: the concept registry, the small worked-example questionnaire, respondents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.library import default_concepts
from app.questionnaire.loader import load_questionnaire_file
from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
QUESTIONNAIRES = ROOT / "questionnaires"


@pytest.fixture(scope="session")
def concepts() -> ConceptRegistry:
    return default_concepts()


@pytest.fixture(scope="session")
def mini(concepts: ConceptRegistry) -> Questionnaire:
    return load_questionnaire_file(FIXTURES / "mini.yaml", concepts)


def person(respondent_id: str, role: str | None = None, function: str | None = None, **answers: Any) -> Respondent:
    """A respondent; answer keys use '_' where question ids use '-' (o_nps -> o-nps)."""
    return Respondent(respondent_id, role, function, {k.replace("_", "-"): v for k, v in answers.items()})
