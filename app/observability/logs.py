"""Structured logs: one JSON object per line on stderr, carrying the id of the request being served.

The request middleware puts the request id in a context variable; every line logged while
the request runs (in the event loop or in the thread pool, which copies the context) gets
it as `request_id`. uvicorn's own loggers go through the same handler and format, set up by
`uvicorn_log_config()`, which `centricity serve` hands to uvicorn (it applies it in every
worker process).

Every line is redacted in the formatter, whoever logged it (the app, uvicorn, a library) and
wherever the secret sits (message, `extra=` field, traceback): respondent link tokens in
`/r/<token>` and `/respond/<token>` paths, query string values, API keys (`ck_...`), bearer
credentials, session and CSRF cookies, and any other run that looks like a generated token
(43 or more URL-safe characters mixing upper case, lower case and digits, which is what
`secrets.token_urlsafe(32)` gives and what names and ids never are).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("centricity_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "request_id", "color_message", "taskName"}
)


def current_request_id() -> str | None:
    """The id of the request being served in this context, or None outside a request."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> Any:
    """Set the current request id; returns the token to pass to `reset_request_id`."""
    return _request_id.set(request_id)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


REDACTED = "{redacted}"
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # The secret segment of a respondent link (web page or API), wherever the path appears.
    (re.compile(r"(/r/|/respond/)(?!\{)[^/\s?#\"'<>]+"), r"\1{token}"),
    # Query string values: links, redirects and callbacks can carry secrets there.
    (re.compile(r"([?&][\w.\-\[\]]+=)[^&\s#\"'<>]+"), r"\1" + REDACTED),
    # API keys: the display prefix (ck_ and 5 characters) is no secret and helps tell keys apart.
    (re.compile(r"\b(ck_[A-Za-z0-9_\-]{5})[A-Za-z0-9_\-]+"), r"\1" + REDACTED),
    (re.compile(r"\b(bearer\s+)[^\s\"',;]+", re.IGNORECASE), r"\1" + REDACTED),
    # Session and CSRF cookies, by name (`centricity-session`, `__Host-centricity-session`, ...).
    (re.compile(r"(centricity-[\w\-]+=)[^;\s\"',]+"), r"\1" + REDACTED),
)
_TOKEN_LIKE = re.compile(r"(?<![\w\-])[A-Za-z0-9_\-]{43,}(?![\w\-])")


def _alternative(pattern: re.Pattern[str]) -> str:
    return f"(?i:{pattern.pattern})" if pattern.flags & re.IGNORECASE else f"(?:{pattern.pattern})"


# Any of the patterns above, in one pass: nearly every text in a log line (levels, logger names, route
# templates, times) holds no secret, and one search that finds nothing spares it the seven rewrites.
_ANY_SECRET = re.compile("|".join(_alternative(pattern) for pattern, _ in (*_REDACTIONS, (_TOKEN_LIKE, ""))))


def _token_like(match: re.Match[str]) -> str:
    run = match.group(0)
    looks_random = any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)
    return REDACTED if looks_random else run


def redact(text: str) -> str:
    """`text` with every secret it holds (tokens, keys, cookies, query values) replaced."""
    if _ANY_SECRET.search(text) is None:
        return text
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return _TOKEN_LIKE.sub(_token_like, text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(item) for item in value]
    return redact(str(value))


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request_id, any `extra=` fields,
    and the formatted exception when there is one; every text in it redacted (`redact`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(_redacted(entry), ensure_ascii=False)


def log_config(level: str = "info", *, serving: bool = True) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary: everything (root, uvicorn, the app) as JSON on stderr.

    uvicorn's access log is left silent: the request middleware logs each request once, with
    the request id and with respondent tokens taken out of the path, which uvicorn's line has.
    While `serving`, Alembic's informational lines are too: /readyz reads the schema revision
    on every call, and Alembic announces its dialect each time; the migrations run before
    serving (`serving=False`) stay logged.
    """
    level_name = level.upper()
    migration_level = "WARNING" if serving else level_name
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level_name},
        "loggers": {
            # uvicorn installs handlers of its own on these unless told otherwise; propagate to root instead.
            "uvicorn": {"handlers": [], "level": level_name, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level_name, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # Alembic announces its plugins whenever a process loads it; the migrations it runs stay logged.
            "alembic.runtime.plugins": {"level": "WARNING"},
            "alembic.runtime.migration": {"level": migration_level},
            # httpx logs every request's full URL at info: webhook URLs often carry their own secret.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "info") -> None:
    """Log as JSON in this process before it serves (migrations included); uvicorn applies `log_config(level)`
    itself, in each worker, when it starts serving."""
    logging.config.dictConfig(log_config(level, serving=False))
