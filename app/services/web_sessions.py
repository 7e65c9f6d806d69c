"""Signing in to the web app: server-side sessions, and a login rate limit that holds across processes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, func, select

from app.db.tables import LoginAttempt, User, WebSession, Workspace, utc_now
from app.security import digest
from app.services import accounts, audit
from app.services.errors import ServiceError

SESSION_LIFETIME = timedelta(hours=12)
# Every page reads the signed-in workspace; its logo (up to 512 KiB) is loaded only where it is used.
_WITHOUT_LOGO = defer(Workspace.logo)  # type: ignore[arg-type]  # a column attribute, typed by SQLModel as its value
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILED_ATTEMPTS = 5


class TooManyAttempts(ServiceError):
    status_code = 429

    def __init__(self, retry_after_seconds: int):
        minutes = max(1, round(retry_after_seconds / 60))
        super().__init__(f"Too many failed sign-ins. Try again in about {minutes} minute(s).")
        self.retry_after = retry_after_seconds


@dataclass(frozen=True)
class SignedIn:
    user: User
    workspace: Workspace
    session: WebSession


def _subjects(email: str, client_address: str | None) -> list[str]:
    subjects = [f"email:{email.strip().lower()}"]
    if client_address:
        subjects.append(f"ip:{client_address}")
    return subjects


def check_rate_limit(session: Session, email: str, client_address: str | None) -> None:
    """Refuse a sign-in while the email or the address has too many recent failures."""
    since = utc_now() - ATTEMPT_WINDOW
    for subject in _subjects(email, client_address):
        count, oldest = session.exec(
            select(func.count(), func.min(LoginAttempt.at)).where(
                LoginAttempt.subject == subject, col(LoginAttempt.at) >= since
            )
        ).one()
        if count >= MAX_FAILED_ATTEMPTS and oldest is not None:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=since.tzinfo)
            wait = int((oldest_at + ATTEMPT_WINDOW - utc_now()).total_seconds()) + 1
            raise TooManyAttempts(max(wait, 1))


def sign_in(session: Session, email: str, password: str, client_address: str | None) -> tuple[SignedIn, str]:
    """Check the password and open a new session; returns it and the cookie token (shown once)."""
    check_rate_limit(session, email, client_address)
    try:
        user = accounts.authenticate_user(session, email, password)
    except ServiceError:
        for subject in _subjects(email, client_address):
            session.add(LoginAttempt(subject=subject))
        session.commit()  # the failure must count even though the request fails
        raise
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        workspace_id=user.workspace_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utc_now() + SESSION_LIFETIME,
    )
    session.add(web_session)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.subject) == f"email:{user.email}"))
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
