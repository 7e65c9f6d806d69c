"""Webhook helpers without a network or database: the signed body and headers, and the retry schedule
(which URLs may receive events is the outbound guard's, tests/unit/test_outbound_guard.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from app.services.webhook_sender import MAX_ATTEMPTS, Claimed, body_of, headers_for, retry_delay
from app.services.webhooks import EVENTS, new_secret


def test_secrets_are_long_and_distinct() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(s.startswith("whsec_") and len(s) >= 6 + 43 for s in secrets)


def test_body_and_headers_are_signed_over_the_exact_bytes() -> None:
    claimed = Claimed(
        id="d-1",
        event="response.submitted",
        url="https://x.example/h",
        secret="whsec_test",
        payload={"event": "response.submitted", "created_at": "2026-11-22T09:30:00Z", "data": {"name": "Zoë"}},
        attempts=1,
    )
    body = body_of(claimed.id, claimed.payload)
    assert json.loads(body) == {"id": "d-1", **claimed.payload}
    assert b" " not in body and "Zoë".encode() in body  # compact, UTF-8
    headers = headers_for(claimed, body, datetime(2026, 11, 22, 9, 30, 5, tzinfo=UTC))
    digest = hmac.new(b"whsec_test", body, hashlib.sha256).hexdigest()
    assert headers["Centricity-Signature"] == f"sha256={digest}"
    assert headers["Centricity-Delivery"] == "d-1"
    assert headers["Centricity-Event"] == "response.submitted"
    assert headers["Centricity-Timestamp"] == "2026-11-22T09:30:05Z"
    assert headers["Content-Type"] == "application/json"


def test_retry_schedule() -> None:
    waits = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert waits == [timedelta(seconds=s) for s in (30, 120, 480, 1920, 7680)]
    assert MAX_ATTEMPTS == 6


def test_events() -> None:
    assert EVENTS == ("response.submitted", "assessment.closed")
