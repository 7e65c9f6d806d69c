"""Idempotency keys: a retried request (after a timeout or a crash) replays the stored outcome instead
of doing the work twice. The record is written in the same transaction as the work it stands for."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.db.tables import IdempotencyRecord
from app.services.errors import Conflict, InvalidInput

KEY_MAX = 255


@dataclass(frozen=True)
class IdempotentRequest:
    scope: str  # "workspace:<id>" or "respondent:<id>": keys of different clients never collide
    key: str
    method: str
    path: str
    request_hash: str

    @classmethod
    def of(cls, scope: str, key: str, method: str, path: str, payload: Any) -> IdempotentRequest:
        if not key or len(key) > KEY_MAX:
            raise InvalidInput(f"an Idempotency-Key has 1 to {KEY_MAX} characters")
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        request_hash = hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()
        return cls(scope, key, method, path, request_hash)


def stored_outcome(session: Session, request: IdempotentRequest) -> tuple[int, Any] | None:
    """The outcome of an earlier request with this key, or None if there was none."""
    record = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == request.scope, IdempotencyRecord.key == request.key)
    ).first()
    if record is None:
        return None
    if record.request_hash != request.request_hash:
        raise InvalidInput("this Idempotency-Key was already used for a different request")
    if record.response_status is None:
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return record.response_status, record.response_body


def remember(session: Session, request: IdempotentRequest, status: int, body: Any) -> None:
    session.add(
        IdempotencyRecord(
            scope=request.scope,
            key=request.key,
            method=request.method,
            path=request.path,
            request_hash=request.request_hash,
            response_status=status,
            response_body=body,
        )
    )
