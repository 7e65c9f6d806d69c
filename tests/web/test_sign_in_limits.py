"""The sign-in limits and their timing, on SQLite and PostgreSQL: failures count per (email, address) pair,
an email's ceiling across addresses slows instead of locking out, concurrent guesses cannot overrun the
limit, an unknown email costs the same hash as a wrong password, and the hash runs outside any SQLite
write transaction."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app.db.engine import get_engine
from app.db.tables import LoginAttempt
from app.services import accounts, web_sessions
from app.services.errors import Unauthorized
from app.services.web_sessions import EMAIL_CEILING, MAX_FAILED_ATTEMPTS, TooManyAttempts, slowdown
from tests.live_server import serving
from tests.parallel import PARALLEL, all_at_once
from tests.web.conftest import PASSWORD, Account, make_account

OWNER_ADDRESS = "198.51.100.7"
ATTACKER = "203.0.113.66"


def sign_in(email: str, password: str, address: str) -> None:
    with Session(get_engine()) as session:
        web_sessions.sign_in(session, email, password, address)
        session.commit()


def refused_wait(email: str, password: str, address: str) -> int:
    """Seconds the limit asks to wait; fails the test when the attempt was not refused."""
    with pytest.raises(TooManyAttempts) as refused:
        sign_in(email, password, address)
    return refused.value.retry_after


def fail(email: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            sign_in(email, "not the password at all", address)


def age_attempts(by: timedelta) -> None:
    """Move every recorded attempt back in time, instead of waiting."""
    with Session(get_engine()) as session:
        for attempt in session.exec(select(LoginAttempt)).all():
            attempt.at -= by
        session.commit()


def test_an_attackers_failures_from_another_address_do_not_block_the_owner(
    client: TestClient, account: Account
) -> None:
    fail(account.email, ATTACKER, MAX_FAILED_ATTEMPTS)
    wait = refused_wait(account.email, PASSWORD, ATTACKER)  # the attacker's pair is refused, even the right password
    assert 0 < wait <= web_sessions.ATTEMPT_WINDOW.total_seconds() + 1
    sign_in(account.email, PASSWORD, OWNER_ADDRESS)  # the owner, from their own address, gets in


def test_one_addresss_failures_do_not_block_other_users_behind_it(client: TestClient, account: Account) -> None:
    colleague = make_account("bob@acme.example", "Acme Consulting")
    office = "192.0.2.10"
    fail(account.email, office, MAX_FAILED_ATTEMPTS)
    refused_wait(account.email, PASSWORD, office)
    sign_in(colleague.email, PASSWORD, office)


def test_the_email_ceiling_slows_every_address_with_a_growing_delay_but_never_locks_out(
    client: TestClient, account: Account
) -> None:
    for number in range(EMAIL_CEILING // MAX_FAILED_ATTEMPTS):  # the ceiling, from addresses that stay in their limit
        fail(account.email, f"203.0.113.{number + 1}", MAX_FAILED_ATTEMPTS)
    # Past the ceiling even a fresh address waits (429 with a Retry-After), and the wait doubles with
    # each further failure...
    waits = []
    for number in range(4):
        waits.append(refused_wait(account.email, "another guess", f"198.51.100.{number + 100}"))
        age_attempts(timedelta(seconds=waits[-1]))
        fail(account.email, f"198.51.100.{number + 200}")
    assert waits == [int(slowdown(EMAIL_CEILING + n + 1, EMAIL_CEILING).total_seconds()) for n in range(4)]
    assert waits == [1, 2, 4, 8]
    # ...and once it has passed, the owner's right password from a fresh address signs in.
    assert refused_wait(account.email, PASSWORD, OWNER_ADDRESS) == 16
    age_attempts(timedelta(seconds=16))
    sign_in(account.email, PASSWORD, OWNER_ADDRESS)


def test_a_success_forgives_the_pairs_failures(client: TestClient, account: Account) -> None:
    fail(account.email, OWNER_ADDRESS, MAX_FAILED_ATTEMPTS - 1)
    sign_in(account.email, PASSWORD, OWNER_ADDRESS)
    fail(account.email, OWNER_ADDRESS, MAX_FAILED_ATTEMPTS - 1)  # four typos again, not refused
    sign_in(account.email, PASSWORD, OWNER_ADDRESS)


class CountedVerification:
    """Wraps the real password check: counts its runs, and (on SQLite) whether the database's write
    lock was free while it ran, tried from a connection of its own that does not wait."""

    def __init__(self, sqlite_file: str | None):
        self.real: Callable[[str, str], bool] = accounts.verify_password
        self.sqlite_file = sqlite_file
        self.calls = 0
        self.lock_was_free: list[bool] = []

    def __call__(self, password: str, password_hash: str) -> bool:
        self.calls += 1
        if self.sqlite_file is not None:
            probe = sqlite3.connect(self.sqlite_file, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                self.lock_was_free.append(True)
            except sqlite3.OperationalError:
                self.lock_was_free.append(False)
            finally:
                probe.close()
        return self.real(password, password_hash)


@pytest.fixture
def verification(app_database: str, monkeypatch: pytest.MonkeyPatch) -> CountedVerification:
    url = make_url(app_database)
    counted = CountedVerification(url.database if url.get_backend_name() == "sqlite" else None)
    monkeypatch.setattr(accounts, "verify_password", counted)
    return counted


def test_an_unknown_email_costs_the_same_hash_as_a_wrong_password(
    client: TestClient, account: Account, verification: CountedVerification
) -> None:
    fail("nobody@acme.example", OWNER_ADDRESS)
    assert verification.calls == 1  # checked against a dummy hash, as long as a real one takes
    fail(account.email, OWNER_ADDRESS)
    assert verification.calls == 2


def test_the_hash_runs_while_no_sqlite_write_lock_is_held(
    client: TestClient, account: Account, verification: CountedVerification
) -> None:
    if verification.sqlite_file is None:
        pytest.skip("the write lock held by a transaction is SQLite's")
    fail(account.email, OWNER_ADDRESS)
    fail("nobody@acme.example", OWNER_ADDRESS)
    sign_in(account.email, PASSWORD, OWNER_ADDRESS)
    assert verification.lock_was_free == [True, True, True]


# ---- concurrent guesses through the real server


@pytest.fixture
def server(app_database: str, tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path / "server.log") as base_url:
        yield base_url


def post_login(base_url: str, email: str, password: str) -> httpx.Response:
    """A browser of its own: reads the form (its CSRF cookie and token), then posts it."""
    with httpx.Client(base_url=base_url, timeout=60.0) as http:
        form = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        return http.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})


@pytest.mark.slow
def test_parallel_wrong_passwords_never_get_more_checks_than_the_limit(server: str) -> None:
    account = make_account("ann@acme.example", "Acme Consulting")
    answers = all_at_once(lambda: post_login(server, account.email, "a wrong guess"))
    statuses = Counter(response.status_code for response in answers)
    assert set(statuses) <= {401, 429}, statuses
    # Each attempt is recorded before the limit is read, so of any number at once at most the limit's
    # worth reach the password check (fewer when many are recorded before any reads).
    assert statuses[401] <= MAX_FAILED_ATTEMPTS and statuses[429] >= PARALLEL - MAX_FAILED_ATTEMPTS
    with Session(get_engine()) as session:
        pairs = session.exec(select(LoginAttempt.subject).where(col(LoginAttempt.subject).startswith("pair:"))).all()
    assert len(pairs) == statuses[401]  # refused attempts took their record back; failures kept theirs
    refused = next(response for response in answers if response.status_code == 429)
    assert int(refused.headers["Retry-After"]) > 0 and "Too many failed sign-ins" in refused.text
