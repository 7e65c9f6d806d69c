"""The `centricity` command line: validate, questionnaire and score, with their exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from tests.conftest import FIXTURES, QUESTIONNAIRES

runner = CliRunner()


@pytest.fixture
def fixtures_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CENTRICITY_QUESTIONNAIRES_DIR", str(FIXTURES))
    get_settings.cache_clear()  # the directory is a setting, read once per process
    yield
    get_settings.cache_clear()


def write_answers(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_validate_ok_files_exit_0() -> None:
    result = runner.invoke(
        cli, ["validate", str(QUESTIONNAIRES / "customer-centricity.yaml"), str(QUESTIONNAIRES / "pulse.yaml")]
    )
    assert result.exit_code == 0
    assert "customer-centricity.yaml: ok (customer-centricity 1.0: 11 dimensions" in result.output


def test_validate_broken_file_exits_1_with_file_line_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (FIXTURES / "mini.yaml")
        .read_text()
        .replace("dimension: act\n    type: frequency", "dimension: acting\n    type: frequency")
    )
    result = runner.invoke(cli, ["validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output and "questions[5].dimension: unknown dimension 'acting'" in result.output
    assert "Traceback" not in result.output


def test_questionnaire_prints_normalized_json() -> None:
    result = runner.invoke(cli, ["questionnaire", "pulse"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["id"] == "pulse" and len(data["hash"]) == 64
    first = data["questions"][0]
    assert {"id", "dimension", "type", "answers"} <= set(first)
    nps = next(q for q in data["questions"] if q["type"] == "nps")
    assert nps["scored"] is False and nps["answers"]["kind"] == "outcome"


def test_questionnaire_unknown_id_exits_2() -> None:
    result = runner.invoke(cli, ["questionnaire", "nope"])
    assert result.exit_code == 2
    assert "no questionnaire with id 'nope'" in result.output


def test_score_prints_the_full_result(tmp_path: Path, fixtures_library: None) -> None:
    path = write_answers(
        tmp_path,
        {
            "questionnaire": "mini",
            "respondents": [
                {
                    "id": "r1",
                    "role": "executive",
                    "function": "sales",
                    "answers": {
                        "l1": 4,
                        "l2": "agree",
                        "l3": ["survey", "reviews"],
                        "a1": "yes",
                        "a2": 2,
                        "a3": "sometimes",
                        "o-nps": [10, 9, 0],
                    },
                }
            ],
        },
    )
    result = runner.invoke(cli, ["score", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # same respondent as the first worked example: index (150 + 63.333) / 3 = 71.111
    assert data["overall"]["index"] == pytest.approx(71.1111, abs=1e-4)
    assert data["questionnaire"]["id"] == "mini"
    nps = next(o for o in data["outcomes"] if o["question_id"] == "o-nps")
    assert nps["value"] == pytest.approx(100 / 3)  # (2 - 1) / 3


@pytest.mark.parametrize(
    ("respondent", "expected"),
    [
        ({"id": "ann", "answers": {"l1": 7}}, "respondent 'ann', question 'l1': expected a level from 1 to 5, got 7"),
        ({"id": "bob", "answers": {"zz": 1}}, "respondent 'bob', question 'zz': no such question"),
        ({"id": "cy", "answers": {"a1": "no", "a2": 4}}, "respondent 'cy', question 'a2': this question is hidden"),
        (
            {"id": "di", "answers": {"l1": "not_applicable"}},
            "respondent 'di', question 'l1': 'not applicable' is not offered",
        ),
        (
            {"id": "ed", "answers": {"o-nps": [11]}},
            "respondent 'ed', question 'o-nps': every rating must be a whole number from 0 to 10",
        ),
        ({"id": "fi", "role": "ceo", "answers": {}}, "respondent 'fi': unknown role 'ceo'"),
    ],
)
def test_score_bad_answers_exit_2_naming_respondent_and_question(
    tmp_path: Path, fixtures_library: None, respondent: dict[str, object], expected: str
) -> None:
    path = write_answers(tmp_path, {"questionnaire": "mini", "respondents": [respondent]})
    result = runner.invoke(cli, ["score", "--answers", str(path)])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_score_malformed_json_and_unknown_questionnaire(tmp_path: Path, fixtures_library: None) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(cli, ["score", "--answers", str(bad)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    path = write_answers(tmp_path, {"questionnaire": "nope", "respondents": []})
    result = runner.invoke(cli, ["score", "--answers", str(path)])
    assert result.exit_code == 2 and "no questionnaire with id 'nope'" in result.output


def test_the_readme_answers_example_scores(tmp_path: Path) -> None:
    readme = (QUESTIONNAIRES.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(example, encoding="utf-8")
    result = runner.invoke(cli, ["score", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    outcomes = {o["question_id"]: o for o in json.loads(result.output)["outcomes"]}
    # ratings 10, 9, 7, 3, 10: 3 promoters, 1 detractor of 5 -> 40
    assert outcomes["outcome-nps"]["value"] == pytest.approx(40.0)
