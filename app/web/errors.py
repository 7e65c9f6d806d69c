"""Error pages for people: the same errors as the API's JSON, as a page that says what to do next."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.web.templating import render

_HEADINGS = {
    400: "That request did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "That cannot be done now",
    413: "Too much at once",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    response = render(
        request,
        "web/error.html",
        status_code=status,
        heading=_HEADINGS.get(status, "That did not work"),
        message=message if status != 500 else "Nothing was changed. Please try again in a moment.",
        hint=None,
        back_href="/",
        back_label="Back to the start page",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
