"""The login rate limit holds across worker processes: `centricity serve --workers 2` on one SQLite file,
failed sign-ins at /login (the web form, with its CSRF token) spread over both workers, and the attempt
after the limit gets 429 with Retry-After, whichever worker takes it.

Which worker serves a request is read from the kernel, not guessed: each attempt uses a connection of
its own, and the worker process holding the server side of that connection (/proc/net/tcp gives the
socket's inode, /proc/<pid>/fd the process that has it) is the one that answered. The limit counts per
(email, client address) pair; addresses come from X-Forwarded-For, which the server here believes from
loopback (FORWARDED_ALLOW_IPS=127.0.0.1, as a proxy on the same machine would be configured), so pairs
can be exercised apart.

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
    """A browser with a connection of its own, holding the login form's CSRF cookie and token."""

    http: httpx.Client
    csrf_token: str

    def sign_in(self, server: ServerProcess, email: str, password: str, address: str) -> tuple[httpx.Response, int]:
        """Post the login form; returns the response and the pid of the worker that served it."""
        response = self.http.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf_token, "next": "/"},
            headers={"X-Forwarded-For": address},
        )
        return response, serving_pid(server, response)


@contextmanager
def visitor_on(server: ServerProcess, worker: int | None = None) -> Iterator[tuple[Visitor, int]]:
    """A new connection that reads the login form, on `worker` (new connections until one lands there)
    or on any worker; yields it with the pid that served the form. The form is posted right after,
    long before the server would close the idle connection (uvicorn's keep-alive is 5 s)."""
    for _ in range(MAX_CONNECTION_TRIES):
        http = httpx.Client(base_url=server.base_url, timeout=30.0, limits=httpx.Limits(max_connections=1))
        try:
            form = http.get("/login")
            assert form.status_code == 200
            pid = serving_pid(server, form)
            if worker is None or pid == worker:
                found = CSRF_FIELD.search(form.text)
                assert found
                yield Visitor(http, found.group(1)), pid
                return
        finally:
            http.close()
    pytest.fail(f"no new connection out of {MAX_CONNECTION_TRIES} went to worker {worker}")


def worker_pids(server: ServerProcess) -> tuple[int, int]:
    """The two workers' pids, as seen serving new connections."""
    seen: set[int] = set()
    for _ in range(MAX_CONNECTION_TRIES):
        with visitor_on(server) as (_visitor, pid):
            seen.add(pid)
        if len(seen) == WORKERS:
            first, second = sorted(seen)
            return first, second
    pytest.fail(f"every new connection went to the same worker: {seen}")


def attempt(server: ServerProcess, worker: int, email: str, password: str, address: str) -> tuple[httpx.Response, int]:
    with visitor_on(server, worker) as (visitor, _pid):
        return visitor.sign_in(server, email, password, address)


@pytest.fixture
def two_workers(
    live_environment: tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServerProcess]:
    _database_url, port = live_environment
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
    with server_process(tmp_path / "server.log", port, workers=WORKERS) as server:
        with session_scope() as session:  # the server migrated the file; this process shares it
            workspace = accounts.get_or_create_workspace(session, "Acme Consulting")
            accounts.create_user(session, workspace, EMAIL, PASSWORD)
        yield server


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text[:300]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= ATTEMPT_WINDOW.total_seconds() + 1


def test_failed_logins_of_one_email_and_address_are_counted_across_both_workers(two_workers: ServerProcess) -> None:
    server = two_workers
    workers = worker_pids(server)
    address = "10.0.0.1"
    served = []
    for number in range(MAX_FAILED_ATTEMPTS):  # worker A, B, A, B, A
        response, pid = attempt(server, workers[number % 2], EMAIL, f"wrong-{number}", address)
        assert response.status_code == 401, response.text[:300]
        served.append(pid)
    assert set(served) == set(workers)  # both workers counted failures (3 and 2: neither reached 5 alone)

    # The next attempt from that address, even with the right password, is refused on either worker;
    # no session cookie is handed out.
    refused_by = set()
    for worker in reversed(workers):
        response, pid = attempt(server, worker, EMAIL, PASSWORD, address)
        assert_limited(response)
        assert "centricity-session" not in response.headers.get("set-cookie", "")
        refused_by.add(pid)
    assert refused_by == set(workers)

    # Another email from the same address, and the right password from another address, are not affected.
    other, _pid = attempt(server, workers[0], "bob@acme.example", "whatever", address)
    assert other.status_code == 401
    signed_in, _pid = attempt(server, workers[1], EMAIL, PASSWORD, "10.0.0.2")
    assert signed_in.status_code == 303
