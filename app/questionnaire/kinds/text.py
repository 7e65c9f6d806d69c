"""The text kind: an open answer in the person's own words; never scored, quoted in the report."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from app.questionnaire.kinds.base import AnswerError, AnswerShape, AnswerValue, Entered, Kind, quoted
from app.questionnaire.models import Question, Questionnaire, QuestionType
from app.text import text_problem

TEXT_MAX_LENGTH = 5000


class TextAnswers(AnswerShape):
    """Free text up to `max_length` characters."""

    kind: Literal["text"]
    max_length: int


class TextKind(Kind):
    name = "text"
    types = (QuestionType.TEXT,)
    type_labels: ClassVar = {QuestionType.TEXT: "open answer"}
    scored = False
    free_text = True
    shapes = (TextAnswers,)

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        return {"max_length": TEXT_MAX_LENGTH}

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        qid = question.id
        if not isinstance(value, str):
            raise AnswerError(qid, f"expected text, got {quoted(value)}")
        if len(value) > TEXT_MAX_LENGTH:
            raise AnswerError(qid, f"text is {len(value)} characters; the limit is {TEXT_MAX_LENGTH}")
        if (problem := text_problem(value, multiline=True)) is not None:
            raise AnswerError(qid, problem)
        return value

    def specials(self, question: Question) -> list[str]:
        # An optional text box is simply left empty; "don't know" there would only be noise.
        return super().specials(question) if question.required else []

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        return entered.value if entered.value.strip() else None
