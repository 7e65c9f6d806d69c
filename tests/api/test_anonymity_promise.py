"""Anonymity as a promise that cannot be undone, played by a consultant who wants to know who said what:
privacy settings that only become stricter once people answered, no groups under three, random pseudonyms,
day-only times beside identities, small groups blanked in exports, identity-free webhooks and comments."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import col, select

from app import reporting as reports
from app.db.session import session_scope
from app.db.tables import Assessment, Respondent, WebhookDelivery
from app.questionnaire.library import find_questionnaire
from bench.scoring import synthetic_respondents
from tests.api.conftest import Tenant, pulse_answers
from tests.web.conftest import form_token, make_account, sign_in

WORKSPACE = "Acme Consulting"  # the `tenant` fixture's workspace
DAY_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}T00:00:00Z")


@pytest.fixture(autouse=True)
def _no_background_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")


@pytest.fixture(autouse=True, scope="module")
def _stop_render_workers() -> Any:
    yield
    reports.shutdown()


def push(
    client: TestClient,
    tenant: Tenant,
    assessment_id: str,
    role: str = "manager",
    function: str = "sales",
    **extra: Any,
) -> str:
    body = {"role": role, "function": function, "answers": pulse_answers(client, tenant), **extra}
    response = tenant.post(f"/assessments/{assessment_id}/responses", body)
    assert response.status_code == 201, response.text
    return response.json()["respondent_id"]  # type: ignore[no-any-return]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def answers_sheet(content: bytes) -> list[dict[str, Any]]:
    rows = list(load_workbook(io.BytesIO(content))["Answers"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def exports(tenant: Tenant, assessment_id: str) -> tuple[dict[str, Any], list[dict[str, str]], list[dict[str, Any]]]:
    document = tenant.get(f"/assessments/{assessment_id}/export.json").json()
    rows = csv_rows(tenant.get(f"/assessments/{assessment_id}/export.csv").content)
    sheet = answers_sheet(tenant.get(f"/assessments/{assessment_id}/export.xlsx").content)
    return document, rows, sheet


def set_stored(assessment_id: str, **columns: Any) -> None:
    """Write columns as an older version could have stored them (before the rules of this module)."""
    with session_scope() as session:
        assessment = session.exec(select(Assessment).where(Assessment.id == assessment_id)).one()
        for name, value in columns.items():
            setattr(assessment, name, value)


# ---- privacy settings only become stricter


def _answered(client: TestClient, tenant: Tenant, assessment_id: str, how: str) -> None:
    if how == "in_progress":  # one saved answer, nothing submitted, is enough
        (token,) = tenant.invite(assessment_id, ("manager", "sales"))
        saved = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}})
        assert saved.status_code == 200, saved.text
    elif how == "pushed":
        push(client, tenant, assessment_id)
    elif how == "invited only":
        tenant.invite(assessment_id, ("manager", "sales"))


CHANGES = [
    # (starting settings, change, status before anyone answered, status after)
    ({"anonymity": "anonymous", "min_group_size": 5}, {"anonymity": "named"}, 200, 409),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"min_group_size": 4}, 200, 409),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"min_group_size": 3}, 200, 409),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"min_group_size": 2}, 422, 422),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"min_group_size": 6}, 200, 200),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"anonymity": "anonymous", "min_group_size": 5}, 200, 200),
    ({"anonymity": "anonymous", "min_group_size": 5}, {"anonymity": "named", "min_group_size": 9}, 200, 409),
    ({"anonymity": "named", "min_group_size": 3}, {"anonymity": "anonymous"}, 200, 200),
    ({"anonymity": "named", "min_group_size": 1}, {"anonymity": "anonymous"}, 422, 422),
    ({"anonymity": "named", "min_group_size": 3}, {"min_group_size": 1}, 200, 409),
    ({"anonymity": "named", "min_group_size": 3}, {"min_group_size": 4}, 200, 200),
]


@pytest.mark.parametrize("how", ["invited only", "in_progress", "pushed"])
@pytest.mark.parametrize(("start", "change", "before", "after"), CHANGES)
def test_privacy_changes_after_the_first_answer_only_tighten(
    client: TestClient,
    tenant: Tenant,
    how: str,
    start: dict[str, Any],
    change: dict[str, Any],
    before: int,
    after: int,
) -> None:
    assessment = tenant.open_assessment(**start)
    _answered(client, tenant, assessment["id"], how)
    expected = before if how == "invited only" else after
    response = tenant.patch(f"/assessments/{assessment['id']}", change)
    assert response.status_code == expected, response.text
    now = tenant.get(f"/assessments/{assessment['id']}").json()
    if expected == 200:
        assert {field: now[field] for field in change} == change
        return
    body = response.json()
    assert body["error"] == ("Conflict" if expected == 409 else "InvalidInput")
    assert body["detail"]["problems"], body
    if expected == 409:
        assert "only become stricter" in body["detail"]["message"]
    else:
        assert body["detail"]["problems"][0]["field"] == "min_group_size"
    assert now == assessment | {"status": "open", "updated_at": now["updated_at"]}
    assert now["updated_at"] == tenant.get(f"/assessments/{assessment['id']}").json()["updated_at"]
    assert {now["anonymity"], now["min_group_size"]} == {start["anonymity"], start["min_group_size"]}


def test_other_fields_still_change_after_answers(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    push(client, tenant, assessment["id"])
    set_stored(assessment["id"], min_group_size=1)  # a row from before the rule: still editable
    response = tenant.patch(f"/assessments/{assessment['id']}", {"title": "Renamed"})
    assert response.status_code == 200 and response.json()["title"] == "Renamed"


def test_anonymous_groups_below_three_are_refused_on_create(tenant: Tenant) -> None:
    organization = tenant.organization()
    for size in (1, 2):
        refused = tenant.post(
            "/assessments", {"organization_id": organization["id"], "questionnaire_id": "pulse", "min_group_size": size}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"]["problems"] == [
            {"field": "min_group_size", "message": refused.json()["detail"]["message"]}
        ]
    assert tenant.get("/assessments").json()["total"] == 0
    named = tenant.assessment(organization["id"], anonymity="named", min_group_size=1)
    assert named["min_group_size"] == 1


def test_an_old_anonymous_row_below_three_is_applied_as_three(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    for role in ("executive", "executive", "frontline", "frontline", "frontline"):
        push(client, tenant, assessment["id"], role=role, function="sales")
    set_stored(assessment["id"], min_group_size=1)
    result = tenant.get(f"/assessments/{assessment['id']}/results").json()
    roles = {g["group"]: g for g in result["breakdowns"]["by_role"]}
    # two executives are below 3; the front line (3) is hidden too, since 5 x overall - 3 x front line
    # would be the two executives' total (with a stored group size of 1 both were shown)
    assert roles["executive"]["suppressed"] and roles["frontline"]["suppressed"]
    assert result["breakdowns"]["min_group_size"] == 3
    document, rows, _ = exports(tenant, assessment["id"])
    assert document["assessment"]["min_group_size"] == 3
    assert "executive" not in {r["role"] for r in rows}


# ---- pseudonyms and the respondents listing


def test_pseudonyms_are_random_and_stable(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    for _ in range(30):
        push(client, tenant, assessment["id"])
    listed = tenant.get(f"/assessments/{assessment['id']}/respondents", params={"limit": 100}).json()["items"]
    with session_scope() as session:
        pseudonym_of = dict(
            session.exec(
                select(Respondent.id, Respondent.pseudonym).where(Respondent.assessment_id == assessment["id"])
            ).all()
        )
    in_creation_order = [pseudonym_of[r["id"]] for r in listed]
    assert len(set(in_creation_order)) == 30
    assert in_creation_order != sorted(in_creation_order), "R-numbers must not follow the order of invitation"
    first, rows, sheet = exports(tenant, assessment["id"])
    second = tenant.get(f"/assessments/{assessment['id']}/export.json").json()
    exported = [p["id"] for p in first["respondents"]]
    assert exported == sorted(in_creation_order) == [p["id"] for p in second["respondents"]]
    assert exported == list(dict.fromkeys(r["respondent"] for r in rows))
    assert exported == list(dict.fromkeys(r["respondent"] for r in sheet))
    listing_text = str(listed)
    assert not any(pseudonym in listing_text for pseudonym in exported)


def test_listing_times_are_to_the_day_when_anonymous(client: TestClient, tenant: Tenant) -> None:
    anonymous = tenant.open_assessment()
    push(client, tenant, anonymous["id"], name="Dana Reyes", email="dana@example.com")
    (token,) = tenant.invite(anonymous["id"], ("frontline", "service"))
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 2}})
    submitted, started = tenant.get(f"/assessments/{anonymous['id']}/respondents").json()["items"]
    # The name is there to track the invitation; its times are the day, and no answer count.
    assert submitted["name"] == "Dana Reyes" and submitted["status"] == "submitted"
    for moment in (submitted["created_at"], submitted["started_at"], submitted["submitted_at"], started["started_at"]):
        assert DAY_ONLY.fullmatch(moment), moment
    assert submitted["progress"] is None
    assert started["progress"]["answered"] == 1 and started["submitted_at"] is None

    named = tenant.open_assessment(anonymity="named", name="Initech")
    respondent_id = push(client, tenant, named["id"])
    (listed,) = tenant.get(f"/assessments/{named['id']}/respondents").json()["items"]
    with session_scope() as session:
        stored = session.exec(select(Respondent).where(Respondent.id == respondent_id)).one()
        assert listed["submitted_at"] == stored.submitted_at.isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]
    assert listed["progress"]["share"] == 1.0


# ---- exports


def test_anonymous_exports_carry_no_times_names_or_unsubmitted_people(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    for n in range(3):
        push(client, tenant, assessment["id"], name=f"Secret {n}", email=f"s{n}@example.com")
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 1}})
    document, rows, sheet = exports(tenant, assessment["id"])
    assert len(document["respondents"]) == 3  # the one in progress would be singled out by the listing
    for person in document["respondents"]:
        assert person["submitted_at"] is None and person["name"] is None and person["email"] is None
    assert len(rows) == len(sheet) == 3 * len(pulse_answers(client, tenant))
    assert {r["submitted_at"] for r in rows} == {""} and {r["submitted_at"] for r in sheet} == {None}
    assert {r["name"] for r in rows} == {""} and {r["email"] for r in sheet} == {None}


def _roles_and_functions(document: dict[str, Any], rows: list[dict[str, str]], sheet: list[dict[str, Any]]) -> Any:
    """(pseudonym, role, function) as each format shows them, with empty cells as None."""
    from_json = {(p["id"], p["role"], p["function"]) for p in document["respondents"]}
    from_csv = {(r["respondent"], r["role"] or None, r["function"] or None) for r in rows}
    from_xlsx = {(r["respondent"], r["role"], r["function"]) for r in sheet}
    assert from_json == from_csv == from_xlsx
    return from_json


def test_small_groups_are_blanked_in_every_export(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    people = [("manager", "sales")] * 3 + [("frontline", "service")] * 3
    people += [("executive", "sales"), ("executive", "marketing"), ("manager", "marketing")]
    for role, function in people:
        push(client, tenant, assessment["id"], role=role, function=function)
    document, rows, sheet = exports(tenant, assessment["id"])
    shown = Counter((role, function) for _, role, function in _roles_and_functions(document, rows, sheet))
    # Both where the pair is large enough; the three small cells hide together, with neither.
    assert shown == {("manager", "sales"): 3, ("frontline", "service"): 3, (None, None): 3}
    assert "executive" not in {r["role"] for r in rows}
    assert any("group" in note for note in document["privacy_notes"])
    assert "left empty" in client.get("/openapi.json").text  # the reason, in the export's description


def test_a_lone_executive_is_not_singled_out(client: TestClient, tenant: Tenant) -> None:
    """The review's case: one executive in sales beside larger groups."""
    assessment = tenant.open_assessment()
    for role, function in [("executive", "sales")] + [("manager", "sales")] * 3 + [("frontline", "service")] * 3:
        push(client, tenant, assessment["id"], role=role, function=function)
    document, rows, sheet = exports(tenant, assessment["id"])
    shown = Counter((role, function) for _, role, function in _roles_and_functions(document, rows, sheet))
    # Blanking the executive alone would leave one row with a blank, hers: a group of three joins her.
    assert shown == {("manager", "sales"): 3, (None, None): 4}
    assert "executive" not in {r["role"] for r in rows}


