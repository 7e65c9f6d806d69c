"""Prometheus metrics: requests and their latency, answers saved, reports rendered, and their exposition.

Labels are bounded: the route is the path template (`/r/{token}`, never the path itself,
which holds ids and respondent tokens), requests that match no route share one label, the
status is a class (`2xx`...) and unknown methods are `other`.

Several worker processes (`centricity serve --workers N`) each count their own requests;
`serve` then points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before the workers
start, prometheus_client keeps every process's values in files there, and /metrics adds
them up, so any worker answers for all of them. Without that variable the process's own
registry is served.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Request latency in seconds: from a cached page (milliseconds) to a PDF report (about a second) and a slow export.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "centricity_http_requests",
    "HTTP requests answered, by method, route template and status class.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "centricity_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method, route template and status class.",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
ANSWERS_SAVED = Counter(
    "centricity_answers_saved",
    "Answers stored: each answer value written by a respondent's save or a pushed response, counted once its "
    "transaction commits.",
)
REPORTS_RENDERED = Counter(
    "centricity_reports_rendered",
    "Reports rendered, by outcome.",
    ["outcome"],
)

_OUTCOME = re.compile(r"[a-z][a-z0-9_]{0,23}")


def method_label(method: str) -> str:
    return method if method in _METHODS else "other"


def status_label(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request; `route` must be a template or UNMATCHED_ROUTE, never a raw path."""
    labels = (method_label(method), route, status_label(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_REQUEST_DURATION.labels(*labels).observe(seconds)


def record_report_rendered(outcome: str) -> None:
    """Count one report render. `outcome` is a short fixed word such as "ok" or "error" (lowercase letters,
    digits and `_`, at most 24 characters); anything else is counted as "other" so the label stays bounded."""
    REPORTS_RENDERED.labels(outcome if _OUTCOME.fullmatch(outcome) else "other").inc()


# ---- answers saved: counted when the transaction that stored them commits

_PENDING_ANSWERS = "centricity_answers_pending"


def count_answers_saved(session: Session, count: int) -> None:
    """Add `count` stored answers to `centricity_answers_saved_total` when `session` commits its
    transaction; a rollback (a refused request, a failed submit, a crash) counts nothing."""
    if count > 0:
        session.info[_PENDING_ANSWERS] = session.info.get(_PENDING_ANSWERS, 0) + count


def answers_saved(session: Session | None, count: int) -> None:
    """The hook `app.services.responses` tells of answers saved (installed by `app.main`): counted now
    when they are committed already (`session` None), else when `session` commits."""
    if session is None:
        ANSWERS_SAVED.inc(count)
    else:
        count_answers_saved(session, count)


@event.listens_for(Session, "after_commit")
def _count_committed_answers(session: Session) -> None:
    pending = session.info.pop(_PENDING_ANSWERS, 0)
    if pending:
        ANSWERS_SAVED.inc(pending)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_answers(session: Session, transaction: SessionTransaction) -> None:
    # After a commit the count was taken above; after a rollback of the whole transaction it is dropped.
    if transaction.parent is None:
        session.info.pop(_PENDING_ANSWERS, None)


# ---- GET /metrics


def exposition() -> bytes:
    """The metrics in Prometheus' text format: every worker's when running several, else this process's."""
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def prepare_multiprocess_directory(path: str) -> None:
    """Make `path` an empty directory for a new run of several workers (values of an earlier run would be
    added to this one's); only prometheus_client's `*.db` files are removed."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
