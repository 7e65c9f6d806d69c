"""Mounting the web app on the FastAPI application: static files, pages, error pages, security headers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from app.http import errors
from app.web.deps import SignInRequired
from app.web.errors import error_page
from app.web.routes import auth, dashboard, manage, respondent, results, settings_pages
from app.web.security import SecurityHeaders
from app.web.templating import STATIC_DIR, STATIC_PREFIX


def mount_web(app: FastAPI) -> None:
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, dashboard, manage, settings_pages, respondent, results):
        app.include_router(module.router)
    errors.render_html_errors_with(app, error_page)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)
