"""Cache-Control: no cache (a proxy's, a CDN's, the browser's history) keeps a respondent's page or
answers, a signed-in page, results, exports or reports; public files stay cacheable."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api.app import API_PREFIX
from app.api.routes import respond
from app.web.routes import respondent
from tests.api.conftest import Tenant, pulse_answers


def respondent_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route a respondent's link reaches, pages and API alike."""
    found = []
    for prefix, router in (("", respondent.router), (API_PREFIX, respond.router)):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            found += [(method, prefix + route.path) for method in sorted(route.methods) if method != "HEAD"]
    return found


def test_every_respondent_route_answers_no_store(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    routes = respondent_routes()
    assert len(routes) >= 9 and ("GET", "/api/v1/respond/{token}") in routes and ("GET", "/r/{token}") in routes
    # The GETs first (a form and its answers), the changes after, submit last.
    routes.sort(key=lambda route: (route[0] != "GET", route[1].endswith("/submit")))
    for method, template in routes:
        url = re.sub(r"{(\w+)}", lambda m: token if m.group(1) == "token" else "1", template)
        body = {"answers": pulse_answers(client, tenant)} if url.startswith("/api/") else None
        response = client.request(method, url, json=body, follow_redirects=False)
        assert response.status_code < 500, f"{method} {template}: {response.status_code}"
        assert response.headers.get("cache-control") == "no-store", f"{method} {template}: {response.headers}"
    # An unknown or mistyped link is answered as privately.
    assert client.get("/r/not-a-real-token").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/respond/not-a-real-token").headers["cache-control"] == "no-store"


def test_results_exports_and_reports_answer_no_store(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    # Three submitted people: fewer would withhold the results and refuse the report.
    for _ in range(3):
        tenant.respond(assessment["id"], "manager", "sales", pulse_answers(client, tenant))
    for path in (
        f"/assessments/{assessment['id']}",
        f"/assessments/{assessment['id']}/results",
        f"/assessments/{assessment['id']}/export.json",
        f"/assessments/{assessment['id']}/report.html",
        "/api-keys",
    ):
        response = tenant.get(path)
        assert response.status_code == 200, f"{path}: {response.text}"
        assert response.headers["cache-control"] == "no-store", path


def test_signed_in_pages_answer_no_store_and_public_files_stay_cacheable(signed_in: TestClient) -> None:
    for path in ("/", "/login"):
        response = signed_in.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store", path
    stylesheet = signed_in.get("/static/css/app.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.headers.get("cache-control", "")
