"""Webhooks through the real app and real HTTP: subscriptions, signed deliveries to a local receiver,
retries with backoff, the delivery log, and isolation between workspaces."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db.engine import get_engine
from app.db.session import session_scope
from app.db.tables import WebhookDelivery, utc_now
from app.main import create_app
from app.services import webhook_sender, webhooks
from app.services.webhook_sender import MAX_ATTEMPTS, deliver_due
from app.settings import get_settings
from tests.api.conftest import Tenant, make_tenant, pulse_answers


@pytest.fixture(autouse=True)
def _no_background_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    # Autouse fixtures run before `client` builds the settings: the tests drive `deliver_due` themselves,
    # and their receivers listen on loopback, which only this setting lets the service post to.
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")
    monkeypatch.setenv("CENTRICITY_OUTBOUND_ALLOW_LOOPBACK", "true")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP endpoint that records every request and answers 500 to the first `fail_first`."""

    port: int = 0
    fail_first: int = 0
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/centricity"

    def record(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            return 500 if len(self.requests) <= self.fail_first else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.record(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if state.delay:
                time.sleep(state.delay)
            answer = b"boom: receiver down" if status >= 300 else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def sessions() -> Session:
    return Session(get_engine())


def create_webhook(tenant: Tenant, url: str, **fields: Any) -> dict[str, Any]:
    response = tenant.post("/webhooks", {"url": url, **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def deliveries(tenant: Tenant, webhook_id: str) -> list[dict[str, Any]]:
    response = tenant.get(f"/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def push_response(client: TestClient, tenant: Tenant, assessment_id: str) -> str:
    body = {"role": "manager", "function": "sales", "answers": pulse_answers(client, tenant)}
    response = tenant.post(f"/assessments/{assessment_id}/responses", body)
    assert response.status_code == 201, response.text
    return response.json()["respondent_id"]  # type: ignore[no-any-return]


def verify(received: Received, secret: str) -> dict[str, Any]:
    """What a receiver does: check the signature over the exact bytes, then parse."""
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["centricity-signature"], expected)
    return json.loads(received.body)  # type: ignore[no-any-return]


def queue(workspace_id: str, count: int) -> None:
    with session_scope() as session:
        for number in range(count):
            webhooks.enqueue(session, workspace_id, "response.submitted", {"number": number})


# ---- subscriptions


def test_create_list_get_delete(tenant: Tenant) -> None:
    created = create_webhook(tenant, "https://crm.example.com/hooks")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) >= 40
    assert created["events"] == ["response.submitted", "assessment.closed"]
    assert created["active"] is True

    listed = tenant.get("/webhooks").json()
    assert listed["total"] == 1 and listed["limit"] == 50 and listed["offset"] == 0
    assert listed["items"][0]["id"] == created["id"]
    assert "secret" not in listed["items"][0]
    one = tenant.get(f"/webhooks/{created['id']}")
    assert one.status_code == 200 and "secret" not in one.json()

    assert tenant.delete(f"/webhooks/{created['id']}").status_code == 204
    gone = tenant.get(f"/webhooks/{created['id']}")
    assert gone.status_code == 404 and gone.json()["error"] == "NotFound"
    assert tenant.get("/webhooks").json()["total"] == 0


def test_events_kept_in_canonical_order(tenant: Tenant) -> None:
    created = create_webhook(tenant, "https://x.example/h", events=["assessment.closed", "response.submitted"])
    assert created["events"] == ["response.submitted", "assessment.closed"]
    only_closed = create_webhook(tenant, "https://x.example/h2", events=["assessment.closed"])
    assert only_closed["events"] == ["assessment.closed"]


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/hooks?source=centricity",
        "http://localhost:8080/hook",
        "http://127.0.0.1/hook",
        "http://127.0.0.2:9000/",
        "http://[::1]:9000/hook",
    ],
)
def test_accepted_urls(tenant: Tenant, url: str) -> None:
    assert tenant.post("/webhooks", {"url": url}).status_code == 201


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://crm.example.com/hook", "https"),
        ("http://10.0.0.5/hook", "https"),
        ("ftp://example.com/hook", "https"),
        ("crm.example.com/hook", "https"),
        ("https://", "https"),
        ("https://user:pw@example.com/hook", "password"),
        ("https://example.com/hook#part", "fragment"),
        ("https://example.com:99999/hook", "valid"),
        ("https://exa mple.com/hook", "spaces"),
    ],
)
def test_refused_urls_name_the_field_and_create_nothing(tenant: Tenant, url: str, reason: str) -> None:
    response = tenant.post("/webhooks", {"url": url})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"]["problems"][0]["field"] == "url"
    assert reason in body["detail"]["message"]
    assert tenant.get("/webhooks").json()["total"] == 0


