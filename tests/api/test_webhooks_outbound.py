"""Webhooks never reach where they must not: refused at creation in every spelling, refused at send time
after resolution, sent to the address that was checked (TLS name and Host kept), and nothing of a
target's answer kept. Real HTTP(S) servers on 127.0.0.1; names resolve from a table, never from DNS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from app.db.engine import get_engine
from app.db.session import session_scope
from app.db.tables import Webhook, WebhookDelivery
from app.net.outbound import OutboundGuard
from app.services import webhooks
from app.services.webhook_sender import deliver_due
from app.settings import get_settings
from tests.api import test_webhooks as base
from tests.api.conftest import Tenant

receiver = base.receiver  # the recording loopback receiver of the webhook tests
SECRET_BODY = b"INTERNAL-ONLY aws_secret_access_key=wJalrXUtnFEMI/K7MDENG"


@pytest.fixture(autouse=True)
def _loopback_allowed_and_no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")
    monkeypatch.setenv("CENTRICITY_OUTBOUND_ALLOW_LOOPBACK", "true")
    real_getaddrinfo = socket.getaddrinfo

    def addresses_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        # A tripwire: a name looked up here (by the guard's default resolver, or by httpx because
        # a request was not pinned to its checked address) would be a DNS query leaving the machine.
        if host is not None and host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"DNS lookup of {host!r} during a test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", addresses_only)


@dataclass
class TableResolver:
    """DNS for the tests: names answer from a table (each answer may change between lookups), lookups are counted."""

    answers: dict[str, list[Sequence[str]]]
    lookups: list[str] = field(default_factory=list)

    def __call__(self, name: str, port: int) -> Sequence[str]:
        self.lookups.append(name)
        queue = self.answers.get(name)
        if not queue:
            raise OSError(f"{name} does not resolve")
        return queue.pop(0) if len(queue) > 1 else queue[0]


def guard(resolver: TableResolver, ssl_context: ssl.SSLContext | None = None) -> OutboundGuard:
    return OutboundGuard(allow_loopback=True, resolve=resolver, ssl_context=ssl_context)


@dataclass
class Seen:
    paths: list[str] = field(default_factory=list)
    hosts: list[str | None] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)


@contextmanager
def serve(
    status: int, body: bytes = b"", tls: ssl.SSLContext | None = None, extra: Callable[[Any], None] | None = None
) -> Iterator[tuple[int, Seen]]:
    """A local server answering every POST with `status` and `body` (over TLS with `tls`); yields its port."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.paths.append(self.path)
            seen.hosts.append(self.headers.get("Host"))
            self.send_response(status)
            if extra:
                extra(self)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        tls.sni_callback = lambda sock, name, context: seen.server_names.append(name)  # type: ignore[assignment]
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def create(tenant: Tenant, url: str) -> dict[str, Any]:
    return base.create_webhook(tenant, url)


def only_delivery(tenant: Tenant, hook: dict[str, Any]) -> dict[str, Any]:
    (entry,) = base.deliveries(tenant, hook["id"])
    return entry


# ---- at creation: every spelling of the issue's examples, and the loopback setting


ISSUE_URLS = [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1",
    "https://192.168.0.1",
    "https://[fd00:ec2::254]",
    "https://metadata.google.internal",
    "https://2130706433",
    "https://0x7f000001",
    "https://127.0.0.1.nip.io",
    "https://kubernetes.default.svc",
    "https://100.64.0.1/",
    "https://[::ffff:169.254.169.254]/",
    "https://0251.0376.0251.0376/",
    "https://10.1/",
    "https://１６９．２５４．１６９．２５４/",
    "https://localhost./",
    "https://224.0.0.251/",
    "https://240.0.0.1/",
]


# Loopback: allowed with the setting, and then only written the usual way (the test below).
LOOPBACK_URLS = {"https://2130706433", "https://0x7f000001", "https://localhost./"}


@pytest.mark.parametrize(
    ("url", "allow_loopback"),
    [(url, False) for url in ISSUE_URLS] + [(url, True) for url in ISSUE_URLS if url not in LOOPBACK_URLS],
)
def test_creation_is_refused_for_every_spelling(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, url: str, allow_loopback: bool
) -> None:
    monkeypatch.setenv("CENTRICITY_OUTBOUND_ALLOW_LOOPBACK", str(allow_loopback).lower())
    get_settings.cache_clear()
    response = tenant.post("/webhooks", {"url": url})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidInput"
    assert body["detail"]["problems"][0]["field"] == "url"
    assert "public" in body["detail"]["message"]
    assert tenant.get("/webhooks").json()["total"] == 0
    with session_scope() as session:
        assert session.exec(select(Webhook)).all() == []


