"""What every consultant form page shares: field errors, times as people read them, pages kept out of caches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from app.services.errors import InvalidInput

# Field name -> messages shown next to that field (and in the summary at the top of the form).
Errors = dict[str, list[str]]

# Respondent links and new keys are secrets: the pages and files that carry them must not stay in any cache.
NO_STORE = {"Cache-Control": "no-store"}


def when(moment: datetime | None) -> str:
    """A stored time as people read it, always in UTC (the app has no per-user time zone)."""
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC") if moment else ""


def day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y") if moment else ""


def last_day(closes_at: datetime | None) -> str:
    """The last day that takes answers: an assessment closing at midnight UTC ends the day before."""
    return day(closes_at - timedelta(seconds=1)) if closes_at else ""


def errors_of(exc: ValidationError) -> Errors:
    """Pydantic's errors as short messages by field, worded for a person filling in a form."""
    errors: Errors = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        context = error.get("ctx") or {}
        if error["type"] == "string_too_short" and context.get("min_length") == 1:
            message = "This cannot be empty."
        elif error["type"] == "string_too_long":
            message = f"At most {context.get('max_length')} characters."
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(field, []).append(message)
    return errors


def problems_of(exc: InvalidInput, fallback: str) -> Errors:
    """A service's refusal as messages by field; problems without a field go to `fallback`."""
    errors: Errors = {}
    problems = exc.detail if isinstance(exc.detail, list) else []
    for problem in problems:
        if isinstance(problem, dict) and problem.get("field"):
            errors.setdefault(str(problem["field"]), []).append(str(problem.get("message", exc.message)))
    return errors or {fallback: [exc.message]}
