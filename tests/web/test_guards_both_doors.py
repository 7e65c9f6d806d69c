"""Every guard of a respondent's link and of an invitation answers the same through both front doors:
the API and the pages reach one decision for a closed, past, draft, handed-in or forged link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import col, update

from app.db.engine import get_engine
from app.db.session import session_scope
from app.db.tables import Assessment, utc_now
from app.services import responses
from app.web.security import respondent_csrf_token
from tests.api.conftest import Tenant, pulse_answers
from tests.web.test_manage_pages import post

# What the pages show for each answer of the guards: the status code and the words of the page.
PAGES = {
    "closed": (409, "This assessment is closed"),
    "not_open": (409, "This assessment has not opened yet"),
}


def _past_its_last_day(tenant: Tenant) -> str:
    """A link to an assessment still open whose last day has passed."""
    assessment = tenant.open_assessment("pulse")
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    now = utc_now()
    with session_scope() as session:
        session.exec(
            update(Assessment)
            .where(col(Assessment.id) == assessment["id"])
            .values(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
        )
    return token


def _closed(tenant: Tenant) -> str:
    assessment = tenant.open_assessment("pulse")
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    assert tenant.post(f"/assessments/{assessment['id']}/close").status_code == 200
    return token


def _draft(tenant: Tenant) -> str:
    draft = tenant.assessment(tenant.organization("Umbrella")["id"])
    (token,) = tenant.invite(draft["id"], ("manager", "sales"))
    return token


def _api_refusal(client: TestClient, token: str) -> list[tuple[int, Any]]:
    """What the API answers a save and a submit through the link: (status, message) of each."""
    save = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}})
    submit = client.post(f"/api/v1/respond/{token}/submit")
    return [(r.status_code, r.json()["detail"]["message"]) for r in (save, submit)]


@pytest.mark.parametrize(
    ("make", "status"), [(_closed, "closed"), (_past_its_last_day, "closed"), (_draft, "not_open")]
)
def test_a_link_that_takes_no_answers_is_refused_alike_by_the_api_and_the_pages(
    client: TestClient, tenant: Tenant, make: Any, status: str
) -> None:
    token = make(tenant)
    form = client.get(f"/api/v1/respond/{token}")
    assert form.status_code == 200 and form.json()["status"] == status
    assert _api_refusal(client, token) == [(409, responses.NOT_ACCEPTING)] * 2
    code, words = PAGES[status]
    for path in ("", "/page/1", "/review"):
        page = client.get(f"/r/{token}{path}")
        assert (page.status_code, words in page.text) == (code, True), path
    csrf = respondent_csrf_token(token)
    for path in ("/page/1", "/submit"):
        posted = client.post(f"/r/{token}{path}", data={"csrf_token": csrf}, follow_redirects=False)
        assert (posted.status_code, words in posted.text) == (code, True), path


def test_a_handed_in_link_is_refused_by_the_api_and_sent_to_its_thanks_by_the_pages(
    client: TestClient, tenant: Tenant
) -> None:
    assessment = tenant.open_assessment("pulse")
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    assert client.put(f"/api/v1/respond/{token}/answers", json={"answers": pulse_answers(client, tenant)}).is_success
    assert client.post(f"/api/v1/respond/{token}/submit").status_code == 200
    assert client.get(f"/api/v1/respond/{token}").json()["status"] == "submitted"
    assert _api_refusal(client, token) == [(409, responses.ALREADY_SUBMITTED)] * 2
    for path in ("/page/1", "/review"):
        page = client.get(f"/r/{token}{path}", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, f"/r/{token}/thanks")
    csrf = respondent_csrf_token(token)
    for path in ("/page/1", "/submit"):
        posted = client.post(f"/r/{token}{path}", data={"csrf_token": csrf}, follow_redirects=False)
        assert (posted.status_code, posted.headers["location"]) == (303, f"/r/{token}/thanks")


def test_a_forged_link_is_not_found_by_either_door(client: TestClient) -> None:
    token = "forged-" + "x" * 36
    assert client.get(f"/api/v1/respond/{token}").json()["detail"]["message"] == "this link is not valid"
    assert [code for code, _ in _api_refusal(client, token)] == [404, 404]
    assert {m for _, m in _api_refusal(client, token)} == {"this link is not valid"}
    for path in ("", "/page/1", "/review", "/thanks"):
        assert client.get(f"/r/{token}{path}").status_code == 404
    for path in ("/page/1", "/submit"):
        assert client.post(f"/r/{token}{path}", data={"csrf_token": respondent_csrf_token(token)}).status_code == 404


def test_a_closed_assessment_refuses_invitations_with_one_message_on_both_doors(
    signed_in: TestClient, tenant: Tenant
) -> None:
    assessment = tenant.open_assessment("pulse")
    assert tenant.post(f"/assessments/{assessment['id']}/close").status_code == 200
    api = tenant.post(
        f"/assessments/{assessment['id']}/respondents", {"respondents": [{"role": "manager", "function": "sales"}]}
    )
    assert api.status_code == 409
    message = api.json()["detail"]["message"]
    page = f"/assessments/{assessment['id']}"
    for action in ("/invite", "/invite-anonymous"):
        refused = post(signed_in, page, page + action, {"people": "manager, sales", "count": "2"})
        assert refused.status_code == 409 and message in refused.text


def test_a_page_post_reads_the_link_and_the_answers_in_two_selects_of_named_columns(
    client: TestClient, tenant: Tenant
) -> None:
    """The page post reads what the API's save reads (the link's columns, never who the person is)
    and the stored answers once, then writes: no ORM load of the respondent or the assessment."""
    assessment = tenant.open_assessment("pulse")
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    page = client.get(f"/r/{token}/page/1").text
    question = re.findall(r'name="shown" value="([^"]+)"', page)[0]
    data = {"csrf_token": respondent_csrf_token(token), "shown": question, f"answer-{question}": "3"}
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.post(f"/r/{token}/page/1", data=data, follow_redirects=False).status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 2, selects
    assert "FROM respondents JOIN assessments" in selects[0] and "FROM answers" in selects[1]
    columns = selects[0].split(" FROM ")[0]
    for identity in ("respondents.name", "respondents.email", "respondents.token_hash", "questionnaire_snapshot"):
        assert identity not in columns
    assert [s.split()[0] for s in statements if not s.startswith(("SELECT", "BEGIN"))] == ["INSERT", "UPDATE"]
