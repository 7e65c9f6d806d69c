"""Hostile input from a respondent, or anyone, breaks nothing: every class of bad text, number and date
is a clear 422 naming where it was, stores nothing, and every export and report still answers 200."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db.session import session_scope
from app.db.tables import Answer, Organization, Respondent
from app.http.checked_input import CheckedRoute
from app.scoring.answers import MAX_RATINGS
from tests.api.conftest import Tenant, dont_know_answers, make_tenant
from tests.live_server import serving

# One of each kind of character the text rule refuses everywhere.
BAD_TEXTS = {
    "lone high surrogate": "bad \ud800 text",
    "lone low surrogate": "bad \udfff text",
    "NUL": "bad \x00 text",
    "escape (C0)": "bad \x1b[31m text",
    "DEL": "bad \x7f text",
    "next line (C1)": "bad \x85 text",
    "noncharacter": "bad \uffff text",
}
# The same at the door of a URL: what a query string or path can carry (percent-encoded UTF-8).
BAD_URL_TEXTS = {"NUL": "%00", "escape (C0)": "%1B", "next line (C1)": "%C2%85", "noncharacter": "%EF%BF%BF"}

TEXT_QUESTION = "people-blocker"
NUMBER_QUESTION = "m1-policies-changed"
RATINGS_QUESTION = "outcome-nps"
FIGURE_QUESTION = "outcome-clv"  # a money figure with no maximum


def raw_json(client: TestClient, method: str, url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    """Send `body` as JSON text with \\u escapes (as any JSON client may), which is how a lone surrogate
    travels; httpx's own encoder would refuse to send it."""
    return client.request(
        method,
        url,
        content=json.dumps(body, allow_nan=True),
        headers={"content-type": "application/json", **(headers or {})},
    )


def problem_fields(response: Any) -> list[str]:
    return [p.get("field") or p.get("question") for p in response.json()["detail"]["problems"]]


@pytest.fixture
def survey(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    """A named assessment on the flagship questionnaire with one submitted respondent (so every export
    and report has content) and one link still open for answers."""
    assessment = tenant.open_assessment("customer-centricity", anonymity="named")
    invited = tenant.post(
        f"/assessments/{assessment['id']}/respondents",
        {
            "respondents": [
                {"role": "manager", "function": "sales", "name": "Ann"},
                {"role": "executive", "function": "it"},
            ]
        },
    )
    assert invited.status_code == 201, invited.text
    done, open_token = (item["api_link"].rsplit("/", 1)[1] for item in invited.json())
    answers = dont_know_answers(tenant, "customer-centricity")
    answers[TEXT_QUESTION] = "Approvals take weeks."
    saved = client.put(f"/api/v1/respond/{done}/answers", json={"answers": answers})
    assert saved.status_code == 200, saved.text
    assert client.post(f"/api/v1/respond/{done}/submit").status_code == 200
    return {"assessment": assessment, "token": open_token, "respondent_ids": [r["id"] for r in invited.json()]}


def stored_answers(respondent_id: str) -> dict[str, tuple[Any, str | None]]:
    with session_scope() as session:
        rows = session.exec(select(Answer).where(Answer.respondent_id == respondent_id)).all()
        return {a.question_id: (a.value, a.comment) for a in rows}


def assert_every_output_answers(tenant: Tenant, assessment_id: str, *, pdf: bool = False) -> dict[str, Any]:
    """Every export and report of the assessment answers 200; returns them by name."""
    names = ["export.csv", "export.xlsx", "export.json", "report.html"] + (["report.pdf"] if pdf else [])
    found = {}
    for name in names:
        response = tenant.get(f"/assessments/{assessment_id}/{name}")
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:300]}"
        found[name] = response
    assert tenant.get(f"/assessments/{assessment_id}/results").status_code == 200
    return found


# ---- text


