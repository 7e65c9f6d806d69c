"""The number kind: a count or amount the organization gives, scored by the band it falls in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from app.questionnaire.kinds.base import (
    AnswerShape,
    AnswerValue,
    Entered,
    Kind,
    Problem,
    Scorer,
    TypedInput,
    check_range,
    number_text,
    parse_number,
)
from app.questionnaire.models import Question, Questionnaire, QuestionType
from app.questionnaire.yaml_source import Path


class BandValue(BaseModel):
    min: float
    max: float | None
    score: float
    label: str


class NumberAnswers(AnswerShape):
    """A number from `min` (to `max` when given), scored by the band it falls in."""

    kind: Literal["number"]
    min: int | float
    max: int | float | None
    unit: str | None
    bands: list[BandValue]


class NumberKind(Kind):
    name = "number"
    types = (QuestionType.NUMBER,)
    type_labels: ClassVar = {QuestionType.NUMBER: "number"}
    fields = frozenset({"bands", "unit", "min_value", "max_value"})
    numeric = True
    shapes = (NumberAnswers,)

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        bands = question.bands or []
        if not bands:
            yield (*here, "bands"), "a number question needs score bands"
            return
        for k, band in enumerate(bands):
            last = k == len(bands) - 1
            if band.max is None and not last:
                yield (*here, "bands", k, "max"), "only the last band may leave out 'max'"
            if band.max is not None and band.max <= band.min:
                yield (*here, "bands", k, "max"), f"max {band.max:g} must be above min {band.min:g}"
            if k and bands[k - 1].max is not None and band.min != bands[k - 1].max:
                yield (
                    (*here, "bands", k, "min"),
                    (
                        f"bands must follow on without gaps: this band starts at {band.min:g}, "
                        f"the previous one ends at {bands[k - 1].max:g}"
                    ),
                )

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        return {
            "min": question.min_value if question.min_value is not None else 0,
            "max": question.max_value,
            "unit": question.unit,
            "bands": [b.model_dump() for b in question.bands or []],
        }

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        low = question.min_value if question.min_value is not None else 0
        check_range(question.id, value, low, question.max_value, "a number")
        return value

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        bands = question.bands or []

        def band_score(number: float) -> float:
            for band in bands:
                if number >= band.min and (band.max is None or number < band.max):
                    return band.score
            return bands[0].score if number < bands[0].min else bands[-1].score

        return band_score

    def show(self, value: Any, entered: Entered) -> None:
        entered.value = number_text(value)

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        typed = entered.value.strip()
        return parse_number(typed) if typed else None

    def typed_input(self, question: Question, described: Mapping[str, Any]) -> TypedInput:
        return TypedInput("Your answer", described.get("unit"), described.get("min"), described.get("max"))