@pytest.mark.parametrize("url", ["https://2130706433/", "https://0x7f000001/", "https://127.1/"])
def test_loopback_in_an_unusual_spelling_is_refused_even_with_the_setting(tenant: Tenant, url: str) -> None:
    response = tenant.post("/webhooks", {"url": url})
    assert response.status_code == 422
    assert "write 127.0.0.1" in response.json()["detail"]["message"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "http://[::1]:9000/"])
def test_loopback_receivers_need_the_setting(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("CENTRICITY_OUTBOUND_ALLOW_LOOPBACK", "false")
    get_settings.cache_clear()
    response = tenant.post("/webhooks", {"url": url})
    assert response.status_code == 422, response.text
    assert "loopback" in response.json()["detail"]["message"]
    assert tenant.get("/webhooks").json()["total"] == 0


def test_creation_does_not_look_names_up(tenant: Tenant) -> None:
    # The autouse tripwire fails any lookup: the spelling is checked now, the addresses when sending.
    assert tenant.post("/webhooks", {"url": "https://crm.example.com/hooks"}).status_code == 201


# ---- at send time


def test_a_name_resolving_to_a_refused_address_is_not_sent_to(client: TestClient, tenant: Tenant) -> None:
    resolver = TableResolver(
        {
            "rebind.example.com": [["10.0.0.1"]],
            "meta.example.com": [["169.254.169.254"]],
            "mixed.example.com": [["93.184.216.34", "fd00::1"]],
        }
    )
    hooks = [create(tenant, f"https://{name}/in") for name in resolver.answers]
    base.queue(tenant.workspace_id, 1)
    assert deliver_due(base.sessions, guard=guard(resolver)) == 3
    for hook in hooks:
        entry = only_delivery(tenant, hook)
        # Refused for good: the same lookup would be refused again.
        assert entry["status"] == "failed" and entry["attempts"] == 1
        assert entry["last_status_code"] is None and entry["last_error"] == "address not allowed"
    assert sorted(resolver.lookups) == sorted(resolver.answers)


def test_a_name_that_does_not_resolve_is_retried(client: TestClient, tenant: Tenant) -> None:
    hook = create(tenant, "https://gone.example.com/in")
    base.queue(tenant.workspace_id, 1)
    assert deliver_due(base.sessions, guard=guard(TableResolver({}))) == 1
    entry = only_delivery(tenant, hook)
    assert entry["status"] == "pending" and entry["last_error"] == "name not resolved"


def test_https_is_pinned_to_the_checked_address_with_the_name_for_tls(
    client: TestClient, tenant: Tenant, tmp_path: Path
) -> None:
    """Also DNS rebinding: the first answer is allowed, a second lookup would get a refused one; there is none."""
    server_tls, trusting = tls_pair(tmp_path, "hooks.example.com")
    with serve(204, tls=server_tls) as (port, seen):
        hook = create(tenant, f"https://hooks.example.com:{port}/in/é?source=centricity")
        base.queue(tenant.workspace_id, 1)
        resolver = TableResolver({"hooks.example.com": [["127.0.0.1"], ["169.254.169.254"]]})
        assert deliver_due(base.sessions, guard=guard(resolver, trusting)) == 1
    entry = only_delivery(tenant, hook)
    assert entry["status"] == "delivered" and entry["last_status_code"] == 204
    assert resolver.lookups == ["hooks.example.com"]
    assert seen.server_names == ["hooks.example.com"]  # SNI: the name, though the socket went to 127.0.0.1
    assert seen.hosts == [f"hooks.example.com:{port}"]
    assert seen.paths == ["/in/%C3%A9?source=centricity"]


def test_the_certificate_is_checked_against_the_name(client: TestClient, tenant: Tenant, tmp_path: Path) -> None:
    server_tls, trusting = tls_pair(tmp_path, "other.example.com")
    with serve(204, tls=server_tls) as (port, seen):
        hook = create(tenant, f"https://hooks.example.com:{port}/in")
        base.queue(tenant.workspace_id, 1)
        resolver = TableResolver({"hooks.example.com": [["127.0.0.1"]]})
        assert deliver_due(base.sessions, guard=guard(resolver, trusting)) == 1
    entry = only_delivery(tenant, hook)
    assert entry["status"] == "pending" and entry["last_error"] == "TLS error"
    assert seen.paths == []


def test_nothing_of_a_failing_answer_is_kept(client: TestClient, tenant: Tenant) -> None:
    def leak_in_headers(handler: Any) -> None:
        handler.send_header("X-Debug", SECRET_BODY.decode())

    with serve(500, SECRET_BODY * 20, extra=leak_in_headers) as (port, seen):
        hook = create(tenant, f"http://127.0.0.1:{port}/in")
        base.queue(tenant.workspace_id, 1)
        assert deliver_due(base.sessions) == 1
    assert seen.paths == ["/in"]
    entry = only_delivery(tenant, hook)
    assert entry["last_status_code"] == 500 and entry["last_error"] == "HTTP 500"
    secret = SECRET_BODY.decode()
    log = tenant.get(f"/webhooks/{hook['id']}/deliveries")
    assert secret[:12] not in log.text
    assert secret[:12] not in tenant.get(f"/webhooks/{hook['id']}").text
    assert secret[:12] not in everything_stored()


def test_webhooks_stored_before_the_rules_are_refused_when_sending(
    client: TestClient, tenant: Tenant, receiver: base.Receiver
) -> None:
    good = create(tenant, receiver.url)
    stored = [
        "https://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "https://0xa9fea9fe/",
        "ftp://example.com/",
        "https://user:pw@example.com/",
    ]
    with session_scope() as session:
        for url in stored:
            session.add(
                Webhook(workspace_id=tenant.workspace_id, url=url, secret="s" * 32, events=list(webhooks.EVENTS))
            )
    base.queue(tenant.workspace_id, 1)
    assert deliver_due(base.sessions, guard=guard(TableResolver({}))) == len(stored) + 1
    with session_scope() as session:
        rows = session.exec(select(WebhookDelivery, Webhook).join(Webhook)).all()
        outcomes = {hook.url: (d.status, d.attempts, d.last_status_code, d.last_error) for d, hook in rows}
    assert outcomes.pop(good["url"]) == ("delivered", 1, 200, None)
    assert outcomes == {
        "https://169.254.169.254/latest/meta-data/": ("failed", 1, None, "address not allowed"),
        "http://10.0.0.5/hook": ("failed", 1, None, "URL not allowed"),
        "https://0xa9fea9fe/": ("failed", 1, None, "address not allowed"),
        "ftp://example.com/": ("failed", 1, None, "URL not allowed"),
        "https://user:pw@example.com/": ("failed", 1, None, "URL not allowed"),
    }
    assert len(receiver.requests) == 1


def test_loopback_is_refused_at_send_time_without_the_setting(
    client: TestClient, tenant: Tenant, receiver: base.Receiver
) -> None:
    hook = create(tenant, receiver.url)  # created while the setting was on
    base.queue(tenant.workspace_id, 1)
    assert deliver_due(base.sessions, guard=OutboundGuard(allow_loopback=False)) == 1
    entry = only_delivery(tenant, hook)
    assert entry["status"] == "failed" and entry["last_error"] == "address not allowed"
    assert receiver.requests == []


def test_no_proxy_from_the_environment(
    client: TestClient, tenant: Tenant, receiver: base.Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would resolve the name itself, after the check; the guard ignores these variables.
    with serve(200) as (proxy_port, proxy_seen):
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        hook = create(tenant, receiver.url)
        base.queue(tenant.workspace_id, 1)
        assert deliver_due(base.sessions) == 1
    assert only_delivery(tenant, hook)["status"] == "delivered"
    assert len(receiver.requests) == 1 and proxy_seen.paths == []


# ---- helpers


def everything_stored() -> str:
    """Every row of every table, as text: what a database dump would show."""
    with get_engine().connect() as connection:
        return "\n".join(
            repr(row) for table in SQLModel.metadata.sorted_tables for row in connection.execute(table.select())
        )


def tls_pair(folder: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for `name`, and a client context trusting only it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}"),
            *("-addext", f"subjectAltName=DNS:{name}"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
