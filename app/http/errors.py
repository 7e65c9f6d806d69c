"""One JSON shape for every error, mapped in one place: {"error": Name, "detail": {"message", "problems"}}."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.observability.logs import current_request_id
from app.services.errors import ServiceError
from app.text import repaired_deep

log = logging.getLogger("centricity.api")
_HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

_HTTP_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "TooManyRequests",
    503: "Unavailable",
}


class Problem(BaseModel):
    field: str | None = None
    question: str | None = None
    message: str


class ErrorDetail(BaseModel):
    message: str
    problems: list[Problem] = []


class ErrorBody(BaseModel):
    """Every 4xx and 5xx response has this shape."""

    error: str
    detail: ErrorDetail


HtmlRenderer = Callable[[Request, int, str, dict[str, str] | None], Response]
# Where an application keeps its HTML error renderer (on `app.state`: each application its own).
_HTML_RENDERER_STATE = "html_error_renderer"


def render_html_errors_with(app: FastAPI, renderer: HtmlRenderer) -> None:
    """Pages outside /api/ of `app` get their errors as HTML from `renderer` (the web app's error page)."""
    setattr(app.state, _HTML_RENDERER_STATE, renderer)


def error_response(status: int, name: str, message: str, problems: Any = None, headers: Any = None) -> JSONResponse:
    # Messages can quote what was sent: repaired, so a refused value cannot break its own refusal.
    body = repaired_deep({"error": name, "detail": {"message": message, "problems": problems or []}})
    return JSONResponse(status_code=status, content=body, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _allowed_methods(request: Request, first_route_allows: str | None) -> str:
    """Every method the path takes. Starlette's Allow header names only the methods of the first route
    that matches the path, while the API has one route per method: add those the OpenAPI document
    lists for every path template that matches."""
    methods = {m.strip() for m in (first_route_allows or "").split(",") if m.strip()}
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]*\}", template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations if method.upper() in _HTTP_METHODS}
    return ", ".join(sorted(methods))


def _respond(
    request: Request, status: int, name: str, message: str, problems: Any = None, headers: Any = None
) -> Response:
    renderer: HtmlRenderer | None = getattr(request.app.state, _HTML_RENDERER_STATE, None)
    if renderer is not None and not request.url.path.startswith("/api/") and request.url.path != "/openapi.json":
        return renderer(request, status, message, headers)
    return error_response(status, name, message, problems, headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        problems = exc.detail if isinstance(exc.detail, list) else []
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers = {"Retry-After": str(retry_after)}
        return _respond(request, exc.status_code, exc.name, exc.message, problems, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        return _respond(request, 422, "ValidationError", f"the request is not valid: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        name = _HTTP_NAMES.get(exc.status_code, "Error")
        message = exc.detail if isinstance(exc.detail, str) else name
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request, (headers or {}).get("Allow"))}
        return _respond(request, exc.status_code, name, message, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Starlette answers this outside every middleware, the request-id one too: the id is set
        # here, so whoever reports the error can quote it and it leads to the logged traceback.
        request_id = current_request_id()
        headers = {"X-Request-ID": request_id} if request_id else None
        return _respond(
            request, 500, "InternalError", "something went wrong on our side; nothing was changed", headers=headers
        )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": name}
    for code, name in _HTTP_NAMES.items()
    if code in (401, 404, 409, 422)
}
# FastAPI answers 400 when it cannot read a body at all (not UTF-8, broken form data); JSON that does
# not parse is a 422 like any other invalid input.
ERROR_RESPONSES[400] = {"model": ErrorBody, "description": "BadRequest: the request body could not be read"}
