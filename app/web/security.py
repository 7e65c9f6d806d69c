"""Browser security: response headers on every response, CSRF tokens on every form."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from app.settings import get_settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class SecurityHeaders(BaseHTTPMiddleware):
    """Headers that close whole classes of attacks, on every response (pages, API, files)."""

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Respondent links carry their secret in the path: never send it on as a Referer.
        headers.setdefault("Referrer-Policy", "no-referrer")
        if get_settings().secure_cookies:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def respondent_csrf_token(link_token: str) -> str:
    """The CSRF token of a respondent's forms: bound to their link and to this deployment's secret."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"respondent-form:" + hashlib.sha256(link_token.encode()).digest(), "sha256").hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
