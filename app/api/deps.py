"""Dependencies of the API routes: the database session, the calling workspace and its scopes, paging, idempotency."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db.engine import get_engine
from app.db.session import read_session
from app.db.tables import ApiKeyScope
from app.services import accounts, idempotency
from app.services.accounts import Principal
from app.services.errors import Unauthorized


async def request_session() -> AsyncIterator[Session]:
    """The request's session. An async dependency on purpose: a sync one costs two trips through
    the thread pool per request (enter and exit), while making and closing a session does no
    waiting worth a thread (closing returns the connection to the pool)."""
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(request_session)]


async def request_read_session() -> AsyncIterator[Session]:
    """A read session for a request that only reads (on SQLite it takes no write lock; see `read_session`)."""
    with read_session() as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(request_read_session)]

_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "An API key of the workspace: `Authorization: Bearer ck_...`. Its scopes say what it may call: "
        "`read` the GET routes, `write` the others, `admin` API keys, webhooks and branding changes (else 403)."
    ),
)


def current_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    return accounts.principal_for_api_key(session, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]

# Methods that change nothing: a `read` key may call them.
_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_scope(
    reads: ApiKeyScope = ApiKeyScope.READ, writes: ApiKeyScope = ApiKeyScope.WRITE
) -> Callable[[Request, Principal], None]:
    """A dependency that lets through only a caller with the scope the request needs: `reads` for
    GET and HEAD, `writes` for the other methods; 403 naming the missing scope otherwise."""

    def check_scope(request: Request, principal: PrincipalDep) -> None:
        accounts.require_scope(principal, reads if request.method in _READING_METHODS else writes)

    return check_scope


# Far past any real list, and inside the 64-bit integers SQLite and PostgreSQL take for OFFSET.
MAX_OFFSET = 1_000_000_000


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
    ):
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=idempotency.KEY_MAX,
        description="Any unique string; a retry with the same key and body replays the first outcome.",
    ),
]


def idempotency_scope(principal: Principal) -> str:
    """Whose Idempotency-Keys these are: the workspace and the credential within it, so that another
    key of the same workspace (a read-only one, say) cannot replay an outcome it did not cause."""
    return f"workspace:{principal.workspace_id}/{principal.actor}"


def run_once(
    session: Session,
    request: Request,
    scope: str,
    key: str | None,
    payload: Any,
    work: Callable[[], tuple[int, Any]],
    *,
    encoded: bool = False,
) -> JSONResponse:
    """Do `work` (which must not commit) and commit once; with an Idempotency-Key, store the outcome
    in the same transaction and replay it on a retry instead of doing the work again.

    `encoded`: `work` returns a body that is JSON already (dicts, lists, strings, numbers), which
    then skips `jsonable_encoder`. `payload` (the request body) is read only with a key."""
    if key is None:
        status, body = work()
        content = body if encoded else jsonable_encoder(body)
        session.commit()
        return JSONResponse(status_code=status, content=content)
    guard = idempotency.IdempotentRequest.of(scope, key, request.method, request.url.path, jsonable_encoder(payload))
    earlier = idempotency.stored_outcome(session, guard)
    if earlier is not None:
        return JSONResponse(status_code=earlier[0], content=earlier[1], headers={"Idempotent-Replayed": "true"})
    status, body = work()
    content = body if encoded else jsonable_encoder(body)
    idempotency.remember(session, guard, status, content)
    try:
        session.commit()
    except IntegrityError:
        # A concurrent request with the same key committed first: its outcome is the answer.
        session.rollback()
        earlier = idempotency.stored_outcome(session, guard)
        if earlier is None:
            raise
        return JSONResponse(status_code=earlier[0], content=earlier[1], headers={"Idempotent-Replayed": "true"})
    return JSONResponse(status_code=status, content=content)
