"""Properties of the scoring core that must hold for any answers (hypothesis)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.questionnaire.library import default_concepts
from app.questionnaire.loader import load_questionnaire_file
from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent
from app.scoring.engine import score_assessment
from tests.conftest import FIXTURES

MINI: Questionnaire = load_questionnaire_file(FIXTURES / "mini.yaml", default_concepts())

ANSWER_CHOICES: dict[str, st.SearchStrategy[Any]] = {
    "l1": st.sampled_from([1, 2, 3, 4, 5, "dont_know"]),
    "l2": st.sampled_from(["strongly_disagree", "disagree", "neutral", "agree", "strongly_agree", "not_applicable"]),
    "l3": st.lists(st.sampled_from(["survey", "interviews", "reviews"]), unique=True),
    "a1": st.sampled_from(["no", "partly", "yes", "dont_know"]),
    "a2": st.integers(min_value=0, max_value=20),
    "a3": st.sampled_from(["never", "sometimes", "often"]),
}


@st.composite
def respondents(draw: st.DrawFn, max_size: int = 8) -> list[Respondent]:
    count = draw(st.integers(min_value=1, max_value=max_size))
    people = []
    for i in range(count):
        answered = draw(st.lists(st.sampled_from(sorted(ANSWER_CHOICES)), unique=True))
        answers = {q: draw(ANSWER_CHOICES[q]) for q in answered}
        role = draw(st.sampled_from(["executive", "manager", "frontline"]))
        function = draw(st.sampled_from(["sales", "service", "marketing"]))
        people.append(Respondent(f"r{i}", role, function, answers))
    return people


def all_scores(result: Any) -> list[float]:
    values = [result.overall.index] if result.overall.index is not None else []
    values += [d.score for d in result.dimensions if d.score is not None]
    values += [q.stats.mean for q in result.questions if q.stats.mean is not None]
    values += [g.index for g in result.breakdowns.by_role if g.index is not None]
    return values


@settings(max_examples=150, deadline=None)
@given(respondents())
def test_scores_stay_within_0_and_100(people: list[Respondent]) -> None:
    result = score_assessment(MINI, people)
    assert all(0.0 <= value <= 100.0 for value in all_scores(result))
    if result.overall.band is not None:
        assert 0.0 <= result.overall.band.low <= result.overall.band.high <= 100.0
    assert 0.0 <= result.confidence.completion <= 1.0


@settings(max_examples=150, deadline=None)
@given(respondents(), st.randoms(use_true_random=False))
def test_respondent_order_changes_nothing(people: list[Respondent], rng: random.Random) -> None:
    shuffled = list(people)
    rng.shuffle(shuffled)
    assert score_assessment(MINI, people) == score_assessment(MINI, shuffled)


@settings(max_examples=150, deadline=None)
@given(respondents(max_size=4), st.integers(min_value=1, max_value=4))
def test_raising_one_maturity_answer_never_lowers_its_dimension(people: list[Respondent], start: int) -> None:
    first = people[0]
    lower = Respondent(first.id, first.role, first.function, {**first.answers, "l1": start})
    higher = Respondent(first.id, first.role, first.function, {**first.answers, "l1": start + 1})
    before = score_assessment(MINI, [lower, *people[1:]]).dimensions[0]
    after = score_assessment(MINI, [higher, *people[1:]]).dimensions[0]
    assert before.score is not None and after.score is not None
    assert after.score >= before.score


@settings(max_examples=150, deadline=None)
@given(respondents())
def test_adding_not_applicable_changes_no_mean(people: list[Respondent]) -> None:
    # l2 offers "not applicable": give it to everyone who left l2 unanswered
    padded = [
        Respondent(p.id, p.role, p.function, {**p.answers, "l2": p.answers.get("l2", "not_applicable")}) for p in people
    ]
    before, after = score_assessment(MINI, people), score_assessment(MINI, padded)
    assert [d.score for d in after.dimensions] == [d.score for d in before.dimensions]
    assert after.overall.index == before.overall.index
    assert [q.stats.mean for q in after.questions] == [q.stats.mean for q in before.questions]
