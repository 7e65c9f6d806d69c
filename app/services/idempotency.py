"""Idempotency keys: a retried request (after a timeout or a crash) replays the stored outcome instead
of doing the work twice. The record is written in the same transaction as the work it stands for.

Outcomes can hold secrets (an invitation's response carries the respondents' links), so a record
lives for `IDEMPOTENCY_TTL` only and its body is stored sealed with a key derived from the
deployment secret (`CENTRICITY_SECRET_KEY`). A record that cannot be opened (the secret changed:
outside production it is random per process, so a restart does it) answers 409 rather than doing
the work a second time: the first request did take effect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from app.db.tables import IdempotencyRecord, utc_now
from app.security import Unreadable, seal, unseal
from app.services.errors import Conflict, InvalidInput
from app.settings import get_settings

KEY_MAX = 255
# Long enough for any client's retries (Stripe keeps keys as long); short enough that a
# stored outcome is not a second, long-lived copy of the links it holds.
IDEMPOTENCY_TTL = timedelta(hours=24)
_SEALING_PURPOSE = "idempotency-record"


@dataclass(frozen=True)
class IdempotentRequest:
    # Whose key it is: "workspace:<id>/api_key:<id>" or "respondent:<id>". Keys of different
    # clients never collide, and another credential of the same workspace cannot replay them.
    scope: str
    key: str
    method: str
    path: str
    request_hash: str  # the method, path and body: the same key for another request is refused

    @classmethod
    def of(cls, scope: str, key: str, method: str, path: str, payload: Any) -> IdempotentRequest:
        if not key or len(key) > KEY_MAX:
            raise InvalidInput(f"an Idempotency-Key has 1 to {KEY_MAX} characters")
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        request_hash = hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()
        return cls(scope, key, method, path, request_hash)


def _oldest_live() -> datetime:
    return utc_now() - IDEMPOTENCY_TTL


def stored_outcome(session: Session, request: IdempotentRequest) -> tuple[int, Any] | None:
    """The outcome of an earlier request with this key in the last `IDEMPOTENCY_TTL`, or None if there was none."""
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == request.scope,
            IdempotencyRecord.key == request.key,
            col(IdempotencyRecord.created_at) >= _oldest_live(),
        )
    ).first()
    if record is None:
        return None
    if record.request_hash != request.request_hash:
        raise InvalidInput("this Idempotency-Key was already used for a different request")
    if record.response_status is None:
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return record.response_status, _opened(record.response_body)


def _opened(sealed: Any) -> Any:
    try:
        if not isinstance(sealed, str):
            raise Unreadable(_SEALING_PURPOSE)
        return json.loads(unseal(get_settings().secret_key, _SEALING_PURPOSE, sealed))
    except Unreadable:
        raise Conflict(
            "a request with this Idempotency-Key was already carried out, but its stored outcome can no longer "
            "be read (the service's secret key changed since); check the result of the first request, "
            "and send any new request with a new key"
        ) from None


def remember(session: Session, request: IdempotentRequest, status: int, body: Any) -> None:
    """Store the outcome (sealed) in the session's transaction, and purge the records past their time."""
    purge_expired(session)
    sealed = seal(get_settings().secret_key, _SEALING_PURPOSE, json.dumps(body, separators=(",", ":")).encode())
    session.add(
        IdempotencyRecord(
            scope=request.scope,
            key=request.key,
            method=request.method,
            path=request.path,
            request_hash=request.request_hash,
            response_status=status,
            response_body=sealed,
        )
    )


def purge_expired(session: Session) -> int:
    """Delete the records older than `IDEMPOTENCY_TTL` (does not commit); how many went."""
    result = session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < _oldest_live()))
    return int(result.rowcount or 0)
