"""Hostile contexts for the respondent's pages: every text a questionnaire, an assessment or a
respondent can put on them is this markup, and it must come out escaped."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from app.web.respondent_form import Choice, QuestionView
from tests.web.test_escaping import HOSTILE

_CHROME = {"token": HOSTILE, "csrf_token": HOSTILE, "assessment_title": HOSTILE}
_PROGRESS = SimpleNamespace(required=3, required_answered=1, answered=1, share=1 / 3)


def _choice(n: int, special: bool = False) -> Choice:
    return Choice(f"{HOSTILE}-{n}", HOSTILE, HOSTILE, HOSTILE, HOSTILE, n == 0, special)


def _question(kind: str, entry: str | None = None) -> QuestionView:
    """One question of each kind, with every field it shows hostile."""
    radios = kind in ("level", "choice", "checklist")
    return QuestionView(
        id=HOSTILE,
        kind=kind,
        text=HOSTILE,
        help=HOSTILE,
        required=kind != "text",
        choices=[_choice(0), _choice(1), _choice(2, special=True)] if radios else [],
        specials=[] if radios else [_choice(0), _choice(1, special=True)],
        none_checked=True,
        typed=HOSTILE,
        input_label=HOSTILE,
        unit=HOSTILE,
        min=0,
        max=100,
        max_length=5000,
        comment_prompt=HOSTILE,
        comment=HOSTILE,
        comment_max=2000,
        error=HOSTILE,
        note=HOSTILE,
        entry=entry,
    )


_PAGE: dict[str, Any] = {
    **_CHROME,
    "page": {"number": 2, "count": 3, "title": HOSTILE, "description": HOSTILE},
    "section": HOSTILE,
    "questions": [
        *(_question(k) for k in ("level", "choice", "checklist", "number", "outcome", "text")),
        _question("outcome", entry="ratings"),
    ],
    "errors": [(HOSTILE, HOSTILE)],
    "general_errors": [HOSTILE],
    "grew": True,
    "progress": _PROGRESS,
    "progress_share": 33,
}

CONTEXTS: dict[str, dict[str, Any]] = {
    "web/respondent/welcome.html": {
        **_CHROME,
        "purpose": HOSTILE,
        "minutes": HOSTILE,
        "page_count": HOSTILE,
        "anonymous": True,
        "min_group_size": HOSTILE,
        "role": HOSTILE,
        "function": HOSTILE,
        "closes": HOSTILE,
        "started": True,
        "submitted": False,
        "saved_note": True,
        "start_href": HOSTILE,
        "progress": _PROGRESS,
    },
    "web/respondent/page.html": _PAGE,
    "web/respondent/review.html": {
        **_CHROME,
        "open_pages": [{"number": HOSTILE, "title": HOSTILE, "questions": [{"id": HOSTILE, "text": HOSTILE}]}],
        "missing_count": 2,
        "refused": True,
        "progress": _PROGRESS,
        "last_page": HOSTILE,
    },
    "web/respondent/thanks.html": {
        **_CHROME,
        "anonymous": True,
        "result": {
            "index": HOSTILE,
            "level": HOSTILE,
            "level_name": HOSTILE,
            "dimensions": [
                {"title": HOSTILE, "score": HOSTILE, "level": HOSTILE, "level_name": HOSTILE},
                {"title": HOSTILE, "score": None, "level": None, "level_name": None},
            ],
        },
    },
    "web/respondent/closed.html": {**_CHROME, "title": HOSTILE, "heading": HOSTILE, "message": HOSTILE},
    # The page of a link that does not work knows nothing about it; the layout's slots are still checked.
    "web/respondent/unknown.html": {"assessment_title": HOSTILE},
}
# Each kind's widget partial on its own, as the page includes it (with the ids it describes the input by).
CONTEXTS.update(
    {
        f"web/respondent/kinds/{name}.html": {"q": _question(kind, entry), "ids": [HOSTILE]}
        for name, kind, entry in (
            ("level", "level", None),
            ("choice", "choice", None),
            ("checklist", "checklist", None),
            ("number", "number", None),
            ("_number_box", "number", None),
            ("outcome", "outcome", "ratings"),
            ("text", "text", None),
        )
    }
)
