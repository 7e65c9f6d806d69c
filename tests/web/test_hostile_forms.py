"""Hostile input through the pages' forms and links: a page with the message (422), nothing stored,
and the assessment's exports and report still 200 afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, dont_know_answers
from tests.api.test_hostile_input import assert_every_output_answers
from tests.web.test_manage_pages import post, respondents_of
from tests.web.test_respondent_pages import _link, _page_of, _post_page, _saved

BAD_FORM_TEXTS = {"NUL": "bad \x00 text", "escape (C0)": "bad \x1b text", "next line (C1)": "bad \x85 text"}


@pytest.mark.parametrize("bad", BAD_FORM_TEXTS.values(), ids=BAD_FORM_TEXTS.keys())
def test_consultant_forms_refuse_bad_text_with_a_page_naming_the_field(
    signed_in: TestClient, tenant: Tenant, bad: str
) -> None:
    assessment = tenant.open_assessment()
    page = f"/assessments/{assessment['id']}"
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("/organizations/new", "/organizations/new", {"name": bad}, "body.name"),
        ("/organizations/new", "/organizations/new", {"name": "Initech", "region": bad}, "body.region"),
        (
            f"/assessments/new?organization_id={assessment['organization_id']}",
            "/assessments/new",
            {"organization_id": assessment["organization_id"], "questionnaire_id": "pulse", "title": bad},
            "body.title",
        ),
        (page, f"{page}/invite", {"people": f"manager, sales, {bad}"}, "body.people"),
        (page, f"{page}/invite-anonymous", {"count": "2", "role": bad, "function": "sales"}, "body.role"),
    ]
    for shown, action, data, field in cases:
        response = post(signed_in, shown, action, data)
        assert response.status_code == 422, f"{action}: {response.status_code}"
        assert "text/html" in response.headers["content-type"]
        assert field in response.text and "character" in response.text, action
    assert [o["name"] for o in tenant.get("/organizations").json()["items"]] == ["Globex"]
    assert tenant.get("/assessments").json()["total"] == 1
    assert respondents_of(tenant, assessment["id"]) == []


def test_a_name_pasted_with_a_tab_is_refused_naming_its_line(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment(anonymity="named")
    page = f"/assessments/{assessment['id']}"
    response = post(signed_in, page, f"{page}/invite", {"people": "manager, sales, Ann\tLee"})
    assert response.status_code == 422 and "Line 1, name" in response.text and "line break or tab" in response.text
    assert respondents_of(tenant, assessment["id"]) == []


@pytest.mark.parametrize("count", ["¹", "١", "9" * 400, "9223372036854775808", "-1", "1e3"])
def test_the_anonymous_links_count_takes_only_plain_whole_numbers(
    signed_in: TestClient, tenant: Tenant, count: str
) -> None:
    assessment = tenant.open_assessment()
    page = f"/assessments/{assessment['id']}"
    response = post(
        signed_in, page, f"{page}/invite-anonymous", {"count": count, "role": "manager", "function": "sales"}
    )
    assert response.status_code == 422 and "Give a whole number from 1 to 1000" in response.text
    assert respondents_of(tenant, assessment["id"]) == []


@pytest.mark.parametrize("field", ["opens_on", "last_day"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2999-12-32", "10000-01-01", "0000-01-01"])
def test_every_date_of_the_assessment_form_refuses_dates_at_the_edges(
    signed_in: TestClient, tenant: Tenant, field: str, day: str
) -> None:
    organization = tenant.organization("Globex")
    shown = f"/assessments/new?organization_id={organization['id']}"
    data = {"organization_id": organization["id"], "questionnaire_id": "pulse", field: day}
    response = post(signed_in, shown, "/assessments/new", data)
    assert response.status_code == 422, response.status_code
    assert "Give a date" in response.text
    assert tenant.get("/assessments").json()["total"] == 0


def test_the_last_date_accepted_is_taken(signed_in: TestClient, tenant: Tenant) -> None:
    organization = tenant.organization("Globex")
    shown = f"/assessments/new?organization_id={organization['id']}"
    data = {"organization_id": organization["id"], "questionnaire_id": "pulse", "last_day": "2999-12-31"}
    response = post(signed_in, shown, "/assessments/new", data)
    assert response.status_code == 303, response.text
    (created,) = tenant.get("/assessments").json()["items"]
    assert created["closes_at"].startswith("3000-01-01T00:00:00")


@pytest.mark.parametrize("bad", BAD_FORM_TEXTS.values(), ids=BAD_FORM_TEXTS.keys())
def test_the_respondent_form_refuses_bad_text_and_saves_nothing(client: TestClient, tenant: Tenant, bad: str) -> None:
    assessment_id, token = _link(tenant, "customer-centricity")
    for _ in range(3):  # three submitted people, so that the results and report are shown, not withheld
        tenant.respond(assessment_id, "manager", "sales", dont_know_answers(tenant, "customer-centricity"))
    number = _page_of(client, token, "people-blocker")
    response = _post_page(client, token, number, {"people-blocker": bad})
    assert response.status_code == 422 and "answer-people-blocker" in response.text
    assert _saved(client, token)["answers"] == {}
    levels = _post_page(client, token, 1, {"strategy-customer-strategy": "³"})
    assert levels.status_code == 422 and _saved(client, token)["answers"] == {}
    assert_every_output_answers(tenant, assessment_id)


def test_the_respondent_form_refuses_huge_and_non_finite_figures(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, "customer-centricity")
    last = _page_of(client, token, "outcome-clv")
    for typed in ("1e400", "9" * 400, "1e300", "NaN", "-inf"):
        response = _post_page(client, token, last, {"outcome-clv": typed})
        assert response.status_code == 422, typed
        assert 'id="error-outcome-clv" role="alert"' in response.text, typed
    assert _saved(client, token)["answers"] == {}


@pytest.mark.parametrize("value", ["9223372036854775807", "9" * 400, "0", "%C2%B9"])
def test_the_respondents_list_page_number_is_bounded(signed_in: TestClient, tenant: Tenant, value: str) -> None:
    assessment = tenant.open_assessment()
    response = signed_in.get(f"/assessments/{assessment['id']}?page={value}")
    assert response.status_code == 422 and "page" in response.text
