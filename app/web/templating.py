"""The Jinja2 environment of every page: autoescaping on for every template, whatever its extension."""

from __future__ import annotations

import hashlib
import pickle
import threading
from typing import Any

from cachetools import LRUCache
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from app.settings import PROJECT_ROOT
from app.text import printable

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"

# Starlette's default escapes only .html/.htm/.xml files; `autoescape=True` escapes every
# template, so a .txt or .svg template cannot become an injection point. StrictUndefined
# makes a misspelt variable an error in tests instead of an empty string in production.
STATIC_PREFIX = "/static/"


class Printed(Markup):
    """Markup this environment printed (a `fragment`): every value in it passed `printable` already,
    so printing it into a page does not search its every character again."""


def _printable(value: Any) -> Any:
    return value if type(value) is Printed else printable(value)


def static_url(path: str) -> str:
    """The address of a file under static/, root-relative: what `url_for('static', ...)` gives without
    looking the mount up among every route on each page."""
    return STATIC_PREFIX + path.lstrip("/")


environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    finalize=_printable,  # no stored text can make a page fail, whatever an older version let in
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["static_url"] = static_url
templates = Jinja2Templates(env=environment)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `templates/`; every value in the context is escaped unless marked safe by us."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# Rendered fragments by a digest of their template and context: a results page is mostly its
# content, which is the same for every reader until an answer is submitted, and printing it took
# over half of the page's time (~6 ms of ~14 ms) on every request.
_FRAGMENTS = 64
_fragments: LRUCache[bytes, Printed] = LRUCache(maxsize=_FRAGMENTS)
_fragments_lock = threading.Lock()  # cachetools caches are not thread-safe; sync routes run in threads


def fragment(name: str, **context: Any) -> Printed:
    """The template `name` rendered with `context` (plain, picklable data), printed once for the same
    template and context. The key is the context itself (its pickle's digest), not an id: two contexts
    share a print only when they hold the same values, so no reader can see another's figures."""
    key = hashlib.blake2b(pickle.dumps((name, context), protocol=pickle.HIGHEST_PROTOCOL), digest_size=32).digest()
    with _fragments_lock:
        printed = _fragments.get(key)
    if printed is None:
        # Autoescaped like every page: the printed text is already safe HTML.
        printed = Printed(environment.get_template(name).render(context))
        with _fragments_lock:
            _fragments[key] = printed
    return printed
