"""The report branding settings page: name and colour, logo upload and removal, the cover preview;
refusals re-render the form with the message and change nothing; CSRF and sign-in as on every form."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import inspect

from app.db.session import session_scope
from app.report.source import DEFAULT_ACCENT
from app.services import branding, web_sessions
from app.settings import get_settings
from tests import logos
from tests.api.conftest import Tenant
from tests.web.conftest import form_token

PAGE = "/settings/branding"


def post(client: TestClient, action: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
    """Post a form of the branding page the way a browser does, with the page's CSRF token."""
    token = form_token(client.get(PAGE).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kw)


def upload(client: TestClient, data: bytes, filename: str = "logo.png", content_type: str = "image/png") -> Response:
    return post(client, "/settings/branding/logo", files={"logo": (filename, data, content_type)})


def stored(tenant: Tenant) -> tuple[dict[str, Any], bytes | None]:
    """The branding as the API reads it, and the logo file itself."""
    logo = tenant.get("/branding/logo")
    return tenant.get("/branding").json(), logo.content if logo.status_code == 200 else None


def preview_fills(html: str) -> set[str]:
    """The accent fills of the cover preview (marked data-accent-fill)."""
    return set(re.findall(r'fill="([^"]+)" data-accent-fill', html))


@pytest.fixture
def branded(signed_in: TestClient, tenant: Tenant) -> TestClient:
    """Signed in to a workspace that has a brand name, a colour and a PNG logo."""
    assert tenant.patch("/branding", {"name": "Acme Insights", "accent_color": "#123456"}).status_code == 200
    response = tenant.client.put(
        "/api/v1/branding/logo", content=logos.png(), headers={**tenant.headers, "Content-Type": "image/png"}
    )
    assert response.status_code == 200
    return signed_in


# ---- access


@pytest.mark.parametrize("path", [PAGE, "/settings/branding/logo"])
def test_the_page_and_the_logo_need_a_signed_in_user(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/settings/branding")


def test_every_branding_form_refuses_a_post_without_the_csrf_token(branded: TestClient, tenant: Tenant) -> None:
    before = stored(tenant)
    forged = [
        ("/settings/branding", {"data": {"name": "Forged", "accent_color": "#000000"}}),
        ("/settings/branding/logo", {"files": {"logo": ("logo.jpg", logos.jpeg(), "image/jpeg")}}),
        ("/settings/branding/logo/delete", {}),
    ]
    for action, kw in forged:
        for token in (None, "not-the-token"):
            data = {**kw.get("data", {}), **({"csrf_token": token} if token else {})}
            refused = branded.post(action, data=data, files=kw.get("files"), follow_redirects=False)
            assert refused.status_code == 403, action
            assert "did not come from this site" in refused.text
    assert stored(tenant) == before


def test_the_settings_pages_link_to_report_branding(signed_in: TestClient) -> None:
    assert 'href="/settings/branding"' in signed_in.get("/").text
    assert 'href="/settings/branding"' in signed_in.get("/settings/api-keys").text


# ---- name and colour


def test_a_new_workspace_shows_its_own_name_and_the_default_colour(signed_in: TestClient) -> None:
    page = signed_in.get(PAGE)
    assert page.status_code == 200
    assert "Acme Consulting" in page.text and "No logo yet" in page.text
    assert preview_fills(page.text) == {branding.DEFAULT_ACCENT_COLOR}
    assert 'name="name" value=""' in page.text and 'name="accent_color" value=""' in page.text
    # the CSP forbids inline styles and scripts: the preview uses SVG attributes, the picker a file
    assert " style=" not in page.text and "<style" not in page.text
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert "style-src 'self'" in page.headers["content-security-policy"]


def test_name_and_colour_are_saved_shown_in_the_preview_and_cleared(signed_in: TestClient, tenant: Tenant) -> None:
    saved = post(signed_in, PAGE, {"name": "  Acme Insights ", "accent_color": "#1F5FBF"})
    assert saved.status_code == 303 and saved.headers["location"] == "/settings/branding?saved=settings"
    page = signed_in.get(saved.headers["location"]).text
    assert "Saved." in page
    assert 'name="name" value="Acme Insights"' in page and 'name="accent_color" value="#1f5fbf"' in page
    assert preview_fills(page) == {"#1f5fbf"}
    assert re.search(r"data-brand-name=\"Acme Consulting\">Acme Insights</text>", page)
    api = tenant.get("/branding").json()
    assert (api["name"], api["accent_color"], api["uses_workspace_name"]) == ("Acme Insights", "#1f5fbf", False)
    # empty fields clear both: the workspace's name and the default colour
    cleared = post(signed_in, PAGE, {"name": "", "accent_color": " "})
    assert cleared.status_code == 303
    api = tenant.get("/branding").json()
    assert (api["name"], api["accent_color"], api["uses_workspace_name"]) == ("Acme Consulting", None, True)
    assert preview_fills(signed_in.get(PAGE).text) == {branding.DEFAULT_ACCENT_COLOR}


def test_the_preview_shows_the_reports_own_default_colour() -> None:
    assert branding.DEFAULT_ACCENT_COLOR == DEFAULT_ACCENT
    assert branding.check_color(DEFAULT_ACCENT) == DEFAULT_ACCENT


def test_the_saved_notice_is_chosen_never_echoed(signed_in: TestClient) -> None:
    page = signed_in.get(PAGE, params={"saved": "<b>owned</b>"}).text
    assert "owned" not in page and "Saved." not in page


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"name": "Acme", "accent_color": "blue"}, {"accent_color": 'Give the colour as "#rrggbb"'}),
        ({"name": "Acme", "accent_color": "#ffff00"}, {"accent_color": "at least 3:1 against white"}),
        ({"name": "x" * 600, "accent_color": "#000000"}, {"name": "1 to 200 characters"}),
        (
            {"name": "Acme\r\nInsights", "accent_color": "#eeeeee"},
            {"name": "one line of text", "accent_color": "too light to read as text on white"},
        ),
    ],
)
def test_bad_name_or_colour_re_renders_the_form_with_the_message_and_changes_nothing(
    branded: TestClient, tenant: Tenant, data: dict[str, str], messages: dict[str, str]
) -> None:
    before = stored(tenant)
    response = post(branded, PAGE, data)
    assert response.status_code == 422
    for field, message in messages.items():
        error = re.search(rf'<div class="form-error" id="field-{field}-error">(.*?)</div>', response.text, re.S)
        assert error and message in error.group(1).replace("&#34;", '"'), field
    # what was typed is kept in the form; the preview still shows what is stored
    assert 'name="accent_color" value="' + data["accent_color"] + '"' in response.text
    assert preview_fills(response.text) == {"#123456"}
    assert stored(tenant) == before


