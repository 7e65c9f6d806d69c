"""The login rate limit holds across worker processes: `centricity serve --workers 2` on one SQLite file,
failed sign-ins at /login (the web form, with its CSRF token) spread over both workers, and the attempt
after the limit gets 429 with Retry-After, whichever worker takes it.

Which worker serves a request is read from the kernel, not guessed: each attempt uses a connection of
its own, and the worker process holding the server side of that connection (/proc/net/tcp gives the
socket's inode, /proc/<pid>/fd the process that has it) is the one that answered. The limit counts per
email and per client address; addresses come from X-Forwarded-For, which `centricity serve` honours
from loopback (uvicorn's proxy headers), so the two subjects can be exercised apart.

The API has no other rate limit (API keys and respondent links are 256-bit secrets, not guessable).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.db.session import session_scope
from app.services import accounts
from app.services.web_sessions import ATTEMPT_WINDOW, MAX_FAILED_ATTEMPTS
from tests.live_server import ServerProcess, server_process

pytestmark = pytest.mark.slow

WORKERS = 2
CONNECTIONS_PER_WORKER = 4
MAX_CONNECTION_TRIES = 400
EMAIL = "alice@acme.example"
PASSWORD = "the-right-password-2026"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _group_pids(leader: int) -> list[int]:
    """Every process in the leader's process group (the uvicorn supervisor and its workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == leader:  # state, ppid, pgrp
            pids.append(int(entry))
    return pids


def _server_socket_inode(server_port: int, client_port: int) -> str:
    wanted_local = f"0100007F:{server_port:04X}"
    wanted_remote = f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted_local and fields[2] == wanted_remote:
            return fields[9]
    raise AssertionError(f"no server-side socket for client port {client_port}")


def serving_pid(server: ServerProcess, response: httpx.Response) -> int:
    """The process that holds the server side of the connection this response came over."""
    client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    server_port = int(server.base_url.rsplit(":", 1)[1])
    target = f"socket:[{_server_socket_inode(server_port, client_port)}]"
    for pid in _group_pids(server.process.pid):
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == target:
                    return pid
            except OSError:
                continue
    raise AssertionError("no process of the server holds the connection")


@dataclass
class Visitor:
    """A browser on one connection of its own: the login form's CSRF cookie and token, and the worker."""

    http: httpx.Client
    csrf_token: str
    worker: int

    def sign_in(self, server: ServerProcess, email: str, password: str, address: str) -> httpx.Response:
        response = self.http.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf_token, "next": "/"},
            headers={"X-Forwarded-For": address},
        )
        assert serving_pid(server, response) == self.worker  # same connection, same worker
        if found := CSRF_FIELD.search(response.text):
            self.csrf_token = found.group(1)  # the form comes back with a fresh token
        return response


@contextmanager
def visitors(server: ServerProcess) -> Iterator[dict[int, list[Visitor]]]:
    """New connections until each worker holds CONNECTIONS_PER_WORKER of them; grouped by worker pid."""
    by_worker: dict[int, list[Visitor]] = {}
    spare: list[httpx.Client] = []
    try:
        for _ in range(MAX_CONNECTION_TRIES):
            http = httpx.Client(base_url=server.base_url, timeout=30.0, limits=httpx.Limits(max_connections=1))
            form = http.get("/login")
            assert form.status_code == 200
            found = CSRF_FIELD.search(form.text)
            assert found
            worker = serving_pid(server, form)
            group = by_worker.setdefault(worker, [])
            if len(group) < CONNECTIONS_PER_WORKER:
                group.append(Visitor(http, found.group(1), worker))
            else:
                spare.append(http)
            if len(by_worker) == WORKERS and all(len(g) == CONNECTIONS_PER_WORKER for g in by_worker.values()):
                break
        assert len(by_worker) == WORKERS, f"every new connection went to the same worker: {list(by_worker)}"
        assert all(len(g) == CONNECTIONS_PER_WORKER for g in by_worker.values())
        yield by_worker
    finally:
        for http in spare + [v.http for g in by_worker.values() for v in g]:
            http.close()


@pytest.fixture
def two_workers(live_environment: tuple[str, int], tmp_path: Path) -> Iterator[ServerProcess]:
    _database_url, port = live_environment
    with server_process(tmp_path / "server.log", port, workers=WORKERS) as server:
        with session_scope() as session:  # the server migrated the file; this process shares it
            workspace = accounts.get_or_create_workspace(session, "Acme Consulting")
            accounts.create_user(session, workspace, EMAIL, PASSWORD)
        yield server


def alternate(by_worker: dict[int, list[Visitor]]) -> list[Visitor]:
    """The visitors taking turns between the workers: worker A, worker B, A, B, ..."""
    first, second = by_worker.values()
    return [v for pair in zip(first, second, strict=True) for v in pair]


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text[:300]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= ATTEMPT_WINDOW.total_seconds() + 1


def test_failed_logins_for_one_email_are_counted_across_both_workers(two_workers: ServerProcess) -> None:
    server = two_workers
    with visitors(server) as by_worker:
        turns = alternate(by_worker)
        failing, after = turns[:MAX_FAILED_ATTEMPTS], turns[MAX_FAILED_ATTEMPTS:]
        for number, visitor in enumerate(failing):
            response = visitor.sign_in(server, EMAIL, f"wrong-{number}", f"10.0.0.{number + 1}")
            assert response.status_code == 401, response.text[:300]
        assert {v.worker for v in failing} == set(by_worker)  # both workers counted failures

        # The next attempt, from yet another address and even with the right password, is refused on
        # either worker; no session cookie is handed out.
        for number, visitor in enumerate(after[:2]):
            response = visitor.sign_in(server, EMAIL, PASSWORD, f"10.0.1.{number + 1}")
            assert_limited(response)
            assert "centricity-session" not in response.headers.get("set-cookie", "")
        assert {v.worker for v in after[:2]} == set(by_worker)

        # Another email from a fresh address is not affected.
        response = after[2].sign_in(server, "bob@acme.example", "whatever", "10.0.2.1")
        assert response.status_code == 401


def test_failed_logins_from_one_address_are_counted_across_both_workers(two_workers: ServerProcess) -> None:
    server = two_workers
    address = "10.9.9.9"
    with visitors(server) as by_worker:
        turns = alternate(by_worker)
        for number, visitor in enumerate(turns[:MAX_FAILED_ATTEMPTS]):
            response = visitor.sign_in(server, f"nobody-{number}@acme.example", "guess", address)
            assert response.status_code == 401, response.text[:300]
        for visitor in turns[MAX_FAILED_ATTEMPTS : MAX_FAILED_ATTEMPTS + 2]:
            assert_limited(visitor.sign_in(server, EMAIL, PASSWORD, address))
        # The right password from another address still signs in.
        signed_in = turns[MAX_FAILED_ATTEMPTS + 2].sign_in(server, EMAIL, PASSWORD, "10.9.9.10")
        assert signed_in.status_code == 303
