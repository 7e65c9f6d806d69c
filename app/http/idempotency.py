"""Idempotency-Key for the writing routes: the header as a dependency, and `run_once`, which does a
request's work once per key and replays its outcome on a retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.services import idempotency
from app.services.accounts import Principal

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=idempotency.KEY_MAX,
        description="Any unique string; a retry with the same key and body replays the first outcome.",
    ),
]


def idempotency_scope(principal: Principal) -> str:
    """Whose Idempotency-Keys these are: the workspace and the credential within it, so that another
    key of the same workspace (a read-only one, say) cannot replay an outcome it did not cause."""
    return f"workspace:{principal.workspace_id}/{principal.actor}"


def _replayed(earlier: tuple[int, Any]) -> JSONResponse:
    return JSONResponse(status_code=earlier[0], content=earlier[1], headers={"Idempotent-Replayed": "true"})


def run_once(
    session: Session,
    request: Request,
    scope: str,
    key: str | None,
    payload: Any,
    work: Callable[[], tuple[int, Any]],
    *,
    encoded: bool = False,
) -> JSONResponse:
    """Do `work` in the request's unit of work (`session`, which the session dependency commits); with an
    Idempotency-Key, store the outcome in the same transaction and replay it on a retry instead of
    doing the work again.

    `encoded`: `work` returns a body that is JSON already (dicts, lists, strings, numbers), which
    then skips `jsonable_encoder`. `payload` (the request body) is read only with a key."""
    if key is None:
        status, body = work()
        return JSONResponse(status_code=status, content=body if encoded else jsonable_encoder(body))
    guard = idempotency.IdempotentRequest.of(scope, key, request.method, request.url.path, jsonable_encoder(payload))
    # Looked up in the request's own transaction, not on a read session: on SQLite that makes a
    # concurrent retry wait for the first request's commit and replay it, where a check on a read
    # session would let it do the work again and fail on the work's own unique keys (a 409 for an
    # organization's name) before reaching the idempotency record's.
    earlier = idempotency.stored_outcome(session, guard)
    if earlier is not None:
        return _replayed(earlier)
    status, body = work()
    content = body if encoded else jsonable_encoder(body)
    idempotency.remember(session, guard, status, content)
    try:
        # The record's INSERT meets the unique key here: a concurrent request with the same key
        # that committed first (PostgreSQL waits for it) makes this one replay its outcome.
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = idempotency.stored_outcome(session, guard)
        if earlier is None:
            raise
        return _replayed(earlier)
    return JSONResponse(status_code=status, content=content)
