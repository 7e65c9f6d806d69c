"""The consultant's management pages: organizations, assessments, invitations, API keys and webhooks."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import col, select, update

from app.db.session import session_scope
from app.db.tables import Respondent, utc_now
from app.services import webhooks
from tests.api.conftest import Tenant
from tests.web.conftest import form_token


def post(client: TestClient, page: str, action: str, data: dict[str, Any] | None = None) -> Response:
    """Post a form the way a browser does: with the CSRF token of the page that shows it."""
    token = form_token(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, follow_redirects=False)


def new_assessment(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return tenant.assessment(tenant.organization("Globex")["id"], "pulse", **fields)


def respondents_of(tenant: Tenant, assessment_id: str) -> list[dict[str, Any]]:
    return tenant.get(f"/assessments/{assessment_id}/respondents").json()["items"]  # type: ignore[no-any-return]


# ---- access


@pytest.mark.parametrize(
    "path",
    [
        "/organizations/new",
        "/organizations/some-id",
        "/assessments/new?organization_id=x",
        "/assessments/some-id",
        "/assessments/some-id/close",
        "/settings/api-keys",
        "/settings/webhooks",
    ],
)
def test_pages_need_a_signed_in_user(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/")


def test_every_form_refuses_a_post_without_the_csrf_token(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = new_assessment(tenant)
    key_id = tenant.get("/api-keys").json()["items"][0]["id"]
    actions = [
        "/organizations/new",
        "/assessments/new",
        f"/assessments/{assessment['id']}/open",
        f"/assessments/{assessment['id']}/close",
        f"/assessments/{assessment['id']}/invite",
        f"/assessments/{assessment['id']}/invite-anonymous",
        "/settings/api-keys",
        f"/settings/api-keys/{key_id}/revoke",
        "/settings/webhooks",
        "/settings/webhooks/x/delete",
    ]
    for action in actions:
        refused = signed_in.post(action, data={"name": "Forged", "confirm": "yes"}, follow_redirects=False)
        assert refused.status_code == 403, action
        assert "did not come from this site" in refused.text
    assert tenant.get(f"/assessments/{assessment['id']}").json()["status"] == "draft"
    assert [o["name"] for o in tenant.get("/organizations").json()["items"]] == ["Globex"]


def test_another_workspaces_records_are_a_404_page(signed_in: TestClient, other_tenant: Tenant) -> None:
    theirs = other_tenant.assessment(other_tenant.organization("Initech")["id"], "pulse")
    hook = other_tenant.post("/webhooks", {"url": "https://hooks.example.com/in"}).json()
    pages = [
        f"/organizations/{theirs['organization_id']}",
        f"/assessments/new?organization_id={theirs['organization_id']}",
        f"/assessments/{theirs['id']}",
        f"/assessments/{theirs['id']}/close",
    ]
    for page in pages:
        response = signed_in.get(page)
        assert response.status_code == 404, page
        assert "Page not found" in response.text and "text/html" in response.headers["content-type"]
    token = form_token(signed_in.get("/").text)
    posts = [
        f"/assessments/{theirs['id']}/open",
        f"/assessments/{theirs['id']}/invite",
        f"/assessments/{theirs['id']}/invite-anonymous",
        f"/settings/webhooks/{hook['id']}/delete",
    ]
    for action in posts:
        response = signed_in.post(action, data={"csrf_token": token, "people": "manager, sales"})
        assert response.status_code == 404, action
    stolen = signed_in.post(
        "/assessments/new",
        data={"csrf_token": token, "organization_id": theirs["organization_id"], "questionnaire_id": "pulse"},
    )
    assert stolen.status_code == 404
    assert other_tenant.get(f"/assessments/{theirs['id']}").json()["status"] == "draft"
    assert other_tenant.get(f"/assessments/{theirs['id']}/respondents").json()["total"] == 0
    assert other_tenant.get(f"/webhooks/{hook['id']}").status_code == 200


# ---- organizations


def test_new_organization_is_created_and_shown_on_the_dashboard(signed_in: TestClient, tenant: Tenant) -> None:
    form = signed_in.get("/organizations/new")
    assert form.status_code == 200
    for field in ("name", "industry", "size_band", "region"):
        assert f'<label for="field-{field}"' in form.text and f'id="field-{field}"' in form.text
    response = post(
        signed_in,
        "/organizations/new",
        "/organizations/new",
        {"name": "Globex Retail", "industry": "Retail", "size_band": "250-999", "region": "Nordics"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    (created,) = tenant.get("/organizations").json()["items"]
    assert (created["name"], created["industry"], created["size_band"], created["region"]) == (
        "Globex Retail",
        "Retail",
        "250-999",
        "Nordics",
    )
    dashboard = signed_in.get("/").text
    assert f'href="/organizations/{created["id"]}"' in dashboard and "New organization" in dashboard


def test_new_organization_errors_keep_the_input(signed_in: TestClient, tenant: Tenant) -> None:
    empty = post(signed_in, "/organizations/new", "/organizations/new", {"name": "  ", "industry": "Logistics"})
    assert empty.status_code == 422
    assert "This cannot be empty." in empty.text and 'aria-invalid="true"' in empty.text
    assert 'value="Logistics"' in empty.text
    tenant.organization("Globex")
    taken = post(signed_in, "/organizations/new", "/organizations/new", {"name": "Globex", "region": "DACH"})
    assert taken.status_code == 422 and "already exists" in taken.text and 'value="DACH"' in taken.text
    assert tenant.get("/organizations").json()["total"] == 1


def test_organization_page_lists_its_assessments_with_counts(signed_in: TestClient, tenant: Tenant) -> None:
    organization = tenant.organization("Globex")
    assessment = tenant.assessment(organization["id"], "pulse", title="Spring pulse")
    tenant.post(f"/assessments/{assessment['id']}/open")
    tenant.invite(assessment["id"], ("manager", "sales"), ("frontline", "service"))
    page = signed_in.get(f"/organizations/{organization['id']}")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1 and "Globex" in page.text
    assert f'href="/assessments/{assessment["id"]}"' in page.text and "Spring pulse" in page.text
    assert "0 of 2 submitted" in page.text and 'class="badge open"' in page.text
    assert f"/assessments/new?organization_id={organization['id']}" in page.text


# ---- assessments


def test_new_assessment_form_offers_the_library_and_named_levels(signed_in: TestClient, tenant: Tenant) -> None:
    organization = tenant.organization("Globex")
    form = signed_in.get(f"/assessments/new?organization_id={organization['id']}")
    assert form.status_code == 200
    assert "<legend>Questionnaire</legend>" in form.text and "<legend>Anonymity</legend>" in form.text
    assert 'value="pulse"' in form.text and "pulse version 1.0" in form.text and "questions" in form.text
    assert "1 — Ad hoc" in form.text and "5 — Customer-led" in form.text
    assert 'type="date"' in form.text
    assert signed_in.get("/assessments/new").status_code == 404


def test_new_assessment_is_created_pinned_and_shown(signed_in: TestClient, tenant: Tenant) -> None:
    organization = tenant.organization("Globex")
    page = f"/assessments/new?organization_id={organization['id']}"
    response = post(
        signed_in,
        page,
        "/assessments/new",
        {
            "organization_id": organization["id"],
            "questionnaire_id": "pulse",
            "title": "Autumn pulse",
            "target_level": "3",
            "opens_on": "2030-03-01",
            "last_day": "2030-03-31",
            "anonymity": "named",
            "min_group_size": "5",
            "show_personal_result": "yes",
        },
    )
    assert response.status_code == 303
    assessment_id = response.headers["location"].rsplit("/", 1)[1]
    created = tenant.get(f"/assessments/{assessment_id}").json()
    assert created["title"] == "Autumn pulse" and created["questionnaire_id"] == "pulse"
    assert created["target_level"] == 3 and created["anonymity"] == "named" and created["min_group_size"] == 5
    assert created["show_personal_result"] is True and created["status"] == "draft"
    assert created["opens_at"].startswith("2030-03-01T00:00:00") and created["closes_at"].startswith("2030-04-01T00:00")
    shown = signed_in.get(response.headers["location"])
    assert shown.status_code == 200 and "Autumn pulse" in shown.text
    assert "pulse version 1.0" in shown.text and "3 — Established" in shown.text
    assert "01 Mar 2030, 00:00 UTC" in shown.text and 'class="badge draft"' in shown.text


def test_new_assessment_defaults_take_the_questionnaire_title_and_level(signed_in: TestClient, tenant: Tenant) -> None:
    organization = tenant.organization("Globex")
    response = post(
        signed_in,
        f"/assessments/new?organization_id={organization['id']}",
        "/assessments/new",
        {"organization_id": organization["id"], "questionnaire_id": "pulse", "min_group_size": "3"},
    )
    assert response.status_code == 303
    created = tenant.get(f"/assessments/{response.headers['location'].rsplit('/', 1)[1]}").json()
    assert "Globex" in created["title"] and created["anonymity"] == "anonymous" and created["opens_at"] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"questionnaire_id": ""}, "questionnaire_id", "Choose a questionnaire."),
        ({"questionnaire_id": "no-such-thing"}, "questionnaire_id", "Choose a questionnaire."),
        ({"opens_on": "2030-03-10", "last_day": "2030-03-01"}, "last_day", "cannot be before the opening day"),
        ({"opens_on": "10/03/2030"}, "opens_on", "YYYY-MM-DD"),
        ({"min_group_size": "0"}, "min_group_size", "greater than or equal to 1"),
        ({"target_level": "9"}, "target_level", "less than or equal to 5"),
        ({"anonymity": "whispered"}, "anonymity", "anonymous"),
    ],
)
def test_new_assessment_errors_are_shown_next_to_the_field(
    signed_in: TestClient, tenant: Tenant, fields: dict[str, str], field: str, message: str
) -> None:
    organization = tenant.organization("Globex")
    data = {
        "organization_id": organization["id"],
        "questionnaire_id": "pulse",
        "title": "Kept title",
        "min_group_size": "3",
        **fields,
    }
    response = post(signed_in, f"/assessments/new?organization_id={organization['id']}", "/assessments/new", data)
    assert response.status_code == 422
    assert f'id="field-{field}-error"' in response.text and message in response.text
    assert 'value="Kept title"' in response.text
    assert tenant.get("/assessments").json()["total"] == 0


def test_open_then_close_with_confirmation(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = new_assessment(tenant)
    page = f"/assessments/{assessment['id']}"
    draft = signed_in.get(page)
    assert "Open for answers" in draft.text and "Close…" not in draft.text
    opened = post(signed_in, page, f"{page}/open")
    assert opened.status_code == 303 and opened.headers["location"] == page
    assert tenant.get(page).json()["status"] == "open"
    assert 'class="badge open"' in signed_in.get(page).text
    # a close without the confirmation page's field only leads to that page
    unconfirmed = post(signed_in, page, f"{page}/close")
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == f"{page}/close"
    assert tenant.get(page).json()["status"] == "open"
    confirm = signed_in.get(f"{page}/close")
    assert confirm.status_code == 200 and "cannot be opened again" in confirm.text
    closed = post(signed_in, f"{page}/close", f"{page}/close", {"confirm": "yes"})
    assert closed.status_code == 303 and tenant.get(page).json()["status"] == "closed"
    after = signed_in.get(page).text
    assert 'class="badge closed"' in after and "Invite respondents" not in after
    again = post(signed_in, page, f"{page}/open")
    assert again.status_code == 409 and "only a draft assessment can be opened" in again.text


def test_progress_table_shows_each_respondent_and_totals(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    tenant.invite(assessment["id"], ("manager", "sales"), ("frontline", "service"), ("executive", "leadership"))
    with session_scope() as session:
        first = session.exec(select(Respondent).where(Respondent.assessment_id == assessment["id"])).first()
        assert first is not None
        session.exec(update(Respondent).where(col(Respondent.id) == first.id).values(started_at=utc_now()))
    page = signed_in.get(f"/assessments/{assessment['id']}")
    assert page.status_code == 200
    assert "Manager" in page.text and "Sales" in page.text and "anonymous" in page.text
    assert "in progress" in page.text and "invited" in page.text and "0%" in page.text
    assert "Total: 3 respondents" in page.text and "1 in progress" in page.text


# ---- invitations


def test_pasted_list_creates_people_and_shows_their_links_once(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    page = f"/assessments/{assessment['id']}"
    pasted = "manager, sales, Dana Reyes, dana@example.com\n\nFrontline, Service\nexecutive,leadership,Lee Park\n"
    response = post(signed_in, page, f"{page}/invite", {"people": pasted, "deliver": "page"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "shown only on this page" in response.text and "3 new invitation links" in response.text
    assert response.text.count("/r/") == 3 and "Dana Reyes" in response.text
    people = respondents_of(tenant, assessment["id"])
    assert [(p["role"], p["function"], p["name"], p["email"]) for p in people] == [
        ("manager", "sales", "Dana Reyes", "dana@example.com"),
        ("frontline", "service", None, None),
        ("executive", "leadership", "Lee Park", None),
    ]
    token = response.text.split("/r/", 1)[1].split("<", 1)[0]
    assert tenant.client.get(f"/api/v1/respond/{token}").status_code == 200
    assert token not in signed_in.get(page).text


def test_pasted_list_errors_name_the_line_and_create_nothing(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    page = f"/assessments/{assessment['id']}"
    pasted = "manager, sales\nboss, sales\nmanager, sales, Kim, not-an-email\njust-one-field"
    response = post(signed_in, page, f"{page}/invite", {"people": pasted})
    assert response.status_code == 422
    assert "Line 2: unknown role &#39;boss&#39;." in response.text
    assert "Line 3, email:" in response.text and "Line 4: write role, function" in response.text
    assert "boss, sales\nmanager, sales, Kim" in response.text  # the textarea keeps what was pasted
    empty = post(signed_in, page, f"{page}/invite", {"people": "  \n"})
    assert empty.status_code == 422 and "Paste at least one line" in empty.text
    assert respondents_of(tenant, assessment["id"]) == []


def test_anonymous_links_for_a_role_and_function(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = new_assessment(tenant)
    page = f"/assessments/{assessment['id']}"
    response = post(signed_in, page, f"{page}/invite-anonymous", {"count": "4", "role": "specialist", "function": "it"})
    assert response.status_code == 200 and response.text.count("/r/") == 4
    people = respondents_of(tenant, assessment["id"])
    assert len(people) == 4 and {(p["role"], p["function"], p["name"]) for p in people} == {("specialist", "it", None)}
    wrong = post(signed_in, page, f"{page}/invite-anonymous", {"count": "0", "role": "", "function": "it"})
    assert wrong.status_code == 422
    assert 'id="anonymous-count-error"' in wrong.text and "Choose a role." in wrong.text
    assert '<option value="it" selected>' in wrong.text
    assert len(respondents_of(tenant, assessment["id"])) == 4


def test_invite_and_download_gives_a_csv_with_safe_cells(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    page = f"/assessments/{assessment['id']}"
    pasted = "manager, sales, =HYPERLINK(x), +1@example.com\nfrontline, service, @SUM(A1)\nmanager, it, -Dana\n"
    response = post(signed_in, page, f"{page}/invite", {"people": pasted, "deliver": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["role", "function", "name", "email", "link"]
    assert [row[2] for row in rows[1:]] == ["'=HYPERLINK(x)", "'@SUM(A1)", "'-Dana"]
    assert rows[1][3] == "'+1@example.com"
    assert all("/r/" in row[4] for row in rows[1:]) and len(rows) == 4
    assert len(respondents_of(tenant, assessment["id"])) == 3

    anonymous = post(
        signed_in,
        page,
        f"{page}/invite-anonymous",
        {"count": "2", "role": "manager", "function": "sales", "deliver": "csv"},
    )
    assert anonymous.status_code == 200 and len(anonymous.content.decode("utf-8-sig").strip().splitlines()) == 3


def test_a_closed_assessment_takes_no_invitations(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    tenant.post(f"/assessments/{assessment['id']}/close")
    page = f"/assessments/{assessment['id']}"
    refused = post(signed_in, page, f"{page}/invite", {"people": "manager, sales"})
    assert refused.status_code == 409 and "closed" in refused.text


# ---- API keys


def test_api_key_is_shown_once_works_and_can_be_revoked(signed_in: TestClient, tenant: Tenant) -> None:
    page = signed_in.get("/settings/api-keys")
    assert page.status_code == 200 and '<label for="field-name"' in page.text and "tests" in page.text
    # as the browser sends the form: every scope is ticked by default
    every_scope = {"name": "CRM sync", "scopes": ["read", "write", "admin"]}
    created = post(signed_in, "/settings/api-keys", "/settings/api-keys", every_scope)
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    assert "shown only this once" in created.text
    key = created.text.split('id="new-key" value="', 1)[1].split('"', 1)[0]
    assert key.startswith("ck_")
    assert signed_in.get("/settings/api-keys").text.count(key) == 0
    assert signed_in.get("/api/v1/organizations", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listed = {k["name"]: k for k in tenant.get("/api-keys").json()["items"]}
    assert listed["CRM sync"]["revoked_at"] is None
    revoked = post(signed_in, "/settings/api-keys", f"/settings/api-keys/{listed['CRM sync']['id']}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/settings/api-keys"
    assert signed_in.get("/api/v1/organizations", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert "revoked" in signed_in.get("/settings/api-keys").text


def test_api_key_scopes_are_chosen_on_the_page_and_shown_in_the_list(signed_in: TestClient, tenant: Tenant) -> None:
    page = signed_in.get("/settings/api-keys").text
    for scope in ("read", "write", "admin"):
        assert f'name="scopes" value="{scope}" checked' in page
    created = post(signed_in, "/settings/api-keys", "/settings/api-keys", {"name": "Dashboard", "scopes": ["read"]})
    assert created.status_code == 200
    key = created.text.split('id="new-key" value="', 1)[1].split('"', 1)[0]
    reader = {"Authorization": f"Bearer {key}"}
    assert signed_in.get("/api/v1/organizations", headers=reader).status_code == 200
    assert signed_in.post("/api/v1/organizations", json={"name": "X"}, headers=reader).status_code == 403
    listed = {k["name"]: k["scopes"] for k in tenant.get("/api-keys").json()["items"]}
    assert listed["Dashboard"] == ["read"]
    assert "<td><code>read</code></td>" in signed_in.get("/settings/api-keys").text
    before = len(listed)
    none = post(signed_in, "/settings/api-keys", "/settings/api-keys", {"name": "Nothing"})
    assert none.status_code == 422 and "Choose at least one scope." in none.text
    unknown = post(signed_in, "/settings/api-keys", "/settings/api-keys", {"name": "Root", "scopes": ["root"]})
    assert unknown.status_code == 422
    assert len(tenant.get("/api-keys").json()["items"]) == before


def test_api_key_needs_a_name(signed_in: TestClient, tenant: Tenant) -> None:
    before = len(tenant.get("/api-keys").json()["items"])
    response = post(signed_in, "/settings/api-keys", "/settings/api-keys", {"name": " ", "scopes": ["read"]})
    assert response.status_code == 422 and "This cannot be empty." in response.text
    assert len(tenant.get("/api-keys").json()["items"]) == before


def test_revoking_another_workspaces_key_is_a_404(signed_in: TestClient, other_tenant: Tenant) -> None:
    (theirs,) = other_tenant.get("/api-keys").json()["items"]
    response = post(signed_in, "/settings/api-keys", f"/settings/api-keys/{theirs['id']}/revoke")
    assert response.status_code == 404
    assert other_tenant.get("/organizations").status_code == 200


# ---- webhooks


def test_webhook_create_shows_the_secret_once_then_delete(signed_in: TestClient, tenant: Tenant) -> None:
    page = signed_in.get("/settings/webhooks")
    assert page.status_code == 200 and "<legend>Events</legend>" in page.text
    created = post(
        signed_in,
        "/settings/webhooks",
        "/settings/webhooks",
        {"url": "https://hooks.example.com/centricity", "events": ["assessment.closed"]},
    )
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = created.text.split('id="new-secret" value="', 1)[1].split('"', 1)[0]
    assert secret.startswith(webhooks.SECRET_PREFIX)
    assert secret not in signed_in.get("/settings/webhooks").text
    (hook,) = tenant.get("/webhooks").json()["items"]
    assert hook["url"] == "https://hooks.example.com/centricity" and hook["events"] == ["assessment.closed"]

    # a closed assessment queues a delivery, listed under the webhook
    assessment = tenant.open_assessment("pulse")
    tenant.post(f"/assessments/{assessment['id']}/close")
    listed = signed_in.get("/settings/webhooks").text
    assert "Last deliveries" in listed and 'class="badge pending"' in listed

    deleted = post(signed_in, "/settings/webhooks", f"/settings/webhooks/{hook['id']}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/settings/webhooks"
    assert tenant.get("/webhooks").json()["total"] == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "", "events": ["assessment.closed"]}, "url", "Give the https:// address"),
        ({"url": "http://hooks.example.com/x", "events": ["assessment.closed"]}, "url", "Use https://"),
        ({"url": "https://hooks.example.com/x"}, "events", "Choose at least one event."),
        ({"url": "https://hooks.example.com/x", "events": ["nothing.happened"]}, "events", "Events must be some of"),
    ],
)
def test_webhook_errors_are_shown_next_to_the_field(
    signed_in: TestClient, tenant: Tenant, data: dict[str, Any], field: str, message: str
) -> None:
    response = post(signed_in, "/settings/webhooks", "/settings/webhooks", data)
    assert response.status_code == 422
    assert f'id="field-{field}-error"' in response.text and message in response.text
    assert tenant.get("/webhooks").json()["total"] == 0