def test_exports_below_the_minimum_carry_progress_only(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    for _ in range(2):
        push(client, tenant, assessment["id"], function="sales")
    document, rows, sheet = exports(tenant, assessment["id"])
    assert document["withheld"] is True and document["result"] is None and document["respondents"] == []
    assert document["progress"] == {"invited": 2, "submitted": 2}
    assert rows == [] and sheet == []
    workbook = load_workbook(io.BytesIO(tenant.get(f"/assessments/{assessment['id']}/export.xlsx").content))
    facts = dict(workbook["Summary"].iter_rows(values_only=True))
    assert facts["Respondents submitted"] == 2 and "Index (0-100)" not in facts
    assert all(workbook[name].max_row == 1 for name in ("Dimensions", "Questions", "Outcomes", "Recommendations"))
    push(client, tenant, assessment["id"])
    document, rows, _ = exports(tenant, assessment["id"])
    assert document["withheld"] is False and len(document["respondents"]) == 3 and rows


# ---- webhooks


def _submitted_payloads(workspace_id: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        found = session.exec(
            select(WebhookDelivery.payload)
            .where(WebhookDelivery.event == "response.submitted")
            .order_by(col(WebhookDelivery.created_at))
        ).all()
    return [payload.get("data", payload) for payload in found]


def test_anonymous_submitted_webhooks_do_not_join_to_a_person(client: TestClient, tenant: Tenant) -> None:
    assert tenant.post("/webhooks", {"url": "https://hooks.example.com/in"}).status_code == 201
    anonymous = tenant.open_assessment()
    secret_id = push(client, tenant, anonymous["id"], role="executive", function="finance")
    named = tenant.open_assessment(anonymity="named", name="Initech")
    named_id = push(client, tenant, named["id"], role="executive", function="finance")
    first, second = _submitted_payloads(tenant.workspace_id)
    assert set(first) == {"assessment_id", "anonymous", "submitted_on"}
    assert first["assessment_id"] == anonymous["id"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", first["submitted_on"])
    text = str(first)
    assert secret_id not in text and "executive" not in text and "finance" not in text
    assert second["respondent_id"] == named_id and second["role"] == "executive" and second["submitted_at"]


# ---- comments in the report


def test_report_comments_carry_no_person_and_only_large_groups(client: TestClient, tenant: Tenant) -> None:
    large = tenant.open_assessment("customer-centricity")
    people = [("manager", "sales")] * 3 + [("frontline", "service")] * 3
    _flagship_comments(tenant, large["id"], people)
    quoted = _flagship_quoted(tenant, large["id"])
    frontline, managers = "Frontline employee · Customer service", "Manager or team leader · Sales"
    assert quoted == {f"Said by {n}": managers for n in range(3)} | {f"Said by {n}": frontline for n in range(3, 6)}

    small = tenant.open_assessment("customer-centricity", name="Initech")
    _flagship_comments(tenant, small["id"], [*people, ("executive", "sales")])
    quoted = _flagship_quoted(tenant, small["id"])
    # The lone executive (Said by 6) is unattributed, and hides among the frontline group, unattributed too.
    assert quoted == {f"Said by {n}": managers for n in range(3)} | {f"Said by {n}": "" for n in range(3, 7)}

    named = tenant.open_assessment("customer-centricity", name="Hooli", anonymity="named")
    _flagship_comments(tenant, named["id"], [("executive", "sales")])
    (signature,) = _flagship_quoted(tenant, named["id"]).values()
    assert signature.startswith("Named Person 0")


def _flagship_comments(tenant: Tenant, assessment_id: str, people: list[tuple[str, str]]) -> None:
    questionnaire = find_questionnaire("customer-centricity")
    for n, ((role, function), person) in enumerate(
        zip(people, synthetic_respondents(questionnaire, len(people), seed=5), strict=True)
    ):
        body = {
            "role": role,
            "function": function,
            "name": f"Named Person {n}",
            "answers": dict(person.answers),
            "comments": {"strategy-customer-strategy": f"Said by {n}"},
        }
        response = tenant.post(f"/assessments/{assessment_id}/responses", body)
        assert response.status_code == 201, response.text


def _flagship_quoted(tenant: Tenant, assessment_id: str) -> dict[str, str]:
    response = tenant.get(f"/assessments/{assessment_id}/report.html")
    assert response.status_code == 200, response.text
    found: dict[str, str] = {}
    pattern = r'<p class="comment">(Said by \d+)(?: <span class="who">— ([^<]*)</span>)?</p>'
    for text, who in re.findall(pattern, response.text):
        found[text] = who
    assert not re.search(r"\bR\d{3,}\b", response.text)
    return found


# ---- the web edit form


def test_the_edit_form_shows_the_refusal_and_changes_nothing(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, make_account("ann@acme.example", WORKSPACE).email)
    assessment = tenant.open_assessment(min_group_size=4)
    path = f"/assessments/{assessment['id']}"

    def post(**fields: str) -> Any:
        token = form_token(client.get(path).text)
        return client.post(f"{path}/privacy", data={"csrf_token": token, **fields}, follow_redirects=False)

    too_small = post(anonymity="anonymous", min_group_size="2")
    assert too_small.status_code == 422 and "at least 3" in too_small.text
    assert post(anonymity="anonymous", min_group_size="3").status_code == 303
    assert tenant.get(path).json()["min_group_size"] == 3

    push(client, tenant, assessment["id"])
    refused = post(anonymity="named", min_group_size="3")
    assert refused.status_code == 409
    assert "can only become stricter" in refused.text and "cannot become named" in refused.text
    assert tenant.get(path).json()["anonymity"] == "anonymous"
    assert post(anonymity="anonymous", min_group_size="5").status_code == 303
    assert tenant.get(path).json()["min_group_size"] == 5
