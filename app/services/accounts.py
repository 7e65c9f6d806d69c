"""Workspaces, users and API keys: who may act, and in which workspace."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select
from zxcvbn import zxcvbn

from app.db.paging import paginate
from app.db.session import engine_of, writing_engine
from app.db.tables import (
    ALL_API_KEY_SCOPES,
    ApiKey,
    ApiKeyScope,
    User,
    UserRole,
    Workspace,
    api_key_scopes_text,
    utc_now,
)
from app.security import digest, dummy_password_hash, hash_password, new_api_key, verify_password
from app.services import audit
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized

# Writing last_used_at on every request would turn every read into a write; a minute is
# precise enough to tell which keys are in use.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10
# zxcvbn's scale: 3 is "safely unguessable" (about 10^10 guesses), what a slow hash and the sign-in
# limits need to hold against an offline or a patient online attacker.
MIN_PASSWORD_SCORE = 3
# The estimate's time grows with the length; past this many characters a password is not the weak spot.
_ESTIMATED_CHARACTERS = 100


@dataclass(frozen=True)
class NewPassword:
    """A password that passed the strength check, hashed: made before a write transaction begins,
    because hashing takes a noticeable fraction of a second and on SQLite that would hold the write lock."""

    password_hash: str


def password_problem(password: str, *related: str) -> str | None:
    """Why `password` is too weak to set, or None. `related`: the email, workspace name and the like,
    which make a password easy to guess for someone who knows them."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    hints = [word for text in related for word in re.split(r"[^a-z0-9]+", text.lower()) if len(word) > 2]
    estimate = zxcvbn(password[:_ESTIMATED_CHARACTERS], user_inputs=[*related, *hints])
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return None
    feedback = estimate["feedback"]
    why = " ".join(part for part in [feedback["warning"], *feedback["suggestions"]] if part)
    advice = f": {why}" if why else "; use a longer one, e.g. a few unrelated words"
    return f"the password is too easy to guess{advice}"


def new_password(password: str, *related: str) -> NewPassword:
    """The checked and hashed password, or InvalidInput saying why it is too weak."""
    problem = password_problem(password, *related)
    if problem is not None:
        raise InvalidInput(problem, [{"field": "password", "message": problem}])
    return NewPassword(hash_password(password))


@dataclass(frozen=True)
class Principal:
    """Who is acting: a workspace, a label for the audit trail ("api_key:<id>", "user:<id>", "cli"),
    and what it may do (an API key's scopes; people and the command line may do everything)."""

    workspace_id: str
    actor: str
    scopes: frozenset[ApiKeyScope] = ALL_API_KEY_SCOPES


def require_scope(principal: Principal, scope: ApiKeyScope) -> None:
    """Refuse, naming the missing scope, what `principal` may not do."""
    if scope not in principal.scopes:
        raise Forbidden(f"this API key lacks the '{scope.value}' scope this request needs")


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "workspace"


def get_or_create_workspace(session: Session, name: str) -> Workspace:
    name = name.strip()
    if not name:
        raise InvalidInput("a workspace needs a name")
    workspace = session.exec(select(Workspace).where(Workspace.name == name)).first()
    if workspace is None:
        workspace = Workspace(name=name, slug=_free_slug(session, slugify(name)))
        session.add(workspace)
        session.flush()
    return workspace


