"""Signing in and out of the web app."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.http.checked_input import CheckedRoute
from app.http.sessions import SessionDep
from app.services import web_sessions
from app.services.errors import Unauthorized
from app.settings import get_settings
from app.web.deps import CsrfFailed, PostingViewerDep
from app.web.security import tokens_match
from app.web.templating import render

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
LOGIN_CSRF_COOKIE = "centricity-login-csrf"


def _safe_next(path: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://..." would be open redirects.
    return path if path and path.startswith("/") and not path.startswith("//") else "/"


def _login_page(request: Request, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "web/login.html", status_code=status, next_path=next_path, error=error, csrf_token=token)
    settings = get_settings()
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/login"
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise CsrfFailed()
    client = request.client.host if request.client else None
    try:
        signed_in, token = web_sessions.sign_in(session, email, password, client)
    except Unauthorized:
        return _login_page(request, _safe_next(next), "That email and password do not match an account.", 401)
    settings = get_settings()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=int(web_sessions.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    del signed_in
    return response


@router.post("/logout")
def logout(session: SessionDep, viewer: PostingViewerDep) -> Response:
    web_sessions.sign_out(session, viewer.session_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(get_settings().session_cookie_name, path="/")
    return response
