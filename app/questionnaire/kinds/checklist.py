"""The checklist kind: the practices in place, ticked from a list; scored by the ticked items' weight."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

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


class ChecklistItemValue(BaseModel):
    value: str
    label: str


class ChecklistAnswers(AnswerShape):
    """A list of the items in place (possibly empty: none of them)."""

    kind: Literal["checklist"]
    values: list[ChecklistItemValue]


class ChecklistKind(Kind):
    name = "checklist"
    types = (QuestionType.CHECKLIST,)
    type_labels: ClassVar = {QuestionType.CHECKLIST: "checklist"}
    fields = frozenset({"items"})
    control = "boxes"
    shapes = (ChecklistAnswers,)

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        if not question.items or len(question.items) < 2:
            yield (*here, "items"), "a checklist question needs at least two items"
        else:
            yield from unique(question.items, (*here, "items"))

    def allowed_values(self, question: Question, questionnaire: Questionnaire) -> list[str | int] | None:
        return [item.id for item in question.items or []]

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        return {"values": [{"value": item.id, "label": item.label} for item in question.items or []]}

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        qid = question.id
        items = [item.id for item in question.items or []]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(
                qid, f"expected a list of the items in place (from {', '.join(items)}); got {quoted(value)}"
            )
        unknown = [v for v in value if v not in items]
        if unknown:
            raise AnswerError(qid, f"unknown checklist item(s) {', '.join(unknown)} (items: {', '.join(items)})")
        if len(set(value)) != len(value):
            raise AnswerError(qid, "a checklist item is listed twice")
        return [item for item in items if item in value]  # the questionnaire's order, so equal answers compare equal

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        weights = {item.id: item.weight for item in question.items or []}
        total = sum(weights.values())
        return lambda ticked: 100.0 * sum(weights[i] for i in ticked) / total

    def answer_labels(self, question: Question, questionnaire: Questionnaire) -> dict[str, str]:
        return {item.id: item.label for item in question.items or []}

    def show(self, value: Any, entered: Entered) -> None:
        entered.items = [str(v) for v in value]
        entered.none = not value

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        if entered.items:
            return entered.items
        return [] if entered.none else None