# ---- logo


def test_a_logo_is_uploaded_previewed_served_to_the_viewer_and_removed(signed_in: TestClient, tenant: Tenant) -> None:
    data = logos.png(240, 80)
    uploaded = upload(signed_in, data)
    assert uploaded.status_code == 303 and uploaded.headers["location"] == "/settings/branding?saved=logo"
    page = signed_in.get(uploaded.headers["location"]).text
    assert "Logo uploaded." in page and "No logo yet" not in page
    digest = hashlib.sha256(data).hexdigest()
    url = f"/settings/branding/logo?v={digest[:16]}"
    assert f'<img src="{url}"' in page and f'<image href="{url}"' in page
    served = signed_in.get(url)
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png" and served.headers["x-content-type-options"] == "nosniff"
    assert tenant.get("/branding").json()["logo_sha256"] == digest

    replaced = upload(signed_in, logos.jpeg(), "logo.jpg", "image/jpeg")
    assert replaced.status_code == 303
    assert signed_in.get("/settings/branding/logo").headers["content-type"] == "image/jpeg"

    removed = post(signed_in, "/settings/branding/logo/delete")
    assert removed.status_code == 303 and removed.headers["location"] == "/settings/branding?saved=logo-removed"
    assert "No logo yet" in signed_in.get(PAGE).text
    assert signed_in.get("/settings/branding/logo").status_code == 404
    assert tenant.get("/branding").json()["has_logo"] is False


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status", "message"),
    [
        (logos.gif(), "logo.gif", "image/gif", 422, "The file is a GIF image"),
        (logos.SVG, "logo.svg", "image/svg+xml", 422, "SVG is not accepted"),
        (logos.png(), "logo.jpg", "image/jpeg", 422, "declared as image/jpeg but is a PNG image"),
        (logos.truncated_png(), "logo.png", "image/png", 422, "damaged or truncated"),
        (logos.oversize_png(), "logo.png", "image/png", 413, "larger than 512 KiB"),
        (logos.png(2400, 20), "logo.png", "image/png", 422, "2400x20 pixels, larger than allowed"),
        (logos.png_claiming(60_000, 60_000), "logo.png", "image/png", 422, "decompression bomb"),
        (b"", "", "application/octet-stream", 422, "Choose a PNG or JPEG file"),
    ],
)
def test_a_bad_logo_re_renders_the_form_with_the_message_and_changes_nothing(
    branded: TestClient, tenant: Tenant, data: bytes, filename: str, content_type: str, status: int, message: str
) -> None:
    before = stored(tenant)
    response = upload(branded, data, filename, content_type)
    assert response.status_code == status
    error = re.search(r'<div class="form-error" id="upload-logo-error">(.*?)</div>', response.text, re.S)
    assert error and message in error.group(1)
    file_input = re.search(r'<input type="file"[^>]*>', response.text)
    assert file_input and 'aria-describedby="upload-logo-hint upload-logo-error"' in file_input.group(0)
    assert stored(tenant) == before
    # the current logo is still shown
    assert "The current logo" in response.text


def test_a_file_without_a_known_type_is_judged_by_its_bytes(signed_in: TestClient, tenant: Tenant) -> None:
    data = logos.jpeg()
    assert upload(signed_in, data, "logo", "application/octet-stream").status_code == 303
    assert tenant.get("/branding").json()["logo_type"] == "image/jpeg"


def test_another_workspaces_logo_and_settings_are_never_shown(signed_in: TestClient, other_tenant: Tenant) -> None:
    other_tenant.patch("/branding", {"name": "Rival Brand", "accent_color": "#000000"})
    theirs = logos.jpeg(64, 64, "black")
    other_tenant.client.put(
        "/api/v1/branding/logo", content=theirs, headers={**other_tenant.headers, "Content-Type": "image/jpeg"}
    )
    page = signed_in.get(PAGE).text
    assert "Rival Brand" not in page and "#000000" not in page and "No logo yet" in page
    assert signed_in.get("/settings/branding/logo").status_code == 404
    # and removing "the" logo from this workspace leaves theirs alone
    assert post(signed_in, "/settings/branding/logo/delete").status_code == 303
    assert other_tenant.get("/branding/logo").content == theirs


def test_pages_do_not_load_the_logo_with_the_signed_in_workspace(branded: TestClient) -> None:
    token = branded.cookies.get(get_settings().session_cookie_name)
    assert token
    with session_scope() as session:
        signed_in = web_sessions.resume(session, token)
        assert signed_in is not None
        # every page resumes the session: the logo (up to 512 KiB) stays in the database until read
        assert "logo" in inspect(signed_in.workspace).unloaded
        assert signed_in.workspace.logo == logos.png()