def find_workspace(session: Session, name: str) -> Workspace:
    workspace = session.exec(select(Workspace).where(Workspace.name == name)).first()
    if workspace is None:
        raise NotFound(f"no workspace named '{name}'")
    return workspace


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.exec(select(Workspace.id).where(Workspace.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def normalized_email(email: str) -> str:
    """The email as a login: trimmed and lower case; InvalidInput when it is not an address."""
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(f"'{email}' is not an email address")
    return email


def create_user(
    session: Session, workspace: Workspace, email: str, password: str | NewPassword, role: UserRole = UserRole.OWNER
) -> User:
    """A new user; `password` is best a NewPassword made before the session began (see there)."""
    email = normalized_email(email)
    if isinstance(password, str):
        password = new_password(password, email, workspace.name)
    taken = session.exec(select(User.id).where(User.workspace_id == workspace.id, User.email == email)).first()
    if taken is not None:
        raise Conflict(f"a user with the email {email} already exists in this workspace")
    user = User(workspace_id=workspace.id, email=email, password_hash=password.password_hash, role=role)
    session.add(user)
    session.flush()
    audit.record(session, workspace.id, "cli", "user.created", "user", user.id, email=email, role=role.value)
    return user


def authenticate_user(session: Session, email: str, password: str) -> User:
    """The user with this email and password, in whichever workspace; one message for every failure.
    Writes nothing, so it can run on a read session (the hash takes a while)."""
    users = session.exec(select(User).where(User.email == email.strip().lower())).all()
    for user in users:
        if verify_password(password, user.password_hash):
            return user
    if not users:
        # The same slow work as a wrong password: how long the answer takes must not tell whether
        # an email has an account.
        verify_password(password, dummy_password_hash())
    raise Unauthorized("wrong email or password")


def create_api_key(
    session: Session,
    workspace_id: str,
    name: str,
    actor: str,
    scopes: frozenset[ApiKeyScope] = ALL_API_KEY_SCOPES,
    *,
    granted_by: frozenset[ApiKeyScope] = ALL_API_KEY_SCOPES,
) -> tuple[ApiKey, str]:
    """A new key with `scopes`, none of which may be beyond `granted_by` (the scopes of who asks);
    the key itself is returned once here and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput("an API key needs a name")
    if not scopes:
        raise InvalidInput("an API key needs at least one scope (read, write, admin)")
    beyond = [scope.value for scope in ApiKeyScope if scope in scopes - granted_by]
    if beyond:
        raise Forbidden(f"a key cannot grant scopes it does not have: {', '.join(beyond)}")
    key, prefix, key_hash = new_api_key()
    stored_scopes = api_key_scopes_text(scopes)
    record = ApiKey(workspace_id=workspace_id, name=name, prefix=prefix, key_hash=key_hash, scopes=stored_scopes)
    session.add(record)
    session.flush()
    audit.record(session, workspace_id, actor, "api_key.created", "api_key", record.id, name=name, scopes=stored_scopes)
    return record, key


def list_api_keys(session: Session, workspace_id: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(col(ApiKey.created_at))
    return list(session.exec(query).all())


def api_keys_page(session: Session, workspace_id: str, limit: int, offset: int) -> tuple[list[ApiKey], int]:
    """One page of the workspace's keys, oldest first, and how many there are."""
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(col(ApiKey.created_at), col(ApiKey.id))
    return paginate(session, query, limit, offset)


def revoke_api_key(session: Session, workspace_id: str, key_id: str, actor: str) -> ApiKey:
    record = session.exec(select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == workspace_id)).first()
    if record is None:
        raise NotFound("no such API key")
    if record.revoked_at is None:
        record.revoked_at = utc_now()
        audit.record(session, workspace_id, actor, "api_key.revoked", "api_key", record.id)
    return record


def principal_for_api_key(reading: Session, key: str) -> Principal:
    """The workspace an API key acts for; a revoked or unknown key is refused with one message.

    `reading` is a read session: the check takes no write lock. The occasional last_used_at (at most
    once per LAST_USED_RESOLUTION) is a tiny write transaction of its own, ended before the request's
    work begins, so no request holds the write lock because it was authenticated."""
    record = reading.exec(select(ApiKey).where(ApiKey.key_hash == digest(key))).first()
    if record is None or record.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key")
    now = utc_now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        stale = or_(col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) < now - LAST_USED_RESOLUTION)
        with writing_engine(engine_of(reading)).begin() as connection:
            connection.execute(update(ApiKey).where(col(ApiKey.id) == record.id, stale).values(last_used_at=now))
    return Principal(record.workspace_id, f"api_key:{record.id}", record.scope_set)