@pytest.mark.parametrize("bad", BAD_TEXTS.values(), ids=BAD_TEXTS.keys())
def test_bad_text_in_an_answer_or_comment_is_refused_and_nothing_is_stored(
    client: TestClient, tenant: Tenant, survey: dict[str, Any], bad: str
) -> None:
    token, open_id = survey["token"], survey["respondent_ids"][1]
    cases = {
        "text answer": {"answers": {TEXT_QUESTION: bad}},
        "choice answer": {"answers": {"m1-website-survey": bad}},
        "checklist item": {"answers": {"insight-sources": ["interviews", bad]}},
        "comment": {"answers": {"strategy-customer-strategy": 3}, "comments": {"strategy-customer-strategy": bad}},
    }
    for case, body in cases.items():
        response = raw_json(client, "PUT", f"/api/v1/respond/{token}/answers", body)
        assert response.status_code == 422, f"{case}: {response.status_code} {response.text}"
        assert response.json()["error"] == "ValidationError"
        fields = problem_fields(response)
        question = next(iter(body.get("comments") or body["answers"]))
        assert any(question in (field or "") for field in fields), (case, fields)
        assert "character" in response.json()["detail"]["message"], case
    assert stored_answers(open_id) == {}
    assert_every_output_answers(tenant, survey["assessment"]["id"])


@pytest.mark.parametrize("bad", BAD_TEXTS.values(), ids=BAD_TEXTS.keys())
def test_a_question_id_that_is_bad_text_is_refused(client: TestClient, survey: dict[str, Any], bad: str) -> None:
    response = raw_json(client, "PUT", f"/api/v1/respond/{survey['token']}/answers", {"answers": {bad: 3}})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["body.answers.<key 1>"]
    assert stored_answers(survey["respondent_ids"][1]) == {}
    # The refusal itself is valid JSON in UTF-8 even though what it refuses is not.
    assert response.content.decode("utf-8")


