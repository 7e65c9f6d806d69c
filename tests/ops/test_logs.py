"""Structured logs: a request id on every request and on every line logged while it runs; one JSON line
per request with the route template, never a respondent's token or a query string."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.observability.logs import JsonFormatter, RequestIdFilter, current_request_id
from app.observability.middleware import RequestObservability, redact_path
from tests.api.conftest import Tenant

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


class Collect(logging.Handler):
    """Formats every record as the service does (JSON, request id stamped when emitted) and keeps the lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def served(self) -> list[dict[str, Any]]:
        """The lines the service logged (not the test client's own: httpx logs every URL it fetches)."""
        return [line for line in self.lines if not line["logger"].startswith(("httpx", "httpcore"))]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["logger"] == "centricity.request"]


@pytest.fixture
def log_lines() -> Iterator[Collect]:
    handler = Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_a_sane_request_id_is_kept_and_returned(sqlite_client: TestClient, log_lines: Collect) -> None:
    for given in ("abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "Root=1-5759e988:bd862e3f/x+y="):
        response = sqlite_client.get("/healthz", headers={"X-Request-ID": given})
        assert response.headers["x-request-id"] == given
        assert log_lines.requests()[-1]["request_id"] == given


@pytest.mark.parametrize(
    "given",
    ["has space", "x" * 129, 'quote"d', "-starts-with-a-dash", "new\tline", "ünïcode", ""],
)
def test_an_odd_request_id_is_replaced_by_a_new_one(sqlite_client: TestClient, log_lines: Collect, given: str) -> None:
    response = sqlite_client.get("/healthz", headers={"X-Request-ID": given.encode()})
    returned = response.headers["x-request-id"]
    assert returned != given and GENERATED_ID.fullmatch(returned)
    assert log_lines.requests()[-1]["request_id"] == returned
    assert given not in json.dumps(log_lines.lines) or given == ""


def test_requests_without_an_id_get_different_ones(sqlite_client: TestClient) -> None:
    first = sqlite_client.get("/healthz").headers["x-request-id"]
    second = sqlite_client.get("/healthz").headers["x-request-id"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second) and first != second
    # one header, not the caller's and ours
    assert len(sqlite_client.get("/healthz", headers={"X-Request-ID": "mine"}).headers.get_list("x-request-id")) == 1


def test_one_json_line_per_request_with_template_status_and_duration(
    sqlite_client: TestClient, sqlite_tenant: Tenant, log_lines: Collect
) -> None:
    assessment = sqlite_tenant.open_assessment()
    log_lines.lines.clear()
    response = sqlite_client.get(
        f"/api/v1/assessments/{assessment['id']}?secret=hunter2",
        headers={**sqlite_tenant.headers, "X-Request-ID": "req-1"},
    )
    assert response.status_code == 200
    (line,) = log_lines.requests()
    assert line["method"] == "GET" and line["status"] == 200
    assert line["path"] == "/api/v1/assessments/{assessment_id}"
    assert line["request_id"] == "req-1" and line["level"] == "info"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert assessment["id"] not in json.dumps(line) and "hunter2" not in json.dumps(log_lines.served())


def test_respondent_tokens_never_reach_the_log(
    sqlite_client: TestClient, sqlite_tenant: Tenant, log_lines: Collect
) -> None:
    assessment = sqlite_tenant.open_assessment()
    (token,) = sqlite_tenant.invite(assessment["id"], ("executive", "sales"))
    log_lines.lines.clear()
    assert sqlite_client.get(f"/api/v1/respond/{token}").status_code == 200
    assert sqlite_client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}}).is_success
    assert sqlite_client.get(f"/r/{token}?page=1").status_code == 200
    # no route matches these: the path is logged with the token taken out
    assert sqlite_client.get(f"/r/{token}/no/such/page").status_code == 404
    assert sqlite_client.get(f"/api/v1/respond/{token}/nothing/here").status_code == 404
    paths = [line["path"] for line in log_lines.requests()]
    assert paths == [
        "/api/v1/respond/{token}",
        "/api/v1/respond/{token}/answers",
        "/r/{token}",
        "/r/{token}/no/such/page",
        "/api/v1/respond/{token}/nothing/here",
    ]
    assert token not in json.dumps(log_lines.served())


def test_redact_path_takes_out_only_the_token_segment() -> None:
    assert redact_path("/r/abc.DEF_123/page/2") == "/r/{token}/page/2"
    assert redact_path("/api/v1/respond/tok") == "/api/v1/respond/{token}"
    assert redact_path("/api/v1/assessments/a1/respondents") == "/api/v1/assessments/a1/respondents"
    assert redact_path("/results/r/x") == "/results/r/x"


def _app_that_logs() -> FastAPI:
    app = FastAPI()
    log = logging.getLogger("centricity.tests")

    @app.get("/sync")
    def in_the_thread_pool() -> dict[str, str | None]:
        log.info("working in a thread")
        return {"seen": current_request_id()}

    @app.get("/async")
    async def on_the_event_loop() -> dict[str, str | None]:
        log.warning("working on the loop", extra={"items": 3})
        return {"seen": current_request_id()}

    @app.get("/boom")
    def fails() -> None:
        raise RuntimeError("broken on purpose")

    app.add_middleware(RequestObservability)
    return app


