"""Answers: what a respondent may give for each question, conditions, and the 0-100 score of an answer.

Validation here is the single rule book for answers: the CLI, the API and the web form
all call `validate_answer`, so a value the core would refuse never reaches storage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.questionnaire.builtin_scales import option_scores, options_of
from app.questionnaire.models import (
    DONT_KNOW,
    LEVEL_NUMBERS,
    NOT_APPLICABLE,
    RATING_RANGES,
    Condition,
    Question,
    Questionnaire,
    QuestionType,
)
from app.questionnaire.normalized import TEXT_MAX_LENGTH, outcome_bounds
from app.text import first_text_problem, text_problem

SPECIAL_ANSWERS = (DONT_KNOW, NOT_APPLICABLE)
# Raw customer ratings in one answer: more belong in several pushed responses, or in the reported figure.
MAX_RATINGS = 10_000
# The largest number a number or outcome answer may be (either sign): any real count or amount fits,
# and every such value converts to a float exactly enough for scoring, exports and the report.
MAX_NUMBER = 10**15
QUOTED_MAX = 80

AnswerValue = Any  # int | float | str | list[str] | list[int], already validated


class AnswerError(ValueError):
    """An answer the question does not accept; names the question (and respondent when known)."""

    def __init__(self, question_id: str, message: str, respondent_id: str | None = None):
        self.question_id = question_id
        self.respondent_id = respondent_id
        self.reason = message
        who = f"respondent '{respondent_id}', " if respondent_id is not None else ""
        super().__init__(f"{who}question '{question_id}': {message}")


@dataclass(frozen=True)
class Respondent:
    id: str
    role: str | None = None
    function: str | None = None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    # False for answers saved but not yet submitted, counted only when a result asks for them.
    submitted: bool = True


def _is_number(value: object) -> bool:
    # abs() first: math.isfinite converts to float, which a 400-digit integer overflows.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) <= MAX_NUMBER
        and math.isfinite(value)
    )


def _quoted(value: object) -> str:
    """A refused value as an error message quotes it: its repr (ASCII-safe for any string), kept short."""
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        return "a number too large"
    text = repr(value)
    return text if len(text) <= QUOTED_MAX else text[: QUOTED_MAX - 3] + "..."


def validate_answer(question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
    """Return the answer in its normal form, or raise `AnswerError` saying what is accepted."""
    qid = question.id
    if question.type is not QuestionType.TEXT and (problem := first_text_problem(value, multiline=False)):
        raise AnswerError(qid, problem)
    if value == DONT_KNOW:
        if not question.allow_dont_know:
            raise AnswerError(qid, "'don't know' is not offered for this question")
        return DONT_KNOW
    if value == NOT_APPLICABLE:
        if not question.allow_not_applicable:
            raise AnswerError(qid, "'not applicable' is not offered for this question")
        return NOT_APPLICABLE
    kind = question.type
    if kind is QuestionType.MATURITY:
        if not isinstance(value, int) or isinstance(value, bool) or value not in LEVEL_NUMBERS:
            raise AnswerError(qid, f"expected a level from 1 to 5, got {_quoted(value)}")
        return value
    if kind.uses_options:
        allowed = [o.value for o in options_of(question, questionnaire)]
        if isinstance(value, bool) or value not in allowed:
            raise AnswerError(qid, f"expected one of {', '.join(map(str, allowed))}; got {_quoted(value)}")
        return value
    if kind is QuestionType.CHECKLIST:
        items = [item.id for item in question.items or []]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(
                qid, f"expected a list of the items in place (from {', '.join(items)}); got {_quoted(value)}"
            )
        unknown = [v for v in value if v not in items]
        if unknown:
            raise AnswerError(qid, f"unknown checklist item(s) {', '.join(unknown)} (items: {', '.join(items)})")
        if len(set(value)) != len(value):
            raise AnswerError(qid, "a checklist item is listed twice")
        return [item for item in items if item in value]  # the questionnaire's order, so equal answers compare equal
    if kind is QuestionType.NUMBER:
        low = question.min_value if question.min_value is not None else 0
        _check_range(qid, value, low, question.max_value, "a number")
        return value
    if kind is QuestionType.TEXT:
        if not isinstance(value, str):
            raise AnswerError(qid, f"expected text, got {_quoted(value)}")
        if len(value) > TEXT_MAX_LENGTH:
            raise AnswerError(qid, f"text is {len(value)} characters; the limit is {TEXT_MAX_LENGTH}")
        if (problem := text_problem(value, multiline=True)) is not None:
            raise AnswerError(qid, problem)
        return value
    return _validate_outcome(question, value)


def _check_range(qid: str, value: object, low: float | None, high: float | None, what: str) -> None:
    if not _is_number(value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise AnswerError(qid, f"expected {what} from -{MAX_NUMBER:.0e} to {MAX_NUMBER:.0e} (finite)")
        raise AnswerError(qid, f"expected {what}, got {_quoted(value)}")
    assert isinstance(value, int | float)
    if low is not None and value < low:
        raise AnswerError(qid, f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise AnswerError(qid, f"{value:g} is above the maximum {high:g}")


def _validate_outcome(question: Question, value: object) -> AnswerValue:
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
                    qid, f"every rating must be a whole number from {low} to {high}; got {_quoted(rating)}"
                )
        return value
    if bounds["accepts"] == "ratings":
        raise AnswerError(qid, "this question takes a list of raw customer ratings, not a single figure")
    _check_range(qid, value, bounds["reported_min"], bounds["reported_max"], "a reported figure")
    return value


ConditionTest = Callable[[Mapping[str, AnswerValue], Mapping[str, bool]], bool]


def condition_holds(condition: Condition, answers: Mapping[str, AnswerValue], visible: Mapping[str, bool]) -> bool:
    """Whether earlier answers meet a condition. An unanswered, hidden or 'don't know' answer meets no test
    except `answered: false`."""
    return compiled_condition(condition)(answers, visible)


# Compiled conditions by identity (a Condition is frozen); each entry keeps its condition alive so
# that its id is not reused while cached. Cleared when full: compiling again is cheap.
_COMPILED: dict[int, tuple[Condition, ConditionTest]] = {}
_COMPILED_KEPT = 4096


def compiled_condition(condition: Condition) -> ConditionTest:
    """`condition_holds` for this condition, as a function of (answers, visible), built once:
    scoring evaluates the same few conditions for every respondent."""
    cached = _COMPILED.get(id(condition))
    if cached is not None and cached[0] is condition:
        return cached[1]
    test = _compile(condition)
    if len(_COMPILED) >= _COMPILED_KEPT:
        _COMPILED.clear()
    _COMPILED[id(condition)] = (condition, test)
    return test


def _compile(condition: Condition) -> ConditionTest:
    if condition.all is not None:
        parts = [compiled_condition(c) for c in condition.all]
        return lambda answers, visible: all(part(answers, visible) for part in parts)
    if condition.any is not None:
        parts = [compiled_condition(c) for c in condition.any]
        return lambda answers, visible: any(part(answers, visible) for part in parts)
    question = condition.question
    assert question is not None
    answered, wanted, unwanted, low, high = (
        condition.answered,
        condition.in_,
        condition.not_in,
        condition.min,
        condition.max,
    )

    def test(answers: Mapping[str, AnswerValue], visible: Mapping[str, bool]) -> bool:
        value = answers.get(question) if visible.get(question, False) else None
        has_value = value is not None and value not in SPECIAL_ANSWERS
        if answered is not None:
            return has_value == answered
        if not has_value:
            return False
        if wanted is not None:
            return _matches(value, wanted)
        if unwanted is not None:
            return not _matches(value, unwanted)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if low is not None and value < low:
            return False
        return not (high is not None and value > high)

    return test


def _matches(value: AnswerValue, wanted: Sequence[str | int]) -> bool:
    if isinstance(value, list):  # a checklist: any ticked item listed
        return any(item in wanted for item in value)
    return value in wanted


def visibility(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> dict[str, bool]:
    """For each question, whether its condition shows it, given these answers (in questionnaire order)."""
    visible: dict[str, bool] = {}
    for question in questionnaire.questions:
        visible[question.id] = question.condition is None or condition_holds(question.condition, answers, visible)
    return visible


Scorer = Callable[[AnswerValue], float]


def scorer_for(question: Question, questionnaire: Questionnaire) -> Scorer | None:
    """The function giving a 0-100 score for a (validated, not special) answer; None if not scored."""
    kind = question.type
    if kind is QuestionType.MATURITY:
        return lambda level: (level - 1) * 25.0
    if kind.uses_options:
        scores = option_scores(options_of(question, questionnaire))
        return lambda value: scores[value]
    if kind is QuestionType.CHECKLIST:
        weights = {item.id: item.weight for item in question.items or []}
        total = sum(weights.values())
        return lambda ticked: 100.0 * sum(weights[i] for i in ticked) / total
    if kind is QuestionType.NUMBER:
        bands = question.bands or []

        def band_score(number: float) -> float:
            for band in bands:
                if number >= band.min and (band.max is None or number < band.max):
                    return band.score
            return bands[0].score if number < bands[0].min else bands[-1].score

        return band_score
    return None


def validate_respondent_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object], respondent_id: str | None = None
) -> dict[str, AnswerValue]:
    """Validate a respondent's answers as a whole: known questions, accepted values, and no answer
    to a question that the respondent's own earlier answers hide."""
    by_id = {q.id: q for q in questionnaire.questions}
    normal: dict[str, AnswerValue] = {}
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise AnswerError(question_id, "no such question in this questionnaire", respondent_id)
        try:
            normal[question_id] = validate_answer(question, questionnaire, value)
        except AnswerError as exc:
            raise AnswerError(question_id, exc.reason, respondent_id) from None
    visible = visibility(questionnaire, normal)
    for question_id in normal:
        if not visible[question_id]:
            raise AnswerError(question_id, "this question is hidden by its condition on earlier answers", respondent_id)
    return normal


