"""Where the API and its OpenAPI document disagreed (found by schemathesis in tests/proof): each
behaviour and its documentation, pinned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant


def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def allowed(response: Any) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


def test_405_names_every_method_the_path_takes(client: TestClient, tenant: Tenant) -> None:
    # Starlette named only the methods of the first route of the path (POST, not GET and POST).
    collection = client.options("/api/v1/organizations")
    assert collection.status_code == 405
    assert allowed(collection) == {"GET", "POST"}
    assert collection.json()["error"] == "MethodNotAllowed"
    organization = tenant.organization()
    item = client.request("TRACE", f"/api/v1/organizations/{organization['id']}")
    assert item.status_code == 405
    assert allowed(item) == {"GET", "PATCH", "DELETE"}
    answers = client.post("/api/v1/respond/some-token/answers")
    assert allowed(answers) == {"PUT"}


def test_updates_document_no_null_where_null_is_refused(client: TestClient, tenant: Tenant) -> None:
    # The fields were documented as nullable (anyOf [..., null]) while null is refused with a 422.
    schemas = spec(client)["components"]["schemas"]
    for model, fields in {
        "OrganizationUpdate": ["name"],
        "AssessmentUpdate": ["title", "target_level", "anonymity", "min_group_size", "show_personal_result"],
    }.items():
        for name in fields:
            field = schemas[model]["properties"][name]
            assert {"type": "null"} not in field.get("anyOf", []), (model, name)
            assert field.get("type") != "null"
    # Fields that may be cleared stay nullable, and the refusal itself is unchanged.
    assert {"type": "null"} in schemas["OrganizationUpdate"]["properties"]["industry"]["anyOf"]
    organization = tenant.organization()
    assert tenant.patch(f"/organizations/{organization['id']}", {"name": None}).status_code == 422
    assert tenant.patch(f"/organizations/{organization['id']}", {"industry": None}).status_code == 200


def test_a_body_that_cannot_be_read_is_a_documented_400(client: TestClient, tenant: Tenant) -> None:
    # Not UTF-8: FastAPI answers 400 before any validation; the spec listed no 400.
    response = client.post(
        "/api/v1/organizations", content=b"\xf9L:@\x98", headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    documented = spec(client)["paths"]["/api/v1/organizations"]["post"]["responses"]
    assert "400" in documented


def test_an_offset_past_any_integer_is_a_422_not_a_500(tenant: Tenant) -> None:
    # The database driver could not bind 2**70 (an OverflowError, a 500); the spec now bounds offset.
    for path in ("/organizations", "/assessments", "/webhooks"):
        assert tenant.get(path, params={"offset": 2**70}).status_code == 422, path
        far = tenant.get(path, params={"offset": 1_000_000_000})
        assert far.status_code == 200 and far.json()["items"] == [], path


@pytest.mark.parametrize("value", [0, 1767225600, "0", "1767225600", "2027-01-01 09:00:00Z", "2027-01-01T09:00Z"])
def test_times_are_rfc3339_text_as_documented(tenant: Tenant, value: Any) -> None:
    # pydantic took numbers and numeric text as Unix times; the spec says "format: date-time".
    organization = tenant.organization()
    body = {"organization_id": organization["id"], "questionnaire_id": "pulse", "opens_at": value}
    response = tenant.post("/assessments", body)
    assert response.status_code == 422 and "time zone" in response.text
    created = tenant.assessment(organization["id"], opens_at="2027-01-01T09:00:00.5+02:00")
    assert datetime.fromisoformat(created["opens_at"]) == datetime(2027, 1, 1, 7, 0, 0, 500_000, tzinfo=UTC)
    assert tenant.patch(f"/assessments/{created['id']}", {"closes_at": 0}).status_code == 422
