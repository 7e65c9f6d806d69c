"""One unit of work per request: the session dependency commits before the response is sent, and
rolls back a request that fails; every GET route reads on a read session (no write lock on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import current_principal
from app.db.engine import get_engine
from app.db.tables import Organization
from app.http.sessions import request_session
from app.main import create_app
from app.web.deps import current_viewer
from tests.api.conftest import make_tenant


def organizations_named(name: str) -> int:
    """How many organizations have `name`, as another connection sees them (committed rows only)."""
    with Session(get_engine()) as other:
        return other.exec(select(func.count()).select_from(Organization).where(col(Organization.name) == name)).one()


class SeenAtResponseStart:
    """Wraps the app: when a response starts (before its first byte goes out), asks `look`."""

    def __init__(self, app: ASGIApp, look: Any):
        self.app = app
        self.look = look
        self.seen: list[tuple[int, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                self.seen.append((message["status"], self.look()))
            await send(message)

        await self.app(scope, receive, watching)


@pytest.fixture
def watched(app_database: str) -> Iterator[tuple[TestClient, SeenAtResponseStart]]:
    wrapper = SeenAtResponseStart(create_app(), lambda: organizations_named("Initech"))
    with TestClient(wrapper, raise_server_exceptions=False) as client:
        yield client, wrapper


def test_a_client_that_gets_201_finds_the_row(watched: tuple[TestClient, SeenAtResponseStart]) -> None:
    client, wrapper = watched
    tenant = make_tenant(client, "Acme Consulting")
    created = tenant.post("/organizations", {"name": "Initech"})
    assert created.status_code == 201, created.text
    # Committed before the response started, not after it was sent.
    assert wrapper.seen == [(201, 1)]


def test_a_refused_write_leaves_nothing_behind(watched: tuple[TestClient, SeenAtResponseStart]) -> None:
    client, wrapper = watched
    tenant = make_tenant(client, "Acme Consulting")
    assert tenant.post("/organizations", {"name": "Initech"}).status_code == 201
    again = tenant.post("/organizations", {"name": "Initech"})
    assert again.status_code == 409, again.text
    assert wrapper.seen == [(201, 1), (409, 1)]
    assert organizations_named("Initech") == 1


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _get_routes() -> list[tuple[str, APIRoute]]:
    routes = []
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if isinstance(route, APIRoute) and "GET" in route.methods:
            routes.append((context.path or route.path, route))
    return routes


def test_every_get_route_reads_on_a_read_session(app_database: str) -> None:
    routes = _get_routes()
    assert len(routes) > 30  # the API's and the pages' GET routes, not an empty walk
    writing = [path for path, route in routes if request_session in set(_calls(route.dependant))]
    assert writing == []
    # The checks every API route and every page run first: the API key's and the sign-in session's.
    assert request_session not in set(_calls(get_dependant(path="", call=current_principal)))
    assert request_session not in set(_calls(get_dependant(path="", call=current_viewer)))


def test_the_walk_would_find_a_write_session(app_database: str) -> None:
    """The check above looks where a write session would be: the POST routes that write have one."""
    posts = [
        route
        for context in iter_route_contexts(create_app().routes)
        if isinstance(route := context.original_route, APIRoute) and "POST" in route.methods
    ]
    assert any(request_session in set(_calls(route.dependant)) for route in posts)