def _bodies(assessment_id: str, organization_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, field, body with the field set to BAD) for every text field of every request body."""
    bad = "BAD"
    invitee = {"role": "manager", "function": "sales"}
    push = {"role": "manager", "function": "sales", "answers": {"strategy-customer-strategy": 3}}
    return [
        ("POST", "/organizations", "name", {"name": bad}),
        ("POST", "/organizations", "industry", {"name": "Initech", "industry": bad}),
        ("POST", "/organizations", "size_band", {"name": "Initech", "size_band": bad}),
        ("POST", "/organizations", "region", {"name": "Initech", "region": bad}),
        ("PATCH", f"/organizations/{organization_id}", "name", {"name": bad}),
        (
            "POST",
            "/assessments",
            "title",
            {"organization_id": organization_id, "questionnaire_id": "pulse", "title": bad},
        ),
        ("POST", "/assessments", "questionnaire_id", {"organization_id": organization_id, "questionnaire_id": bad}),
        ("POST", "/assessments", "organization_id", {"organization_id": bad, "questionnaire_id": "pulse"}),
        ("PATCH", f"/assessments/{assessment_id}", "title", {"title": bad}),
        ("POST", f"/assessments/{assessment_id}/respondents", "name", {"respondents": [{**invitee, "name": bad}]}),
        ("POST", f"/assessments/{assessment_id}/respondents", "role", {"respondents": [{**invitee, "role": bad}]}),
        ("POST", f"/assessments/{assessment_id}/responses", "name", {**push, "name": bad}),
        ("POST", f"/assessments/{assessment_id}/responses", "function", {**push, "function": bad}),
        ("POST", f"/assessments/{assessment_id}/responses", TEXT_QUESTION, {**push, "answers": {TEXT_QUESTION: bad}}),
        (
            "POST",
            f"/assessments/{assessment_id}/responses",
            "strategy-customer-strategy",
            {**push, "comments": {"strategy-customer-strategy": bad}},
        ),
        ("POST", "/api-keys", "name", {"name": bad}),
        ("PATCH", "/branding", "name", {"name": bad}),
        ("PATCH", "/branding", "accent_color", {"accent_color": bad}),
        ("POST", "/webhooks", "url", {"url": bad}),
    ]


def _state(tenant: Tenant, assessment_id: str) -> Any:
    """What the requests above could change, as the API shows it."""
    return (
        tenant.get("/organizations").json(),
        tenant.get(f"/assessments/{assessment_id}").json(),
        tenant.get(f"/assessments/{assessment_id}/respondents").json()["total"],
        tenant.get("/api-keys").json()["total"],
        tenant.get("/branding").json(),
        tenant.get("/webhooks").json()["total"],
    )


@pytest.mark.parametrize("kind", ["lone high surrogate", "NUL", "next line (C1)"])
def test_every_text_field_of_every_body_refuses_bad_text(
    client: TestClient, tenant: Tenant, survey: dict[str, Any], kind: str
) -> None:
    assessment = survey["assessment"]
    before = _state(tenant, assessment["id"])
    for method, path, field, body in _bodies(assessment["id"], assessment["organization_id"]):
        sent = json.loads(json.dumps(body).replace('"BAD"', json.dumps(BAD_TEXTS[kind])))
        response = raw_json(client, method, f"/api/v1{path}", sent, tenant.headers)
        assert response.status_code == 422, f"{method} {path} {field}: {response.status_code} {response.text}"
        assert any(field in (f or "") for f in problem_fields(response)), (path, field, response.text)
    assert _state(tenant, assessment["id"]) == before
    assert_every_output_answers(tenant, assessment["id"])


def test_line_breaks_are_text_in_answers_and_comments_but_not_in_names(
    client: TestClient, tenant: Tenant, survey: dict[str, Any]
) -> None:
    token = survey["token"]
    body = {"answers": {TEXT_QUESTION: "Two lines,\r\n\tindented."}, "comments": {TEXT_QUESTION: "a\nb"}}
    assert client.put(f"/api/v1/respond/{token}/answers", json=body).status_code == 422  # no comment on text
    body = {"answers": {TEXT_QUESTION: "Two lines,\r\n\tindented.", "strategy-customer-strategy": 2}}
    body["comments"] = {"strategy-customer-strategy": "first line\nsecond line"}
    assert client.put(f"/api/v1/respond/{token}/answers", json=body).status_code == 200
    assert stored_answers(survey["respondent_ids"][1])[TEXT_QUESTION][0] == "Two lines,\r\n\tindented."
    refused = tenant.post("/organizations", {"name": "Two\nlines"})
    assert refused.status_code == 422 and problem_fields(refused) == ["body.name"]
    assert "line break" in refused.json()["detail"]["message"]


@pytest.mark.parametrize("encoded", BAD_URL_TEXTS.values(), ids=BAD_URL_TEXTS.keys())
def test_paths_queries_and_data_headers_refuse_bad_text(
    client: TestClient, tenant: Tenant, survey: dict[str, Any], encoded: str
) -> None:
    assessment_id = survey["assessment"]["id"]
    for path, where in [
        (f"/assessments?organization_id=x{encoded}", "query.organization_id"),
        (f"/assessments/{assessment_id}/benchmark?industry={encoded}", "query.industry"),
        (f"/assessments/{assessment_id}{encoded}", "path.assessment_id"),
        (f"/organizations/{encoded}/trend", "path.organization_id"),
        (f"/respond/{encoded}", "path.token"),
    ]:
        response = tenant.get(path)
        assert response.status_code == 422, f"{path}: {response.status_code} {response.text}"
        assert problem_fields(response) == [where], path
    # A header the app stores (TestClient passes any byte through; a C1 control arrives as latin-1).
    header: dict[str, Any] = {**tenant.headers, "Idempotency-Key": "key-\x85".encode("latin-1")}
    response = client.post("/api/v1/organizations", json={"name": "Initech"}, headers=header)
    assert response.status_code == 422 and problem_fields(response) == ["header.idempotency-key"], response.text
    assert [o["name"] for o in tenant.get("/organizations").json()["items"]] == ["Globex"]


def api_routes(routes: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every route of the app with its full path, through the routers it includes."""
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole)
            yield from api_routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def test_every_route_checks_its_input(client: TestClient) -> None:
    """The check is the routes' class, so a new router cannot forget it."""
    routes = list(api_routes(client.app.routes))  # type: ignore[attr-defined]
    unchecked = [(path, route) for path, route in routes if not isinstance(route, CheckedRoute)]
    # Only routes that take no input at all (no path, query, header, cookie or body parameter) may skip it.
    taking_input = [
        path
        for path, route in unchecked
        if any(
            (
                route.dependant.path_params,
                route.dependant.query_params,
                route.dependant.header_params,
                route.dependant.cookie_params,
                route.dependant.body_params,
            )
        )
    ]
    assert len(routes) > 70 and not taking_input, taking_input


