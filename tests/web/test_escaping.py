"""Every template escapes what it is given, whatever the file's extension."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from app.web.templating import TEMPLATES_DIR, environment

# Shared with the tests/web/hostile_*.py modules.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


def test_autoescape_is_on_for_every_extension() -> None:
    for name in ("page.html", "note.txt", "chart.svg", "data.csv", "no-extension"):
        template = environment.from_string("{{ value }}")
        template.name = name
        assert "<script>" not in template.render(value=HOSTILE)
    assert environment.autoescape is True


def _request() -> Request:
    from app.main import create_app

    app = create_app()
    return Request({"type": "http", "app": app, "router": app.router, "path": "/", "headers": [], "query_string": b""})


_OWN_CONTEXTS = {
    "web/error.html": {
        "heading": HOSTILE,
        "message": HOSTILE,
        "hint": HOSTILE,
        "back_href": "/",
        "back_label": HOSTILE,
    },
    "web/login.html": {"next_path": HOSTILE, "error": HOSTILE, "csrf_token": HOSTILE},
    "web/consultant/dashboard.html": {
        "viewer": SimpleNamespace(workspace_name=HOSTILE, email=HOSTILE, csrf_token=HOSTILE),
        "organizations": [
            {
                "id": HOSTILE,
                "name": HOSTILE,
                "industry": HOSTILE,
                "runs": [
                    {
                        "id": "1",
                        "title": HOSTILE,
                        "status": HOSTILE,
                        "questionnaire": HOSTILE,
                        "invited": 1,
                        "submitted": 0,
                        "created": HOSTILE,
                    }
                ],
            }
        ],
        "organization_total": 1,
    },
}


def _all_contexts() -> dict[str, dict[str, object]]:
    """These contexts plus those of every `tests/web/hostile_*.py` module (one per group of pages)."""
    contexts: dict[str, dict[str, object]] = dict(_OWN_CONTEXTS)
    for module_path in sorted(Path(__file__).parent.glob("hostile_*.py")):
        module = importlib.import_module(f"tests.web.{module_path.stem}")
        contexts.update(module.CONTEXTS)
    return contexts


CONTEXTS = _all_contexts()


def test_every_page_template_has_a_hostile_context_here() -> None:
    pages = {
        str(p.relative_to(TEMPLATES_DIR))
        for p in (TEMPLATES_DIR / "web").rglob("*.html")
        if p.name not in ("base.html", "layout.html")
    }
    assert pages <= set(CONTEXTS), f"add a hostile context for {sorted(pages - set(CONTEXTS))}"


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_hostile_text_is_escaped(name: str, app_database: str) -> None:
    html = environment.get_template(name).render(request=_request(), **CONTEXTS[name])
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
