"""Delivering queued webhook events: claim what is due, POST it signed, record the outcome, retry with backoff.

Delivery is at least once. A delivery is claimed in a short transaction of its own (on
PostgreSQL with `FOR UPDATE SKIP LOCKED`, so app instances polling at the same moment
take different rows instead of waiting for or repeating each other), sent outside any
transaction, and its outcome recorded in another short transaction. Claiming counts the
attempt and pushes `next_attempt_at` a lease ahead: if the process dies mid-send, the
delivery becomes due again when the lease ends and is sent again, which receivers can
recognize by its `Centricity-Delivery` id.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.db.engine import get_engine
from app.db.tables import DeliveryStatus, Webhook, WebhookDelivery, utc_now
from app.net import outbound
from app.security import sign
from app.settings import get_settings

log = logging.getLogger("centricity.webhooks")

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)
BACKOFF_FACTOR = 4
TIMEOUT_SECONDS = 5.0
# Longer than one send can take (connect, write and read timeouts in a row), so a delivery
# being sent is never claimed by a second instance; short enough that a crash delays it little.
LEASE = timedelta(minutes=2)
BATCH_LIMIT = 50
POLL_SECONDS = 3.0
USER_AGENT = "Centricity-Webhooks/1"

SessionFactory = Callable[[], Session]


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failed ones: 30 s, 2 min, 8 min, 32 min, 2 h 8 min."""
    factor: int = BACKOFF_FACTOR ** (attempts - 1)
    return FIRST_RETRY * factor


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt, with what sending it needs as plain values (its session is closed by then)."""

    id: str
    event: str
    url: str
    secret: str
    payload: dict[str, Any]
    attempts: int  # including this one


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str | None
    final: bool = False  # not worth retrying: the delivery fails now


def body_of(delivery_id: str, payload: dict[str, Any]) -> bytes:
    """The exact bytes posted and signed: the queued event with the delivery id, compact JSON."""
    return json.dumps({"id": delivery_id, **payload}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def headers_for(claimed: Claimed, body: bytes, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Centricity-Event": claimed.event,
        "Centricity-Delivery": claimed.id,
        "Centricity-Signature": "sha256=" + sign(claimed.secret, body),
        "Centricity-Timestamp": now.isoformat().replace("+00:00", "Z"),
    }


def _claim_one(session_factory: SessionFactory, now: datetime) -> Claimed | None:
    with session_factory() as session:
        query = (
            select(WebhookDelivery, Webhook)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                col(WebhookDelivery.next_attempt_at) <= now,
                col(Webhook.active).is_(True),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(1)
            # PostgreSQL: rows another instance is claiming are skipped, not waited for.
            # SQLite renders no locking clause; its single writer (BEGIN IMMEDIATE) serializes claims.
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        row = session.exec(query).first()
        if row is None:
            return None
        delivery, webhook = row
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        claimed = Claimed(
            id=delivery.id,
            event=delivery.event,
            url=webhook.url,
            secret=webhook.secret,
            payload=dict(delivery.payload),
            attempts=delivery.attempts,
        )
        session.commit()
        return claimed


def send(guard: outbound.OutboundGuard, claimed: Claimed, now: datetime, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST one delivery through the outbound guard; any 2xx is delivered, anything else is not.
    Only the status code and a short fixed reason are kept: never the receiver's answer, which
    for a URL aimed at an internal service would hand that service's content to the webhook's owner."""
    body = body_of(claimed.id, claimed.payload)
    try:
        status = guard.post(claimed.url, body, headers_for(claimed, body, now), timeout)
    except outbound.Refused as refused:
        # A URL stored before the guard's rules, or a name that now resolves somewhere refused:
        # retrying would be refused the same way.
        return Outcome(False, None, refused.reason, final=True)
    except outbound.SendFailed as failed:
        return Outcome(False, None, failed.reason)
    if 200 <= status < 300:
        return Outcome(True, status, None)
    return Outcome(False, status, f"HTTP {status}")


def _record(session_factory: SessionFactory, claimed: Claimed, outcome: Outcome, now: datetime) -> None:
    with session_factory() as session:
        # Only the attempt that claimed it may record: if the lease ran out and another
        # instance claimed it again, its attempt count has moved on and this outcome is stale.
        delivery = session.exec(
            select(WebhookDelivery).where(
                WebhookDelivery.id == claimed.id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.attempts == claimed.attempts,
            )
        ).first()
        if delivery is None:  # the webhook was deleted meanwhile, or the outcome is stale
            return
        delivery.last_status_code = outcome.status_code
        if outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = None
        elif outcome.final or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = outcome.error
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            delivery.last_error = outcome.error
        session.commit()


def deliver_due(
    session_factory: SessionFactory,
    now: datetime | None = None,
    limit: int = BATCH_LIMIT,
    stop: threading.Event | None = None,
    guard: outbound.OutboundGuard | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> int:
    """Send up to `limit` deliveries that are due at `now` (default: the current time, read at each
    step), one at a time; returns how many were attempted. `guard` defaults to the configured one."""
    guard = guard or outbound.guard_from_settings()
    attempted = 0
    while attempted < limit and not (stop is not None and stop.is_set()):
        claimed = _claim_one(session_factory, now or utc_now())
        if claimed is None:
            break
        outcome = send(guard, claimed, now or utc_now(), timeout)
        _record(session_factory, claimed, outcome, now or utc_now())
        attempted += 1
        if not outcome.delivered:
            log.info("webhook delivery %s attempt %d failed: %s", claimed.id, claimed.attempts, outcome.error)
    return attempted


class WebhookSender:
    """Calls `deliver_due` every `interval` seconds in a background thread until `stop()`."""

    def __init__(self, session_factory: SessionFactory, interval: float = POLL_SECONDS):
        self.session_factory = session_factory
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3 * TIMEOUT_SECONDS + 5) -> None:
        """Ask the thread to stop and wait for the delivery in flight, if any, to finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        guard = outbound.guard_from_settings()
        while not self._stop.wait(self.interval):
            try:
                while deliver_due(self.session_factory, stop=self._stop, guard=guard) == BATCH_LIMIT:
                    pass  # a backlog: keep going without waiting
            except Exception:  # a database hiccup must not end the thread; the next round retries
                log.exception("webhook sender round failed")


def start_background_sender() -> WebhookSender | None:
    """Start the sender for the configured database, unless `CENTRICITY_WEBHOOK_SENDER=false` (tests
    turn it off and call `deliver_due` themselves); the caller stops it on shutdown."""
    if not get_settings().webhook_sender:
        return None
    sender = WebhookSender(lambda: Session(get_engine()), interval=POLL_SECONDS)
    sender.start()
    return sender