# ---- numbers


HUGE_NUMBERS = {
    "400 digits": "1" + "0" * 399,
    "-400 digits": "-1" + "0" * 399,
    "1e400 (infinite as a float)": "1e400",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "past the limit": str(10**15 + 1),
}


@pytest.mark.parametrize("number", HUGE_NUMBERS.values(), ids=HUGE_NUMBERS.keys())
def test_huge_and_non_finite_numbers_in_answers_are_refused_naming_the_question(
    client: TestClient, tenant: Tenant, survey: dict[str, Any], number: str
) -> None:
    token = survey["token"]
    for question in (NUMBER_QUESTION, FIGURE_QUESTION, RATINGS_QUESTION):
        body = f'{{"answers": {{"{question}": {number}}}}}'
        response = client.put(
            f"/api/v1/respond/{token}/answers", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, f"{question} {number[:20]}: {response.status_code} {response.text}"
        assert problem_fields(response) == [question]
        ratings = f'{{"answers": {{"{RATINGS_QUESTION}": [9, {number}]}}}}'
        response = client.put(
            f"/api/v1/respond/{token}/answers", content=ratings, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422 and problem_fields(response) == [RATINGS_QUESTION], response.text
    assert stored_answers(survey["respondent_ids"][1]) == {}
    assert_every_output_answers(tenant, survey["assessment"]["id"])


def test_the_largest_number_allowed_is_stored_and_exported(
    client: TestClient, tenant: Tenant, survey: dict[str, Any]
) -> None:
    saved = client.put(f"/api/v1/respond/{survey['token']}/answers", json={"answers": {FIGURE_QUESTION: 10**15}})
    assert saved.status_code == 200, saved.text
    assert stored_answers(survey["respondent_ids"][1])[FIGURE_QUESTION][0] == 10**15
    assert_every_output_answers(tenant, survey["assessment"]["id"])


def test_raw_ratings_per_answer_are_bounded_and_the_error_says_how_to_send_more(
    client: TestClient, survey: dict[str, Any]
) -> None:
    token, open_id = survey["token"], survey["respondent_ids"][1]
    too_many = client.put(
        f"/api/v1/respond/{token}/answers", json={"answers": {RATINGS_QUESTION: [9] * (MAX_RATINGS + 1)}}
    )
    assert too_many.status_code == 422 and problem_fields(too_many) == [RATINGS_QUESTION]
    message = too_many.json()["detail"]["problems"][0]["message"]
    assert f"{MAX_RATINGS:,}" in message and "/responses" in message and "reported figure" in message
    assert stored_answers(open_id) == {}
    at_limit = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {RATINGS_QUESTION: [9] * MAX_RATINGS}})
    assert at_limit.status_code == 200, at_limit.text
    assert len(stored_answers(open_id)[RATINGS_QUESTION][0]) == MAX_RATINGS


