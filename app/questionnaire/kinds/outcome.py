"""The outcome kind: NPS, CSAT, CES, percentages and money, reported beside the maturity index and
never mixed in. NPS, CSAT and CES may also be answered with raw customer ratings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from app.questionnaire.kinds.base import (
    KEEP,
    AnswerError,
    AnswerShape,
    AnswerValue,
    Entered,
    Kind,
    TypedInput,
    check_range,
    number_text,
    parse_number,
    quoted,
)
from app.questionnaire.models import Question, Questionnaire, QuestionType
from app.text import whole_number

# Raw customer ratings in one answer: more belong in several pushed responses, or in the reported figure.
MAX_RATINGS = 10_000
# Outcome metrics that may be given as raw customer ratings: the rating range and the reported figure's.
RATING_RANGES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.NPS: (0, 10),
    QuestionType.CSAT: (1, 5),
    QuestionType.CES: (1, 7),
}
_REPORTED_RANGES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.NPS: (-100, 100),
    QuestionType.CSAT: (0, 100),
    QuestionType.CES: (1, 7),
}
# The figures given only as reported, and the fields each takes.
_REPORTED_FIELDS: dict[QuestionType, frozenset[str]] = {
    QuestionType.PERCENT: frozenset({"min_value", "max_value"}),
    QuestionType.MONEY: frozenset({"unit", "min_value", "max_value"}),
}


class RatedOutcomeAnswers(AnswerShape):
    """NPS, CSAT or CES: a reported figure, a list of raw customer ratings, or either (`accepts`)."""

    kind: Literal["outcome"]
    metric: Literal["nps", "csat", "ces"]
    accepts: Literal["reported", "ratings", "both"]
    rating_min: int
    rating_max: int
    reported_min: int | float
    reported_max: int | float


class ReportedOutcomeAnswers(AnswerShape):
    """A percentage or an amount of money, as the organization reports it."""

    kind: Literal["outcome"]
    metric: Literal["percent", "money"]
    accepts: Literal["reported"]
    reported_min: int | float
    reported_max: int | float | None
    unit: str | None


class OutcomeKind(Kind):
    name = "outcome"
    types = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES, QuestionType.PERCENT, QuestionType.MONEY)
    scored = False
    outcome = True
    shapes = (RatedOutcomeAnswers, ReportedOutcomeAnswers)

    def fields_of(self, question_type: QuestionType) -> frozenset[str]:
        return frozenset({"accepts"}) if question_type in RATING_RANGES else _REPORTED_FIELDS[question_type]

    @staticmethod
    def unit(question: Question) -> str | None:
        """The unit the figure is in: '%' for a percentage, the author's unit for money."""
        return "%" if question.type is QuestionType.PERCENT else question.unit

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        return outcome_bounds(question)

    def shape_tag(self, described: Mapping[str, Any]) -> str:
        return (RatedOutcomeAnswers if "rating_min" in described else ReportedOutcomeAnswers).__name__

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        qid = question.id
        bounds = outcome_bounds(question)
        if isinstance(value, list):
            if question.type not in RATING_RANGES or bounds["accepts"] == "reported":
                raise AnswerError(qid, "this question takes the organization's reported figure, not a list of ratings")
            low, high = RATING_RANGES[question.type]
            if not value:
                raise AnswerError(qid, "the list of ratings is empty")
            if len(value) > MAX_RATINGS:
                raise AnswerError(
                    qid,
                    f"{len(value):,} ratings in one answer; the limit is {MAX_RATINGS:,}. Send more as several "
                    "responses (POST /assessments/{id}/responses, one batch of ratings each), or give the "
                    "organization's reported figure instead",
                )
            for rating in value:
                if not isinstance(rating, int) or isinstance(rating, bool) or not low <= rating <= high:
                    raise AnswerError(
                        qid, f"every rating must be a whole number from {low} to {high}; got {quoted(rating)}"
                    )
            return value
        if bounds["accepts"] == "ratings":
            raise AnswerError(qid, "this question takes a list of raw customer ratings, not a single figure")
        check_range(qid, value, bounds["reported_min"], bounds["reported_max"], "a reported figure")
        return value

    # ---- the form: one box, for the reported figure or (`accepts: ratings`) the ratings

    def entry(self, question: Question) -> str | None:
        return "ratings" if outcome_bounds(question)["accepts"] == "ratings" else None

    def entered_from_stored(self, question: Question, value: Any, comment: str | None) -> Entered:
        entered = super().entered_from_stored(question, value, comment)
        if isinstance(value, list):
            if self.entry(question) == "ratings":
                entered.value = ", ".join(str(v) for v in value)
            else:
                # Ratings pushed through the API, on a question the form asks a figure of: kept, not shown.
                entered.kept_ratings = len(value)
        return entered

    def show(self, value: Any, entered: Entered) -> None:
        if not isinstance(value, list):
            entered.value = number_text(value)

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        typed = entered.value.strip()
        if not typed:
            return KEEP if entered.kept_ratings else None
        if self.entry(question) == "ratings":
            ratings = [whole_number(part) for part in typed.replace(";", ",").split(",") if part.strip()]
            if None in ratings:
                raise ValueError("Please enter whole numbers separated by commas, for example 9, 10, 7.")
            return ratings
        return parse_number(typed)

    def typed_input(self, question: Question, described: Mapping[str, Any]) -> TypedInput:
        if self.entry(question) == "ratings":
            low, high = described["rating_min"], described["rating_max"]
            return TypedInput(f"Customer ratings from {low} to {high}, separated by commas")
        low, high = described.get("reported_min"), described.get("reported_max")
        span = f", from {number_text(low)} to {number_text(high)}" if low is not None and high is not None else ""
        return TypedInput(f"The reported figure{span}", described.get("unit"), low, high)


def outcome_bounds(question: Question) -> dict[str, Any]:
    """What an outcome question accepts: a reported figure in range, raw ratings, or both."""
    kind = question.type
    bounds: dict[str, Any] = {"metric": kind.value}
    if kind in RATING_RANGES:
        low, high = RATING_RANGES[kind]
        bounds["accepts"] = question.accepts
        bounds["rating_min"], bounds["rating_max"] = low, high
        bounds["reported_min"], bounds["reported_max"] = _REPORTED_RANGES[kind]
    else:
        bounds["accepts"] = "reported"
        default_max = 100 if kind is QuestionType.PERCENT else None
        bounds["reported_min"] = question.min_value if question.min_value is not None else 0
        bounds["reported_max"] = question.max_value if question.max_value is not None else default_max
        bounds["unit"] = OutcomeKind.unit(question)
    return bounds
