"""The export builders on the worked-example questionnaire, without a database: cells, pseudonyms,
formula neutralization, file names, and the CSV and XLSX they produce."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from app.db.tables import Anonymity, Answer, Assessment, Respondent
from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent as ScoredRespondent
from app.scoring.engine import score_assessment
from app.services.exports import (
    CSV_COLUMNS,
    ExportData,
    build_document,
    cell,
    filename,
    neutralize,
    to_csv,
    to_xlsx,
)

MOMENT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("'already quoted", "'already quoted"),
        ("", ""),
    ],
)
def test_neutralize(text: str, expected: str) -> None:
    assert neutralize(text) == expected


def test_cells_keep_numbers_and_neutralize_text() -> None:
    assert cell(-20) == -20 and cell(-0.5) == -0.5 and cell(3) == 3
    assert cell(True) is True and cell(None) is None
    assert cell("=cmd") == "'=cmd"
    assert cell(["survey", "reviews"]) == '["survey", "reviews"]'
    assert cell([-1, 5]) == "[-1, 5]"
    assert cell(MOMENT) == "2026-11-22T09:30:00Z"


def _assessment(mini: Questionnaire, title: str, anonymity: Anonymity) -> Assessment:
    return Assessment(
        id="0123abcd-0000-4000-8000-000000000000",
        workspace_id="w",
        organization_id="o",
        title=title,
        questionnaire_id=mini.id,
        questionnaire_version=mini.version,
        questionnaire_hash=mini.content_hash(),
        questionnaire_snapshot={},
        target_level=4,
        anonymity=anonymity,
        created_at=MOMENT,
    )


def _export(mini: Questionnaire, anonymity: Anonymity, title: str = "Pulse — Globex") -> ExportData:
    people = [
        Respondent(id="id-ann", workspace_id="w", assessment_id="a", role="executive", function="sales",
                   name="=Ann", email="ann@example.com", token_hash="1", created_at=MOMENT, submitted_at=MOMENT),
        Respondent(id="id-bob", workspace_id="w", assessment_id="a", role="frontline", function="service",
                   name="Bob", email="bob@example.com", token_hash="2", created_at=MOMENT),
    ]  # fmt: skip
    answers = {
        "id-ann": {
            "l1": Answer(respondent_id="id-ann", question_id="l1", value=4),
            "l3": Answer(respondent_id="id-ann", question_id="l3", value=["survey", "reviews"]),
            "a1": Answer(respondent_id="id-ann", question_id="a1", value="dont_know"),
            "t1": Answer(respondent_id="id-ann", question_id="t1", value="+ask\x07them", comment=None),
            "o-nps": Answer(respondent_id="id-ann", question_id="o-nps", value=-10),
        },
        "id-bob": {"l2": Answer(respondent_id="id-bob", question_id="l2", value="agree", comment="@me\x00")},
    }
    result = score_assessment(
        mini, [ScoredRespondent("id-ann", "executive", "sales", {q: a.value for q, a in answers["id-ann"].items()})]
    )
    return build_document(_assessment(mini, title, anonymity), "Globex", mini, people, answers, result, MOMENT)


def test_document_scores_each_answer_and_pseudonymizes(mini: Questionnaire) -> None:
    # Anonymous with one submitter, below the minimum group size: progress only.
    document = _export(mini, Anonymity.ANONYMOUS).document
    assert document.withheld and document.respondents == [] and document.result is None
    assert (document.progress.invited, document.progress.submitted) == (2, 1)
    ann = _export(mini, Anonymity.NAMED).document.respondents[0]
    scores = {a.question_id: a.score for a in ann.answers}
    # questionnaire order; l1 level 4 -> 75, checklist 3 of 4 weight -> 75; specials, text, outcomes unscored
    assert list(scores) == ["l1", "l3", "a1", "t1", "o-nps"]
    assert scores == {"l1": 75.0, "l3": 75.0, "a1": None, "t1": None, "o-nps": None}
    named = _export(mini, Anonymity.NAMED).document
    assert [(p.id, p.name, p.email) for p in named.respondents] == [
        ("id-ann", "=Ann", "ann@example.com"),
        ("id-bob", "Bob", "bob@example.com"),
    ]


def test_csv(mini: Questionnaire) -> None:
    content = to_csv(_export(mini, Anonymity.NAMED))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + 6
    by_question = {row[6]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_question["l1"]["name"] == "'=Ann" and by_question["l1"]["score"] == "75.0"
    assert by_question["l3"]["answer"] == '["survey", "reviews"]'
    assert by_question["a1"]["answer"] == "dont_know" and by_question["a1"]["score"] == ""
    # A control character (stored before the input checks) is replaced, as in every output; the rest is kept.
    assert by_question["t1"]["answer"] == "'+ask\ufffdthem"
    assert by_question["o-nps"]["answer"] == "-10"
    assert by_question["l2"]["comment"] == "'@me\ufffd" and by_question["l2"]["submitted_at"] == ""
    assert by_question["l1"]["submitted_at"] == "2026-11-22T09:30:00Z"


def test_xlsx_replaces_characters_the_format_cannot_hold(mini: Questionnaire) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(_export(mini, Anonymity.NAMED))))
    rows = list(workbook["Answers"].iter_rows(values_only=True))
    by_question = {row[6]: row for row in rows[1:]}
    assert by_question["t1"][9] == "'+ask\ufffdthem"  # replaced, as in the CSV
    assert by_question["l2"][11] == "'@me\ufffd"
    assert by_question["o-nps"][9] == -10
    summary = dict(workbook["Summary"].iter_rows(values_only=True))
    assert summary["Organization"] == "Globex" and summary["Anonymity"] == "named"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Pulse — Globex", "pulse-globex-0123abcd.csv"),
        ('Café Müller: Q3/2026 "final"', "cafe-muller-q3-2026-final-0123abcd.csv"),
        ('../../etc/passwd"; x=', "etc-passwd-x-0123abcd.csv"),
        ("日本語", "assessment-0123abcd.csv"),
        ("x" * 300, "x" * 60 + "-0123abcd.csv"),
    ],
)
def test_filenames_are_safe(mini: Questionnaire, title: str, expected: str) -> None:
    assert filename(_export(mini, Anonymity.ANONYMOUS, title), "csv") == expected
