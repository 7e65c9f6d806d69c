"""Content checks over every questionnaire file: it loads, and the flagship covers the whole domain."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.kinds import kind_of
from app.questionnaire.library import questionnaire_files
from app.questionnaire.loader import load_questionnaire_file
from app.questionnaire.models import LEVEL_NUMBERS, Questionnaire, QuestionType
from app.questionnaire.schema import schema_text
from tests.conftest import QUESTIONNAIRES
from tests.content.concept_ids import BENEFITS, OUTCOMES, PRACTICES

FILES = questionnaire_files(QUESTIONNAIRES)


@pytest.fixture(scope="module")
def flagship(concepts: ConceptRegistry) -> Questionnaire:
    return load_questionnaire_file(QUESTIONNAIRES / "customer-centricity.yaml", concepts)


@pytest.fixture(scope="module")
def pulse(concepts: ConceptRegistry) -> Questionnaire:
    return load_questionnaire_file(QUESTIONNAIRES / "pulse.yaml", concepts)


def test_the_library_has_the_flagship_and_the_pulse() -> None:
    assert {p.name for p in FILES} >= {"customer-centricity.yaml", "pulse.yaml"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_questionnaire_file_loads(path: Path, concepts: ConceptRegistry) -> None:
    questionnaire = load_questionnaire_file(path, concepts)
    assert questionnaire.id == path.stem


def test_registry_has_exactly_the_domain_ids(concepts: ConceptRegistry) -> None:
    assert set(concepts.practices) == set(PRACTICES)
    assert set(concepts.outcomes) == set(OUTCOMES)
    assert set(concepts.benefits) == set(BENEFITS)


def test_flagship_size(flagship: Questionnaire) -> None:
    assert 8 <= len(flagship.dimensions) <= 12
    assert 50 <= len(flagship.questions) <= 80


def test_every_practice_is_covered_by_a_question(flagship: Questionnaire) -> None:
    covered = {c for q in flagship.questions if kind_of(q.type).scored for c in q.covers}
    assert set(PRACTICES) - covered == set()


def test_every_outcome_is_covered_by_an_outcome_question(flagship: Questionnaire) -> None:
    covered = {c for q in flagship.questions if kind_of(q.type).outcome for c in q.covers}
    assert set(OUTCOMES) - covered == set()
    assert all(q.dimension is None for q in flagship.questions if kind_of(q.type).outcome)


def test_every_benefit_is_cited_by_a_recommendation(flagship: Questionnaire) -> None:
    cited = {b for r in flagship.recommendations for b in r.benefits}
    assert set(BENEFITS) - cited == set()


def test_article_measurement_questions_are_there_in_measurable_form(flagship: Questionnaire) -> None:
    by_id = {q.id: q for q in flagship.questions}
    expected = {
        "m1-policies-changed": QuestionType.NUMBER,
        "m1-process-input": QuestionType.FREQUENCY,
        "m1-product-input": QuestionType.FREQUENCY,
        "m1-website-survey": QuestionType.YES_PARTLY_NO,
        "m2-leaders-use-processes": QuestionType.FREQUENCY,
        "m2-leaders-observe": QuestionType.FREQUENCY,
        "m3-reach-out-loyal": QuestionType.FREQUENCY,
        "m3-know-segments": QuestionType.YES_PARTLY_NO,
        "m4-ask-why-chose": QuestionType.FREQUENCY,
    }
    assert {qid: by_id[qid].type for qid in expected} == expected
    assert by_id["m1-policies-changed"].bands


@pytest.mark.parametrize("name", ["customer-centricity.yaml", "pulse.yaml"])
def test_recommendations_for_every_dimension_below_the_top(name: str, concepts: ConceptRegistry) -> None:
    questionnaire = load_questionnaire_file(QUESTIONNAIRES / name, concepts)
    missing = [
        (d.id, level)
        for d in questionnaire.dimensions
        for level in LEVEL_NUMBERS[:-1]
        if not any(
            r.levels and r.dimension == d.id and r.levels.min <= level <= r.levels.max
            for r in questionnaire.recommendations
        )
    ]
    assert missing == []


def test_maturity_questions_describe_every_level_distinctly(flagship: Questionnaire) -> None:
    for question in flagship.questions:
        if question.type is QuestionType.MATURITY:
            assert question.levels is not None
            texts = [question.levels.describe(n) for n in LEVEL_NUMBERS]
            assert len(set(texts)) == 5, question.id
            assert all(len(t) >= 30 for t in texts), question.id


def test_pulse_is_short_and_on_the_same_dimensions(pulse: Questionnaire, flagship: Questionnaire) -> None:
    assert len(pulse.questions) <= 15
    assert pulse.estimated_minutes is not None and pulse.estimated_minutes < 10
    assert [d.id for d in pulse.dimensions] == [d.id for d in flagship.dimensions]


def test_json_schema_file_is_current() -> None:
    on_disk = (QUESTIONNAIRES / "schema.json").read_text(encoding="utf-8")
    assert on_disk == schema_text(), "questionnaires/schema.json is stale: run `centricity schema --write`"
