"""Report branding over the API: name, accent colour and logo; every refusal is clear and changes nothing;
each workspace sees and changes only its own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db.session import session_scope
from app.db.tables import AuditEvent
from app.services import branding
from app.services.accounts import Principal
from tests import logos
from tests.api.conftest import Tenant


def put_logo(tenant: Tenant, data: bytes, content_type: str | None = "image/png") -> Any:
    headers = {**tenant.headers, **({"Content-Type": content_type} if content_type else {})}
    return tenant.client.put("/api/v1/branding/logo", content=data, headers=headers)


def state(tenant: Tenant) -> tuple[dict[str, Any], bytes | None]:
    """Everything a change could touch: the branding as read, and the logo file itself."""
    logo = tenant.get("/branding/logo")
    return tenant.get("/branding").json(), logo.content if logo.status_code == 200 else None


def audit_actions(workspace_id: str) -> list[str]:
    with session_scope() as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.workspace_id == workspace_id, col(AuditEvent.action).startswith("branding."))
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
        return [e.action for e in events]


@pytest.fixture
def branded(tenant: Tenant) -> Iterator[Tenant]:
    """A workspace with a brand name, a colour and a PNG logo already set."""
    assert tenant.patch("/branding", {"name": "Acme Insights", "accent_color": "#123456"}).status_code == 200
    assert put_logo(tenant, logos.png()).status_code == 200
    yield tenant


# ---- reading and setting


def test_a_new_workspace_uses_its_own_name_and_has_no_colour_or_logo(tenant: Tenant) -> None:
    assert tenant.get("/branding").json() == {
        "name": "Acme Consulting",
        "uses_workspace_name": True,
        "accent_color": None,
        "has_logo": False,
        "logo_url": None,
        "logo_type": None,
        "logo_sha256": None,
    }
    missing = tenant.get("/branding/logo")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"


def test_name_and_colour_are_set_normalized_kept_and_cleared(tenant: Tenant) -> None:
    response = tenant.patch("/branding", {"name": "  Acme Insights  ", "accent_color": " #1F5FBF "})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["uses_workspace_name"], body["accent_color"]) == ("Acme Insights", False, "#1f5fbf")
    assert tenant.get("/branding").json() == body
    # a field left out stays as it is
    assert tenant.patch("/branding", {"accent_color": "#000000"}).json()["name"] == "Acme Insights"
    assert tenant.patch("/branding", {"name": "Acme"}).json()["accent_color"] == "#000000"
    # null clears: back to the workspace's name and the default colour
    cleared = tenant.patch("/branding", {"name": None, "accent_color": None}).json()
    assert (cleared["name"], cleared["uses_workspace_name"], cleared["accent_color"]) == ("Acme Consulting", True, None)
    assert audit_actions(tenant.workspace_id) == ["branding.updated"] * 4


def test_the_service_reads_the_branding_for_the_report(tenant: Tenant) -> None:
    data = logos.jpeg()
    tenant.patch("/branding", {"name": "Acme Insights", "accent_color": "#123ABC"})
    put_logo(tenant, data, "image/jpeg")
    with session_scope() as session:
        found = branding.of(session, Principal(tenant.workspace_id, "tests"))
    assert found == branding.Branding("Acme Insights", "#123abc", data, "image/jpeg")
    assert found.logo_digest == hashlib.sha256(data).hexdigest()
    assert branding.Branding(None, None, None, None).logo_digest is None


def test_a_png_logo_is_stored_served_as_uploaded_and_removed(tenant: Tenant) -> None:
    data = logos.png(300, 100)
    response = put_logo(tenant, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["has_logo"] is True and body["logo_type"] == "image/png"
    assert body["logo_sha256"] == hashlib.sha256(data).hexdigest()
    assert body["logo_url"].endswith("/api/v1/branding/logo")
    served = tenant.get("/branding/logo")
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    # the ETag is the file's digest: an unchanged logo is not sent again
    assert served.headers["etag"] == f'"{body["logo_sha256"]}"'
    again = tenant.client.get(
        "/api/v1/branding/logo", headers={**tenant.headers, "If-None-Match": served.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""

    assert tenant.delete("/branding/logo").status_code == 204
    assert tenant.get("/branding/logo").status_code == 404
    assert tenant.get("/branding").json()["has_logo"] is False
    assert tenant.delete("/branding/logo").status_code == 204  # nothing left to remove: still fine
    assert audit_actions(tenant.workspace_id) == ["branding.logo_set", "branding.logo_removed"]


def test_a_jpeg_replaces_the_png(branded: Tenant) -> None:
    data = logos.jpeg(64, 64)
    response = put_logo(branded, data, "image/jpeg; charset=binary")
    assert response.status_code == 200, response.text
    assert response.json()["logo_type"] == "image/jpeg"
    served = branded.get("/branding/logo")
    assert served.content == data and served.headers["content-type"] == "image/jpeg"


def test_a_logo_of_exactly_the_limits_is_accepted(tenant: Tenant) -> None:
    assert put_logo(tenant, logos.png(2000, 16)).status_code == 200
    assert put_logo(tenant, logos.png(16, 2000)).status_code == 200
    padded = logos.png(16, 16)
    # a PNG padded after its end chunk to exactly the byte limit
    assert put_logo(tenant, padded + b"\0" * (branding.MAX_LOGO_BYTES - len(padded))).status_code == 200


# ---- refusals


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"accent_color": "blue"}, "accent_color", '"#rrggbb"'),
        ({"accent_color": "#12345"}, "accent_color", '"#rrggbb"'),
        ({"accent_color": "#12345g"}, "accent_color", '"#rrggbb"'),
        ({"accent_color": "#ffff00"}, "accent_color", "at least 3:1 against white"),
        # just under 3:1 (2.99): refused, and the message does not round it up to 3.00
        ({"accent_color": "#959595"}, "accent_color", "contrast 2.99:1"),
        ({"name": "x" * 600}, "name", "at most 200 characters"),
        ({"name": "   "}, "name", "at least 1 character"),
        ({"name": "Acme\nInsights"}, "name", "one line of text"),
        ({"name": "Acme", "logo": "x"}, "logo", "Extra inputs are not permitted"),
    ],
)
def test_bad_name_or_colour_is_a_clear_422_and_changes_nothing(
    branded: Tenant, body: dict[str, Any], field: str, message: str
) -> None:
    before = state(branded)
    events = audit_actions(branded.workspace_id)
    response = branded.patch("/branding", {"name": "Changed", **body} if field == "accent_color" else body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert message in error["detail"]["message"]
    assert [p["field"].removeprefix("body.") for p in error["detail"]["problems"]] == [field]
    # the valid name sent with a bad colour was not stored either
    assert state(branded) == before
    assert audit_actions(branded.workspace_id) == events


def test_a_colour_of_exactly_3_to_1_is_accepted() -> None:
    assert branding.contrast_with_white("#949494") >= 3 > branding.contrast_with_white("#959595")
    assert branding.check_color("#949494") == "#949494"
    assert round(branding.contrast_with_white("#000000"), 6) == 21
    assert round(branding.contrast_with_white("#ffffff"), 6) == 1


@pytest.mark.parametrize(
    ("data", "content_type", "status", "message"),
    [
        (logos.gif(), "image/png", 422, "the file is a GIF image"),
        (logos.gif(), "image/gif", 415, "Content-Type image/png or image/jpeg"),
        (logos.webp(), "image/jpeg", 422, "the file is a WebP image"),
        (logos.SVG, "image/svg+xml", 415, "SVG, GIF and WebP are refused"),
        (logos.SVG, "image/png", 422, "SVG is not accepted: it can load external resources and carry scripts"),
        (b"<html><script>alert(1)</script></html>", "image/png", 422, "not a PNG or JPEG image"),
        (logos.png(), "image/jpeg", 422, "declared as image/jpeg but is a PNG image"),
        (logos.jpeg(), "image/png", 422, "declared as image/png but is a JPEG image"),
        (logos.truncated_png(), "image/png", 422, "damaged or truncated"),
        (logos.jpeg()[:-200], "image/jpeg", 422, "damaged or truncated"),
        (logos.oversize_png(), "image/png", 413, "at most 512 KiB"),
        (logos.png(2001, 100), "image/png", 422, "2001x100 pixels, larger than allowed"),
        (logos.png_claiming(3000, 3000), "image/png", 422, "3000x3000 pixels, larger than allowed"),
        (logos.png_claiming(100_000, 100_000), "image/png", 422, "decompression bomb"),
        (logos.png(15, 40), "image/png", 422, "15x40 pixels, smaller than allowed"),
        (b"", "image/png", 422, "the file is empty"),
        (logos.png(), None, 415, "Content-Type image/png or image/jpeg"),
        (logos.png(), "application/octet-stream", 415, "Content-Type image/png or image/jpeg"),
    ],
)
def test_a_bad_logo_is_refused_clearly_and_changes_nothing(
    branded: Tenant, data: bytes, content_type: str | None, status: int, message: str
) -> None:
    before = state(branded)
    events = audit_actions(branded.workspace_id)
    response = put_logo(branded, data, content_type)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["error"] == {413: "TooLarge", 415: "UnsupportedMediaType", 422: "InvalidInput"}[status]
    assert message in error["detail"]["message"]
    if status == 422:  # what is accepted is said, too
        assert "a PNG or JPEG image of at most 512 KiB, 16x16 to 2000x2000 pixels" in error["detail"]["message"]
    assert state(branded) == before
    assert audit_actions(branded.workspace_id) == events


def test_an_oversize_body_without_a_length_is_cut_off_at_the_limit(branded: Tenant) -> None:
    before = state(branded)

    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to refuse up front
        for _ in range(64):
            yield b"\0" * (64 * 1024)

    headers = {**branded.headers, "Content-Type": "image/png"}
    response = branded.client.put("/api/v1/branding/logo", content=chunks(), headers=headers)
    assert response.status_code == 413, response.text
    assert "content-length" not in response.request.headers
    assert state(branded) == before


def test_openapi_documents_the_logo_upload() -> None:
    from app.main import create_app

    spec = create_app().openapi()
    put = spec["paths"]["/api/v1/branding/logo"]["put"]
    assert {"413", "415", "422"} <= set(put["responses"])
    assert set(put["requestBody"]["content"]) == {"image/png", "image/jpeg"}
    got = spec["paths"]["/api/v1/branding/logo"]["get"]
    assert set(got["responses"]["200"]["content"]) == {"image/png", "image/jpeg"}
    assert set(spec["paths"]["/api/v1/branding"]) == {"get", "patch"}


# ---- isolation


def test_each_workspace_sees_and_changes_only_its_own_branding(branded: Tenant, other_tenant: Tenant) -> None:
    victim_before = state(branded)
    # the other workspace starts from nothing of the victim's
    theirs = other_tenant.get("/branding").json()
    assert (theirs["name"], theirs["accent_color"], theirs["has_logo"]) == ("Rival Partners", None, False)
    assert other_tenant.get("/branding/logo").status_code == 404
    # and whatever it does lands in its own workspace
    assert other_tenant.patch("/branding", {"name": "Rival Brand", "accent_color": "#000000"}).status_code == 200
    rival_logo = logos.jpeg(32, 32)
    assert put_logo(other_tenant, rival_logo, "image/jpeg").status_code == 200
    assert other_tenant.get("/branding/logo").content == rival_logo
    assert state(branded) == victim_before
    assert other_tenant.delete("/branding/logo").status_code == 204
    assert state(branded) == victim_before
    assert branded.get("/branding/logo").content == logos.png()
    assert audit_actions(other_tenant.workspace_id) == [
        "branding.updated",
        "branding.logo_set",
        "branding.logo_removed",
    ]


def test_every_branding_route_needs_an_api_key(client: TestClient, branded: Tenant) -> None:
    before = state(branded)
    calls = [
        ("GET", "/api/v1/branding", None),
        ("PATCH", "/api/v1/branding", {"name": "Taken over"}),
        ("GET", "/api/v1/branding/logo", None),
        ("PUT", "/api/v1/branding/logo", None),
        ("DELETE", "/api/v1/branding/logo", None),
    ]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer ck_not-a-key"}):
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.json()["error"] == "Unauthorized"
    unauthenticated_upload = client.put(
        "/api/v1/branding/logo", content=logos.jpeg(), headers={"Content-Type": "image/jpeg"}
    )
    assert unauthenticated_upload.status_code == 401
    assert state(branded) == before
