"""The text check at the door of every route, API and pages alike: path and query values, the headers
used as data, JSON bodies (every key and string, however deep, `Any` answers too) and form fields.

A refused value is a 422 naming where it was (`body.answers.q1`, `query.organization_id`, ...), raised
as FastAPI's own validation error so the API answers its usual JSON and the pages their error page.
Field types (`app.text.CleanLine`) add the one-line rule where a field is one line; this check holds
for every value, including those no model types (answer values, dict keys, path ids).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.text import text_problem

# Headers whose value the app stores or looks up, so they are data like any field.
DATA_HEADERS = ("idempotency-key",)
_JSON_TYPES = ("application/json",)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The respondent's pages post up to 3000 fields (their own limit); the form parsed here is the one they read.
FORM_MAX_FIELDS = 3000


def _error(location: tuple[str | int, ...], message: str) -> dict[str, Any]:
    return {"type": "text_refused", "loc": location, "msg": message, "input": None}


def _walk(value: Any, location: tuple[str | int, ...], errors: list[dict[str, Any]]) -> None:
    if isinstance(value, str):
        problem = text_problem(value, multiline=True)
        if problem is not None:
            errors.append(_error(location, problem))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*location, index), errors)
    elif isinstance(value, dict):
        for position, (key, item) in enumerate(value.items(), start=1):
            problem = text_problem(key) if isinstance(key, str) else None
            if problem is not None:
                # The key itself cannot be quoted: it is what cannot be printed. Its position can.
                errors.append(_error((*location, f"<key {position}>"), f"a field name: {problem}"))
                continue
            _walk(item, (*location, key), errors)


def _declared_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


async def refused_text(request: Request) -> list[dict[str, Any]]:
    """Every value of the request that breaks the text rule, as validation errors (empty: none)."""
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (problem := text_problem(value)) is not None:
            errors.append(_error(("path", name), problem))
    for name, value in request.query_params.multi_items():
        name_problem = text_problem(name)
        problem = name_problem or text_problem(value)
        if problem is not None:
            errors.append(_error(("query", "<name>" if name_problem else name), problem))
    for name in DATA_HEADERS:
        header = request.headers.get(name)
        if header is not None and (problem := text_problem(header)) is not None:
            errors.append(_error(("header", name), problem))
    declared = _declared_type(request)
    is_json = declared in _JSON_TYPES or declared.endswith("+json")
    if request.method not in ("POST", "PUT", "PATCH") or not (is_json or declared in _FORM_TYPES):
        return errors
    # Read once and kept by the request (inside the body size limit), so the route reads it again.
    body = await request.body()
    if is_json:
        if body:
            try:
                document = await request.json()  # cached: FastAPI reads the same parsed body
            except ValueError:
                return errors  # FastAPI answers a body that does not parse itself
            _walk(document, ("body",), errors)
        return errors
    try:
        form = await request.form(max_fields=FORM_MAX_FIELDS)  # cached for the route, as the JSON body is
    except Exception:  # a form that does not parse is FastAPI's 400 to give, as before
        return errors
    for name, value in form.multi_items():
        if isinstance(value, str):
            _walk({name: value}, ("body",), errors)
    return errors


class CheckedRoute(APIRoute):
    """An APIRoute whose requests pass `refused_text` before anything else reads them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def checked(request: Request) -> Response:
            errors = await refused_text(request)
            if errors:
                raise RequestValidationError(errors)
            return await handle(request)

        return checked