def _int_parameters(client: TestClient) -> Iterator[tuple[str, str, str, str]]:
    """(method, path template, where, name) of every integer path or query parameter of every route."""
    for full_path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        params = [("path", p) for p in route.dependant.path_params] + [
            ("query", p) for p in route.dependant.query_params
        ]
        for dependency in route.dependant.dependencies:
            params += [("query", p) for p in dependency.query_params]
        for where, param in params:
            if param.field_info.annotation is int:
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, full_path, where, param.alias


OUT_OF_RANGE_INTS = {
    "2^63": str(2**63),
    "2^63 - 1": str(2**63 - 1),
    "-2^63 - 1": str(-(2**63) - 1),
    "400 digits": "9" * 400,
    "superscript one": quote("¹"),
    "Arabic-Indic one": quote("١"),
}


def test_every_integer_parameter_refuses_values_beyond_64_bits_and_odd_digits(
    client: TestClient, tenant: Tenant, survey: dict[str, Any]
) -> None:
    """Walks every integer path and query parameter of the API and the pages (the pages signed in)."""
    from tests.web.conftest import make_account, sign_in

    account = make_account("walker@acme.example", "Acme Consulting")
    sign_in(client, account.email)
    real = {
        "assessment_id": survey["assessment"]["id"],
        "organization_id": survey["assessment"]["organization_id"],
        "token": survey["token"],
    }
    found = list(_int_parameters(client))
    names = {(path, name) for _, path, _, name in found}
    assert {("/api/v1/organizations", "limit"), ("/assessments/{assessment_id}", "page")} <= names
    for method, template, where, name in found:
        for label, value in OUT_OF_RANGE_INTS.items():
            path = template
            for key, known in real.items():
                path = path.replace("{" + key + "}", known)
            path = path.replace("{" + name + "}", value)
            path = path.replace("{number}", "1")
            if where == "query":
                path += f"?{name}={value}"
            if "{" in path:
                continue  # a path id this walk has no real value for: its ints are covered elsewhere
            response = client.request(method, path, headers=tenant.headers, follow_redirects=False)
            assert 400 <= response.status_code < 500, f"{method} {path[:120]} ({label}): {response.status_code}"


# ---- dates


EDGE_MOMENTS = {
    "the last second, 23:59 behind UTC": "9999-12-31T23:59:59-23:59",
    "the first second, 23:59 ahead of UTC": "0001-01-01T00:00:00+23:59",
    "year 10000": "10000-01-01T00:00:00Z",
    "year 0": "0000-01-01T00:00:00Z",
    "year 9999": "9999-06-01T00:00:00Z",
}


@pytest.mark.parametrize("moment", EDGE_MOMENTS.values(), ids=EDGE_MOMENTS.keys())
def test_every_date_field_refuses_dates_at_the_edges(tenant: Tenant, survey: dict[str, Any], moment: str) -> None:
    assessment = survey["assessment"]
    organization_id = assessment["organization_id"]
    schema = tenant.client.get("/openapi.json").json()["components"]["schemas"]
    date_fields = {
        model: [name for name, spec in schema[model]["properties"].items() if "date-time" in json.dumps(spec)]
        for model in ("AssessmentCreate", "AssessmentUpdate")
    }
    assert date_fields == {"AssessmentCreate": ["opens_at", "closes_at"], "AssessmentUpdate": ["opens_at", "closes_at"]}
    before = tenant.get(f"/assessments/{assessment['id']}").json()
    for field in date_fields["AssessmentCreate"]:
        body = {"organization_id": organization_id, "questionnaire_id": "pulse", field: moment}
        created = tenant.post("/assessments", body)
        assert created.status_code == 422 and problem_fields(created) == [f"body.{field}"], created.text
        message = created.json()["detail"]["message"]
        clear = ("from 1970-01-01T00:00:00Z to 3000-01-01T00:00:00Z", "out of range", "time zone")
        assert any(words in message for words in clear), message
        updated = tenant.patch(f"/assessments/{assessment['id']}", {field: moment})
        assert updated.status_code == 422 and problem_fields(updated) == [f"body.{field}"], updated.text
    assert tenant.get(f"/assessments/{assessment['id']}").json() == before
    assert tenant.get("/assessments").json()["total"] == 1