def test_lines_logged_during_a_request_carry_its_id_in_threads_and_on_the_loop(log_lines: Collect) -> None:
    with TestClient(_app_that_logs(), raise_server_exceptions=False) as client:
        sync = client.get("/sync", headers={"X-Request-ID": "sync-1"})
        asynchronous = client.get("/async", headers={"X-Request-ID": "async-1"})
        failed = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert sync.json() == {"seen": "sync-1"} and asynchronous.json() == {"seen": "async-1"}
    by_message = {line["message"]: line for line in log_lines.lines}
    assert by_message["working in a thread"]["request_id"] == "sync-1"
    assert by_message["working on the loop"]["request_id"] == "async-1"
    assert by_message["working on the loop"]["items"] == 3 and by_message["working on the loop"]["level"] == "warning"
    assert failed.status_code == 500
    assert [(line["path"], line["status"], line["request_id"]) for line in log_lines.requests()] == [
        ("/sync", 200, "sync-1"),
        ("/async", 200, "async-1"),
        ("/boom", 500, "boom-1"),
    ]
    logging.getLogger("centricity.tests").info("after the requests")
    assert "request_id" not in log_lines.lines[-1] and current_request_id() is None


def test_the_json_formatter_keeps_exceptions_and_extra_fields() -> None:
    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True, extra={"order": 7}
        )
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here" and line["level"] == "error" and line["order"] == 7
    assert "ValueError: bad value" in line["exception"]
    assert line["time"].endswith("+00:00") and isinstance(line["pid"], int)


def test_an_unexpected_error_answers_500_with_the_request_id_that_its_log_line_carries(log_lines: Collect) -> None:
    from app.api.app import create_app

    app = create_app()

    def broken() -> None:
        raise RuntimeError("broken on purpose")

    app.add_api_route("/api/v1/broken-on-purpose", broken)
    app.add_api_route("/broken-on-purpose", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/broken-on-purpose", headers={"X-Request-ID": "api-500"})
        page = client.get("/broken-on-purpose", headers={"X-Request-ID": "page-500"})
    assert api.status_code == 500 and api.json()["error"] == "InternalError"
    assert api.headers["X-Request-ID"] == "api-500"
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    assert page.headers["X-Request-ID"] == "page-500"
    errors = [line for line in log_lines.lines if line["message"].startswith("unhandled error")]
    assert [line["request_id"] for line in errors] == ["api-500", "page-500"]


def test_an_unhandled_error_on_a_respondent_route_or_page_logs_no_token(
    sqlite_client: TestClient, sqlite_tenant: Tenant, log_lines: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import responses

    assessment = sqlite_tenant.open_assessment()
    (token,) = sqlite_tenant.invite(assessment["id"], ("executive", "sales"))

    def failing(session_or_connection: Any, respondent_id_or_token: str) -> Any:
        # Errors often quote what they were given (a driver's parameters, a URL): here, the link.
        raise RuntimeError(f"cannot read the answers of link {token} (/r/{token}?next=/r/{token}/review)")

    monkeypatch.setattr(responses, "stored_values", failing)  # the pages
    monkeypatch.setattr(responses, "form_state", failing)  # the API's form
    log_lines.lines.clear()
    assert sqlite_client.get(f"/api/v1/respond/{token}").status_code == 500
    assert sqlite_client.get(f"/r/{token}/page/1?from={token}").status_code == 500
    errors = [line for line in log_lines.served() if line["message"].startswith("unhandled error")]
    assert [line["message"] for line in errors] == [
        "unhandled error on GET /api/v1/respond/{token}",
        "unhandled error on GET /r/{token}/page/1",
    ]
    assert all("RuntimeError: cannot read the answers of link {redacted}" in line["exception"] for line in errors)
    assert token not in json.dumps(log_lines.lines)


def test_the_formatter_redacts_keys_cookies_and_query_values_in_any_field() -> None:
    from app.security import new_api_key, new_link_token

    key, prefix, _ = new_api_key()
    link, _ = new_link_token()
    record = logging.getLogger("x").makeRecord(
        "x",
        logging.WARNING,
        __file__,
        1,
        "called with Authorization: Bearer %s and Cookie: centricity-session=%s; theme=dark",
        (key, link),
        exc_info=None,
        extra={"url": f"https://app.example/cb?code={link}&state=1", "headers": {"x-api-key": key}, "ids": [link]},
    )
    text = JsonFormatter().format(record)
    line = json.loads(text)
    assert key not in text and link not in text
    assert line["message"] == (
        "called with Authorization: Bearer {redacted} and Cookie: centricity-session={redacted}; theme=dark"
    )
    assert line["url"] == "https://app.example/cb?code={redacted}&state={redacted}"
    assert line["headers"] == {"x-api-key": prefix + "{redacted}"} and line["ids"] == ["{redacted}"]


def test_redaction_leaves_ids_names_and_templates_alone() -> None:
    from app.observability.logs import redact

    ordinary = (
        "GET /api/v1/assessments/0f8fad5b-d9cb-469f-a165-70867728950e/results 200"
        " request 9b2c3d4e5f60718293a4b5c6d7e8f901"
        " in test_an_unhandled_error_on_a_respondent_route_or_page_logs_no_token at /r/{token} key ck_80P0y"
    )
    assert redact(ordinary) == ordinary
