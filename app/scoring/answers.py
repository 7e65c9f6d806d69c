"""Answers: what a respondent may give for each question, conditions, and the 0-100 score of an answer.

Validation here is the single rule book for answers: the CLI, the API and the web form
all call `validate_answer`, so a value the core would refuse never reaches storage. What a
question of each type accepts and scores is its kind's (`app.questionnaire.kinds`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.questionnaire.kinds import kind_of
from app.questionnaire.kinds.base import MAX_NUMBER, AnswerError, AnswerValue, Scorer
from app.questionnaire.kinds.outcome import MAX_RATINGS
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Condition, Question, Questionnaire
from app.text import first_text_problem

__all__ = ["MAX_NUMBER", "MAX_RATINGS", "AnswerError", "AnswerValue", "Scorer"]

SPECIAL_ANSWERS = (DONT_KNOW, NOT_APPLICABLE)


@dataclass(frozen=True)
class Respondent:
    id: str
    role: str | None = None
    function: str | None = None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    # False for answers saved but not yet submitted, counted only when a result asks for them.
    submitted: bool = True


def validate_answer(question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
    """Return the answer in its normal form, or raise `AnswerError` saying what is accepted."""
    qid = question.id
    if not kind_of(question.type).free_text and (problem := first_text_problem(value, multiline=False)):
        raise AnswerError(qid, problem)
    if value == DONT_KNOW:
        if not question.allow_dont_know:
            raise AnswerError(qid, "'don't know' is not offered for this question")
        return DONT_KNOW
    if value == NOT_APPLICABLE:
        if not question.allow_not_applicable:
            raise AnswerError(qid, "'not applicable' is not offered for this question")
        return NOT_APPLICABLE
    return kind_of(question.type).validate(question, questionnaire, value)


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


def scorer_for(question: Question, questionnaire: Questionnaire) -> Scorer | None:
    """The function giving a 0-100 score for a (validated, not special) answer; None if not scored."""
    return kind_of(question.type).scorer(question, questionnaire)


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
