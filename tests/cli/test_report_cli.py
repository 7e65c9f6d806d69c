"""`centricity report`: offline from an answers file, and from the database; refusals with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.presentation.results import number
from app.questionnaire.library import find_questionnaire
from app.scoring.answers import respondents_from_document
from app.scoring.engine import score_assessment
from tests.api.conftest import Tenant, pulse_answers
from tests.report.conftest import pdf_text

runner = CliRunner()

# Six pulse respondents (the bundled short questionnaire), one open answer quoted in the report.
ROLES = ("executive", "senior-manager", "manager", "frontline", "specialist", "frontline")


def _answers_file(tmp_path: Path) -> Path:
    questionnaire = find_questionnaire("pulse")
    people = []
    for i, role in enumerate(ROLES):
        answers: dict[str, object] = {}
        for question in questionnaire.questions:
            if question.type.value == "maturity":
                answers[question.id] = 1 + i % 5
        people.append({"id": f"person-{i}", "role": role, "answers": answers})
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"questionnaire": "pulse", "respondents": people}), encoding="utf-8")
    return path


def test_offline_report_from_an_answers_file(tmp_path: Path) -> None:
    answers = _answers_file(tmp_path)
    output = tmp_path / "report.pdf"
    outcome = runner.invoke(
        cli, ["report", "--answers", str(answers), "-o", str(output), "--organization", "Contoso", "--brand", "Acme"]
    )
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(answers.read_text())
    questionnaire = find_questionnaire("pulse")
    expected = score_assessment(questionnaire, respondents_from_document(questionnaire, document), min_group_size=3)
    reader, text = pdf_text(output.read_bytes())
    assert f"Index {number(expected.overall.index)} of 100" in text
    assert "Contoso" in text and "Acme" in text
    assert f"Respondents: {len(ROLES)} submitted of {len(ROLES)} invited" in text
    assert len(reader.pages) >= 10


def test_offline_report_as_html(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    outcome = runner.invoke(cli, ["report", "--answers", str(_answers_file(tmp_path)), "-o", str(output)])
    assert outcome.exit_code == 0, outcome.output
    assert output.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_refusals_exit_2_and_write_nothing(tmp_path: Path) -> None:
    output = tmp_path / "report.pdf"
    answers = _answers_file(tmp_path)
    cases = [
        (["report", "-o", str(output)], "either an ASSESSMENT_ID or --answers"),
        (["report", "some-id", "--answers", str(answers), "-o", str(output)], "either an ASSESSMENT_ID or --answers"),
        (["report", "--answers", str(answers), "-o", str(tmp_path / "report.docx")], "written as .pdf or .html"),
        (["report", "--answers", str(tmp_path / "missing.json"), "-o", str(output)], "cannot read the file"),
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('{"questionnaire": "pulse", "respondents": [{"id": "x", "answers": {"nope": 3}}]}')
    cases.append((["report", "--answers", str(broken), "-o", str(output)], "nope"))
    small = ["report", "--answers", str(answers), "-o", str(output), "--min-group-size", "2"]
    cases.append((small, "an anonymous report needs at least 3"))
    for arguments, message in cases:
        outcome = runner.invoke(cli, arguments)
        assert outcome.exit_code == 2, arguments
        assert message in outcome.output, (arguments, outcome.output)
    assert not output.exists()
    named = runner.invoke(cli, [*small, "--named"])  # named: the consultant's own choice of group size
    assert named.exit_code == 0, named.output
    assert output.exists()


def test_report_of_a_stored_assessment(tenant: Tenant, tmp_path: Path) -> None:
    assessment = tenant.open_assessment("pulse", name="Stored Org")
    body = {"role": "executive", "function": "sales", "answers": pulse_answers(tenant.client, tenant)}
    for _ in range(3):
        assert tenant.post(f"/assessments/{assessment['id']}/responses", body).status_code == 201
    result = tenant.get(f"/assessments/{assessment['id']}/results").json()
    output = tmp_path / "stored.pdf"
    outcome = runner.invoke(cli, ["report", assessment["id"], "-o", str(output)])
    assert outcome.exit_code == 0, outcome.output
    _, text = pdf_text(output.read_bytes())
    assert "Stored Org" in text
    assert f"Index {number(result['overall']['index'])} of 100" in text
    unknown = runner.invoke(cli, ["report", "no-such-assessment", "-o", str(tmp_path / "x.pdf")])
    assert unknown.exit_code == 2 and "no assessment with id no-such-assessment" in unknown.output
