"""Dispatch by path prefix: a request is matched only against the routes that can match its path.

FastAPI tries an application's routes in order, each one a regular expression (and an included
router tries all of its own), so every request paid for the whole route table. Here the routes
are grouped by the literal segments their paths begin with (`/api/v1/respond`, `/r`, `/static`,
`/login`): a request goes to the group of its own first segments and FastAPI matches within it.
The route table itself is untouched (the OpenAPI document, `url_for` and the order routes are
tried in are as before); within a group the routes keep their order, so the first match is the
one a scan of the whole table would find.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import APIRouter, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

# How many leading segments tell groups apart: /api/v1/<router> is the deepest the routes need.
KEY_DEPTH = 3

Key = tuple[str, ...]


def literal_prefix(path: str) -> Key:
    """The leading segments of a route's path that are plain text (up to KEY_DEPTH): a request
    path can match the route only if it begins with them. `/` gives ("",), as the path `/` does."""
    segments = path.strip("/").split("/")
    literal: list[str] = []
    for segment in segments[:KEY_DEPTH]:
        if "{" in segment:
            break
        literal.append(segment)
    return tuple(literal)


def request_key(path: str) -> Key:
    return tuple(path.strip("/").split("/")[:KEY_DEPTH])


def _prefixes_of(route: BaseRoute) -> set[Key]:
    """Every literal prefix a top-level route (or an included router, through its routes) can match under."""
    found = {literal_prefix(context.path) for context in iter_route_contexts([route]) if context.path is not None}
    return found or {()}  # a route whose path is unknown might match anything: tried for every request


def _under(key: Key, prefixes: Iterable[Key]) -> bool:
    return any(key[: len(prefix)] == prefix for prefix in prefixes)


class PrefixDispatch:
    """The innermost ASGI app of `router` (in place of its scan of every route): picks the routes
    the request path can match and lets a router made of those alone do FastAPI's matching."""

    def __init__(self, router: APIRouter):
        self.router = router
        self._built_for: list[BaseRoute] | None = None
        self._groups: dict[Key, APIRouter] = {}

    def _group_router(self, routes: list[BaseRoute]) -> APIRouter:
        group = APIRouter(routes=routes, redirect_slashes=self.router.redirect_slashes, default=self.router.default)
        group.form_limits = self.router.form_limits
        return group

    def _build(self) -> None:
        routes = list(self.router.routes)
        prefixes = [_prefixes_of(route) for route in routes]
        keys: set[Key] = {()}
        for found in prefixes:
            for prefix in found:
                keys |= {prefix[:depth] for depth in range(len(prefix) + 1)}
        # Group `key` holds every route one of whose prefixes `key` begins with: a request path whose
        # longest known prefix is `key` can match no other route.
        self._groups = {
            key: self._group_router(
                [route for route, found in zip(routes, prefixes, strict=True) if _under(key, found)]
            )
            for key in keys
        }
        self._built_for = routes

    def group_for(self, path: str) -> APIRouter:
        if self._built_for is None or len(self._built_for) != len(self.router.routes):
            self._build()  # routes were added since (at startup, or by a test)
        key = request_key(path)
        for depth in range(len(key), -1, -1):
            group = self._groups.get(key[:depth])
            if group is not None:
                return group
        raise AssertionError("the empty prefix always has a group")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.router.app(scope, receive, send)  # lifespan: the application's own router
            return
        scope.setdefault("router", self.router)  # url_for and friends see the whole table
        await self.group_for(get_route_path(scope)).app(scope, receive, send)


def dispatch_by_prefix(app: FastAPI) -> None:
    """Route `app`'s requests through PrefixDispatch (call it once, after the routes are added)."""
    app.router.middleware_stack = PrefixDispatch(app.router)
