"""Signing in and out, sessions, CSRF, the login rate limit, security headers and error pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.settings import get_settings
from tests.web.conftest import PASSWORD, Account, form_token, sign_in

COOKIE = "centricity-session"


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"


def test_sign_in_sets_a_safe_cookie_and_shows_the_dashboard(client: TestClient, account: Account) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    response = client.post(
        "/login",
        data={"email": "ANN@acme.example", "password": PASSWORD, "csrf_token": form_token(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Organizations and assessments" in dashboard.text
    assert "Acme Consulting" in dashboard.text


def test_every_sign_in_gets_a_new_session_and_sign_out_ends_it(client: TestClient, account: Account) -> None:
    sign_in(client, account.email)
    first = client.cookies[COOKIE]
    sign_in(client, account.email)
    second = client.cookies[COOKIE]
    assert first != second
    csrf = form_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    # the old cookie, replayed, no longer opens anything
    client.cookies.set(COOKIE, second)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient, account: Account) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": account.email, "password": "wrong password!", "csrf_token": form_token(page.text)}
    )
    assert response.status_code == 401
    assert "do not match an account" in response.text
    assert COOKIE not in client.cookies


def test_login_rate_limit_answers_429_with_retry_after(client: TestClient, account: Account) -> None:
    for _ in range(5):
        page = client.get("/login")
        client.post(
            "/login", data={"email": account.email, "password": "nope nope nope", "csrf_token": form_token(page.text)}
        )
    page = client.get("/login")
    blocked = client.post(
        "/login", data={"email": account.email, "password": PASSWORD, "csrf_token": form_token(page.text)}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in blocked.text
    assert COOKIE not in client.cookies  # even the right password waits


def test_forms_without_the_csrf_token_are_refused(client: TestClient, account: Account) -> None:
    client.get("/login")
    assert client.post("/login", data={"email": account.email, "password": PASSWORD}).status_code == 403
    sign_in(client, account.email)
    refused = client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and "expired" in refused.text
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_open_redirects_are_refused(client: TestClient, account: Account) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": account.email,
            "password": PASSWORD,
            "csrf_token": form_token(page.text),
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for response in (client.get("/login"), client.get("/healthz"), client.get("/api/v1/organizations")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_error_pages_are_pages_and_api_errors_stay_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    api = client.get("/api/v1/no/such/route")
    assert api.status_code == 404 and api.json()["error"] == "NotFound"


def test_secure_cookie_settings_outside_development(monkeypatch: object) -> None:
    import pytest

    patch = pytest.MonkeyPatch()
    try:
        patch.setenv("CENTRICITY_ENVIRONMENT", "production")
        patch.setenv("CENTRICITY_SECRET_KEY", "x" * 40)
        patch.setenv("CENTRICITY_BASE_URL", "https://centricity.example.com")
        get_settings.cache_clear()
        settings = get_settings()
        assert settings.secure_cookies and settings.session_cookie_name == "__Host-centricity-session"
    finally:
        patch.undo()
        get_settings.cache_clear()
