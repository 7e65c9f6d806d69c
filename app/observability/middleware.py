"""The request middleware: a request id for every request, one JSON log line and the metrics of each.

A plain ASGI middleware (no BaseHTTPMiddleware task or body copy). The request id is the
caller's `X-Request-ID` when it is a sane value (a proxy's or a client's, so their logs and
ours can be joined), else a new one; it is sent back in `X-Request-ID` and set for every log
line emitted while the request runs.

Respondent links carry their secret in the path (`/r/<token>`, `/api/v1/respond/<token>`):
logs show the route template (`/r/{token}`) when a route matched, and a path with the token
replaced otherwise; query strings are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.logs import reset_request_id, set_request_id
from app.observability.metrics import UNMATCHED_ROUTE, record_request

log = logging.getLogger("centricity.request")

REQUEST_ID_HEADER = "x-request-id"
# Ids from UUIDs, ULIDs, proxies ($request_id, {http.request.uuid}) and tracing headers fit this;
# anything longer or with other characters (spaces, newlines, quotes) is replaced, not logged.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")
# Paths whose segment after the prefix is a respondent's secret link token.
_SECRET_PATH = re.compile(r"^(/r/|/api/v1/respond/)[^/]+")
# What a request that ends without a response (the client went away) is logged and counted as.
CLIENT_CLOSED_REQUEST = 499


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            try:
                candidate = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            return candidate if _SANE_REQUEST_ID.fullmatch(candidate) else None
    return None


def redact_path(path: str) -> str:
    """The path with a respondent link token replaced by `{token}`."""
    return _SECRET_PATH.sub(r"\1{token}", path)


def route_template(scope: Scope, path: str) -> str | None:
    """The template of the route that handled the request for `path` (`/api/v1/assessments/{assessment_id}`,
    or a mount's prefix such as `/static`), if one did.

    A route of an included router may know only its own part (`/respond/{token}`, under
    `/api/v1`): the prefix is then the part of the path before what the route matched.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str) or not template:
        return None
    regex = getattr(route, "path_regex", None)
    if isinstance(route, Mount) or not isinstance(regex, re.Pattern) or regex.match(path):
        return template
    for split, character in enumerate(path):
        if character == "/" and split and regex.match(path[split:]):
            return redact_path(path[:split]) + template
    return template


def logged_path(scope: Scope, path: str) -> str:
    """The path as logged: a route's template, else (no route, or a mount such as /static, whose template
    says little) the path itself with any respondent token replaced."""
    template = route_template(scope, path)
    if template is None or isinstance(scope.get("route"), Mount):
        return redact_path(path)
    return template


class RequestObservability:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]  # as received: a mount may rewrite the scope's path on the way in
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        context_token = set_request_id(request_id)
        status: int | None = None
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER.encode()]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except asyncio.CancelledError:
            status = status or CLIENT_CLOSED_REQUEST
            self._record(scope, path, status, started)
            raise
        except BaseException:
            # The server's error handler, outside this middleware, answers 500 and logs the error; the
            # request id stays set for that line (the request's task ends with it, so nothing leaks).
            status = status or 500
            self._record(scope, path, status, started)
            raise
        self._record(scope, path, status or CLIENT_CLOSED_REQUEST, started)
        reset_request_id(context_token)

    @staticmethod
    def _record(scope: Scope, path: str, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        record_request(scope["method"], route_template(scope, path) or UNMATCHED_ROUTE, status, seconds)
        shown_path = logged_path(scope, path)
        log.info(
            "%s %s %d",
            scope["method"],
            shown_path,
            status,
            extra={
                "method": scope["method"],
                "path": shown_path,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