# ---- values stored before these checks


def test_bad_text_already_stored_cannot_break_an_export_or_report(
    tenant: Tenant, survey: dict[str, Any], backend_name: str
) -> None:
    """An older version could store such values; every output repairs them instead of failing."""
    # PostgreSQL cannot hold NUL or a surrogate at all; SQLite keeps a surrogate in JSON as an escape.
    bad = "old \x1b\x85\uffff\x7f value" + (" \ud800" if backend_name == "sqlite" else "")
    done_id = survey["respondent_ids"][0]
    with session_scope() as session:
        answer = session.exec(
            select(Answer).where(Answer.respondent_id == done_id, Answer.question_id == TEXT_QUESTION)
        ).one()
        answer.value = bad
        comment_row = session.exec(
            select(Answer).where(Answer.respondent_id == done_id, Answer.question_id == "strategy-customer-strategy")
        ).one()
        comment_row.comment = "old \x1b\x0b comment"
        respondent = session.exec(select(Respondent).where(Respondent.id == done_id)).one()
        respondent.name = "Ann \x1b\x85"
        organization = session.exec(select(Organization).where(Organization.workspace_id == tenant.workspace_id)).one()
        organization.name = "Globex \x1b\uffff"
    outputs = assert_every_output_answers(tenant, survey["assessment"]["id"], pdf=True)
    csv_text = outputs["export.csv"].content.decode("utf-8-sig")
    assert "old \ufffd\ufffd\ufffd\ufffd value" in csv_text and "\x1b" not in csv_text
    exported = outputs["export.json"].json()
    assert exported["assessment"]["organization_name"] == "Globex \ufffd\ufffd"
    assert "\x1b" not in outputs["report.html"].text and "Globex \ufffd\ufffd" in outputs["report.html"].text
    assert outputs["report.pdf"].content.startswith(b"%PDF")
    page = tenant.client.get(f"/api/v1/assessments/{survey['assessment']['id']}/report.html", headers=tenant.headers)
    assert page.status_code == 200


@pytest.fixture
def backend_name(app_database: str) -> str:
    return "postgresql" if app_database.startswith("postgresql") else "sqlite"


# ---- the connection survives


def _exchange(connection: socket.socket, request: bytes) -> bytes:
    """Send one HTTP/1.1 request and read its whole response (headers and Content-Length body)."""
    connection.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection after {data[:200]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return head + b"\r\n\r\n" + body


@pytest.mark.slow
def test_a_refused_request_leaves_the_keep_alive_connection_working(
    client: TestClient, tenant: Tenant, survey: dict[str, Any], tmp_path: Path
) -> None:
    token = survey["token"]
    with serving(tmp_path / "server.log") as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        live = make_tenant(client, "Acme Consulting")
        hostile = [
            f'{{"answers": {{"{NUMBER_QUESTION}": {"9" * 400}}}}}'.encode(),
            b'{"answers": {"' + TEXT_QUESTION.encode() + b'": "bad \\ud800 text"}}',
            b'{"answers": {"' + TEXT_QUESTION.encode() + b'": "bad \\u0000 text"}}',
        ]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            for body in hostile:
                request = (
                    f"PUT /api/v1/respond/{token}/answers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body
                assert _exchange(connection, request).startswith(b"HTTP/1.1 422 "), body[:60]
            for path in ("/organizations?offset=9223372036854775808", "/organizations?limit=%C2%B9"):
                request = (
                    f"GET /api/v1{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {live.key}\r\n\r\n"
                ).encode()
                assert _exchange(connection, request).startswith(b"HTTP/1.1 422 "), path
            # The same connection still answers an ordinary request.
            request = f"GET /api/v1/respond/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            assert _exchange(connection, request).startswith(b"HTTP/1.1 200 ")
    assert stored_answers(survey["respondent_ids"][1]) == {}
