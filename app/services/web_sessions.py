"""Signing in to the web app: server-side sessions, and a login rate limit that holds across processes."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, func, select

from app.db.session import engine_of, read_session, session_scope
from app.db.tables import LoginAttempt, User, WebSession, Workspace, utc_now
from app.security import digest
from app.services import accounts, audit
from app.services.errors import ServiceError

SESSION_LIFETIME = timedelta(hours=12)
# Every page reads the signed-in workspace; its logo (up to 512 KiB) is loaded only where it is used.
_WITHOUT_LOGO = defer(Workspace.logo)  # type: ignore[arg-type]  # a column attribute, typed by SQLModel as its value
ATTEMPT_WINDOW = timedelta(minutes=15)
# Failed sign-ins counted per (email, address) pair: the pair is refused until the window lets its oldest go.
MAX_FAILED_ATTEMPTS = 5
# Across all addresses, an email (or one address, across all emails) has this many failures free in the
# window; past them it is slowed, not locked: one attempt at a time after a delay that doubles with each
# further failure, so an attacker with many addresses cannot lock the owner out, only slow everyone.
EMAIL_CEILING = 20
ADDRESS_CEILING = 100
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(seconds=60)


class TooManyAttempts(ServiceError):
    status_code = 429

    def __init__(self, retry_after_seconds: int):
        if retry_after_seconds < 60:
            wait = f"{retry_after_seconds} second(s)"
        else:
            wait = f"about {round(retry_after_seconds / 60)} minute(s)"
        super().__init__(f"Too many failed sign-ins. Try again in {wait}.")
        self.retry_after = retry_after_seconds


@dataclass(frozen=True)
class SignedIn:
    user: User
    workspace: Workspace
    session: WebSession


@dataclass(frozen=True)
class _Limit:
    """`free` failures of a subject in ATTEMPT_WINDOW; past them the subject waits for the window
    (`slows` False) or for a delay after its latest attempt (`slows` True)."""

    prefix: str
    free: int
    slows: bool


_PAIR = _Limit("pair", MAX_FAILED_ATTEMPTS, slows=False)
_EMAIL = _Limit("email", EMAIL_CEILING, slows=True)
_ADDRESS = _Limit("ip", ADDRESS_CEILING, slows=True)


def _subjects(email: str, client_address: str | None) -> list[tuple[_Limit, str]]:
    # The pair as a digest: an email (320) and an address together would not fit the subject column.
    pair = digest("\n".join((email, client_address or "")))
    keyed = [(_PAIR, pair), (_EMAIL, email)] + ([(_ADDRESS, client_address)] if client_address else [])
    return [(limit, f"{limit.prefix}:{key}") for limit, key in keyed]


def slowdown(failures: int, free: int) -> timedelta:
    """The wait after `failures` attempts in the window by a subject that has `free` of them."""
    if failures <= free:
        return timedelta(0)
    return min(MAX_DELAY, FIRST_DELAY * (1 << min(failures - free - 1, 16)))


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def _refusal(reading: Session, limit: _Limit, subject: str, mine: str) -> int | None:
    """Seconds to wait before `subject` may try again, counting this attempt (`mine`), or None when it may go on."""
    now = utc_now()
    since = now - ATTEMPT_WINDOW
    in_window = (LoginAttempt.subject == subject, col(LoginAttempt.at) >= since)
    count, oldest = reading.exec(select(func.count(), func.min(LoginAttempt.at)).where(*in_window)).one()
    if count <= limit.free or oldest is None:
        return None
    if not limit.slows:
        until = _aware(oldest, now) + ATTEMPT_WINDOW
    else:
        latest = reading.exec(select(func.max(LoginAttempt.at)).where(*in_window, LoginAttempt.id != mine)).one()
        if latest is None:
            return None
        until = _aware(latest, now) + slowdown(count, limit.free)
    wait = (until - now).total_seconds()
    return math.ceil(wait) if wait > 0 else None


def _check_rate_limit(reading: Session, subjects: list[tuple[_Limit, str]], attempt_ids: list[str]) -> None:
    """Refuse a sign-in while any of its subjects has too many recent attempts (this one included)."""
    pairs = zip(subjects, attempt_ids, strict=True)
    waits = [_refusal(reading, limit, subject, mine) for (limit, subject), mine in pairs]
    refused = [wait for wait in waits if wait is not None]
    if refused:
        raise TooManyAttempts(max(refused))


def sign_in(session: Session, email: str, password: str, client_address: str | None) -> tuple[SignedIn, str]:
    """Check the password and open a new session; returns it and the cookie token (shown once).

    The attempt is recorded (committed) before the limits are read, so concurrent attempts see each
    other: of any number at once, at most MAX_FAILED_ATTEMPTS per pair reach the password check in a
    window. The check itself (the user's lookup and the slow hash) runs on a read session, outside any
    write transaction; a refused or successful attempt then takes its record back in a short write.
    A failed one leaves it, as the failure that counts.
    """
    email = email.strip().lower()
    subjects = _subjects(email, client_address)
    attempt = [LoginAttempt(subject=subject) for _limit, subject in subjects]
    attempt_ids = [row.id for row in attempt]  # read now: after the commit they would be loaded again
    # Committed at once, in a tiny transaction of its own, for concurrent attempts to see it.
    with session_scope(engine_of(session)) as recording:
        recording.add_all(attempt)
    try:
        with read_session(engine_of(session)) as reading:
            _check_rate_limit(reading, subjects, attempt_ids)
            user_id = accounts.authenticate_user(reading, email, password).id
    except TooManyAttempts:
        # Taken back at once, whatever becomes of the request's own unit of work.
        with session_scope(engine_of(session)) as undoing:
            undoing.exec(delete(LoginAttempt).where(col(LoginAttempt.id).in_(attempt_ids)))
        raise
    pair_subject = subjects[0][1]
    # A success forgives the pair's failures; the email's and the address's stay counted for their window.
    session.exec(
        delete(LoginAttempt).where(
            or_(col(LoginAttempt.id).in_(attempt_ids), col(LoginAttempt.subject) == pair_subject)
        )
    )
    user = session.exec(select(User).where(User.id == user_id)).one()
    user.last_login_at = utc_now()
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        workspace_id=user.workspace_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utc_now() + SESSION_LIFETIME,
    )
    session.add(web_session)
    audit.record(session, user.workspace_id, f"user:{user.id}", "user.signed_in", "user", user.id)
    workspace = session.exec(select(Workspace).where(Workspace.id == user.workspace_id).options(_WITHOUT_LOGO)).one()
    return SignedIn(user, workspace, web_session), token


def resume(session: Session, token: str) -> SignedIn | None:
    """The signed-in user of a session cookie, or None when it is unknown, ended or expired."""
    web_session = session.exec(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if web_session is None or web_session.expires_at <= utc_now():
        return None
    user = session.exec(select(User).where(User.id == web_session.user_id)).first()
    workspace = session.exec(
        select(Workspace).where(Workspace.id == web_session.workspace_id).options(_WITHOUT_LOGO)
    ).first()
    if user is None or workspace is None:
        return None
    return SignedIn(user, workspace, web_session)


def sign_out(session: Session, token: str) -> None:
    """End the session: its cookie is worthless from now on, wherever it was copied."""
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == digest(token)))
