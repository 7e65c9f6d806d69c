"""The Jinja2 environment of every page: autoescaping on for every template, whatever its extension."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.settings import PROJECT_ROOT
from app.text import printable

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"

# Starlette's default escapes only .html/.htm/.xml files; `autoescape=True` escapes every
# template, so a .txt or .svg template cannot become an injection point. StrictUndefined
# makes a misspelt variable an error in tests instead of an empty string in production.
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    finalize=printable,  # no stored text can make a page fail, whatever an older version let in
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=environment)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `templates/`; every value in the context is escaped unless marked safe by us."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)
