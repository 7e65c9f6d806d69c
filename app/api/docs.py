"""`/docs`: Swagger UI served from the app itself (the assets that the `fastapi-offline` package ships),
so that it needs no CDN and runs under the app's strict CSP: no inline script, its start-up code
is the static file `static/js/swagger-init.js`."""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# Under /static/: public files, which caches may keep (app/web/security.py).
ASSETS_URL = "/static/swagger-ui"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
INIT_SCRIPT_URL = "/static/js/swagger-init.js"


def docs_page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} – API</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{INIT_SCRIPT_URL}"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI, path: str = "/docs") -> None:
    """Serve Swagger UI at `path` for the app's OpenAPI document; mounted before the web app's /static."""
    assert app.openapi_url is not None
    page = docs_page(app.title, app.openapi_url)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="swagger-ui")

    @app.get(path, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)
