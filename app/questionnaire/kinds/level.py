"""The level kind: a maturity question, answered with one of the five levels it describes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from app.questionnaire.kinds.base import AnswerError, AnswerShape, AnswerValue, Entered, Kind, Problem, Scorer, quoted
from app.questionnaire.models import LEVEL_NUMBERS, Question, Questionnaire, QuestionType
from app.questionnaire.yaml_source import Path
from app.text import whole_number


class LevelValue(BaseModel):
    value: int
    label: str
    description: str | None


class LevelAnswers(AnswerShape):
    """One of the five levels, each with the questionnaire's name and the question's description."""

    kind: Literal["level"]
    values: list[LevelValue]


class LevelKind(Kind):
    name = "level"
    types = (QuestionType.MATURITY,)
    type_labels: ClassVar = {QuestionType.MATURITY: "maturity level"}
    fields = frozenset({"levels"})
    numeric = True
    control = "radios"
    shapes = (LevelAnswers,)

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        if question.levels is None:
            yield (*here, "levels"), "a maturity question must describe each of the five levels"

    def allowed_values(self, question: Question, questionnaire: Questionnaire) -> list[str | int] | None:
        return list(LEVEL_NUMBERS)

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        levels = question.levels
        values = [
            {"value": n, "label": questionnaire.level_name(n), "description": levels.describe(n) if levels else None}
            for n in LEVEL_NUMBERS
        ]
        return {"values": values}

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        if not isinstance(value, int) or isinstance(value, bool) or value not in LEVEL_NUMBERS:
            raise AnswerError(question.id, f"expected a level from 1 to 5, got {quoted(value)}")
        return value

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        return lambda level: (level - 1) * 25.0

    def answer_labels(self, question: Question, questionnaire: Questionnaire) -> dict[str, str]:
        return {str(lv.level): f"{lv.level} {lv.name}" for lv in questionnaire.levels}

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        level = whole_number(entered.value)
        return level if level is not None else (entered.value or None)
