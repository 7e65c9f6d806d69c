"""What each question type accepts: the one rule book the CLI, API and web form share."""

from __future__ import annotations

from typing import Any

import pytest

from app.questionnaire.models import Questionnaire
from app.scoring.answers import AnswerError, validate_answer, validate_respondent_answers


def question(mini: Questionnaire, qid: str) -> Any:
    return next(q for q in mini.questions if q.id == qid)


@pytest.mark.parametrize(
    ("qid", "value", "normal"),
    [
        ("l1", 3, 3),
        ("l1", "dont_know", "dont_know"),
        ("l2", "agree", "agree"),
        ("l2", "not_applicable", "not_applicable"),
        ("l3", ["reviews", "survey"], ["survey", "reviews"]),  # kept in the questionnaire's order
        ("l3", [], []),
        ("a2", 0, 0),
        ("a2", 2.5, 2.5),
        ("t1", "More self-service.", "More self-service."),
        ("o-nps", [0, 10, 7], [0, 10, 7]),
        ("o-nps", -30, -30),
        ("o-csat", 88.5, 88.5),
        ("o-ces", [1, 7], [1, 7]),
        ("o-clv", 1500, 1500),
    ],
)
def test_accepted_answers(mini: Questionnaire, qid: str, value: object, normal: object) -> None:
    assert validate_answer(question(mini, qid), mini, value) == normal


@pytest.mark.parametrize(
    ("qid", "value", "message"),
    [
        ("l1", 0, "expected a level from 1 to 5, got 0"),
        ("l1", 6, "expected a level from 1 to 5"),
        ("l1", "3", "expected a level from 1 to 5, got '3'"),
        ("l1", True, "expected a level from 1 to 5"),
        ("l1", "not_applicable", "'not applicable' is not offered"),
        ("l2", "agreed", "expected one of strongly_disagree, disagree, neutral, agree, strongly_agree"),
        ("l3", ["survey", "survey"], "listed twice"),
        ("l3", ["blog"], "unknown checklist item(s) blog"),
        ("l3", "survey", "expected a list"),
        ("a2", -1, "below the minimum 0"),
        ("a2", float("nan"), "expected a number"),
        ("a2", "3", "expected a number"),
        ("t1", "x" * 5001, "the limit is 5000"),
        ("o-nps", 101, "above the maximum 100"),
        ("o-nps", [], "the list of ratings is empty"),
        ("o-nps", [10, 11], "every rating must be a whole number from 0 to 10; got 11"),
        ("o-csat", [0], "from 1 to 5"),
        ("o-ces", 8, "above the maximum 7"),
        ("o-clv", [100], "takes the organization's reported figure"),
        ("o-clv", -5, "below the minimum 0"),
        # hostile input: bad text in any answer that carries text, numbers no float holds, endless lists
        ("t1", "bad \ud800 text", "character 5 is an unpaired UTF-16 surrogate (U+D800)"),
        ("t1", "bad \x00 text", "the control character U+0000"),
        ("t1", "bad \x85 text", "the control character U+0085"),
        ("t1", "bad \uffff text", "the Unicode noncharacter U+FFFF"),
        ("l2", "agree\x00", "the control character U+0000"),
        ("l2", "agree\n", "line break"),
        ("l3", ["survey", "bad \udfff"], "unpaired UTF-16 surrogate (U+DFFF)"),
        ("a2", 10**400, "expected a number from -1e+15 to 1e+15"),
        ("a2", float("inf"), "(finite)"),
        ("o-clv", 10**16, "expected a reported figure from -1e+15 to 1e+15"),
        ("o-nps", [10**400], "every rating must be a whole number from 0 to 10; got a number too large"),
        ("o-nps", [9] * 10_001, "10,001 ratings in one answer; the limit is 10,000"),
    ],
)
def test_refused_answers_say_why(mini: Questionnaire, qid: str, value: object, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answer(question(mini, qid), mini, value)
    assert caught.value.question_id == qid
    assert message in str(caught.value)


def test_answer_to_a_hidden_question_is_refused(mini: Questionnaire) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_respondent_answers(mini, {"a1": "no", "a2": 3}, respondent_id="r9")
    assert (
        str(caught.value)
        == "respondent 'r9', question 'a2': this question is hidden by its condition on earlier answers"
    )
    assert validate_respondent_answers(mini, {"a1": "partly", "a2": 3}) == {"a1": "partly", "a2": 3}
