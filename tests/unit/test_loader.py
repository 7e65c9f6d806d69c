"""Loader errors: one test per kind of problem, each asserting the file, line and field are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.loader import LoadProblem, QuestionnaireError, load_questionnaire_file, load_questionnaire_text
from tests.conftest import FIXTURES

MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[occurrence - 1]


def problems_of(text: str | bytes, concepts: ConceptRegistry) -> list[LoadProblem]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, concepts, source="broken.yaml")
    return caught.value.problems


def only_problem(text: str | bytes, concepts: ConceptRegistry) -> LoadProblem:
    problems = problems_of(text, concepts)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def edit(old: str, new: str, text: str = MINI) -> str:
    assert text.count(old) == 1, f"fragment not unique: {old!r}"
    return text.replace(old, new)


def test_the_fixture_itself_loads(concepts: ConceptRegistry) -> None:
    assert load_questionnaire_text(MINI, concepts).id == "mini"


def test_yaml_syntax_error_names_the_line(concepts: ConceptRegistry) -> None:
    text = edit("    text: How do you collect feedback?", "    text: [How do you collect feedback?")
    problem = only_problem(text, concepts)
    assert problem.source == "broken.yaml"
    assert problem.message.startswith("YAML syntax error")
    # the parser notices the unclosed list on a following line; it must point inside the question
    assert line_of(text, "[How do you") <= problem.line <= line_of(text, "[How do you") + 3


def test_unknown_field(concepts: ConceptRegistry) -> None:
    text = edit("    text: We know why customers leave.", "    text: We know why customers leave.\n    colour: red")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[1].colour"
    assert problem.message == "unknown field 'colour'"
    assert problem.line == line_of(text, "colour: red")
    assert str(problem) == f"broken.yaml:{problem.line}: questions[1].colour: unknown field 'colour'"


def test_missing_required_field_points_at_its_parent(concepts: ConceptRegistry) -> None:
    text = edit("    text: How often do leaders review complaints?\n", "")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[5].text"
    assert "required field 'text' is missing" in problem.message
    assert problem.line == line_of(text, "- id: a3")


def test_duplicate_question_id(concepts: ConceptRegistry) -> None:
    text = edit("  - id: a3\n", "  - id: a1\n")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[5].id"
    assert "duplicate id 'a1'" in problem.message and "questions[3]" in problem.message
    assert problem.line == line_of(text, "- id: a1", occurrence=2)


def test_duplicate_yaml_key(concepts: ConceptRegistry) -> None:
    text = edit("    type: frequency\n", "    type: frequency\n    type: agreement\n")
    problem = only_problem(text, concepts)
    assert problem.message == "duplicate key 'type'"
    assert problem.line == line_of(text, "type: agreement", occurrence=2)


def test_question_with_unknown_dimension(concepts: ConceptRegistry) -> None:
    text = edit("    dimension: act\n    type: frequency", "    dimension: acting\n    type: frequency")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[5].dimension"
    assert "unknown dimension 'acting'" in problem.message
    assert problem.line == line_of(text, "dimension: acting")


def test_thresholds_with_a_gap(concepts: ConceptRegistry) -> None:
    text = edit("{level: 3, min: 40, max: 60}", "{level: 3, min: 45, max: 60}")
    problem = only_problem(text, concepts)
    assert problem.path == "rubric.thresholds[2].min"
    assert "cover 0-100" in problem.message and "(40)" in problem.message
    assert problem.line == line_of(text, "{level: 3, min: 45")


def test_thresholds_that_stop_short_of_100(concepts: ConceptRegistry) -> None:
    text = edit("{level: 5, min: 80, max: 100}", "{level: 5, min: 80, max: 95}")
    problem = only_problem(text, concepts)
    assert problem.path == "rubric.thresholds[4].max"
    assert "must end at 100" in problem.message
    assert problem.line == line_of(text, "{level: 5, min: 80, max: 95}")


def test_condition_on_unknown_question(concepts: ConceptRegistry) -> None:
    text = edit('condition: {question: a1, in: ["yes", "partly"]}', 'condition: {question: zz, in: ["yes"]}')
    problem = only_problem(text, concepts)
    assert problem.path == "questions[4].condition.question"
    assert "unknown question 'zz'" in problem.message
    assert problem.line == line_of(text, "question: zz")


def test_condition_on_a_later_question(concepts: ConceptRegistry) -> None:
    text = edit('condition: {question: a1, in: ["yes", "partly"]}', 'condition: {question: a3, in: ["often"]}')
    problem = only_problem(text, concepts)
    assert problem.path == "questions[4].condition.question"
    assert "does not come before" in problem.message
    assert problem.line == line_of(text, "question: a3")


def test_condition_value_that_the_question_cannot_take(concepts: ConceptRegistry) -> None:
    text = edit('condition: {question: a1, in: ["yes", "partly"]}', 'condition: {question: a1, in: ["maybe"]}')
    problem = only_problem(text, concepts)
    assert problem.path == "questions[4].condition.in[0]"
    assert "\"maybe\" is not an answer of question 'a1'" in problem.message
    assert '(allowed: "no", "partly", "yes")' in problem.message


def test_unknown_concept_id(concepts: ConceptRegistry) -> None:
    text = edit("    covers: [leadership-commitment]", "    covers: [leadership-commitmint]")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[5].covers[0]"
    assert "unknown practice concept 'leadership-commitmint'" in problem.message
    assert problem.line == line_of(text, "leadership-commitmint")


def test_outcome_concept_on_a_scored_question(concepts: ConceptRegistry) -> None:
    text = edit("    covers: [leadership-commitment]", "    covers: [nps]")
    problem = only_problem(text, concepts)
    assert "outcomes are covered by outcome questions only" in problem.message


def test_unknown_benefit_id(concepts: ConceptRegistry) -> None:
    text = edit("    benefits: [innovation]", "    benefits: [innovashun]")
    problem = only_problem(text, concepts)
    assert problem.path == "recommendations[1].benefits[0]"
    assert "unknown benefit 'innovashun'" in problem.message
    assert problem.line == line_of(text, "innovashun")


def test_depends_on_cycle(concepts: ConceptRegistry) -> None:
    text = edit(
        "    kpis: [Owner named]\n",
        "    kpis: [Owner named]\n    depends_on: [act-low]\n",
    )
    problem = only_problem(text, concepts)
    assert problem.message.startswith("depends_on cycle: ")
    assert "act-foundation" in problem.message and "act-low" in problem.message
    assert problem.path.startswith("recommendations[") and problem.path.endswith("depends_on")
    assert problem.line in {line_of(text, "depends_on: [act-low]"), line_of(text, "depends_on: [act-foundation]")}


def test_depends_on_unknown_recommendation(concepts: ConceptRegistry) -> None:
    text = edit("depends_on: [act-foundation]", "depends_on: [act-fundament]")
    problem = only_problem(text, concepts)
    assert problem.path == "recommendations[3].depends_on[0]"
    assert "unknown recommendation 'act-fundament'" in problem.message


def test_field_that_does_not_apply_to_the_type(concepts: ConceptRegistry) -> None:
    text = edit("    allow_not_applicable: true\n", "    allow_not_applicable: true\n    bands: []\n")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[1].bands"
    assert "does not apply to an agreement question" in problem.message


def test_several_problems_are_all_reported(concepts: ConceptRegistry) -> None:
    text = edit("    benefits: [innovation]", "    benefits: [innovashun]")
    text = edit("    covers: [leadership-commitment]", "    covers: [leadership-commitmint]", text)
    assert len(problems_of(text, concepts)) == 2


def test_alias_bomb_is_refused_before_expansion(concepts: ConceptRegistry) -> None:
    # The classic "billion laughs": 237 bytes that expand to 9^9 strings when walked.
    bomb = (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    )
    problem = only_problem(bomb, concepts)
    assert problem.line == 1
    assert "anchors (&a) are not allowed" in problem.message


def test_alias_without_anchor_is_refused(concepts: ConceptRegistry) -> None:
    problem = only_problem(MINI + "extra: *nothing\n", concepts)
    assert "aliases" in problem.message or "anchor" in problem.message or "YAML syntax error" in problem.message


def test_python_object_tag_is_refused(concepts: ConceptRegistry) -> None:
    text = edit('version: "1.0"', "version: !!python/object/apply:os.system ['echo hacked']")
    problem = only_problem(text, concepts)
    assert "tag:yaml.org,2002:python/object/apply:os.system is not allowed" in problem.message
    assert problem.line == line_of(text, "version:")


def test_file_over_the_size_cap(concepts: ConceptRegistry) -> None:
    problem = only_problem(MINI + "#" + "x" * 1_000_000 + "\n", concepts)
    assert "the limit is 1,000,000" in problem.message


def test_not_utf8(concepts: ConceptRegistry) -> None:
    problem = only_problem(MINI.encode() + b"\xff\xfe", concepts) if False else None
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(b"id: \xff\n", concepts)
    problem = caught.value.problems[0]
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize(("raw", "line"), [(b"\x00", 1), ("id: mini\ntitle: a\x07b\n", 2)])
def test_control_character_is_a_problem_with_its_line(raw: bytes | str, line: int, concepts: ConceptRegistry) -> None:
    # Found by fuzzing: PyYAML's reader refused a NUL byte with its own exception, past the loader's handling.
    problem = only_problem(raw, concepts)
    assert "control character" in problem.message
    assert problem.line == line


def test_empty_file_and_non_mapping(concepts: ConceptRegistry) -> None:
    assert "empty" in only_problem("", concepts).message
    assert "must be a mapping" in only_problem("- a\n- b\n", concepts).message


def test_unreadable_file(tmp_path: Path, concepts: ConceptRegistry) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_file(tmp_path / "missing.yaml", concepts)
    assert "cannot read the file" in str(caught.value)
    assert str(tmp_path / "missing.yaml") in str(caught.value)


def test_error_message_includes_the_file_name(tmp_path: Path, concepts: ConceptRegistry) -> None:
    path = tmp_path / "client.yaml"
    path.write_text(edit("    dimension: act\n    type: frequency", "    dimension: acting\n    type: frequency"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_file(path, concepts)
    assert str(caught.value).startswith(f"{path}:")


def test_unquoted_yes_and_no_stay_words(concepts: ConceptRegistry) -> None:
    # YAML 1.1 would read these as booleans; a questionnaire means the answers "yes" and "no".
    text = edit('condition: {question: a1, in: ["yes", "partly"]}', "condition: {question: a1, in: [yes, partly]}")
    loaded = load_questionnaire_text(text, concepts)
    condition = loaded.questions[4].condition
    assert condition is not None and condition.in_ == ["yes", "partly"]


def test_condition_test_must_fit_the_question_type(concepts: ConceptRegistry) -> None:
    text = edit('condition: {question: a1, in: ["yes", "partly"]}', "condition: {question: a1, min: 2}")
    problem = only_problem(text, concepts)
    assert problem.path == "questions[4].condition"
    assert "min/max test a number, but 'a1' is a yes_partly_no question" in problem.message


def test_condition_with_two_tests_is_refused(concepts: ConceptRegistry) -> None:
    text = edit(
        'condition: {question: a1, in: ["yes", "partly"]}', 'condition: {question: a1, in: ["yes"], answered: true}'
    )
    problem = only_problem(text, concepts)
    assert problem.path == "questions[4].condition"
    assert "a condition takes one test" in problem.message
    assert problem.line == line_of(text, "answered: true")


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        ("\\0", "control character U+0000"),
        ("\\e", "control character U+001B"),
        ("\\N", "control character U+0085"),
        ("\\ud800", "unpaired UTF-16 surrogate (U+D800)"),
        ("\\uffff", "noncharacter U+FFFF"),
    ],
)
def test_an_escaped_control_character_or_bad_code_point_names_the_line_and_field(
    concepts: ConceptRegistry, escape: str, message: str
) -> None:
    text = edit("title: Mini assessment", f'title: "Mini {escape} assessment"')
    problem = only_problem(text, concepts)
    assert (problem.source, problem.line, problem.path) == ("broken.yaml", line_of(text, "title: "), "title")
    assert message in problem.message


def test_line_breaks_in_a_description_are_text(concepts: ConceptRegistry) -> None:
    text = edit(
        "description: Two dimensions, every scored question type, and the outcome inputs.",
        'description: "Two dimensions,\\n\\tevery question type."',
    )
    assert load_questionnaire_text(text, concepts).description == "Two dimensions,\n\tevery question type."
