"""The choice kind: one option of a scale (frequency, agreement, yes / partly / no, or the
questionnaire's own), scored by the option's score."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from app.questionnaire.builtin_scales import BUILTIN_SCALE_IDS, option_scores, options_of
from app.questionnaire.kinds.base import (
    AnswerError,
    AnswerShape,
    AnswerValue,
    Entered,
    Kind,
    Problem,
    Scorer,
    quoted,
    unique,
)
from app.questionnaire.models import Question, Questionnaire, QuestionType
from app.questionnaire.yaml_source import Path


class ChoiceValue(BaseModel):
    value: str | int
    label: str
    score: float


class ChoiceAnswers(AnswerShape):
    """One of the options, each with the 0-100 score it earns."""

    kind: Literal["choice"]
    values: list[ChoiceValue]


class ChoiceKind(Kind):
    name = "choice"
    # Each type without `scale` or `options` takes the built-in scale of its own name.
    types = (QuestionType.FREQUENCY, QuestionType.AGREEMENT, QuestionType.YES_PARTLY_NO)
    type_labels: ClassVar = {
        QuestionType.FREQUENCY: "frequency",
        QuestionType.AGREEMENT: "agreement",
        QuestionType.YES_PARTLY_NO: "yes / partly / no",
    }
    fields = frozenset({"scale", "options"})
    control = "radios"
    shapes = (ChoiceAnswers,)

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        if question.scale is not None and question.options is not None:
            yield (*here, "options"), "give either 'scale' or 'options', not both"
        if question.scale is not None and question.scale not in scale_ids and question.scale not in BUILTIN_SCALE_IDS:
            yield (*here, "scale"), f"unknown scale '{question.scale}'"
        if question.options is not None:
            yield from unique(question.options, (*here, "options"), key="value")
            if len(question.options) < 2:
                yield (*here, "options"), "a question needs at least two options"

    def allowed_values(self, question: Question, questionnaire: Questionnaire) -> list[str | int] | None:
        return [o.value for o in options_of(question, questionnaire)]

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        options = options_of(question, questionnaire)
        scores = option_scores(options)
        return {"values": [{"value": o.value, "label": o.label, "score": scores[o.value]} for o in options]}

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        allowed = [o.value for o in options_of(question, questionnaire)]
        if isinstance(value, bool) or value not in allowed:
            raise AnswerError(question.id, f"expected one of {', '.join(map(str, allowed))}; got {quoted(value)}")
        return value

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        scores = option_scores(options_of(question, questionnaire))
        return lambda value: scores[value]

    def answer_labels(self, question: Question, questionnaire: Questionnaire) -> dict[str, str]:
        return {str(o.value): o.label for o in options_of(question, questionnaire)}

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        if not entered.value:
            return None
        # A radio posts text; an option's value may be a number.
        by_text = {str(o.value): o.value for o in options_of(question, questionnaire)}
        return by_text.get(entered.value, entered.value)
