"""Comparing results: progress is measured, and a method change is flagged, never taken for progress."""

from __future__ import annotations

import pytest

from app.questionnaire.models import Questionnaire
from app.scoring.comparison import compare_results, trend
from app.scoring.engine import score_assessment
from tests.conftest import person

BEFORE = {"l1": 4, "l2": "agree", "l3": ["survey", "reviews"], "a1": "yes", "a2": 2, "a3": "sometimes"}


def test_progress_on_the_same_questionnaire(mini: Questionnaire) -> None:
    previous = score_assessment(mini, [person("r", **BEFORE)])
    current = score_assessment(mini, [person("r", **{**BEFORE, "l1": 5})])
    comparison = compare_results(current, previous)
    assert comparison.same_method and comparison.method_changes == []
    deltas = {d.id: d for d in comparison.dimensions}
    # listen before (75 + 75 + 150) / 4 = 75; after (100 + 75 + 150) / 4 = 81.25 -> +6.25
    assert deltas["listen"].delta == pytest.approx(6.25)
    assert deltas["act"].delta == pytest.approx(0.0)
    # index before (150 + 63.333) / 3 = 71.111; after (162.5 + 63.333) / 3 = 75.278 -> +4.1667
    assert comparison.index_delta == pytest.approx(12.5 / 3)
    assert comparison.index_comparable and all(d.comparable for d in comparison.dimensions)


def test_reworded_question_and_new_version_are_flagged(mini: Questionnaire) -> None:
    questions = list(mini.questions)
    questions[1] = questions[1].model_copy(update={"text": "We know exactly why customers leave us."})
    edited = mini.model_copy(update={"version": "1.1", "questions": questions})
    previous = score_assessment(mini, [person("r", **BEFORE)])
    current = score_assessment(edited, [person("r", **BEFORE)])
    comparison = compare_results(current, previous)
    assert not comparison.same_method
    assert comparison.questions_changed == ["l2"]
    assert any("version changed from 1.0 to 1.1" in change for change in comparison.method_changes)
    assert any("l2" in change for change in comparison.method_changes)
    deltas = {d.id: d for d in comparison.dimensions}
    assert not deltas["listen"].comparable  # contains the reworded question
    assert deltas["act"].comparable
    assert not comparison.index_comparable


def test_content_change_without_version_bump_is_flagged(mini: Questionnaire) -> None:
    questions = [q for q in mini.questions if q.id != "l2"]
    edited = mini.model_copy(update={"questions": questions})
    comparison = compare_results(
        score_assessment(edited, [person("r", l1=3)]), score_assessment(mini, [person("r", l1=3)])
    )
    assert "content changed without a new version number" in comparison.method_changes[0]
    assert comparison.questions_removed == ["l2"]
    assert not next(d for d in comparison.dimensions if d.id == "listen").comparable


def test_trend_compares_each_point_with_the_one_before(mini: Questionnaire) -> None:
    results = [(label, score_assessment(mini, [person("r", l1=level)])) for label, level in [("2024", 1), ("2025", 3)]]
    series = trend(results)
    assert [p.label for p in series] == ["2024", "2025"]
    assert series[0].change is None
    assert series[1].change is not None
    # listen 0 -> 50 (only l1 answered); index = listen x 2 / 2 = listen
    assert series[1].change.index_delta == pytest.approx(50.0)
