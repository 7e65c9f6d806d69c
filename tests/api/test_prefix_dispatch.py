"""The dispatch by path prefix: each request is matched against a small group of routes, and that
group always holds every route that could match its path (so no route is ever out of reach)."""

from __future__ import annotations

import re

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app.http.routing import PrefixDispatch, literal_prefix, request_key
from app.main import create_app


def _dispatch() -> tuple[PrefixDispatch, list[object]]:
    app = create_app()
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, PrefixDispatch)
    return dispatch, list(app.router.routes)


def _sample_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", template)


def test_every_route_is_in_the_group_its_paths_are_sent_to(app_database: str) -> None:
    dispatch, routes = _dispatch()
    checked = 0
    for entry in routes:
        for context in iter_route_contexts([entry]):  # type: ignore[list-item]
            if context.path is None:
                continue
            path = _sample_path(context.path)
            assert entry in dispatch.group_for(path).routes, (context.path, path)
            checked += 1
    assert checked > 80


def test_a_request_is_matched_against_few_routes(app_database: str) -> None:
    dispatch, routes = _dispatch()
    answers = dispatch.group_for("/api/v1/respond/some-token/answers").routes
    health = dispatch.group_for("/healthz").routes
    # The respondent API's router and what could match anything; not the other API routers nor the pages.
    assert len(answers) < len(routes) / 3 and len(health) < len(routes) / 3


def test_prefixes_stop_at_the_first_parameter() -> None:
    assert literal_prefix("/api/v1/respond/{token}/answers") == ("api", "v1", "respond")
    assert literal_prefix("/r/{token}") == ("r",)
    assert literal_prefix("/{anything:path}") == ()
    assert literal_prefix("/") == ("",) == request_key("/")
    assert request_key("/login/") == ("login",)


def test_answers_are_those_of_the_whole_table(client: TestClient) -> None:
    """Unknown paths, wrong methods and trailing slashes answer as a scan of every route would."""
    assert client.get("/api/v1/nope").status_code == 404
    assert client.get("/api/v1/nope").headers["content-type"] == "application/json"
    wrong_method = client.put("/api/v1/organizations")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET, POST"
    assert client.get("/login/", follow_redirects=False).headers["location"].endswith("/login")
    assert client.get("/static/swagger-ui/swagger-ui.css").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}
