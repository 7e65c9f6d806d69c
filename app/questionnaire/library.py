"""The questionnaire library on disk: the packaged files, found by id, and the concept registry."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_file
from app.questionnaire.models import Questionnaire

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONCEPTS_FILE = PROJECT_ROOT / "questionnaires" / "registry" / "concepts.yaml"


def questionnaires_dir() -> Path:
    return Path(os.environ.get("CENTRICITY_QUESTIONNAIRES_DIR", PROJECT_ROOT / "questionnaires"))


@lru_cache(maxsize=1)
def default_concepts() -> ConceptRegistry:
    return ConceptRegistry.from_file(CONCEPTS_FILE)


def questionnaire_files(directory: Path | None = None) -> list[Path]:
    folder = directory or questionnaires_dir()
    return sorted(folder.glob("*.yaml"))


def load_all(directory: Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire in the library by id; a broken file raises with all its problems."""
    loaded: dict[str, Questionnaire] = {}
    for path in questionnaire_files(directory):
        questionnaire = load_questionnaire_file(path, default_concepts())
        loaded[questionnaire.id] = questionnaire
    return loaded


def find_questionnaire(questionnaire_id: str, directory: Path | None = None) -> Questionnaire:
    """The questionnaire with this id, or a `KeyError` naming the ids there are."""
    for path in questionnaire_files(directory):
        try:
            questionnaire = load_questionnaire_file(path, default_concepts())
        except QuestionnaireError:
            if path.stem == questionnaire_id:
                raise
            continue
        if questionnaire.id == questionnaire_id:
            return questionnaire
    known = ", ".join(p.stem for p in questionnaire_files(directory))
    raise KeyError(f"no questionnaire with id '{questionnaire_id}' (available: {known})")
