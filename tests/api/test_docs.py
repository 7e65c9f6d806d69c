"""/docs: Swagger UI from the app's own files (no CDN), no inline script, under a CSP without 'unsafe-inline'."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_uses_only_same_origin_assets_and_they_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 4
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and served.content, asset
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    # Every script is a file: none has a body of its own.
    assert re.findall(r"<script[^>]*>(.*?)</script>", page.text, flags=re.S) == ["", ""]
    assert 'data-openapi-url="/openapi.json"' in page.text
    assert client.get("/openapi.json").status_code == 200


def test_the_docs_page_is_served_under_a_csp_without_inline_scripts(client: TestClient) -> None:
    header = client.get("/docs").headers["content-security-policy"]
    policy = dict(directive.strip().split(" ", 1) for directive in header.split(";"))
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["style-src"] and "unsafe-eval" not in policy["script-src"]
    assert "/docs" not in client.get("/openapi.json").json()["paths"]
