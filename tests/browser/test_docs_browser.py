"""The API docs (/docs) in real headless Chromium: Swagger UI loads from the app under its strict CSP
(any refused script or style would be a console error, which fails the test) and lists the API."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, Contexts, LiveServer, Shots, expect

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_every_operation_from_same_origin_assets(
    live_server: LiveServer, contexts: Contexts, shots: Shots
) -> None:
    page = contexts.page(**DESKTOP)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto("/docs")
    operations = page.locator(".opblock-summary-path")
    expect(operations.filter(has_text="/api/v1/assessments/{assessment_id}/results")).to_be_visible()
    spec = live_server.http.get("/openapi.json").json()
    assert operations.count() == sum(len(methods) for methods in spec["paths"].values())
    shots.take(page, "api docs")
    assert fetched and all(url.startswith(live_server.base_url) for url in fetched), fetched