def respondents_from_document(questionnaire: Questionnaire, document: object) -> list[Respondent]:
    """Read the answers-file format: {"questionnaire": id, "respondents": [{"id", "role", "function",
    "answers": {question id: value}}]}; every problem names the respondent and the question."""
    if not isinstance(document, dict) or not isinstance(document.get("respondents"), list):
        raise AnswerFileError("expected an object with a 'respondents' list")
    roles = {r.id for r in questionnaire.roles}
    functions = {f.id for f in questionnaire.functions}
    respondents: list[Respondent] = []
    seen: set[str] = set()
    for i, entry in enumerate(document["respondents"]):
        if not isinstance(entry, dict):
            raise AnswerFileError(f"respondents[{i}] is not an object")
        respondent_id = str(entry.get("id", f"#{i + 1}"))
        if respondent_id in seen:
            raise AnswerFileError(f"respondent '{respondent_id}' appears twice")
        seen.add(respondent_id)
        unknown = set(entry) - {"id", "role", "function", "answers"}
        if unknown:
            raise AnswerFileError(f"respondent '{respondent_id}': unknown field(s) {', '.join(sorted(unknown))}")
        role, function = entry.get("role"), entry.get("function")
        if role is not None and role not in roles:
            raise AnswerFileError(f"respondent '{respondent_id}': unknown role '{role}' (roles: {', '.join(roles)})")
        if function is not None and function not in functions:
            raise AnswerFileError(
                f"respondent '{respondent_id}': unknown function '{function}' (functions: {', '.join(functions)})"
            )
        answers = entry.get("answers", {})
        if not isinstance(answers, dict):
            raise AnswerFileError(f"respondent '{respondent_id}': 'answers' must be an object")
        normal = validate_respondent_answers(questionnaire, answers, respondent_id)
        respondents.append(Respondent(respondent_id, role, function, normal))
    return respondents


class AnswerFileError(ValueError):
    """An answers document that is not in the expected shape."""
