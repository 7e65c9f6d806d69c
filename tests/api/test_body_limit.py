"""Request bodies over the app-wide limit are refused with 413 before they are read, and change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

from app.http.limits import MAX_REQUEST_BODY_BYTES
from tests.api.conftest import Tenant


def _organizations(tenant: Tenant) -> int:
    listed = tenant.client.get("/api/v1/organizations", headers=tenant.headers)
    assert listed.status_code == 200
    return int(listed.json()["total"])


def _oversized_organization() -> bytes:
    # A JSON body one byte over the limit: the name alone fills it.
    frame = json.dumps({"name": ""}).encode()
    return json.dumps({"name": "x" * (MAX_REQUEST_BODY_BYTES + 1 - len(frame))}).encode()


def test_a_body_declared_over_the_limit_is_refused_and_nothing_is_created(tenant: Tenant) -> None:
    body = _oversized_organization()
    assert len(body) == MAX_REQUEST_BODY_BYTES + 1
    before = _organizations(tenant)
    response = tenant.client.post(
        "/api/v1/organizations", content=body, headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "TooLarge"
    assert "2048 KiB" in response.json()["detail"]["message"]
    assert _organizations(tenant) == before


def test_a_body_streamed_in_chunks_without_a_length_is_cut_off_at_the_limit(tenant: Tenant) -> None:
    body = _oversized_organization()

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent with chunked transfer encoding
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    before = _organizations(tenant)
    response = tenant.client.post(
        "/api/v1/organizations", content=chunks(), headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert _organizations(tenant) == before


def test_a_body_at_the_limit_is_read_as_usual(tenant: Tenant) -> None:
    # Exactly the limit is not refused for its size: the route reads it and judges the name (too long).
    frame = json.dumps({"name": ""}).encode()
    body = json.dumps({"name": "x" * (MAX_REQUEST_BODY_BYTES - len(frame))}).encode()
    assert len(body) == MAX_REQUEST_BODY_BYTES
    response = tenant.client.post(
        "/api/v1/organizations", content=body, headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"


def test_a_web_form_over_the_limit_gets_an_error_page(tenant: Tenant) -> None:
    body = b"email=" + b"x" * MAX_REQUEST_BODY_BYTES
    response = tenant.client.post("/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "larger than 2048 KiB" in response.text