def test_refused_bodies(tenant: Tenant) -> None:
    for body in (
        {"url": "https://x.example/h", "events": ["assessment.opened"]},
        {"url": "https://x.example/h", "events": []},
        {"url": "https://x.example/h", "secret": "mine"},
        {},
    ):
        response = tenant.post("/webhooks", body)
        assert response.status_code == 422, body
        assert response.json()["error"] == "ValidationError"
    assert tenant.get("/webhooks").json()["total"] == 0


def test_at_most_so_many_webhooks(tenant: Tenant) -> None:
    for number in range(webhooks.MAX_WEBHOOKS_PER_WORKSPACE):
        create_webhook(tenant, f"https://x.example/{number}")
    response = tenant.post("/webhooks", {"url": "https://x.example/one-more"})
    assert response.status_code == 409
    assert tenant.get("/webhooks").json()["total"] == webhooks.MAX_WEBHOOKS_PER_WORKSPACE


def test_idempotent_create_returns_the_same_webhook(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "create-hook-1"}
    first = tenant.post("/webhooks", {"url": "https://x.example/h"}, headers=headers)
    again = tenant.post("/webhooks", {"url": "https://x.example/h"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert tenant.get("/webhooks").json()["total"] == 1


def test_unauthenticated_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.post("/api/v1/webhooks", json={"url": "https://x.example/h"}).status_code == 401


# ---- delivery


def test_events_are_delivered_signed(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    assessment = tenant.open_assessment(anonymity="named")  # anonymous payloads: tests/api/test_anonymity_promise.py
    respondent_id = push_response(client, tenant, assessment["id"])
    assert tenant.post(f"/assessments/{assessment['id']}/close").status_code == 200

    now = utc_now()
    assert deliver_due(sessions, now=now) == 2
    assert deliver_due(sessions, now=now) == 0  # nothing is sent twice

    assert [r.path for r in receiver.requests] == ["/hooks/centricity"] * 2
    bodies = {verify(r, hook["secret"])["event"]: (r, verify(r, hook["secret"])) for r in receiver.requests}
    submitted_request, submitted = bodies["response.submitted"]
    assert submitted["data"]["assessment_id"] == assessment["id"]
    assert submitted["data"]["respondent_id"] == respondent_id
    assert submitted["id"] == submitted_request.headers["centricity-delivery"]
    assert submitted_request.headers["centricity-event"] == "response.submitted"
    assert submitted_request.headers["content-type"] == "application/json"
    assert datetime.fromisoformat(submitted_request.headers["centricity-timestamp"]) == now
    closed_request, closed = bodies["assessment.closed"]
    assert closed["data"]["assessment_id"] == assessment["id"] and closed["data"]["closed_at"]
    assert closed_request.headers["centricity-event"] == "assessment.closed"

    log = deliveries(tenant, hook["id"])
    assert {d["event"] for d in log} == {"response.submitted", "assessment.closed"}
    for entry in log:
        assert entry["status"] == "delivered"
        assert entry["attempts"] == 1
        assert entry["last_status_code"] == 200
        assert entry["last_error"] is None
        assert entry["next_attempt_at"] is None
        assert datetime.fromisoformat(entry["delivered_at"]) == now


def test_a_wrong_secret_does_not_verify(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    deliver_due(sessions)
    with pytest.raises(AssertionError):
        verify(receiver.requests[0], "whsec_not-the-secret")


def test_only_subscribed_events_are_queued(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url, events=["assessment.closed"])
    assessment = tenant.open_assessment()
    push_response(client, tenant, assessment["id"])
    assert deliveries(tenant, hook["id"]) == []
    tenant.post(f"/assessments/{assessment['id']}/close")
    assert [d["event"] for d in deliveries(tenant, hook["id"])] == ["assessment.closed"]


def test_retries_with_backoff_then_delivered(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    receiver.fail_first = 2
    start = utc_now()

    assert deliver_due(sessions, now=start) == 1
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "pending" and entry["attempts"] == 1
    assert entry["last_status_code"] == 500
    assert entry["last_error"] == "HTTP 500"  # the status only: nothing of what the receiver answered
    first_retry = start + timedelta(seconds=30)
    assert datetime.fromisoformat(entry["next_attempt_at"]) == first_retry

    assert deliver_due(sessions, now=first_retry - timedelta(seconds=1)) == 0  # not due yet
    assert deliver_due(sessions, now=first_retry) == 1
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["attempts"] == 2 and entry["status"] == "pending"
    second_retry = first_retry + timedelta(minutes=2)
    assert datetime.fromisoformat(entry["next_attempt_at"]) == second_retry

    assert deliver_due(sessions, now=second_retry) == 1
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "delivered" and entry["attempts"] == 3
    assert entry["last_status_code"] == 200 and entry["last_error"] is None
    assert datetime.fromisoformat(entry["delivered_at"]) == second_retry

    # Every attempt carried the same delivery id and a valid signature, so the receiver can deduplicate.
    assert len(receiver.requests) == 3
    assert len({r.headers["centricity-delivery"] for r in receiver.requests}) == 1
    assert len({verify(r, hook["secret"])["id"] for r in receiver.requests}) == 1


def test_failed_after_the_last_attempt(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    receiver.fail_first = 1000
    moment = utc_now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver_due(sessions, now=moment) == 1
        (entry,) = deliveries(tenant, hook["id"])
        assert entry["attempts"] == attempt
        if attempt < MAX_ATTEMPTS:
            assert entry["status"] == "pending"
            following = datetime.fromisoformat(entry["next_attempt_at"])
            waits.append(following - moment)
            moment = following
    assert waits == [timedelta(seconds=s) for s in (30, 120, 480, 1920, 7680)]
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "failed"
    assert entry["next_attempt_at"] is None
    assert entry["last_status_code"] == 500 and entry["last_error"].startswith("HTTP 500")
    assert deliver_due(sessions, now=moment + timedelta(days=30)) == 0
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_unreachable_receiver_records_the_error(client: TestClient, tenant: Tenant) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = create_webhook(tenant, f"http://127.0.0.1:{port}/hook")
    queue(tenant.workspace_id, 1)
    assert deliver_due(sessions) == 1
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "pending" and entry["attempts"] == 1
    assert entry["last_status_code"] is None
    assert entry["last_error"] == "connection refused"


def test_a_slow_receiver_times_out(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    receiver.delay = 1.0
    assert deliver_due(sessions, timeout=0.2) == 1
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "pending" and entry["last_error"] == "timeout"


def test_redirects_are_not_followed(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(307)
            # A local target that would record the request if the redirect were followed.
            self.send_header("Location", receiver.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        hook = create_webhook(tenant, f"http://127.0.0.1:{server.server_address[1]}/")
        queue(tenant.workspace_id, 1)
        assert deliver_due(sessions) == 1
    finally:
        server.shutdown()
        server.server_close()
    (entry,) = deliveries(tenant, hook["id"])
    assert entry["status"] == "pending" and entry["last_status_code"] == 307 and entry["last_error"] == "HTTP 307"
    assert receiver.requests == []


def test_concurrent_senders_send_each_delivery_once(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 30)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            counts.append(deliver_due(sessions))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(counts) == 30
    sent = [r.headers["centricity-delivery"] for r in receiver.requests]
    assert len(sent) == 30 and len(set(sent)) == 30
    log = tenant.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 100}).json()
    assert log["total"] == 30
    assert {(d["status"], d["attempts"]) for d in log["items"]} == {("delivered", 1)}


def test_a_stale_outcome_is_not_recorded(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """A send that outlived its lease: the delivery was claimed again meanwhile, so the late outcome is dropped."""
    create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    start = utc_now()
    first = webhook_sender._claim_one(sessions, start)
    assert first is not None
    again = webhook_sender._claim_one(sessions, start + webhook_sender.LEASE)
    assert again is not None and again.id == first.id and again.attempts == 2
    webhook_sender._record(sessions, first, webhook_sender.Outcome(True, 200, None), start)
    with sessions() as session:
        row = session.exec(select(WebhookDelivery)).one()
        assert row.status == "pending" and row.attempts == 2 and row.delivered_at is None


def test_deleting_a_webhook_drops_its_queue(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 3)
    assert tenant.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert deliver_due(sessions) == 0
    assert receiver.requests == []
    with sessions() as session:
        assert session.exec(select(WebhookDelivery)).all() == []


def test_delivery_log_is_paginated_newest_first(client: TestClient, tenant: Tenant) -> None:
    hook = create_webhook(tenant, "https://x.example/h")
    queue(tenant.workspace_id, 3)
    page = tenant.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 2}).json()
    assert page["total"] == 3 and page["limit"] == 2 and len(page["items"]) == 2
    rest = tenant.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1
    numbers = [d["payload"]["data"]["number"] for d in page["items"] + rest["items"]]
    assert sorted(numbers) == [0, 1, 2]
    created = [d["created_at"] for d in page["items"] + rest["items"]]
    assert created == sorted(created, reverse=True)
    assert tenant.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 0}).status_code == 422


# ---- workspaces


def test_another_workspace_sees_nothing_and_changes_nothing(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, receiver: Receiver
) -> None:
    hook = create_webhook(tenant, receiver.url)
    queue(tenant.workspace_id, 1)
    for response in (
        other_tenant.get(f"/webhooks/{hook['id']}"),
        other_tenant.get(f"/webhooks/{hook['id']}/deliveries"),
        other_tenant.delete(f"/webhooks/{hook['id']}"),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
    assert other_tenant.get("/webhooks").json()["total"] == 0
    assert tenant.get(f"/webhooks/{hook['id']}").status_code == 200
    assert len(deliveries(tenant, hook["id"])) == 1

    # The other workspace's events never reach this workspace's webhook.
    assessment = other_tenant.open_assessment()
    push_response(client, other_tenant, assessment["id"])
    other_tenant.post(f"/assessments/{assessment['id']}/close")
    assert len(deliveries(tenant, hook["id"])) == 1
    assert tenant.get("/webhooks/does-not-exist/deliveries").status_code == 404


# ---- the background sender of the app


def test_the_app_runs_the_sender_in_the_background(
    app_database: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "true")
    monkeypatch.setattr(webhook_sender, "POLL_SECONDS", 0.05)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        assert any(t.name == "webhook-sender" for t in threading.enumerate())
        tenant = make_tenant(client, "Acme Consulting")
        hook = create_webhook(tenant, receiver.url)
        assessment = tenant.open_assessment()
        push_response(client, tenant, assessment["id"])
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.requests) == 1
        verify(receiver.requests[0], hook["secret"])
    # Shutdown stopped the thread.
    assert not any(t.name == "webhook-sender" for t in threading.enumerate())
