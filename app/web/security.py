"""Browser security: response headers on every response, CSRF tokens on every form."""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


# Files that are the same for everyone (CSS, scripts, fonts, the API docs' assets): caches may keep them.
PUBLIC_PREFIXES = ("/static/",)
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Headers that close whole classes of attacks, on every response (pages, API, files).

    Every response but the public files is `Cache-Control: no-store` unless its route says
    otherwise: respondent pages and their API carry a person's answers under a secret link,
    signed-in pages, results, exports and reports a workspace's data; no shared cache (a
    proxy, a CDN) and no browser history may keep a copy.

    A plain ASGI middleware rather than BaseHTTPMiddleware, which would add a task and a
    stream copy to every request.
    """

    def __init__(self, app: ASGIApp):
        self.app = app
        headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # Respondent links carry their secret in the path: never send it on as a Referer.
            (b"referrer-policy", b"no-referrer"),
        ]
        if get_settings().secure_cookies:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = self.headers if scope["path"].startswith(PUBLIC_PREFIXES) else [*self.headers, NO_STORE]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def respondent_csrf_token(link_token: str) -> str:
    """The CSRF token of a respondent's forms: bound to their link and to this deployment's secret."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"respondent-form:" + hashlib.sha256(link_token.encode()).digest(), "sha256").hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
